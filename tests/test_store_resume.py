"""Resume: an experiment killed with kill -9 at any moment ends, when re-run, with exactly
the runs a clean run would have: no duplicates, nothing lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from commonfuture.experiments.store import Store
from commonfuture.scenario.load import scenarios_dir

GENERIC = (scenarios_dir() / "generic.toml").as_posix()
EXP = f"""
name = "resume"
scenario = "{GENERIC}"
design = "grid"
replicates = 6
seed = 5
outputs = ["members_end", "value_created"]
overrides = {{ months = 30 }}

[[factors]]
path = "leadership.alignment"
range = [0.2, 0.8]
levels = 4
"""


def sweep_cmd(exp: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "commonfuture", "sweep", str(exp), "-o", str(out), "-w", "1"]


def done_count(out: Path) -> int:
    try:
        return int(json.loads((out / "progress.json").read_text()).get("done", 0))
    except (FileNotFoundError, json.JSONDecodeError):
        return 0


def snapshot(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    with Store(out, read_only=True) as s:
        runs = s.runs().drop(columns=["finished_at", "seconds"])
        monthly = s.monthly()
    return runs, monthly


@pytest.mark.parametrize("kill_after", [1, 9])
def test_kill_9_then_resume_equals_clean_run(tmp_path, kill_after):
    exp = tmp_path / "exp.toml"
    exp.write_text(EXP)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    clean = tmp_path / "clean"
    subprocess.run(sweep_cmd(exp, clean), check=True, capture_output=True, env=env, timeout=300)

    out = tmp_path / "killed"
    proc = subprocess.Popen(
        sweep_cmd(exp, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    deadline = time.monotonic() + 120
    while done_count(out) < kill_after and time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = done_count(out)
    assert partial < 24, "the sweep finished before it could be killed"
    r = subprocess.run(sweep_cmd(exp, out), capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    a_runs, a_monthly = snapshot(clean)
    b_runs, b_monthly = snapshot(out)
    assert len(b_runs) == 24 and not b_runs.duplicated(["point", "replicate"]).any()
    assert not b_monthly.duplicated(["point", "replicate", "month"]).any()
    pd.testing.assert_frame_equal(a_runs, b_runs, check_exact=True)
    pd.testing.assert_frame_equal(a_monthly, b_monthly, check_exact=True)
