"""Experiment throughput: a 1,000-replicate ensemble, batched against one at a time,
in this process, on local processes and on a 2-worker local Dask cluster.

Every variant runs the same experiment (one parameter point of the generic
scenario at twice its size, 60 months) through the experiment runner into a
fresh DuckDB store, and reports runs per second; the stores are checked to hold
identical results.
"""

from __future__ import annotations

import importlib
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

import pandas as pd  # noqa: E402

import commonfuture.experiments.runner as runner  # noqa: E402
from commonfuture.experiments.cluster import start_scheduler, start_workers, stop  # noqa: E402
from commonfuture.experiments.design import load_experiment  # noqa: E402
from commonfuture.experiments.store import Store  # noqa: E402

EXP = """
name = "ensemble-benchmark"
scenario = "{scenario}"
design = "grid"
replicates = {replicates}
seed = 11
scale = 2.0
outputs = ["members_end", "value_created"]
overrides = {{ months = 60 }}

[[factors]]
path = "leadership.alignment"
values = [0.7]
"""


def _time(exp, directory: Path, **kw) -> dict:
    t0 = time.perf_counter()
    with Store(directory) as store:
        counts = runner.run_experiment(exp, store, **kw)
    dt = time.perf_counter() - t0
    return {"runs": counts["done"], "seconds": dt, "runs_per_s": counts["done"] / dt}


def _runs(directory: Path) -> pd.DataFrame:
    with Store(directory, read_only=True) as s:
        return s.runs().drop(columns=["finished_at", "seconds"])


def main(quick: bool = False) -> dict:
    replicates = 40 if quick else 1000
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        spec = tmp / "exp.toml"
        scenario = (HERE.parent / "scenarios" / "generic.toml").as_posix()
        spec.write_text(EXP.format(scenario=scenario, replicates=replicates))
        exp = load_experiment(spec)
        out = {"replicates": replicates, "actors": 2 * 630, "months": 60}
        out["batched, in process"] = _time(exp, tmp / "batched", backend="inline")
        saved = runner.TASK_ACTOR_MONTHS
        runner.TASK_ACTOR_MONTHS = 1  # one replicate per task
        try:
            out["one at a time, in process"] = _time(exp, tmp / "single", backend="inline")
        finally:
            runner.TASK_ACTOR_MONTHS = saved
        # the runner cuts the ensemble into several tasks per worker (see runner.plan)
        out["batched, 2 local processes"] = _time(exp, tmp / "local", backend="local", workers=2)
        address, scheduler = start_scheduler(tmp)
        procs = [scheduler, *start_workers(address, 2, tmp)]
        try:
            client = runner.connect(address, timeout=30)
            client.wait_for_workers(2, timeout=60)
            # import the model on the workers first: a one-off cost, not throughput
            client.run(importlib.import_module, "commonfuture.experiments.runner")
            out["batched, 2-worker Dask cluster"] = _time(
                exp, tmp / "dask", backend="dask", client=client
            )
            client.close()
        finally:
            stop(procs, wait=30)
        ref = _runs(tmp / "batched")
        out["identical results"] = all(
            _runs(tmp / d).equals(ref) for d in ("single", "local", "dask")
        )
        out["speed-up batched / one at a time"] = (
            out["batched, in process"]["runs_per_s"]
            / out["one at a time, in process"]["runs_per_s"]
        )
    print_table(out)
    return out


def print_table(out: dict) -> None:
    """A plain-text table of the measurements."""
    print(
        f"ensemble of {out['replicates']} replicates x {out['actors']} actors x "
        f"{out['months']} months"
    )
    print(f"{'variant':<34}{'runs':>6}{'seconds':>10}{'runs/s':>10}")
    for key, v in out.items():
        if isinstance(v, dict):
            print(f"{key:<34}{v['runs']:>6}{v['seconds']:>10.2f}{v['runs_per_s']:>10.1f}")
    print(f"speed-up, batched over one at a time: {out['speed-up batched / one at a time']:.1f}x")
    print(f"identical results in all four stores: {out['identical results']}")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
