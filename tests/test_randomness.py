"""The counter-based monthly draws (commonfuture.randomness)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from commonfuture.randomness import (
    budget_normals,
    decisions,
    normal_at,
    philox,
    replicate_key,
)

# Random123's known-answer vectors for Philox4x32-10 (tests/kat_vectors):
# counter (4 words), key (2 words) -> output (4 words)
KAT = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    (
        (0xFFFFFFFF,) * 4,
        (0xFFFFFFFF,) * 2,
        (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD),
    ),
    (
        (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
        (0xA4093822, 0x299F31D0),
        (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1),
    ),
]


@pytest.mark.parametrize("ctr,key,expected", KAT)
def test_philox_matches_the_published_known_answers(ctr, key, expected):
    got = philox(*(np.uint32(w) for w in ctr + key))
    assert [int(w) for w in got] == list(expected)


def keys(r: int, seed: int = 5) -> np.ndarray:
    return np.stack([replicate_key(seed, k) for k in range(r)])


def test_keys_are_reproducible_and_differ_between_replicates_and_seeds():
    assert np.array_equal(replicate_key(3, 1), replicate_key(3, 1))
    assert replicate_key(3, 1).dtype == np.uint32 and replicate_key(3, 1).shape == (2,)
    distinct = {tuple(replicate_key(s, k)) for s in range(4) for k in range(50)}
    assert len(distinct) == 200


def test_decision_uniforms_are_uniform_and_independent_across_words():
    n = 200_000
    out = np.empty((1, 4, n), np.float32)
    decisions(keys(1), 7, np.zeros((1, n), np.int8), np.ones(1, bool), out)
    u = out[0].astype(np.float64)
    assert ((u >= 0) & (u < 1)).all()
    for word in u:
        assert stats.kstest(word, "uniform").pvalue > 1e-3
    # the four words of an actor are uncorrelated
    corr = np.corrcoef(u)
    assert np.abs(corr[np.triu_indices(4, 1)]).max() < 0.01


def test_draws_are_computed_only_for_actors_who_may_decide():
    n = 6
    status = np.array([[0, 1, 2, 0, 1, 2], [0, 1, 2, 0, 1, 2]], np.int8)
    out = np.empty((2, 4, n), np.float32)
    decisions(keys(2), 3, status, np.array([True, False]), out)
    # seceded actors and every actor of an uncoupled replicate get NaN, not a draw
    assert np.isnan(out[0][:, [2, 5]]).all() and np.isnan(out[1]).all()
    assert np.isfinite(out[0][:, [0, 1, 3, 4]]).all()


def test_an_actors_draw_does_not_depend_on_the_others():
    n = 1_000
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 3, (1, n)).astype(np.int8), rng.integers(0, 3, (1, n)).astype(np.int8)
    out_a, out_b = np.empty((1, 4, n), np.float32), np.empty((1, 4, n), np.float32)
    decisions(keys(1), 9, a, np.ones(1, bool), out_a)
    decisions(keys(1), 9, b, np.ones(1, bool), out_b)
    both = (a != 2) & (b != 2)
    assert both.sum() > 300
    assert np.array_equal(out_a[0][:, both[0]], out_b[0][:, both[0]])
    # and months differ
    out_c = np.empty((1, 4, n), np.float32)
    decisions(keys(1), 10, a, np.ones(1, bool), out_c)
    live = a[0] != 2
    assert (out_c[0][:, live] != out_a[0][:, live]).mean() > 0.99


def test_value_noise_is_standard_normal():
    k = keys(1)
    z = np.array([normal_at(i, 4, k[0, 0], k[0, 1]) for i in range(50_000)], np.float64)
    assert abs(z.mean()) < 0.02 and abs(z.std() - 1.0) < 0.02
    assert stats.kstest(z, "norm").pvalue > 1e-3
    assert np.abs(z).max() <= 5.8  # Box-Muller from 24-bit uniforms


def test_budget_normals_one_per_replicate_and_month():
    k = keys(400)
    z = budget_normals(k, 2)
    assert z.shape == (400,) and np.array_equal(z, budget_normals(k, 2))
    assert not np.array_equal(z, budget_normals(k, 3))
    assert stats.kstest(z, "norm").pvalue > 1e-3
