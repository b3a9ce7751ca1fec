"""``robustness``: where the paper's claims hold over the model's assumptions."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from commonfuture.cli._app import app, claim_folder, console, fail, fits_in_memory, scale_option


@app.command()
def robustness(
    name: Annotated[
        str,
        typer.Argument(
            help="Claim: stages, small-wins, multi-win, leadership, linkage, investment, or all."
        ),
    ],
    case: Annotated[
        str,
        typer.Option(
            "--case",
            help="A shipped case (edinburgh/active-travel, edinburgh/carbon-literacy, "
            "edinburgh/community-solar, generic), all (every case where the claim applies) "
            "or home (the case each claim was set up on).",
        ),
    ] = "all",
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output directory.", show_default="robustness-out"),
    ] = None,
    points: Annotated[
        int, typer.Option("--points", "-n", min=2, help="Latin-hypercube points per claim/case.")
    ] = 200,
    replicates: Annotated[
        int, typer.Option("--replicates", "-r", min=2, help="Replicates per arm at each point.")
    ] = 6,
    scale: Annotated[float, typer.Option("--scale", help="Multiply population counts.")] = 0.25,
    seed: Annotated[int, typer.Option("--seed", "-s", min=0, help="Random seed.")] = 0,
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", min=1, help="Local processes (default: all).")
    ] = None,
    cluster: Annotated[
        str | None, typer.Option("--cluster", help="Dask scheduler, tcp://host:port.")
    ] = None,
) -> None:
    """Sample the model's assumptions (a Latin hypercube over their plausible ranges), run
    each claim's experiment at every point with common random numbers, and report where the
    claim holds and, where it fails, the boxes of assumptions found by PRIM. Resumable: run
    the same command again to finish an interrupted map."""
    from commonfuture.experiments.store import Store, StoreBusy, StoreDamaged, StoreMismatch
    from commonfuture.manifest import write_manifest
    from commonfuture.patterns.cases import CASES, HOME, why_not
    from commonfuture.patterns.claims import PATTERNS
    from commonfuture.patterns.everywhere import case_folder, git_commit
    from commonfuture.patterns.robustness import RobustnessMap, analyse, rules_fingerprint, run_map
    from commonfuture.patterns.robustness_output import write_summary

    names = list(PATTERNS) if name == "all" else [name]
    if any(n not in PATTERNS for n in names):
        fail(f"robustness: unknown claim {name!r} (choose from {', '.join(PATTERNS)}, all)")
    if case not in (*CASES, "all", "home"):
        fail(f"--case: unknown case {case!r} (choose from {', '.join(CASES)}, all, home)")
    scale_option(scale)
    out = out or Path("robustness-out")
    claim_folder(out, "robustness", "a robustness map")
    client = None
    if cluster is not None:
        from commonfuture.experiments.runner import connect

        try:
            client = connect(cluster)
        except ConnectionError as err:
            fail(f"--cluster: {err}")
    backend = "dask" if client is not None else "local"
    pairs, skipped = [], []
    for n in names:
        cases = [HOME[n]] if case == "home" else list(CASES) if case == "all" else [case]
        for c in cases:
            reason = why_not(n, c)
            if reason is None:
                pairs.append((n, c))
            else:
                skipped.append({"claim": n, "case": c, "why_not": reason})
    fits_in_memory([c for _, c in pairs], scale, replicates)
    meta = {
        "claims": name,
        "case": case,
        "points": points,
        "replicates": replicates,
        "scale": scale,
        "seed": seed,
        "commit": git_commit(),
        "rules": rules_fingerprint(),
    }
    write_manifest(out, "robustness", "commonfuture robustness", **meta)
    maps = []
    t0 = time.perf_counter()
    for n, c in pairs:
        rmap = RobustnessMap(n, c, points=points, replicates=replicates, scale=scale, seed=seed)
        folder = out / n / case_folder(c)
        try:
            store = Store(folder)
        except (StoreBusy, StoreDamaged) as err:
            fail(str(err))
        with store:
            with Progress(
                TextColumn(f"[bold]{n} on {c}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("points"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            ) as bar:
                task = bar.add_task("", total=points)
                try:
                    run_map(
                        rmap,
                        store,
                        backend=backend,
                        workers=workers,
                        client=client,
                        progress=lambda done, total, task=task: bar.update(task, completed=done),
                    )
                except StoreMismatch:
                    fail(
                        f"{folder}: holds a map computed with other settings or other model "
                        "rules (choose another --out folder)"
                    )
            maps.append(analyse(rmap, store.runs()))
        write_summary(out, maps, skipped, {**meta, "wall_time_s": time.perf_counter() - t0})
    write_summary(out, maps, skipped, {**meta, "wall_time_s": round(time.perf_counter() - t0, 1)})
    table = Table(title="Where the claims hold over the assumptions")
    for col in ("claim", "case", "share holding [95% CI]", "boxes where it fails"):
        table.add_column(col, overflow="fold")
    for a in maps:
        share = (
            f"{a['share_holds']:.0%} [{a['ci_low']:.0%}, {a['ci_high']:.0%}]"
            if a["evaluated"]
            else f"no point finished ({a['failed_runs']} runs failed)"
        )
        table.add_row(
            a["claim"], a["case"], share, "; ".join(b["words"] for b in a["boxes"]) or "-"
        )
    for s in skipped:
        table.add_row(s["claim"], s["case"], f"does not apply: {s['why_not']}", "")
    console.print(table)
    from commonfuture.report import write_report

    html = write_report(out)
    console.print(f"wrote {out / 'robustness.json'}, {out / 'robustness.md'} and {html}")
    empty = [a for a in maps if not a["evaluated"]]
    if empty:
        a = empty[0]
        fail(
            f"{a['claim']} on {a['case']}: no point of the map finished ({a['failed_runs']} "
            f"runs failed; see `commonfuture status {out / a['claim'] / case_folder(a['case'])}`)",
            code=1,
        )
