"""Value: five elements, three levels, four kinds of destruction.

Cui & Osborne (2019), after Osborne (2020): value "encapsulates five
elements -- short-term satisfaction, longer-term outcomes, lived experience,
capacity creation and public value. It can accrue to the individual, to the
service delivery system and/or to the community/society."

Accounting convention (an assumption, docs/ODD.md): of the value a use
creates, satisfaction, outcomes and experience accrue to the individual,
capacity to the service system and public value to the community, so the three
levels always add up to the total created.

Value destruction (Cui & Osborne 2023, Public Administration 101(4)) comes in
four kinds, each a named mechanism in :mod:`commonfuture.micro.creation`.
"""

from __future__ import annotations

import numpy as np

ELEMENTS: tuple[str, ...] = ("satisfaction", "outcomes", "experience", "capacity", "public")
N_ELEMENTS = len(ELEMENTS)

LEVELS: dict[str, tuple[int, ...]] = {
    "individual": (0, 1, 2),
    "service": (3,),
    "community": (4,),
}

DESTRUCTION_KINDS: tuple[str, ...] = ("ignorance", "disproportion", "backlash", "exploitation")

PUBLIC = ELEMENTS.index("public")


def normalise(profile: np.ndarray) -> np.ndarray:
    """Scale non-negative weights onto the simplex (last axis sums to 1)."""
    profile = np.asarray(profile, dtype=np.float64)
    return profile / profile.sum(axis=-1, keepdims=True)


def fit(profiles: np.ndarray, offers: np.ndarray) -> np.ndarray:
    """Fit of each actor to each proposition: profile-weighted value (value units).

    ``profiles`` is (..., 5) on the simplex, ``offers`` is (P, 5); the result is
    (..., P). A proposition that offers what an actor values fits it well: the
    multi-win idea that each actor follows its own route after its own values.
    """
    return profiles @ offers.T


def misfit(profiles: np.ndarray, offers: np.ndarray) -> np.ndarray:
    """One minus the cosine similarity of profile and offer, (..., P) in [0, 1]."""
    pn = np.linalg.norm(profiles, axis=-1, keepdims=True)
    on = np.linalg.norm(offers, axis=-1)
    cos = (profiles @ offers.T) / np.maximum(pn * on, 1e-12)
    return 1.0 - cos


def by_level(per_element: np.ndarray) -> dict[str, np.ndarray]:
    """Split value per element (..., 5) into the three levels."""
    return {lvl: per_element[..., list(idx)].sum(axis=-1) for lvl, idx in LEVELS.items()}
