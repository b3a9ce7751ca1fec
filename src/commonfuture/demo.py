"""``make demo``: the three Edinburgh cases at demonstration size, and their report.

Runs each case of ``scenarios/edinburgh/`` (20 replicates, seed 1), saves each
as a run directory under ``demo/``, checks the calibration figures of the paper's cases,
and writes ``demo/report.html``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from commonfuture.manifest import claim, write_manifest
from commonfuture.runs import save_run
from commonfuture.scenario.load import load_scenario, scenarios_dir
from commonfuture.simulation import simulate

CASES = ("carbon-literacy", "community-solar", "active-travel")
REPLICATES = 30
SEED = 1


def calibration(case: str, result) -> dict:
    """The paper's figures against the replicate distribution, in words and numbers."""
    m = result.monthly
    g = m.groupby("replicate")
    if case == "community-solar":
        offer = next(p for p in result.scenario.propositions if p.holding is not None)
        buyers = g[f"uptake.{offer.name}"].sum().to_numpy()
        capital = result.final()["capital_raised"].to_numpy()
        b5, b50, b95 = np.percentile(buyers, [5, 50, 95])
        c5, c50, c95 = np.percentile(capital, [5, 50, 95])
        ok = b5 <= 541 <= b95 and c5 <= 1.5e6 <= c95
        text = (
            f"Share buyers: median {b50:.0f} (5-95%: {b5:.0f}-{b95:.0f}) against the paper's 541; "
            f"capital raised: median GBP {c50 / 1e6:.2f}m (GBP {c5 / 1e6:.2f}m-{c95 / 1e6:.2f}m) "
            f"against GBP 1.5m. Calibrated parameter: population.threshold_mean = "
            f"{result.scenario.population.threshold_mean} (residents' joining threshold), "
            f"mean holding GBP {offer.price:,.0f} = GBP 1.5m / 541."
        )
    elif case == "carbon-literacy":
        formed = (g["stage"].max() >= 1).to_numpy()
        disrupted = ((g["disruptions"].sum() >= 1) & (g["stage"].last() == 0)).to_numpy()
        share = float((formed & disrupted).mean())
        ok = share > 0.5
        text = (
            f"The alliance formed (stage 1 or more) in {formed.mean():.0%} of replicates and was "
            f"then disrupted, ending at stage 0, in {share:.0%}: the paper's 'establishment and "
            f"disruption of a comparatively weak organisational alliance'."
        )
    else:
        first3 = m[m["stage"] >= 3].groupby("replicate")["month"].min()
        share = len(first3) / len(result.replicates)
        ok = share > 0.5
        text = (
            f"Stage 3 (7% of residents committed) reached in {share:.0%} of replicates, at a "
            f"median of month {first3.median():.0f} of the ten-year plan."
            if len(first3)
            else "Stage 3 was not reached."
        )
    return {"ok": bool(ok), "text": text}


def main() -> None:
    console = Console()
    out = Path("demo")
    claim(out, "runs", "the demonstration")
    out.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    scenarios = {c: load_scenario(scenarios_dir() / "edinburgh" / f"{c}.toml") for c in CASES}
    total = sum(REPLICATES * sc.months for sc in scenarios.values())
    console.print(
        "[dim]The model's loops are compiled on their first run on a machine "
        "(under a minute, then cached).[/dim]"
    )
    checks = {}
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("replicate-months"),
        TimeRemainingColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("Edinburgh cases", total=total)
        for case, sc in scenarios.items():
            bar.update(task, description=case)
            res = simulate(
                sc, seed=SEED, replicates=REPLICATES, progress=lambda k: bar.advance(task, k)
            )
            checks[case] = calibration(case, res)
            save_run(
                res, out / case, source=f"scenarios/edinburgh/{case}.toml", calibration=checks[case]
            )
    (out / "calibration.json").write_text(json.dumps(checks, indent=2))
    write_manifest(out, "runs", "make demo", runs=list(CASES), seed=SEED, replicates=REPLICATES)
    for case in CASES:
        mark = (
            "[green]as in the paper[/green]"
            if checks[case]["ok"]
            else "[red]not as in the paper[/red]"
        )
        console.print(f"[bold]{case}[/bold] ({mark}): {checks[case]['text']}")
    try:
        from commonfuture.report import write_report

        page = write_report(out, out / "report.html")
    except ImportError:  # pragma: no cover
        page = None
    console.print(f"done in {time.perf_counter() - t0:.0f} s")
    if page is not None:
        console.print(f"[bold green]report:[/bold green] {Path(page).resolve()}")
    else:
        console.print(f"runs written under {out.resolve()}")


if __name__ == "__main__":
    main()
