"""The command line end to end: run, validate, params, and every kind of bad input.

Bad input must give one line per problem naming the file and the field path,
exit status 2, no traceback, and must leave an existing output folder as it was.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import commonfuture as cf
from commonfuture.cli import scenario_commands
from commonfuture.cli._app import app
from commonfuture.scenario import parameter_table, scenario_hash
from commonfuture.value import ELEMENTS
from conftest import GENERIC

runner = CliRunner()

#: the monthly columns the run must write, at least
REQUIRED = [
    "replicate",
    "month",
    "stage",
    "members",
    "joins",
    "secessions",
    "mean_commitment",
    "mean_trust",
    "small_wins",
    "shortfalls",
    "value_created",
    "value_destroyed",
    "target_progress",
    *(f"value_{e}" for e in ELEMENTS),
]


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error:")]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# --------------------------------------------------------------------------- run


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    r = invoke("run", GENERIC, "-r", 2, "--seed", 3, "--out", out, "--set", "months=8")
    return r, out


def test_run_writes_monthly_parquet(ran):
    r, out = ran
    assert r.exit_code == 0, r.output
    m = pd.read_parquet(out / "monthly.parquet")
    assert set(REQUIRED) <= set(m.columns)
    assert len(m) == 2 * 8
    assert m["replicate"].tolist() == [0] * 8 + [1] * 8
    assert m["month"].tolist() == list(range(1, 9)) * 2
    assert m["stage"].between(0, 3).all() and m["stage"].dtype.kind == "i"
    assert {"uptake.capacity workshop", "uptake.community programme"} <= set(m.columns)


def test_run_matches_the_python_api(ran):
    _, out = ran
    api = cf.simulate(cf.load_scenario(GENERIC), seed=3, replicates=2, overrides=["months=8"])
    pd.testing.assert_frame_equal(pd.read_parquet(out / "monthly.parquet"), api.monthly)


def test_run_json_records_provenance(ran):
    _, out = ran
    info = json.loads((out / "run.json").read_text())
    resolved = cf.Scenario.model_validate(info["parameters"])
    assert resolved.months == 8  # the resolved parameters, after --set
    assert info["scenario_hash"] == scenario_hash(resolved)
    assert re.fullmatch(r"[0-9a-f]{64}", info["scenario_hash"])
    assert info["seed"] == 3 and info["replicates"] == 2
    assert info["n_actors"] == 6 + 10 + 14 + 600
    assert info["n_ties"] > 0 and len(info["ties_per_replicate"]) == 2
    assert info["wall_time_s"] >= 0
    assert {"python", "commonfuture", "numpy", "pandas"} <= set(info["versions"])
    assert info["overrides"] == ["months=8"] and info["scale"] == 1.0


def test_run_prints_a_short_summary(ran):
    r, _ = ran
    for needle in (
        "final stage 0",
        "final stage 3",
        "members at the end",
        "value created",
        "value destroyed",
        "target progress",
    ):
        assert needle in r.output, needle
    assert "monthly.parquet" in r.output


def test_run_drives_a_progress_bar(monkeypatch, tmp_path):
    bars = []
    real = scenario_commands.progress_bar

    def spy():
        bars.append(real())
        return bars[-1]

    monkeypatch.setattr(scenario_commands, "progress_bar", spy)
    r = invoke("run", GENERIC, "-r", 3, "--out", tmp_path, "--set", "months=4")
    assert r.exit_code == 0, r.output
    (task,) = bars[0].tasks
    assert task.total == 12 and task.completed == 12  # replicate-months


def test_run_twice_gives_identical_files(ran, tmp_path):
    _, first = ran
    r = invoke("run", GENERIC, "-r", 2, "--seed", 3, "--out", tmp_path, "--set", "months=8")
    assert r.exit_code == 0
    assert (tmp_path / "monthly.parquet").read_bytes() == (first / "monthly.parquet").read_bytes()


def test_scale_multiplies_every_population_count(tmp_path):
    r = invoke("run", GENERIC, "-r", 1, "--out", tmp_path, "--set", "months=2", "--scale", 2)
    assert r.exit_code == 0, r.output
    info = json.loads((tmp_path / "run.json").read_text())
    counts = info["parameters"]["population"]["counts"]
    assert counts == {"public": 12, "private": 20, "third": 28, "citizens": 1200}
    assert info["n_actors"] == 1260 and info["scale"] == 2.0
    # key leaders do not scale
    assert info["parameters"]["leadership"]["key_leaders"]["public"] == 1


# --------------------------------------------------------------------------- validate, params


def test_validate_accepts_every_shipped_scenario():
    paths = sorted((GENERIC.parent).rglob("*.toml"))
    assert len(paths) >= 4
    r = invoke("validate", *paths)
    assert r.exit_code == 0, r.output
    assert r.output.count("ok") == len(paths)


def test_validate_reports_only_the_bad_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(GENERIC.read_text().replace("months = 120", "months = 0"))
    r = invoke("validate", GENERIC, bad)
    assert r.exit_code == 2
    assert errors(r.output) == [f"error: {bad}: months: Input should be greater than or equal to 1"]


def test_params_lists_every_parameter_with_units_and_description(monkeypatch):
    monkeypatch.setattr(scenario_commands.console, "width", 250)
    r = invoke("params", GENERIC)
    assert r.exit_code == 0, r.output
    for p in parameter_table(cf.load_scenario(GENERIC)):
        assert p.path in r.output
    assert "Dirichlet concentration of individual value profiles" in r.output


def test_params_json():
    r = invoke("params", GENERIC, "--json")
    assert r.exit_code == 0, r.output
    rows = {row["path"]: row for row in json.loads(r.output)}
    expected = parameter_table(cf.load_scenario(GENERIC))
    assert list(rows) == [p.path for p in expected]
    assert rows["network.openness"]["value"] == 0.6
    assert (rows["network.openness"]["lower"], rows["network.openness"]["upper"]) == (0.0, 1.0)
    assert rows["network.openness"]["units"] == "0..1"
    assert rows["population.use_rate"]["units"] == "probability per month"
    assert rows["propositions[0].unit_cost"]["value"] == 300.0
    assert rows["propositions[0].unit_cost"]["units"] == "GBP"
    assert rows["propositions[1].capacity"]["value"] == 200
    assert all(r["description"] for r in rows.values())


def test_params_gives_units_for_every_numeric_parameter():
    rows = parameter_table(cf.load_scenario(GENERIC))
    numeric = [r for r in rows if type(r.value) in (int, float)]
    assert [r.path for r in numeric if not r.units] == []


# --------------------------------------------------------------------------- bad input

GOOD = GENERIC.read_text()

#: scenario text -> the field paths (or words) the message must name, one line each
BAD_FILES = {
    "toml syntax error": (
        "name = 'x'\nmonths 3\n",
        ["TOML syntax error: Expected '=' after a key in a key/value pair (at line 2"],
    ),
    "unterminated string": ("name = 'x\nmonths = 3\n", ["TOML syntax error"]),
    "unknown key": (
        GOOD.replace("[network]", "[network]\nopeness = 0.5"),
        ["network.openess: unknown key"],
    ),
    "unknown table": (GOOD + "\n[leadershp]\nalignment = 0.5\n", ["leadershp: unknown key"]),
    "wrong type": (
        GOOD.replace("alignment = 0.7", "alignment = 'high'"),
        ["leadership.alignment: Input should be a valid number"],
    ),
    "out of range": (
        GOOD.replace("openness = 0.6", "openness = 1.6"),
        ["network.openness: Input should be less than or equal to 1"],
    ),
    "out of range in a list": (
        GOOD.replace("capacity = 20\n", "capacity = -1\n"),
        ["propositions[0].capacity: Input should be greater than or equal to 0"],
    ),
    "missing table": ("name = 'x'\nmonths = 10\n", ["propositions: missing (required)"]),
    "missing field": (
        GOOD.replace("value = [0.5, 0.3, 0.4, 0.1, 0.3]\n", ""),
        ["propositions[1].value: missing (required)"],
    ),
    "two problems": (
        GOOD.replace("openness = 0.6", "openness = -1").replace("months = 120", "months = 'x'"),
        ["months: Input should be a valid integer", "network.openness: Input should be greater"],
    ),
    "too many propositions": (
        GOOD
        + "".join(
            f"\n[[propositions]]\nname = 'p{k}'\nvalue = [0.1, 0, 0, 0, 0]\n" for k in range(15)
        ),
        ["propositions: List should have at most 16 items after validation, not 17"],
    ),
    "inconsistent": (
        GOOD.replace("key_leaders = { public = 1, third = 1 }", "key_leaders = { public = 9 }"),
        ["leadership.key_leaders.public = 9 exceeds population.counts.public = 6"],
    ),
}


@pytest.fixture
def existing_out(tmp_path):
    """An output folder holding a previous run and a file of the user's own."""
    out = tmp_path / "out"
    r = invoke("run", GENERIC, "-r", 1, "--out", out, "--set", "months=2")
    assert r.exit_code == 0, r.output
    (out / "notes.txt").write_text("mine")
    return out


def assert_bad(r, needles: list[str], source: str) -> None:
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    lines = errors(r.output)
    assert len(lines) == len(needles), r.output  # one line per problem
    for needle in needles:
        assert any(source in line and needle in line for line in lines), (needle, r.output)


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_scenario_files(tmp_path, existing_out, case):
    text, needles = BAD_FILES[case]
    path = tmp_path / "scenario.toml"
    path.write_text(text)
    before = snapshot(existing_out)
    for cmd in (
        ["validate", path],
        ["params", path],
        ["run", path, "--out", existing_out],
    ):
        assert_bad(invoke(*cmd), needles, str(path))
    assert snapshot(existing_out) == before


@pytest.mark.parametrize(
    "setting,needle",
    [
        ("leadership.alignmnet=0.5", "--set: leadership.alignmnet: unknown parameter"),
        ("leadership=0.5", "--set: leadership: unknown parameter"),
        ("propositions[7].cost=1", "--set: propositions[7].cost: unknown parameter"),
        ("leadership.alignment=2", "--set: leadership.alignment: Input should be less than"),
        ("leadership.alignment=lots", "--set: leadership.alignment: Input should be a valid"),
        ("months=0.5", "--set: months: Input should be a valid integer"),
        ("no-equals-sign", "expected path=value"),
    ],
)
def test_bad_set(existing_out, setting, needle):
    before = snapshot(existing_out)
    r = invoke("run", GENERIC, "--out", existing_out, "--set", setting)
    assert_bad(r, [needle], str(GENERIC))
    assert snapshot(existing_out) == before


@pytest.mark.parametrize("scale", [0, -1])
def test_bad_scale(existing_out, scale):
    before = snapshot(existing_out)
    r = invoke("run", GENERIC, "--out", existing_out, "--scale", scale)
    assert r.exit_code == 2 and "--scale" in r.output and "Traceback" not in r.output
    assert len(errors(r.output)) == 1
    assert snapshot(existing_out) == before


def test_missing_file_and_out_that_is_a_file(tmp_path):
    missing = tmp_path / "nope.toml"
    assert_bad(invoke("run", missing, "--out", tmp_path / "o"), ["file not found"], str(missing))
    assert not (tmp_path / "o").exists()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = invoke("run", GENERIC, "--out", blocker)
    assert r.exit_code == 2 and "--out" in r.output and blocker.read_text() == "x"


# --------------------------------------------------------------------------- the real command


def console_script() -> list[str]:
    exe = Path(sys.executable).with_name("commonfuture")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "commonfuture.cli"]


def test_console_script_end_to_end(tmp_path):
    env = {**os.environ, "COLUMNS": "120"}
    out = tmp_path / "out"
    ok = subprocess.run(
        [*console_script(), "run", str(GENERIC), "-r", "2", "--out", str(out)]
        + ["--set", "months=6", "--seed", "4"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    assert "members at the end" in ok.stdout
    m = pd.read_parquet(out / "monthly.parquet")
    assert set(REQUIRED) <= set(m.columns) and len(m) == 12
    before = snapshot(out)
    bad = subprocess.run(
        [*console_script(), "run", str(GENERIC), "--out", str(out), "--set", "network.openness=7"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr + bad.stdout
    assert errors(bad.stderr) == [
        f"error: {GENERIC}: --set: network.openness: Input should be less than or equal to 1"
    ]
    assert snapshot(out) == before


@pytest.mark.parametrize(
    "option,value", [("--replicates", "0"), ("--seed", "-1"), ("--scale", "abc")]
)
def test_bad_option_values_exit_2_naming_the_option(tmp_path, option, value):
    r = invoke("run", GENERIC, "--out", tmp_path / "o", option, value)
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert option in r.output
    assert not (tmp_path / "o").exists()


def test_run_writes_value_chains_on_request(tmp_path):
    r = invoke("run", GENERIC, "-r", 2, "--out", tmp_path, "--set", "months=12", "--chains")
    assert r.exit_code == 0, r.output
    chains = pd.read_parquet(tmp_path / "chains.parquet")
    assert {"replicate", "actor", "month", "event", "proposition", "value", "outcome"} <= set(
        chains.columns
    )
    monthly = pd.read_parquet(tmp_path / "monthly.parquet")
    assert monthly["joins"].sum() > 0
    assert (chains["event"] == "commit").sum() == monthly["joins"].sum()
