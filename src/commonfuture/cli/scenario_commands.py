"""``run``, ``validate`` and ``params``: one scenario at a time."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from commonfuture.cli._app import (
    Threads,
    app,
    claim_folder,
    console,
    err_console,
    fail,
    os_problem,
    safe,
    scale_option,
    use_threads,
    warn,
)


def _load_cut(path: Path, sets: list[str] | None = None, scale: float = 1.0, quiet: bool = False):
    """The scenario with its overrides and scale, and what a shorter horizon leaves out
    (``None`` when nothing): said once on stderr, recorded by ``run`` in ``run.json``."""
    from commonfuture.scenario import ScenarioError, load_scenario
    from commonfuture.scenario.load import (
        apply_overrides,
        find_shipped,
        horizon_note,
        override_warnings,
        past_horizon,
        scaled,
        scenario_warnings,
    )

    try:
        base = load_scenario(find_shipped(path))
        sc = apply_overrides(base, sets or [], source=f"{path}: --set")
        sc = scaled(sc, scale)
    except ScenarioError as err:
        fail(str(err).splitlines())
    cut = past_horizon(base, sc)
    if not quiet:
        notes = scenario_warnings(sc)
        if cut is not None:  # one line for everything past the shorter horizon
            notes = [w for w in notes if "after the horizon" not in w] + [horizon_note(cut)]
        warn(override_warnings(sets) + [f"{path}: {w}" for w in notes])
    return sc, cut


def _load(path: Path, sets: list[str] | None = None, scale: float = 1.0, quiet: bool = False):
    return _load_cut(path, sets, scale, quiet)[0]


def stage_table(result) -> Table:
    s = result.summary()
    t = Table(
        title=f"{safe(result.scenario.name)}: {s['replicates']} replicates x {s['months']} months",
        show_header=True,
    )
    t.add_column("measure")
    t.add_column("value", justify="right")
    names = {0: "no coupling", 1: "coupling", 2: "integration", 3: "linking"}
    for k in range(4):
        n = s["final_stage"].get(k, 0)
        t.add_row(f"final stage {k} ({names[k]})", f"{n} of {s['replicates']}")
    t.add_row("highest stage reached 3", f"{s['max_stage'].get(3, 0)} of {s['replicates']}")
    t.add_row("members at the end (mean)", f"{s['members_final_mean']:.1f} of {s['actors']}")
    t.add_row("value created (mean, value units)", f"{s['value_created_mean']:.1f}")
    t.add_row("net value destroyed (mean, value units)", f"{s['value_destroyed_mean']:.1f}")
    t.add_row(
        f"target progress ({result.scenario.target.name})",
        f"{100 * s['target_progress_mean']:.1f}%",
    )
    if s["capital_raised_mean"] > 0:
        t.add_row("capital raised (mean, GBP)", f"{s['capital_raised_mean']:,.0f}")
    return t


def progress_bar() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("replicate-months"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal and os.environ.get("COMMONFUTURE_PROGRESS") != "1",
    )


def compile_note(bar: Progress, task, label: str):
    """Show in the progress bar that the model is compiling (its first run on this
    machine); without a terminal, say it once on standard error."""
    said = []

    def show(kernel: str | None) -> None:
        if kernel is None:
            bar.update(task, description=label)
        elif bar.disable:
            if not said:
                said.append(kernel)
                err_console.print(
                    f"compiling the model ({safe(kernel)} ...): its first run on this "
                    "machine; cached for the next runs",
                    style="dim",
                    highlight=False,
                )
        else:
            bar.update(
                task,
                description=f"{label} [dim](compiling {safe(kernel)}: the first run on this "
                "machine)[/dim]",
            )

    return show


@app.command()
def run(
    scenario: Annotated[
        Path,
        typer.Argument(
            help="Scenario TOML file, or a shipped one by name (generic, "
            "edinburgh/active-travel, ...)."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path("out"),
    replicates: Annotated[
        int, typer.Option("--replicates", "-r", min=1, help="Runs with their own random draws.")
    ] = 10,
    seed: Annotated[
        int, typer.Option("--seed", "-s", min=0, help="Random seed: same seed, same results.")
    ] = 0,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a parameter: path=value (repeatable)."),
    ] = None,
    scale: Annotated[float, typer.Option("--scale", help="Multiply every population count.")] = 1.0,
    engine: Annotated[str, typer.Option("--engine", help="fast or mesa.")] = "fast",
    chains: Annotated[
        bool,
        typer.Option(
            "--chains",
            help="Flag: also write per-actor value chains (chains.parquet).",
            metavar="",
        ),
    ] = False,
    threads: Threads = None,
) -> None:
    """Simulate a scenario; write OUT/monthly.parquet and OUT/run.json and print a summary."""
    from commonfuture.compiled import compiling
    from commonfuture.runs import save_run
    from commonfuture.simulation import simulate

    if engine not in ("fast", "mesa"):
        fail(f"--engine: unknown engine {engine!r} (use fast or mesa)")
    use_threads(threads)
    scale_option(scale)
    if engine == "mesa" and chains:
        fail("--chains: the mesa engine does not record value chains (use --engine fast)")
    sc, cut = _load_cut(scenario, set_, scale)
    from commonfuture.resources import MemoryTooSmall, check_memory

    try:
        check_memory(sc, replicates)
    except MemoryTooSmall as err:
        fail(f"{scenario}: {err}")
    claim_folder(out, "run", "a run")
    months = sc.months
    t0 = time.perf_counter()
    with progress_bar() as bar:
        task = bar.add_task(f"{sc.name}", total=replicates * months)
        with compiling(compile_note(bar, task, f"{sc.name}")):
            result = simulate(
                sc,
                seed=seed,
                replicates=replicates,
                engine=engine,
                chains=chains,
                progress=lambda k: bar.advance(task, k),
            )
    wall = time.perf_counter() - t0
    try:
        save_run(
            result,
            out,
            source=str(scenario),
            overrides=list(set_ or []),
            scale=scale,
            **({"past_horizon": cut} if cut is not None else {}),
        )
    except OSError as err:
        fail(f"--out: cannot write the run ({os_problem(err)})")
    console.print(stage_table(result))
    names = ["monthly.parquet", "run.json"] + (["chains.parquet"] if chains else [])
    wrote = ", ".join(safe(out / n) for n in names)
    console.print(f"wrote {wrote} in {wall:.1f} s", soft_wrap=True)


@app.command()
def validate(
    scenario: Annotated[list[Path], typer.Argument(help="Scenario TOML file(s).")],
) -> None:
    """Check scenario files; print every problem with its field path (exit 2 if any)."""
    from commonfuture.resources import MemoryTooSmall, actors, check_memory

    problems: list[str] = []
    from commonfuture.scenario import ScenarioError, load_scenario
    from commonfuture.scenario.load import find_shipped, scenario_warnings

    for path in scenario:
        try:
            sc = load_scenario(find_shipped(path))
        except ScenarioError as err:
            problems += str(err).splitlines()
            continue
        notes = [f"{path}: {w}" for w in scenario_warnings(sc)]
        try:
            check_memory(sc, replicates=1)
        except MemoryTooSmall as err:
            notes.append(f"{path}: cannot run on this machine: {err}")
        console.print(
            f"[green]ok[/green] {safe(path)}: {safe(sc.name[:80])}"
            f"{'...' if len(sc.name) > 80 else ''} ({sc.months} months, "
            f"{actors(sum(sc.population.counts.as_tuple()))} actors)",
            soft_wrap=True,
        )
        warn(notes)
    if problems:
        fail(problems)


@app.command()
def params(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Flag: the same as --format json.", metavar=""),
    ] = False,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="table (for people; names never broken), csv or json (for scripts).",
        ),
    ] = "table",
    section: Annotated[
        str | None,
        typer.Option(
            "--section",
            help="Only one table: population, network, leadership, investment, propositions, "
            "target, stages, dynamics, destruction, events (or a longer path prefix).",
        ),
    ] = None,
) -> None:
    """List every parameter path with its plain name, value, units and description."""
    from commonfuture.scenario import parameter_table
    from commonfuture.vocabulary import parameter_label

    fmt = "json" if as_json else fmt.strip().lower()
    if fmt not in ("table", "csv", "json"):
        fail(f"--format: {fmt!r} is not one of table, csv, json")
    sc = _load(scenario, quiet=True)
    rows = parameter_table(sc)
    if section is not None:
        prefix = section.rstrip(".")
        rows = [
            r for r in rows if r.path == prefix or r.path.startswith((f"{prefix}.", f"{prefix}["))
        ]
        if not rows:
            tops = sorted({r.path.split(".")[0].split("[")[0] for r in parameter_table(sc)})
            fail(f"--section: no parameters under {section!r} (choose from {', '.join(tops)})")
    records = [
        {
            "path": r.path,
            "label": parameter_label(r.path),
            "value": r.value,
            "units": r.units,
            "description": r.description,
            "lower": r.lower,
            "upper": r.upper,
        }
        for r in rows
    ]
    if fmt == "json":
        typer.echo(json.dumps(records, indent=2))
        return
    if fmt == "csv":
        import csv
        import sys

        w = csv.DictWriter(sys.stdout, fieldnames=list(records[0]), lineterminator="\n")
        w.writeheader()
        for rec in records:
            w.writerow({**rec, "value": json.dumps(rec["value"])})
        return
    # names are never broken: in a narrow terminal each parameter is a line of its own
    # (path = value (units)) with its plain name and description wrapped under it; in a
    # wide one a table whose path column is as wide as the longest path
    widest = max(len(r["path"]) for r in records)
    if console.width < widest + 70:
        from rich.padding import Padding

        console.print(f"[bold]{safe(sc.name)}: {len(rows)} parameters[/bold]")
        for rec in records:
            units = f"  [dim]({safe(rec['units'])})[/dim]" if rec["units"] else ""
            console.print(
                f"[bold]{safe(rec['path'])}[/bold] = {safe(json.dumps(rec['value']))}{units}"
            )
            console.print(
                Padding(
                    f"[italic]{safe(rec['label'])}[/italic]: {safe(rec['description'])}",
                    (0, 0, 0, 4),
                )
            )
        return
    t = Table(title=f"{safe(sc.name)}: {len(rows)} parameters")
    t.add_column("parameter", no_wrap=True, min_width=widest)
    t.add_column("value", overflow="fold", max_width=24)
    t.add_column("units", overflow="fold", max_width=16)
    t.add_column("plain name: description", overflow="fold", ratio=1)
    for rec in records:
        t.add_row(
            safe(rec["path"]),
            safe(json.dumps(rec["value"])),
            safe(rec["units"]),
            f"[bold]{safe(rec['label'])}[/bold]: {safe(rec['description'])}",
        )
    console.print(t)
