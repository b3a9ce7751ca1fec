"""Sub-step 6, secession (micro): continue or secede.

Members whose commitment has fallen below their own floor leave. A seceding
actor stops pulling on its ties (it no longer counts as a committed neighbour)
and sends a visible loss signal (momentum -1) to them.
"""

from __future__ import annotations

import numpy as np

from commonfuture.population import COMMITTED, SECEDED, State


def secession(state: State) -> np.ndarray:
    """Return the (R, N) mask of members who secede this month."""
    leaving = (state.status == COMMITTED) & (state.commitment < state.floor)
    if leaving.any():
        state.status[leaving] = SECEDED
        state.signal[leaving] = -1.0
    return leaving
