"""Sub-step 2, the value commitment link (micro).

"Individual actors identify their own short-term private value target and make
the commitment to collaboration."

An outside actor reachable from the network (a tie to a member; in stage 3 also
outreach into the external environment) weighs joining. Its score is

    pull + outreach + momentum + value_weight * (target - expectation)

where *pull* is the weighted share of its neighbours already committed,
*outreach* (stage 3 only) is openness times the share of the wider population
seen taking part last month, widened by the leaders' linking (times ``1 + link_gain *
e``, :mod:`commonfuture.leadership.actions`) (members who used a proposition: what the community
sees of the collaboration is its members using what it offers, not their
commitment; A-outreach), *momentum* is the visibility-weighted mean of its neighbours'
recent win (+1) and loss (-1) signals, and *target* is the best promise
(fit minus cost, the offer adapted as far as the actor's group is aligned:
A-adaptation) among the propositions open and eligible to it, each positive
promise weighed by the share of those who sought that proposition last time who
were served (places and money are limited, and rationing is seen or heard of:
A-served). An actor to whom no proposition promises positive value has no
private value target and does not commit. It commits when the score reaches its threshold, with
probability ``join_rate`` a month. What the best proposition promised it (the offer as
adapted to its group when it committed) becomes the short-term value target it keeps and
evaluates against (``expectation``; A-target), and its chain starts: no milestone yet,
nothing created; an organisation's staff start at ``staff.initial`` engagement.

In stage 3 outreach is widened or narrowed by the pace of progress on the long-term
target against its plan: times ``1 + target.backing * (pace - 1)`` (the community backs a
collaboration that delivers: A-big-win).

An actor that weighs joining and does not commit, but whose score reaches
``support_share`` times its threshold, *supports* the collaboration: an
external supporter who backs it without joining (it needs no private value
target of its own). Its support is revised each time it weighs joining again
(an actor no longer reached withdraws it), ends when it commits, and lapses
while the coupling is broken (A-support). Supporters count towards stage 3.

With the value terms off (``value_weight = 0``, ``visibility = 0``) this is the
threshold model of Granovetter (1978) on a network (Watts 2002): an actor
commits once the share of committed neighbours reaches its threshold.
Seceded actors do not come back (assumption A-no-return).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from commonfuture.parallel import loops
from commonfuture.parameters import params
from commonfuture.population import State
from commonfuture.propositions import Offer
from commonfuture.scenario.schema import Scenario


@njit(cache=True, nogil=True, parallel=loops())
def weigh_joining(p, actors, ties, offer, state, u_join, u_reach):
    """Sub-step 2 on every replicate: (R, N) bool, the outside actors who commit this
    month; they are made members. ``u_join``, ``u_reach``: (R, N) decision uniforms.

    Neighbour sums run over the rows of the CSR tie matrix (block-diagonal across
    replicates) in stored order, in float32, for the deliberating actors who have
    a committed neighbour or heard of the collaboration; who has a committed
    neighbour is found from the members' rows when members are fewer than the
    deliberating actors. ``p.openness`` = 0 (``p.heard_rate`` < 0) turns outreach off;
    ``p.value_weight`` = 0 the value terms. The offer weighed is last month's
    (``state.open_last``). Every deliberating actor who does not commit has its
    support (``state.supports``) set anew; ``p.support_share`` = 0 turns supporters off.
    """
    status, signal, supports = state.status, state.signal, state.supports
    indptr, indices, data = ties.indptr, ties.indices, ties.data
    r_n, n = status.shape
    p_n = offer.bits.shape[0]
    status_flat, signal_flat = status.reshape(-1), signal.reshape(-1)
    joins = np.zeros((r_n, n), np.bool_)
    zero = np.float32(0.0)
    pending = np.empty(n, np.int64)
    listed = np.empty(n, np.int64)
    promised = np.zeros(n, np.float32)  # what the best proposition promised each joiner
    n_org = state.staff.shape[1]
    near = np.zeros(n, np.bool_)
    for r in range(r_n):
        if not state.coupled[r]:  # no collaboration to back: support lapses
            supports[r, :] = False
            continue
        stage3 = state.stage[r] >= 3
        base = r * n
        n_pending = 0
        members = 0
        for i in range(n):  # without branches: store always, advance when listed
            member = status[r, i] == 1
            listed[members] = i
            members += member
            pending[n_pending] = i
            n_pending += (status[r, i] == 0) & (u_join[r, i] < p.join_rate)
        # stage 3: outreach, openness times the share of the wider population seen taking
        # part last month (A-outreach)
        outreach = zero
        if stage3 and p.openness > 0 and actors.n_wider > 0:
            seen = np.float64(state.seen[r]) / np.float64(actors.n_wider)
            outreach = p.openness * np.float32(seen)
            # linking: the leaders' communication and shown results widen outreach
            outreach = outreach * (np.float32(1.0) + p.link_gain * np.float32(state.effort[r, 1]))
            # the community backs a collaboration that delivers on its target (A-big-win)
            pace = min(max(state.pace[r], 0.0), 2.0)
            outreach = outreach * np.float32(1.0 + p.target_backing * (pace - 1.0))
        # who has a committed neighbour: pushed from the members' rows when cheaper
        pushed = members < n_pending
        if pushed:
            near[:] = False
            for q in range(members):
                j = listed[q]
                for k in range(indptr[base + j], indptr[base + j + 1]):
                    near[indices[k] - base] = True
        # the deliberating actors weigh joining on every core (each writes only its verdict)
        for q in prange(n_pending):
            i = pending[q]
            heard = p.heard_rate >= 0 and stage3 and u_reach[r, i] < p.heard_rate
            if pushed and not near[i] and not heard:
                supports[r, i] = False  # out of its reach
                continue
            row = base + i
            pull = zero
            sig = zero
            for k in range(indptr[row], indptr[row + 1]):
                c = indices[k]
                pull += data[k] * np.float32(status_flat[c] == 1)
                sig += data[k] * signal_flat[c]
            if not (pull > 0 or heard):
                supports[r, i] = False
                continue
            deg = ties.degree[r, i]
            score = pull / deg if deg > 0 else zero
            if p.visibility > 0:
                momentum = sig / deg if deg > 0 else zero
                score = score + p.visibility * momentum
            score = score + outreach
            ok = True
            if p.value_weight > 0:
                aligned = np.float32(state.alignment[r, actors.sector[i]])
                best = np.float32(-np.inf)
                top = np.float32(-np.inf)
                for j in range(p_n):
                    if (
                        state.open_last[r, j]
                        and actors.eligible[i, j]
                        and (state.used[r, i] & offer.bits[j]) == 0
                    ):
                        # the promise as the leaders adapt the offer to the actor's group
                        promise = actors.anticipated[r, i, j] + aligned * actors.tailoring[r, i, j]
                        top = max(top, promise)
                        if promise > 0:  # weighed by the chance of being served (A-served)
                            promise = promise * state.served_share[r, j]
                        best = max(best, promise)
                promised[i] = top
                # no positive promise open to it: no private value target to commit to
                ok = best > 0
                gap = (best if np.isfinite(best) else zero) - state.expectation[r, i]
                score = score + p.value_weight * gap
            joins[r, i] = ok and score >= actors.threshold[r, i]
            # backing without joining: the score reaches the support level (A-support)
            supports[r, i] = (
                not joins[r, i]
                and p.support_share > 0
                and score >= p.support_share * actors.threshold[r, i]
            )
        # joiners become members once every actor of the replicate has weighed joining
        for q in range(n_pending):
            i = pending[q]
            if joins[r, i]:
                status[r, i] = 1
                state.commitment[r, i] = p.initial_commitment
                state.trust[r, i] = p.initial_trust
                state.realised[r, i] = zero
                state.pending_value[r, i] = zero
                state.months_since[r, i] = 0
                state.engaged[r, i] = 0
                state.active[r, i] = False
                # the target it committed for: what it was promised (A-target)
                if p.value_weight > 0:
                    state.expectation[r, i] = promised[i]
                state.progress[r, i] = zero
                state.milestone[r, i] = zero
                if i < n_org:
                    state.staff[r, i] = p.staff_initial
                    state.staff_fed[r, i] = zero
    return joins


def commitment_link(
    state: State, scenario: Scenario, u_join: np.ndarray, u_reach: np.ndarray
) -> np.ndarray:
    """Sub-step 2 on ``state`` (the kernel the month runs), weighing the offer open last
    month (``state.open_last``); return the (R, N) mask of those who commit."""
    return weigh_joining(
        params(scenario),
        state.actors(),
        state.ties_record(),
        Offer.from_scenario(scenario).record(),
        state.record(),
        u_join,
        u_reach,
    )
