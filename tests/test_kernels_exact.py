"""Faster routes to the same numbers: the lottery's cut by a histogram selection, the
profile-by-offer products in blocks and the compiled appraisal of the offers at set-up
give exactly what one selection, one product or the numpy expressions give."""

from __future__ import annotations

import numpy as np
import pytest

from commonfuture import load_scenario
from commonfuture.leadership import tailored_fit
from commonfuture.micro.creation import SELECT_BLOCK, kth_smallest
from commonfuture.parallel import CHUNK
from commonfuture.population import build_state
from commonfuture.propositions import Offer
from commonfuture.simulation import prepare, replicate_rng
from commonfuture.value import N_ELEMENTS, PRODUCT_ROWS, PUBLIC, misfit, products
from conftest import GENERIC


def _keys(rng, m, alike=False):
    u = rng.random(m).astype(np.float32)
    if alike:  # every draw in one bin of the histogram
        u[:] = np.float32(0.5)
    keys = (u.view(np.uint32).astype(np.uint64) << np.uint64(32)) | np.arange(m, dtype=np.uint64)
    rng.shuffle(keys)
    return keys


@pytest.mark.parametrize("m", [1, 7, SELECT_BLOCK, SELECT_BLOCK + 1, 3 * SELECT_BLOCK + 17])
@pytest.mark.parametrize("alike", [False, True])
def test_kth_smallest_is_the_selection(m, alike):
    rng = np.random.default_rng(m)
    keys = _keys(rng, m, alike)
    ordered = np.sort(keys)
    for rank in {0, m // 3, m // 2, m - 1}:
        assert kth_smallest(keys.copy(), rank) == ordered[rank]


@pytest.mark.parametrize("kind", [np.float32, np.float64])
def test_products_in_blocks_are_the_product(kind):
    rng = np.random.default_rng(3)
    profile = rng.dirichlet(np.ones(5) * 0.7, size=(2, 3 * PRODUCT_ROWS + 5)).astype(kind)
    offers = (rng.random((4, 5)) * 2).astype(np.float32)
    got = products(profile, offers)
    want = profile @ offers.T
    assert got.dtype == want.dtype
    assert np.array_equal(got, want)


@pytest.mark.parametrize(
    "levers",
    [
        {"destruction.ignorance": 0.2},
        {"destruction.ignorance": 1.3, "destruction.backlash": 0.6},
        {"population.profile_concentration": 0.7},
    ],
)
def test_appraisal_at_set_up_is_the_numpy_expressions(levers):
    """Fit, promise and what full adaptation adds to it, ignorance and backlash, (R, N, P)
    each, are bit for bit what :func:`tailored_fit`, :func:`misfit` and the numpy
    expressions give, over more than one chunk of actors and two replicates."""
    sc = prepare(load_scenario(GENERIC), levers, (CHUNK + 700) / 630)
    offer = Offer.from_scenario(sc)
    st = build_state(sc, [replicate_rng(2, k) for k in (0, 1)], offer)
    dest, profile = sc.destruction, st.profile
    plain = tailored_fit(profile, offer.value, 0.0)
    fit = plain.astype(np.float32)
    tailoring = (tailored_fit(profile, offer.value, 1.0) - plain).astype(np.float32)
    mis = misfit(profile, offer.value).astype(np.float32)
    promise = fit - offer.cost
    ignorance = np.float32(dest.ignorance) * mis
    low_public = np.maximum(1.0 / N_ELEMENTS - profile[..., PUBLIC], 0.0) * N_ELEMENTS
    backlash = np.float32(dest.backlash) * (low_public[..., None] * offer.public_share)
    for got, want in (
        (st.fit, fit),
        (st.anticipated, promise),
        (st.tailoring, tailoring),
        (st.ignorance, ignorance),
        (st.backlash, backlash),
    ):
        assert got.dtype == want.dtype == np.float32
        assert got.shape == want.shape == (2, st.n_actors, offer.n)
        assert got.tobytes() == want.tobytes()
