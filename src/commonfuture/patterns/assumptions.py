"""The model's assumptions and their plausible ranges, declared once.

The robustness map (:mod:`commonfuture.patterns.robustness`) samples every
assumption below over its range with a Latin hypercube; docs/robustness.md and
docs/ODD.md show the same table (``commonfuture robustness --ranges`` prints it,
``tests/test_robustness.py`` checks that the documentation matches it).

A range is either *absolute* (the same for every case: the small-win cycle's
rates, which no case measures) or *relative* to the case's own value (``x0.5``
to ``x2``: rates and spreads each case sets for itself). The general argument
for halving-to-doubling is the one the map exists for: none of these rates was
measured in the cases, and a conclusion that flips when one of them is halved
or doubled cannot advise anyone. Where a narrower or wider range is argued, the
row says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from commonfuture.scenario.load import _field_for, parameter_domain
from commonfuture.scenario.schema import Scenario


@dataclass(frozen=True)
class Assumption:
    path: str
    label: str  # plain words, used in the map's sentences
    low: float
    high: float
    relative: bool  # True: low and high multiply the case's own value
    tag: str  # the assumption's name in docs/ODD.md section 8 (or "parameter")
    why: str

    def bounds(self, sc: Scenario) -> tuple[float, float]:
        """The range on case ``sc`` (relative ranges around its value, kept in the domain)."""
        lo, hi = self.low, self.high
        if self.relative:
            v = float(value_of(sc, self.path))
            lo, hi = lo * v, hi * v
        dlo, dhi = parameter_domain(self.path)
        if dlo is not None:
            lo = max(lo, dlo)
        if dhi is not None:
            hi = min(hi, dhi)
        return float(lo), float(hi)

    @property
    def integer(self) -> bool:
        return _field_for(self.path).annotation in (int, int | None)

    def range_text(self) -> str:
        if self.relative:
            return f"x{self.low:g} to x{self.high:g} the case's value"
        return f"{self.low:g} to {self.high:g}"


def value_of(sc: Scenario, path: str):
    obj = sc
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


_HALF_DOUBLE = (
    "not measured in any case; halved to doubled around the case's value, the span a "
    "conclusion must survive to advise anyone"
)

#: every sampled assumption, with its plausible range and the argument for it
ASSUMPTIONS: tuple[Assumption, ...] = (
    # --- the small-win cycle's rates (dynamics.*): shared by all cases
    Assumption(
        "dynamics.value_weight",
        "the weight of expected value in joining",
        0.5,
        2.0,
        False,
        "A-promise",
        "1 weighs expected value and expectation equally; halved to doubled",
    ),
    Assumption(
        "dynamics.noise",
        "the noise of realised value",
        0.025,
        0.1,
        False,
        "parameter",
        "half to twice the default 0.05 value units; outcomes vary but not beyond the "
        "typical expectation (0.02-0.12)",
    ),
    Assumption(
        "dynamics.trust_gain",
        "trust gained from a small win",
        0.1,
        0.5,
        False,
        "A-learning",
        "a Bush-Mosteller learning rate, halved to doubled around 0.25: from a win that "
        "closes a tenth of the missing trust to one that closes half",
    ),
    Assumption(
        "dynamics.trust_loss",
        "trust lost from a shortfall",
        0.1,
        0.5,
        False,
        "A-learning",
        "as trust_gain",
    ),
    Assumption(
        "dynamics.commitment_gain",
        "commitment gained from a small win",
        0.15,
        0.6,
        False,
        "A-learning",
        "halved to doubled around 0.3",
    ),
    Assumption(
        "dynamics.commitment_loss",
        "commitment lost from a shortfall",
        0.15,
        0.6,
        False,
        "A-learning",
        "halved to doubled around 0.3; loss aversion (loss > gain) is inside the range",
    ),
    Assumption(
        "dynamics.commitment_decay",
        "the erosion of unrefreshed commitment",
        0.01,
        0.04,
        False,
        "A-erosion",
        "halved to doubled around 2% a month (with trust 0.5: a member's commitment halves "
        "in 6 to 23 years without any evaluation); the small-wins claim was shown to turn "
        "on this rate",
    ),
    Assumption(
        "dynamics.evaluation_months",
        "the length of a member's own small-win cycle",
        3,
        12,
        False,
        "A-evaluation",
        "a quarter to a year: the reporting cycles of public bodies and community groups",
    ),
    Assumption(
        "dynamics.tolerance",
        "how far trust cushions a shortfall",
        0.5,
        1.0,
        False,
        "A-tolerance",
        "1 (the default) is the upper end of its domain; down to half the cushioning",
    ),
    Assumption(
        "dynamics.aspiration_rate",
        "how far an evaluation moves the expectation towards what was realised",
        0.0,
        0.1,
        False,
        "A-aspiration",
        "from fixed expectations to a tenth of the gap at each evaluation (an expectation "
        "adapts within a few years); at 0.1 Community Solar's leaders lose the coupling "
        "late in the run in 12 of 30 runs, against none at the default 0.05",
    ),
    Assumption(
        "dynamics.momentum_decay",
        "the fading of visible wins and losses",
        0.25,
        0.75,
        False,
        "A-momentum",
        "a signal's half-life from about two weeks to about two and a half months",
    ),
    Assumption(
        "dynamics.disruption_shock",
        "the trust lost when the coupling breaks",
        0.15,
        0.6,
        False,
        "A-disruption",
        "halved to doubled around 0.3",
    ),
    Assumption(
        "dynamics.outreach",
        "stage-3 outreach to outside actors",
        0.025,
        0.1,
        False,
        "A-outreach",
        "halved to doubled around 5% a month",
    ),
    # --- joining and use: each case sets its own
    Assumption(
        "population.join_rate",
        "the deliberation speed of joining",
        0.5,
        2.0,
        True,
        "parameter",
        _HALF_DOUBLE,
    ),
    Assumption(
        "population.use_rate",
        "the rate at which members use what fits them",
        0.5,
        2.0,
        True,
        "parameter",
        _HALF_DOUBLE + " (at most 1)",
    ),
    Assumption(
        "population.threshold_sd",
        "the spread of residents' joining thresholds",
        0.5,
        2.0,
        True,
        "A-thresholds",
        _HALF_DOUBLE + "; Granovetter's cascades turn on this spread",
    ),
    Assumption(
        "population.org_threshold_sd",
        "the spread of organisations' joining thresholds",
        0.5,
        2.0,
        True,
        "A-thresholds",
        _HALF_DOUBLE,
    ),
    Assumption(
        "population.profile_concentration",
        "how alike actors' value profiles are",
        0.5,
        2.0,
        True,
        "A-profiles",
        _HALF_DOUBLE + "; the multi-win claim turns on diversity",
    ),
    # --- the network
    Assumption(
        "network.org_degree",
        "organisations' ties to other organisations",
        0.5,
        2.0,
        True,
        "parameter",
        _HALF_DOUBLE,
    ),
    Assumption(
        "network.citizen_degree",
        "residents' ties",
        0.5,
        2.0,
        True,
        "parameter",
        _HALF_DOUBLE + "; 4 to 16 neighbours for a degree of 8",
    ),
    # --- assumptions that carry a claim
    Assumption(
        "leadership.negotiation_rate",
        "how fast key leaders negotiate their consensus",
        0.1,
        1.0,
        False,
        "A-consensus",
        "about ten months to a basic consensus at 0.1, three at 0.3, one at 1: from a "
        "co-operative's year from feasibility grant to formation to a pilot's few months",
    ),
    Assumption(
        "leadership.consensus_threshold",
        "the consensus the coupling needs",
        0.3,
        0.8,
        False,
        "A-consensus",
        "a 'basic consensus' is more than half; 0.3 a loose alliance, 0.8 near unanimity",
    ),
    Assumption(
        "leadership.consensus_erosion",
        "how much a failed delivery period costs the consensus",
        0.25,
        1.0,
        False,
        "A-consensus",
        "a wholly failed period of delivery costs a quarter to all of the consensus",
    ),
    Assumption(
        "population.support_share",
        "how close to joining an outside actor must be to back the collaboration",
        0.9,
        1.0,
        False,
        "A-support",
        "at 0.9 or less Carbon Literacy links to the wider community in some runs, which "
        "the seed's 'comparatively weak organisational alliance' rules out",
    ),
    Assumption(
        "leadership.leader_stake",
        "the net community value key leaders count as their own",
        0.5,
        2.0,
        True,
        "A-leader-stake",
        "keeps leaders who use few propositions committed; with no commitment floor it "
        "carries the coupling again; halved to doubled",
    ),
    Assumption(
        "leadership.capacity_hours",
        "the key leaders' capacity (hours a month each)",
        0.5,
        2.0,
        True,
        "A-capacity",
        "a quarter to a whole day a week of a senior officer's time; halved to doubled",
    ),
    Assumption(
        "leadership.engage_hours",
        "the hours of engagement for half its effect",
        0.5,
        2.0,
        True,
        "A-capacity",
        "unmeasured; halved to doubled",
    ),
    Assumption(
        "tensions.growth",
        "the pace at which open tensions grow",
        0.5,
        2.0,
        True,
        "A-tension",
        "unmeasured; carries the leadership claim with the harm; halved to doubled",
    ),
    Assumption(
        "tensions.harm",
        "the share of its expectation a member loses to a full tension",
        0.5,
        2.0,
        True,
        "A-tension",
        "as the growth",
    ),
    Assumption(
        "tensions.settle_hours",
        "the hours of arbitration that settle a tension",
        0.5,
        2.0,
        True,
        "A-tension",
        "as the growth",
    ),
    Assumption(
        "population.exploiter_share",
        "the share of exploiters",
        0.5,
        2.0,
        True,
        "A-exploiters",
        _HALF_DOUBLE,
    ),
    Assumption(
        "destruction.ignorance",
        "value ignorance",
        0.5,
        2.0,
        True,
        "A-destruction",
        "carries the leadership claim; halved to doubled",
    ),
    Assumption(
        "destruction.disproportion",
        "value disproportion",
        0.5,
        2.0,
        True,
        "A-destruction",
        "as ignorance",
    ),
    Assumption(
        "destruction.backlash",
        "value backlash",
        0.5,
        2.0,
        True,
        "A-destruction",
        "as ignorance",
    ),
    Assumption(
        "destruction.exploitation",
        "value exploitation",
        0.5,
        2.0,
        True,
        "A-destruction",
        "as ignorance",
    ),
)


def by_path() -> dict[str, Assumption]:
    return {a.path: a for a in ASSUMPTIONS}


def values(sc: Scenario, unit_row) -> dict[str, float | int]:
    """Parameter values of one point of the unit hypercube on case ``sc``."""
    out: dict[str, float | int] = {}
    for a, u in zip(ASSUMPTIONS, unit_row, strict=True):
        lo, hi = a.bounds(sc)
        v = lo + float(u) * (hi - lo)
        out[a.path] = int(round(v)) if a.integer else float(v)
    return out


def markdown_table() -> str:
    """The table of sampled assumptions, for docs/robustness.md and docs/ODD.md."""
    lines = [
        "| parameter | what it is | range | assumption | why this range |",
        "|---|---|---|---|---|",
    ]
    for a in ASSUMPTIONS:
        why = re.sub(r"\s+", " ", a.why)
        lines.append(f"| `{a.path}` | {a.label} | {a.range_text()} | {a.tag} | {why} |")
    return "\n".join(lines) + "\n"
