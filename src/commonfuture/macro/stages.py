"""Sub-step 7, the stage of the integrative leadership process (macro).

The stage is classified from state, so the same functions classify a real
collaboration's records (the evidence bridge):

* stage 0: no coupling of key leaders;
* stage 1, coupling: key leaders from at least two sectors coupled;
* stage 2, integration: and the network has grown past the key leaders, with at
  least ``integration_members`` other members from ``integration_sectors`` sectors;
* stage 3, linking: and at least ``linking_share`` of the wider population
  (residents; every non-leader where there are none) backs the collaboration,
  as members or as *external supporters*, outside actors who back it without
  joining (``micro/commitment.py``; A-support). The network links to its
  environment "across the boundary of the collaboration network" by winning
  community support, not only by absorbing members.

Stages are entered one at a time, after their condition has held for
``sustain_months`` months ("sequential coordinating stages"); they are lost at
once when the size condition falls below ``hysteresis`` times its entry
threshold, or the coupling breaks (a *regression*; losing the coupling is a
*disruption*): a "fragile progressive evolution".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from commonfuture.scenario.schema import Stages


@dataclass(frozen=True)
class Snapshot:
    """What the classifier needs to know about a collaboration, per replicate.

    ``supporter_share`` may be left out (records without supporter data): no
    supporters, so stage 3 is judged on the committed share alone.
    """

    coupled: np.ndarray  # (R,) bool: key leaders of >= 2 sectors coupled
    other_members: np.ndarray  # (R,) members who are not key leaders
    sectors: np.ndarray  # (R,) sectors represented among members
    wider_share: np.ndarray  # (R,) committed share of the wider population
    supporter_share: np.ndarray | None = None  # (R,) share of it backing without joining

    def backed_share(self) -> np.ndarray:
        """(R,) share of the wider population backing the collaboration: members and
        external supporters."""
        share = np.asarray(self.wider_share, np.float64)
        if self.supporter_share is None:
            return share
        return share + np.asarray(self.supporter_share, np.float64)


@njit(cache=True, nogil=True)
def level_of(coupled, others, sectors, share, members_needed, sectors_needed, share_needed):
    """The highest stage whose condition holds for one collaboration; ``share`` is the
    share of the wider population backing it (members and external supporters)."""
    if not coupled:
        return 0
    if not (others >= members_needed and sectors >= sectors_needed):
        return 1
    return 3 if share >= share_needed else 2


@njit(cache=True, nogil=True)
def _levels(coupled, others, sectors, share, members_needed, sectors_needed, share_needed):
    out = np.empty(len(coupled), np.int8)
    for r in range(len(coupled)):
        out[r] = level_of(
            coupled[r],
            others[r],
            sectors[r],
            share[r],
            members_needed,
            sectors_needed,
            share_needed,
        )
    return out


def levels(snap: Snapshot, rules: Stages, factor: float = 1.0, holding: bool = False) -> np.ndarray:
    """(R,) the highest stage whose condition holds (thresholds times ``factor``).

    ``holding``: the condition for keeping a stage, where one represented sector suffices.
    """
    return _levels(
        np.asarray(snap.coupled, bool),
        np.asarray(snap.other_members, np.float64),
        np.asarray(snap.sectors, np.float64),
        snap.backed_share(),
        rules.integration_members * factor,
        1 if holding else rules.integration_sectors,
        rules.linking_share * factor,
    )


@njit(cache=True, nogil=True)
def stage_step(
    stage,
    pending,
    coupled,
    others,
    sectors,
    share,
    members_needed,
    sectors_needed,
    share_needed,
    hysteresis,
    sustain,
):
    """One month of the stage process on arrays: (new stage, new pending, regressed).

    A stage is lost at once when its condition at ``hysteresis`` times its thresholds
    (one represented sector sufficing) fails; the next stage is entered once its
    condition has held ``sustain`` months in a row.
    """
    r_n = len(stage)
    new_stage = np.empty(r_n, np.int8)
    new_pending = np.empty(r_n, np.int16)
    regressed = np.zeros(r_n, np.bool_)
    for r in range(r_n):
        up = level_of(
            coupled[r],
            others[r],
            sectors[r],
            share[r],
            members_needed,
            sectors_needed,
            share_needed,
        )
        hold = level_of(
            coupled[r],
            others[r],
            sectors[r],
            share[r],
            members_needed * hysteresis,
            1,
            share_needed * hysteresis,
        )
        st = stage[r]
        pend = 0
        if hold < st:
            regressed[r] = True
            st = hold
        elif up > st:  # climbing: the next stage once its condition has held long enough
            pend = pending[r] + 1
            if pend >= sustain:
                st += 1
                pend = 0
        new_stage[r] = st
        new_pending[r] = pend
    return new_stage, new_pending, regressed


def advance(
    stage: np.ndarray, pending: np.ndarray, snap: Snapshot, rules: Stages
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One month of the stage process: (new stage, new pending, regressed mask)."""
    return stage_step(
        np.asarray(stage, np.int8),
        np.asarray(pending, np.int16),
        np.asarray(snap.coupled, bool),
        np.asarray(snap.other_members, np.float64),
        np.asarray(snap.sectors, np.float64),
        snap.backed_share(),
        float(rules.integration_members),
        rules.integration_sectors,
        rules.linking_share,
        rules.hysteresis,
        rules.sustain_months,
    )


def classify(snapshots: list[Snapshot], rules: Stages) -> np.ndarray:
    """Stage path (T, R) of a sequence of monthly snapshots, starting from stage 0."""
    r = len(snapshots[0].coupled) if snapshots else 0
    stage = np.zeros(r, np.int8)
    pending = np.zeros(r, np.int16)
    out = []
    for snap in snapshots:
        stage, pending, _ = advance(stage, pending, snap, rules)
        out.append(stage)
    return np.array(out, dtype=np.int8).reshape(len(snapshots), r)
