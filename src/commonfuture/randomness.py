"""Monthly random numbers: counter-based, one block per actor and month.

The month's random numbers of an actor are a pure function of the replicate's
key, the month, the actor and a purpose, computed by the Philox4x32-10
generator of Salmon et al. (2011, "Parallel random numbers: as easy as 1, 2,
3"; the generator of Random123, cuRAND and JAX's family of counter-based
generators). Nothing is drawn "in turn", so

* numbers are computed only for the actors who can use them (an actor who has
  seceded, or a replicate whose leaders are not coupled, costs nothing);
* an actor's draw for a month is the same whatever the other actors did, how
  many replicates run beside it and how they are batched: two scenarios that
  differ only in levers share their monthly random numbers (common random
  numbers), as they share the actors and network drawn at the start.

Counter words: (actor, month, purpose, 0). Purposes: ``DECIDE`` gives four
uniforms (joining, outreach, use, rationing lottery); ``NOISE`` a standard
normal (value noise, Box-Muller), computed for each use as it is valued;
``BUDGET`` (actor word ``BUDGET_ACTOR``) the replicate's standard normal for the
investment stream; ``GENERATION`` (actor word: the proposition, month word: the
payment period) the replicate's standard normal for a holding's generation in that
period (weather). ``SETUP`` draws the actors' attributes and the residents' ties
at the start (:mod:`commonfuture.population`, :mod:`commonfuture.network`), with a
key taken from the replicate's set-up stream. The key of replicate k
of a run seeded s is two words of ``SeedSequence(s, spawn_key=(k, 0))``, a
child of the sequence that draws its actors and network.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit, prange

from commonfuture.parallel import bounds, loops, n_chunks

DECIDE, NOISE, BUDGET, SETUP, GENERATION = 0, 1, 2, 3, 4
BUDGET_ACTOR = 0xFFFFFFFF

_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
_W0, _W1 = np.uint32(0x9E3779B9), np.uint32(0xBB67AE85)
_LOW = np.uint64(0xFFFFFFFF)
_TWO_M24 = np.float32(2.0**-24)


#: A month's random numbers as the compiled month reads them. ``u`` (R, 4, N) float32: each
#: actor's decision uniforms (rows ``JOIN``, ``REACH``, ``USE``, ``RATION``); ``keys``
#: (R, 2) uint32: the replicates' keys. With keys, the month computes ``u`` itself
#: (:func:`decisions`) and each use's value noise as it is valued (:func:`normal_at`);
#: without (``keys`` of shape (0, 2)), ``u`` and ``z_noise`` (R, N) are given as they
#: are (hand-worked cases).
Draws = namedtuple("Draws", "u z_noise keys", module=__name__)
JOIN, REACH, USE, RATION = 0, 1, 2, 3
N_UNIFORM = 4


def streams(keys: np.ndarray, n: int) -> Draws:
    """Counter-based draws for ``n`` actors of the replicates keyed ``keys`` ((R, 2))."""
    r = len(keys)
    keys = np.ascontiguousarray(keys, dtype=np.uint32).reshape(r, 2)
    return Draws(np.empty((r, N_UNIFORM, n), np.float32), np.zeros((1, 1), np.float32), keys)


def given(u_join, u_reach, u_use, u_ration, z_noise=None) -> Draws:
    """Draws given as they are, (R, N) each (hand-worked cases)."""
    u = np.ascontiguousarray(np.stack([u_join, u_reach, u_use, u_ration], axis=1), np.float32)
    z = np.zeros(u[:, 0].shape, np.float32) if z_noise is None else z_noise
    return Draws(u, np.ascontiguousarray(z, np.float32), np.zeros((0, 2), np.uint32))


def replicate_key(seed: int, k: int) -> np.ndarray:
    """(2,) uint32: the monthly key of replicate ``k`` of a run seeded ``seed``."""
    return np.random.SeedSequence(seed, spawn_key=(k, 0)).generate_state(2, np.uint32)


@njit(cache=True, nogil=True, inline="always")
def philox(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10: four uint32 words from a four-word counter and a two-word key."""
    c0, c1, c2, c3 = np.uint32(c0), np.uint32(c1), np.uint32(c2), np.uint32(c3)
    k0, k1 = np.uint32(k0), np.uint32(k1)
    for rnd in range(10):
        if rnd > 0:
            k0 = np.uint32(k0 + _W0)
            k1 = np.uint32(k1 + _W1)
        p0 = _M0 * np.uint64(c0)
        p1 = _M1 * np.uint64(c2)
        c0, c1, c2, c3 = (
            np.uint32((p1 >> np.uint64(32)) ^ np.uint64(c1) ^ np.uint64(k0)),
            np.uint32(p1 & _LOW),
            np.uint32((p0 >> np.uint64(32)) ^ np.uint64(c3) ^ np.uint64(k1)),
            np.uint32(p0 & _LOW),
        )
    return c0, c1, c2, c3


@njit(cache=True, nogil=True, inline="always")
def to_unit(word):
    """A float32 uniform on [0, 1) from the top 24 bits of a word (exact)."""
    return np.float32(word >> np.uint32(8)) * _TWO_M24


#: actors per block of :func:`decisions`: the block's draws go to a buffer of its own first
DECIDE_BLOCK = 1024


@njit(cache=True, nogil=True, parallel=loops())
def decisions(keys, month, status, coupled, out):
    """Fill ``out`` (R, 4, N) with each actor's four decision uniforms for ``month``.

    Only actors who may decide are drawn: those who have not seceded, in
    replicates whose leaders are coupled (no coupling, no joining and no offer);
    the rest get NaN, so that a stray read cannot pass for a draw. (A coupled
    replicate is drawn whole, block by block of actors into a buffer the function
    owns, a loop the compiler vectorises; seceded actors are then blanked by selects
    as the block is copied out.)
    """
    r_n, n = status.shape
    nan = np.float32(np.nan)
    chunks = n_chunks(n)
    for t in prange(r_n * chunks):  # chunks of actors, on every core
        r = t // chunks
        lo, hi = bounds(t % chunks, n)
        k0, k1 = keys[r, 0], keys[r, 1]
        o0, o1, o2, o3 = out[r, 0], out[r, 1], out[r, 2], out[r, 3]
        if not coupled[r]:
            for i in range(lo, hi):  # element by element: slice stores in a prange are lost
                o0[i] = nan
                o1[i] = nan
                o2[i] = nan
                o3[i] = nan
            continue
        st = status[r]
        buf = np.empty((4, DECIDE_BLOCK), np.float32)
        b0, b1, b2, b3 = buf[0], buf[1], buf[2], buf[3]
        for a in range(lo, hi, DECIDE_BLOCK):
            m = min(DECIDE_BLOCK, hi - a)
            for q in range(m):
                w0, w1, w2, w3 = philox(a + q, month, DECIDE, 0, k0, k1)
                b0[q] = to_unit(w0)
                b1[q] = to_unit(w1)
                b2[q] = to_unit(w2)
                b3[q] = to_unit(w3)
            for q in range(m):
                gone = st[a + q] == 2
                o0[a + q] = nan if gone else b0[q]
                o1[a + q] = nan if gone else b1[q]
                o2[a + q] = nan if gone else b2[q]
                o3[a + q] = nan if gone else b3[q]


@njit(cache=True, nogil=True, inline="always")
def normal_at(actor, month, k0, k1):
    """The float32 standard normal of ``actor`` for ``month`` (value noise).

    Box-Muller (cosine branch) in float32 from two 24-bit uniforms: |z| <= 5.77.
    """
    w0, w1, _, _ = philox(actor, month, NOISE, 0, k0, k1)
    return normal_from(w0, w1)


@njit(cache=True, nogil=True, inline="always")
def normal_from(w0, w1):
    """:func:`normal_at` from the first two words of its block (``w0``, ``w1``), so that
    the blocks of many normals can be computed together beforehand."""
    u1 = np.float32((w0 >> np.uint32(8)) + np.uint32(1)) * _TWO_M24  # (0, 1]
    u2 = to_unit(w1)
    return np.sqrt(np.float32(-2.0) * np.log(u1)) * np.cos(np.float32(2.0 * np.pi) * u2)


@njit(cache=True, nogil=True, inline="always")
def unit64(word):
    """A float64 uniform on (0, 1) from one word (never 0 or 1)."""
    return (np.float64(word) + 0.5) * 2.3283064365386963e-10


@njit(cache=True, nogil=True, inline="always")
def normal_pair(w0, w1):
    """Two float64 standard normals from two words (Box-Muller)."""
    r = np.sqrt(-2.0 * np.log(unit64(w0)))
    theta = 2.0 * np.pi * unit64(w1)
    return r * np.cos(theta), r * np.sin(theta)


@njit(cache=True, nogil=True)
def gamma_at(a, b, alpha, k0, k1):
    """A float64 Gamma(``alpha``, 1) draw for counter words (``a``, ``b``) (Marsaglia and
    Tsang 2000, with their squeeze; for ``alpha`` < 1 boosted by a uniform to the power
    1 / alpha). Each attempt of the rejection is its own block (fourth counter word)."""
    w0, w1, w2, w3 = philox(a, b, SETUP, 0, k0, k1)
    return gamma_from(w0, w1, w2, w3, a, b, alpha, k0, k1)


@njit(cache=True, nogil=True, inline="always")
def gamma_from(w0, w1, w2, w3, a, b, alpha, k0, k1):
    """:func:`gamma_at` given the words of its first attempt's block (``w0``..``w3``), so
    that the first blocks of many draws can be computed together beforehand."""
    boost = alpha < 1.0
    shape = alpha + 1.0 if boost else alpha
    d = shape - 1.0 / 3.0
    c = 1.0 / np.sqrt(9.0 * d)
    attempt = 1
    while True:
        x = np.sqrt(-2.0 * np.log(unit64(w0))) * np.cos(2.0 * np.pi * unit64(w1))
        v = 1.0 + c * x
        if v > 0.0:
            v = v * v * v
            u = unit64(w2)
            x2 = x * x
            # the squeeze accepts most attempts without a logarithm
            if u < 1.0 - 0.0331 * x2 * x2 or np.log(u) < 0.5 * x2 + d - d * v + d * np.log(v):
                g = d * v
                if boost:
                    g *= unit64(w3) ** (1.0 / alpha)
                return g
        w0, w1, w2, w3 = philox(a, b, SETUP, attempt, k0, k1)
        attempt += 1


def setup_key(rng: np.random.Generator) -> np.ndarray:
    """(2,) uint32: the key of a replicate's compiled set-up draws, the first thing drawn
    from its set-up stream ``rng``."""
    return rng.integers(0, 2**32, size=2, dtype=np.uint32)


@njit(cache=True, nogil=True)
def budget_normals(keys, month):
    """(R,) float64 standard normals, one per replicate, for the investment stream."""
    r_n = keys.shape[0]
    out = np.empty(r_n, np.float64)
    for r in range(r_n):
        w0, w1, w2, w3 = philox(BUDGET_ACTOR, month, BUDGET, 0, keys[r, 0], keys[r, 1])
        # 53-bit uniforms from two words each
        a = (np.float64(w0 >> np.uint32(5)) * 67108864.0 + np.float64(w1 >> np.uint32(6))) / (
            9007199254740992.0
        )
        b = (np.float64(w2 >> np.uint32(5)) * 67108864.0 + np.float64(w3 >> np.uint32(6))) / (
            9007199254740992.0
        )
        out[r] = np.sqrt(-2.0 * np.log(1.0 - a)) * np.cos(2.0 * np.pi * b)
    return out


@njit(cache=True, nogil=True)
def generation_normals(keys, period, p_n):
    """(R, P) float64 standard normals: each replicate's draw for the generation of each
    holding proposition in payment period ``period`` (the same for every month of the
    period, whatever the other draws)."""
    r_n = keys.shape[0]
    out = np.empty((r_n, p_n), np.float64)
    for r in range(r_n):
        for j in range(p_n):
            w0, w1, _, _ = philox(j, period, GENERATION, 0, keys[r, 0], keys[r, 1])
            out[r, j] = normal_pair(w0, w1)[0]
    return out


__all__ = [
    "BUDGET",
    "DECIDE",
    "SETUP",
    "Draws",
    "NOISE",
    "budget_normals",
    "decisions",
    "gamma_at",
    "gamma_from",
    "generation_normals",
    "normal_at",
    "normal_from",
    "philox",
    "replicate_key",
    "setup_key",
]
