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
    simulated_all,
    targets_from,
)
from commonfuture.cli._app import app
from conftest import GENERIC
from test_dask_cluster import cluster  # noqa: F401 (a scheduler and two workers)

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


def fit_once(
    tmp_path, truth: float, seed: int, population: int = 60, generations: int = 4, replicates=1
):
    sc = _over(cf.load_scenario(GENERIC))
    obs = synthetic_observations(sc, truth, seed)
    targets = targets_from(obs, sc, START)
    fits = parse_fits(sc, [f"{PATH}={LOW}:{HIGH}"])
    return calibrate(
        sc,
        targets,
        fits,
        tmp_path,
        population=population,
        generations=generations,
        seed=seed,
        replicates=replicates,
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
    """The known join rate lies inside the 90% credible interval in at least two of three
    independent fits (seeds 11-13; a calibrated posterior fails this with probability
    0.028, where a single 90% interval misses one fit in ten), and each interval is
    narrower than the prior."""
    truth = 0.3
    covered = 0
    for seed in (11, 12, 13):
        out = tmp_path / str(seed)
        out.mkdir()
        row = fit_once(out, truth, seed=seed).table().iloc[0]
        covered += row["q05"] <= truth <= row["q95"]
        assert row["q95"] - row["q05"] < 0.6 * (HIGH - LOW), row.to_dict()
    assert covered >= 2, covered


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
    # run again with the same inputs: nothing is simulated again
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "continued the calibration" in again.output
    # another calibration into the same directory is refused, one line, exit 2
    other = runner.invoke(app, [*args, "--seed", "1"])
    assert other.exit_code == 2 and "another calibration" in other.output
    assert "Traceback" not in other.output

    # a quick point fit: the best of the trials, continued when asked for more
    point = [*args[:8], str(tmp_path / "point"), "--method", "point", "--draws", "10"]
    res = runner.invoke(app, [*point, "--trials", "6"])
    assert res.exit_code == 0, res.output
    trials = pd.read_csv(tmp_path / "point" / "trials.csv")
    assert len(trials) == 6
    best = pd.read_csv(tmp_path / "point" / "posterior_table.csv").iloc[0]
    assert LOW <= best["median"] <= HIGH and best["sd"] == 0
    assert best["median"] == pytest.approx(trials.loc[trials["value"].idxmin(), PATH])
    assert "quick point fit" in (tmp_path / "point" / "report.html").read_text()
    res = runner.invoke(app, [*point, "--trials", "8"])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(tmp_path / "point" / "trials.csv")) == 8
    bad = runner.invoke(app, [*point, "--method", "grid"])
    assert bad.exit_code == 2 and "--method" in bad.output


def test_share_observations_are_fractions_of_the_group():
    """share:members_citizens in % is compared with members_citizens over the scenario's
    residents; share:members over all its actors."""
    sc = _over(cf.load_scenario(GENERIC))
    counts = sc.population.counts
    obs = pd.DataFrame(
        {
            "row": [2, 3],
            "date": [START + pd.DateOffset(months=k) for k in (6, 12)],
            "measure": ["share:members_citizens", "share:members"],
            "value": [20.0, 0.3],
            "unit": ["%", "share"],
            "source": "survey",
            "note": None,
        }
    )
    targets = targets_from(obs, sc, START)
    assert targets.table["value"].tolist() == [0.2, 0.3]
    m = cf.simulate(sc, seed=1, replicates=[0]).monthly
    got = simulated_all(m, targets)[0]
    assert got[0] == m["members_citizens"].iloc[5] / counts.citizens
    assert got[1] == m["members"].iloc[11] / sum(counts.as_tuple())


def test_interrupted_calibration_continues(tmp_path):
    """A calibration stopped after its first generation continues from the history in
    its directory and ends with the generations asked for; another calibration in the
    same directory is refused unless started afresh."""
    sc = _over(cf.load_scenario(GENERIC))
    targets = targets_from(synthetic_observations(sc, 0.3, seed=7), sc, START)
    fits = parse_fits(sc, [f"{PATH}={LOW}:{HIGH}"])

    class Stopped(Exception):
        pass

    def stop(generation, _eps):
        if generation >= 1:
            raise Stopped

    def run(**kw):
        args = {"population": 30, "generations": 3, "seed": 4, **kw}
        return calibrate(sc, targets, fits, tmp_path, **args)

    with pytest.raises(Stopped):
        run(progress=stop)
    post = run()
    assert post.history == {"resumed_after": 1, "generations": 3}
    assert len(post.epsilons) == 3 and post.epsilons[2] < post.epsilons[0]
    x = post.samples[PATH]
    assert ((x >= LOW) & (x <= HIGH)).all() and len(x) == 30
    assert post.samples["weight"].sum() == pytest.approx(1.0)
    again = run()  # nothing left to do: the same posterior, no simulation
    assert again.history["resumed_after"] == 3
    assert again.samples.equals(post.samples)
    with pytest.raises(CalibrationError, match="another calibration .*population"):
        run(population=31)
    assert run(population=31, generations=1, fresh=True).history["resumed_after"] == 0


def test_batched_replicates_recover_the_truth(tmp_path):
    """Particles of four replicates advanced together (accepted with the share of
    replicates within epsilon as weight) still hold the truth in the 90% interval."""
    truth = 0.3
    sc = _over(cf.load_scenario(GENERIC))
    targets = targets_from(synthetic_observations(sc, truth, seed=11), sc, START)
    fits = parse_fits(sc, [f"{PATH}={LOW}:{HIGH}"])
    post = calibrate(sc, targets, fits, tmp_path, population=40, generations=3, replicates=4)
    row = post.table().iloc[0]
    assert row["q05"] <= truth <= row["q95"], row.to_dict()
    assert row["q95"] - row["q05"] < 0.8 * (HIGH - LOW), row.to_dict()


def test_share_acceptor_weighs_by_the_share_within_epsilon():
    from commonfuture.calibration.abc import _share_acceptor

    accept = _share_acceptor(lambda row: float(row[0]))
    x = {"y": np.array([[0.1], [0.3], [0.5], [0.7]])}
    res = accept(None, lambda t: 0.4, x, None, 1, None)
    assert res.accept and res.weight == 0.5 and res.distance == pytest.approx(0.2)
    res = accept(None, lambda t: 0.05, x, None, 1, None)
    assert not res.accept
    assert accept(None, lambda t: 1.0, x, None, 1, None).weight == 1.0


FORKED_AFTER_THREADS = """
import os, sys
os.environ["NUMBA_NUM_THREADS"] = os.environ["COMMONFUTURE_THREADS"] = "2"
sys.path.insert(0, {tests!r})
import commonfuture as cf
from commonfuture.calibration.abc import calibrate, parse_fits, targets_from
from test_calibrate import GENERIC, PATH, START, _over, synthetic_observations

if __name__ == "__main__":
    # 69,300 actors: the compiled loops start their threads in this process
    cf.simulate(cf.load_scenario(GENERIC), seed=1, scale=110, overrides={{"months": 1}})
    sc = _over(cf.load_scenario(GENERIC))
    targets = targets_from(synthetic_observations(sc, 0.3, seed=7), sc, START)
    fits = parse_fits(sc, [f"{{PATH}}=0.05:0.6"])
    post = calibrate(sc, targets, fits, {out!r}, population=10, generations=1, workers=2)
    print("particles", len(post.samples))
"""


@pytest.mark.parametrize("bad", [{"replicates": 0}, {"workers": 0}, {"workers": -2}])
def test_calibrate_refuses_no_replicates_or_workers(tmp_path, bad):
    sc = _over(cf.load_scenario(GENERIC))
    targets = targets_from(synthetic_observations(sc, 0.3, seed=7), sc, START)
    fits = parse_fits(sc, [f"{PATH}={LOW}:{HIGH}"])
    with pytest.raises(CalibrationError, match="at least 1"):
        calibrate(sc, targets, fits, tmp_path, population=10, generations=1, **bad)


def test_local_workers_after_a_large_run(tmp_path):
    """Local workers still simulate after a run large enough to start the compiled
    loops' threads in the calling process (a forked worker would die on its first run)."""
    import subprocess
    import sys
    from pathlib import Path

    script = tmp_path / "calibrate_after_large_run.py"
    tests = str(Path(__file__).parent)
    script.write_text(FORKED_AFTER_THREADS.format(tests=tests, out=str(tmp_path / "cal")))
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "particles 10"


@pytest.mark.slow
def test_calibration_on_a_dask_cluster(tmp_path, cluster):  # noqa: F811
    """The particles can be simulated by the workers of a Dask cluster."""
    sc = _over(cf.load_scenario(GENERIC))
    targets = targets_from(synthetic_observations(sc, 0.3, seed=7), sc, START)
    fits = parse_fits(sc, [f"{PATH}={LOW}:{HIGH}"])
    post = calibrate(
        sc, targets, fits, tmp_path, population=20, generations=2, dask_address=cluster
    )
    assert len(post.epsilons) == 2 and len(post.samples) == 20
    assert post.samples["weight"].sum() == pytest.approx(1.0)


@pytest.mark.slow
@pytest.mark.parametrize("replicates", [1, 4])
def test_simulation_based_calibration(tmp_path, replicates):
    """Over repeated fits with the truth drawn from the prior, the truth falls inside the
    90% interval at about the nominal rate and its posterior rank is uniform (particles
    of one replicate, and of four accepted with the share within epsilon as weight)."""
    rng = np.random.default_rng(2024)
    n = 40
    inside, ranks = 0, []
    for k in range(n):
        truth = float(rng.uniform(LOW, HIGH))
        post = fit_once(
            tmp_path / f"f{k}", truth, 100 + k, population=80, generations=4, replicates=replicates
        )
        row = post.table().iloc[0]
        inside += row["q05"] <= truth <= row["q95"]
        draws = post.draw(99, rng)[PATH].to_numpy()
        ranks.append(int((draws < truth).sum()))
    counts = np.histogram(ranks, bins=5, range=(0, 100))[0]
    pvalue = stats.chisquare(counts).pvalue
    print(f"SBC ({replicates} replicate(s) a particle): {inside} of {n} truths inside the 90%")
    print(f"SBC: rank counts {counts.tolist()}")
    print(f"SBC: chi-square p = {pvalue:.3f}; ranks {sorted(ranks)}")
    # 90% nominal: with 40 fits, fewer than 30 inside happens with probability < 1%
    assert stats.binom.cdf(inside, n, 0.9) > 0.01, inside
    assert pvalue > 0.01, counts


# ----------------------------------------------------------------------------- figure types


def _figs(rows: list[dict]) -> pd.DataFrame:
    from commonfuture.calibration.recovery import _obs

    return _obs(rows)


def test_each_kind_of_figure_is_met_or_missed_by_how_far():
    """Bounds, intervals, uncertainties, sums over a period, shares of another measure,
    city-scale figures, month-range dates and dates first reached, on a series known by
    hand: members 1, 2, ..., 12; joins 1 each month."""
    from commonfuture.evidence import figures as fig

    members = np.arange(1, 13, dtype=float)[None, :]
    series = {"members": members, "joins": np.ones((1, 12)), "uses": 2 * members}
    obs = _figs(
        [
            {
                "date": "2020-03-31",
                "measure": "members",
                "value": 5,
                "unit": "a",
                "type": "bound",
                "side": "lower",
            },
            {
                "date": "2020-03-31",
                "measure": "members",
                "value": 5,
                "unit": "a",
                "type": "bound",
                "side": "upper",
            },
            {
                "date": "2020-06-30",
                "measure": "members",
                "unit": "a",
                "type": "interval",
                "low": 4,
                "high": 7,
            },
            {"date": "2020-06-30", "measure": "joins", "value": 8, "unit": "a", "uncertainty": 1},
            {
                "date": "2020-06-30",
                "measure": "sum:joins",
                "value": 3,
                "unit": "a",
                "date_from": "2020-04-01",
            },
            {
                "date": "2020-06-30",
                "measure": "share:uses",
                "value": 50,
                "unit": "%",
                "of": "members",
            },
            {"date": "2020-06-30", "measure": "members", "value": 600, "unit": "a", "scale": 100},
            {
                "date": "2020-09-30",
                "measure": "members",
                "value": 7,
                "unit": "a",
                "date_from": "2020-05-01",
            },
            {
                "date": "2020-10-31",
                "measure": "members",
                "value": 8,
                "unit": "a",
                "type": "first_reached",
                "date_from": "2020-09-01",
            },
            {
                "date": "2020-04-30",
                "measure": "members",
                "value": 8,
                "unit": "a",
                "type": "first_reached",
            },
        ]
    )
    obs["date"] = pd.to_datetime(obs["date"])
    obs["date_from"] = pd.to_datetime(obs["date_from"])
    obs = obs.astype(object).where(pd.notna(obs), None)
    names = set(series)
    table, ctx, problems = fig.figure_rows(obs, pd.Timestamp("2019-12-01"), names, horizon=12)
    assert not problems and not ctx
    got = fig.evaluate(table, series.__getitem__)[0]
    # month 3: 3 members; month 6: 6; joins in month 6: 1; sum April-June: 3; uses over
    # members: 2 (200%); 6 x 100; the best month of May-September for 7: 7 (July);
    # first month at 8 members: 8 (August), in September-October? no; in April? no
    assert got.tolist() == [3, 3, 6, 1, 3, 2, 600, 7, 8, 8]
    gaps = fig.gaps(table, got[None, :])[0]
    # 3 < 5 (lower bound missed by 2), 3 <= 5 met; 6 in 4..7; |1 - 8| - 1 = 6; 3 met;
    # 2 against 0.5: 1.5 off; 600 met; 7 met; month 8 against months 9-10: 1; against 4: 4
    assert gaps.tolist() == [2, 0, 0, 6, 0, 1.5, 0, 0, 1, 4]
    d = fig.distance_fn(table)
    assert d(got) > 0 and d(np.where(np.arange(10) == 0, 5.0, got)) < d(got)


BAD_OBS = [
    (
        "2020-06-30,members,5,actors,report,,guess,,,,,,,,",
        "row 2, column type: 'guess' is not allowed",
    ),
    (
        "2020-06-30,members,5,actors,report,,bound,,,,,,,,",
        "row 2, column side: a bound needs a side",
    ),
    (
        "2020-06-30,members,,actors,report,,interval,,9,4,,,,,",
        "row 2, column low: 9 is above high 4",
    ),
    (
        "2031-06-30,members,5,actors,report,,,,,,,,,,",
        "row 2, column date: 2031-06-30 is after the horizon",
    ),
    (
        "2019-06-30,members,5,actors,report,,,,,,,,,,",
        "row 2, column date: 2019-06-30 is before month 1",
    ),
]


@pytest.mark.parametrize(("row", "expected"), BAD_OBS)
def test_bad_observation_files_one_line_exit_2(tmp_path, row, expected):
    from commonfuture.evidence.formats import OBSERVATION_COLUMNS

    p = tmp_path / "obs.csv"
    p.write_text(",".join(OBSERVATION_COLUMNS) + "\n" + row + "\n")
    out = tmp_path / "out"
    res = runner.invoke(
        app,
        [
            "calibrate",
            str(GENERIC),
            str(p),
            "--fit",
            f"{PATH}={LOW}:{HIGH}",
            "--start",
            "2020-01-01",
            "-o",
            str(out),
        ],
    )
    assert res.exit_code == 2, res.output
    lines = [x for x in res.output.splitlines() if x.startswith("error:")]
    assert len(lines) == 1 and expected in lines[0], res.output
    assert "Traceback" not in res.output and not (out / "calibration.json").exists()


def test_unreachable_figures_are_said_to_be_so(tmp_path):
    """Figures the model cannot reach (ten times the scenario's actors as members): the
    command's output and the top of the report say the fit is far from the data and the
    forecasts are not findings."""
    p = tmp_path / "obs.csv"
    p.write_text(
        "date,measure,value,unit,source\n2020-12-31,members,2000,actors,made up\n"
        "2021-12-31,members,3000,actors,made up\n2022-12-31,members,4000,actors,made up\n"
    )
    scen = tmp_path / "small.toml"
    scen.write_text(GENERIC.read_text().replace("months = 120", "months = 36"))
    out = tmp_path / "out"
    res = runner.invoke(
        app,
        [
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
            "12",
            "--generations",
            "1",
            "--draws",
            "5",
            "--holdout",
            "0",
            "--set",
            "population.counts.citizens=150",
        ],
    )
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "far from the data" in text and "not findings" in text
    html = (out / "report.html").read_text()
    assert html.index("Read this first") < html.index("What the records say")
    assert "Not findings" in html
    import json

    diag = json.loads((out / "calibration.json").read_text())["diagnostics"]
    assert diag["misleading"] and diag["distance"] > 0.3


def test_a_fit_window_before_a_dated_step_runs(tmp_path):
    """Active Travel fitted to a figure of month 30: its investment steps (months 31 to
    79) fall past the fit's window; they do not happen in the fitted runs, said once."""
    from conftest import ROOT

    p = tmp_path / "obs.csv"
    p.write_text("date,measure,value,unit,source\n2013-03-31,members,200,actors,made up\n")
    res = runner.invoke(
        app,
        [
            "calibrate",
            str(ROOT / "scenarios" / "edinburgh" / "active-travel.toml"),
            str(p),
            "--fit",
            "population.join_rate=0.02:0.3",
            "--start",
            "2010-09-01",
            "-o",
            str(tmp_path / "o"),
            "--population",
            "10",
            "--generations",
            "1",
            "--draws",
            "5",
            "--holdout",
            "0",
            "--horizon",
            "30",
            "--set",
            "population.counts.citizens=300",
        ],
    )
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert text.count("past the horizon do not happen") == 1, res.output


def test_diagnostics_on_posterior_tables():
    """The warnings follow from the numbers: a posterior as wide as its prior, one piled
    at the edge of its range, a far fit, bands that miss most figures; none for a
    narrowed posterior inside its range whose bands meet the figures."""
    from commonfuture.calibration.abc import diagnose

    def table(median, sd_ratio):
        return pd.DataFrame(
            [
                {
                    "parameter": "p",
                    "prior_low": 0.0,
                    "prior_high": 1.0,
                    "median": median,
                    "sd_ratio": sd_ratio,
                }
            ]
        )

    met = pd.DataFrame({"inside": [True, True, False]})
    missed = pd.DataFrame({"inside": [False, False, True]})
    assert diagnose(table(0.5, 0.4), met, 0.1)["warnings"] == []
    assert "about as wide as the prior" in " ".join(
        diagnose(table(0.5, 0.95), met, 0.1)["warnings"]
    )
    assert "low end" in " ".join(diagnose(table(0.05, 0.3), met, 0.1)["warnings"])
    far = diagnose(table(0.5, 0.4), met, 0.5)
    assert far["misleading"] and "far from the data" in far["warnings"][0]
    miss = diagnose(table(0.5, 0.4), missed, 0.1)
    assert miss["misleading"] and "miss 2 of 3" in " ".join(miss["warnings"])
    assert any("not findings" in w for w in miss["warnings"])
