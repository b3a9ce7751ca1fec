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

from commonfuture.leadership import arbitrated
from commonfuture.population import COMMITTED, KEY_LEADER, SECEDED, State
from commonfuture.scenario.schema import SECTORS, Scenario


def leader_similarity(state: State) -> np.ndarray:
    """(R, L, L) cosine similarity of key leaders' value profiles."""
    idx = np.flatnonzero(state.role == KEY_LEADER)
    prof = state.profile[:, idx, :].astype(np.float64)
    unit = prof / np.maximum(np.linalg.norm(prof, axis=2, keepdims=True), 1e-12)
    return unit @ unit.transpose(0, 2, 1)


def coupling(state: State, scenario: Scenario, month: int) -> np.ndarray:
    """Update ``state.coupled``; return (R,) bool: disrupted this month."""
    lead = scenario.leadership
    idx = np.flatnonzero(state.role == KEY_LEADER)
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
        ok = (state.status[:, idx] == COMMITTED) & (
            state.commitment[:, idx] >= lead.coupling_threshold
        )  # (R, L)
        lsec = state.sector[idx]
        sectors = np.zeros(state.n_replicates, np.int64)
        for s in np.unique(lsec):
            sectors += ok[:, lsec == s].any(axis=1)
        sim = state.extra.get("leader_similarity")
        if sim is None:
            sim = state.extra["leader_similarity"] = leader_similarity(state)
        pair = ok[:, :, None] & ok[:, None, :]
        np.einsum("rii->ri", pair)[...] = False
        npairs = pair.sum(axis=(1, 2))
        cos = np.where(npairs > 0, (sim * pair).sum(axis=(1, 2)) / np.maximum(npairs, 1), 0.0)
        align = arbitrated(cos, lead.arbitration)
        now = (sectors >= 2) & (align >= lead.coupling_alignment)
    disrupted = state.coupled & ~now
    if disrupted.any():
        members = (state.status == COMMITTED) & disrupted[:, None]
        shock = np.float32(1.0 - scenario.dynamics.disruption_shock)
        state.trust[members] *= shock
    state.coupled = now
    state.ever_coupled |= now
    return disrupted


__all__ = ["coupling", "leader_similarity"]
