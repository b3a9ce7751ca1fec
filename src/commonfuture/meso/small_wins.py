"""Sub-step 5, small wins (meso), with the evaluation that ends a small-win cycle.

"Before the realization of the long-term value target, each private value chain
incorporates several intermediate value outcomes. These periodical value
outcomes, as 'small wins' ... are tangible and occur at particular moments in
time. They are essential for encouraging trust, building confidence and
generating persistent collaborative momentum in the network." And, at the micro
level: "the real value outcome would subsequently influence actors' evaluation
of the collaboration, consolidating or weakening their commitment".

*Small wins are milestones in each actor's own chain* (A-milestone). A use creates
value on five elements; the member feels some at once (``dynamics.tangible_elements``:
short-term satisfaction and lived experience by default) and the rest (longer-term
outcomes, capacity, public value) becomes tangible as an outcome when the member reaches
the next milestone of its own chain: a certificate gained, the first return paid, a
route opened. The proposition it uses sets how far away that milestone is
(``propositions[].milestone``, else ``wins.uses`` uses' worth: value it creates for
itself, returns included); it is reached when the member's own created value since its
last milestone passes it, not on a collaboration-wide calendar. The key leaders' staging
of small wins (:mod:`commonfuture.leadership.actions`, effect ``e``) brings every member's next
milestone ``wins.nearer * e`` nearer. A milestone reached makes the held value tangible,
consolidates (commitment and trust move ``wins.consolidation`` of the way to 1: a
tangible outcome) and closes the member's cycle; what it signals to neighbours is ``1 +
wins.visible * e`` times stronger. A scheduled ``milestone`` event (the first panels
generating) is a small win every member shares: its held value becomes tangible and
its cycle closes. Holding returns and the leaders' stake are tangible when received.
With ``wins.milestones`` false (the model without milestones) every element is felt at
once and cycles close only after ``dynamics.evaluation_months``.

*A cycle closes at a milestone, or when the member's patience runs out*
(``dynamics.evaluation_months`` months without one: the milestone it expected is
missed, and the longer-term value stays unfelt in the judgement). A member *engaged* in
at least one month of the cycle (it had a tangible outcome: a use, a return, its stake;
or it sought a proposition and was turned away for want of places or money) then judges
the value that became tangible per month engaged against its short-term target (what
it was promised when it committed, A-target); a member that neither took part nor was
turned away has nothing to judge (A-evaluation):

* the outcome's size is its gap relative to the target, capped at 1;
* a win moves trust and commitment towards 1 by ``trust_gain * size`` and
  ``commitment_gain * size`` of the way, and the member signals
  ``size * trust`` to its neighbours (trusting members carry momentum:
  A-advocacy);
* a shortfall moves trust towards 0 by ``trust_loss * size`` of the way and
  commitment by ``commitment_loss * size * (1 - tolerance * trust)`` (trust
  built by earlier wins cushions a later shortfall: A-tolerance), and signals
  -size.

What a member signals is louder the more experience it has lived: times ``1 +
elements.voice * x / (x + elements.half)``, ``x`` its accumulated lived-experience value
(A-elements).

This is a Bush-Mosteller reinforcement-learning update (Bush & Mosteller 1955;
Macy & Flache 2002), in which trust is the memory of past wins (Vangen &
Huxham 2003: small achieved outcomes feed a trust-building loop).

After each evaluation the member's target moves ``aspiration_rate`` of the way
towards what it realised a month (A-aspiration: expectations adapt with
experience; Macy & Flache 2002).

*The big win seen* (A-big-win): every month a member feels ``target.felt`` times its
target times the weight it puts on longer-term outcomes and public value, times the pace
of progress on the long-term target against its plan less one (``pace``, clipped to [0,
2]): a collaboration getting somewhere adds to what it realises, one falling behind
takes from it.

*Staff* (A-staff): an organisation's staff got value from this month's use after their
own profile; their engagement moves ``staff.gain`` of the way towards how well that
served them (the value against the organisation's target, at most 1), or falls
``staff.decay`` of itself in a month they were not served; ``staff.weight`` times their
engagement times their value counts in the organisation's evaluation beside its
service-level value (and engaged staff are what it delivers with:
:mod:`commonfuture.micro.creation`).

While a tension the member's group is in stands open, the member loses
``tensions.harm`` times its group's strain times its own target a month (a share
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
from commonfuture.value import EXPERIENCE, OUTCOMES, PUBLIC

#: The month's evaluations, (R, N) each: ``evaluated`` (a member's small-win cycle ended),
#: ``wins`` (at or above its target), ``gap`` (realised per month minus target, where
#: evaluated), ``reached`` (a milestone of its chain reached); and ``harmed`` (R, 4)
#: float64, the value members of each group lost to open tensions this month.
Evaluated = namedtuple("Evaluated", "evaluated wins gap reached harmed", module=__name__)


def is_moment(scenario: Scenario, month: int) -> bool:
    """Is ``month`` a shared small win for all members (a scheduled milestone event)?"""
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
    progress, milestone = state.progress, state.milestone
    staff, staff_fed = state.staff, state.staff_fed
    accumulated, profile = state.accumulated, actors.profile
    n_org = staff.shape[1]
    r_n, n = status.shape
    evaluated = np.zeros((r_n, n), np.bool_)
    wins = np.zeros((r_n, n), np.bool_)
    reached = np.zeros((r_n, n), np.bool_)
    gap = np.zeros((r_n, n), np.float32)
    one, zero, floor = np.float32(1.0), np.float32(0.0), np.float32(0.01)
    strain, sector = state.strain, actors.sector
    chunks = n_chunks(n)
    harmed_t = np.zeros((r_n * chunks, 4), np.float64)
    for task in prange(r_n * chunks):  # chunks of actors, on every core
        r = task // chunks
        lo, hi = bounds(task % chunks, n)
        coupled = state.coupled[r]
        # the big win seen: the pace against plan, less one (A-big-win)
        ahead = np.float32(min(max(state.pace[r], 0.0), 2.0) - 1.0)
        staged = np.float32(state.effort[r, 2])  # the leaders' staging of small wins
        near = one - p.nearer * staged
        loud = one + p.win_visible * staged
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
                if p.target_felt > 0 and ahead != 0:
                    weight = profile[r, i, OUTCOMES] + profile[r, i, PUBLIC]
                    realised[r, i] += p.target_felt * weight * expectation[r, i] * ahead
                if i < n_org:  # the organisation's staff (A-staff)
                    got = staff_fed[r, i]
                    s = staff[r, i]
                    if got > 0:
                        served = min(got / max(expectation[r, i], floor), one)
                        s = s + p.staff_gain * (served - s)
                        realised[r, i] += p.staff_weight * s * got
                    else:
                        s = s - p.staff_decay * s
                    staff[r, i] = min(max(s, zero), one)
                    staff_fed[r, i] = zero
                # erosion between tangible outcomes (A-erosion)
                c = c - p.commitment_decay * (one - t)
                # a milestone of its own chain reached (A-milestone)
                mine = (
                    p.milestones != 0
                    and coupled
                    and milestone[r, i] > 0
                    and progress[r, i] >= milestone[r, i] * near
                )
                # a scheduled milestone event: a small win all members share
                held = (moment and coupled) or mine
                if held and pending_value[r, i] != 0:
                    realised[r, i] += pending_value[r, i]
                    pending_value[r, i] = zero
                    active[r, i] = True
                if mine:
                    reached[r, i] = True
                    progress[r, i] = zero
                    milestone[r, i] = zero
                    c = c + p.consolidation * (one - c)
                    t = t + p.consolidation * (one - t)
                engaged[r, i] += active[r, i]
                # the cycle closes at a milestone, or when the member's patience runs out
                if held or months_since[r, i] >= p.evaluation_months:
                    if engaged[r, i] > 0:
                        per_month = realised[r, i] / np.float32(engaged[r, i])
                        g = per_month - expectation[r, i]
                        win = g >= 0
                        # size of the outcome relative to the target, in [0, 1]
                        size = min(one, abs(g) / max(expectation[r, i], floor))
                        # lived experience makes its word carry (A-elements)
                        lived = accumulated[r, i, EXPERIENCE]
                        voice = one + p.voice * lived / (lived + p.element_half)
                        if win:
                            t = t + p.trust_gain * size * (one - t)
                            c = c + p.commitment_gain * size * (one - c)
                            said = size * min(max(t, zero), one) * voice  # A-advocacy
                            signal[r, i] = said * loud if mine else said
                        else:
                            # trust cushions the loss of commitment (A-tolerance)
                            c = c - p.commitment_loss * size * (one - p.tolerance * t) * c
                            t = t - p.trust_loss * size * t
                            signal[r, i] = -size * voice
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
    return Evaluated(evaluated, wins, gap, reached, harmed)


def small_wins(state: State, scenario: Scenario, month: int) -> Evaluated:
    """Sub-step 5 on ``state`` (the kernel the month runs)."""
    return learn(params(scenario), state.actors(), state.record(), is_moment(scenario, month))
