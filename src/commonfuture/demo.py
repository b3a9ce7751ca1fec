"""``make demo``: the three Edinburgh cases at demonstration size, and their report.

Runs each case of ``scenarios/edinburgh/`` (20 replicates, seed 1), saves each
as a run directory under ``demo/``, checks the calibration figures of the paper's cases,
and writes ``demo/report.html``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from commonfuture.manifest import claim, write_manifest
from commonfuture.runs import save_run
from commonfuture.scenario.load import load_scenario, scenarios_dir
from commonfuture.simulation import simulate
from commonfuture.writing import write_json

CASES = ("carbon-literacy", "community-solar", "active-travel")
REPLICATES = 30
SEED = 1


def calibration(case: str, result) -> dict:
    """The paper's figures against the replicate distribution, in words and numbers."""
    m = result.monthly
    g = m.groupby("replicate")
    if case == "community-solar":
        from commonfuture.patterns.case_paths import SOLAR_NOVEMBER_2015, share_buyers

        offer = next(p for p in result.scenario.propositions if p.holding is not None)
        bought = share_buyers(m, offer)
        month, raised = SOLAR_NOVEMBER_2015
        at_nov = bought[m["month"] == month].to_numpy()
        buyers = g[f"uptake.{offer.name}"].sum().to_numpy()
        n5, n50, n95 = np.percentile(at_nov, [5, 50, 95])
        fact = raised / offer.price
        filled = float((buyers >= (offer.issue or np.inf)).mean())
        ok = n5 <= fact <= n95 and filled > 0.5
        text = (
            f"Share buyers by late November 2015: median {n50:.0f} (5-95%: {n5:.0f}-{n95:.0f}) "
            f"against the more than {fact:.0f} that the GBP {raised:,.0f} raised by then buys at "
            f"the mean holding; the offer's {offer.issue} shares (GBP 1.5m) taken in "
            f"{filled:.0%} of replicates, by the model's diffusion. Calibrated parameter: "
            f"population.threshold_mean = {result.scenario.population.threshold_mean} "
            f"(residents' joining threshold), mean holding GBP {offer.price:,.0f} = "
            f"GBP 1.5m / 541."
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
        from commonfuture.patterns.case_paths import TRAVEL_2019

        first3 = m[m["stage"] >= 3].groupby("replicate")["month"].min()
        share = len(first3) / len(result.replicates)
        lo, hi = TRAVEL_2019
        in_2019 = m[(m["month"] >= lo) & (m["month"] <= hi)]
        residents = in_2019.groupby("replicate")["members_citizens"].mean().to_numpy()
        r5, r50, r95 = np.percentile(
            residents / result.scenario.population.counts.citizens, [5, 50, 95]
        )
        ok = share > 0.5 and r5 <= 0.24 <= r95
        reached = (
            f"Stage 3 (7% of residents backing it, committed or supporting) reached in "
            f"{share:.0%} of replicates, at a median of month {first3.median():.0f} of the "
            f"ten-year plan"
            if len(first3)
            else "Stage 3 was not reached"
        )
        text = (
            f"{reached}; residents committed in 2019: median {r50:.0%} (5-95%: {r5:.0%}-"
            f"{r95:.0%}) against the 24% who cycled weekly (Bike Life 2019). Calibrated "
            f"parameter: population.threshold_mean = "
            f"{result.scenario.population.threshold_mean} (residents' joining threshold)."
        )
    return {"ok": bool(ok), "text": text}


def _actors(sc) -> int:
    return sum(sc.population.counts.as_tuple())


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
        "(one to two minutes on 2 cores, then cached).[/dim]"
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
        # the largest first: their runs share out the work and compile the parallel
        # kernels, which the smaller then use (rather than compile serial twins)
        for case, sc in sorted(scenarios.items(), key=lambda kv: -_actors(kv[1])):
            bar.update(task, description=case)
            res = simulate(
                sc, seed=SEED, replicates=REPLICATES, progress=lambda k: bar.advance(task, k)
            )
            checks[case] = calibration(case, res)
            save_run(
                res, out / case, source=f"scenarios/edinburgh/{case}.toml", calibration=checks[case]
            )
    checks = {case: checks[case] for case in CASES}
    write_json(out / "calibration.json", checks)
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
