"""The command line end to end, and every kind of bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from commonfuture.cli import app
from commonfuture.scenario.load import scenarios_dir

GENERIC = scenarios_dir() / "generic.toml"
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_run_writes_parquet_and_provenance(tmp_path):
    out = tmp_path / "out"
    r = invoke(
        "run",
        GENERIC,
        "-r",
        2,
        "-s",
        3,
        "-o",
        out,
        "--set",
        "months=12",
        "--set",
        "leadership.alignment=0.4",
    )
    assert r.exit_code == 0, r.output
    m = pd.read_parquet(out / "monthly.parquet")
    assert len(m) == 24 and set(m["replicate"]) == {0, 1}
    info = json.loads((out / "run.json").read_text())
    for key in (
        "scenario_hash",
        "parameters",
        "seed",
        "n_actors",
        "n_ties",
        "wall_time_s",
        "versions",
    ):
        assert key in info
    assert info["parameters"]["leadership"]["alignment"] == 0.4
    assert info["seed"] == 3 and info["n_actors"] == 630
    assert "final stage" in r.output and "value destroyed" in r.output


def test_run_twice_identical_files(tmp_path):
    for d in ("a", "b"):
        assert (
            invoke(
                "run", GENERIC, "-r", 2, "-s", 1, "-o", tmp_path / d, "--set", "months=10"
            ).exit_code
            == 0
        )
    a = pd.read_parquet(tmp_path / "a" / "monthly.parquet")
    b = pd.read_parquet(tmp_path / "b" / "monthly.parquet")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    ja = json.loads((tmp_path / "a" / "run.json").read_text())
    jb = json.loads((tmp_path / "b" / "run.json").read_text())
    assert ja["scenario_hash"] == jb["scenario_hash"]


def test_scale_option(tmp_path):
    r = invoke("run", GENERIC, "-r", 1, "-o", tmp_path, "--set", "months=3", "--scale", 0.5)
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "run.json").read_text())["n_actors"] == 315


def test_validate_and_params():
    for path in sorted(scenarios_dir().rglob("*.toml")):
        r = invoke("validate", path)
        assert r.exit_code == 0, r.output
    r = invoke("params", GENERIC, "--json")
    assert r.exit_code == 0
    rows = json.loads(r.output)
    paths = {row["path"]: row for row in rows}
    for lever in (
        "leadership.alignment",
        "leadership.arbitration",
        "leadership.small_win_cadence_months",
        "investment.monthly_budget",
        "network.openness",
        "months",
    ):
        assert lever in paths and paths[lever]["description"]
    assert (
        paths["leadership.alignment"]["lower"] == 0 and paths["leadership.alignment"]["upper"] == 1
    )
    assert paths["investment.monthly_budget"]["units"] == "GBP per month"
    assert invoke("params", GENERIC).exit_code == 0


def test_console_script_runs(tmp_path):
    exe = Path(sys.executable).parent / "commonfuture"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "commonfuture"]
    p = subprocess.run(
        cmd + ["run", str(GENERIC), "-r", "1", "-o", str(tmp_path), "--set", "months=6"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "120"},
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "monthly.parquet").exists()


GOOD = GENERIC.read_text()

BAD = {
    "syntax": ("name = 'x\nmonths = 3\n", ["TOML syntax error"]),
    "unknown key": (
        GOOD.replace("[network]", "[network]\nopeness = 0.5"),
        ["network.openess", "unknown key"],
    ),
    "wrong type": (GOOD.replace("alignment = 0.7", "alignment = 'high'"), ["leadership.alignment"]),
    "out of range": (
        GOOD.replace("openness = 0.6", "openness = 1.6"),
        ["network.openness", "less than or equal to 1"],
    ),
    "missing table": ("name = 'x'\nmonths = 10\n", ["propositions", "missing"]),
    "nested field": (GOOD.replace("capacity = 20", "capacity = -1"), ["propositions[0].capacity"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_scenarios_exit_2_with_field_paths(tmp_path, case):
    text, needles = BAD[case]
    path = write(tmp_path, text)
    for cmd in (["validate", path], ["run", path, "-o", tmp_path / "o"], ["params", path]):
        r = invoke(*cmd)
        assert r.exit_code == 2, (case, cmd, r.output)
        assert "Traceback" not in r.output
        assert str(path) in r.output
        for needle in needles:
            assert needle in r.output, (case, r.output)


def test_missing_file(tmp_path):
    r = invoke("run", tmp_path / "nope.toml")
    assert r.exit_code == 2 and "file not found" in r.output


@pytest.mark.parametrize(
    "setting,needle",
    [
        ("leadership.alignmnet=0.5", "unknown parameter"),
        ("leadership.alignment=2", "leadership.alignment"),
        ("leadership.alignment=lots", "leadership.alignment"),
        ("propositions[7].cost=1", "unknown parameter"),
        ("no-equals-sign", "expected path=value"),
    ],
)
def test_bad_set(tmp_path, setting, needle):
    r = invoke("run", GENERIC, "-o", tmp_path / "o", "--set", setting)
    assert r.exit_code == 2, r.output
    assert needle in r.output and "Traceback" not in r.output
    assert not (tmp_path / "o").exists()


def test_bad_scale_and_engine(tmp_path):
    assert invoke("run", GENERIC, "-o", tmp_path, "--scale", 0).exit_code == 2
    assert invoke("run", GENERIC, "-o", tmp_path, "--engine", "warp").exit_code == 2


def test_failing_run_leaves_existing_output_untouched(tmp_path):
    out = tmp_path / "o"
    assert invoke("run", GENERIC, "-r", 1, "-o", out, "--set", "months=4").exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    r = invoke("run", GENERIC, "-r", 1, "-o", out, "--set", "leadership.alignment=9")
    assert r.exit_code == 2
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert before == after
