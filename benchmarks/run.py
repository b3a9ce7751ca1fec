"""`make bench`: speed and memory of the fast engine, side by side in one run.

Measures, on this machine, in one process run:

1. actor-months per second of the fast engine against N (1,000 to 1,000,000
   actors: the generic scenario scaled), monthly steps only (set-up excluded),
   and set-up time;
2. the speed ratio fast / Mesa reference at 10,000 actors;
3. peak memory beyond the interpreter and imports, per actor and per tie, at
   1,000,000 actors (in a fresh subprocess);
4. throughput of a replicate-batched ensemble: 1,000 replicates of a
   5,040-actor scenario over 240 months;
5. the experiment benchmark of ``benchmarks/ensemble.py`` (batched against
   one-at-a-time, local processes, a 2-worker Dask cluster), at its quick size
   unless ``--full-experiments``.

Writes ``benchmarks/results.json`` and ``benchmarks/scaling.png`` and prints a
table of every figure against its target. ``--quick`` runs a small version.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

from commonfuture import Run, load_scenario, simulate  # noqa: E402

GENERIC = ROOT / "scenarios" / "generic.toml"
BASE_N = 630  # actors in the generic scenario


def scenario(months: int):
    return load_scenario(GENERIC).model_copy(update={"months": months})


def monthly_rate(n: int, months: int, replicates: int = 1, engine: str = "fast") -> dict:
    """Seconds per simulated month (set-up excluded), and the set-up.

    Fast engine: set-up is building the run (actors, network, records), the months are
    its compiled loop. Mesa engine: timed between the first and last replicate-month."""
    if engine == "fast":
        t0 = time.perf_counter()
        run = Run(scenario(months), seed=1, replicates=replicates, scale=n / BASE_N)
        t1 = time.perf_counter()
        run.run()
        t2 = time.perf_counter()
        run.monthly()
        total = time.perf_counter() - t0
        per_month = (t2 - t1) / months
        return {
            "n": run.n_actors,
            "replicates": replicates,
            "months": months,
            "ties": int(round(float(np.mean(run.ties_per_replicate)))),
            "setup_s": t1 - t0,
            "total_s": total,
            "seconds_per_month": per_month,
            "actor_months_per_s": run.n_actors * replicates / per_month,
        }
    stamps: list[float] = []
    t0 = time.perf_counter()
    res = simulate(
        scenario(months),
        seed=1,
        replicates=replicates,
        scale=n / BASE_N,
        engine=engine,
        progress=lambda k: stamps.append(time.perf_counter()),
    )
    total = time.perf_counter() - t0
    # progress is called once per replicate-month (mesa)
    steps = len(stamps)
    per_step = (stamps[-1] - stamps[0]) / max(steps - 1, 1)
    actors = res.n_actors * replicates
    per_month_all = per_step * replicates
    return {
        "n": res.n_actors,
        "replicates": replicates,
        "months": months,
        "ties": res.n_ties,
        "setup_s": total - (stamps[-1] - stamps[0]) - per_step,
        "total_s": total,
        "seconds_per_month": per_month_all / replicates,
        "actor_months_per_s": actors / per_month_all,
    }


MEMORY_CHILD = r"""
import json, os, resource, sys, tracemalloc
sys.path.insert(0, sys.argv[1])
from commonfuture import load_scenario, simulate
sc = load_scenario(sys.argv[2]).model_copy(update={"months": int(sys.argv[4])})
simulate(sc.model_copy(update={"months": 2}), seed=1, replicates=1)  # load compiled kernels
traced = sys.argv[5] == "traced"
if traced:
    tracemalloc.start()  # numpy and scipy register their buffers with tracemalloc
    base = tracemalloc.get_traced_memory()[0]
else:  # resident set: every allocation, compiled kernels' arrays included
    with open("/proc/self/statm") as f:
        base = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
res = simulate(sc, seed=1, replicates=1, scale=float(sys.argv[3]))
if traced:
    peak = tracemalloc.get_traced_memory()[1]
else:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"baseline_bytes": base, "peak_bytes": peak, "n": res.n_actors,
                  "ties": res.n_ties}))
"""


def _memory_child(n: int, months: int, mode: str) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            MEMORY_CHILD,
            str(ROOT / "src"),
            str(GENERIC),
            str(n / BASE_N),
            str(months),
            mode,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def memory(n: int, months: int) -> dict:
    """Peak memory of a run beyond the interpreter, imports and loaded kernels, in a fresh
    process: the resident set's high-water mark (everything the process touched), and, for
    comparison, the peak of the buffers numpy and scipy report to ``tracemalloc``."""
    m = _memory_child(n, months, "rss")
    traced = _memory_child(n, months, "traced")
    extra = m["peak_bytes"] - m["baseline_bytes"]
    budget = 300 * m["n"] + 16 * m["ties"]
    m.update(
        {
            "beyond_baseline_bytes": extra,
            "budget_bytes": budget,
            "bytes_per_actor_after_ties": (extra - 16 * m["ties"]) / m["n"],
            "ratio_to_budget": extra / budget,
            "traced_bytes": traced["peak_bytes"] - traced["baseline_bytes"],
        }
    )
    return m


def ensemble(replicates: int, months: int) -> dict:
    sc = scenario(months)
    t0 = time.perf_counter()
    res = simulate(sc, seed=7, replicates=replicates, scale=8.0)
    dt = time.perf_counter() - t0
    am = res.n_actors * replicates * months
    return {
        "replicates": replicates,
        "n": res.n_actors,
        "months": months,
        "seconds": dt,
        "actor_months_per_s": am / dt,
        "runs_per_s": replicates / dt,
    }


def plot(points: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = np.array([p["n"] for p in points])
    per_month = np.array([p["seconds_per_month"] for p in points])
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.loglog(n, per_month, "o-", color="#08519c", label="fast engine, seconds per month")
    ax.loglog(n, n / 1e7, "--", color="#999999", label="target: 10 million actor-months/s")
    ax.set_xlabel("actors (N)")
    ax.set_ylabel("seconds per simulated month")
    ax.set_title("Time against population size", fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a small, fast version")
    ap.add_argument("--out", type=Path, default=HERE)
    ap.add_argument("--no-experiments", action="store_true", help="skip benchmarks/ensemble.py")
    ap.add_argument(
        "--full-experiments",
        action="store_true",
        help="benchmarks/ensemble.py at its full 1,000 replicates (tens of minutes on 2 cores)",
    )
    args = ap.parse_args()
    run(
        quick=args.quick,
        out=args.out,
        experiments=not args.no_experiments,
        full_experiments=args.full_experiments,
    )


def run(
    quick: bool = False, out: Path = HERE, experiments: bool = True, full_experiments: bool = False
) -> dict:
    """Run every benchmark, write the JSON (after each part) and the plot; return the results."""
    q = quick
    path = out / ("results-quick.json" if q else "results.json")
    sizes = [1_000, 10_000, 100_000] if q else [1_000, 10_000, 100_000, 1_000_000]
    results: dict = {
        "date": date.today().isoformat(),
        "machine": {
            "python": platform.python_version(),
            "processor": platform.processor() or platform.machine(),
            "cpus": __import__("os").cpu_count(),
        },
        "quick": q,
    }

    started = time.perf_counter()

    def save(part: str) -> None:
        results.setdefault("elapsed_s", {})[part] = round(time.perf_counter() - started, 1)
        path.write_text(json.dumps(results, indent=2))

    print("1/5 scaling ...", flush=True)
    scaling = [monthly_rate(n, 6 if q else (12 if n >= 1_000_000 else 24)) for n in sizes]
    results["scaling"] = scaling
    plot(scaling, out / ("scaling-quick.png" if q else "scaling.png"))
    save("scaling")

    print("2/5 fast against Mesa at 10,000 actors ...", flush=True)
    n_ref = 2_000 if q else 10_000
    try:
        results["mesa"] = {"n": n_ref}
        # the headline: months 1-24 (the scaling runs' horizon), in rounds that alternate
        # the engines so both see the same machine; the median ratio of the rounds
        for key, months, rounds in (
            [("over_24_months", 6, 1)]
            if q
            else [("over_24_months", 24, 3), ("months_1_4", 4, 3), ("over_120_months", 120, 1)]
        ):
            pairs = [
                (monthly_rate(n_ref, months), monthly_rate(n_ref, months, engine="mesa"))
                for _ in range(rounds)
            ]
            ratios = [f["actor_months_per_s"] / m["actor_months_per_s"] for f, m in pairs]
            mid = int(np.argsort(ratios)[len(ratios) // 2])
            results["mesa"][key] = {
                "months": months,
                "fast": pairs[mid][0],
                "mesa": pairs[mid][1],
                "ratio": ratios[mid],
                "ratios": ratios,
            }
        results["mesa"]["ratio"] = results["mesa"]["over_24_months"]["ratio"]
    except (ImportError, ValueError, NotImplementedError) as err:
        results["mesa"] = {"n": n_ref, "skipped": f"Mesa reference: {err}"}
    save("mesa")

    print("3/5 peak memory ...", flush=True)
    results["memory"] = memory(100_000 if q else 1_000_000, 3 if q else 12)
    save("memory")

    print("4/5 replicate-batched ensemble ...", flush=True)
    results["ensemble"] = ensemble(20 if q else 1_000, 24 if q else 240)
    save("ensemble")

    print("5/5 experiments: batched, one at a time, Dask ...", flush=True)
    if not experiments:
        results["experiments"] = {"skipped": "--no-experiments"}
    else:
        try:
            sys.path.insert(0, str(HERE))
            import ensemble as experiments_bench

            # its quick size by default: the full size would take make bench past 15 minutes
            results["experiments"] = experiments_bench.main(quick=q or not full_experiments)
        except ImportError as err:
            results["experiments"] = {"skipped": f"benchmarks/ensemble.py: {err}"}
    save("experiments")
    report(results)
    return results


def report(r: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"commonfuture benchmarks, {r['date']}" + (" (quick)" if r["quick"] else ""))
    for c in ("measure", "value", "target", "met"):
        t.add_column(c)
    big = r["scaling"][-1]
    for p in r["scaling"]:
        t.add_row(
            f"fast engine, N = {p['n']:,} (set-up {p['setup_s']:.1f} s)",
            f"{p['actor_months_per_s'] / 1e6:.2f} M actor-months/s",
            "",
            "",
        )
    ok = big["n"] >= 1_000_000 and big["actor_months_per_s"] >= 1e7
    t.add_row(
        f"  at {big['n']:,} actors",
        f"{big['actor_months_per_s'] / 1e6:.2f} M/s",
        ">= 10 M/s",
        "yes" if ok else "no",
    )
    m = r["mesa"]
    if "ratio" in m:
        head = m["over_24_months"]
        t.add_row(
            f"fast / Mesa at {m['n']:,} actors, months 1-{head['months']}"
            f" (median of {len(head['ratios'])})",
            f"{head['ratio']:.0f}x (fast {head['fast']['seconds_per_month'] * 1e3:.2f} ms,"
            f" Mesa {head['mesa']['seconds_per_month'] * 1e3:.0f} ms a month)",
            ">= 200x",
            "yes" if head["ratio"] >= 200 else "no",
        )
        for key in ("months_1_4", "over_120_months"):
            if key in m:
                x = m[key]
                t.add_row(
                    f"  months 1-{x['months']}",
                    f"{x['ratio']:.0f}x (fast {x['fast']['seconds_per_month'] * 1e3:.2f} ms,"
                    f" Mesa {x['mesa']['seconds_per_month'] * 1e3:.0f} ms a month)",
                    "",
                    "",
                )
    else:
        t.add_row(f"fast / Mesa at {m['n']:,} actors", m["skipped"], ">= 200x", "not measured")
    e = r["ensemble"]
    t.add_row(
        f"ensemble {e['replicates']} x {e['n']:,} actors x {e['months']} months",
        f"{e['actor_months_per_s'] / 1e6:.2f} M/s ({e['runs_per_s']:.2f} runs/s)",
        ">= 10 M/s",
        "yes" if e["actor_months_per_s"] >= 1e7 else "no",
    )
    mem = r["memory"]
    t.add_row(
        f"peak memory at {mem['n']:,} actors, {mem['ties']:,} ties",
        f"{mem['beyond_baseline_bytes'] / 1e6:.0f} MB resident = {mem['ratio_to_budget']:.2f} x"
        f" budget ({mem['bytes_per_actor_after_ties']:.0f} B/actor after 16 B/tie;"
        f" numpy buffers {mem['traced_bytes'] / 1e6:.0f} MB)",
        "<= 300 B/actor + 16 B/tie",
        "yes" if mem["ratio_to_budget"] <= 1 else "no",
    )
    ex = r.get("experiments", {})
    for key, val in ex.items():
        if isinstance(val, dict) and "runs_per_s" in val:
            t.add_row(f"experiments: {key}", f"{val['runs_per_s']:.1f} runs/s", "", "")
    Console(width=None if sys.stdout.isatty() else 150).print(t)


if __name__ == "__main__":
    main()
