"""``experiment``: the paper's claims as statistical tests (pattern-oriented validation)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from commonfuture.cli._app import (
    Threads,
    app,
    claim_folder,
    console,
    fail,
    fits_in_memory,
    scale_option,
    use_threads,
)


def _n(x, fmt: str = "+.3g") -> str:
    """A number from patterns.json for the table: '-' where JSON holds null (NaN)."""
    return "-" if x is None else format(x, fmt)


def _months_bar() -> Progress:
    """A bar counting replicate-months as the claims run (their total is not known ahead)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f} replicate-months"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


@app.command()
def experiment(
    name: Annotated[
        str,
        typer.Argument(
            help="Pattern: stages, small-wins, multi-win, leadership, linkage, investment, or all."
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output directory.", show_default="experiments-out/NAME"),
    ] = None,
    replicates: Annotated[
        int, typer.Option("--replicates", "-r", min=2, help="Replicates per arm.")
    ] = 30,
    seed: Annotated[
        int, typer.Option("--seed", "-s", min=0, help="Random seed: same seed, same results.")
    ] = 0,
    scale: Annotated[float, typer.Option("--scale", help="Multiply population counts.")] = 1.0,
    case: Annotated[
        str | None,
        typer.Option(
            "--case",
            help="Run on this shipped case (edinburgh/active-travel, edinburgh/carbon-literacy, "
            "edinburgh/community-solar, generic) or on all of them; default: each pattern's "
            "own case.",
        ),
    ] = None,
    threads: Threads = None,
) -> None:
    """Run a pattern of the paper as a treatment-control experiment; write OUT/patterns.json,
    a figure per pattern and OUT/report.html."""
    from commonfuture.patterns import PATTERNS, run_pattern, write_patterns

    names = list(PATTERNS) if name == "all" else [name]
    unknown = [n for n in names if n not in PATTERNS]
    if unknown:
        fail(f"experiment: unknown pattern {unknown[0]!r} (choose from {', '.join(PATTERNS)}, all)")
    scale_option(scale)
    use_threads(threads)
    from commonfuture.patterns.cases import CASES, HOME

    if case is not None and case != "all" and case not in CASES:
        fail(f"--case: unknown case {case!r} (choose from {', '.join(CASES)}, all)")
    cases = [HOME[n] for n in names] if case is None else list(CASES) if case == "all" else [case]
    fits_in_memory(cases, scale, replicates)
    out = out or Path("experiments-out") / name
    claim_folder(out, "patterns", "a pattern experiment")
    if case is not None:
        _everywhere(names, case, out, replicates, seed, scale)
        return
    results = []
    t0 = time.perf_counter()
    with _months_bar() as bar:
        for n in names:
            task = bar.add_task(n, total=None)
            results.append(
                run_pattern(
                    n,
                    seed=seed,
                    replicates=replicates,
                    scale=scale,
                    progress=lambda k, task=task: bar.advance(task, k),
                )
            )
    meta = {
        "seed": seed,
        "replicates_per_arm": replicates,
        "scale": scale,
        "wall_time_s": round(time.perf_counter() - t0, 1),
    }
    path = write_patterns(results, out, meta)
    table = Table(title="The paper's claims as statistical tests")
    for col in ("pattern", "measure", "effect [95% CI]", "test", "p", "reproduced"):
        table.add_column(col, overflow="fold")
    doc = json.loads(path.read_text())
    for e in doc["patterns"]:
        table.add_row(
            e["title"],
            e["measure"],
            f"{_n(e['effect'])} [{_n(e['ci_low'])}, {_n(e['ci_high'])}]",
            e["test"],
            _n(e["p_value"], ".2g"),
            "[green]yes[/green]" if e["reproduced"] else "[red]no[/red]",
        )
    console.print(table)
    try:
        from commonfuture.report import write_report

        html = write_report(out)
        console.print(f"wrote {path} and {html}")
    except ImportError:
        console.print(f"wrote {path}")


def _everywhere(
    names: list[str], case: str, out: Path, replicates: int, seed: int, scale: float
) -> None:
    """``--case``: the patterns on one case or on every case where each applies."""
    from commonfuture.patterns.cases import CASES
    from commonfuture.patterns.everywhere import git_commit, run_everywhere, write_everywhere

    cases = list(CASES) if case == "all" else [case]
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        fail(f"--case: unknown case {unknown[0]!r} (choose from {', '.join(CASES)}, all)")
    t0 = time.perf_counter()
    with _months_bar() as bar:
        task = bar.add_task("", total=None)
        results, skipped = run_everywhere(
            names,
            cases,
            seed=seed,
            replicates=replicates,
            scale=scale,
            progress=lambda k: bar.advance(task, k),
            on_start=lambda n, c: bar.update(task, description=f"{n} on {c}"),
        )
    meta = {
        "seed": seed,
        "replicates_per_arm": replicates,
        "scale": scale,
        "commit": git_commit(),
        "wall_time_s": round(time.perf_counter() - t0, 1),
    }
    path = write_everywhere(results, skipped, out, meta)
    doc = json.loads(path.read_text())
    table = Table(title="The paper's claims on every case")
    for col in ("pattern", "case", "effect [95% CI]", "p", "reproduced"):
        table.add_column(col, overflow="fold")
    for e in doc["patterns"]:
        table.add_row(
            e["name"],
            e["case"],
            f"{_n(e['effect'])} [{_n(e['ci_low'])}, {_n(e['ci_high'])}]",
            _n(e["p_value"], ".2g"),
            "[green]yes[/green]" if e["reproduced"] else "[red]no[/red]",
        )
    for s in doc["not_applicable"]:
        table.add_row(s["name"], s["case"], f"does not apply: {s['why_not']}", "", "")
    console.print(table)
    try:
        from commonfuture.report import write_report

        html = write_report(out)
        console.print(f"wrote {path} and {html}")
    except ImportError:
        console.print(f"wrote {path}")
