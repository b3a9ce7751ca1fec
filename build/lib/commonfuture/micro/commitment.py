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
from numba import njit

from commonfuture.population import State
from commonfuture.scenario.schema import Scenario


@njit(cache=True, nogil=True)
def weigh_joining(
    status,
    coupled,
    u_join,
    join_rate,
    openness,
    wider,
    n_wider,
    u_reach,
    heard_rate,
    stage3,
    indptr,
    indices,
    data,
    degree,
    signal,
    visibility,
    value_weight,
    open_props,
    eligible,
    used,
    bits,
    anticipated,
    expectation,
    threshold,
    commitment,
    trust,
    realised,
    months_since,
    initial_commitment,
    initial_trust,
):
    """(R, N) bool: the outside actors who commit this month; they are made members.

    Neighbour sums run over the rows of the CSR tie matrix (block-diagonal across
    replicates) in stored order, in float32, for the deliberating actors who have
    a committed neighbour or heard of the collaboration; who has a committed
    neighbour is found from the members' rows when members are fewer than the
    deliberating actors. ``openness`` = 0 (``heard_rate`` < 0) turns outreach off; ``value_weight``
    = 0 the value terms.
    """
    r_n, n = status.shape
    p = bits.shape[0]
    status_flat, signal_flat = status.reshape(-1), signal.reshape(-1)
    joins = np.zeros((r_n, n), np.bool_)
    zero = np.float32(0.0)
    pending = np.empty(n, np.int64)
    listed = np.empty(n, np.int64)
    near = np.zeros(n, np.bool_)
    for r in range(r_n):
        if not coupled[r]:
            continue
        base = r * n
        n_pending = 0
        members = 0
        in_wider = 0
        for i in range(n):  # without branches: store always, advance when listed
            member = status[r, i] == 1
            in_wider += member & wider[i]
            listed[members] = i
            members += member
            pending[n_pending] = i
            n_pending += (status[r, i] == 0) & (u_join[r, i] < join_rate)
        # stage 3: outreach, openness times the committed share of the wider population
        outreach = zero
        if stage3[r] and openness > 0 and n_wider > 0:
            outreach = openness * np.float32(np.float64(in_wider) / np.float64(n_wider))
        # who has a committed neighbour: pushed from the members' rows when cheaper
        pushed = members < n_pending
        if pushed:
            near[:] = False
            for q in range(members):
                j = listed[q]
                for k in range(indptr[base + j], indptr[base + j + 1]):
                    near[indices[k] - base] = True
        for q in range(n_pending):
            i = pending[q]
            heard = heard_rate >= 0 and stage3[r] and u_reach[r, i] < heard_rate
            if pushed and not near[i] and not heard:
                continue
            row = base + i
            pull = zero
            sig = zero
            for k in range(indptr[row], indptr[row + 1]):
                c = indices[k]
                pull += data[k] * np.float32(status_flat[c] == 1)
                sig += data[k] * signal_flat[c]
            if not (pull > 0 or heard):
                continue
            deg = degree[r, i]
            score = pull / deg if deg > 0 else zero
            if visibility > 0:
                momentum = sig / deg if deg > 0 else zero
                score = score + visibility * momentum
            score = score + outreach
            ok = True
            if value_weight > 0:
                best = np.float32(-np.inf)
                for j in range(p):
                    if open_props[r, j] and eligible[i, j] and (used[r, i] & bits[j]) == 0:
                        best = max(best, anticipated[r, i, j])
                # no positive promise open to it: no private value target to commit to
                ok = best > 0
                gap = (best if np.isfinite(best) else zero) - expectation[r, i]
                score = score + value_weight * gap
            joins[r, i] = ok and score >= threshold[r, i]
        # joiners become members once every actor of the replicate has weighed joining
        for q in range(n_pending):
            i = pending[q]
            if joins[r, i]:
                status[r, i] = 1
                commitment[r, i] = initial_commitment
                trust[r, i] = initial_trust
                realised[r, i] = zero
                months_since[r, i] = 0
    return joins


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
    f32 = np.float32
    heard_rate = f32(net.openness * dyn.outreach) if net.openness > 0 else f32(-1.0)
    ties = state.ties
    return weigh_joining(
        state.status,
        state.coupled,
        u_join,
        f32(pop.join_rate),
        f32(net.openness),
        wider,
        int(wider.sum()),
        u_reach,
        heard_rate,
        state.stage >= 3,
        ties.indptr,
        ties.indices,
        ties.data,
        state.degree,
        state.signal,
        f32(lead.visibility),
        f32(dyn.value_weight),
        open_props,
        state.eligible,
        state.used,
        bits,
        state.anticipated,
        state.expectation,
        state.threshold,
        state.commitment,
        state.trust,
        state.realised,
        state.months_since,
        f32(pop.initial_commitment),
        f32(pop.initial_trust),
    )
