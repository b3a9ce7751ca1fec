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
from commonfuture.population import COMMITTED, SECEDED, State, key_leaders
from commonfuture.scenario.schema import SECTORS, Scenario


def leader_similarity(state: State) -> np.ndarray:
    """(R, L, L) cosine similarity of key leaders' value profiles (profiles are fixed for
    a run: computed once and kept on the state)."""
    sim = state.extra.get("leader_similarity")
    if sim is None:
        prof = state.profile[:, key_leaders(state), :].astype(np.float64)
        unit = prof / np.maximum(np.linalg.norm(prof, axis=2, keepdims=True), 1e-12)
        sim = state.extra["leader_similarity"] = unit @ unit.transpose(0, 2, 1)
    return sim


@njit(cache=True, nogil=True)
def coupled_now(status, commitment, idx, lsec, sim, threshold, arbitration, alignment):
    """(R,) bool: key leaders of at least two sectors are committed above ``threshold``
    and the mean similarity of their value profiles, arbitrated, reaches ``alignment``."""
    r_n = status.shape[0]
    n_lead = len(idx)
    now = np.zeros(r_n, np.bool_)
    ok = np.zeros(n_lead, np.bool_)
    for r in range(r_n):
        seen = np.zeros(4, np.bool_)
        for a in range(n_lead):
            ok[a] = status[r, idx[a]] == 1 and commitment[r, idx[a]] >= threshold
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
        now[r] = sectors >= 2 and arbitrated(cos, arbitration) >= alignment
    return now


def coupling(state: State, scenario: Scenario, month: int) -> np.ndarray:
    """Update ``state.coupled``; return (R,) bool: disrupted this month."""
    lead = scenario.leadership
    idx = key_leaders(state)
    for ev in scenario.events:
        if ev.month == month and ev.kind == "leader_withdraws":
            code = SECTORS.index(ev.sector)
            who = idx[state.sector[idx] == code]
            state.status[:, who] = SECEDED
            state.commitment[:, who] = 0.0
            state.signal[:, who] = -1.0
    if len(idx) == 0:
        now = np.zeros(state.n_replicates, bool)
    else:
        now = coupled_now(
            state.status,
            state.commitment,
            idx,
            state.sector[idx],
            leader_similarity(state),
            np.float32(lead.coupling_threshold),
            lead.arbitration,
            lead.coupling_alignment,
        )
    disrupted = state.coupled & ~now
    if disrupted.any():
        members = (state.status == COMMITTED) & disrupted[:, None]
        shock = np.float32(1.0 - scenario.dynamics.disruption_shock)
        state.trust[members] *= shock
    state.coupled = now
    state.ever_coupled |= now
    return disrupted


__all__ = ["coupled_now", "coupling", "leader_similarity"]
