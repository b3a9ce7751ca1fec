"""The scenario's parameters as the compiled month reads them, declared once.

A scenario file is validated by :mod:`commonfuture.scenario.schema`; the month's
kernels read its numbers from one named record, :data:`Params`, built here: a
kernel writes ``p.join_rate`` or ``p.commitment_decay``, never a position. Each
entry says where the number comes from in the scenario (or how it is derived
from it, where a rule uses a product of two levers), and the precision the rule
computes in (float32 for per-actor state, float64 for money and counts).

A new parameter is a field of the schema, a line here and the kernel line that
reads it.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from commonfuture.scenario.schema import Scenario
from commonfuture.value import ELEMENTS


@dataclass(frozen=True)
class Parameter:
    name: str
    dtype: type  # np.float32, np.float64 or np.int64
    meaning: str
    of: Callable[[Scenario], float]


f32, f64, i64 = np.float32, np.float64, np.int64

PARAMETERS: tuple[Parameter, ...] = (
    # 0. leadership (the leaders' actions, before the sub-steps)
    Parameter(
        "engage_hours",
        f64,
        "leadership.engage_hours: hours of engagement a month for half its effect on a group",
        lambda sc: sc.leadership.engage_hours,
    ),
    Parameter(
        "engagement_gain",
        f64,
        "leadership.engagement_gain: share of the way to full alignment a month of full "
        "engagement moves a group",
        lambda sc: sc.leadership.engagement_gain,
    ),
    Parameter(
        "engagement_decay",
        f64,
        "leadership.engagement_decay: share of a group's alignment lost a month unengaged",
        lambda sc: sc.leadership.engagement_decay,
    ),
    Parameter(
        "negotiate_hours",
        f64,
        "leadership.negotiate_hours: hours of negotiation a month for half its effect",
        lambda sc: sc.leadership.negotiate_hours,
    ),
    Parameter(
        "link_hours",
        f64,
        "leadership.link_hours: hours of linking a month for half its effect",
        lambda sc: sc.leadership.link_hours,
    ),
    Parameter(
        "link_gain",
        f32,
        "leadership.link_gain: stage-3 outreach at full linking effort, as a multiple less one",
        lambda sc: sc.leadership.link_gain,
    ),
    Parameter(
        "wins_hours",
        f64,
        "leadership.wins_hours: hours staging small wins a month for half its effect",
        lambda sc: sc.leadership.wins_hours,
    ),
    Parameter(
        "target_hours",
        f64,
        "leadership.target_hours: hours steering towards the target a month for half its effect",
        lambda sc: sc.leadership.target_hours,
    ),
    Parameter(
        "tension_growth",
        f64,
        "tensions.growth: share of the way to full tension an open tension moves a month, "
        "per unit of value gap",
        lambda sc: sc.tensions.growth,
    ),
    Parameter(
        "tension_harm",
        f32,
        "tensions.harm: share of its expectation a member loses a month at full strain (and "
        "the community as much)",
        lambda sc: sc.tensions.harm,
    ),
    Parameter(
        "settle_hours",
        f64,
        "tensions.settle_hours: hours of arbitration that settle a full tension across a "
        "whole value profile's gap",
        lambda sc: sc.tensions.settle_hours,
    ),
    # 1. coupling (macro)
    Parameter(
        "coupling_threshold",
        f32,
        "leadership.coupling_threshold: commitment a key leader needs to sit at the table",
        lambda sc: sc.leadership.coupling_threshold,
    ),
    Parameter(
        "negotiation_rate",
        f64,
        "leadership.negotiation_rate: share of the missing consensus leaders at the table "
        "close a month, at full alignment",
        lambda sc: sc.leadership.negotiation_rate,
    ),
    Parameter(
        "consensus_threshold",
        f64,
        "leadership.consensus_threshold: consensus the coupling needs to form and hold",
        lambda sc: sc.leadership.consensus_threshold,
    ),
    Parameter(
        "consensus_erosion",
        f64,
        "leadership.consensus_erosion: share of the consensus lost at a review "
        "when delivery fell wholly short of the leaders' expectations",
        lambda sc: sc.leadership.consensus_erosion,
    ),
    Parameter(
        "trust_kept",
        f32,
        "1 - dynamics.disruption_shock: share of members' trust kept when the coupling breaks",
        lambda sc: 1.0 - sc.dynamics.disruption_shock,
    ),
    # 2. value commitment link (micro)
    Parameter(
        "join_rate",
        f32,
        "population.join_rate: chance a month that an outside actor weighs joining",
        lambda sc: sc.population.join_rate,
    ),
    Parameter(
        "support_share",
        f32,
        "population.support_share: share of its joining threshold at which a reached "
        "outside actor backs the collaboration without joining (0: no supporters)",
        lambda sc: sc.population.support_share,
    ),
    Parameter(
        "openness",
        f32,
        "network.openness: weight of the share of the wider population seen taking part (stage 3)",
        lambda sc: sc.network.openness,
    ),
    Parameter(
        "heard_rate",
        f32,
        "network.openness * dynamics.outreach: chance a month that an actor without a "
        "committed neighbour hears of the collaboration in stage 3 (-1: outreach off)",
        lambda sc: sc.network.openness * sc.dynamics.outreach if sc.network.openness > 0 else -1.0,
    ),
    Parameter(
        "visibility",
        f32,
        "leadership.visibility: weight of neighbours' visible wins and losses",
        lambda sc: sc.leadership.visibility,
    ),
    Parameter(
        "value_weight",
        f32,
        "dynamics.value_weight: weight of the best promise minus expectation",
        lambda sc: sc.dynamics.value_weight,
    ),
    Parameter(
        "initial_commitment",
        f32,
        "population.initial_commitment: a joiner's commitment",
        lambda sc: sc.population.initial_commitment,
    ),
    Parameter(
        "initial_trust",
        f32,
        "population.initial_trust: a joiner's trust",
        lambda sc: sc.population.initial_trust,
    ),
    # 3. value proposition link (micro)
    Parameter(
        "member_contribution",
        f64,
        "investment.member_contribution: share of members' resources put into the pool",
        lambda sc: sc.investment.member_contribution,
    ),
    Parameter(
        "small_win_cost",
        f64,
        "leadership.small_win_cost: GBP a shared milestone event costs, from the month's pool",
        lambda sc: sc.leadership.small_win_cost,
    ),
    # 4. value creation link (micro)
    Parameter(
        "tangible",
        i64,
        "dynamics.tangible_elements as a bit mask over the value elements (bit e: element e "
        "is felt at once when used; the others become tangible at the milestones of the "
        "actor's chain); every element when wins.milestones is false",
        lambda sc: (
            sum(1 << ELEMENTS.index(e) for e in set(sc.dynamics.tangible_elements))
            if sc.wins.milestones
            else (1 << len(ELEMENTS)) - 1
        ),
    ),
    Parameter(
        "steer_gain",
        f64,
        "target.steer_gain: progress per use at full steering towards the target, as a "
        "multiple less one",
        lambda sc: sc.target.steer_gain,
    ),
    Parameter(
        "capacity_gain",
        f32,
        "elements.capacity_gain: value created at full capacity built, as a multiple less one",
        lambda sc: sc.elements.capacity_gain,
    ),
    Parameter(
        "element_half",
        f32,
        "elements.half: value of an element built up for half its role's effect",
        lambda sc: sc.elements.half,
    ),
    Parameter(
        "staff_reliance",
        f32,
        "staff.reliance: share of an organisation's delivery resting on engaged staff (0 "
        "when staff.per_organisation is 0)",
        lambda sc: sc.staff.reliance if sc.staff.per_organisation > 0 else 0.0,
    ),
    Parameter(
        "use_rate",
        f32,
        "population.use_rate: chance a month that a member uses a proposition",
        lambda sc: sc.population.use_rate,
    ),
    Parameter(
        "disproportion_rate",
        f32,
        "destruction.disproportion: value disproportion per unit of cost and excess burden, "
        "at full strain (times the user's group's strain, A-tension)",
        lambda sc: sc.destruction.disproportion,
    ),
    Parameter(
        "exploitation_rate",
        f64,
        "destruction.exploitation: share of created value exploiters take, per exploiting "
        "share of members, at full strain (times the victim's group's strain, A-tension)",
        lambda sc: sc.destruction.exploitation,
    ),
    Parameter(
        "noise",
        f32,
        "dynamics.noise: standard deviation of a use's realised value",
        lambda sc: sc.dynamics.noise,
    ),
    Parameter(
        "value_levels",
        f64,
        "levels.<element> as a (5, 3) matrix: the share of each value element's value that "
        "accrues to the individual, the service system and the community (A-levels)",
        lambda sc: sc.levels.of_elements(),
    ),
    Parameter(
        "loss_levels",
        f64,
        "levels.<kind> as a (4, 3) matrix: the share of each kind of value destruction's "
        "loss that falls on the individual (the user), the service system and the community",
        lambda sc: sc.levels.of_losses(),
    ),
    Parameter(
        "leader_stake",
        f64,
        "leadership.leader_stake: share of the month's net community value key leaders count "
        "as their own",
        lambda sc: sc.leadership.leader_stake,
    ),
    # 5. small wins (meso)
    Parameter(
        "momentum_decay",
        f32,
        "dynamics.momentum_decay: share of a win or loss signal kept a month",
        lambda sc: sc.dynamics.momentum_decay,
    ),
    Parameter(
        "commitment_decay",
        f32,
        "dynamics.commitment_decay: erosion of commitment a month, times 1 - trust",
        lambda sc: sc.dynamics.commitment_decay,
    ),
    Parameter(
        "evaluation_months",
        i64,
        "dynamics.evaluation_months: length of a member's own small-win cycle",
        lambda sc: sc.dynamics.evaluation_months,
    ),
    Parameter(
        "tolerance",
        f32,
        "dynamics.tolerance: how far trust cushions a shortfall's loss of commitment",
        lambda sc: sc.dynamics.tolerance,
    ),
    Parameter(
        "aspiration_rate",
        f32,
        "dynamics.aspiration_rate: how far an evaluation moves the expectation towards "
        "what was realised",
        lambda sc: sc.dynamics.aspiration_rate,
    ),
    Parameter(
        "milestones",
        i64,
        "wins.milestones: 1 when small wins are milestones in each actor's chain, 0 for the "
        "model without milestones (every element felt at once)",
        lambda sc: int(sc.wins.milestones),
    ),
    Parameter(
        "consolidation",
        f32,
        "wins.consolidation: share of missing commitment and trust a milestone reached adds",
        lambda sc: sc.wins.consolidation,
    ),
    Parameter(
        "nearer",
        f32,
        "wins.nearer: share by which full staging brings a member's next milestone nearer",
        lambda sc: sc.wins.nearer,
    ),
    Parameter(
        "win_visible",
        f32,
        "wins.visible: what a milestone reached signals at full staging, as a multiple less one",
        lambda sc: sc.wins.visible,
    ),
    Parameter(
        "voice",
        f32,
        "elements.voice: what an actor signals at full lived experience, as a multiple less one",
        lambda sc: sc.elements.voice,
    ),
    Parameter(
        "target_felt",
        f32,
        "target.felt: share of its target a member feels a month from the pace against plan",
        lambda sc: sc.target.felt,
    ),
    Parameter(
        "target_judgement",
        f64,
        "target.judgement: how far the pace against plan moves the consensus at a judgement",
        lambda sc: sc.target.judgement,
    ),
    Parameter(
        "target_backing",
        f32,
        "target.backing: how far the pace against plan widens stage-3 outreach",
        lambda sc: sc.target.backing,
    ),
    Parameter(
        "staff_weight",
        f32,
        "staff.weight: weight of staff's own value in an organisation's evaluation (0 when "
        "staff.per_organisation is 0)",
        lambda sc: sc.staff.weight if sc.staff.per_organisation > 0 else 0.0,
    ),
    Parameter("staff_initial", f32, "staff.initial", lambda sc: sc.staff.initial),
    Parameter("staff_gain", f32, "staff.gain", lambda sc: sc.staff.gain),
    Parameter("staff_decay", f32, "staff.decay", lambda sc: sc.staff.decay),
    Parameter("trust_gain", f32, "dynamics.trust_gain", lambda sc: sc.dynamics.trust_gain),
    Parameter("trust_loss", f32, "dynamics.trust_loss", lambda sc: sc.dynamics.trust_loss),
    Parameter(
        "commitment_gain",
        f32,
        "dynamics.commitment_gain",
        lambda sc: sc.dynamics.commitment_gain,
    ),
    Parameter(
        "commitment_loss",
        f32,
        "dynamics.commitment_loss",
        lambda sc: sc.dynamics.commitment_loss,
    ),
    # 7. stage (macro)
    Parameter(
        "integration_members",
        f64,
        "stages.integration_members: members beyond the key leaders stage 2 needs",
        lambda sc: float(sc.stages.integration_members),
    ),
    Parameter(
        "integration_sectors",
        i64,
        "stages.integration_sectors: sectors among members stage 2 needs",
        lambda sc: sc.stages.integration_sectors,
    ),
    Parameter(
        "linking_share",
        f64,
        "stages.linking_share: share of the wider population backing the collaboration "
        "(members and external supporters) stage 3 needs",
        lambda sc: sc.stages.linking_share,
    ),
    Parameter(
        "hysteresis",
        f64,
        "stages.hysteresis: a stage is kept down to this share of its thresholds",
        lambda sc: sc.stages.hysteresis,
    ),
    Parameter(
        "sustain_months",
        i64,
        "stages.sustain_months: months a stage's condition must hold before it is entered",
        lambda sc: sc.stages.sustain_months,
    ),
    # the measures
    Parameter(
        "target_amount",
        f64,
        "target.amount: the long-term target, for target_progress",
        lambda sc: float(sc.target.amount),
    ),
)

#: The parameters of a scenario as the kernels read them: ``p.join_rate``, ...
Params = namedtuple("Params", [x.name for x in PARAMETERS], module=__name__)


def table() -> str:
    """The kernel's parameters as a Markdown table (docs/ODD.md, section 3)."""
    rows = ["| `p.` field | dtype | from the scenario |", "|---|---|---|"]
    for x in PARAMETERS:
        rows.append(f"| `{x.name}` | {np.dtype(x.dtype).name} | {x.meaning} |")
    return "\n".join(rows) + "\n"


def params(scenario: Scenario) -> Params:
    """The :data:`Params` record of ``scenario``."""
    return Params(*(x.dtype(x.of(scenario)) for x in PARAMETERS))


__all__ = ["PARAMETERS", "Parameter", "Params", "params", "table"]
