"""Value: five elements, three levels, four kinds of destruction.

Cui & Osborne (2019), after Osborne (2020): value "encapsulates five
elements -- short-term satisfaction, longer-term outcomes, lived experience,
capacity creation and public value. It can accrue to the individual, to the
service delivery system and/or to the community/society."

Accounting convention (assumption A-levels, docs/ODD.md): each element's value
is shared over the three levels by the scenario's ``levels`` (a (5, 3) matrix of
shares summing to 1 per element; by default satisfaction and experience are the
individual's, outcomes half the individual's and half the community's, capacity
half the individual's and half the service system's, public value the
community's), so the levels of created value add up to the total created.

Value destruction (Cui & Osborne 2023, Public Administration 101(4)) comes in
four kinds, each a named mechanism in :mod:`commonfuture.micro.creation`; each
kind's loss is shared over the levels it falls on (a (4, 3) matrix, the same
``levels`` section). Value per level is net: created at the level minus the
losses that fall on it, and can be negative.
"""

from __future__ import annotations

import numpy as np

ELEMENTS: tuple[str, ...] = ("satisfaction", "outcomes", "experience", "capacity", "public")
N_ELEMENTS = len(ELEMENTS)

#: The three levels value accrues to, in the order of the level matrices' columns.
LEVELS: tuple[str, ...] = ("individual", "service", "community")
INDIVIDUAL, SERVICE, COMMUNITY = range(3)

DESTRUCTION_KINDS: tuple[str, ...] = ("ignorance", "disproportion", "backlash", "exploitation")

SATISFACTION, OUTCOMES, EXPERIENCE, CAPACITY, PUBLIC = range(N_ELEMENTS)


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


#: rows of a profile-by-offer product per BLAS call: small enough that the library keeps
#: each call on one thread, as it did for runs of up to 10,000 actors (a million-row
#: product spread over its threads took 250 ms against 7 ms beside other work on 2 cores;
#: the numbers are the same either way)
PRODUCT_ROWS = 8192


def products(profiles: np.ndarray, offers: np.ndarray) -> np.ndarray:
    """``profiles @ offers.T``, (..., P) for profiles (..., 5) and offers (P, 5), in their
    common type: the same numbers as the one product, computed in blocks of
    :data:`PRODUCT_ROWS` rows."""
    profiles, offers = np.asarray(profiles), np.asarray(offers)
    kind = np.result_type(profiles, offers)
    offers_t = offers.astype(kind, copy=False).T
    flat = profiles.reshape(-1, profiles.shape[-1])
    out = np.empty((flat.shape[0], offers_t.shape[1]), kind)
    for lo in range(0, flat.shape[0], PRODUCT_ROWS):
        hi = lo + PRODUCT_ROWS
        np.matmul(flat[lo:hi].astype(kind, copy=False), offers_t, out=out[lo:hi])
    return out.reshape(*profiles.shape[:-1], offers_t.shape[1])


def misfit(profiles: np.ndarray, offers: np.ndarray) -> np.ndarray:
    """One minus the cosine similarity of profile and offer, (..., P) in [0, 1] (the
    set-up computes the same numbers in :func:`commonfuture.population.appraise`)."""
    pn = np.linalg.norm(profiles, axis=-1, keepdims=True)
    on = np.linalg.norm(offers, axis=-1)
    cos = products(profiles, offers) / np.maximum(pn * on, 1e-12)
    return 1.0 - cos


def by_level(per_element: np.ndarray, shares: np.ndarray) -> dict[str, np.ndarray]:
    """Split value per element (..., 5) into the three levels after ``shares`` (5, 3)."""
    split = np.asarray(per_element, np.float64) @ np.asarray(shares, np.float64)
    return {lvl: split[..., k] for k, lvl in enumerate(LEVELS)}
