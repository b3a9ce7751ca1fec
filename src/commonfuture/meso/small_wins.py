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

* the outcome's size is its gap relative to expectation, capped at 1;
* a win (at or above expectation) moves trust and commitment towards 1 by
  ``trust_gain * size`` and ``commitment_gain * size`` of the way, and signals
  +size to its neighbours (momentum);
* a shortfall moves them towards 0 by ``trust_loss * size`` and
  ``commitment_loss * size`` of the way, signalling -size.

This is a Bush-Mosteller reinforcement-learning update (Bush & Mosteller 1955;
Macy & Flache 2002), symmetric by default (assumption A-learning: gains and
losses of the same size move commitment equally; make ``commitment_loss`` larger
than ``commitment_gain`` to model loss aversion).

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
    np.add(state.months_since, members, out=state.months_since, casting="unsafe")
    # erosion between moments
    state.commitment -= (np.float32(dyn.commitment_decay) * (1.0 - state.trust)) * members
    due = members if is_moment(scenario, month) else np.zeros_like(members)
    if holders_paid is not None:
        due = due | (holders_paid & members)
    due &= state.months_since > 0
    if due.any():
        per_month = state.realised / np.maximum(state.months_since, 1)
        gap = np.where(due, per_month - state.expectation, np.float32(0.0))
    else:
        gap = np.zeros(state.realised.shape, np.float32)
    wins = due & (gap >= 0)
    short = due & ~wins
    if due.any():
        t, c = state.trust, state.commitment
        # size of the outcome relative to expectation, in [0, 1]
        size = np.minimum(1.0, np.abs(gap) / np.maximum(state.expectation, 0.01))
        up = np.where(wins, size, 0.0)
        down = np.where(short, size, 0.0)
        state.trust[...] = t + dyn.trust_gain * up * (1 - t) - dyn.trust_loss * down * t
        state.commitment[...] = (
            c + dyn.commitment_gain * up * (1 - c) - dyn.commitment_loss * down * c
        )
        state.signal[wins] = up[wins]
        state.signal[short] = -down[short]
        state.realised[due] = 0.0
        state.months_since[due] = 0
    np.clip(state.commitment, 0.0, 1.0, out=state.commitment)
    np.clip(state.trust, 0.0, 1.0, out=state.trust)
    return Evaluated(evaluated=due, wins=wins, gap=gap)
