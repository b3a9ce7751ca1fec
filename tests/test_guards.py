"""Every command held to the same rule: a bad input or a fault is one line and exit 2,
never a traceback, never lost or half-written results; a shorter horizon runs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from commonfuture.cli._app import app
from commonfuture.evidence.series import month_index, start_of
from conftest import GENERIC

runner = CliRunner()
ACTIVE = "edinburgh/active-travel"


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error:")]


def one_line_error(r, needle: str, code: int = 2) -> None:
    assert r.exit_code == code, r.output
    assert "Traceback" not in r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    lines = errors(r.output)
    assert len(lines) == 1 and needle in lines[0], r.output


# --------------------------------------------------------------------------- horizons


def test_shorter_horizon_runs_and_says_so_once(tmp_path):
    out = tmp_path / "two-years"
    r = invoke("run", ACTIVE, "--set", "months=24", "-r", 1, "--scale", 0.05, "-o", out)
    assert r.exit_code == 0, r.output
    notes = [line for line in r.output.splitlines() if "past the horizon" in line]
    assert len(notes) == 1, r.output
    assert "month 31, 43, 55, 67, 79" in notes[0] and "do not happen" in notes[0]
    info = json.loads((out / "run.json").read_text())
    cut = info["past_horizon"]
    assert cut["months"] == 24 and cut["scenario_months"] == 120
    assert cut["investment_steps"] == [31, 43, 55, 67, 79]
    assert info["parameters"]["investment"]["steps"] == []
    assert pd.read_parquet(out / "monthly.parquet")["month"].max() == 24


def test_shorter_horizon_keeps_the_steps_inside_it(tmp_path):
    from commonfuture.scenario import load_scenario
    from commonfuture.scenario.load import apply_overrides, find_shipped, past_horizon

    base = load_scenario(find_shipped(Path(ACTIVE)))
    sc = apply_overrides(base, {"months": 50})
    assert [s.month for s in sc.investment.steps] == [31, 43]
    assert past_horizon(base, sc)["investment_steps"] == [55, 67, 79]
    assert past_horizon(base, apply_overrides(base, {"months": 130})) is None


def test_steps_past_the_horizon_of_a_file_as_written_are_still_an_error(tmp_path):
    text = GENERIC.read_text()
    path = tmp_path / "late.toml"
    path.write_text(
        text.replace("[investment]", "[investment]\nsteps = [{ month = 500, factor = 2.0 }]", 1)
    )
    r = invoke("validate", path)
    one_line_error(r, "investment.steps: month 500 is after the horizon")
    r = invoke("run", path, "-r", 1, "-o", tmp_path / "o")
    one_line_error(r, "investment.steps: month 500 is after the horizon")
    # a step moved past the horizon by --set (not the horizon itself) is still an error
    r = invoke("run", ACTIVE, "--set", "investment.steps[4].month=500", "-o", tmp_path / "p")
    one_line_error(r, "after the horizon")


# --------------------------------------------------------------------------- fixtures

RO = Path("/proc/self/commonfuture-out")  # /proc refuses new files, even to root


def event_log(tmp_path: Path, rows: list[str] | None = None) -> Path:
    from commonfuture.evidence.formats import templates

    text = templates()["event-log"]
    if rows:
        text += "\n".join(rows) + "\n"
    p = tmp_path / "log.csv"
    p.write_text(text)
    return p


def observations(tmp_path: Path, rows: list[str] | None = None) -> Path:
    from commonfuture.evidence.formats import OBSERVATION_COLUMNS

    body = rows or ["2021-06-30,members,12,actors,report,", "2021-12-31,members,20,actors,report,"]
    p = tmp_path / "obs.csv"
    p.write_text(",".join(OBSERVATION_COLUMNS) + "\n" + "\n".join(body) + "\n")
    return p


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("run") / "r"
    r = invoke("run", GENERIC, "-r", 1, "--set", "months=3", "--scale", 0.1, "-o", d)
    assert r.exit_code == 0, r.output
    return d


def calibrate_args(tmp_path: Path, *more) -> list:
    return [
        "calibrate",
        GENERIC,
        observations(tmp_path),
        "--fit",
        "population.join_rate=0.05:0.6",
        "--start",
        "2021-01-01",
        *more,
    ]


# --------------------------------------------------------------------------- output folders


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs a read-only /proc")
def test_read_only_or_file_parent_out_is_one_line_for_every_new_command(tmp_path, run_dir):
    log = event_log(tmp_path)
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    for out in (RO, blocker / "sub"):
        for args in (
            ("evidence", log, "-o", out),
            ("evidence-formats", "-o", out),
            (*calibrate_args(tmp_path), "-o", out),
            ("report", run_dir, "-o", out / "page.html"),
        ):
            r = invoke(*args)
            one_line_error(r, "--out")
    assert blocker.read_text() == "x"


def test_report_to_an_unwritable_place_blames_the_output_not_the_input(tmp_path, run_dir):
    r = invoke("report", run_dir, "-o", tmp_path / "missing-parent" / "x" / "page.html")
    assert r.exit_code == 0, r.output  # missing folders are made
    blocker = tmp_path / "f"
    blocker.write_text("x")
    r = invoke("report", run_dir, "-o", blocker / "page.html")
    one_line_error(r, "--out")
    assert str(run_dir) not in errors(r.output)[0]


def test_evidence_never_writes_into_a_run_folder(tmp_path, run_dir):
    before = (run_dir / "monthly.parquet").read_bytes()
    r = invoke("evidence", event_log(tmp_path), "-o", run_dir)
    one_line_error(r, "holds a run")
    assert (run_dir / "monthly.parquet").read_bytes() == before
    assert invoke("report", run_dir, "-o", tmp_path / "page.html").exit_code == 0


def test_formats_and_calibrate_never_write_into_a_run_or_sweep_folder(tmp_path, run_dir):
    listing = sorted(p.name for p in run_dir.iterdir())
    one_line_error(invoke("evidence-formats", "-o", run_dir), "holds a run")
    one_line_error(invoke(*calibrate_args(tmp_path), "-o", run_dir), "holds a run")
    assert sorted(p.name for p in run_dir.iterdir()) == listing


def test_evidence_keeps_a_page_it_did_not_write_unless_forced(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "report.html").write_text("my own page")
    log = event_log(tmp_path)
    r = invoke("evidence", log, "-o", out)
    one_line_error(r, "report.html already exists")
    assert (out / "report.html").read_text() == "my own page"
    r = invoke("evidence", log, "-o", out, "--force")
    assert r.exit_code == 0, r.output
    assert (out / "report.html").read_text() != "my own page"
    # its own folder: run again, it replaces its own files without --force
    r = invoke("evidence", log, "-o", out)
    assert r.exit_code == 0, r.output
    from commonfuture.manifest import folder_kind

    assert folder_kind(out) == "evidence"
    one_line_error(invoke("report", out), "written by commonfuture evidence")


def test_evidence_formats_keeps_an_edited_template(tmp_path):
    out = tmp_path / "formats"
    assert invoke("evidence-formats", "-o", out).exit_code == 0
    assert invoke("evidence-formats", "-o", out).exit_code == 0  # unchanged: fine
    edited = out / "event-log.csv"
    edited.write_text(edited.read_text() + "me,joined,2022-01-01,citizens,,,\n")
    r = invoke("evidence-formats", "-o", out)
    one_line_error(r, "event-log.csv differs from the shipped template")
    assert "me,joined" in edited.read_text()
    assert invoke("evidence-formats", "-o", out, "--force").exit_code == 0
    assert "me,joined" not in edited.read_text()


# --------------------------------------------------------------------------- sizes


@pytest.mark.parametrize("scale", ["inf", "nan", "1e9", "-1"])
def test_sizes_that_cannot_run_are_one_line(tmp_path, scale):
    for args in (
        ("run", GENERIC, "-r", 1, "--scale", scale, "-o", tmp_path / "r"),
        ("experiment", "small-wins", "-r", 2, "--scale", scale, "-o", tmp_path / "e"),
        ("robustness", "leadership", "--case", "generic", "-n", 2, "-r", 2, "--scale", scale,
         "-o", tmp_path / "m"),
    ):  # fmt: skip
        r = invoke(*args)
        one_line_error(r, "--scale")
        assert "nan%" not in r.output
    assert not (tmp_path / "m" / "robustness.json").exists()


def test_an_absurd_scale_says_a_short_count(tmp_path):
    r = invoke("run", GENERIC, "-r", 1, "--scale", "1e300", "-o", tmp_path / "r")
    one_line_error(r, "actors need about")
    assert len(errors(r.output)[0]) < 300 and "e+" in errors(r.output)[0]


def test_a_sweep_whose_runs_all_fail_exits_non_zero(tmp_path, monkeypatch):
    import commonfuture.experiments.runner as runner_mod

    exp = tmp_path / "exp.toml"
    exp.write_text(
        f'name = "fails"\nscenario = "{GENERIC.as_posix()}"\ndesign = "grid"\nreplicates = 1\n'
        'outputs = ["members_end"]\noverrides = { months = 2, "population.counts.citizens" = 20 }'
        '\n[[factors]]\npath = "leadership.alignment"\nvalues = [0.2, 0.8]\n'
    )

    def broken(*a, **k):
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(runner_mod, "simulate", broken)
    r = invoke("sweep", exp, "-o", tmp_path / "s", "-w", 1)
    assert r.exit_code == 1, r.output
    assert "all 2 runs failed" in r.output and "Traceback" not in r.output


# --------------------------------------------------------------------------- strict JSON


def strict_load(path: Path):
    def bare(constant):
        raise AssertionError(f"{path}: bare {constant} (not JSON)")

    return json.loads(path.read_text(), parse_constant=bare)


def test_the_strict_writer_has_no_bare_constants(tmp_path):
    import numpy as np

    from commonfuture.writing import dumps, write_json

    doc = {"a": float("nan"), "b": [np.float64("inf"), np.int64(3)], "c": {"d": -np.inf}}
    assert json.loads(dumps(doc)) == {"a": None, "b": [None, 3], "c": {"d": None}}
    assert strict_load(write_json(tmp_path / "x.json", doc)) == {
        "a": None,
        "b": [None, 3],
        "c": {"d": None},
    }


def test_every_json_writer_goes_through_the_strict_writer():
    """No module writes JSON text with json.dump(s) itself (where NaN would become a bare
    NaN): every file is written by commonfuture.writing. Hashes and text shown on a
    screen (not files) are listed."""
    import re

    import commonfuture

    src = Path(commonfuture.__file__).resolve().parent
    allowed = {
        "writing.py",  # the strict writer itself
        "scenario/load.py",  # the scenario hash (finite by the schema)
        "experiments/design.py",  # the experiment's identity (finite by the schema)
        "calibration/abc.py",  # the calibration's fingerprint (a hash)
        "report/__init__.py",  # values shown in a page
        "dashboard/logic.py",  # values shown in the dashboard
        "cli/scenario_commands.py",  # params --json on the screen
    }
    offenders = []
    for path in src.rglob("*.py"):
        rel = path.relative_to(src).as_posix()
        if rel in allowed:
            continue
        if re.search(r"\bjson\.dumps?\(", path.read_text()):
            offenders.append(rel)
    assert offenders == []


def test_patterns_json_is_strict_even_with_a_nan_statistic(tmp_path):
    out = tmp_path / "e"
    r = invoke("experiment", "small-wins", "-r", 2, "--scale", 0.1, "-o", out)
    assert r.exit_code == 0, r.output
    for path in out.rglob("*.json"):
        strict_load(path)


def test_every_json_of_the_new_commands_is_strict(tmp_path, run_dir):
    log = event_log(tmp_path)
    assert invoke("evidence", log, "-o", tmp_path / "ev").exit_code == 0
    assert invoke("evidence-formats", "-o", tmp_path / "fm").exit_code == 0
    found = 0
    for folder in (tmp_path / "ev", tmp_path / "fm", run_dir):
        for path in folder.rglob("*.json"):
            strict_load(path)
            found += 1
    assert found >= 5


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize("date", ["9999-12-31", "1066-10-14"])
def test_an_event_dated_out_of_range_is_one_line(tmp_path, date):
    log = event_log(tmp_path, [f"late,joined,{date},citizens,,,"])
    # out of order too, but the date itself must be named, not a traceback
    r = invoke("evidence", log, "-o", tmp_path / "ev")
    assert r.exit_code == 2 and "Traceback" not in r.output, r.output
    assert any("outside the dates handled" in line for line in errors(r.output)), r.output
    assert not (tmp_path / "ev").exists()


def test_evidence_start_after_the_last_event_is_one_line_and_writes_nothing(tmp_path):
    r = invoke("evidence", event_log(tmp_path), "--start", "2030-01-01", "-o", tmp_path / "ev")
    one_line_error(r, "after the last event")
    assert not (tmp_path / "ev").exists()


@pytest.mark.parametrize("start", ["01/02/2021", "2021-13-01", "yesterday", "20210102"])
def test_dates_are_iso_only(tmp_path, start):
    r = invoke(*calibrate_args(tmp_path)[:-1], start, "-o", tmp_path / "c")
    one_line_error(r, "--start")
    r = invoke("evidence", event_log(tmp_path), "--start", start, "-o", tmp_path / "ev")
    one_line_error(r, "--start")


# --------------------------------------------------------------------------- observations


@pytest.mark.parametrize(
    "row, needle",
    [
        ("2021-06-30,members,-5,actors,report,", "cannot be negative"),
        ("2021-06-30,capital_raised,-1000,GBP,report,", "cannot be negative"),
        ("2021-06-30,members,nan,actors,report,", "not a finite number"),
        ("2021-06-30,members,inf,actors,report,", "not a finite number"),
        ("2021-06-30,members,-inf,actors,report,", "not a finite number"),
    ],
)
def test_bad_observation_values_are_refused(tmp_path, row, needle):
    obs = observations(tmp_path, [row])
    r = invoke("calibrate", GENERIC, obs, "--fit", "population.join_rate=0.05:0.6",
               "--start", "2021-01-01", "-o", tmp_path / "c")  # fmt: skip
    one_line_error(r, needle)
    r = invoke("evidence", event_log(tmp_path), "--observations", obs, "-o", tmp_path / "ev")
    one_line_error(r, needle)


def test_observations_outside_the_horizon_are_refused_one_line_each(tmp_path):
    obs = observations(
        tmp_path,
        ["2020-06-30,members,3,actors,r,", "2021-06-30,members,5,actors,r,",
         "2040-06-30,members,9,actors,r,"],
    )  # fmt: skip
    r = invoke("calibrate", GENERIC, obs, "--fit", "population.join_rate=0.05:0.6",
               "--start", "2021-01-01", "-o", tmp_path / "c")  # fmt: skip
    assert r.exit_code == 2 and "Traceback" not in r.output, r.output
    lines = errors(r.output)
    assert len(lines) == 2, lines
    assert "before month 1" in lines[0] and "after the horizon" in lines[1]


# --------------------------------------------------------------------------- uncaught


def test_calibrate_on_an_unreachable_dask_scheduler_is_quick_and_one_line(tmp_path):
    import time

    t0 = time.perf_counter()
    r = invoke(*calibrate_args(tmp_path), "--dask", "tcp://127.0.0.1:1", "-o", tmp_path / "c")
    one_line_error(r, "--dask")
    assert time.perf_counter() - t0 < 20


def test_status_reads_a_robustness_claim_store(tmp_path):
    out = tmp_path / "m"
    r = invoke("robustness", "leadership", "--case", "generic", "-n", 2, "-r", 2,
               "--scale", 0.05, "-w", 1, "-o", out)  # fmt: skip
    assert r.exit_code in (0, 1), r.output
    store = out / "leadership" / "generic"
    assert (store / "experiment.duckdb").exists(), sorted(p.name for p in out.rglob("*"))
    r = invoke("status", store)
    assert r.exit_code == 0, r.output
    assert "robustness map" in r.output and "runs done" in r.output
    for path in out.rglob("*.json"):
        strict_load(path)


def test_damaged_store_message_names_the_store(tmp_path):
    d = tmp_path / "s"
    d.mkdir()
    (d / "experiment.duckdb").write_bytes(b"not a database" * 400)
    r = invoke("status", d)
    one_line_error(r, "is damaged")
    assert "the file" not in errors(r.output)[0].split("is damaged")[1].split(";")[0]


# --------------------------------------------------------------------------- text from users


def test_an_experiment_name_cannot_leave_the_output_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "work").mkdir()
    exp = tmp_path / "work" / "exp.toml"
    for name in ("../../escape", "..", "a/b", "a\\\\b"):
        exp.write_text(
            f'name = "{name}"\nscenario = "{GENERIC.as_posix()}"\ndesign = "grid"\n'
            "replicates = 1\noverrides = { months = 2 }\n"
            '[[factors]]\npath = "leadership.alignment"\nvalues = [0.2]\n'
        )
        r = invoke("sweep", exp, "-w", 1)
        one_line_error(r, "name")
    assert not (tmp_path.parent / "escape").exists() and not (tmp_path / "escape").exists()


def test_formula_prefixes_are_neutralised_in_every_csv_from_user_text(tmp_path):
    from commonfuture.writing import neutralise

    bad = ["=HYPERLINK(1)", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
    df = pd.DataFrame({"name": bad, "n": range(len(bad))})
    out = neutralise(df)
    assert all(v.startswith("'") for v in out["name"]) and list(out["n"]) == list(range(6))
    rows = [f"{b},joined,2022-03-01,citizens,,{b},{b}" for b in bad[:4]]
    log = event_log(tmp_path, rows)
    r = invoke("evidence", log, "-o", tmp_path / "ev")
    assert r.exit_code == 0, r.output
    for path in (tmp_path / "ev").glob("*.csv"):
        for line in path.read_text().splitlines():
            for cell in line.split(","):
                assert not cell.strip('"').startswith(("=", "+", "@")), (path.name, line)


def test_a_long_unknown_key_is_cut_in_the_error(tmp_path):
    key = "k" * 100_000
    r = invoke("run", GENERIC, "--set", f"{key}=1", "-o", tmp_path / "r")
    one_line_error(r, "characters cut")
    assert len(r.output) < 2_000
    scen = tmp_path / "long.toml"
    scen.write_text(GENERIC.read_text() + f"\n{key} = 1\n")
    r = invoke("validate", scen)
    one_line_error(r, "characters cut")
    assert len(r.output) < 2_000


def test_many_bad_rows_are_capped_and_counted(tmp_path):
    rows = [f"a{i},joined,2022-03-01,nowhere,,," for i in range(500)]
    r = invoke("evidence", event_log(tmp_path, rows), "-o", tmp_path / "ev")
    assert r.exit_code == 2 and "Traceback" not in r.output
    lines = errors(r.output)
    assert len(lines) == 21 and "480 more" in lines[-1], lines[-3:]


# --------------------------------------------------------------------------- others


TINY_SWEEP = f"""
name = "tiny"
scenario = "{GENERIC.as_posix()}"
design = "grid"
replicates = 1
outputs = ["members_end"]
overrides = {{ months = 2, "population.counts.citizens" = 20 }}

[[factors]]
path = "leadership.alignment"
values = [0.2, 0.8]
"""


def test_export_to_a_spreadsheet_name_is_refused_not_made_a_folder(tmp_path):
    exp = tmp_path / "exp.toml"
    exp.write_text(TINY_SWEEP)
    assert invoke("sweep", exp, "-o", tmp_path / "s", "-w", 1).exit_code == 0
    r = invoke("export", tmp_path / "s", "-o", tmp_path / "one.xlsx")
    one_line_error(r, "one.xlsx")
    assert not (tmp_path / "one.xlsx").exists()


def test_dashboard_on_a_port_in_use_is_one_line_before_any_address(tmp_path):
    import socket

    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        r = invoke("dashboard", "--port", port)
    one_line_error(r, f"--port: cannot listen on 127.0.0.1:{port}")
    assert "http://" not in r.output


def test_mesa_chains_are_refused_rather_than_claimed(tmp_path):
    r = invoke("run", GENERIC, "--engine", "mesa", "--chains", "-r", 1, "-o", tmp_path / "r")
    one_line_error(r, "--chains")
    assert not (tmp_path / "r").exists()


# --------------------------------------------------------------------------- cosmetics


def test_sobol_with_one_sample_shows_no_false_interval(tmp_path):
    import warnings

    import numpy as np

    from commonfuture.experiments.analysis import index_warnings, sensitivity

    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0, 1], [0, 1]]}
    y = np.array([0.1, 0.5, 0.3, 0.9])  # one base sample: N (D + 2) = 4 values
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing leaks
        df = sensitivity("sobol", problem, np.zeros((4, 2)), y)
    assert df["S1_conf"].isna().all() and df["ST_conf"].isna().all()
    assert any("could not be computed" in n for n in index_warnings("sobol", df))


# --------------------------------------------------------------------------- resume


def _small_calibration():
    import commonfuture as cf
    from commonfuture.calibration.abc import parse_fits, targets_from
    from commonfuture.scenario.load import apply_overrides, scaled

    sc = scaled(apply_overrides(cf.load_scenario(GENERIC), {"months": 24}), 0.25)
    m = cf.simulate(sc, seed=3, replicates=[0]).monthly
    t0 = pd.Timestamp("2020-01-01")
    obs = pd.DataFrame(
        {
            "row": range(2, 10),
            "date": [t0 + pd.DateOffset(months=k) for k in range(3, 25, 3)],
            "measure": "members",
            "value": [float(m["members"].iloc[k - 1]) for k in range(3, 25, 3)],
            "unit": "actors",
            "source": "simulated",
            "note": None,
        }
    )
    return sc, targets_from(obs, sc, t0), parse_fits(sc, ["population.join_rate=0.05:0.6"])


def test_an_interrupted_abc_calibration_ends_as_an_uninterrupted_one(tmp_path):
    from commonfuture.calibration.abc import calibrate

    sc, targets, fits = _small_calibration()
    args = {"population": 20, "generations": 3, "seed": 4}
    full = calibrate(sc, targets, fits, tmp_path / "full", **args)

    class Stopped(Exception):
        pass

    def stop(generation, _eps):
        if generation >= 1:
            raise Stopped

    with pytest.raises(Stopped):
        calibrate(sc, targets, fits, tmp_path / "cut", progress=stop, **args)
    resumed = calibrate(sc, targets, fits, tmp_path / "cut", **args)
    assert resumed.history["resumed_after"] == 1
    assert resumed.epsilons == full.epsilons
    pd.testing.assert_frame_equal(resumed.samples, full.samples)


def test_an_interrupted_point_fit_ends_as_an_uninterrupted_one(tmp_path):
    from commonfuture.calibration.point import point_fit

    sc, targets, fits = _small_calibration()
    args = {"trials": 6, "replicates": 1, "seed": 2}
    full = point_fit(sc, targets, fits, tmp_path / "full", **args)

    import optuna

    point_fit(sc, targets, fits, tmp_path / "cut", **{**args, "trials": 3})
    storage = f"sqlite:///{tmp_path / 'cut' / 'optuna.db'}"
    optuna.load_study(study_name="point", storage=storage).ask()  # killed mid-trial
    resumed = point_fit(sc, targets, fits, tmp_path / "cut", **args)
    assert resumed.history["resumed_after"] == 3
    pd.testing.assert_frame_equal(resumed.samples, full.samples)
    frame, first = resumed.history["frame"], full.history["frame"]
    assert (frame["state"] == "COMPLETE").all() and len(frame) == 6
    assert frame["value"].tolist() == first["value"].tolist()


def test_calibration_runs_a_case_over_a_window_ending_before_its_steps():
    """calibrate simulates up to its last observation (--set months=...): a window that ends
    before an investment step of the case runs rather than stopping on the step."""
    from commonfuture.calibration.abc import run_one
    from commonfuture.scenario import load_scenario
    from commonfuture.scenario.load import find_shipped, scaled

    sc = scaled(load_scenario(find_shipped(Path(ACTIVE))), 0.05)
    frame = run_one(sc, {}, seed=1, months=12)
    assert frame["month"].max() == 12


# --------------------------------------------------------------------------- speed, same results


def reference_value_chains(events: pd.DataFrame, start=None) -> pd.DataFrame:
    """One row per actor: its route through the collaboration (joined, took part, used,
    contributed, small wins, left) with dates, counts and the chain in words."""
    t0 = start_of(events, start)
    end = events["date"].max()
    out = []
    wins_all = events.loc[(events["kind"] == "small_win") & events["actor"].isna(), "date"]
    for a, g in events.dropna(subset=["actor"]).groupby("actor", sort=False):
        kinds = g["kind"].tolist()
        joined = g.loc[g["kind"] == "joined", "date"]
        left = g.loc[g["kind"] == "left", "date"]
        first_join = joined.min() if len(joined) else pd.NaT
        is_member = _member_at_end(kinds)
        spans = _spans(g, end)
        steps = []
        for k in kinds:
            if steps and steps[-1][0] == k:
                steps[-1][1] += 1
            else:
                steps.append([k, 1])
        chain = " > ".join(k if c == 1 else f"{k} x{c}" for k, c in steps)
        used = g.loc[g["kind"] == "used_service", "proposition"].dropna().unique().tolist()
        shared_wins = sum(int(((wins_all >= a0) & (wins_all <= a1)).sum()) for a0, a1 in spans)
        out.append(
            {
                "actor": a,
                "sector": g["sector"].iloc[0],
                "joined": first_join,
                "left": left.max() if len(left) and not is_member else pd.NaT,
                "status": "member" if is_member else ("left" if len(left) else "never joined"),
                "months_in": sum(_months(a0, a1) for a0, a1 in spans),
                "spells": len(spans),
                "took_part": kinds.count("took_part"),
                "used": kinds.count("used_service"),
                "propositions": "; ".join(used),
                "contributed": float(g.loc[g["kind"] == "contributed", "amount"].sum()),
                "small_wins": kinds.count("small_win") + shared_wins,
                "key_leader": bool((g["kind"] == "key_leader_changed").any()),
                "first_month": int(month_index(g["date"].iloc[:1], t0)[0]),
                "chain": chain,
            }
        )
    return pd.DataFrame(out)


def _spans(g: pd.DataFrame, end: pd.Timestamp) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """An actor's membership spells, (joined, left or the end of the records); a gap
    between leaving and rejoining is not membership."""
    out, since = [], None
    for k, d in zip(g["kind"], g["date"], strict=True):
        if k == "joined" and since is None:
            since = d
        elif k == "left" and since is not None:
            out.append((since, d))
            since = None
    if since is not None:
        out.append((since, end))
    return out


def _member_at_end(kinds: list[str]) -> bool:
    state = False
    for k in kinds:
        if k == "joined":
            state = True
        elif k == "left":
            state = False
    return state


def _months(a: pd.Timestamp, b: pd.Timestamp) -> int:
    return int((b.year - a.year) * 12 + (b.month - a.month))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_value_chains_at_once_equal_the_actor_by_actor_reference(tmp_path, seed):
    """The vectorised value chains equal, column for column, the actor-by-actor loop they
    replaced, on the shipped logs and on random valid logs (benchmarks/evidence.py)."""
    import sys

    from commonfuture.evidence import load_events, value_chains

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from evidence import make_log

    root = Path(__file__).resolve().parents[1]
    logs = [root / "data" / "templates" / "event-log.csv"]
    logs.append(root / "data" / "synthetic" / "generic-event-log.csv")
    make_log(3_000, tmp_path / "random.csv", seed=seed)
    logs.append(tmp_path / "random.csv")
    for log in logs:
        ev = load_events(log)
        for start in (None, "2012-06-15"):
            pd.testing.assert_frame_equal(
                value_chains(ev, start), reference_value_chains(ev, start)
            )
