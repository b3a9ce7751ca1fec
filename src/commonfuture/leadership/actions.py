"""What the key leaders do with their capacity: the actions, and their effects.

Leadership is a limited capacity that the key leaders spend (assumption A-capacity in
docs/ODD.md): each committed key leader brings ``leadership.capacity_hours`` a month,
lost when the leader leaves. Each month a policy (:mod:`commonfuture.leadership.policies`)
spends it on six kinds of action, each traced to the seed:

========== ================================================ =====================================
action     scope and effect                                 the seed
========== ================================================ =====================================
engage     a group (sector): its alignment moves            leaders "need to engage with these
           ``engagement_gain * e`` of the way to 1, and     prior values, experiences and
           decays ``engagement_decay * (1 - e)``, where     expectations"
           ``e = h / (h + engage_hours)``; a group's
           offers are adapted that far towards its members'
           values (A-adaptation), and ignorance scales with
           ``1 - alignment``
arbitrate  a tension between two groups: settles            "be prepared to arbitrate and
           ``h / (settle_hours * gap)`` of it (its cost     negotiate across these differing
           grows with the gap between the positions)        value positions"
negotiate  the key leaders' consensus: the month's          key leaders "negotiate the original
           negotiation closes ``e = h / (h +                project initiative and conduct the
           negotiate_hours)`` of the gap between their      basic consensus about the shared
           value positions                                  targets and project design"
link       the external environment: stage-3 outreach is    linking "the collaborative network
           multiplied by ``1 + link_gain * e``,             to the external environment" to win
           ``e = h / (h + link_hours)``                     community support
wins       the members' value chains: every member's next   small wins "are tangible and occur
           milestone is ``wins.nearer * e`` nearer, and     at particular moments in time.
           what a milestone reached signals to neighbours   They are essential for encouraging
           is ``1 + wins.visible * e`` times stronger,      trust, building confidence and
           ``e = h / (h + wins_hours)``                     generating persistent collaborative
                                                            momentum"
target     the long-term target: each use's progress        "the long-term (societal) value
           towards it is ``1 + target.steer_gain * e``      creation objectives of a public
           times greater, ``e = h / (h + target_hours)``    service collaboration"
========== ================================================ =====================================

An allocation is a (R, :data:`N_SLOTS`) array of hours: one slot per group engaged, one
per tension arbitrated, then negotiation, linking, staging small wins and steering towards
the target (:data:`SLOTS`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from commonfuture.leadership.tensions import N_PAIRS, PAIR_NAMES
from commonfuture.scenario.schema import SECTORS

N_GROUPS = len(SECTORS)
#: slot of the first tension, of negotiation and of linking in an allocation
ARBITRATE = N_GROUPS
NEGOTIATE = N_GROUPS + N_PAIRS
LINK = NEGOTIATE + 1
WINS = LINK + 1
TARGET = WINS + 1
N_SLOTS = TARGET + 1
#: each slot's name: ``engage:public`` ... ``arbitrate:public-private`` ... ``negotiate``,
#: ``link``
SLOTS: tuple[str, ...] = (
    *(f"engage:{g}" for g in SECTORS),
    *(f"arbitrate:{k}" for k in PAIR_NAMES),
    "negotiate",
    "link",
    "wins",
    "target",
)
#: the four kinds of action, and the slots each spans
KINDS: dict[str, slice] = {
    "engage": slice(0, ARBITRATE),
    "arbitrate": slice(ARBITRATE, NEGOTIATE),
    "negotiate": slice(NEGOTIATE, LINK),
    "link": slice(LINK, WINS),
    "wins": slice(WINS, TARGET),
    "target": slice(TARGET, N_SLOTS),
}


@njit(cache=True, nogil=True)
def effect(hours, half):
    """A saturating effect of ``hours`` of effort: ``hours / (hours + half)`` in [0, 1)."""
    if hours <= 0.0:
        return 0.0
    return hours / (hours + half)


@njit(cache=True, nogil=True)
def lead(p, state, hours, present, gap, pair_groups):
    """The month's leadership on every replicate, before the sub-steps: ``hours`` (R,
    N_SLOTS) the allocation (within capacity), ``present`` (R, 4) bool groups with
    members, ``gap`` (R, N_PAIRS) the pairs' value gaps. Groups' alignment builds with
    engagement and decays without it; open tensions grow, then arbitration settles them;
    each group's strain is the largest open tension it is in; the month's negotiation
    and linking effects are kept for the coupling and outreach sub-steps. Writes
    ``state.alignment``, ``state.tension``, ``state.strain``, ``state.effort``."""
    r_n = hours.shape[0]
    for r in range(r_n):
        for g in range(N_GROUPS):
            e = effect(hours[r, g], p.engage_hours)
            a = state.alignment[r, g]
            a += p.engagement_gain * e * (1.0 - a) - p.engagement_decay * (1.0 - e) * a
            state.alignment[r, g] = min(max(a, 0.0), 1.0)
            state.strain[r, g] = 0.0
        for k in range(N_PAIRS):
            a, b = pair_groups[k, 0], pair_groups[k, 1]
            t = state.tension[r, k]
            both = present[r, a] and present[r, b]
            if both:  # an open tension grows with the gap between the positions
                t += p.tension_growth * gap[r, k] * (1.0 - t)
            h = hours[r, ARBITRATE + k]
            if h > 0.0 and t > 0.0:  # arbitration settles it, dearer the wider the gap
                t -= h / (p.settle_hours * max(gap[r, k], 1e-9))
            t = min(max(t, 0.0), 1.0)
            state.tension[r, k] = t
            if both:
                s = np.float32(t)
                if s > state.strain[r, a]:
                    state.strain[r, a] = s
                if s > state.strain[r, b]:
                    state.strain[r, b] = s
        state.effort[r, 0] = effect(hours[r, NEGOTIATE], p.negotiate_hours)
        state.effort[r, 1] = effect(hours[r, LINK], p.link_hours)
        state.effort[r, 2] = effect(hours[r, WINS], p.wins_hours)
        state.effort[r, 3] = effect(hours[r, TARGET], p.target_hours)
