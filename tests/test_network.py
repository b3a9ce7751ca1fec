"""The tie matrix: symmetric CSR built without a global sort."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from commonfuture.network import _dedupe, symmetric


def reference(i, j, w, n):
    m = sp.coo_matrix((np.r_[w, w], (np.r_[i, j], np.r_[j, i])), shape=(n, n)).tocsr()
    m.sort_indices()
    return m


def test_symmetric_matches_scipy_with_short_rows_and_hubs():
    rng = np.random.default_rng(3)
    n = 5_000
    # a few hubs tied to many actors (long rows) and a sparse background (short rows)
    i = np.r_[rng.integers(0, 5, 20_000), rng.integers(0, n, 10_000)]
    j = rng.integers(0, n, len(i))
    i, j = _dedupe(i, j, n)
    w = rng.random(len(i)).astype(np.float32)
    got, want = symmetric(i.astype(np.int32), j.astype(np.int32), w, n), reference(i, j, w, n)
    assert (got != got.T).nnz == 0
    assert got.has_sorted_indices
    assert np.array_equal(got.indptr, want.indptr)
    assert np.array_equal(got.indices, want.indices)
    assert np.array_equal(got.data, want.data)
    assert got.indices.dtype == np.int32 and got.data.dtype == np.float32


def test_dedupe_keeps_each_undirected_pair_once_without_loops():
    i = np.array([0, 1, 2, 2, 3, 1])
    j = np.array([1, 0, 2, 3, 2, 3])
    lo, hi = _dedupe(i, j, 4)
    assert list(zip(lo.tolist(), hi.tolist(), strict=True)) == [(0, 1), (1, 3), (2, 3)]
