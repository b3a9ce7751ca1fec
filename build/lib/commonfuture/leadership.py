"""Leadership: the levers public service leaders hold.

The seed's implications for practice: leaders "need to engage with these prior
values, experiences and expectations" (*alignment*) and "be prepared to
arbitrate and negotiate across these differing value positions" (*arbitration*);
"the importance of 'small wins'" (*cadence* and *visibility*, used in
:mod:`commonfuture.meso.small_wins`); "poorly led, they can destroy value".
"""

from __future__ import annotations

import numpy as np
from numba import njit


def realisation(alignment: float) -> float:
    """Share of a proposition's fitting value an actor actually realises.

    Assumption (docs/ODD.md, A-realisation): realised value scales linearly
    with alignment, so an unaligned collaboration realises none of what it
    promised and is left with the costs and losses: value destruction.
    """
    return float(alignment)


@njit(cache=True)
def arbitrated(cos: np.ndarray, arbitration: float) -> np.ndarray:
    """Alignment of key leaders' value positions (0..1): the similarity of their value
    profiles ``cos``, with arbitration closing part of the gap, ``cos + arbitration (1 - cos)``.
    """
    return cos + arbitration * (1.0 - cos)
