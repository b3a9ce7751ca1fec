"""Faster routes to the same numbers: the lottery's cut by a histogram selection and
the profile-by-offer products in blocks give exactly what one selection or one product
gives."""

from __future__ import annotations

import numpy as np
import pytest

from commonfuture.micro.creation import SELECT_BLOCK, kth_smallest
from commonfuture.value import PRODUCT_ROWS, products


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
