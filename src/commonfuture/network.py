"""The network: ties between actors, as a sparse matrix.

Organisations are tied by a block model over sectors (denser, stronger ties);
residents by a small-world (Watts-Strogatz) or Erdos-Renyi layer (sparser,
weaker ties); each resident is tied to a few organisations. Cross-sector ties
are weighted by the collaboration's *openness*. No generator has per-actor Python
loops: the residents' layer and their ties to organisations are drawn in compiled
code on every core from counter-based draws (a pure function of the replicate's
set-up key and the tie, whatever the thread count), the organisations' block model
and the Erdos-Renyi layer by numpy, and the matrix is assembled in compiled code.

The matrix is symmetric CSR with float32 weights and int32 indices: 8 bytes per
stored entry, 16 bytes per undirected tie.
"""

from __future__ import annotations

import numba
import numpy as np
import scipy.sparse as sp
from numba import njit, prange

from commonfuture.parallel import CHUNK, bounds, loops, n_chunks, pick, sized
from commonfuture.randomness import SETUP, philox, setup_key, unit64
from commonfuture.scenario.schema import Network

CITIZEN = 3


def _dedupe(i: np.ndarray, j: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Undirected, no self-loops, no duplicates: keep i < j once, sorted."""
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    keep = lo != hi
    key = lo[keep].astype(np.int64)
    del lo
    key *= n
    key += hi[keep]
    del hi, keep
    # sorted unique, in place: np.unique's hash table would be the build's memory peak
    key.sort()
    if len(key):
        fresh = np.empty(len(key), bool)
        fresh[0] = True
        np.not_equal(key[1:], key[:-1], out=fresh[1:])
        key = key[fresh]
        del fresh
    return key // n, key % n


def erdos_renyi_edges(
    n: int, mean_degree: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """G(n, p) with p = mean_degree / (n - 1), drawn by edge count (O(edges))."""
    if n < 2 or mean_degree <= 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    pairs = n * (n - 1) // 2
    p = min(1.0, mean_degree / (n - 1))
    m = int(rng.binomial(pairs, p))
    # draw endpoints with replacement, dedupe, top up until m distinct pairs
    i = np.empty(0, np.int64)
    j = np.empty(0, np.int64)
    while len(i) < m:
        extra = int((m - len(i)) * 1.1) + 16
        i = np.concatenate([i, rng.integers(0, n, size=extra)])
        j = np.concatenate([j, rng.integers(0, n, size=extra)])
        i, j = _dedupe(i, j, n)
    if len(i) > m:
        pick = np.sort(rng.choice(len(i), size=m, replace=False))
        i, j = i[pick], j[pick]
    return i, j


@njit(cache=True, nogil=True, parallel=loops())
def _lattice(n, half, rewire, key, i, j):
    """Ring lattice edge ``e`` = (a, a + 1 + e % half), its far end rewired to a uniform
    actor with probability ``rewire`` (counter words (e, 3)); on every core."""
    m = n * half
    chunks = n_chunks(m)
    for c in prange(chunks):
        lo, hi = bounds(c, m)
        for e in range(lo, hi):
            a = e // half
            b = a + e % half + 1
            if b >= n:
                b -= n
            w0, w1, _, _ = philox(e, 3, SETUP, 0, key[0], key[1])
            if unit64(w0) < rewire:
                b = min(np.int64(unit64(w1) * n), n - 1)
            i[e] = a
            j[e] = b


def small_world_edges(
    n: int, mean_degree: float, rewire: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Watts-Strogatz: ring lattice of k = round(mean_degree) neighbours, rewired."""
    i, j = _lattice_edges(n, mean_degree, rewire, rng)
    if len(i) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return _dedupe(i, j, n)


@njit(cache=True, nogil=True, parallel=loops())
def _resident_org_ties(n_org, n_cit, lam, key):
    """Each resident tied to a Poisson(``lam``) number of uniform organisations, as
    (organisation, resident) int32 edges: the count by inversion (counter words (q, 4)),
    the ``t``-th organisation uniform (counter words (q, 5, t)); each block's draws
    first, in loops the compiler vectorises."""
    k0, k1 = key[0], key[1]
    per = np.empty(n_cit, np.int32)
    chunks = n_chunks(n_cit)
    p0 = np.exp(-lam)
    for c in prange(chunks):
        lo, hi = bounds(c, n_cit)
        words = np.empty(hi - lo, np.uint32)
        for q in range(lo, hi):
            w0, _, _, _ = philox(q, 4, SETUP, 0, k0, k1)
            words[q - lo] = w0
        for q in range(lo, hi):
            u = unit64(words[q - lo])
            k = 0
            p = p0
            cdf = p
            while u > cdf and k < 10_000:
                k += 1
                p *= lam / k
                cdf += p
            per[q] = k
    offsets = np.empty(n_cit + 1, np.int64)
    offsets[0] = 0
    for q in range(n_cit):
        offsets[q + 1] = offsets[q] + per[q]
    m = offsets[n_cit]
    xo = np.empty(m, np.int32)
    xr = np.empty(m, np.int32)
    for c in prange(chunks):
        lo, hi = bounds(c, n_cit)
        for q in range(lo, hi):
            for t in range(offsets[q], offsets[q + 1]):
                xr[t] = n_org + q
                xo[t] = t - offsets[q]  # the tie's rank, for its counter word
        for t in range(offsets[lo], offsets[hi]):
            w0, _, _, _ = philox(xr[t] - n_org, 5, SETUP, xo[t], k0, k1)
            xo[t] = min(np.int64(unit64(w0) * n_org), n_org - 1)
    return xo, xr


def _resident_org(n_org: int, n_cit: int, per_resident: float, key: np.ndarray):
    with sized(n_cit):
        return pick(_resident_org_ties, n_cit)(n_org, n_cit, per_resident, key)


def block_model_edges(
    sizes: list[int], mean_degree: float, cross_share: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Stochastic block model over sectors with a target mean degree and cross share."""
    n = sum(sizes)
    if n < 2 or mean_degree <= 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    within_pairs = sum(s * (s - 1) // 2 for s in sizes)
    cross_pairs = n * (n - 1) // 2 - within_pairs
    total_edges = mean_degree * n / 2
    p_in = min(1.0, (1 - cross_share) * total_edges / within_pairs) if within_pairs else 0.0
    p_x = min(1.0, cross_share * total_edges / cross_pairs) if cross_pairs else 0.0
    out_i, out_j = [], []
    k = len(sizes)
    for a in range(k):
        for b in range(a, k):
            sa, sb = sizes[a], sizes[b]
            if sa == 0 or sb == 0:
                continue
            if a == b:
                pairs = sa * (sa - 1) // 2
                p = p_in
            else:
                pairs = sa * sb
                p = p_x
            m = rng.binomial(pairs, p) if pairs else 0
            if m == 0:
                continue
            # dense blocks: enumerate; sparse: sample with replacement and dedupe
            if pairs <= 4 * m or pairs <= 20000:
                pick = rng.choice(pairs, size=m, replace=False)
                # the picked pairs' places (row-major in the upper triangle or the block)
                if a == b:
                    row = np.arange(sa, dtype=np.int64)
                    start = row * (2 * sa - row - 1) // 2
                    ii = np.searchsorted(start, pick, side="right") - 1
                    jj = pick - start[ii] + ii + 1
                else:
                    ii, jj = np.divmod(pick, sb)
                out_i.append(ii + offsets[a])
                out_j.append(jj + offsets[b])
            else:
                ii = rng.integers(0, sa, size=m) + offsets[a]
                jj = rng.integers(0, sb, size=m) + offsets[b]
                out_i.append(ii)
                out_j.append(jj)
    if not out_i:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return _dedupe(np.concatenate(out_i), np.concatenate(out_j), n)


def build_network(sector: np.ndarray, params: Network, rng: np.random.Generator) -> sp.csr_matrix:
    """The weighted, symmetric tie matrix of one population (one replicate).

    ``sector`` is the actors' sector codes (0 public, 1 private, 2 third,
    3 citizens), organisations first. Weights: organisational ties
    ``org_tie_strength``, residents' ties ``citizen_tie_strength``,
    resident-organisation ties ``citizen_org_tie_strength``; ties that cross
    sectors are multiplied by ``openness``.
    """
    n = len(sector)
    key = setup_key(rng)
    sizes = np.bincount(sector, minlength=4).tolist()
    n_org = sum(sizes[:3])
    n_cit = sizes[3]

    oi, oj = block_model_edges(sizes[:3], params.org_degree, params.org_cross_sector, rng)
    if params.citizen_layer == "small_world":
        ci, cj = _lattice_edges(n_cit, params.citizen_degree, params.citizen_rewire, rng)
    else:
        ci, cj = erdos_renyi_edges(n_cit, params.citizen_degree, rng)
    if n_org and n_cit and params.citizen_org_ties > 0:
        xo, xr = _resident_org(n_org, n_cit, float(params.citizen_org_ties), key)
    else:
        xo = xr = np.empty(0, np.int32)
    strength = np.array(
        [params.org_tie_strength, params.citizen_tie_strength, params.citizen_org_tie_strength],
        np.float32,
    )
    # each layer as (i, j) with i the lower index where the layer has an order (the
    # organisation of a resident's tie), so that most rows come out sorted; every layer's
    # ends as int32 (fewer than 2**31 actors), so the assembly compiles once whatever the
    # layers (the organisations' and the Erdos-Renyi layer come as int64)
    oi, oj, ci, cj = (e.astype(np.int32, copy=False) for e in (oi, oj, ci, cj))
    with sized(n):
        # a part of the rows per thread (the matrix is the same for any number of parts)
        parts = max(1, min(numba.get_num_threads(), n // CHUNK))
        indptr, indices, data, m = pick(_assemble, n)(
            n, sector, strength, np.float32(params.openness), oi, oj, xo, xr, ci, cj, n_org, parts
        )
    del oi, oj, xo, xr, ci, cj
    return _csr(indptr, indices, data, m, n)


def _lattice_edges(
    n: int, mean_degree: float, rewire: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`small_world_edges` before its duplicates and self-loops are dropped (int32:
    the matrix's assembly drops them)."""
    half = int(round(mean_degree)) // 2
    if n < 3 or half < 1:
        return np.empty(0, np.int32), np.empty(0, np.int32)
    half = min(half, (n - 1) // 2)
    # int32 while the lattice is built: the network is the build's memory peak
    i = np.empty(n * half, np.int32)
    j = np.empty(n * half, np.int32)
    with sized(n * half, weight=2):
        pick(_lattice, n * half, 2)(n, half, rewire, setup_key(rng), i, j)
    return i, j


@njit(cache=True, nogil=True)
def _count_layer(i, j, offset, as_i, as_j):
    """Count each edge (``i + offset``, ``j + offset``) in its two rows (self-loops not)."""
    for e in range(len(i)):
        a, b = i[e] + offset, j[e] + offset
        if a != b:
            as_i[a] += 1
            as_j[b] += 1


@njit(cache=True, nogil=True)
def _scatter_layer(rows, cols, offset, sector, w, openness, indptr, nxt, indices, data):
    """Each edge (``rows + offset``, ``cols + offset``) into row ``rows + offset`` at its
    cursor ``nxt`` (self-loops not), weighted ``w`` (times ``openness`` across sectors)."""
    cross = np.float32(w * openness)
    for e in range(len(rows)):
        a, b = rows[e] + offset, cols[e] + offset
        if a != b:
            at = indptr[a] + nxt[a]
            indices[at] = b
            data[at] = cross if sector[a] != sector[b] else w
            nxt[a] += 1


@njit(cache=True, nogil=True)
def _place_layer(first, last, i, j, offset, sector, w, openness, indptr, as_i, as_j, indices, data):
    """:func:`_scatter_layer` for both ends of each edge at once, into the rows
    ``first:last`` only: the edge in row ``i`` at its cursor ``as_j``, in row ``j`` at its
    cursor ``as_i``. A row's ties land in the order of the edges, as there."""
    cross = np.float32(w * openness)
    for e in range(len(i)):
        a, b = i[e] + offset, j[e] + offset
        if a == b:
            continue
        weight = cross if sector[a] != sector[b] else w
        if first <= a < last:
            at = indptr[a] + as_j[a]
            indices[at] = b
            data[at] = weight
            as_j[a] += 1
        if first <= b < last:
            at = indptr[b] + as_i[b]
            indices[at] = a
            data[at] = weight
            as_i[b] += 1


@njit(cache=True, nogil=True, parallel=loops())
def _assemble(n, sector, strength, openness, oi, oj, xo, xr, ci, cj, n_org, parts=1):
    """The symmetric tie matrix of the three layers (organisations' ties ``oi``-``oj``,
    residents' ties to organisations ``xo``-``xr``, residents' ties ``ci``-``cj`` counted
    from the first resident ``n_org``), weighted by the layers' ``strength`` (times
    ``openness`` across sectors), as CSR rows with their columns sorted: a counting sort
    of both ends of every edge (each row holds its ties as ``j`` from its first slot, then
    as ``i``; with ``parts`` > 1 the rows are cut into that many parts, each filled by its
    own thread), each row then sorted with its duplicates and the layers' self-loops
    dropped, and the rows closed up. The arrays are the same for any ``parts``. Returns
    (indptr (n + 1,) int64, indices int32, data float32, stored entries)."""
    as_i = np.zeros(n, np.int32)
    as_j = np.zeros(n, np.int32)
    _count_layer(oi, oj, 0, as_i, as_j)
    _count_layer(xo, xr, 0, as_i, as_j)
    _count_layer(ci, cj, n_org, as_i, as_j)
    indptr = np.zeros(n + 1, np.int64)
    for r in range(n):
        indptr[r + 1] = indptr[r] + as_j[r] + as_i[r]
        as_i[r] = 0  # now the cursor of the row's ties as j (its ties as i follow them)
    total = indptr[n]
    indices = np.empty(total, np.int32)
    data = np.empty(total, np.float32)
    s_org, s_cit, s_x = strength[0], strength[1], strength[2]
    if parts == 1:  # one thread: a pass over the edges for each end
        # each edge in its row i, after the row's ties as j
        _scatter_layer(oi, oj, 0, sector, s_org, openness, indptr, as_j, indices, data)
        _scatter_layer(xo, xr, 0, sector, s_x, openness, indptr, as_j, indices, data)
        _scatter_layer(ci, cj, n_org, sector, s_cit, openness, indptr, as_j, indices, data)
        # and in its row j, from the row's first slot
        _scatter_layer(oj, oi, 0, sector, s_org, openness, indptr, as_i, indices, data)
        _scatter_layer(xr, xo, 0, sector, s_x, openness, indptr, as_i, indices, data)
        _scatter_layer(cj, ci, n_org, sector, s_cit, openness, indptr, as_i, indices, data)
    else:  # the rows cut into ``parts`` of about equal entries: each part reads every
        # edge and writes its own rows only, so threads never share a row's cache lines
        cut = np.empty(parts + 1, np.int64)
        for t in range(parts + 1):
            cut[t] = np.searchsorted(indptr, total * t // parts)
        cut[0], cut[parts] = 0, n
        for t in prange(parts):
            a, b = cut[t], cut[t + 1]
            _place_layer(
                a, b, oi, oj, 0, sector, s_org, openness, indptr, as_i, as_j, indices, data
            )
            _place_layer(a, b, xo, xr, 0, sector, s_x, openness, indptr, as_i, as_j, indices, data)
            _place_layer(
                a, b, ci, cj, n_org, sector, s_cit, openness, indptr, as_i, as_j, indices, data
            )
    # rows sorted, their duplicates dropped (a tie drawn twice has one weight), each chunk's
    # rows closed up to the front of its slots; then the chunks closed up in their order
    kept = as_i
    chunks = n_chunks(n)
    chunk_kept = np.zeros(chunks, np.int64)
    for c in prange(chunks):
        first, last = bounds(c, n)
        w = indptr[first]
        for r in range(first, last):
            lo, hi = indptr[r], indptr[r + 1]
            ordered = True  # most rows come sorted, without duplicates: moved as they are
            for q in range(lo + 1, hi):
                ordered &= indices[q - 1] < indices[q]
            if ordered:
                if w != lo:
                    for q in range(hi - lo):  # to the left: in ascending order
                        indices[w + q] = indices[lo + q]
                        data[w + q] = data[lo + q]
                kept[r] = hi - lo
                w += hi - lo
                continue
            _sort_row(indptr, indices, data, r)
            k = 0
            prev = -1
            for q in range(lo, hi):
                col = indices[q]
                if col != prev:
                    indices[w] = col
                    data[w] = data[q]
                    w += 1
                    k += 1
                    prev = col
            kept[r] = k
        chunk_kept[c] = w - indptr[first]
    at = 0
    for c in range(chunks):
        first, last = bounds(c, n)
        src = indptr[first]
        if src != at:
            for q in range(chunk_kept[c]):  # to the left: in ascending order
                indices[at + q] = indices[src + q]
                data[at + q] = data[src + q]
        at += chunk_kept[c]
    for r in range(n):
        indptr[r + 1] = indptr[r] + kept[r]
    return indptr, indices, data, at


def _csr(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, m: int, n: int):
    """The (n, n) CSR matrix of the first ``m`` entries, with :func:`symmetric`'s index
    types."""
    index = np.int32 if m < 2**31 else np.int64
    # the first m slots (the duplicates' few slots beyond them are not worth a copy)
    indices, data = indices[:m], data[:m]
    mat = sp.csr_matrix((data, indices, indptr.astype(index, copy=False)), shape=(n, n))
    mat.has_sorted_indices = True
    mat.has_canonical_format = True
    return mat


@njit(cache=True, nogil=True, parallel=loops())
def _scatter(i, j, w, indptr, first_i, indices, data):
    """Scatter each undirected edge into both rows (a counting sort): each row holds its
    ties as ``j`` (from its first slot) then as ``i`` (from ``first_i``), so the two
    sides fill separate slots and run side by side (each row is sorted afterwards; with
    edges sorted by ``i`` then ``j``, most rows come out sorted already)."""
    for side in prange(2):
        if side == 0:
            nxt = first_i.copy()
            for e in range(len(i)):
                a = i[e]
                indices[nxt[a]] = j[e]
                data[nxt[a]] = w[e]
                nxt[a] += 1
        else:
            nxt = indptr[:-1].copy()
            for e in range(len(j)):
                b = j[e]
                indices[nxt[b]] = i[e]
                data[nxt[b]] = w[e]
                nxt[b] += 1


@njit(cache=True, nogil=True, parallel=loops())
def _sort_rows(indptr, indices, data):
    """Sort every row's columns (columns are distinct within a row), rows on every core."""
    n = len(indptr) - 1
    chunks = n_chunks(n)
    for c in prange(chunks):
        first, last = bounds(c, n)
        for r in range(first, last):
            _sort_row(indptr, indices, data, r)


@njit(cache=True, nogil=True)
def _sort_row(indptr, indices, data, r):
    """Sort row ``r``'s columns, carrying their weights."""
    lo, hi = indptr[r], indptr[r + 1]
    if hi - lo > 32:  # a hub (an organisation tied to many residents): sort by key
        key = np.empty(hi - lo, np.uint64)
        for k in range(lo, hi):
            key[k - lo] = (np.uint64(indices[k]) << np.uint64(32)) | np.uint64(k - lo)
        key.sort()
        row = data[lo:hi].copy()
        for k in range(lo, hi):
            indices[k] = np.int32(key[k - lo] >> np.uint64(32))
            data[k] = row[np.int64(key[k - lo] & np.uint64(0xFFFFFFFF))]
        return
    for k in range(lo + 1, hi):  # insertion, moving only what is out of order
        c, d = indices[k], data[k]
        if c >= indices[k - 1]:
            continue
        q = k - 1
        while q >= lo and indices[q] > c:
            indices[q + 1] = indices[q]
            data[q + 1] = data[q]
            q -= 1
        indices[q + 1] = c
        data[q + 1] = d


def symmetric(i: np.ndarray, j: np.ndarray, w: np.ndarray, n: int) -> sp.csr_matrix:
    """Symmetric CSR (float32 data, int32 indices, columns sorted within rows) from
    undirected edge lists without duplicates, built directly: no COO intermediate and no
    global sort, so the build needs little beyond the matrix itself."""
    m = len(i)
    index = np.int32 if 2 * m < 2**31 else np.int64
    indptr = np.zeros(n + 1, index)
    as_j = np.bincount(j, minlength=n)
    counts = as_j + np.bincount(i, minlength=n)
    np.cumsum(counts, out=indptr[1:])
    del counts
    first_i = (indptr[:-1] + as_j).astype(index)  # each row's first slot as ``i``
    del as_j
    indices = np.empty(2 * m, np.int32)
    data = np.empty(2 * m, np.float32)
    with sized(n):
        pick(_scatter, n)(i, j, w.astype(np.float32, copy=False), indptr, first_i, indices, data)
    del first_i
    with sized(n):
        pick(_sort_rows, n)(indptr, indices, data)
    mat = sp.csr_matrix((data, indices, indptr), shape=(n, n))
    mat.has_sorted_indices = True
    mat.has_canonical_format = True
    return mat


def n_ties(mat: sp.csr_matrix) -> int:
    """Number of undirected ties (stored entries / 2)."""
    return int(mat.nnz // 2)
