"""The commitment link against published threshold-model results (stated tolerances)."""

from __future__ import annotations

import numpy as np
import pytest

from commonfuture.validation.cascades import (
    GRANOVETTER_PUBLISHED,
    critical_sd,
    granovetter_counts,
    granovetter_curve,
    granovetter_exact,
    granovetter_mean_field,
    watts_cascades,
    watts_window,
)


def test_granovetter_riot_exact():
    counts = np.arange(100)[None, :]
    assert granovetter_counts(counts)[0] == 100  # thresholds 0..99: everyone riots
    counts[0, 1] = 2  # the threshold-1 actor replaced by one of threshold 2
    assert granovetter_counts(counts)[0] == 1  # only the instigator


def test_kernel_equals_granovetter_iteration_on_random_thresholds():
    rng = np.random.default_rng(3)
    counts = np.round(rng.normal(25, 11, size=(40, 100)))
    assert (granovetter_counts(counts) == granovetter_exact(counts)).all()


def test_granovetter_critical_sd_within_2_percent_of_published():
    assert critical_sd() == pytest.approx(GRANOVETTER_PUBLISHED["critical_sd"], rel=0.02)


@pytest.mark.parametrize("sd", [5.0, 9.0, 11.5, 13.0, 20.0])
def test_mean_field_fixed_point_is_where_the_iterated_map_settles(sd):
    direct = granovetter_mean_field(25.0, sd)
    iterated = granovetter_mean_field(25.0, sd, steps=5000)
    assert direct == pytest.approx(iterated, rel=1e-3, abs=1e-3)


def test_granovetter_equilibrium_jumps_with_spread():
    c = granovetter_curve(np.array([6.0, 9.0, 20.0, 24.0]), trials=40, seed=1)
    small, large = c["simulated"][:2], c["simulated"][2:]
    assert max(small) < 5  # a tiny equilibrium below the critical spread
    assert min(large) > 95  # a near-total one well above it
    # away from the critical region the simulation follows the mean-field map within 5 actors
    assert np.allclose(c["simulated"], c["mean_field"], atol=5)


def test_watts_analytic_window():
    lo, hi = watts_window(0.18)
    assert lo == pytest.approx(1.0, abs=0.05)
    assert 5.5 < hi < 6.0


@pytest.mark.parametrize(
    "z,inside",
    [(0.5, False), (2.0, True), (3.0, True), (4.0, True), (9.0, False), (12.0, False)],
)
def test_watts_cascade_window(z, inside):
    p = watts_cascades(z, n=4000, trials=60, seed=7)
    if inside:
        assert p.probability > 0.3 and p.size > 0.5
    else:
        assert p.probability < 0.05


@pytest.mark.slow
def test_watts_full_size(tmp_path):
    from commonfuture.validation.cascades import reproduce

    res = reproduce(tmp_path, n=10_000, trials=100)
    w = res["watts"]
    lo, hi = w["analytic_window"]
    for z, prob in zip(w["z"], w["probability"], strict=True):
        if lo + 0.5 < z < hi - 1.0:
            assert prob > 0.3, (z, prob)
        if z < lo - 0.2 or z > hi + 1.0:
            assert prob < 0.03, (z, prob)
    # the simulated upper edge lies at or above the analytic boundary and no further out than
    # the edge of Watts's own simulations (about 6-7, read from his Fig. 1a)
    sim_lo, sim_hi = w["simulated_window"]
    assert lo - 0.1 < sim_lo < lo + 1.0
    assert hi - 0.5 <= sim_hi <= w["published"]["upper_edge_range"][1]
    # global cascades grow towards the upper edge (rare but large near the boundary)
    size = dict(zip(w["z"], w["size"], strict=True))
    assert size[5.5] > size[2.0] and size[5.5] > 0.95
    assert (tmp_path / "watts-window.png").exists() and (tmp_path / "granovetter.png").exists()


def test_cascades_cli_refuses_a_file_as_output(tmp_path):
    from typer.testing import CliRunner

    from commonfuture.cli import app

    f = tmp_path / "x.txt"
    f.write_text("")
    r = CliRunner().invoke(app, ["cascades", "--out", str(f)])
    assert r.exit_code == 2 and "not a directory" in r.output and "Traceback" not in r.output


@pytest.mark.slow
def test_cascades_cli_writes_figures_and_numbers(tmp_path):
    import json

    from typer.testing import CliRunner

    from commonfuture.cli import app

    r = CliRunner().invoke(app, ["cascades", "--out", str(tmp_path), "--n", "500", "--trials", "3"])
    assert r.exit_code == 0, r.output
    res = json.loads((tmp_path / "validation.json").read_text())
    assert res["granovetter"]["riot_all_thresholds"] == 100
    assert res["granovetter"]["riot_threshold_1_replaced"] == 1
    assert len(res["watts"]["z"]) == len(res["watts"]["probability"]) > 10
    for name in ("granovetter.png", "watts-window.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"
