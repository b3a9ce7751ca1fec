"""The tie matrix: symmetric CSR built without a global sort."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from commonfuture.network import _assemble, _dedupe, symmetric


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


def test_assembled_matrix_is_the_same_for_any_number_of_parts():
    """The three layers' tie matrix, its rows filled in 1, 2, 3 or 7 parts (one per
    thread), is the same arrays: duplicates, self-loops, hubs and cross-sector weights
    included, and equal to the weighted symmetric matrix of the distinct edges."""
    rng = np.random.default_rng(11)
    n_org, n = 300, 40_000
    sector = np.r_[rng.integers(0, 3, n_org), np.full(n - n_org, 3)].astype(np.int8)
    oi, oj = rng.integers(0, n_org, 2_000), rng.integers(0, n_org, 2_000)
    xo, xr = rng.integers(0, 5, 30_000), rng.integers(n_org, n, 30_000)  # hubs
    ci = rng.integers(0, n - n_org, 90_000)
    cj = (ci + rng.integers(-3, 4, len(ci))) % (n - n_org)  # near neighbours, some loops
    layers = [a.astype(np.int32) for a in (oi, oj, xo, xr, ci, cj)]
    strength = np.array([1.0, 0.5, 0.25], np.float32)
    runs = [
        _assemble(n, sector, strength, np.float32(0.6), *layers, n_org, parts)
        for parts in (1, 2, 3, 7)
    ]
    indptr, indices, data, m = runs[0]
    for other in runs[1:]:
        assert other[3] == m
        assert np.array_equal(other[0], indptr)
        assert np.array_equal(other[1][:m], indices[:m])
        assert np.array_equal(other[2][:m], data[:m])
    # symmetric, without loops, each distinct tie once
    got = sp.csr_matrix((data[:m], indices[:m], indptr), shape=(n, n))
    assert (got != got.T).nnz == 0 and got.diagonal().sum() == 0
    i = np.r_[oi, xo, ci + n_org]
    j = np.r_[oj, xr, cj + n_org]
    lo, hi = _dedupe(i, j, n)
    assert m == 2 * len(lo)
