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
def leave(status, commitment, floor, signal):
    """Members below their floor secede and signal a loss; return the (R, N) mask."""
    r_n, n = status.shape
    leaving = np.zeros((r_n, n), np.bool_)
    for r in range(r_n):
        for i in range(n):  # selects, not branches
            go = (status[r, i] == 1) & (commitment[r, i] < floor[r, i])
            leaving[r, i] = go
            status[r, i] = 2 if go else status[r, i]
            signal[r, i] = -1.0 if go else signal[r, i]
    return leaving


def secession(state: State) -> np.ndarray:
    """Return the (R, N) mask of members who secede this month."""
    return leave(state.status, state.commitment, state.floor, state.signal)
