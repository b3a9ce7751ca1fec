"""Running an experiment: tasks, backends and the single writer.

A *task* is one parameter point and a batch of its replicates, advanced together
by the kernel (R x N arrays). Workers only compute and return results; the
parent process is the only writer of the store, and commits each finished run in
its own transaction. Results depend on neither the backend, the number of
workers nor the order in which tasks finish: every run's randomness comes from
the experiment seed, its point and its replicate index.

Backends: ``inline`` (this process), ``local`` (a process pool, all cores by
default) and ``dask`` (a Dask distributed cluster at ``tcp://host:port``).

Cores are shared, never oversubscribed: processes times threads per process is at
most the cores (:func:`share`). Workers pay only on enough work: starting a worker
process (importing the model and loading its compiled loops) or shipping tasks to a
cluster costs about a second, so an experiment estimated to take less than
:data:`MIN_SECONDS_PER_WORKER` per worker runs on fewer workers, or in this process
(:func:`choose`); results are the same on every backend.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from commonfuture.experiments.design import MEMBERS_AT, Experiment
from commonfuture.experiments.store import Store
from commonfuture.parallel import cores, set_threads
from commonfuture.simulation import simulate

#: replicate-months per task: big enough to amortise scheduling, small enough to balance
TASK_ACTOR_MONTHS = 20_000_000
#: seconds per actor-month of one thread, set-up included (a generous estimate, used only
#: to decide how many workers an experiment is worth)
SECONDS_PER_ACTOR_MONTH = 1e-7
#: estimated seconds of work per worker below which fewer workers are used
MIN_SECONDS_PER_WORKER = 4.0


def share(workers: int | None, threads: int | None, n_cores: int | None = None):
    """(processes, threads per process) with processes x threads <= cores: what is not
    given is filled from the other (all cores by default: one thread per process)."""
    n_cores = n_cores or cores()
    if workers is None and threads is None:
        return n_cores, 1
    if workers is None:
        threads = min(threads, n_cores)
        return max(1, n_cores // threads), threads
    if threads is None:
        return workers, max(1, n_cores // workers)
    return workers, max(1, min(threads, n_cores // workers))


def estimated_seconds(exp: Experiment, runs: int) -> float:
    """A generous estimate of the single-thread seconds ``runs`` runs of ``exp`` take."""
    n_actors = sum(exp.largest_scenario().population.counts.as_tuple())
    months = int(exp.spec.overrides.get("months", exp.base.months))
    return runs * n_actors * (months + 10) * SECONDS_PER_ACTOR_MONTH


def choose(backend: str, workers: int, seconds: float) -> tuple[str, int]:
    """(backend, workers) for an experiment estimated at ``seconds`` of work: each worker
    gets at least :data:`MIN_SECONDS_PER_WORKER`, and with one worker the local pool is
    replaced by this process (a cluster keeps its workers when asked for)."""
    if backend == "inline":
        return "inline", 1
    if MIN_SECONDS_PER_WORKER <= 0:
        return backend, workers
    worth = max(1, int(seconds // MIN_SECONDS_PER_WORKER))
    workers = max(1, min(workers, worth))
    if backend == "local" and workers == 1:
        return "inline", 1
    if backend == "dask" and worth < 2:
        return "inline", 1
    return backend, workers


@dataclass(frozen=True)
class Task:
    point: int
    replicates: tuple[int, ...]
    overrides: dict[str, Any]
    seed: int


def run_outputs(monthly: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Outputs of interest, one row per replicate."""
    g = monthly.groupby("replicate")
    horizon = int(monthly["month"].max())
    reps = np.sort(monthly["replicate"].unique())
    out = pd.DataFrame(index=reps)
    for name in names:
        if name == "final_stage":
            out[name] = g["stage"].last()
        elif name == "max_stage":
            out[name] = g["stage"].max()
        elif name.startswith("months_to_stage_"):
            k = int(name[-1])
            first = monthly[monthly["stage"] >= k].groupby("replicate")["month"].min()
            out[name] = first.reindex(reps).fillna(horizon + 1)
        elif name == "members_end":
            out[name] = g["members"].last()
        elif name == "members_peak":
            out[name] = g["members"].max()
        elif name in ("joins", "secessions", "value_created", "value_destroyed", "value_realised"):
            out[name] = g[name].sum()
        elif name in ("target_progress", "capital_raised"):
            out[name] = g[name].last()
        elif (m := MEMBERS_AT.match(name)) is not None:
            month = min(int(m.group(1)), horizon)
            out[name] = monthly[monthly["month"] == month].set_index("replicate")["members"]
    return out.astype(float)


def execute(task: Task, base, names: list[str], threads: int | None = None) -> list[dict]:
    """Run one task (in a worker) on ``threads`` threads (default: as set); one result per
    replicate, failures included."""
    if threads is not None:
        set_threads(threads)
    t0 = time.perf_counter()
    try:
        res = simulate(
            base, seed=task.seed, replicates=list(task.replicates), overrides=task.overrides
        )
        outs = run_outputs(res.monthly, names)
        seconds = (time.perf_counter() - t0) / len(task.replicates)
        results = []
        for k in task.replicates:
            results.append(
                {
                    "point": task.point,
                    "replicate": k,
                    "status": "done",
                    "error": None,
                    "seconds": seconds,
                    "outputs": outs.loc[k].to_dict(),
                    "monthly": res.monthly[res.monthly["replicate"] == k],
                }
            )
        return results
    except Exception as err:  # a failed run is recorded, the others go on
        msg = f"{type(err).__name__}: {err}\n{traceback.format_exc(limit=3)}"
        return [
            {
                "point": task.point,
                "replicate": k,
                "status": "failed",
                "error": msg,
                "seconds": time.perf_counter() - t0,
                "outputs": {},
                "monthly": None,
            }
            for k in task.replicates
        ]


def plan(exp: Experiment, missing: set[tuple[int, int]], parallel: int = 1) -> list[Task]:
    """Tasks for the missing runs: per point, batches of replicates.

    A task holds at most :data:`TASK_ACTOR_MONTHS` actor-months, and, when
    ``parallel`` workers share the work, at most a quarter of each worker's share,
    so that every worker stays busy. Task sizes never change results.
    """
    n_actors = sum(exp.base.population.counts.as_tuple())
    months = int(exp.spec.overrides.get("months", exp.base.months))
    per_task = max(1, TASK_ACTOR_MONTHS // max(n_actors * months, 1))
    if parallel > 1 and missing:
        per_task = min(per_task, max(1, -(-len(missing) // (4 * parallel))))
    tasks = []
    for i in range(len(exp.points)):
        reps = sorted(k for (p, k) in missing if p == i)
        if not reps:
            continue
        overrides = exp.point_overrides(i)
        for j in range(0, len(reps), per_task):
            tasks.append(Task(i, tuple(reps[j : j + per_task]), overrides, exp.point_seed(i)))
    return tasks


def _inline(tasks, base, names, threads: int | None = None) -> Iterator[list[dict]]:
    for t in tasks:
        yield execute(t, base, names, threads)


def worker_init(parent: int, threads: int = 1) -> None:
    """Pool workers use ``threads`` threads each, leave Ctrl-C to the parent, which stops
    cleanly between commits, and exit within a second when the parent dies (``kill -9``),
    leaving no orphans."""
    import signal
    import threading

    os.environ["COMMONFUTURE_THREADS"] = str(threads)
    set_threads(threads)
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def fresh_pool(workers: int, threads: int = 1) -> ProcessPoolExecutor:
    """A pool of ``workers`` fresh processes of ``threads`` threads each (see
    :func:`worker_init`). Spawned, not forked: a process whose compiled loops have started
    their OpenMP threads cannot be forked safely."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=worker_init,
        initargs=(os.getpid(), threads),
    )


def in_workers(fn, calls, workers: int, threads: int = 1) -> Iterator:
    """``fn(*args)`` for each ``args`` of ``calls`` in ``workers`` fresh processes of
    ``threads`` threads each, yielding results as they finish."""
    pool = fresh_pool(workers, threads)
    futures = [pool.submit(fn, *args) for args in calls]
    finished = False
    try:
        for fut in as_completed(futures):
            yield fut.result()
        finished = True
    finally:
        # interrupted: queued tasks are dropped; running ones finish and the workers exit
        # (terminating a worker mid-reply could leave the pool's reader waiting for ever)
        pool.shutdown(wait=finished, cancel_futures=True)


def _local(tasks, base, names, workers: int, threads: int = 1) -> Iterator[list[dict]]:
    return in_workers(execute, [(t, base, names) for t in tasks], workers, threads)


def connect(address: str, timeout: float = 5.0):
    """A Dask client for ``tcp://host:port``; raises ``ConnectionError`` quickly if unreachable.

    ``timeout`` is in seconds. A plain TCP connection is tried first, so a refused or
    unresolvable address fails at once rather than after the client's retries.
    """
    import socket
    from urllib.parse import urlsplit

    from distributed import Client

    parts = urlsplit(address)
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host or port is None:
        raise ConnectionError(f"{address!r} is not a scheduler address (tcp://host:port)")
    try:
        socket.create_connection((host, port), timeout=min(timeout, 3.0)).close()
    except OSError as err:
        raise ConnectionError(f"cannot reach the Dask scheduler at {address}: {err}") from None
    try:
        client = Client(address, timeout=timeout)
    except Exception as err:  # refused, timed out, or not a Dask scheduler
        raise ConnectionError(f"cannot reach the Dask scheduler at {address}: {err}") from None
    try:  # a scheduler without workers would wait for ever
        client.wait_for_workers(1, timeout=2 * timeout)
    except Exception:
        client.close()
        raise ConnectionError(
            f"the Dask scheduler at {address} has no workers (start some with "
            f"`dask worker {address}`)"
        ) from None
    return client


def _dask(tasks, base, names, client, threads: int = 1) -> Iterator[list[dict]]:
    from distributed import as_completed as dask_completed

    base_f = client.scatter(base, broadcast=True)
    futures = [client.submit(execute, t, base_f, names, threads, pure=False) for t in tasks]
    try:
        for fut in dask_completed(futures):
            yield fut.result()
    finally:
        client.cancel(futures)


def run_experiment(
    exp: Experiment,
    store: Store,
    backend: str = "local",
    workers: int | None = None,
    client=None,
    progress: Callable[[int, int], None] | None = None,
    stop: Callable[[], bool] | None = None,
    threads: int | None = None,
) -> dict[str, int]:
    """Run every planned run not yet in the store; return counts of done and failed runs.

    ``workers`` processes (local) of ``threads`` threads each share the cores
    (:func:`share`). Without ``workers`` (all cores), an experiment too small to pay
    for them runs on fewer, or in this process (:func:`choose`); ``counts["backend"]``
    and ``counts["workers"]`` say what ran. Dask workers run each task on ``threads``
    threads (default 1: a Dask worker runs a task per thread of its own).
    ``progress(done, total)`` is called after each committed run. When ``stop()`` turns
    true, the runs in hand are committed, the rest are dropped and the counts come back
    with ``interrupted = 1``: running again resumes.
    """
    store.begin_experiment(exp)
    done = store.done_keys()
    missing = set(exp.run_keys()) - done
    total = len(exp.run_keys())
    names = list(exp.spec.outputs)
    if backend not in ("inline", "local", "dask"):
        raise ValueError(f"unknown backend {backend!r}")
    if backend == "dask":
        asked = max(1, len(client.scheduler_info().get("workers", {})))
        per_task = threads or 1
    else:
        asked, per_task = share(workers, threads)
    if workers is None:  # as many as the work is worth
        used, n = choose(backend, asked, estimated_seconds(exp, len(missing)))
    else:  # as asked
        used, n = ("inline", 1) if backend == "local" and asked == 1 else (backend, asked)
    if used == "inline":  # one process: every thread asked for (all cores by default)
        inline_threads = threads or (per_task * asked if backend != "dask" else None)
        stream = _inline(plan(exp, missing), exp.base, names, inline_threads)
    elif used == "local":
        stream = _local(plan(exp, missing, n), exp.base, names, n, per_task)
    else:
        stream = _dask(plan(exp, missing, n), exp.base, names, client, per_task)
    counts = drain(stream, store, exp, len(done), total, progress, stop)
    counts.update(backend=used, workers=n)
    return counts


def drain(stream, store, exp, done: int, total: int, progress=None, stop=None) -> dict:
    """Commit the runs ``stream`` yields (lists of run records) to ``store``, one
    transaction each, reporting ``progress(finished, total)`` and stopping when ``stop()``
    says so; the stream is closed either way. Returns the counts of done and failed runs
    (``done`` of them finished before)."""
    counts = {"done": done, "failed": 0, "total": total, "interrupted": 0}
    if progress:
        progress(done, total)
    try:
        for results in stream:
            for r in results:
                store.commit_run(exp, r)
                counts["done" if r["status"] == "done" else "failed"] += 1
                if progress:
                    progress(counts["done"] + counts["failed"], total)
            if stop is not None and stop():
                counts["interrupted"] = 1
                break
    finally:
        stream.close()
    return counts
