"""A run advanced month by month (``commonfuture.Run``) gives the numbers of ``simulate``."""

from __future__ import annotations

import numpy as np
import pytest

import commonfuture as cf
from conftest import GENERIC


def test_stepping_month_by_month_equals_simulate():
    sc = cf.load_scenario(GENERIC).model_copy(update={"months": 18})
    run = cf.Run(sc, seed=4, replicates=[0, 2], chains=True)
    assert run.month == 0 and not run.done and run.monthly().empty
    first = run.step()
    assert run.month == 1 and first["members"].shape == (2,)
    while not run.done:
        run.step()
    stepped = run.monthly()
    ref = cf.simulate(sc, seed=4, replicates=[0, 2], chains=True)
    assert stepped.equals(ref.monthly)
    assert run.value_chains().equals(ref.value_chains())
    with pytest.raises(RuntimeError, match="horizon"):
        run.step()


def test_a_run_without_chains_says_so():
    sc = cf.load_scenario(GENERIC).model_copy(update={"months": 2})
    run = cf.Run(sc, seed=1, replicates=1)
    run.step()
    assert np.asarray(run.arrays()["stage"]).shape == (1, 1)
    with pytest.raises(ValueError, match="not recorded"):
        run.value_chains()


def test_progress_counts_every_replicate_month_and_changes_nothing():
    sc = cf.load_scenario(GENERIC).model_copy(update={"months": 30})
    done: list[int] = []
    with_progress = cf.simulate(sc, seed=2, replicates=3, progress=done.append)
    assert sum(done) == 3 * 30 and all(k > 0 for k in done)
    assert with_progress.monthly.equals(cf.simulate(sc, seed=2, replicates=3).monthly)
