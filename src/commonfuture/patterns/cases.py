"""Which claim applies to which case, and how a claim is set up on a case.

Each claim of the paper was first set up on the Edinburgh case that tells its
story (its *home* case). A claim of the paper is a claim about collaborations
in general, so each claim runs on every shipped case where its treatment can be
made, with one rule per claim that is the same for every case:

- ``stages``: a key leader withdraws in month 18 (during stages 1-2), the key
  leaders of a non-public sector (the shipped event where a case has one);
  control: no withdrawal.
- ``small-wins``: milestones in each actor's chain against a model without milestones.
- ``multi-win``: the residents' main offer (the one open to residents with the
  largest capacity) replaced by five offers of equal total value, each on a
  different value element, against five on one element.
- ``leadership``: the tensions left open (the steady policy with no arbitration,
  the case's engagement kept) against the ``firefight`` rule of thumb, same capacity.
- ``linkage``: a holding's periodic return linked to generation against a fixed return
  of the same expected value (the link removed, the value kept); the same holding
  without any return is a secondary arm.
- ``investment``: steady investment against investment withdrawn at month 36.

:func:`why_not` says why a claim cannot apply to a case (or ``None``);
:func:`case_scenario` gives the scenario a claim runs on, from a shipped case
name or from a scenario (the robustness map passes sampled scenarios).
"""

from __future__ import annotations

from commonfuture.scenario.load import shipped
from commonfuture.scenario.schema import Event, Proposition, Scenario

#: the shipped cases every claim is tried on
CASES: tuple[str, ...] = (
    "edinburgh/active-travel",
    "edinburgh/carbon-literacy",
    "edinburgh/community-solar",
    "generic",
)

#: the case each claim was first set up on (its story in the paper)
HOME: dict[str, str] = {
    "stages": "edinburgh/carbon-literacy",
    "small-wins": "edinburgh/active-travel",
    "multi-win": "edinburgh/active-travel",
    "leadership": "edinburgh/active-travel",
    "linkage": "edinburgh/community-solar",
    "investment": "edinburgh/active-travel",
}

#: the claimed sign of each claim's primary effect (treatment minus control)
DIRECTION: dict[str, int] = {
    "stages": +1,
    "small-wins": +1,
    "multi-win": +1,
    "leadership": -1,
    "linkage": +1,
    "investment": +1,
}

#: month of the key leader's withdrawal where a case schedules none (the home case's month)
WITHDRAWAL_MONTH = 18
#: month at which the investment claim withdraws the investment
INVESTMENT_END = 36


def load_case(case: str | Scenario) -> Scenario:
    return case if isinstance(case, Scenario) else shipped(case)


def case_label(case: str | Scenario) -> str:
    return case.name if isinstance(case, Scenario) else case


def residents_offer(sc: Scenario) -> Proposition | None:
    """The residents' main offer: open to residents, the largest capacity (the later on ties)."""
    best = None
    for p in sc.propositions:
        if "citizens" in p.eligible and (best is None or p.capacity >= best.capacity):
            best = p
    return best


def _withdrawing_sector(sc: Scenario) -> str | None:
    kl = sc.leadership.key_leaders
    for sector in ("third", "private", "citizens", "public"):
        if getattr(kl, sector) > 0:
            return sector
    return None


def why_not(claim: str, case: str | Scenario) -> str | None:
    """Why ``claim`` cannot apply to ``case``, in a sentence; ``None`` when it applies."""
    sc = load_case(case)
    if claim == "stages":
        if _withdrawing_sector(sc) is None:
            return "the case has no key leader who could withdraw"
        if sc.months <= WITHDRAWAL_MONTH + 6:
            return f"the horizon ends too soon after month {WITHDRAWAL_MONTH}"
        return None
    if claim == "small-wins":
        if sc.months < 12:
            return "the horizon is too short for a member to reach milestones and be judged"
        return None
    if claim == "multi-win":
        offer = residents_offer(sc)
        if offer is None:
            return "no offer is open to residents, so there is no portfolio to diversify"
        if offer.holding is not None:
            return (
                f"the residents' offer ({offer.name}) is a share whose value is its "
                "contractual return; it cannot be re-made as five offers on different value "
                "elements without changing what the case is"
            )
        return None
    if claim == "leadership":
        return None
    if claim == "linkage":
        if not any(p.holding is not None for p in sc.propositions):
            return (
                "no offer pays a return (a holding): the case does not link its long-term "
                "target to a financial private value, so there is nothing to remove"
            )
        return None
    if claim == "investment":
        if sc.investment.monthly_budget <= 0:
            return "the case has no investment stream to withdraw"
        if sc.months <= INVESTMENT_END + 12:
            return f"the horizon ends too soon after month {INVESTMENT_END}"
        end = sc.investment.end_month
        if end is not None and end <= INVESTMENT_END:
            return f"the case's investment already ends by month {INVESTMENT_END}"
        return None
    raise KeyError(claim)


def case_scenario(claim: str, case: str | Scenario) -> tuple[Scenario, str]:
    """The scenario ``claim`` runs on for ``case``, and the case's label.

    Raises ``ValueError`` with the reason when the claim cannot apply.
    """
    sc = load_case(case)
    reason = why_not(claim, sc)
    if reason is not None:
        raise ValueError(f"{claim} does not apply to {case_label(case)}: {reason}")
    if claim == "stages" and not any(e.kind == "leader_withdraws" for e in sc.events):
        event = Event(
            month=WITHDRAWAL_MONTH,
            kind="leader_withdraws",
            sector=_withdrawing_sector(sc),
            note="a key leader withdraws during stages 1-2 (the claim's treatment)",
        )
        sc = sc.model_copy(update={"events": [*sc.events, event]})
    return sc, case_label(case)


def applicability() -> list[dict]:
    """Every claim on every case: whether it applies, and why not where it does not."""
    from commonfuture.patterns.claims import PATTERNS

    rows = []
    for claim in PATTERNS:
        for case in CASES:
            reason = why_not(claim, case)
            rows.append(
                {
                    "claim": claim,
                    "case": case,
                    "home": HOME.get(claim) == case,
                    "applies": reason is None,
                    "why_not": reason,
                }
            )
    return rows
