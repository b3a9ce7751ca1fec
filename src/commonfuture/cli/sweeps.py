"""``sweep``, ``sensitivity``, ``status`` and ``export``: experiments at scale."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Annotated

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

from commonfuture.cli._app import (
    Threads,
    app,
    claim_folder,
    console,
    fail,
    os_problem,
    safe,
    use_threads,
    warn,
)

Out = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Experiment directory (default: experiments-out/NAME)."),
]
Workers = Annotated[
    int | None,
    typer.Option(
        "--workers",
        "-w",
        min=1,
        help="Local processes (default: as many as the work is worth, up to all cores; "
        "processes x threads never exceed the cores).",
    ),
]
#: names that look like a file rather than a folder (``export -o one.xlsx``)
FILE_SUFFIXES = {
    ".csv", ".parquet", ".pq", ".xlsx", ".xls", ".xlsm", ".ods", ".json", ".jsonl",
    ".tsv", ".txt", ".feather", ".arrow", ".html", ".htm", ".md", ".duckdb", ".db",
    ".sqlite", ".zip", ".gz", ".pdf", ".png",
}  # fmt: skip
Cluster = Annotated[str | None, typer.Option("--cluster", help="Dask scheduler, tcp://host:port.")]


def _prepare(experiment: Path, out: Path | None, cluster: str | None, kind: str = "sweep"):
    """Validate everything before the store is touched."""
    from commonfuture.experiments.design import ExperimentError, load_experiment
    from commonfuture.experiments.store import STORE_NAME, StoreBusy, StoreDamaged
    from commonfuture.resources import MemoryTooSmall, check_memory
    from commonfuture.scenario.load import find_shipped

    try:
        exp = load_experiment(find_shipped(experiment, "experiments"))
    except ExperimentError as err:
        fail(str(err).splitlines())
    try:
        check_memory(exp.largest_scenario(), replicates=1)
    except MemoryTooSmall as err:
        fail(f"{experiment}: {err}")
    out = out or Path("experiments-out") / exp.spec.name
    claim_folder(out, kind, f"a {kind}")
    if (out / STORE_NAME).exists():  # say now if another process holds it, or it is damaged
        from commonfuture.experiments.store import Store

        try:
            Store(out, read_only=True).close()
        except (StoreBusy, StoreDamaged) as err:
            fail(str(err))
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


def _run(
    exp, out: Path, workers: int | None, client, kind: str = "sweep", threads: int | None = None
) -> dict:
    """Run the missing runs with a progress bar; Ctrl-C stops cleanly (exit 130), resumable."""
    from commonfuture.experiments.runner import run_experiment
    from commonfuture.experiments.store import Store, StoreBusy, StoreDamaged, StoreMismatch
    from commonfuture.manifest import write_manifest

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
        store = Store(out)
    except (StoreBusy, StoreDamaged) as err:
        signal.signal(signal.SIGINT, previous)
        fail(str(err))
    except OSError as err:
        signal.signal(signal.SIGINT, previous)
        fail(f"--out: cannot open the store ({os_problem(err)})")
    try:
        write_manifest(
            out,
            kind,
            f"commonfuture {kind}",
            experiment=exp.spec.name,
            source=exp.source,
            design=exp.spec.design,
            store="experiment.duckdb",
        )
        with store:
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
                    threads=threads,
                )
    except StoreMismatch as err:
        fail(str(err))
    except OSError as err:
        if stopping:
            raise
        fail(f"--out: cannot write the experiment ({os_problem(err)})")
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
    from commonfuture.writing import write_csv

    with Store(out, read_only=True) as store:
        runs = store.runs()
    table = point_table(runs, exp.names, exp.points.tolist(), list(exp.spec.outputs))
    write_csv(table, out / "points.csv")
    for output in exp.spec.outputs:
        heatmap(table, exp.names, output, out / f"sweep-{output}.png")
    t = Table(title=f"{safe(exp.spec.name)}: mean of {exp.spec.replicates} replicates per point")
    for c in [*short_names(exp.names), *exp.spec.outputs]:
        t.add_column(c, justify="right", overflow="fold", min_width=min(len(c), 24))
    for _, row in table.head(30).iterrows():
        t.add_row(
            *[f"{row[n]:.3g}" for n in exp.names],
            *[f"{row[f'{o}_mean']:.3g}" for o in exp.spec.outputs],
        )
    console.print(t)
    if short_names(exp.names) != list(exp.names):
        console.print(
            "columns: " + ", ".join(safe(p) for p in exp.names), soft_wrap=True, highlight=False
        )
    if len(table) > 30:
        console.print(
            f"... {len(table) - 30} more points in {safe(out / 'points.csv')}", soft_wrap=True
        )


def short_names(paths: list[str]) -> list[str]:
    """Column headers for parameter paths: the last part when that is unique
    (``leadership.alignment`` -> ``alignment``), else the whole path."""
    last = [p.rsplit(".", 1)[-1] for p in paths]
    return last if len(set(last)) == len(last) else list(paths)


def _all_failed(counts: dict, out: Path) -> None:
    """Exit 1 when runs were attempted and none finished."""
    if counts["failed"] and not counts["done"]:
        fail(
            f"{out}: all {counts['failed']} runs failed (see `commonfuture status {out}`)",
            code=1,
        )


def _report_counts(counts: dict, out: Path) -> None:
    msg = f"{counts['done']} of {counts['total']} runs done"
    if counts["failed"]:
        msg += f", [red]{counts['failed']} failed[/red] (see `commonfuture status {out}`)"
    console.print(
        f"{msg} in {counts['seconds']:.1f} s; store: {safe(out / 'experiment.duckdb')}",
        soft_wrap=True,
    )


@app.command()
def sweep(
    experiment: Annotated[
        Path,
        typer.Argument(help="Experiment TOML file, or a shipped one by name (leadership-grid)."),
    ],
    out: Out = None,
    workers: Workers = None,
    cluster: Cluster = None,
    threads: Threads = None,
) -> None:
    """Run a parameter sweep (grid or Latin hypercube) into a resumable DuckDB store."""
    use_threads(threads)
    exp, out, client = _prepare(experiment, out, cluster)
    counts = _run(exp, out, workers, client, threads=threads)
    _report_counts(counts, out)
    _all_failed(counts, out)
    _summary(exp, out)


@app.command()
def sensitivity(
    experiment: Annotated[
        Path,
        typer.Argument(
            help="Experiment TOML file (sobol or morris), or a shipped one by name (sobol-levers)."
        ),
    ],
    out: Out = None,
    workers: Workers = None,
    cluster: Cluster = None,
    threads: Threads = None,
) -> None:
    """Global sensitivity analysis (SALib): Sobol first/total order or Morris mu*/sigma."""
    import numpy as np

    from commonfuture.experiments.analysis import index_chart, index_warnings, write_json
    from commonfuture.experiments.analysis import sensitivity as analyse
    from commonfuture.experiments.design import ExperimentError, load_experiment
    from commonfuture.experiments.store import Store
    from commonfuture.scenario.load import find_shipped

    try:
        design = load_experiment(find_shipped(experiment, "experiments")).spec.design
    except ExperimentError as err:
        fail(str(err).splitlines())
    if design not in ("sobol", "morris"):
        fail(
            f"{experiment}: design: sensitivity needs design = 'sobol' or 'morris', "
            f"not {design!r} (use `commonfuture sweep`)"
        )
    use_threads(threads)
    exp, out, client = _prepare(experiment, out, cluster, kind="sensitivity")
    counts = _run(exp, out, workers, client, kind="sensitivity", threads=threads)
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
    notes = {k: index_warnings(exp.spec.design, v) for k, v in indices.items()}
    write_json(
        {
            "design": exp.spec.design,
            "samples": exp.spec.samples,
            "replicates": exp.spec.replicates,
            "runs": int(len(runs)),
            "indices": {k: v.to_dict(orient="records") for k, v in indices.items()},
            "warnings": notes,
        },
        out / "sensitivity.json",
    )
    index_chart(indices, exp.spec.design, out / "sensitivity.png")
    for output, df in indices.items():
        t = Table(title=f"{output}: {exp.spec.design} indices (95% intervals)")
        t.add_column("parameter", overflow="fold")
        cols = [c for c in df.columns if c != "parameter" and not c.endswith("_conf")]
        for c in cols:
            t.add_column(c, justify="right", no_wrap=True)
        for _, row in df.iterrows():
            cells = []
            for c in cols:
                conf = row.get(f"{c}_conf")
                cells.append(
                    f"{row[c]:.3f}"
                    + (f" \u00b1 {conf:.3f}" if conf is not None and np.isfinite(conf) else "")
                )
            t.add_row(safe(row["parameter"]), *cells)
        console.print(t)
        warn([f"{output}: {w}" for w in notes[output]])
    console.print(f"wrote {out / 'sensitivity.json'} and {out / 'sensitivity.png'}", soft_wrap=True)


def _open_read_only(directory: Path):
    """The store for reading, or a one-line error (missing, busy, damaged)."""
    from commonfuture.experiments.store import Store, StoreBusy, StoreDamaged

    if not directory.is_dir():
        fail(f"{directory}: not a folder")
    try:
        return Store(directory, read_only=True)
    except FileNotFoundError as err:
        fail(str(err))
    except StoreDamaged as err:
        fail(str(err))
    except StoreBusy:
        raise
    except OSError as err:
        fail(f"{directory}: cannot open the store ({os_problem(err)})")


@app.command()
def status(directory: Annotated[Path, typer.Argument(help="Experiment directory.")]) -> None:
    """Summarise an experiment's store: runs done, failed and missing, timing, errors.

    Exit status: 0 when the store can be read (or a live process is writing it), 2 when
    it is missing or damaged, 3 when the process that was writing it is gone but its
    lock or progress says otherwise."""
    from commonfuture.experiments.store import StoreBusy, pid_alive, read_progress

    try:
        store = _open_read_only(directory)
    except StoreBusy as err:
        doc = read_progress(directory) or {}
        pid = err.pid if err.pid is not None else doc.get("pid")
        if not pid_alive(pid):
            fail(
                f"{directory}: the store is locked but process {pid} that wrote it is gone; "
                "run the experiment again to resume it",
                code=3,
            )
        console.print(
            f"{safe(doc.get('name', directory))}: running (process {pid}): "
            f"{doc.get('done', 0)} of {doc.get('total', '?')} runs done, "
            f"{doc.get('failed', 0)} failed, last commit {doc.get('updated_at', '?')}",
            soft_wrap=True,
        )
        return
    with store:
        try:
            d = store.definition()
        except FileNotFoundError as err:
            fail(str(err))
        runs = store.runs() if "runs" in store.tables() else None
    done = int((runs["status"] == "done").sum()) if runs is not None else 0
    failed = int((runs["status"] == "failed").sum()) if runs is not None else 0
    if "spec" in d:  # a sweep or sensitivity analysis
        spec = d["spec"]
        total = len(d["points"]) * spec["replicates"]
        title = (
            f"{safe(d['name'])} ({spec['design']}, {len(d['points'])} points x "
            f"{spec['replicates']} replicates)"
        )
    elif "claim" in d and "points" in d:  # one claim and case of a robustness map
        total = int(d["points"])
        title = (
            f"{safe(d['name'])} (robustness map: {safe(d['claim'])} on {safe(d['case'])}, "
            f"{total} points x {d.get('replicates', '?')} replicates per arm)"
        )
    else:
        fail(f"{directory}: the store holds an experiment of a kind this version does not know")
    t = Table(title=title)
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
    doc = read_progress(directory)
    if doc and doc.get("pid") and done + failed < total:
        alive = pid_alive(doc["pid"])
        t.add_row("writer", f"process {doc['pid']} " + ("running" if alive else "gone"))
    console.print(t)
    if failed:
        first = runs[runs["status"] == "failed"].iloc[0]
        console.print(
            f"[red]first failure[/red] (point {first['point']}, replicate "
            f"{first['replicate']}): {safe(str(first['error']).splitlines()[0])}",
            soft_wrap=True,
        )


@app.command()
def repair(directory: Annotated[Path, typer.Argument(help="Experiment directory.")]) -> None:
    """Move a damaged experiment store aside and rebuild it from the runs that can be read.

    The damaged file is kept beside it (experiment.duckdb.damaged-TIME); run the
    experiment again afterwards to run only what is missing."""
    from commonfuture.experiments.store import (
        STORE_NAME,
        Store,
        StoreBusy,
        StoreDamaged,
    )
    from commonfuture.experiments.store import repair as rebuild

    if not (directory / STORE_NAME).exists():
        fail(f"{directory}: no experiment store ({STORE_NAME})")
    try:
        Store(directory, read_only=True).close()
    except StoreBusy as err:
        fail(str(err))
    except StoreDamaged:
        pass
    else:
        console.print(f"{safe(directory / STORE_NAME)} reads cleanly: nothing to repair")
        return
    try:
        res = rebuild(directory)
    except OSError as err:
        fail(f"{directory}: cannot repair ({os_problem(err)})")
    how = (
        f"{res['runs_kept']} finished runs kept"
        if res["readable"]
        else "nothing could be read from it; the experiment starts afresh"
    )
    console.print(
        f"moved the damaged store to {safe(res['moved_to'])}; {how}. Run the experiment "
        "again to run what is missing.",
        soft_wrap=True,
    )


@app.command()
def export(
    directory: Annotated[Path, typer.Argument(help="Experiment directory.")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="A folder for runs and monthly tables, or one file (NAME.csv or "
            "NAME.parquet, with --table).",
            show_default="DIR/export",
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", help="csv or parquet (default: from the file name, else parquet)."
        ),
    ] = None,
    table: Annotated[
        str, typer.Option("--table", help="For a single file: runs or monthly.")
    ] = "runs",
    force: Annotated[
        bool, typer.Option("--force", help="Replace files that already exist.")
    ] = False,
) -> None:
    """Export an experiment's runs and monthly outputs to Parquet or CSV.

    Never replaces an existing file unless --force is given, and never writes into a
    folder holding results of another kind (a run, another experiment)."""
    from commonfuture.experiments.store import ORDER, StoreBusy
    from commonfuture.manifest import KINDS, FolderConflict, claim, folder_kind, write_manifest

    if fmt is not None and fmt not in ("csv", "parquet"):
        fail(f"--format: {fmt!r} is not csv or parquet")
    if table not in ORDER:
        fail(f"--table: {table!r} is not runs or monthly")
    if folder_kind(directory) not in (None, "sweep", "sensitivity") and directory.is_dir():
        fail(f"{directory}: holds {KINDS[folder_kind(directory)]}, not an experiment store")
    try:
        store = _open_read_only(directory)
    except StoreBusy as err:
        fail(str(err))
    if (
        out is not None
        and out.suffix.lower() in FILE_SUFFIXES
        and out.suffix.lower() not in (".csv", ".parquet")
    ):
        fail(
            f"--out: {out.name}: export writes .csv or .parquet files (or a folder of them); "
            f"not {out.suffix} (read the .csv into a spreadsheet)"
        )
    single = out is not None and out.suffix.lower() in (".csv", ".parquet")
    if single:
        suffix = out.suffix.lower().lstrip(".")
        if fmt is not None and fmt != suffix:
            store.close()
            fail(f"--format {fmt} does not match the file name {out.name}")
        fmt = suffix
        targets = {table: out}
        folder = out.parent
    else:
        fmt = fmt or "parquet"
        folder = out if out is not None else directory / "export"
        targets = {t: folder / f"{t}.{fmt}" for t in ORDER}
    with store:
        targets = {t: p for t, p in targets.items() if t in store.tables()}
        if not single:
            try:
                claim(folder, "export", "an export")
            except FolderConflict as err:
                fail(f"--out: {err}")
        elif folder_kind(folder) not in (None, "export"):
            if not force:
                fail(
                    f"--out: {folder} holds {KINDS[folder_kind(folder)]}; write the file "
                    "elsewhere (or give --force to write it there anyway)"
                )
        existing = [p for p in targets.values() if p.exists()]
        if existing and not force:
            fail(
                f"--out: {existing[0]} already exists; give --force to replace it, or "
                "choose another --out"
            )
        if any(p.is_dir() for p in targets.values()):
            fail(f"--out: {next(p for p in targets.values() if p.is_dir())} is a folder")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            paths = [store.export_table(t, p, fmt) for t, p in targets.items()]
            if not single:
                write_manifest(
                    folder,
                    "export",
                    "commonfuture export",
                    source=str(directory),
                    format=fmt,
                    files=[p.name for p in paths],
                )
        except FileExistsError:
            fail(f"--out: a part of {folder} is a file, not a directory")
        except OSError as err:
            fail(f"--out: cannot write the export ({os_problem(err)})")
    for p in paths:
        console.print(f"wrote {safe(p)}", soft_wrap=True)
