"""Experiments at scale: definitions, designs, the store, backends, sensitivity, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from commonfuture.cli import app
from commonfuture.experiments.design import ExperimentError, load_experiment
from commonfuture.experiments.runner import run_experiment
from commonfuture.experiments.store import Store
from commonfuture.scenario.load import scenarios_dir
from commonfuture.simulation import simulate

GENERIC = (scenarios_dir() / "generic.toml").as_posix()
runner = CliRunner()

SMALL = f"""
name = "small"
scenario = "{GENERIC}"
design = "grid"
replicates = 3
seed = 4
outputs = ["members_end", "value_destroyed", "months_to_stage_2", "members_at_10"]
overrides = {{ months = 14 }}

[[factors]]
path = "leadership.alignment"
values = [0.2, 0.8]

[[factors]]
path = "network.openness"
range = [0.2, 0.8]
levels = 2
"""


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def runs_frame(directory: Path) -> pd.DataFrame:
    with Store(directory, read_only=True) as s:
        runs = s.runs().drop(columns=["finished_at", "seconds"])
        monthly = s.monthly()
    return runs, monthly


def test_grid_points_and_seeds(tmp_path):
    exp = load_experiment(write(tmp_path, SMALL))
    assert exp.points.tolist() == [[0.2, 0.2], [0.2, 0.8], [0.8, 0.2], [0.8, 0.8]]
    assert len(exp.run_keys()) == 12
    assert len({exp.point_seed(i) for i in range(4)}) == 4
    assert load_experiment(write(tmp_path, SMALL)).point_seed(2) == exp.point_seed(2)


def test_results_do_not_depend_on_backend_or_workers(tmp_path):
    exp = load_experiment(write(tmp_path, SMALL))
    with Store(tmp_path / "inline") as s:
        run_experiment(exp, s, backend="inline")
    with Store(tmp_path / "local") as s:
        run_experiment(exp, s, backend="local", workers=2)
    a_runs, a_monthly = runs_frame(tmp_path / "inline")
    b_runs, b_monthly = runs_frame(tmp_path / "local")
    pd.testing.assert_frame_equal(a_runs, b_runs, check_exact=True)
    pd.testing.assert_frame_equal(a_monthly, b_monthly, check_exact=True)
    assert (a_runs["status"] == "done").all() and len(a_runs) == 12
    assert len(a_monthly) == 12 * 14


def test_store_matches_direct_simulation(tmp_path):
    exp = load_experiment(write(tmp_path, SMALL))
    with Store(tmp_path / "s") as s:
        run_experiment(exp, s, backend="inline")
    runs, monthly = runs_frame(tmp_path / "s")
    direct = simulate(
        exp.base, seed=exp.point_seed(1), replicates=3, overrides=exp.point_overrides(1)
    ).monthly
    stored = monthly[monthly["point"] == 1].drop(columns=["point"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        stored, direct[stored.columns], check_exact=True, check_dtype=False
    )
    last = direct.groupby("replicate")["members"].last().to_numpy()
    assert runs[runs["point"] == 1]["members_end"].to_numpy().tolist() == last.tolist()


def test_rerun_adds_nothing_and_mismatch_is_refused(tmp_path):
    path = write(tmp_path, SMALL)
    for _ in range(2):
        r = runner.invoke(app, ["sweep", str(path), "-o", str(tmp_path / "o"), "-w", "1"])
        assert r.exit_code == 0, r.output
    runs, _ = runs_frame(tmp_path / "o")
    assert len(runs) == 12 and not runs.duplicated(["point", "replicate"]).any()
    other = write(tmp_path, SMALL.replace("replicates = 3", "replicates = 4"), "other.toml")
    r = runner.invoke(app, ["sweep", str(other), "-o", str(tmp_path / "o")])
    assert r.exit_code == 2 and "different experiment" in r.output
    assert (tmp_path / "o" / "sweep-members_end.png").exists()


def test_failed_runs_are_recorded_and_do_not_stop_the_others(tmp_path, monkeypatch):
    import commonfuture.experiments.runner as runner_mod

    real = runner_mod.simulate

    def flaky(scenario, seed, replicates, overrides=None, **kw):
        if overrides["leadership.alignment"] == 0.8 and overrides["network.openness"] == 0.8:
            raise RuntimeError("boom")
        return real(scenario, seed=seed, replicates=replicates, overrides=overrides, **kw)

    monkeypatch.setattr(runner_mod, "simulate", flaky)
    exp = load_experiment(write(tmp_path, SMALL))
    with Store(tmp_path / "f") as s:
        counts = run_experiment(exp, s, backend="inline")
    assert counts["failed"] == 3 and counts["done"] == 9
    runs, _ = runs_frame(tmp_path / "f")
    assert (runs[runs["status"] == "failed"]["error"].str.contains("boom")).all()
    r = runner.invoke(app, ["status", str(tmp_path / "f")])
    assert r.exit_code == 0 and "boom" in r.output and "9 of 12" in r.output
    # a second run retries only the failed runs
    monkeypatch.setattr(runner_mod, "simulate", real)
    with Store(tmp_path / "f") as s:
        counts = run_experiment(exp, s, backend="inline")
    runs, _ = runs_frame(tmp_path / "f")
    assert counts["done"] == 12 and (runs["status"] == "done").all() and len(runs) == 12


BAD = {
    "unknown key": (
        SMALL.replace('design = "grid"', 'design = "grid"\ncolour = "red"'),
        "colour: unknown key",
    ),
    "unknown parameter": (
        SMALL.replace("network.openness", "network.opennes"),
        "unknown parameter",
    ),
    "out of domain": (
        SMALL.replace("[0.2, 0.8]\nlevels", "[0.2, 1.8]\nlevels"),
        "outside its domain",
    ),
    "bad design": (SMALL.replace('design = "grid"', 'design = "magic"'), "design"),
    "lhs without ranges": (SMALL.replace('design = "grid"', 'design = "lhs"'), "needs a range"),
    "unknown output": (SMALL.replace('"members_end"', '"happiness"'), "unknown output"),
    "syntax": ("name = 'x\n", "TOML syntax error"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_experiments_exit_2_and_leave_no_store(tmp_path, case):
    text, needle = BAD[case]
    path = write(tmp_path, text)
    out = tmp_path / "o"
    r = runner.invoke(app, ["sweep", str(path), "-o", str(out)])
    assert r.exit_code == 2, r.output
    assert needle in r.output and "Traceback" not in r.output and str(path) in r.output
    assert not out.exists()


def test_unreachable_cluster_fails_fast(tmp_path):
    path = write(tmp_path, SMALL)
    r = runner.invoke(
        app, ["sweep", str(path), "-o", str(tmp_path / "o"), "--cluster", "tcp://127.0.0.1:9"]
    )
    assert r.exit_code == 2 and "cannot reach" in r.output
    assert not (tmp_path / "o").exists()
    r = runner.invoke(app, ["sweep", str(path), "--cluster", "localhost:8786"])
    assert r.exit_code == 2


def test_export_and_sql(tmp_path):
    path = write(tmp_path, SMALL)
    assert (
        runner.invoke(app, ["sweep", str(path), "-o", str(tmp_path / "o"), "-w", "1"]).exit_code
        == 0
    )
    r = runner.invoke(app, ["export", str(tmp_path / "o"), "-o", str(tmp_path / "pq")])
    assert r.exit_code == 0, r.output
    runs = pd.read_parquet(tmp_path / "pq" / "runs.parquet")
    monthly = pd.read_parquet(tmp_path / "pq" / "monthly.parquet")
    assert len(runs) == 12 and len(monthly) == 12 * 14
    # the README's example queries run against the store
    con = duckdb.connect(str(tmp_path / "o" / "experiment.duckdb"), read_only=True)
    q1 = con.execute("""
        SELECT json_extract(params, '$."leadership.alignment"')::DOUBLE AS alignment,
               avg(members_end) AS members, avg(value_destroyed) AS destroyed
        FROM runs WHERE status = 'done' GROUP BY alignment ORDER BY alignment""").df()
    assert len(q1) == 2
    q2 = con.execute("""
        SELECT point, month, avg(members) AS members FROM monthly
        GROUP BY point, month ORDER BY point, month""").df()
    assert len(q2) == 4 * 14
    con.close()
    assert runner.invoke(app, ["status", str(tmp_path / "nothing")]).exit_code == 2


def test_sensitivity_morris_small(tmp_path):
    text = f"""
name = "morris"
scenario = "{GENERIC}"
design = "morris"
samples = 4
replicates = 1
seed = 3
outputs = ["members_end"]
overrides = {{ months = 12 }}

[[factors]]
path = "leadership.alignment"
range = [0.1, 0.9]

[[factors]]
path = "population.expectation_mean"
range = [0.0, 0.3]
"""
    path = write(tmp_path, text)
    r = runner.invoke(app, ["sensitivity", str(path), "-o", str(tmp_path / "m"), "-w", "1"])
    assert r.exit_code == 0, r.output
    doc = json.loads((tmp_path / "m" / "sensitivity.json").read_text())
    names = [row["parameter"] for row in doc["indices"]["members_end"]]
    assert names == ["leadership.alignment", "population.expectation_mean"]
    assert (tmp_path / "m" / "sensitivity.png").exists()
    grid = write(tmp_path, SMALL, "grid.toml")
    r = runner.invoke(app, ["sensitivity", str(grid), "-o", str(tmp_path / "g")])
    assert r.exit_code == 2 and "sobol" in r.output


def test_sobol_sampling_shape(tmp_path):
    exp = load_experiment(Path(__file__).resolve().parents[1] / "experiments" / "sobol-levers.toml")
    # Saltelli without second order: N (k + 2) points
    assert exp.points.shape == (32 * (5 + 2), 5)
    with pytest.raises(ExperimentError):
        load_experiment(tmp_path / "missing.toml")


def test_batched_replicates_equal_one_at_a_time():
    """The kernel's R x N batches give each replicate exactly its one-at-a-time result."""
    from commonfuture.scenario.load import load_scenario

    sc = load_scenario(GENERIC)
    batched = simulate(sc, seed=21, replicates=[0, 3, 4, 9], overrides={"months": 16})
    single = simulate(sc, seed=21, replicates=[0, 3, 4, 9], overrides={"months": 16}, batch_size=1)
    assert batched.monthly["replicate"].nunique() == 4
    pd.testing.assert_frame_equal(batched.monthly, single.monthly, check_exact=True)
    # replicates differ from each other, so the comparison above could fail
    ends = batched.monthly.groupby("replicate")[["members", "value_created"]].last()
    assert not ends.duplicated().all()


def test_task_size_does_not_change_results(tmp_path, monkeypatch):
    import commonfuture.experiments.runner as runner_mod

    exp = load_experiment(write(tmp_path, SMALL))
    tasks = runner_mod.plan(exp, set(exp.run_keys()))
    assert len(tasks) == 4 and all(len(t.replicates) == 3 for t in tasks)
    # with many workers, tasks shrink so that each worker gets several
    assert len(runner_mod.plan(exp, set(exp.run_keys()), parallel=2)) == 8  # 2 + 1 per point
    with Store(tmp_path / "big") as s:
        run_experiment(exp, s, backend="inline")
    monkeypatch.setattr(runner_mod, "TASK_ACTOR_MONTHS", 1)  # one replicate per task
    assert len(runner_mod.plan(exp, set(exp.run_keys()))) == 12
    with Store(tmp_path / "one") as s:
        run_experiment(exp, s, backend="inline")
    a, am = runs_frame(tmp_path / "big")
    b, bm = runs_frame(tmp_path / "one")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    pd.testing.assert_frame_equal(am, bm, check_exact=True)


def test_factor_distributions(tmp_path):
    text = f"""
name = "shapes"
scenario = "{GENERIC}"
design = "lhs"
samples = 400
overrides = {{ months = 6 }}

[[factors]]
path = "leadership.alignment"
range = [0.1, 0.9]
distribution = "triangular"
mode = 0.8

[[factors]]
path = "network.openness"
range = [0.2, 1.0]
distribution = "truncnormal"
mean = 0.4
sd = 0.05

[[factors]]
path = "leadership.arbitration"
range = [0.1, 0.9]
"""
    pts = load_experiment(write(tmp_path, text)).points
    assert (pts.min(0) >= [0.1, 0.2, 0.1]).all() and (pts.max(0) <= [0.9, 1.0, 0.9]).all()
    # Latin hypercube strata map through each inverse CDF: means match the distributions
    assert abs(pts[:, 0].mean() - (0.1 + 0.9 + 0.8) / 3) < 0.01
    assert abs(pts[:, 1].mean() - 0.4) < 0.005 and pts[:, 1].std() < 0.06
    assert abs(pts[:, 2].mean() - 0.5) < 0.01
    for bad, needle in (
        (text.replace("mode = 0.8", "mode = 1.5"), "mode inside the range"),
        (text.replace("sd = 0.05", ""), "needs mean and sd"),
        (text.replace('design = "lhs"', 'design = "morris"'), "uniform factors only"),
    ):
        with pytest.raises(ExperimentError, match=needle):
            load_experiment(write(tmp_path, bad, "bad.toml"))


def test_cores_are_shared_not_oversubscribed():
    from commonfuture.experiments.runner import share

    assert share(None, None, 8) == (8, 1)
    assert share(None, 4, 8) == (2, 4)
    assert share(2, None, 8) == (2, 4)
    assert share(4, 4, 8) == (4, 2)
    assert share(3, None, 2) == (3, 1)
    for workers in (None, 1, 2, 3, 8):
        for threads in (None, 1, 2, 5, 16):
            p, t = share(workers, threads, 8)
            assert p * t <= max(8, p)


def test_small_experiments_run_in_process_and_give_the_same_results(tmp_path):
    from commonfuture.experiments.runner import choose

    assert choose("local", 8, 1.0) == ("inline", 1)
    assert choose("local", 8, 9.0) == ("local", 2)
    assert choose("local", 2, 1e6) == ("local", 2)
    assert choose("dask", 4, 1.0) == ("inline", 1)
    exp = load_experiment(write(tmp_path, SMALL))
    with Store(tmp_path / "auto") as s:
        counts = run_experiment(exp, s, backend="local")
    assert counts["backend"] == "inline"
    with Store(tmp_path / "inline") as s:
        run_experiment(exp, s, backend="inline", threads=1)
    a_runs, a_monthly = runs_frame(tmp_path / "auto")
    b_runs, b_monthly = runs_frame(tmp_path / "inline")
    pd.testing.assert_frame_equal(a_runs, b_runs, check_exact=True)
    pd.testing.assert_frame_equal(a_monthly, b_monthly, check_exact=True)
