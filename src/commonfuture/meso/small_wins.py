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

from collections import namedtuple

import numpy as np
from numba import njit

from commonfuture.parameters import params
from commonfuture.population import State
from commonfuture.scenario.schema import Scenario

#: The month's evaluations, (R, N) each: ``evaluated`` (a member's small-win cycle ended),
#: ``wins`` (at or above expectation), ``gap`` (realised per month minus expectation,
#: where evaluated).
Evaluated = namedtuple("Evaluated", "evaluated wins gap", module=__name__)


def is_moment(scenario: Scenario, month: int) -> bool:
    """Is ``month`` a small-win moment for all members (cadence or milestone)?"""
    cadence = scenario.leadership.small_win_cadence_months
    if month > 0 and month % cadence == 0:
        return True
    return any(ev.kind == "milestone" and ev.month == month for ev in scenario.events)


@njit(cache=True, nogil=True)
def learn(p, actors, state, moment, paid, holders_paid):
    """Sub-step 5 on every replicate: fade signals, erode commitment, evaluate the members
    due, clip; in one pass. Returns :data:`Evaluated`.

    ``moment`` is a small-win moment for every member; where ``paid``,
    ``holders_paid`` (R, N) marks holders who received a return this month.
    """
    status, months_since, realised = state.status, state.months_since, state.realised
    commitment, trust, signal = state.commitment, state.trust, state.signal
    expectation = actors.expectation
    r_n, n = status.shape
    evaluated = np.zeros((r_n, n), np.bool_)
    wins = np.zeros((r_n, n), np.bool_)
    gap = np.zeros((r_n, n), np.float32)
    one, zero, floor = np.float32(1.0), np.float32(0.0), np.float32(0.01)
    for r in range(r_n):
        for i in range(n):
            signal[r, i] *= p.momentum_decay
            c = commitment[r, i]
            t = trust[r, i]
            if status[r, i] == 1:
                months_since[r, i] += 1
                # erosion between moments
                c = c - p.commitment_decay * (one - t)
                if (moment or (paid and holders_paid[r, i])) and months_since[r, i] > 0:
                    per_month = realised[r, i] / np.float32(months_since[r, i])
                    g = per_month - expectation[r, i]
                    win = g >= 0
                    # size of the outcome relative to expectation, in [0, 1]
                    size = min(one, abs(g) / max(expectation[r, i], floor))
                    up = size if win else zero
                    down = zero if win else size
                    t = t + p.trust_gain * up * (one - t) - p.trust_loss * down * t
                    c = c + p.commitment_gain * up * (one - c) - p.commitment_loss * down * c
                    signal[r, i] = up if win else -down
                    realised[r, i] = zero
                    months_since[r, i] = 0
                    evaluated[r, i] = True
                    wins[r, i] = win
                    gap[r, i] = g
            commitment[r, i] = min(max(c, zero), one)
            trust[r, i] = min(max(t, zero), one)
    return Evaluated(evaluated, wins, gap)


def small_wins(
    state: State, scenario: Scenario, month: int, holders_paid: np.ndarray | None = None
) -> Evaluated:
    """Sub-step 5 on ``state`` (the kernel the month runs); ``holders_paid`` (R, N) marks
    the holders who received a return this month, if any did."""
    paid = holders_paid is not None
    if not paid:
        holders_paid = np.zeros((1, 1), bool)
    return learn(
        params(scenario),
        state.actors(),
        state.record(),
        is_moment(scenario, month),
        paid,
        np.asarray(holders_paid, bool),
    )
