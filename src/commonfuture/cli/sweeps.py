"""``sweep``, ``sensitivity``, ``status`` and ``export``: experiments at scale."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from commonfuture.cli._app import app, console, fail

Out = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Experiment directory (default: experiments-out/NAME)."),
]
Workers = Annotated[
    int | None, typer.Option("--workers", "-w", min=1, help="Local processes (default: all cores).")
]
Cluster = Annotated[str | None, typer.Option("--cluster", help="Dask scheduler, tcp://host:port.")]


def _prepare(experiment: Path, out: Path | None, cluster: str | None):
    """Validate everything before the store is touched."""
    from commonfuture.experiments.design import ExperimentError, load_experiment

    try:
        exp = load_experiment(experiment)
    except ExperimentError as err:
        fail(str(err).splitlines())
    out = out or Path("experiments-out") / exp.spec.name
    if out.exists() and not out.is_dir():
        fail(f"--out: {out} exists and is not a directory")
    client = None
    if cluster is not None:
        if not cluster.startswith(("tcp://", "tls://", "ucx://")):
            fail(f"--cluster: {cluster!r} is not a scheduler address (tcp://host:port)")
        from commonfuture.experiments.runner import connect

        try:
            client = connect(cluster)
        except ConnectionError as err:
            fail(f"--cluster: {err}")
    return exp, out, client


def _run(exp, out: Path, workers: int | None, client) -> dict:
    """Run the missing runs with a progress bar; Ctrl-C stops cleanly (exit 130), resumable."""
    from commonfuture.experiments.runner import run_experiment
    from commonfuture.experiments.store import Store, StoreMismatch

    backend = "dask" if client is not None else "local"
    t0 = time.perf_counter()
    stopping: list[bool] = []

    def on_sigint(signum, frame) -> None:
        if stopping:  # a second Ctrl-C: quit at once (committed runs are safe)
            raise KeyboardInterrupt
        stopping.append(True)
        console.print("[yellow]stopping after the runs in hand (Ctrl-C again to quit now)[/]")

    previous = signal.signal(signal.SIGINT, on_sigint)
    counts: dict | None = None
    try:
        with Store(out) as store:
            with Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("runs"),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=console,
            ) as bar:
                task = bar.add_task(exp.spec.name, total=len(exp.run_keys()), rate="")
                start: list[float] = []

                def progress(done: int, total: int) -> None:
                    if not start:
                        start.append(time.perf_counter())
                        start.append(done)
                    dt = time.perf_counter() - start[0]
                    rate = (done - start[1]) / dt if dt > 0 else 0.0
                    bar.update(task, completed=done, rate=f"{rate:.1f} runs/s")

                counts = run_experiment(
                    exp,
                    store,
                    backend=backend,
                    workers=workers,
                    client=client,
                    progress=progress,
                    stop=lambda: bool(stopping),
                )
    except StoreMismatch as err:
        fail(str(err))
    except BaseException:
        if not stopping:
            raise
    finally:
        signal.signal(signal.SIGINT, previous)
        if client is not None:
            client.close()
    if counts is None or counts["interrupted"]:
        _interrupted(out)
    counts["seconds"] = time.perf_counter() - t0
    return counts


def _interrupted(out: Path) -> None:
    from commonfuture.experiments.store import Store

    with Store(out, read_only=True) as store:
        n = len(store.done_keys())
    console.print(
        f"[yellow]interrupted[/]: {n} runs are safely in {out / 'experiment.duckdb'}; "
        "run the same command again to run only the missing ones"
    )
    # everything is committed and closed: leave now rather than wait for the tasks in
    # flight (pool workers exit by themselves when this process is gone)
    console.file.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(130)


def _summary(exp, out: Path) -> None:
    from commonfuture.experiments.analysis import heatmap, point_table
    from commonfuture.experiments.store import Store

    with Store(out, read_only=True) as store:
        runs = store.runs()
    table = point_table(runs, exp.names, exp.points.tolist(), list(exp.spec.outputs))
    table.to_csv(out / "points.csv")
    for output in exp.spec.outputs:
        heatmap(table, exp.names, output, out / f"sweep-{output}.png")
    t = Table(title=f"{exp.spec.name}: mean of {exp.spec.replicates} replicates per point")
    for c in [*exp.names, *exp.spec.outputs]:
        t.add_column(c, justify="right")
    for _, row in table.head(30).iterrows():
        t.add_row(
            *[f"{row[n]:.3g}" for n in exp.names],
            *[f"{row[f'{o}_mean']:.3g}" for o in exp.spec.outputs],
        )
    console.print(t)
    if len(table) > 30:
        console.print(f"... {len(table) - 30} more points in {out / 'points.csv'}")


def _report_counts(counts: dict, out: Path) -> None:
    msg = f"{counts['done']} of {counts['total']} runs done"
    if counts["failed"]:
        msg += f", [red]{counts['failed']} failed[/red] (see `commonfuture status {out}`)"
    console.print(f"{msg} in {counts['seconds']:.1f} s; store: {out / 'experiment.duckdb'}")


@app.command()
def sweep(
    experiment: Annotated[Path, typer.Argument(help="Experiment TOML file.")],
    out: Out = None,
    workers: Workers = None,
    cluster: Cluster = None,
) -> None:
    """Run a parameter sweep (grid or Latin hypercube) into a resumable DuckDB store."""
    exp, out, client = _prepare(experiment, out, cluster)
    counts = _run(exp, out, workers, client)
    _report_counts(counts, out)
    _summary(exp, out)


@app.command()
def sensitivity(
    experiment: Annotated[Path, typer.Argument(help="Experiment TOML file (sobol or morris).")],
    out: Out = None,
    workers: Workers = None,
    cluster: Cluster = None,
) -> None:
    """Global sensitivity analysis (SALib): Sobol first/total order or Morris mu*/sigma."""
    from commonfuture.experiments.analysis import index_chart, write_json
    from commonfuture.experiments.analysis import sensitivity as analyse
    from commonfuture.experiments.store import Store

    exp, out, client = _prepare(experiment, out, cluster)
    if exp.spec.design not in ("sobol", "morris"):
        fail(
            f"{experiment}: design: sensitivity needs design = 'sobol' or 'morris', "
            f"not {exp.spec.design!r} (use `commonfuture sweep`)"
        )
    counts = _run(exp, out, workers, client)
    _report_counts(counts, out)
    with Store(out, read_only=True) as store:
        runs = store.runs()
    if counts["failed"]:
        fail(
            f"{out}: {counts['failed']} runs failed; indices need every point "
            "(fix and re-run: only the missing runs will run)"
        )
    means = runs.groupby("point")[list(exp.spec.outputs)].mean().sort_index()
    indices = {}
    for output in exp.spec.outputs:
        y = means[output].to_numpy()
        if np.allclose(y, y[0]):
            console.print(f"[yellow]{output} does not vary over the design: no indices[/yellow]")
            continue
        indices[output] = analyse(exp.spec.design, exp.problem(), exp.points, y, exp.spec.seed)
    if not indices:
        fail("no output varies over the design")
    write_json(
        {k: v.to_dict(orient="records") for k, v in indices.items()}, out / "sensitivity.json"
    )
    index_chart(indices, exp.spec.design, out / "sensitivity.png")
    for output, df in indices.items():
        t = Table(title=f"{output}: {exp.spec.design} indices")
        for c in df.columns:
            t.add_column(c, justify="right")
        for _, row in df.iterrows():
            t.add_row(row["parameter"], *[f"{v:.3f}" for v in row.iloc[1:]])
        console.print(t)
    console.print(f"wrote {out / 'sensitivity.json'} and {out / 'sensitivity.png'}")


@app.command()
def status(directory: Annotated[Path, typer.Argument(help="Experiment directory.")]) -> None:
    """Summarise an experiment's store: runs done, failed and missing, timing, errors."""
    from commonfuture.experiments.store import Store, read_progress

    try:
        store = Store(directory, read_only=True)
    except FileNotFoundError as err:
        fail(str(err))
    except Exception as err:  # e.g. locked by a running sweep
        doc = read_progress(directory)
        if doc is None:
            fail(f"{directory}: cannot open the store ({err})")
        console.print(
            f"{doc.get('name', directory)}: running (process {doc.get('pid')}): "
            f"{doc.get('done', 0)} of {doc.get('total')} runs done, "
            f"{doc.get('failed', 0)} failed, last commit {doc.get('updated_at')}"
        )
        return
    with store:
        try:
            d = store.definition()
        except FileNotFoundError as err:
            fail(str(err))
        runs = store.runs() if "runs" in store.tables() else None
    spec = d["spec"]
    total = len(d["points"]) * spec["replicates"]
    done = int((runs["status"] == "done").sum()) if runs is not None else 0
    failed = int((runs["status"] == "failed").sum()) if runs is not None else 0
    t = Table(
        title=f"{d['name']} ({spec['design']}, {len(d['points'])} points x "
        f"{spec['replicates']} replicates)"
    )
    t.add_column("measure")
    t.add_column("value", justify="right")
    t.add_row("runs done", f"{done} of {total}")
    t.add_row("runs failed", str(failed))
    t.add_row("runs missing", str(total - done - failed))
    if runs is not None and done:
        ok = runs[runs["status"] == "done"]
        t.add_row("mean seconds per run", f"{ok['seconds'].mean():.3f}")
        t.add_row("last run finished", str(ok["finished_at"].max()))
    t.add_row("created", d["created_at"])
    console.print(t)
    if failed:
        first = runs[runs["status"] == "failed"].iloc[0]
        console.print(
            f"[red]first failure[/red] (point {first['point']}, replicate "
            f"{first['replicate']}): {str(first['error']).splitlines()[0]}"
        )


@app.command()
def export(
    directory: Annotated[Path, typer.Argument(help="Experiment directory.")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Folder for the Parquet files (default: the experiment directory)."
        ),
    ] = None,
) -> None:
    """Export an experiment's runs and monthly outputs to Parquet."""
    from commonfuture.experiments.store import Store

    try:
        store = Store(directory, read_only=True)
    except FileNotFoundError as err:
        fail(str(err))
    with store:
        paths = store.export(out or directory)
    for p in paths:
        console.print(f"wrote {p}")
