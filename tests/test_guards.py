"""Every command held to the same rule: a bad input or a fault is one line and exit 2,
never a traceback, never lost or half-written results; a shorter horizon runs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from commonfuture.cli._app import app
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
