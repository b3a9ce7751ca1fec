"""Determinism: one SeedSequence per replicate, whatever runs beside it or how it is batched."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import commonfuture as cf
from commonfuture.population import build_state
from commonfuture.propositions import Offer
from commonfuture.runs import save_run
from commonfuture.simulation import replicate_rng
from test_invariants import scenarios


def rows(result: cf.SimulationResult, k: int) -> pd.DataFrame:
    m = result.monthly
    return m[m["replicate"] == k].reset_index(drop=True)


@pytest.fixture(scope="module")
def seven(generic_short) -> cf.SimulationResult:
    return cf.simulate(generic_short, seed=11, replicates=7)


def test_same_seed_gives_identical_frames_and_identical_files(generic_short, tmp_path):
    a = cf.simulate(generic_short, seed=5, replicates=2)
    b = cf.simulate(generic_short, seed=5, replicates=2)
    pd.testing.assert_frame_equal(a.monthly, b.monthly, check_exact=True)
    assert a.ties_per_replicate == b.ties_per_replicate
    save_run(a, tmp_path / "a")
    save_run(b, tmp_path / "b")
    assert (tmp_path / "a" / "monthly.parquet").read_bytes() == (
        tmp_path / "b" / "monthly.parquet"
    ).read_bytes()


def test_different_seeds_give_different_runs(generic_short):
    a = cf.simulate(generic_short, seed=5, replicates=1).monthly
    b = cf.simulate(generic_short, seed=6, replicates=1).monthly
    assert not a.equals(b)


def test_replicates_of_one_run_differ(seven):
    m = seven.monthly
    assert (
        not rows(seven, 0)
        .drop(columns="replicate")
        .equals(rows(seven, 1).drop(columns="replicate"))
    )
    assert m["replicate"].tolist() == np.repeat(np.arange(7), 24).tolist()
    # the runs are not trivial: members join, use and fall short; value is created
    assert m["joins"].sum() > 0 and m["shortfalls"].sum() > 0 and m["value_created"].sum() > 0


@pytest.mark.parametrize("k", [0, 2])
def test_replicate_k_does_not_depend_on_how_many_run_beside_it(generic_short, seven, k):
    alone = cf.simulate(generic_short, seed=11, replicates=[k])
    three = cf.simulate(generic_short, seed=11, replicates=3)
    pd.testing.assert_frame_equal(rows(alone, k), rows(seven, k), check_exact=True)
    pd.testing.assert_frame_equal(rows(three, k), rows(seven, k), check_exact=True)
    assert alone.ties_per_replicate == [seven.ties_per_replicate[k]]


def test_batching_does_not_change_results(generic_short, seven):
    one_by_one = cf.simulate(generic_short, seed=11, replicates=7, batch_size=1)
    pairs = cf.simulate(generic_short, seed=11, replicates=7, batch_size=2)
    pd.testing.assert_frame_equal(one_by_one.monthly, seven.monthly, check_exact=True)
    pd.testing.assert_frame_equal(pairs.monthly, seven.monthly, check_exact=True)
    assert one_by_one.ties_per_replicate == seven.ties_per_replicate


def test_replicate_order_and_selection(generic_short, seven):
    picked = cf.simulate(generic_short, seed=11, replicates=[4, 1])
    assert picked.replicates == [4, 1]
    for k in (4, 1):
        pd.testing.assert_frame_equal(rows(picked, k), rows(seven, k), check_exact=True)


def test_recording_value_chains_does_not_change_results(generic_short):
    plain = cf.simulate(generic_short, seed=3, replicates=2)
    chained = cf.simulate(generic_short, seed=3, replicates=2, chains=True, batch_size=1)
    pd.testing.assert_frame_equal(plain.monthly, chained.monthly, check_exact=True)
    again = cf.simulate(generic_short, seed=3, replicates=2, chains=True)
    pd.testing.assert_frame_equal(chained.value_chains(), again.value_chains(), check_exact=True)


def test_initial_state_of_a_replicate_is_its_own(generic_short):
    offer = Offer.from_scenario(generic_short)
    together = build_state(generic_short, [replicate_rng(9, k) for k in range(3)], offer)
    alone = build_state(generic_short, [replicate_rng(9, 2)], offer)
    for name in ("profile", "expectation", "threshold", "floor", "resources", "exploiter"):
        assert np.array_equal(getattr(together, name)[2], getattr(alone, name)[0]), name
    n = alone.n_actors
    block = together.ties[2 * n : 3 * n, 2 * n : 3 * n]
    assert (block != alone.ties).nnz == 0


def test_replicate_stream_is_the_spawned_seed_sequence():
    a = replicate_rng(7, 3).random(4)
    b = np.random.Generator(np.random.PCG64(np.random.SeedSequence(7, spawn_key=(3,)))).random(4)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, replicate_rng(7, 4).random(4))


def test_overrides_as_mapping_or_strings_are_the_same_run(generic_short):
    a = cf.simulate(generic_short, seed=2, overrides={"leadership.alignment": 0.3, "months": 12})
    b = cf.simulate(generic_short, seed=2, overrides=["leadership.alignment=0.3", "months=12"])
    pd.testing.assert_frame_equal(a.monthly, b.monthly, check_exact=True)
    assert a.scenario.leadership.alignment == 0.3 and a.monthly["month"].max() == 12
    full = cf.simulate(generic_short, seed=2).monthly
    assert not a.monthly.equals(full[full["month"] <= 12])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sc=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_any_scenario_replicate_is_independent_of_its_companions(sc, seed):
    three = cf.simulate(sc, seed=seed, replicates=3, batch_size=3)
    alone = cf.simulate(sc, seed=seed, replicates=[1])
    one_by_one = cf.simulate(sc, seed=seed, replicates=3, batch_size=1)
    pd.testing.assert_frame_equal(rows(alone, 1), rows(three, 1), check_exact=True)
    pd.testing.assert_frame_equal(one_by_one.monthly, three.monthly, check_exact=True)
