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

from collections import namedtuple

import numpy as np
from numba import njit, prange

from commonfuture.meso.small_wins import is_moment
from commonfuture.parallel import bounds, loops, n_chunks
from commonfuture.parameters import params
from commonfuture.population import State
from commonfuture.propositions import Offer
from commonfuture.scenario.schema import Scenario

#: This month's offer: ``open`` (R, P) bool, ``capacity`` (R, P) uses, ``budget`` (R,)
#: GBP of investment received, ``pool`` (R,) GBP available, ``organising`` (R,) GBP of
#: it spent on organising a small-win moment.
Offered = namedtuple("Offered", "open capacity budget pool organising", module=__name__)


def monthly_budget(scenario: Scenario, month: int, z_budget: np.ndarray) -> np.ndarray:
    """(R,) GBP the investment stream brings this month."""
    inv = scenario.investment
    budget = inv.budget_at(month)
    if budget == 0.0:
        return np.zeros(len(z_budget))
    if inv.volatility > 0:
        s = inv.volatility
        return budget * np.exp(s * z_budget - 0.5 * s * s)
    return np.full(len(z_budget), budget)


@njit(cache=True, nogil=True, parallel=loops())
def contributions(status, resources):
    """(R,) GBP of resources members hold this month (float64 sums, chunk by chunk of
    actors, the chunks' sums added in their order)."""
    r_n, n = status.shape
    out = np.zeros(r_n, np.float64)
    chunks = n_chunks(n)
    partial = np.zeros(r_n * chunks, np.float64)
    for t in prange(r_n * chunks):
        r = t // chunks
        lo, hi = bounds(t % chunks, n)
        for i in range(lo, hi):
            if status[r, i] == 1:
                partial[t] += resources[r, i]
    for t in range(r_n * chunks):
        out[t // chunks] += partial[t]
    return out


@njit(cache=True, nogil=True)
def propose(p, actors, state, offer, in_time, budget, moment):
    """Sub-step 3 on every replicate: this month's :data:`Offered`.

    ``in_time`` (P,) bool: propositions in their months; ``budget`` (R,) GBP of
    investment this month; ``moment``: a small-win moment is organised this month, at
    ``p.small_win_cost`` from the pool (as far as the pool goes), where the leaders
    are coupled. Open: stage reached, in its months, leaders coupled. What is left of
    the pool (investment plus members' contributions) is shared equally among the open
    propositions that draw funding; each serves at most
    ``min(capacity, floor(allotment / unit_cost), issue - taken)`` uses. A proposition
    whose issue is all taken is closed (an offer fully subscribed).
    """
    pool = budget + p.member_contribution * contributions(state.status, actors.resources)
    organising = np.zeros(len(pool), np.float64)
    if moment and p.small_win_cost > 0:
        for r in range(len(pool)):
            if state.coupled[r]:
                organising[r] = min(p.small_win_cost, pool[r])
    stage, coupled = state.stage, state.coupled
    min_stage, unit_cost = offer.min_stage, offer.unit_cost
    r_n, p_n = len(stage), len(min_stage)
    is_open = np.zeros((r_n, p_n), np.bool_)
    cap = np.zeros((r_n, p_n), np.float64)
    for r in range(r_n):
        n_funded = 0
        for j in range(p_n):
            is_open[r, j] = (
                stage[r] >= min_stage[j]
                and in_time[j]
                and coupled[r]
                and state.taken[r, j] < offer.issue[j]
            )
            n_funded += is_open[r, j] and unit_cost[j] > 0
        left = pool[r] - organising[r]
        allot = left / max(n_funded, 1) if n_funded > 0 else 0.0
        for j in range(p_n):
            if is_open[r, j]:
                affordable = np.floor(allot / unit_cost[j]) if unit_cost[j] > 0 else np.inf
                cap[r, j] = min(offer.capacity[j], affordable, offer.issue[j] - state.taken[r, j])
    return Offered(is_open, cap, budget, pool, organising)


def proposition_link(
    state: State, scenario: Scenario, offer: Offer, month: int, z_budget: np.ndarray
) -> Offered:
    """Sub-step 3 on ``state`` (the kernel the month runs), with the budget's normals
    ``z_budget`` (R,)."""
    budget = monthly_budget(scenario, month, np.asarray(z_budget, np.float64))
    moment = is_moment(scenario, month)
    return propose(
        params(scenario),
        state.actors(),
        state.record(),
        offer.record(),
        offer.in_time(month),
        budget,
        moment,
    )
