"""Tensions between groups with differing value positions.

"Leaders should also be prepared to arbitrate and negotiate across these differing
value positions"; the Edinburgh solar launch tells of "the clash of cultures between a
small, innovative can-do community group and the large, bureaucratic council".

The groups are the four sectors (public, private, third, residents). A pair of groups
whose members share the collaboration holds a *tension* in [0, 1] (assumption
A-tension in docs/ODD.md). Its *gap* is how far apart the two groups' value positions
are: half the L1 distance between their mean value profiles (0 for the same mix of
values, 1 for groups that value wholly different elements), fixed for a run. While
both groups have members, an open tension grows ``tensions.growth * gap`` of the way to
1 a month; arbitration settles it (:mod:`commonfuture.leadership.actions`). While it
stands, every member of either group loses ``tensions.harm`` times the group's
*strain* (the largest open tension it is in) times its own expectation a month, and
the community as much again; the per-use losses of disproportion, backlash and
exploitation scale with the user's strain.
"""

from __future__ import annotations

import numpy as np

from commonfuture.scenario.schema import SECTORS

#: the pairs of groups, in a fixed order: (0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)
PAIRS: tuple[tuple[int, int], ...] = tuple(
    (a, b) for a in range(len(SECTORS)) for b in range(a + 1, len(SECTORS))
)
N_PAIRS = len(PAIRS)
#: a pair's name, as observations and allocations say it: "public-third"
PAIR_NAMES: tuple[str, ...] = tuple(f"{SECTORS[a]}-{SECTORS[b]}" for a, b in PAIRS)
#: (N_PAIRS, 2) int64: the pairs' groups, for the compiled month
PAIR_GROUPS = np.array(PAIRS, np.int64)


def gaps(profile: np.ndarray, sector: np.ndarray) -> np.ndarray:
    """(R, N_PAIRS) float64: half the L1 distance between the mean value profiles of each
    pair's two groups, per replicate (0 where a group has no actors)."""
    r_n = profile.shape[0]
    means = np.zeros((r_n, len(SECTORS), profile.shape[2]))
    present = np.zeros(len(SECTORS), bool)
    for g in range(len(SECTORS)):
        rows = np.flatnonzero(sector == g)
        if len(rows):
            present[g] = True
            means[:, g] = profile[:, rows, :].astype(np.float64).mean(axis=1)
    out = np.zeros((r_n, N_PAIRS))
    for k, (a, b) in enumerate(PAIRS):
        if present[a] and present[b]:
            out[:, k] = 0.5 * np.abs(means[:, a] - means[:, b]).sum(axis=1)
    return out


def pair_index(name: str) -> int:
    """The index of a pair named ``"public-third"`` (either order)."""
    parts = name.split("-")
    if len(parts) == 2:
        a, b = parts
        for k, (x, y) in enumerate(PAIRS):
            if {SECTORS[x], SECTORS[y]} == {a, b}:
                return k
    raise ValueError(
        f"unknown tension {name[:60]!r}: name two groups, e.g. {PAIR_NAMES[1]!r} "
        f"(groups: {', '.join(SECTORS)})"
    )
