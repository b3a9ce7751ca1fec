"""Sub-step 5, small wins (meso), with the evaluation that ends a small-win cycle.

"Small wins ... are tangible and occur at particular moments in time. They are
essential for encouraging trust, building confidence and generating persistent
collaborative momentum in the network." And, at the micro level: "the real
value outcome would subsequently influence actors' evaluation of the
collaboration, consolidating or weakening their commitment".

Small-win moments come every ``leadership.small_win_cadence_months`` months, at
scheduled milestones, and (for holders) on a holding's payment months. At a
moment each member who has taken part since its last evaluation compares the
private value it realised per month with its prior expectation:

* a win (at or above expectation) adds ``trust_gain`` of its missing trust and
  ``commitment_gain * trust`` of its missing commitment, and signals +1 to its
  neighbours (momentum);
* a shortfall removes ``trust_loss * severity`` of its trust and
  ``commitment_loss * severity`` of commitment, signalling -1; severity is the
  shortfall relative to expectation, at most 1.

Between moments, commitment erodes by ``commitment_decay * (1 - trust)`` a month
and momentum signals fade by ``momentum_decay`` (assumption A-erosion: without
tangible intermediate outcomes, confidence wanes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commonfuture.population import COMMITTED, State
from commonfuture.scenario.schema import Scenario


@dataclass
class Evaluated:
    evaluated: np.ndarray  # (R, N) bool
    wins: np.ndarray  # (R, N) bool
    gap: np.ndarray  # (R, N) realised per month minus expectation (where evaluated)


def is_moment(scenario: Scenario, month: int) -> bool:
    """Is ``month`` a small-win moment for all members (cadence or milestone)?"""
    cadence = scenario.leadership.small_win_cadence_months
    if month > 0 and month % cadence == 0:
        return True
    return any(ev.kind == "milestone" and ev.month == month for ev in scenario.events)


def small_wins(
    state: State, scenario: Scenario, month: int, holders_paid: np.ndarray | None = None
) -> Evaluated:
    dyn = scenario.dynamics
    members = state.status == COMMITTED
    state.signal *= np.float32(dyn.momentum_decay)
    state.months_since[members] += 1
    # erosion between moments
    state.commitment -= np.where(
        members, np.float32(dyn.commitment_decay) * (1.0 - state.trust), np.float32(0.0)
    )
    due = members if is_moment(scenario, month) else np.zeros_like(members)
    if holders_paid is not None:
        due = due | (holders_paid & members)
    due &= state.months_since > 0
    per_month = state.realised / np.maximum(state.months_since, 1)
    gap = np.where(due, per_month - state.expectation, np.float32(0.0))
    wins = due & (gap >= 0)
    short = due & ~wins
    if due.any():
        t, c = state.trust, state.commitment
        severity = np.minimum(1.0, -gap / np.maximum(state.expectation, 0.01))
        t_new = np.where(
            wins, t + dyn.trust_gain * (1 - t), np.where(short, t - dyn.trust_loss * severity * t, t)
        )
        c_new = np.where(
            wins,
            c + dyn.commitment_gain * t_new * (1 - c),
            np.where(short, c - dyn.commitment_loss * severity, c),
        )
        state.trust[...] = t_new
        state.commitment[...] = c_new
        state.signal[wins] = 1.0
        state.signal[short] = -np.minimum(1.0, severity[short])
        state.realised[due] = 0.0
        state.months_since[due] = 0
    np.clip(state.commitment, 0.0, 1.0, out=state.commitment)
    np.clip(state.trust, 0.0, 1.0, out=state.trust)
    return Evaluated(evaluated=due, wins=wins, gap=gap)
