"""Sub-step 2, the value commitment link (micro).

"Individual actors identify their own short-term private value target and make
the commitment to collaboration."

An outside actor reachable from the network (a tie to a member; in stage 3 also
outreach into the external environment) weighs joining. Its score is

    pull + outreach + momentum + value_weight * (target - expectation)

where *pull* is the weighted share of its neighbours already committed,
*outreach* (stage 3 only) is openness times the committed share of the wider
population, *momentum* is the visibility-weighted mean of its neighbours'
recent win (+1) and loss (-1) signals, and *target* is the best promise
(fit minus cost) among the propositions open and eligible to it. An actor to
whom no proposition promises positive value has no private value target and
does not commit. It commits when the score reaches its threshold, with
probability ``join_rate`` a month.

With the value terms off (``value_weight = 0``, ``visibility = 0``) this is the
threshold model of Granovetter (1978) on a network (Watts 2002): an actor
commits once the share of committed neighbours reaches its threshold.
Seceded actors do not come back (assumption A-no-return).
"""

from __future__ import annotations

import numpy as np

from commonfuture.population import COMMITTED, OUTSIDE, State
from commonfuture.scenario.schema import Scenario


def best_promise_of(
    state: State, open_props: np.ndarray, bits: np.ndarray, flat: np.ndarray
) -> np.ndarray:
    """The best ``fit - cost`` among propositions open and available to the actors at
    flat indices ``flat``; ``-inf`` where none is: the actor sees nothing for itself."""
    r, n, p = state.anticipated.shape
    rep, actor = flat // n, flat % n
    # np.take gathers rows several times faster than fancy indexing
    avail = np.take(open_props, rep, axis=0) & np.take(state.eligible, actor, axis=0)
    avail &= (state.used.reshape(-1)[flat][:, None] & bits[None, :]) == 0
    promise = np.where(avail, np.take(state.anticipated.reshape(r * n, p), flat, axis=0), -np.inf)
    return promise.max(axis=1) if p else np.full(len(flat), -np.inf, np.float32)


def commitment_link(
    state: State,
    scenario: Scenario,
    open_props: np.ndarray,
    bits: np.ndarray,
    u_join: np.ndarray,
    u_reach: np.ndarray,
    wider: np.ndarray,
) -> np.ndarray:
    """Outside actors weigh joining; return the (R, N) mask of those who commit.

    ``wider`` is the (N,) mask of the wider population used for outreach.
    """
    pop, net, dyn, lead = (
        scenario.population,
        scenario.network,
        scenario.dynamics,
        scenario.leadership,
    )
    r, n = state.status.shape
    committed = (state.status == COMMITTED).astype(np.float32)
    stage3 = state.stage >= 3
    outreach = None
    heard = None
    if stage3.any() and net.openness > 0:
        share = committed[:, wider].mean(axis=1) if wider.any() else np.zeros(len(stage3))
        outreach = np.where(stage3, net.openness * share, 0.0).astype(np.float32)
        heard = u_reach < np.float32(net.openness * dyn.outreach)
    # only outside actors of a coupled collaboration who deliberate this month weigh
    # joining, and only if reachable: neighbour sums are taken over their rows alone
    # (the same row sums, in the same order, as the full product)
    pre = np.flatnonzero(
        (state.status == OUTSIDE) & state.coupled[:, None] & (u_join < np.float32(pop.join_rate))
    )
    if len(pre) * 2 < r * n:
        rows = state.ties[pre]
        neighbour_sum = lambda x: rows @ x.reshape(-1)  # noqa: E731
    else:  # most rows: the full product is cheaper than slicing
        neighbour_sum = lambda x: (state.ties @ x.reshape(-1))[pre]  # noqa: E731
    pull_pre = neighbour_sum(committed)
    reachable = pull_pre > 0  # a committed neighbour (weights are positive)
    if heard is not None:
        reachable |= heard.reshape(-1)[pre] & stage3[pre // n]
    flat = pre[reachable]
    rep = flat // n
    pull = pull_pre[reachable]
    deg = state.degree.reshape(-1)[flat]
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(deg > 0, pull / deg, np.float32(0.0))
        if lead.visibility > 0:
            signal = neighbour_sum(state.signal)[reachable]
            momentum = np.where(deg > 0, signal / deg, np.float32(0.0))
            score = score + np.float32(lead.visibility) * momentum
    if outreach is not None:
        score = score + outreach[rep]
    ok = np.ones(len(flat), bool)
    if dyn.value_weight > 0:
        best = best_promise_of(state, open_props, bits, flat)
        # no positive promise open to it: the actor has no private value target to commit to
        ok = best > 0
        gap = np.where(np.isfinite(best), best, 0.0) - state.expectation.reshape(-1)[flat]
        score = score + np.float32(dyn.value_weight) * gap
    ok &= score >= state.threshold.reshape(-1)[flat]
    joins = np.zeros((r, n), bool)
    joins.reshape(-1)[flat[ok]] = True
    if joins.any():
        state.status[joins] = COMMITTED
        state.commitment[joins] = pop.initial_commitment
        state.trust[joins] = pop.initial_trust
        state.realised[joins] = 0.0
        state.months_since[joins] = 0
    return joins
