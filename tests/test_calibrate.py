"""Calibration against dated observations: bad --fit ranges, parameter recovery on
records simulated from known parameters, the command end to end, and (make validate)
simulation-based calibration over repeated synthetic fits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

import commonfuture as cf
from commonfuture.calibration.abc import (
    CalibrationError,
    calibrate,
    parse_fits,
    targets_from,
)
from commonfuture.cli._app import app
from conftest import GENERIC

runner = CliRunner()
START = pd.Timestamp("2020-01-01")
PATH = "population.join_rate"
LOW, HIGH = 0.05, 0.6


def _over(sc):
    from commonfuture.scenario.load import apply_overrides, scaled

    return scaled(apply_overrides(sc, {"months": 48}), 0.25)


def synthetic_observations(sc, truth: float, seed: int) -> pd.DataFrame:
    """Members every three months and residents joined so far every year, as published
    figures."""
    m = cf.simulate(sc, seed=seed, replicates=[0], overrides={PATH: truth}).monthly
    rows = []
    for month in range(3, 49, 3):
        rows.append((month, "members", m["members"].iloc[month - 1]))
    for month in range(12, 49, 12):
        rows.append((month, "cumulative:joins", m["joins"].iloc[:month].sum()))
    return pd.DataFrame(
        {
            "row": range(2, len(rows) + 2),
            "date": [START + pd.DateOffset(months=k) for k, _, _ in rows],
            "measure": [r[1] for r in rows],
            "value": [float(r[2]) for r in rows],
            "unit": "actors",
            "source": "simulated",
            "note": None,
        }
    )


def fit_once(tmp_path, truth: float, seed: int, population: int = 60, generations: int = 4):
    sc = _over(cf.load_scenario(GENERIC))
    obs = synthetic_observations(sc, truth, seed)
    targets = targets_from(obs, sc, START)
    fits = parse_fits(sc, [f"{PATH}={LOW}:{HIGH}"])
    return calibrate(
        sc, targets, fits, tmp_path, population=population, generations=generations, seed=seed
    )


def test_bad_fits_one_line_each():
    sc = cf.load_scenario(GENERIC)
    with pytest.raises(CalibrationError) as err:
        parse_fits(
            sc,
            [
                "population.nonsense=0:1",
                "leadership.alignment=0.9:0.1",
                "leadership.alignment=0:2",
                "leadership.visibility",
            ],
        )
    text = "\n".join(err.value.problems)
    assert "population.nonsense: unknown parameter" in text
    assert "leadership.alignment: LOW must be below HIGH" in text
    assert "leadership.alignment" in text and "less than or equal to 1" in text
    assert "'leadership.visibility': expected PATH=LOW:HIGH" in text


def test_recovery_at_small_size(tmp_path):
    """The known threshold lies inside the 90% credible interval, which is narrower than
    the prior."""
    truth = 0.3
    post = fit_once(tmp_path, truth, seed=11)
    row = post.table().iloc[0]
    assert row["q05"] <= truth <= row["q95"], row.to_dict()
    assert row["q95"] - row["q05"] < 0.6 * (HIGH - LOW), row.to_dict()


def test_calibrate_command(tmp_path):
    sc = _over(cf.load_scenario(GENERIC))
    obs = synthetic_observations(sc, 0.3, seed=5).drop(columns="row")
    obs["date"] = obs["date"].dt.date
    p = tmp_path / "obs.csv"
    obs.to_csv(p, index=False)
    scen = tmp_path / "small.toml"
    text = GENERIC.read_text().replace("months = 120", "months = 48")
    for s, n in (("public", 6), ("private", 10), ("third", 14), ("citizens", 600)):
        text = text.replace(f"{s} = {n}\n", f"{s} = {max(1, n // 4)}\n", 1)
    scen.write_text(text)
    out = tmp_path / "out"
    args = [
        "calibrate",
        str(scen),
        str(p),
        "--fit",
        f"{PATH}={LOW}:{HIGH}",
        "--start",
        "2020-01-01",
        "-o",
        str(out),
        "--population",
        "30",
        "--generations",
        "2",
        "--draws",
        "10",
    ]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    for f in (
        "posterior.csv",
        "posterior_table.csv",
        "bands.csv",
        "levers.csv",
        "calibration.json",
        "report.html",
    ):
        assert (out / f).exists(), f
    bands = pd.read_csv(out / "bands.csv")
    assert set(bands["use"]) == {"fitted", "held out"}  # the latest dates are held out
    html = (out / "report.html").read_text()
    assert "Held-out check" in html and "what leadership could change" in html
    bad = runner.invoke(app, [*args[:4], "--fit", "leadership.alignment=2:3", *args[5:]])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


@pytest.mark.slow
def test_simulation_based_calibration(tmp_path):
    """Over repeated fits with the truth drawn from the prior, the truth falls inside the
    90% interval at about the nominal rate and its posterior rank is uniform."""
    rng = np.random.default_rng(2024)
    n = 40
    inside, ranks = 0, []
    for k in range(n):
        truth = float(rng.uniform(LOW, HIGH))
        post = fit_once(tmp_path / f"f{k}", truth, seed=100 + k, population=80, generations=4)
        row = post.table().iloc[0]
        inside += row["q05"] <= truth <= row["q95"]
        draws = post.draw(99, rng)[PATH].to_numpy()
        ranks.append(int((draws < truth).sum()))
    # 90% nominal: with 40 fits, fewer than 30 inside happens with probability < 1%
    assert stats.binom.cdf(inside, n, 0.9) > 0.01, inside
    counts = np.histogram(ranks, bins=5, range=(0, 100))[0]
    assert stats.chisquare(counts).pvalue > 0.01, counts
