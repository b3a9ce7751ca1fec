"""``report``: a self-contained HTML page from a run or experiment directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from commonfuture.cli._app import (
    app,
    claim_folder,
    console,
    fail,
    os_problem,
    safe,
    writable_file,
)


@app.command()
def report(
    directory: Annotated[
        Path,
        typer.Argument(
            help="A folder written by run, experiment, sweep, sensitivity or cascades (or a "
            "folder of runs)."
        ),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="HTML file (default DIR/report.html).")
    ] = None,
) -> None:
    """Turn a run or experiment directory into a self-contained HTML report."""
    from commonfuture.experiments.store import StoreBusy, StoreDamaged
    from commonfuture.manifest import FolderConflict
    from commonfuture.report import render_report
    from commonfuture.writing import write_text

    if not directory.is_dir():
        fail(f"{directory}: not a directory")
    target = out if out is not None else directory / "report.html"
    writable_file(target, "--out" if out is not None else str(directory))
    try:
        html = render_report(directory)
    except (FileNotFoundError, FolderConflict, StoreBusy, StoreDamaged) as err:
        fail(str(err))
    except (ValueError, KeyError, OSError) as err:
        fail(f"{directory}: cannot read the results ({err})")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        page = write_text(target, html)
    except OSError as err:
        fail(f"--out: cannot write {target} ({os_problem(err)})")
    console.print(f"wrote {safe(page)}", soft_wrap=True)


@app.command()
def cascades(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path(
        "validation"
    ),
    n: Annotated[int, typer.Option("--n", min=100, help="Actors per Erdos-Renyi graph.")] = 10_000,
    trials: Annotated[int, typer.Option("--trials", min=1, help="Trials per mean degree.")] = 100,
    seed: Annotated[
        int, typer.Option("--seed", "-s", min=0, help="Random seed: same seed, same results.")
    ] = 0,
) -> None:
    """Validate the commitment link against Granovetter (1978) and Watts (2002)."""
    from rich.progress import Progress

    from commonfuture.validation.cascades import default_zs, reproduce

    claim_folder(out, "cascades", "the cascade validation")
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("Watts cascades", total=len(default_zs()))
        res = reproduce(out, n=n, trials=trials, seed=seed, progress=lambda k: bar.advance(task, k))
    from commonfuture.manifest import write_manifest

    write_manifest(out, "cascades", "commonfuture cascades", n=n, trials=trials, seed=seed)
    g, w = res["granovetter"], res["watts"]
    console.print(
        f"Granovetter riot: {g['riot_all_thresholds']} of 100 join; with the threshold-1 "
        f"actor replaced: {g['riot_threshold_1_replaced']}. Critical sd (mean field): "
        f"{g['critical_sd_mean_field']:.2f} (published 12.2)."
    )
    lo, hi = w["analytic_window"]
    console.print(f"Watts window (analytic): {lo:.2f} < z < {hi:.2f}; wrote {out}/")
