"""Value propositions: the services and products the network offers its actors.

A training course, a share offer with an annual return, segregated cycle lanes.
The scenario's list of propositions becomes a table of arrays (one column per
proposition) that the value proposition and creation links read.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass

import numpy as np

from commonfuture.scenario.schema import SECTORS, Scenario
from commonfuture.value import PUBLIC

MAX_PROPOSITIONS = 16  # once-use is tracked in a uint16 bitmask


#: The offer's arrays the month reads (see :class:`Offer`), one column per proposition.
OfferRecord = namedtuple(
    "OfferRecord",
    "bits value value_total cost price unit_cost capacity issue min_stage once target_yield "
    "holding_every holding_value holding_linked holding_cap start milestone",
    module=__name__,
)


@dataclass(frozen=True)
class Offer:
    names: tuple[str, ...]
    value: np.ndarray  # (P, 5) value per use per element
    value_total: np.ndarray  # (P,) float32, value per use over the elements
    eligible: np.ndarray  # (4, P) sector may use proposition
    cost: np.ndarray  # (P,) value units per use
    price: np.ndarray  # (P,) GBP paid by the user per use
    unit_cost: np.ndarray  # (P,) GBP drawn from the pool per use
    capacity: np.ndarray  # (P,) uses per month
    issue: np.ndarray  # (P,) float64, most uses over its life (inf: no limit)
    min_stage: np.ndarray  # (P,)
    start: np.ndarray  # (P,)
    end: np.ndarray  # (P,) exclusive; horizon when none
    once: np.ndarray  # (P,) bool
    target_yield: np.ndarray  # (P,)
    public_share: np.ndarray  # (P,) share of the offer's value that is public value
    holding_every: np.ndarray  # (P,) months between returns (0 = no holding)
    holding_value: np.ndarray  # (P, 5)
    holding_until: np.ndarray  # (P,)
    holding_linked: np.ndarray  # (P,) bool: the return scales with generation
    holding_sd: np.ndarray  # (P,) log-sd of each payment period's generation factor
    holding_cap: np.ndarray  # (P,) most a linked return pays, x the planned (inf: no cap)
    bits: np.ndarray  # (P,) uint16 bit of each proposition
    milestone: np.ndarray  # (P,) float32 value a user creates until its next milestone

    @property
    def n(self) -> int:
        return len(self.names)

    def record(self) -> OfferRecord:
        """The offer as the compiled month reads it."""
        return OfferRecord(*(getattr(self, name) for name in OfferRecord._fields))

    def period(self, month: int) -> np.ndarray:
        """(P,) int: each holding's payment period that ``month`` falls in (1 for the months
        up to and including its first payment; 0 before it starts or for no holding)."""
        every = np.maximum(self.holding_every, 1)
        since = month - self.start
        return np.where((self.holding_every > 0) & (since > 0), (since + every - 1) // every, 0)

    def in_time(self, month: int) -> np.ndarray:
        """(P,) bool: propositions within their months of availability in ``month``."""
        return (self.start <= month) & (month < self.end)

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Offer:
        props = scenario.propositions
        if len(props) > MAX_PROPOSITIONS:
            raise ValueError(f"at most {MAX_PROPOSITIONS} propositions are supported")
        horizon = scenario.months
        value = np.array([p.value for p in props], dtype=np.float32)
        total = value.sum(axis=1)
        return cls(
            names=tuple(p.name for p in props),
            value=value,
            value_total=value.sum(axis=1).astype(np.float32),
            eligible=np.array([[s in p.eligible for p in props] for s in SECTORS], dtype=bool),
            cost=np.array([p.cost for p in props], np.float32),
            price=np.array([p.price for p in props], np.float64),
            unit_cost=np.array([p.unit_cost for p in props], np.float64),
            capacity=np.array([p.capacity for p in props], np.float64),
            issue=np.array([np.inf if p.issue is None else p.issue for p in props], np.float64),
            min_stage=np.array([p.min_stage for p in props], np.int8),
            start=np.array([p.start_month for p in props], np.int32),
            end=np.array(
                [horizon + 1 if p.end_month is None else p.end_month for p in props], np.int32
            ),
            once=np.array([p.once for p in props], bool),
            target_yield=np.array([p.target_yield for p in props], np.float64),
            public_share=np.where(
                total > 0, value[:, PUBLIC] / np.maximum(total, 1e-12), 0.0
            ).astype(np.float32),
            holding_every=np.array(
                [p.holding.every_months if p.holding else 0 for p in props], np.int32
            ),
            holding_value=np.array(
                [p.holding.value if p.holding else [0.0] * 5 for p in props], np.float32
            ),
            holding_until=np.array(
                [
                    (
                        p.holding.until_month
                        if p.holding and p.holding.until_month is not None
                        else horizon + 1
                    )
                    for p in props
                ],
                np.int32,
            ),
            holding_linked=np.array([bool(p.holding and p.holding.linked) for p in props], bool),
            holding_sd=np.array(
                [p.holding.performance_sd if p.holding else 0.0 for p in props], np.float64
            ),
            holding_cap=np.array(
                [
                    p.holding.cap if p.holding and p.holding.cap is not None else np.inf
                    for p in props
                ],
                np.float64,
            ),
            bits=(1 << np.arange(len(props))).astype(np.uint16),
            milestone=np.array(
                [
                    scenario.wins.uses * float(sum(p.value)) / len(p.value)
                    if p.milestone is None
                    else p.milestone
                    for p in props
                ],
                np.float32,
            ),
        )


def performance(sd: float, z) -> np.ndarray:
    """Generation factor of a payment period from its standard normal ``z``: log-normal with
    mean 1 and log-sd ``sd`` (1 whatever ``z`` when ``sd`` is 0)."""
    return np.exp(sd * np.asarray(z, np.float64) - 0.5 * sd * sd)


def expected_return_factor(sd: float, cap: float | None = None) -> float:
    """E[min(F, cap)] for the generation factor F (log-normal, mean 1, log-sd ``sd``): the
    mean share of the planned return a linked holding pays. A fixed return of this share of
    the planned value has the same expected value as the linked one."""
    if cap is None or not np.isfinite(cap):
        return 1.0
    if sd <= 0.0:
        return float(min(1.0, cap))
    from math import erf, log, sqrt

    def phi(x: float) -> float:
        return 0.5 * (1.0 + erf(x / sqrt(2.0)))

    lc = log(cap)
    return phi((lc - 0.5 * sd * sd) / sd) + cap * (1.0 - phi((lc + 0.5 * sd * sd) / sd))
