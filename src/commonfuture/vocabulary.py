"""The words the toolkit shows people, defined once.

The dashboard, the reports, the guide for public managers and the command line
name the stages, the levers, the events, the parameters and the measures with the
words below and no others. Every scenario parameter, event kind and monthly
measure has a plain label here (a test keeps it so): a new parameter or measure
is a line here too.

* :data:`STAGES` and :data:`STAGE_WORDS`: the paper's stages (no coupling,
  coupling, integration, linking);
* :data:`LEVERS`: the leadership levers, with what each means in practice;
* :data:`EVENT_KINDS`: what can happen on the timeline;
* :data:`SECTIONS` and :func:`parameter_label`: every scenario parameter;
* :func:`measure_label`: every monthly measure (``commonfuture.outputs``).

The value vocabulary (value created, value lost, net value destroyed, ...) is
:data:`commonfuture.outputs.TERMS`; :data:`VALUE_LOST` and
:data:`NET_DESTROYED` name its two kinds of loss apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: the stages of Cui & Osborne (2019), by number: the paper's words
STAGES: dict[int, str] = {
    0: "no coupling",
    1: "coupling of key leaders",
    2: "integration of actors",
    3: "linking to the wider community",
}

#: the one word of each stage, for chart axes and the status line
STAGE_WORDS: dict[int, str] = {0: "no coupling", 1: "coupling", 2: "integration", 3: "linking"}


def stage_text(stage: float | int) -> str:
    """``2`` -> ``"stage 2, integration"``; a mean over runs names the stage it is in."""
    k = int(max(0, min(3, int(stage))))
    return f"stage {k}, {STAGE_WORDS[k]}"


#: gross losses by kind (``loss_<kind>``) and net destruction (``value_destroyed``):
#: two different things, always named apart
VALUE_LOST = "value lost (gross, before netting)"
NET_DESTROYED = "net value destroyed (users left worse off)"


@dataclass(frozen=True)
class Lever:
    """A leadership lever: the parameter, its plain name, and what it means in practice."""

    path: str
    label: str
    practice: str


#: the levers a public manager controls, in the order the dashboard and the guide show them
LEVERS: tuple[Lever, ...] = (
    Lever(
        "leadership.alignment",
        "Time spent engaging partners",
        "The share of the key leaders' limited hours spent learning what each group "
        "values (under the steady policy). In practice: asking partners and residents what "
        "they want before designing the service. An engaged group gets offers matched to "
        "its values; a neglected one drifts out of alignment and its value is ignored.",
    ),
    Lever(
        "leadership.arbitration",
        "Time spent settling tensions",
        "The share of the rest of the leaders' hours spent settling tensions between groups "
        "whose values differ (a council and a community group, those who pay and those who "
        "gain). In practice: a neutral chair, open rules for who pays and who gains. A "
        "tension left open grows and destroys value for its groups and the community.",
    ),
    Lever(
        "leadership.wins",
        "Time spent staging small wins",
        "The share of the rest of the leaders' hours spent making each partner's next "
        "milestone nearer and more visible. In practice: breaking a course into steps with "
        "a certificate, telling share buyers when the first return is paid, opening a route "
        "in sections; a milestone reached is a result partners can feel and show others.",
    ),
    Lever(
        "leadership.target",
        "Time spent on the big win",
        "The share of the rest of the leaders' hours spent on the big win, the long-term "
        "target: directing the work to where it advances the target most. In practice: "
        "choosing the buildings, routes or courses that cut most carbon; progress ahead of "
        "plan keeps the leaders together and wins the community's backing.",
    ),
    Lever(
        "leadership.visibility",
        "Visibility of results",
        "How far partners' neighbours see the wins and the losses. In practice: telling "
        "the story of each result where residents and partners will hear it; visible "
        "wins draw others in, visible losses push them away.",
    ),
    Lever(
        "leadership.leader_stake",
        "Leaders' stake in the common goal",
        "How much the key leaders count the community value created as their own. In "
        "practice: leaders who hold the shared target stay at the table through lean "
        "months.",
    ),
    Lever(
        "investment.monthly_budget",
        "Monthly investment (GBP)",
        "Public money put into the common pool each month. In practice: pilot funding; "
        "Carbon Literacy shows what happens when it ends and a key leader withdraws.",
    ),
    Lever(
        "network.openness",
        "Openness of recruitment",
        "How far recruitment reaches across sectors and beyond existing networks. In "
        "practice: outreach to residents who are not already involved; it decides whether "
        "stage 3 (linking to the wider community) is reached.",
    ),
)

LEVER_PATHS: tuple[str, ...] = tuple(lv.path for lv in LEVERS)

#: what can happen on the timeline (the scenario's event kinds, and funding stopping,
#: which sets ``investment.end_month``)
EVENT_KINDS: dict[str, str] = {
    "leader_withdraws": "a key leader withdraws",
    "milestone": "a milestone (an extra small win shown)",
    "funding_stops": "funding stops",
}

SECTOR_WORDS: dict[str, str] = {
    "public": "public sector",
    "private": "private sector",
    "third": "third sector",
    "citizens": "residents",
}

ROLE_WORDS: dict[str, str] = {
    "key_leader": "a key leader",
    "network_actor": "an organisation in the network",
    "external_user": "a resident (external user)",
}

STATUS_WORDS: dict[str, str] = {
    "outside": "outside the collaboration",
    "committed": "committed to it",
    "seceded": "seceded (left it)",
}

ELEMENT_WORDS: dict[str, str] = {
    "satisfaction": "short-term satisfaction",
    "outcomes": "longer-term outcomes",
    "experience": "lived experience",
    "capacity": "capacity built",
    "public": "public value",
}

LEVEL_WORDS: dict[str, str] = {
    "individual": "the individual",
    "service": "the service system",
    "community": "the community",
}

KIND_WORDS: dict[str, str] = {
    "ignorance": "value ignorance",
    "disproportion": "value disproportion",
    "backlash": "value backlash",
    "exploitation": "value exploitation",
}

# --------------------------------------------------------------------------- parameters

#: the scenario's tables, in plain words (the folded sections of the dashboard)
SECTIONS: dict[str, str] = {
    "levers": "Leadership levers",
    "name": "The scenario",
    "description": "The scenario",
    "months": "The scenario",
    "population": "Who takes part",
    "network": "Who knows whom",
    "leadership": "Key leaders, their time and how they agree",
    "tensions": "Tensions between groups",
    "investment": "Money",
    "propositions": "What is offered",
    "target": "The long-term target",
    "wins": "Small wins in each partner's chain",
    "elements": "What each kind of value does",
    "staff": "Staff inside organisations",
    "stages": "When a stage is reached",
    "dynamics": "How commitment and trust change",
    "destruction": "How value is destroyed",
    "levels": "Who gains and who loses",
    "events": "Events",
}

_SECTORS = {
    "public": "public",
    "private": "private",
    "third": "third-sector",
    "citizens": "resident",
}

#: plain labels by parameter path (``[]`` stands for any item of a list)
PARAMETERS: dict[str, str] = {
    "name": "scenario name",
    "description": "scenario description",
    "months": "months simulated",
    **{f"population.counts.{s}": f"{w} actors" for s, w in _SECTORS.items()},
    "population.counts.citizens": "residents",
    "population.counts.third": "third-sector organisations",
    "population.counts.public": "public organisations",
    "population.counts.private": "private organisations",
    **{f"population.profiles.{s}": f"what {w} actors value" for s, w in _SECTORS.items()},
    "population.profile_concentration": "how alike actors of a sector are",
    "population.expectation_mean": "value actors expect each month",
    "population.expectation_sd": "spread of expectations",
    "population.threshold_mean": "residents' readiness to join (threshold)",
    "population.threshold_sd": "spread of residents' thresholds",
    "population.org_threshold_mean": "organisations' readiness to join (threshold)",
    "population.org_threshold_sd": "spread of organisations' thresholds",
    "population.floor_low": "lowest commitment before leaving",
    "population.floor_high": "highest commitment before leaving",
    "population.initial_commitment": "commitment on joining",
    "population.initial_trust": "trust on joining",
    "population.join_rate": "speed of deciding to join",
    "population.use_rate": "how often members use what is offered",
    "population.org_resources": "an organisation's monthly resources (GBP)",
    "population.citizen_resources": "a resident's monthly resources (GBP)",
    "population.exploiter_share": "share of actors who would exploit others",
    "population.support_share": "support short of joining",
    "network.org_degree": "ties per organisation",
    "network.org_cross_sector": "share of organisations' ties across sectors",
    "network.org_tie_strength": "strength of ties between organisations",
    "network.citizen_degree": "ties per resident",
    "network.citizen_layer": "shape of residents' network",
    "network.citizen_rewire": "residents' ties that reach further",
    "network.citizen_tie_strength": "strength of ties between residents",
    "network.citizen_org_ties": "ties from residents to organisations",
    "network.citizen_org_tie_strength": "strength of resident-organisation ties",
    "network.openness": "openness of recruitment",
    "leadership.alignment": "leaders' time engaging partners (share)",
    "leadership.arbitration": "leaders' time settling tensions (share)",
    "leadership.policy": "how the leaders spend their time",
    "leadership.capacity_hours": "hours a month each key leader brings",
    "leadership.engage_hours": "hours of engagement for half its effect",
    "leadership.engagement_gain": "how fast engagement builds alignment",
    "leadership.engagement_decay": "how fast a neglected group drifts away",
    "leadership.negotiate_hours": "hours of negotiation for half its effect",
    "leadership.link_hours": "hours of linking for half its effect",
    "leadership.link_gain": "how much linking widens outreach",
    "tensions.growth": "how fast an open tension grows",
    "tensions.harm": "what an open tension costs each member",
    "tensions.settle_hours": "hours of arbitration to settle a tension",
    "leadership.wins": "time spent staging small wins",
    "leadership.target": "time spent steering to the long-term target",
    "leadership.small_win_cost": "cost of a shared milestone event (GBP)",
    "leadership.wins_hours": "hours staging small wins for half its effect",
    "leadership.target_hours": "hours steering to the target for half its effect",
    "wins.milestones": "small wins as milestones in each partner's own chain",
    "wins.uses": "uses between two milestones",
    "wins.consolidation": "how much a milestone reached firms up commitment",
    "wins.nearer": "how much staging brings milestones nearer",
    "wins.visible": "how much staging makes a milestone seen",
    "propositions[].milestone": "value to the next milestone through this offer",
    "elements.capacity_gain": "how much capacity built raises later value",
    "elements.voice": "how much lived experience makes a partner heard",
    "elements.half": "value built up for half an element's effect",
    "staff.per_organisation": "staff in each organisation",
    "staff.profile": "what staff value",
    "staff.concentration": "how alike staff are",
    "staff.weight": "weight of staff's own value for their organisation",
    "staff.initial": "staff engagement when an organisation joins",
    "staff.gain": "how fast served staff engage",
    "staff.decay": "how fast unserved staff disengage",
    "staff.reliance": "how much delivery rests on engaged staff",
    "target.start_month": "month the target's plan starts",
    "target.by_month": "month the plan reaches the target",
    "target.judgement": "how much the pace on the target moves the leaders",
    "target.felt": "how much partners feel the pace on the target",
    "target.backing": "how much the pace on the target wins the community",
    "target.steer_gain": "how much steering speeds progress on the target",
    "leadership.visibility": "visibility of results",
    "leadership.leader_stake": "leaders' stake in the common goal",
    **{f"leadership.key_leaders.{s}": f"{w} key leaders" for s, w in _SECTORS.items()},
    "leadership.leader_commitment": "key leaders' starting commitment",
    "leadership.leader_trust": "key leaders' starting trust",
    "leadership.coupling_threshold": "commitment a leader needs to sit at the table",
    "leadership.consensus_threshold": "agreement the coupling needs",
    "leadership.negotiation_rate": "speed of reaching agreement",
    "leadership.consensus_erosion": "agreement lost when results disappoint",
    "investment.monthly_budget": "monthly investment (GBP)",
    "investment.start_month": "month the investment starts",
    "investment.end_month": "month funding stops",
    "investment.volatility": "how much the budget varies",
    "investment.member_contribution": "share of members' resources pooled",
    "investment.steps": "budget changes over time",
    "investment.steps[].month": "month of a budget change",
    "investment.steps[].factor": "budget after the change (multiple)",
    "propositions[].name": "offer name",
    "propositions[].value": "value of the offer by element",
    "propositions[].cost": "effort the offer costs its user",
    "propositions[].price": "price paid per use (GBP)",
    "propositions[].unit_cost": "funding each use draws (GBP)",
    "propositions[].capacity": "most uses per month",
    "propositions[].issue": "most uses in all",
    "propositions[].once": "used at most once per actor",
    "propositions[].eligible": "who may use it",
    "propositions[].min_stage": "earliest stage it is offered",
    "propositions[].start_month": "month the offer opens",
    "propositions[].end_month": "month the offer closes",
    "propositions[].target_yield": "progress to the target per use",
    "propositions[].holding": "returns to holders",
    "propositions[].holding.value": "value of each return by element",
    "propositions[].holding.every_months": "months between returns",
    "propositions[].holding.until_month": "last month returns are paid",
    "propositions[].holding.linked": "returns follow what is generated",
    "propositions[].holding.performance_sd": "year-to-year variation of returns",
    "propositions[].holding.cap": "most a return pays (multiple)",
    "target.name": "what the target counts",
    "target.amount": "size of the long-term target",
    "stages.integration_members": "members needed for integration (stage 2)",
    "stages.integration_sectors": "sectors needed for integration (stage 2)",
    "stages.linking_share": "share of residents needed for linking (stage 3)",
    "stages.sustain_months": "months a stage's condition must hold",
    "stages.hysteresis": "how far below its threshold a stage is lost",
    "dynamics.commitment_gain": "commitment a small win adds",
    "dynamics.commitment_loss": "commitment a shortfall removes",
    "dynamics.commitment_decay": "monthly erosion of commitment",
    "dynamics.trust_gain": "trust a small win adds",
    "dynamics.trust_loss": "trust a shortfall removes",
    "dynamics.tolerance": "how far trust cushions a shortfall",
    "dynamics.disruption_shock": "trust lost when the coupling breaks",
    "dynamics.evaluation_months": "months between a member's own reviews",
    "dynamics.aspiration_rate": "how fast expectations adapt",
    "dynamics.momentum_decay": "how fast news of wins and losses fades",
    "dynamics.noise": "luck in the value a use brings",
    "dynamics.outreach": "chance outsiders hear of it (stage 3)",
    "dynamics.tangible_elements": "value felt at once",
    "dynamics.value_weight": "weight of expected value in commitment",
    **{f"destruction.{k}": f"strength of {w}" for k, w in KIND_WORDS.items()},
    **{f"levels.{e}": f"who gets {w}" for e, w in ELEMENT_WORDS.items()},
    **{f"levels.{k}": f"who bears {w}" for k, w in KIND_WORDS.items()},
    "events": "events",
    "events[].month": "month of the event",
    "events[].kind": "what happens",
    "events[].sector": "sector of the leader who withdraws",
    "events[].note": "note on the event",
}


def _stem(path: str) -> str:
    return re.sub(r"\[\d+\]", "[]", path)


def parameter_label(path: str) -> str:
    """The plain label of a parameter path (``propositions[2].price`` -> ``price paid per
    use (GBP)``, with the item's number when the path has one). KeyError when it has none."""
    label = PARAMETERS[_stem(path)]
    m = re.search(r"\[(\d+)\]", path)
    return f"{label} (#{int(m.group(1)) + 1})" if m else label


def section_label(path: str) -> str:
    """The plain name of the table a parameter belongs to."""
    return SECTIONS[re.split(r"[.\[]", path)[0]]


# --------------------------------------------------------------------------- measures

_MEASURES: dict[str, str] = {
    "stage": "stage (0 no coupling, 1 coupling, 2 integration, 3 linking)",
    "coupled": "key leaders coupled (1) or not (0)",
    "consensus": "key leaders' agreement on the target",
    "regressions": "stage lost this month",
    "disruptions": "coupling lost this month",
    "members": "members (committed actors)",
    "members_key_leaders": "key leaders committed",
    "members_network_actors": "organisations committed (not leaders)",
    "members_external_users": "residents committed",
    "seceded": "actors who have left so far",
    "supporters": "supporters who have not joined",
    "joins": "actors joining this month",
    "secessions": "members leaving this month",
    "mean_commitment": "members' mean commitment",
    "mean_trust": "members' mean trust",
    "small_wins": "small wins",
    "shortfalls": "shortfalls",
    "uses": "uses of the offers",
    "value_created": "value created",
    "value_realised": "net private value",
    "value_destroyed": NET_DESTROYED,
    "budget": "investment received (GBP)",
    "funding": "money available (GBP)",
    "spent": "money spent (GBP)",
    "capital_raised": "money raised from users so far (GBP)",
    "target_progress": "progress to the long-term target",
    "target_pace": "progress on the target against its plan",
    "milestones": "milestones partners reached",
    "staff_engagement": "engagement of members' staff",
}
for _s, _w in SECTOR_WORDS.items():
    _MEASURES[f"members_{_s}"] = f"members: {_w}"
for _e, _w in ELEMENT_WORDS.items():
    _MEASURES[f"value_{_e}"] = f"value created: {_w}"
for _l, _w in LEVEL_WORDS.items():
    _MEASURES[f"value_{_l}"] = f"net value for {_w}"
    _MEASURES[f"destroyed_{_l}"] = f"value lost by {_w} (gross)"
for _k, _w in KIND_WORDS.items():
    _MEASURES[f"loss_{_k}"] = f"value lost to {_w} (gross)"
for _s, _w in SECTOR_WORDS.items():
    _MEASURES[f"secessions_{_s}"] = f"members leaving this month: {_w}"
    _MEASURES[f"engaged_{_s}"] = f"leaders' hours engaging: {_w}"
    _MEASURES[f"alignment_{_s}"] = f"alignment of {_w}"
for _a, _w in (
    ("engage", "engaging groups"),
    ("arbitrate", "settling tensions"),
    ("negotiate", "negotiating among key leaders"),
    ("link", "linking to the wider community"),
    ("wins", "staging small wins"),
    ("target", "steering to the long-term target"),
):
    _MEASURES[f"spent_{_a}"] = f"leaders' hours {_w}"
_MEASURES["capacity"] = "key leaders' hours available"
_MEASURES["loss_conflict"] = "value lost to open tensions (gross)"
_MEASURES["tensions_open"] = "tensions standing between groups"
_MEASURES["tension_max"] = "largest tension standing (0-1)"

MEASURES: dict[str, str] = dict(_MEASURES)


def measure_label(name: str) -> str:
    """The plain label of a monthly measure (``uptake.<offer>`` -> ``uses of <offer>``).

    A measure without a label here is shown by its column name, so a new measure
    appears at once; the vocabulary test asks for its label.
    """
    if name.startswith("uptake."):
        return f"uses of {name.removeprefix('uptake.')}"
    return MEASURES.get(name, name.replace("_", " "))


def event_text(kind: str, sector: str | None = None) -> str:
    """``leader_withdraws``, ``public`` -> ``a key leader withdraws (public sector)``."""
    text = EVENT_KINDS.get(kind, kind.replace("_", " "))
    return f"{text} ({SECTOR_WORDS.get(sector, sector)})" if sector else text
