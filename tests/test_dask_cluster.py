"""A real Dask cluster (a scheduler and two workers on 127.0.0.1) gives the local results."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from commonfuture.cli import app
from commonfuture.experiments.store import Store
from commonfuture.scenario.load import scenarios_dir

GENERIC = (scenarios_dir() / "generic.toml").as_posix()
EXP = f"""
name = "dask"
scenario = "{GENERIC}"
design = "lhs"
samples = 6
replicates = 2
seed = 8
outputs = ["members_end", "value_destroyed"]
overrides = {{ months = 12 }}

[[factors]]
path = "leadership.alignment"
range = [0.1, 0.9]

[[factors]]
path = "investment.monthly_budget"
range = [1000, 10000]
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def cluster(tmp_path):
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "distributed.cli.dask_scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--dashboard-address",
                ":0",
                "--no-show",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=tmp_path,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        # a scheduler without workers is refused rather than waited on for ever
        from commonfuture.experiments.runner import connect

        with pytest.raises(ConnectionError, match="no workers"):
            connect(address, timeout=0.5)
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "distributed.cli.dask_worker",
                        address,
                        "--nthreads",
                        "1",
                        "--nworkers",
                        "1",
                        "--dashboard-address",
                        ":0",
                        "--no-dashboard",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    cwd=tmp_path,
                )
            )
        from distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def test_dask_equals_local(tmp_path, cluster):
    exp = tmp_path / "exp.toml"
    exp.write_text(EXP)
    runner = CliRunner()
    r = runner.invoke(app, ["sweep", str(exp), "-o", str(tmp_path / "dask"), "--cluster", cluster])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["sweep", str(exp), "-o", str(tmp_path / "local"), "-w", "2"])
    assert r.exit_code == 0, r.output
    frames = []
    for d in ("dask", "local"):
        with Store(tmp_path / d, read_only=True) as s:
            frames.append((s.runs().drop(columns=["finished_at", "seconds"]), s.monthly()))
    pd.testing.assert_frame_equal(frames[0][0], frames[1][0], check_exact=True)
    pd.testing.assert_frame_equal(frames[0][1], frames[1][1], check_exact=True)
    assert len(frames[0][0]) == 12 and (frames[0][0]["status"] == "done").all()
    assert Path(tmp_path / "dask" / "sweep-members_end.png").exists()
