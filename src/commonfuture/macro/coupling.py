"""Sub-step 1, coupling of key leaders (macro).

"The coupling of key leaders, which refers to the initial alliance between core
actors who negotiate the original project initiative and conduct the basic
consensus about the shared targets and project design."

The coupling holds while committed key leaders from at least two sectors keep
their commitment above ``leadership.coupling_threshold`` and the alignment of
their value positions (cosine similarity raised by arbitration) stays above
``leadership.coupling_alignment``. A scheduled ``leader_withdraws`` event makes
a sector's key leaders secede (a pilot's funding ends, a champion leaves).
Losing the coupling is a *disruption*: members lose trust (assumption
A-disruption in docs/ODD.md).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from commonfuture.leadership import arbitrated
from commonfuture.parameters import params
from commonfuture.population import State, leader_similarity
from commonfuture.scenario.schema import SECTORS, Scenario


@njit(cache=True, nogil=True)
def coupled_now(p, actors, state):
    """(R,) bool: key leaders of at least two sectors are committed above
    ``p.coupling_threshold`` and the mean similarity of their value profiles, arbitrated,
    reaches ``p.coupling_alignment``."""
    status, commitment = state.status, state.commitment
    idx, lsec, sim = actors.leaders, actors.leader_sector, actors.similarity
    r_n = status.shape[0]
    n_lead = len(idx)
    now = np.zeros(r_n, np.bool_)
    ok = np.zeros(n_lead, np.bool_)
    for r in range(r_n):
        seen = np.zeros(4, np.bool_)
        for a in range(n_lead):
            ok[a] = status[r, idx[a]] == 1 and commitment[r, idx[a]] >= p.coupling_threshold
            if ok[a]:
                seen[lsec[a]] = True
        sectors = 0
        for s in range(4):
            sectors += seen[s]
        total = 0.0
        pairs = 0
        for a in range(n_lead):
            if ok[a]:
                for b in range(n_lead):
                    if b != a and ok[b]:
                        total += sim[r, a, b]
                        pairs += 1
        cos = total / pairs if pairs > 0 else 0.0
        now[r] = sectors >= 2 and arbitrated(cos, p.arbitration) >= p.coupling_alignment
    return now


@njit(cache=True, nogil=True)
def couple(p, actors, state, withdraw):
    """Sub-step 1 on every replicate: the key leaders of the sectors marked in ``withdraw``
    ((4,) bool, this month's ``leader_withdraws`` events) secede; the coupling is updated;
    where it broke, members' trust is shocked.

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
        now = coupled_now(p, actors, state)
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


__all__ = ["couple", "coupled_now", "coupling", "leader_similarity", "withdrawals"]
