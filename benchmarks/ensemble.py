"""Experiment throughput across sizes: an ensemble batched against one at a time, in
this process, on local processes and on a 2-worker local Dask cluster, each both as
the runner chooses (workers only where the work pays for them) and forced.

Every variant runs the same experiment (one parameter point of the generic
scenario at twice, then twenty times its size, 60 months) through the experiment
runner into a fresh DuckDB store, three rounds in turn, and reports each variant's
median runs per second and its ratio to one batched process; the stores are checked to
hold identical results.
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
scale = {scale}
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


#: rounds of every variant, alternating; each variant's median round is reported (a run of
#: half a second varies by a tenth from one call to the next on a shared host)
ROUNDS = 3


def one_size(replicates: int, scale: float, tmp: Path, rounds: int = ROUNDS) -> dict:
    """Every variant at one size, ``rounds`` times in turn; each variant's median runs per
    second, and whether all the stores agree."""
    spec = tmp / "exp.toml"
    scenario = (HERE.parent / "scenarios" / "generic.toml").as_posix()
    spec.write_text(EXP.format(scenario=scenario, replicates=replicates, scale=scale))
    exp = load_experiment(spec)
    out: dict = {"replicates": replicates, "actors": int(round(scale * 630)), "months": 60}
    times: dict[str, list[dict]] = {}
    stores: list[Path] = []

    def timed(name: str, directory: Path, **kw) -> None:
        times.setdefault(name, []).append(_time(exp, directory, **kw))
        stores.append(directory)

    address, scheduler = start_scheduler(tmp)
    procs = [scheduler, *start_workers(address, 2, tmp)]
    try:
        client = runner.connect(address, timeout=30)
        client.wait_for_workers(2, timeout=60)
        # import the model on the workers first: a one-off cost, not throughput
        client.run(importlib.import_module, "commonfuture.experiments.runner")
        for k in range(rounds):
            at = tmp / f"round-{k}"
            timed("batched, in process", at / "batched", backend="inline")
            saved = runner.TASK_ACTOR_MONTHS
            runner.TASK_ACTOR_MONTHS = 1  # one replicate per task
            try:
                timed("one at a time, in process", at / "single", backend="inline")
            finally:
                runner.TASK_ACTOR_MONTHS = saved
            # the runner's own choice of workers (the default of `commonfuture sweep`): as
            # many processes as the work is worth, or this process
            timed("local processes, runner's choice", at / "auto", backend="local")
            # two processes whatever the size (the runner cuts the ensemble into several
            # tasks per worker, see runner.plan)
            timed("batched, 2 local processes", at / "local", backend="local", workers=2)
            timed(
                "2-worker Dask cluster, runner's choice",
                at / "dask-auto",
                backend="dask",
                client=client,
            )
            saved_min = runner.MIN_SECONDS_PER_WORKER
            runner.MIN_SECONDS_PER_WORKER = 0.0  # on the cluster whatever the size
            try:
                timed(
                    "batched, 2-worker Dask cluster",
                    at / "dask",
                    backend="dask",
                    client=client,
                    workers=2,
                )
            finally:
                runner.MIN_SECONDS_PER_WORKER = saved_min
        client.close()
    finally:
        stop(procs, wait=30)
    for name, rows in times.items():
        rows = sorted(rows, key=lambda r: r["seconds"])
        out[name] = {**rows[len(rows) // 2], "rounds_seconds": [r["seconds"] for r in rows]}
    ref = _runs(stores[0])
    out["identical results"] = all(_runs(d).equals(ref) for d in stores[1:])
    base = out["batched, in process"]["runs_per_s"]
    for v in out.values():
        if isinstance(v, dict):
            v["against_batched"] = v["runs_per_s"] / base
    out["speed-up batched / one at a time"] = base / out["one at a time, in process"]["runs_per_s"]
    return out


def main(quick: bool = False, scales: tuple[float, ...] | None = None) -> dict:
    """The experiment at each size (``scales`` of the generic scenario's 630 actors; by
    default twice, and, unless ``quick``, twenty times); 40 replicates, or 1,000 unless
    ``quick``."""
    replicates = 40 if quick else 1000
    scales = scales or ((2.0,) if quick else (2.0, 20.0))
    sizes = []
    for scale in scales:
        with tempfile.TemporaryDirectory() as tmp:
            out = one_size(replicates, scale, Path(tmp))
        print_table(out)
        sizes.append(out)
    return {"sizes": sizes}


def print_table(out: dict) -> None:
    """A plain-text table of the measurements."""
    print(
        f"ensemble of {out['replicates']} replicates x {out['actors']} actors x "
        f"{out['months']} months"
    )
    print(f"{'variant':<40}{'runs':>6}{'seconds':>10}{'runs/s':>10}{'x batched':>10}")
    for key, v in out.items():
        if isinstance(v, dict):
            print(
                f"{key:<40}{v['runs']:>6}{v['seconds']:>10.2f}{v['runs_per_s']:>10.1f}"
                f"{v['against_batched']:>10.2f}"
            )
    print(f"speed-up, batched over one at a time: {out['speed-up batched / one at a time']:.1f}x")
    print(f"identical results in every store: {out['identical results']}")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv, scales=(2.0,) if "--quick" in sys.argv else (2.0, 20.0))
