"""Leadership: what the key leaders do.

"Leaders need to engage with these prior values, experiences and expectations" and
"be prepared to arbitrate and negotiate across these differing value positions"; key
leaders "negotiate the original project initiative and conduct the basic consensus
about the shared targets and project design"; "poorly led, they can destroy value".

Leadership is a limited capacity the key leaders spend on actions
(:mod:`~commonfuture.leadership.actions`: engage a group, arbitrate a tension,
negotiate, link), chosen each month by a policy from what they can observe
(:mod:`~commonfuture.leadership.policies`). Tensions between groups with differing
value positions grow while left open and destroy value
(:mod:`~commonfuture.leadership.tensions`). A group's alignment, built by engagement,
adapts the offers it receives (:func:`adapted`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from commonfuture.value import products


@njit(cache=True, nogil=True, inline="always")
def adapted(value_e, value_total, profile_e, alignment):
    """Element e of a proposition as an actor receives it: leaders who align adapt the
    offer towards what the actor values, ``(1 - alignment) v_e + alignment |v| p_e``,
    where |v| is the offer's total value per use and p the actor's value profile
    (A-adaptation). The offer's total is kept; only its mix moves towards the actor's
    values. An unaligned collaboration offers every actor the same mix."""
    return (1 - alignment) * value_e + alignment * value_total * profile_e


def tailored_fit(profile: np.ndarray, value: np.ndarray, alignment: float) -> np.ndarray:
    """Fit of each actor to each proposition as adapted (A-adaptation): the
    profile-weighted value of the adapted offer, (..., P) for profiles (..., 5) and
    offers (P, 5): ``(1 - a) p.v + a |v| p.p`` (``p.v`` in blocks of rows,
    :func:`commonfuture.value.products`). The set-up computes the same numbers in one
    compiled pass (:func:`commonfuture.population.appraise`); this is their definition."""
    profile = np.asarray(profile, np.float64)
    value = np.asarray(value, np.float64)
    plain = products(profile, value)
    own = (profile * profile).sum(axis=-1)[..., None] * value.sum(axis=1)
    return (1.0 - alignment) * plain + alignment * own


@njit(cache=True)
def arbitrated(cos: np.ndarray, arbitration: float) -> np.ndarray:
    """Alignment of key leaders' value positions (0..1): the similarity of their value
    profiles ``cos``, with the month's negotiation (its effect ``arbitration`` in 0..1)
    closing part of the gap, ``cos + arbitration (1 - cos)``."""
    return cos + arbitration * (1.0 - cos)
