"""Sub-step 5, small wins (meso), with the evaluation that ends a small-win cycle.

"Before the realization of the long-term value target, each private value chain
incorporates several intermediate value outcomes. These periodical value
outcomes, as 'small wins' ... are tangible and occur at particular moments in
time. They are essential for encouraging trust, building confidence and
generating persistent collaborative momentum in the network." And, at the micro
level: "the real value outcome would subsequently influence actors' evaluation
of the collaboration, consolidating or weakening their commitment".

*Small wins are outcomes made tangible.* A use creates value on five elements;
the member feels some at once (``dynamics.tangible_elements``: short-term
satisfaction and lived experience by default) and the rest (longer-term
outcomes, capacity, public value) stays *pending* until a small-win moment:
a milestone the leaders organise every ``leadership.small_win_cadence_months``
months or a scheduled ``milestone`` event, at ``leadership.small_win_cost`` GBP
from the month's pool (A-tangible). Holding returns and the leaders' stake are
tangible when received.

*A cycle closes at a small-win moment, or after ``dynamics.evaluation_months``
months without one* (the member's own judgement). A member *engaged* in at least one month of the
cycle (it had a tangible outcome: a use, a return, its stake, a small win; or it
sought a proposition and was turned away for want of places or money) then
judges the value that became tangible per month engaged against its prior
expectation; a member that neither took part nor was turned away (a once-only
course done, nothing open to it) has nothing to judge (A-evaluation):

* the outcome's size is its gap relative to expectation, capped at 1;
* a win moves trust and commitment towards 1 by ``trust_gain * size`` and
  ``commitment_gain * size`` of the way, and the member signals
  ``size * trust`` to its neighbours (trusting members carry momentum:
  A-advocacy);
* a shortfall moves trust towards 0 by ``trust_loss * size`` of the way and
  commitment by ``commitment_loss * size * (1 - tolerance * trust)`` (trust
  built by earlier wins cushions a later shortfall: A-tolerance), and signals
  -size.

This is a Bush-Mosteller reinforcement-learning update (Bush & Mosteller 1955;
Macy & Flache 2002), in which trust is the memory of past wins (Vangen &
Huxham 2003: small achieved outcomes feed a trust-building loop).

After each evaluation the member's expectation moves ``aspiration_rate`` of the way
towards what it realised a month (A-aspiration: expectations adapt with
experience; Macy & Flache 2002).

While a tension the member's group is in stands open, the member loses
``tensions.harm`` times its group's strain times its own expectation a month (a share
of what it hoped to gain), felt at once: it weighs in the
member's next evaluation (it is not an outcome that engages the member in a month of
its own: A-tension).

Between tangible outcomes, commitment erodes by ``commitment_decay * (1 -
trust)`` a month and momentum signals fade by ``momentum_decay`` (A-erosion).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit, prange

from commonfuture.parallel import bounds, loops, n_chunks
from commonfuture.parameters import params
from commonfuture.population import State
from commonfuture.scenario.schema import Scenario

#: The month's evaluations, (R, N) each: ``evaluated`` (a member's small-win cycle ended),
#: ``wins`` (at or above expectation), ``gap`` (realised per month minus expectation,
#: where evaluated); and ``harmed`` (R, 4) float64, the value members of each group lost
#: to open tensions this month.
Evaluated = namedtuple("Evaluated", "evaluated wins gap harmed", module=__name__)


def is_moment(scenario: Scenario, month: int) -> bool:
    """Is ``month`` a small-win moment for all members (cadence or milestone)?"""
    cadence = scenario.leadership.small_win_cadence_months
    if month > 0 and month % cadence == 0:
        return True
    return any(ev.kind == "milestone" and ev.month == month for ev in scenario.events)


@njit(cache=True, nogil=True, parallel=loops())
def learn(p, actors, state, moment):
    """Sub-step 5 on every replicate, in one pass over the actors: signals fade and
    commitment erodes; at a small-win ``moment`` the value members created but could not
    yet feel becomes tangible; members whose own cycle ends judge what became tangible to
    them in the months they were engaged; commitment and trust are clipped to [0, 1].
    Returns :data:`Evaluated`."""
    status, months_since, realised = state.status, state.months_since, state.realised
    commitment, trust, signal = state.commitment, state.trust, state.signal
    expectation = state.expectation
    # arrays written in the parallel loop are taken out of the record first (numba drops
    # writes made through a record's field inside a prange loop)
    pending_value, active, engaged = state.pending_value, state.active, state.engaged
    r_n, n = status.shape
    evaluated = np.zeros((r_n, n), np.bool_)
    wins = np.zeros((r_n, n), np.bool_)
    gap = np.zeros((r_n, n), np.float32)
    one, zero, floor = np.float32(1.0), np.float32(0.0), np.float32(0.01)
    strain, sector = state.strain, actors.sector
    chunks = n_chunks(n)
    harmed_t = np.zeros((r_n * chunks, 4), np.float64)
    for task in prange(r_n * chunks):  # chunks of actors, on every core
        r = task // chunks
        lo, hi = bounds(task % chunks, n)
        for i in range(lo, hi):
            signal[r, i] *= p.momentum_decay
            c = commitment[r, i]
            t = trust[r, i]
            if status[r, i] == 1:
                months_since[r, i] += 1
                # an open tension the member's group is in costs it a share of what it
                # hoped to gain (A-tension)
                harm = p.tension_harm * strain[r, sector[i]] * expectation[r, i]
                if harm > 0:
                    realised[r, i] -= harm
                    harmed_t[task, sector[i]] += harm
                # erosion between tangible outcomes (A-erosion)
                c = c - p.commitment_decay * (one - t)
                # a small-win moment: the coupled leaders make the longer-term value tangible
                held = moment and state.coupled[r]
                if held and pending_value[r, i] != 0:
                    realised[r, i] += pending_value[r, i]
                    pending_value[r, i] = zero
                    active[r, i] = True
                engaged[r, i] += active[r, i]
                # the cycle closes at a small-win moment, or when the member's own cycle ends
                if held or months_since[r, i] >= p.evaluation_months:
                    if engaged[r, i] > 0:
                        per_month = realised[r, i] / np.float32(engaged[r, i])
                        g = per_month - expectation[r, i]
                        win = g >= 0
                        # size of the outcome relative to expectation, in [0, 1]
                        size = min(one, abs(g) / max(expectation[r, i], floor))
                        if win:
                            t = t + p.trust_gain * size * (one - t)
                            c = c + p.commitment_gain * size * (one - c)
                            signal[r, i] = size * min(max(t, zero), one)  # A-advocacy
                        else:
                            # trust cushions the loss of commitment (A-tolerance)
                            c = c - p.commitment_loss * size * (one - p.tolerance * t) * c
                            t = t - p.trust_loss * size * t
                            signal[r, i] = -size
                        evaluated[r, i] = True
                        wins[r, i] = win
                        gap[r, i] = g
                        # expectations adapt with experience (A-aspiration)
                        expectation[r, i] = max(expectation[r, i] + p.aspiration_rate * g, zero)
                    realised[r, i] = zero
                    months_since[r, i] = 0
                    engaged[r, i] = 0
            active[r, i] = False
            commitment[r, i] = min(max(c, zero), one)
            trust[r, i] = min(max(t, zero), one)
    harmed = np.zeros((r_n, 4), np.float64)
    for task in range(r_n * chunks):
        for g in range(4):
            harmed[task // chunks, g] += harmed_t[task, g]
    return Evaluated(evaluated, wins, gap, harmed)


def small_wins(state: State, scenario: Scenario, month: int) -> Evaluated:
    """Sub-step 5 on ``state`` (the kernel the month runs)."""
    return learn(params(scenario), state.actors(), state.record(), is_moment(scenario, month))
