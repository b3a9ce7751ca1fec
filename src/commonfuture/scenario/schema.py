"""The scenario schema: every parameter of the model, declared once.

Each field carries its units and meaning in its description. The CLI's
``params`` command, the experiment machinery (sweeps, sensitivity analysis) and
the documentation all read these declarations, so a parameter is never
described in two places.

Unknown keys are rejected everywhere (``extra="forbid"``).
"""

from __future__ import annotations

import typing
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from commonfuture.value import DESTRUCTION_KINDS as LOSS_NAMES
from commonfuture.value import ELEMENTS as ELEMENT_NAMES
from commonfuture.value import N_ELEMENTS

SectorName = Literal["public", "private", "third", "citizens"]
SECTORS: tuple[str, ...] = ("public", "private", "third", "citizens")

Unit = Annotated[float, Field(ge=0.0, le=1.0)]


def _takes_bool(annotation: Any) -> bool:
    if annotation is bool:
        return True
    return any(_takes_bool(a) for a in typing.get_args(annotation))


ElementName = Literal["satisfaction", "outcomes", "experience", "capacity", "public"]
ValueVector = Annotated[list[float], Field(min_length=N_ELEMENTS, max_length=N_ELEMENTS)]


#: longest accepted text fields (characters): names are headings, descriptions paragraphs
NAME_MAX = 200
TEXT_MAX = 5_000


class _Strict(BaseModel):
    """Unknown keys rejected; no NaN or infinity anywhere; a bool is not a number."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_numbers(cls, v: Any, info: ValidationInfo) -> Any:
        if isinstance(v, bool) or (isinstance(v, list) and any(isinstance(x, bool) for x in v)):
            field = cls.model_fields.get(info.field_name or "")
            if field is not None and not _takes_bool(field.annotation):
                raise ValueError(f"expected a number, got a true/false value ({v!r})")
        return v


class SectorCounts(_Strict):
    public: int = Field(0, ge=0, description="Public-sector organisations (actors).")
    private: int = Field(0, ge=0, description="Private-sector organisations (actors).")
    third: int = Field(0, ge=0, description="Third-sector and community organisations (actors).")
    citizens: int = Field(
        0, ge=0, description="Individual residents, the wider community (actors)."
    )

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.public, self.private, self.third, self.citizens)


class SectorProfiles(_Strict):
    """Mean value profile of each sector over the five value elements."""

    public: ValueVector = Field(
        [0.10, 0.25, 0.10, 0.25, 0.30],
        description="Mean weights (normalised to sum 1) that public organisations put on "
        "satisfaction, outcomes, experience, capacity, public value.",
    )
    private: ValueVector = Field(
        [0.30, 0.30, 0.10, 0.20, 0.10],
        description="Mean value weights of private organisations (same element order).",
    )
    third: ValueVector = Field(
        [0.10, 0.20, 0.25, 0.20, 0.25],
        description="Mean value weights of third-sector organisations (same element order).",
    )
    citizens: ValueVector = Field(
        [0.35, 0.20, 0.30, 0.05, 0.10],
        description="Mean value weights of residents (same element order).",
    )

    @field_validator("*")
    @classmethod
    def _positive(cls, v: list[float]) -> list[float]:
        if any(x < 0 for x in v) or sum(v) <= 0:
            raise ValueError("value weights must be non-negative with a positive sum")
        return v


class Population(_Strict):
    counts: SectorCounts = Field(
        default_factory=SectorCounts,
        description="Number of actors per sector (scaled by --scale).",
    )
    profiles: SectorProfiles = Field(
        default_factory=SectorProfiles,
        description="Mean value profile per sector (points on the simplex).",
    )
    profile_concentration: float = Field(
        8.0,
        gt=0.0,
        description="Dirichlet concentration of individual value profiles around their "
        "sector mean: low = diverse actors, high = alike (dimensionless).",
    )
    expectation_mean: float = Field(
        0.12,
        ge=0.0,
        description="Mean prior expectation: the realised private value per month an actor judges "
        "its outcomes against (value units per month).",
    )
    expectation_sd: float = Field(
        0.04, ge=0.0, description="Standard deviation of prior expectations (value units)."
    )
    threshold_mean: float = Field(
        0.25,
        ge=0.0,
        le=2.0,
        description="Mean joining threshold of residents: the weighted share of committed "
        "neighbours (plus value terms) a resident needs before it commits (dimensionless).",
    )
    threshold_sd: float = Field(
        0.1,
        ge=0.0,
        description="Standard deviation of residents' joining thresholds (dimensionless).",
    )
    org_threshold_mean: float = Field(
        0.25,
        ge=0.0,
        le=2.0,
        description="Mean joining threshold of organisations (dimensionless).",
    )
    org_threshold_sd: float = Field(
        0.1,
        ge=0.0,
        description="Standard deviation of organisations' joining thresholds (dimensionless).",
    )
    floor_low: Unit = Field(
        0.2, description="Lowest commitment floor: below its floor a member secedes (0..1)."
    )
    floor_high: Unit = Field(0.35, description="Highest commitment floor (0..1).")
    initial_commitment: Unit = Field(
        0.6, description="Commitment of an actor when it joins (0..1)."
    )
    initial_trust: Unit = Field(0.5, description="Trust of an actor when it joins (0..1).")
    support_share: Unit = Field(
        0.95,
        description="Support level as a share of an actor's joining threshold: an outside "
        "actor reached by the collaboration whose joining score reaches this share of its "
        "threshold, but who does not commit, backs it as an external supporter (0..1; "
        "0 = no supporters).",
    )
    join_rate: Unit = Field(
        0.3,
        description="Probability per month that an actor over its threshold actually "
        "commits (deliberation speed; 1 = at once).",
    )
    use_rate: Unit = Field(
        0.6,
        description="Chance that a member uses a proposition that fits it (probability per month).",
    )
    org_resources: float = Field(
        2000.0, ge=0.0, description="Mean monthly resources of an organisation (GBP)."
    )
    citizen_resources: float = Field(
        50.0, ge=0.0, description="Mean monthly resources of a resident (GBP)."
    )
    exploiter_share: Unit = Field(
        0.05,
        description="Share of actors inclined to take value others created (value "
        "exploitation) when arbitration is weak (0..1).",
    )

    @model_validator(mode="after")
    def _floors(self) -> Population:
        if self.floor_high < self.floor_low:
            raise ValueError("floor_high must be at least floor_low")
        return self


class Network(_Strict):
    openness: Unit = Field(
        0.5,
        description="How far recruitment crosses sector and network boundaries: the "
        "weight of cross-sector ties and the reach of stage-3 outreach (0..1).",
    )
    org_degree: float = Field(
        6.0,
        ge=0.0,
        description="Mean number of ties of an organisation to other organisations (ties).",
    )
    org_cross_sector: Unit = Field(
        0.4, description="Share of organisational ties that cross sectors (0..1)."
    )
    org_tie_strength: float = Field(
        1.0, gt=0.0, description="Weight of a tie between organisations (dimensionless)."
    )
    citizen_layer: Literal["small_world", "erdos_renyi"] = Field(
        "small_world",
        description="Generator of residents' ties: Watts-Strogatz small world or Erdos-Renyi.",
    )
    citizen_degree: float = Field(
        6.0, ge=0.0, description="Mean number of ties of a resident to other residents (ties)."
    )
    citizen_rewire: Unit = Field(
        0.1, description="Small-world rewiring probability of residents' ties (0..1)."
    )
    citizen_tie_strength: float = Field(
        0.5, gt=0.0, description="Weight of a tie between residents (dimensionless)."
    )
    citizen_org_ties: float = Field(
        1.0,
        ge=0.0,
        description="Mean number of ties from a resident to organisations (Poisson).",
    )
    citizen_org_tie_strength: float = Field(
        0.5, gt=0.0, description="Weight of a resident-organisation tie (dimensionless)."
    )


class KeyLeaders(_Strict):
    public: int = Field(
        1, ge=0, description="Key leaders drawn from public organisations (actors)."
    )
    private: int = Field(
        0, ge=0, description="Key leaders drawn from private organisations (actors)."
    )
    third: int = Field(
        1, ge=0, description="Key leaders drawn from third-sector organisations (actors)."
    )
    citizens: int = Field(0, ge=0, description="Key leaders who are individual residents (actors).")

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.public, self.private, self.third, self.citizens)


POLICY_NAMES = ("steady", "firefight", "grow")


class Leadership(_Strict):
    @model_validator(mode="before")
    @classmethod
    def _removed(cls, data: Any) -> Any:
        if isinstance(data, dict) and "small_win_cadence_months" in data:
            raise ValueError(
                "small_win_cadence_months was removed: small wins are milestones in each "
                "actor's own value chain ([wins]); the leaders stage them with "
                "leadership.wins (a share of their capacity under the steady policy)"
            )
        return data

    policy: Literal["steady", "firefight", "grow"] = Field(
        "steady",
        description="How the key leaders spend their capacity each month: 'steady' (fixed "
        "shares: alignment of it engaging the groups, arbitration of it arbitrating "
        "tensions, the rest negotiating and linking), 'firefight' (the largest tension and "
        "the group with most departures first) or 'grow' (engaging groups not yet in, and "
        "linking). A Python callable can be passed to simulate(..., policy=...).",
    )
    capacity_hours: float = Field(
        16.0,
        ge=0.0,
        le=1e6,
        description="Leadership capacity each committed key leader brings: time and "
        "attention a month for the collaboration, lost when the leader leaves (hours per "
        "month; 16 is half a day a week).",
    )
    alignment: Unit = Field(
        0.7,
        description="Under the steady policy, the share of the key leaders' capacity spent "
        "engaging the groups in the collaboration (their prior values, experiences and "
        "expectations), shared among the groups; an engaged group's alignment grows and its "
        "offers are adapted towards its values, a neglected one's value is ignored (0..1).",
    )
    arbitration: Unit = Field(
        0.6,
        description="Under the steady policy, the share of the key leaders' capacity (of what "
        "engagement leaves) spent arbitrating the tensions between groups with differing "
        "value positions; tensions left open let costs fall out of proportion, provoke "
        "backlash, let some exploit others and destroy value themselves (0..1).",
    )
    engage_hours: float = Field(
        8.0,
        gt=0.0,
        description="Hours a month spent engaging a group that move its alignment half of "
        "the way engagement can move it in a month (hours per month).",
    )
    engagement_gain: Unit = Field(
        0.3,
        description="Share of the way to full alignment a group's alignment moves in a month "
        "of full engagement (per month).",
    )
    engagement_decay: Unit = Field(
        0.05,
        description="Share of a group's alignment lost a month without engagement: leaders "
        "who stop listening lose touch (per month).",
    )
    negotiate_hours: float = Field(
        8.0,
        gt=0.0,
        description="Hours a month of negotiation among the key leaders that close half of "
        "the gap between their value positions in the month's negotiation (hours per month).",
    )
    link_hours: float = Field(
        8.0,
        gt=0.0,
        description="Hours a month spent linking to the external environment (communication, "
        "showing results) that give half of linking's effect (hours per month).",
    )
    link_gain: float = Field(
        1.0,
        ge=0.0,
        le=100.0,
        description="How much full linking effort multiplies the outreach that wins external "
        "supporters and members in stage 3: outreach times (1 + link_gain * effect) "
        "(dimensionless).",
    )
    wins: Unit = Field(
        0.1,
        description="Under the steady policy, the share of the key leaders' capacity spent "
        "staging small wins: making the milestones of the actors' value chains nearer and "
        "more visible (0..1).",
    )
    target: Unit = Field(
        0.1,
        description="Under the steady policy, the share of the key leaders' capacity spent "
        "steering the collaboration's work towards the long-term target (0..1).",
    )
    wins_hours: float = Field(
        8.0,
        gt=0.0,
        description="Hours a month spent staging small wins that give half of its effect "
        "(hours per month).",
    )
    target_hours: float = Field(
        8.0,
        gt=0.0,
        description="Hours a month spent steering towards the long-term target that give half "
        "of its effect (hours per month).",
    )
    small_win_cost: float = Field(
        0.0,
        ge=0.0,
        description="What a scheduled milestone event (a shared small win, such as the first "
        "panels generating) costs, drawn from the month's pool before the propositions are "
        "funded (GBP per event).",
    )
    visibility: Unit = Field(
        0.5,
        description="How visible small wins and losses are to neighbours: the "
        "momentum they lend or take away (0..1).",
    )
    key_leaders: KeyLeaders = Field(
        default_factory=KeyLeaders, description="Key leaders per sector."
    )
    leader_stake: float = Field(
        1.0,
        ge=0.0,
        description="Share of each month's community (public) value created that the key "
        "leaders, holding the shared target, count as their own private value, shared among "
        "them (dimensionless).",
    )
    leader_commitment: Unit = Field(0.9, description="Initial commitment of key leaders (0..1).")
    leader_trust: Unit = Field(0.7, description="Initial trust of key leaders (0..1).")
    coupling_threshold: Unit = Field(
        0.35,
        description="Commitment a key leader needs to sit at the table: to negotiate the "
        "consensus and count among the coupled leaders (0..1).",
    )
    negotiation_rate: Unit = Field(
        0.3,
        description="Pace at which key leaders at the table negotiate their consensus on the "
        "shared target: the share of the missing consensus closed a month at full alignment "
        "of their value positions (per month).",
    )
    consensus_threshold: Unit = Field(
        0.5,
        description="Consensus on the shared target the coupling needs to form and to hold (0..1).",
    )
    consensus_erosion: Unit = Field(
        0.5,
        description="Share of the consensus lost at a review when the community "
        "value the collaboration delivered fell wholly short of what the key leaders "
        "expected (0..1).",
    )


class Tensions(_Strict):
    growth: Unit = Field(
        0.15,
        description="Pace at which a tension between two groups of members grows while left "
        "open: the share of the way to full tension it moves a month, times the gap between "
        "the groups' value positions (per month; 0 switches tensions off).",
    )
    harm: Unit = Field(
        0.2,
        description="Share of its expectation a member of a group in a full tension loses a "
        "month while the tension stands; the community loses as much again (share per month).",
    )
    settle_hours: float = Field(
        60.0,
        gt=0.0,
        description="Hours of arbitration that settle a full tension between positions a "
        "whole value profile apart; a tension costs its level times the gap times this "
        "(hours).",
    )


class BudgetStep(_Strict):
    """A change in the level of investment, from ``month`` on (a rise or a cut)."""

    month: int = Field(ge=0, description="First month at this level (month).")
    factor: float = Field(
        ge=0.0,
        description="The monthly budget from this month on, as a multiple of "
        "investment.monthly_budget (multiple).",
    )


class Investment(_Strict):
    monthly_budget: float = Field(
        10000.0, ge=0.0, description="Steady investment into the collaboration (GBP per month)."
    )
    start_month: int = Field(0, ge=0, description="First month of the investment (month).")
    end_month: int | None = Field(
        None, ge=0, description="Month the investment is withdrawn (month); none = never."
    )
    volatility: float = Field(
        0.0,
        ge=0.0,
        description="Month-to-month variability of the budget: log-normal sigma "
        "(dimensionless; 0 = steady).",
    )
    member_contribution: Unit = Field(
        0.02,
        description="Share of its monthly resources a member puts into the common pool (0..1).",
    )
    steps: list[BudgetStep] = Field(
        default_factory=list,
        max_length=1200,
        description="Changes in the level of investment over time (a budget that rises "
        "or is cut), in month order; before the first, the budget is monthly_budget.",
    )

    @model_validator(mode="after")
    def _steps_in_order(self) -> Investment:
        months = [s.month for s in self.steps]
        if any(b <= a for a, b in zip(months, months[1:], strict=False)):
            raise ValueError(f"investment.steps: months must rise strictly, got {months}")
        return self

    def budget_at(self, month: int) -> float:
        """GBP the investment brings in ``month`` before volatility: ``monthly_budget``
        times the factor of the last step begun by then (0 outside start..end)."""
        if month < self.start_month or (self.end_month is not None and month >= self.end_month):
            return 0.0
        factor = 1.0
        for step in self.steps:
            if step.month > month:
                break
            factor = step.factor
        return self.monthly_budget * factor


class Holding(_Strict):
    every_months: int = Field(
        12, ge=1, description="Months between returns paid to holders (months)."
    )
    value: ValueVector = Field(
        description="Value each return brings to a holder, per element, when the holdings "
        "generate as planned (value units)."
    )
    until_month: int | None = Field(
        None, ge=0, description="Last month returns are paid; none = the horizon (month)."
    )
    linked: bool = Field(
        True,
        description="Whether each return is linked to generation: scaled by what the "
        "holdings generated towards the target since the last payment, relative to what was "
        "planned (the proposition's target_yield); false = a fixed return whatever is "
        "generated.",
    )
    performance_sd: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="Year-to-year variation of generation: each payment period's output is "
        "the plan times a log-normal factor of mean 1 and this log-sd, drawn per replicate "
        "(weather, outages; dimensionless; 0 = always as planned).",
    )
    cap: float | None = Field(
        None,
        gt=0.0,
        description="Most a linked return pays, as a multiple of the planned return (value); "
        "generation above it pays no more; none = no cap (multiple).",
    )


class Proposition(_Strict):
    name: str = Field(
        min_length=1, max_length=NAME_MAX, description="Name of the service or product offered."
    )
    value: ValueVector = Field(
        description="Value the proposition offers per use, per element: satisfaction, "
        "outcomes, experience, capacity, public (value units)."
    )
    eligible: list[SectorName] = Field(
        default_factory=lambda: list(SECTORS),
        min_length=1,
        description="Sectors whose actors may use it.",
    )
    cost: float = Field(
        0.0, ge=0.0, description="Private cost to the user per use (value units: time, effort)."
    )
    price: float = Field(
        0.0, ge=0.0, description="Money the user pays per use, e.g. a share (GBP)."
    )
    unit_cost: float = Field(
        0.0, ge=0.0, description="Funding each use draws from the common pool (GBP)."
    )
    capacity: int = Field(10**9, ge=0, description="Most uses per month (uses; scaled by --scale).")
    issue: int | None = Field(
        None,
        ge=0,
        description="Most uses over its whole life, e.g. the shares an offer issues: once "
        "they are taken it closes (uses; scaled by --scale); none = no limit.",
    )
    min_stage: int = Field(
        1, ge=0, le=3, description="Earliest stage at which it can be offered (0..3)."
    )
    start_month: int = Field(0, ge=0, description="First month it is available (month).")
    end_month: int | None = Field(
        None, ge=0, description="Month it stops being available; none = the horizon (month)."
    )
    once: bool = Field(
        False, description="Each actor uses it at most once (a purchase, a one-off course)."
    )
    target_yield: float = Field(
        0.0,
        ge=0.0,
        description="Progress towards the long-term target per use; for a holding, per "
        "holder per month (target units).",
    )
    holding: Holding | None = Field(
        None, description="Periodic returns to those who used it (e.g. an annual dividend)."
    )
    milestone: float | None = Field(
        None,
        gt=0.0,
        description="Value a user creates for itself until the next milestone of its chain "
        "through this proposition (a certificate gained, the first return paid, a route "
        "opened); none = wins.uses uses' worth (value units).",
    )

    @model_validator(mode="after")
    def _months(self) -> Proposition:
        if self.end_month is not None and self.end_month <= self.start_month:
            raise ValueError("end_month must be after start_month")
        if self.holding is not None and not self.once:
            raise ValueError("a proposition with a holding must have once = true")
        return self


class Target(_Strict):
    name: str = Field(
        "target units",
        max_length=NAME_MAX,
        description="What the long-term target counts, with its unit, e.g. t CO2e avoided.",
    )
    amount: float = Field(
        1000.0, gt=0.0, description="The big win: target units to reach (scaled by --scale)."
    )
    start_month: int = Field(
        6,
        ge=0,
        description="Month the planned path towards the target starts: before it nothing is "
        "planned (month).",
    )
    by_month: int | None = Field(
        None,
        ge=1,
        description="Month by which the plan reaches the whole amount, rising in a straight "
        "line from start_month; none = the horizon (a horizon set anew with --set months "
        "keeps the scenario's own plan) (month).",
    )
    judgement: Unit = Field(
        0.2,
        description="How far the pace against the plan moves the key leaders' consensus at "
        "each judgement: behind plan erodes it, ahead of plan builds it (0..1).",
    )
    felt: Unit = Field(
        0.1,
        description="Share of its short-term target a member feels a month from seeing the "
        "collaboration ahead of (or behind) its plan, times the weight it puts on longer-term "
        "outcomes and public value (share per month).",
    )
    backing: Unit = Field(
        0.5,
        description="How far the pace against the plan widens (or narrows) the outreach that "
        "wins the community's backing in stage 3: outreach times (1 + backing * (pace - 1)) "
        "(dimensionless).",
    )
    steer_gain: float = Field(
        1.0,
        ge=0.0,
        le=100.0,
        description="How much full steering by the key leaders multiplies the progress each "
        "use makes towards the target: times (1 + steer_gain * effect) (dimensionless).",
    )

    @model_validator(mode="after")
    def _path(self) -> Target:
        if self.by_month is not None and self.by_month <= self.start_month:
            raise ValueError(
                f"by_month ({self.by_month}) must be after start_month ({self.start_month})"
            )
        return self

    def plan(self, month: int, horizon: int) -> float:
        """Target units planned by ``month`` (0 before ``start_month``)."""
        end = self.by_month or horizon
        if month <= self.start_month:
            return 0.0
        if end <= self.start_month:
            return self.amount
        return self.amount * min((month - self.start_month) / (end - self.start_month), 1.0)


class Wins(_Strict):
    """Small wins as milestones in each actor's own value chain (assumption A-milestone)."""

    milestones: bool = Field(
        True,
        description="Whether small wins are milestones in each actor's chain, at which the "
        "longer-term value it created becomes tangible; false: every element is felt at once "
        "and cycles close every dynamics.evaluation_months (the model without milestones).",
    )
    uses: float = Field(
        3.0,
        gt=0.0,
        le=1000.0,
        description="How far apart the milestones of a chain are where a proposition sets "
        "none: the value of this many uses of the proposition to an actor who weighs its "
        "elements equally (its value per use over the elements / 5, times this) (uses).",
    )
    consolidation: Unit = Field(
        0.1,
        description="Share of the missing commitment and trust a milestone reached adds: a "
        "tangible outcome consolidates (0..1).",
    )
    nearer: Unit = Field(
        0.5,
        description="Share by which the key leaders' full effort staging small wins brings "
        "every member's next milestone nearer (0..1).",
    )
    visible: float = Field(
        1.0,
        ge=0.0,
        le=100.0,
        description="How much full effort staging small wins multiplies what a milestone "
        "reached signals to neighbours: times (1 + visible * effect) (dimensionless).",
    )


class Elements(_Strict):
    """Roles of the value elements beyond their value (assumption A-elements)."""

    capacity_gain: float = Field(
        0.5,
        ge=0.0,
        le=10.0,
        description="Capacity creation: how much the capacity value an actor has built "
        "multiplies the value it creates later: times (1 + capacity_gain * c / (c + half)) "
        "(dimensionless).",
    )
    voice: float = Field(
        1.0,
        ge=0.0,
        le=10.0,
        description="Lived experience: how much the experience an actor has lived multiplies "
        "what it tells its neighbours of its wins and losses: times (1 + voice * x / (x + "
        "half)) (dimensionless).",
    )
    half: float = Field(
        2.0,
        gt=0.0,
        description="Value of an element built up that gives half of its role's effect "
        "(value units).",
    )


class Staff(_Strict):
    """Staff inside member organisations, as aggregate state per organisation (A-staff)."""

    per_organisation: int = Field(
        20,
        ge=0,
        le=1_000_000,
        description="Staff an organisation carries, as one aggregate: the mean profile of "
        "more staff varies less from one organisation to another; 0 switches staff off "
        "(people).",
    )
    profile: ValueVector = Field(
        [0.30, 0.20, 0.30, 0.15, 0.05],
        description="Mean value weights of staff over satisfaction, outcomes, experience, "
        "capacity, public value (normalised to sum 1).",
    )
    concentration: float = Field(
        4.0,
        gt=0.0,
        description="Dirichlet concentration of one staff member's profile around the mean "
        "(dimensionless).",
    )
    weight: Unit = Field(
        0.3,
        description="Weight of its staff's own value in an organisation's evaluation, beside "
        "its service-level value (0..1).",
    )
    initial: Unit = Field(
        0.7, description="Engagement of an organisation's staff when it joins (0..1)."
    )
    gain: Unit = Field(
        0.3,
        description="Share of the way staff engagement moves a month towards how well the "
        "staff were served (0..1).",
    )
    decay: Unit = Field(
        0.1, description="Share of staff engagement lost a month the staff are not served (0..1)."
    )
    reliance: Unit = Field(
        0.5,
        description="Share of an organisation's delivery that rests on engaged staff: its "
        "value created times (1 - reliance * (1 - engagement)) (0..1).",
    )

    @field_validator("profile")
    @classmethod
    def _positive(cls, v: list[float]) -> list[float]:
        if any(x < 0 for x in v) or sum(v) <= 0:
            raise ValueError("value weights must be non-negative with a positive sum")
        return v


class Stages(_Strict):
    integration_members: int = Field(
        8,
        ge=1,
        description="Members beyond the key leaders needed for stage 2 (actors; scaled).",
    )
    integration_sectors: int = Field(
        3, ge=1, le=4, description="Sectors represented among members for stage 2 (sectors)."
    )
    linking_share: Unit = Field(
        0.05,
        description="Share of the wider population (residents; all non-leaders if none) "
        "backing the collaboration, as members or external supporters, for stage 3 (0..1).",
    )
    sustain_months: int = Field(
        3, ge=1, description="Months a stage's condition must hold before it is entered (months)."
    )
    hysteresis: Unit = Field(
        0.7,
        description="A stage is lost when its size condition falls below this fraction of "
        "its entry threshold (0..1).",
    )


class Dynamics(_Strict):
    """Rates of the small-win cycle (assumptions; see docs/ODD.md)."""

    value_weight: float = Field(
        1.0,
        ge=0.0,
        description="Weight of expected private value against expectation in the "
        "commitment link; 0 switches the value terms off (dimensionless).",
    )
    noise: float = Field(
        0.05, ge=0.0, description="Standard deviation of realised value noise (value units)."
    )
    trust_gain: Unit = Field(
        0.25, description="Share of missing trust a full-size small win adds (0..1)."
    )
    trust_loss: Unit = Field(
        0.25, description="Share of trust a full-size shortfall removes (0..1)."
    )
    commitment_gain: Unit = Field(
        0.3, description="Share of missing commitment a full-size small win adds (0..1)."
    )
    commitment_loss: Unit = Field(
        0.3, description="Share of commitment a full-size shortfall removes (0..1)."
    )
    commitment_decay: float = Field(
        0.02,
        ge=0.0,
        le=1.0,
        description="Monthly erosion of a member's commitment, times (1 - trust) (per month).",
    )
    evaluation_months: int = Field(
        6,
        ge=1,
        description="Length of a member's own small-win cycle: every this many months after "
        "it committed, a member who took part judges what became tangible to it (months).",
    )
    aspiration_rate: Unit = Field(
        0.05,
        description="How far each evaluation moves a member's expectation towards the value "
        "it realised a month: expectations adapt with experience (0..1; 0: fixed).",
    )
    tolerance: Unit = Field(
        1.0,
        description="How far trust cushions a shortfall: a shortfall removes commitment times "
        "(1 - tolerance * trust); 0: trust does not cushion (0..1).",
    )
    tangible_elements: list[ElementName] = Field(
        default_factory=lambda: ["satisfaction", "experience"],
        description="Value elements a member feels at once when it uses a proposition; the "
        "others (longer-term outcomes, capacity, public value) become tangible at small-win "
        "moments.",
    )
    momentum_decay: Unit = Field(
        0.5, description="Share of a visible win or loss signal left after a month (0..1)."
    )
    disruption_shock: Unit = Field(
        0.3, description="Share of trust members lose when the coupling breaks (0..1)."
    )
    outreach: Unit = Field(
        0.05,
        description="In stage 3, the chance (times openness) that an outside actor with "
        "no committed neighbour hears of the collaboration (probability per month).",
    )


class Destruction(_Strict):
    """Strength of the four kinds of value destruction (Cui & Osborne 2023)."""

    ignorance: float = Field(
        0.3,
        ge=0.0,
        description="Value ignorance: loss per use from a proposition that ignores the "
        "user's values, times (1 - alignment) and misfit (value units).",
    )
    disproportion: float = Field(
        0.5,
        ge=0.0,
        description="Value disproportion: extra cost borne by over-burdened users, times "
        "(1 - arbitration) (multiple of the proposition's cost).",
    )
    backlash: float = Field(
        0.3,
        ge=0.0,
        description="Value backlash: loss when a public goal imposes private costs on "
        "users who weigh public value little, times (1 - arbitration) (value units).",
    )
    exploitation: float = Field(
        0.5,
        ge=0.0,
        description="Value exploitation: share of a user's created value taken by exploiters "
        "in proportion to their share of members, times (1 - arbitration).",
    )


LevelShares = Annotated[list[float], Field(min_length=3, max_length=3)]


class Levels(_Strict):
    """Where value accrues and where its losses fall (assumption A-levels): each value
    element and each kind of value destruction as shares over the three levels of Cui &
    Osborne (2019), [individual, service system, community], summing to 1."""

    satisfaction: LevelShares = Field(
        [1.0, 0.0, 0.0],
        description="Short-term satisfaction: the user's own (shares: individual, service "
        "system, community).",
    )
    outcomes: LevelShares = Field(
        [0.5, 0.0, 0.5],
        description="Longer-term outcomes: half the user's (health, lower bills), half the "
        "community's (lower emissions, safer streets) (shares).",
    )
    experience: LevelShares = Field(
        [1.0, 0.0, 0.0], description="Lived experience: the user's own (shares)."
    )
    capacity: LevelShares = Field(
        [0.5, 0.5, 0.0],
        description="Capacity creation: half the user's or its organisation's own "
        "capability, half the service system's capacity to deliver (shares).",
    )
    public: LevelShares = Field(
        [0.0, 0.0, 1.0], description="Public value: the community's (shares)."
    )
    ignorance: LevelShares = Field(
        [0.5, 0.5, 0.0],
        description="Value ignorance: an offer that ignores the user's values wastes the "
        "user's effort and the service system's resources, half each (shares).",
    )
    disproportion: LevelShares = Field(
        [0.5, 0.0, 0.5],
        description="Value disproportion: costs borne out of proportion fall on the "
        "over-burdened user and erode the community's trust in a fair programme, half "
        "each (shares).",
    )
    backlash: LevelShares = Field(
        [0.5, 0.0, 0.5],
        description="Value backlash: a public goal's private costs fall on the user and the "
        "opposition they provoke erodes the community's public value, half each (shares).",
    )
    exploitation: LevelShares = Field(
        [1.0, 0.0, 0.0],
        description="Value exploitation: taken from the individuals who created the value "
        "(shares); exploiters gain what is taken from individuals, what is taken from the "
        "service system or the community is lost.",
    )

    @field_validator("*")
    @classmethod
    def _shares(cls, v: list[float]) -> list[float]:
        if any(x < 0 for x in v) or abs(sum(v) - 1.0) > 1e-9:
            raise ValueError("level shares must be non-negative and sum to 1")
        return v

    def of_elements(self) -> list[list[float]]:
        """(5, 3): each element's shares over individual, service system, community."""
        return [list(getattr(self, e)) for e in ELEMENT_NAMES]

    def of_losses(self) -> list[list[float]]:
        """(4, 3): each kind of destruction's shares over the three levels."""
        return [list(getattr(self, k)) for k in LOSS_NAMES]


class Event(_Strict):
    month: int = Field(ge=1, description="Month the event happens (month).")
    kind: Literal["leader_withdraws", "milestone"] = Field(
        description="leader_withdraws: key leaders of a sector secede (a pilot's funding "
        "ends, a champion leaves); milestone: a small win every member shares (first panels "
        "generating, a first dividend)."
    )
    sector: SectorName | None = Field(
        None, description="Sector of the withdrawing key leaders (leader_withdraws)."
    )
    note: str = Field("", max_length=TEXT_MAX, description="What happened, in words.")

    @model_validator(mode="after")
    def _sector(self) -> Event:
        if self.kind == "leader_withdraws" and self.sector is None:
            raise ValueError("a leader_withdraws event needs a sector")
        return self


class Scenario(_Strict):
    """A collaboration for the common future, ready to simulate."""

    name: str = Field(min_length=1, max_length=NAME_MAX, description="Short name of the scenario.")
    description: str = Field(
        "", max_length=TEXT_MAX, description="What the scenario represents, in words."
    )
    months: int = Field(ge=1, le=1200, description="Horizon: number of monthly steps (months).")
    population: Population = Field(default_factory=Population, description="The actors.")
    network: Network = Field(default_factory=Network, description="Ties between actors.")
    leadership: Leadership = Field(
        default_factory=Leadership, description="Leadership levers and the key leaders."
    )
    investment: Investment = Field(default_factory=Investment, description="The investment stream.")
    propositions: list[Proposition] = Field(
        min_length=1,
        max_length=16,  # propositions.MAX_PROPOSITIONS: once-use is a uint16 bitmask
        description="The value propositions the network can offer.",
    )
    target: Target = Field(default_factory=Target, description="The long-term target.")
    stages: Stages = Field(default_factory=Stages, description="Stage classification.")
    dynamics: Dynamics = Field(default_factory=Dynamics, description="Small-win cycle rates.")
    wins: Wins = Field(default_factory=Wins, description="Small wins as milestones.")
    elements: Elements = Field(default_factory=Elements, description="Roles of the value elements.")
    staff: Staff = Field(default_factory=Staff, description="Staff inside organisations.")
    tensions: Tensions = Field(
        default_factory=Tensions,
        description="Tensions between groups with differing value positions.",
    )
    destruction: Destruction = Field(
        default_factory=Destruction, description="Value destruction mechanisms."
    )
    levels: Levels = Field(
        default_factory=Levels,
        description="Levels value accrues to and its losses fall on (A-levels).",
    )
    events: list[Event] = Field(default_factory=list, description="Scheduled events.")

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        counts = self.population.counts.as_tuple()
        leaders = self.leadership.key_leaders.as_tuple()
        for name, n, k in zip(SECTORS, counts, leaders, strict=True):
            if k > n:
                raise ValueError(
                    f"leadership.key_leaders.{name} = {k} exceeds population.counts.{name} = {n}"
                )
        if sum(counts) == 0:
            raise ValueError("population.counts: the population is empty")
        late = [s.month for s in self.investment.steps if s.month > self.months]
        if late:
            raise ValueError(
                f"investment.steps: month {late[0]} is after the horizon (months = {self.months})"
            )
        names = [p.name for p in self.propositions]
        if len(set(names)) != len(names):
            raise ValueError("propositions: names must be unique")
        return self
