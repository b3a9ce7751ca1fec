"""Sub-step 7, the stage of the integrative leadership process (macro).

The stage is classified from state, so the same functions classify a real
collaboration's records (the evidence bridge):

* stage 0: no coupling of key leaders;
* stage 1, coupling: key leaders from at least two sectors coupled;
* stage 2, integration: and the network has grown past the key leaders, with at
  least ``integration_members`` other members from ``integration_sectors`` sectors;
* stage 3, linking: and at least ``linking_share`` of the wider population
  (residents; every non-leader where there are none) is committed.

Stages are entered one at a time, after their condition has held for
``sustain_months`` months ("sequential coordinating stages"); they are lost at
once when the size condition falls below ``hysteresis`` times its entry
threshold, or the coupling breaks (a *regression*; losing the coupling is a
*disruption*): a "fragile progressive evolution".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commonfuture.scenario.schema import Stages


@dataclass(frozen=True)
class Snapshot:
    """What the classifier needs to know about a collaboration, per replicate."""

    coupled: np.ndarray  # (R,) bool: key leaders of >= 2 sectors coupled
    other_members: np.ndarray  # (R,) members who are not key leaders
    sectors: np.ndarray  # (R,) sectors represented among members
    wider_share: np.ndarray  # (R,) committed share of the wider population


def levels(snap: Snapshot, rules: Stages, factor: float = 1.0, holding: bool = False) -> np.ndarray:
    """(R,) the highest stage whose condition holds (thresholds times ``factor``).

    ``holding``: the condition for keeping a stage, where one represented sector suffices.
    """
    integrated = (snap.other_members >= rules.integration_members * factor) & (
        snap.sectors >= (1 if holding else rules.integration_sectors)
    )
    linked = snap.wider_share >= rules.linking_share * factor
    lvl = np.where(snap.coupled, 1, 0)
    lvl = np.where(snap.coupled & integrated, 2, lvl)
    lvl = np.where(snap.coupled & integrated & linked, 3, lvl)
    return lvl.astype(np.int8)


def advance(
    stage: np.ndarray, pending: np.ndarray, snap: Snapshot, rules: Stages
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One month of the stage process: (new stage, new pending, regressed mask)."""
    up = levels(snap, rules)
    hold = levels(snap, rules, rules.hysteresis, holding=True)
    regressed = hold < stage
    stage = np.where(regressed, hold, stage)
    climbing = ~regressed & (up > stage)
    pending = np.where(climbing, pending + 1, 0)
    step_up = climbing & (pending >= rules.sustain_months)
    stage = np.where(step_up, stage + 1, stage).astype(np.int8)
    pending = np.where(step_up, 0, pending).astype(np.int16)
    return stage, pending, regressed


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
