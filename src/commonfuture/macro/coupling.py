"""Sub-step 1, coupling of key leaders (macro), and the leaders' judgement of delivery.

"The coupling of key leaders, which refers to the initial alliance between core
actors who negotiate the original project initiative and conduct the basic
consensus about the shared targets and project design."

The coupling is a consensus negotiated and kept, or lost, over time (assumption
A-consensus in docs/ODD.md). Each replicate carries the key leaders' consensus on
the shared target, in [0, 1]. A key leader *sits at the table* while committed
with commitment >= ``leadership.coupling_threshold``. Every month:

1. a change in the number of leaders at the table (a withdrawal, a secession, a
   leader dropping below the threshold or coming back) keeps only the share
   ``min(before, now) / max(before, now)`` of the consensus: the agreement was
   negotiated by a different table;
2. where leaders of at least two sectors sit at the table they negotiate: the
   consensus closes ``negotiation_rate`` times their negotiated alignment (the mean
   cosine similarity of their value profiles, ``cos + e (1 - cos)``, ``e`` the effect
   of the hours they spent negotiating this month,
   :mod:`commonfuture.leadership.actions`) of the gap to full consensus;
3. the coupling holds where leaders of at least two sectors sit at the table and
   the consensus is >= ``consensus_threshold``. A key leader is not bound by it: a
   leader whose own value is not served evaluates and can leave like any member.

At every review (sub-step 5, :func:`judge`: every ``dynamics.evaluation_months`` months,
and at a scheduled milestone event) the leaders judge what the collaboration delivered
on the shared target since the last review: the community (public) value created per
month of delivery and per committed key leader, against each leader's expectation; the
mean relative shortfall ``s`` in [0, 1] costs the consensus a share ``consensus_erosion *
s``. They also judge the pace of progress on the long-term target against its plan
(``pace``, clipped to [0, 2], A-big-win): behind plan costs the consensus a share
``target.judgement * (1 - pace)``, ahead of plan closes ``target.judgement * (pace - 1)``
of the gap to full consensus.

A scheduled ``leader_withdraws`` event makes a sector's key leaders secede (a
pilot's funding ends, a champion leaves). Losing the coupling is a *disruption*:
members lose trust (assumption A-disruption in docs/ODD.md).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from commonfuture.leadership import arbitrated
from commonfuture.parameters import params
from commonfuture.population import State, leader_similarity
from commonfuture.scenario.schema import SECTORS, Scenario


@njit(cache=True, nogil=True)
def negotiate(p, actors, state):
    """Steps 1-3 of the coupling on every replicate: the consensus is diluted by a change
    at the table and negotiated by leaders of at least two sectors. Updates ``state.consensus`` and
    ``state.seated``; returns (R,) bool: coupled now."""
    status, commitment = state.status, state.commitment
    idx, lsec, sim = actors.leaders, actors.leader_sector, actors.similarity
    r_n = status.shape[0]
    n_lead = len(idx)
    now = np.zeros(r_n, np.bool_)
    ok = np.zeros(n_lead, np.bool_)
    for r in range(r_n):
        seen = np.zeros(4, np.bool_)
        seated = 0
        for a in range(n_lead):
            ok[a] = status[r, idx[a]] == 1 and commitment[r, idx[a]] >= p.coupling_threshold
            if ok[a]:
                seen[lsec[a]] = True
                seated += 1
        sectors = 0
        for s in range(4):
            sectors += seen[s]
        k = state.consensus[r]
        before = state.seated[r]
        if seated != before:  # a different table: only the share it still holds is kept
            k *= min(seated, before) / max(seated, before)
        state.seated[r] = seated
        if sectors >= 2:
            total = 0.0
            pairs = 0
            for a in range(n_lead):
                if ok[a]:
                    for b in range(n_lead):
                        if b != a and ok[b]:
                            total += sim[r, a, b]
                            pairs += 1
            cos = total / pairs
            # the month's negotiation closes part of the gap between their positions
            k += p.negotiation_rate * arbitrated(cos, state.effort[r, 0]) * (1.0 - k)
        state.consensus[r] = k
        now[r] = sectors >= 2 and k >= p.consensus_threshold
    return now


@njit(cache=True, nogil=True)
def couple(p, actors, state, withdraw):
    """Sub-step 1 on every replicate: the key leaders of the sectors marked in ``withdraw``
    ((4,) bool, this month's ``leader_withdraws`` events) secede; the leaders negotiate and
    the coupling is updated; where it broke, members' trust is shocked.

    Returns (disrupted (R,) bool, withdrawn (R, N) bool: members who withdrew)."""
    status = state.status
    r_n, n = status.shape
    withdrawn = np.zeros((r_n, n), np.bool_)
    for a in range(len(actors.leaders)):
        if withdraw[actors.leader_sector[a]]:
            who = actors.leaders[a]
            for r in range(r_n):
                withdrawn[r, who] = status[r, who] == 1
                status[r, who] = 2
                state.commitment[r, who] = 0.0
                state.signal[r, who] = -1.0
    if len(actors.leaders):
        now = negotiate(p, actors, state)
    else:
        now = np.zeros(r_n, np.bool_)
    disrupted = state.coupled & ~now
    for r in range(r_n):
        if disrupted[r]:
            for i in range(n):
                if status[r, i] == 1:
                    state.trust[r, i] *= p.trust_kept
        state.coupled[r] = now[r]
        state.ever_coupled[r] |= now[r]
    return disrupted, withdrawn


@njit(cache=True, nogil=True)
def judge(p, actors, state, moment):
    """At a review ``moment`` (sub-step 5), on every replicate: where the leaders are
    coupled they judge the pace against the target's plan (behind erodes the consensus,
    ahead builds it); where they are coupled and the collaboration has had months of
    delivery since the last judgement,
    the committed key leaders judge the community value it delivered per month, shared
    among them, against each one's expectation; the mean shortfall ``s`` (each leader's
    ``1 - share / expectation``, clipped to [0, 1]) costs the consensus a share
    ``consensus_erosion * s``. The delivery record then starts again. Returns (R,)
    float64: the shortfall judged (0 where none was)."""
    status, idx = state.status, actors.leaders
    r_n = status.shape[0]
    shortfall = np.zeros(r_n, np.float64)
    if not moment:
        return shortfall
    for r in range(r_n):
        if state.coupled[r]:  # the big win: the pace against the plan (A-big-win)
            ahead = min(max(state.pace[r], 0.0), 2.0) - 1.0
            if ahead < 0:
                state.consensus[r] *= 1.0 + p.target_judgement * ahead
            else:
                state.consensus[r] += p.target_judgement * ahead * (1.0 - state.consensus[r])
        months = state.delivery_months[r]
        if state.coupled[r] and months > 0:
            committed = 0
            for a in range(len(idx)):
                committed += status[r, idx[a]] == 1
            if committed > 0:
                share = state.delivered[r] / (months * committed)
                gaps = 0.0
                for a in range(len(idx)):
                    if status[r, idx[a]] == 1:
                        e = state.expectation[r, idx[a]]
                        if e > 0:
                            gaps += min(max(1.0 - share / e, 0.0), 1.0)
                shortfall[r] = gaps / committed
                state.consensus[r] *= 1.0 - p.consensus_erosion * shortfall[r]
        state.delivered[r] = 0.0
        state.delivery_months[r] = 0
    return shortfall


def withdrawals(scenario: Scenario, month: int) -> np.ndarray:
    """(4,) bool: sectors whose key leaders withdraw in ``month`` (scheduled events)."""
    out = np.zeros(len(SECTORS), bool)
    for ev in scenario.events:
        if ev.kind == "leader_withdraws" and ev.month == month:
            out[SECTORS.index(ev.sector)] = True
    return out


def coupling(state: State, scenario: Scenario, month: int) -> np.ndarray:
    """Sub-step 1 on ``state`` (the kernel the month runs); return (R,) bool: disrupted."""
    disrupted, _ = couple(
        params(scenario), state.actors(), state.record(), withdrawals(scenario, month)
    )
    return disrupted


def judgement(state: State, scenario: Scenario, moment: bool) -> np.ndarray:
    """The leaders' judgement of delivery on ``state`` (the kernel sub-step 5 runs); return
    (R,) float64: the shortfall judged."""
    return judge(params(scenario), state.actors(), state.record(), moment)


__all__ = [
    "couple",
    "coupling",
    "judge",
    "judgement",
    "leader_similarity",
    "negotiate",
    "withdrawals",
]
