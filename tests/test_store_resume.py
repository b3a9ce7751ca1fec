"""Resume: an experiment killed with kill -9 at any moment ends, when re-run, with exactly
the runs a clean run would have: no duplicates, nothing lost."""

from __future__ import annotations

import json
import os
import shutil
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


def sweep_cmd(exp: Path, out: Path, workers: int = 1) -> list[str]:
    return [
        sys.executable,
        "-m",
        "commonfuture",
        "sweep",
        str(exp),
        "-o",
        str(out),
        "-w",
        str(workers),
    ]


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


ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[Path, tuple[pd.DataFrame, pd.DataFrame]]:
    d = tmp_path_factory.mktemp("resume")
    exp = d / "exp.toml"
    exp.write_text(EXP)
    subprocess.run(sweep_cmd(exp, d / "clean"), check=True, capture_output=True, env=ENV)
    return exp, snapshot(d / "clean")


def start_and_wait(cmd: list[str], out: Path, after: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ENV
    )
    deadline = time.monotonic() + 120
    while done_count(out) < after and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    return proc


def assert_same_as_clean(out: Path, clean_snapshot) -> None:
    a_runs, a_monthly = clean_snapshot
    b_runs, b_monthly = snapshot(out)
    assert len(b_runs) == 24 and not b_runs.duplicated(["point", "replicate"]).any()
    assert not b_monthly.duplicated(["point", "replicate", "month"]).any()
    pd.testing.assert_frame_equal(a_runs, b_runs, check_exact=True)
    pd.testing.assert_frame_equal(a_monthly, b_monthly, check_exact=True)


def children(pid: int) -> set[int]:
    """Process ids whose parent is ``pid`` (Linux /proc)."""
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize(("kill_after", "workers"), [(1, 1), (9, 2)])
def test_kill_9_then_resume_equals_clean_run(tmp_path, clean, kill_after, workers):
    exp, clean_snapshot = clean
    out = tmp_path / "killed"
    proc = start_and_wait(sweep_cmd(exp, out, workers), out, kill_after)
    pool = children(proc.pid) if Path("/proc").is_dir() else set()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert done_count(out) < 24, "the sweep finished before it could be killed"
    if workers > 1 and Path("/proc").is_dir():
        # worker processes notice their parent's death and leave no orphans behind
        assert pool, "no worker processes found"
        deadline = time.monotonic() + 10
        while any(alive(p) for p in pool) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [p for p in pool if alive(p)]
        for p in left:
            os.kill(p, signal.SIGKILL)
        assert not left, "worker processes outlived the killed sweep"
    r = subprocess.run(sweep_cmd(exp, out), capture_output=True, text=True, env=ENV)
    assert r.returncode == 0, r.stderr
    assert_same_as_clean(out, clean_snapshot)


def test_ctrl_c_stops_cleanly_and_resumes(tmp_path, clean):
    exp, clean_snapshot = clean
    out = tmp_path / "interrupted"
    proc = start_and_wait(sweep_cmd(exp, out, workers=2), out, 2)
    proc.send_signal(signal.SIGINT)
    try:
        output, _ = proc.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("the interrupted sweep did not exit")
    assert proc.returncode == 130, output
    assert "interrupted" in output and "Traceback" not in output
    n = done_count(out)
    assert 2 <= n < 24
    r = subprocess.run(sweep_cmd(exp, out, workers=2), capture_output=True, text=True, env=ENV)
    assert r.returncode == 0, r.stderr
    assert_same_as_clean(out, clean_snapshot)


def test_status_while_the_writer_holds_the_store(tmp_path, clean):
    """DuckDB lets one process open the file; `status` then reads progress.json."""
    from typer.testing import CliRunner

    from commonfuture.cli import app

    exp, _ = clean
    shutil.copytree(exp.parent / "clean", tmp_path / "c")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ok', flush=True);"
            " time.sleep(60)",
            str(tmp_path / "c" / "experiment.duckdb"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        r = CliRunner().invoke(app, ["status", str(tmp_path / "c")])
        assert r.exit_code == 0, r.output
        assert "running" in r.output and "24 of 24" in r.output
    finally:
        holder.kill()
        holder.wait()
    r = CliRunner().invoke(app, ["status", str(tmp_path / "c")])
    assert r.exit_code == 0 and "running" not in r.output and "24 of 24" in r.output
