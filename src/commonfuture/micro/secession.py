"""Sub-step 6, secession (micro): continue or secede.

Members whose commitment has fallen below their own floor leave. A seceding
actor stops pulling on its ties (it no longer counts as a committed neighbour)
and sends a visible loss signal (momentum -1) to them.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from commonfuture.population import State


@njit(cache=True, nogil=True)
def leave(actors, state):
    """Sub-step 6 on every replicate: members below their floor secede and signal a loss;
    return the (R, N) mask of those who seceded."""
    status, commitment, signal = state.status, state.commitment, state.signal
    r_n, n = status.shape
    leaving = np.zeros((r_n, n), np.bool_)
    for r in range(r_n):
        for i in range(n):  # selects, not branches
            go = (status[r, i] == 1) & (commitment[r, i] < actors.floor[r, i])
            leaving[r, i] = go
            status[r, i] = 2 if go else status[r, i]
            signal[r, i] = -1.0 if go else signal[r, i]
    return leaving


def secession(state: State) -> np.ndarray:
    """Sub-step 6 on ``state`` (the kernel the month runs); the (R, N) mask of leavers."""
    return leave(state.actors(), state.record())
