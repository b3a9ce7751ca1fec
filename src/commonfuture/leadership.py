"""Leadership: the levers public service leaders hold.

The seed's implications for practice: leaders "need to engage with these prior
values, experiences and expectations" (*alignment*) and "be prepared to
arbitrate and negotiate across these differing value positions" (*arbitration*);
"the importance of 'small wins'" (*cadence* and *visibility*, used in
:mod:`commonfuture.meso.small_wins`); "poorly led, they can destroy value".
"""

from __future__ import annotations

import numpy as np


def realisation(alignment: float) -> float:
    """Share of a proposition's fitting value an actor actually realises.

    Assumption (docs/ODD.md, A-realisation): realised value scales linearly
    with alignment, so an unaligned collaboration realises none of what it
    promised and is left with the costs and losses: value destruction.
    """
    return float(alignment)


def leader_alignment(profiles: np.ndarray, arbitration: float) -> float:
    """Alignment of key leaders' value positions (0..1).

    Mean pairwise cosine similarity of the leaders' value profiles, with
    arbitration closing part of the gap: ``cos + arbitration * (1 - cos)``.
    ``profiles`` is (L, 5); fewer than two leaders give 0.
    """
    k = len(profiles)
    if k < 2:
        return 0.0
    unit = profiles / np.maximum(np.linalg.norm(profiles, axis=1, keepdims=True), 1e-12)
    sim = unit @ unit.T
    cos = float((sim.sum() - np.trace(sim)) / (k * (k - 1)))
    return cos + arbitration * (1.0 - cos)
