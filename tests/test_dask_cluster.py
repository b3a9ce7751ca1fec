"""A real Dask cluster (a scheduler and two workers on 127.0.0.1) gives the local results."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import commonfuture.experiments.runner as runner_module
from commonfuture.cli import app
from commonfuture.experiments.cluster import start_scheduler, start_workers, stop
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


@pytest.fixture
def cluster(tmp_path):
    address, scheduler = start_scheduler(tmp_path)
    procs = [scheduler]
    try:
        # a scheduler without workers is refused rather than waited on for ever
        from commonfuture.experiments.runner import connect

        with pytest.raises(ConnectionError, match="no workers"):
            connect(address, timeout=0.5)
        procs += start_workers(address, 2, tmp_path)
        from distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        stop(procs)


def test_dask_equals_local(tmp_path, cluster, monkeypatch):
    # on the cluster however small the work (the runner would keep it in this process)
    monkeypatch.setattr(runner_module, "MIN_SECONDS_PER_WORKER", 0.0)
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
