"""Sub-step 3, the value proposition link (micro).

"The cross-boundary collaboration network offers certain services or products,
as a kind of 'value proposition', to its actors."

This month's propositions are gated by stage (``min_stage``), by their months
of availability, by the coupling (no alliance, no offer) and by funding: the
pool is the investment stream plus members' contributions, shared equally among
the open propositions that draw funding; each can serve at most
``min(capacity, allotment / unit_cost)`` uses. Unspent money does not carry
over (assumption A-pool).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from commonfuture.population import State
from commonfuture.propositions import Offer
from commonfuture.scenario.schema import Scenario


@dataclass
class Offered:
    open: np.ndarray  # (R, P) bool
    capacity: np.ndarray  # (R, P) uses this month
    budget: np.ndarray  # (R,) GBP of investment this month
    pool: np.ndarray  # (R,) GBP available this month


def monthly_budget(scenario: Scenario, month: int, z_budget: np.ndarray) -> np.ndarray:
    """(R,) GBP the investment stream brings this month."""
    inv = scenario.investment
    active = inv.start_month <= month and (inv.end_month is None or month < inv.end_month)
    if not active:
        return np.zeros(len(z_budget))
    if inv.volatility > 0:
        s = inv.volatility
        return inv.monthly_budget * np.exp(s * z_budget - 0.5 * s * s)
    return np.full(len(z_budget), inv.monthly_budget)


@njit(cache=True, nogil=True)
def contributions(status, resources):
    """(R,) GBP of resources members hold this month (float64 sums)."""
    r_n, n = status.shape
    out = np.zeros(r_n, np.float64)
    for r in range(r_n):
        for i in range(n):
            if status[r, i] == 1:
                out[r] += resources[r, i]
    return out


@njit(cache=True, nogil=True)
def capacities(stage, coupled, min_stage, in_time, unit_cost, capacity, pool):
    """(open (R, P) bool, capacity (R, P) uses) of this month's offer.

    Open: stage reached, in its months, leaders coupled. The pool is shared equally
    among the open propositions that draw funding; each serves at most
    ``min(capacity, floor(allotment / unit_cost))`` uses.
    """
    r_n, p = len(stage), len(min_stage)
    is_open = np.zeros((r_n, p), np.bool_)
    cap = np.zeros((r_n, p), np.float64)
    for r in range(r_n):
        n_funded = 0
        for j in range(p):
            is_open[r, j] = stage[r] >= min_stage[j] and in_time[j] and coupled[r]
            n_funded += is_open[r, j] and unit_cost[j] > 0
        allot = pool[r] / max(n_funded, 1) if n_funded > 0 else 0.0
        for j in range(p):
            if is_open[r, j]:
                affordable = np.floor(allot / unit_cost[j]) if unit_cost[j] > 0 else np.inf
                cap[r, j] = min(capacity[j], affordable)
    return is_open, cap


def proposition_link(
    state: State, scenario: Scenario, offer: Offer, month: int, z_budget: np.ndarray
) -> Offered:
    budget = monthly_budget(scenario, month, z_budget)
    contrib = contributions(state.status, state.resources)
    pool = budget + scenario.investment.member_contribution * contrib
    is_open, capacity = capacities(
        state.stage,
        state.coupled,
        offer.min_stage,
        offer.in_time(month),
        offer.unit_cost,
        offer.capacity,
        pool,
    )
    return Offered(open=is_open, capacity=capacity, budget=budget, pool=pool)
