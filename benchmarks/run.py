"""`make bench`: speed and memory of the fast engine, side by side in one run.

Measures, on this machine, in one process run:

1. actor-months per second of the fast engine against N (1,000 to 1,000,000
   actors: the generic scenario scaled), monthly steps only, with set-up, months
   and the two together reported separately;
2. the speed ratio fast / Mesa reference at 10,000 actors: ``simulate`` from call to
   result (set-up included), and the months alone;
3. peak memory beyond the interpreter and imports, per actor and per tie, at
   1,000,000 actors (in a fresh subprocess);
4. throughput of a replicate-batched ensemble: 1,000 replicates of a
   5,040-actor scenario over 240 months;
5. 1,000,000 actors over 60 months, set-up included, on one thread and on every
   core, against the bare threshold yardstick (a sparse neighbour sum and a
   threshold rule on a network of the same size, single-threaded numpy);
6. a nation: 10,000,000 actors over 240 months in a fresh process, wall time and
   peak memory against the budget;
7. the experiment benchmark of ``benchmarks/ensemble.py`` (batched against
   one-at-a-time, local processes, a 2-worker Dask cluster), across sizes.

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


#: the resident peak of a child process from after its warm-up: the high-water mark is
#: reset once the compiled kernels are loaded (Linux's ``clear_refs``), so that compiling
#: them (LLVM's working memory, when the kernels' caches are cold) is not counted
PEAK = r"""
import resource


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:  # not Linux, or not allowed: the peak since the process started
        return False


def peak_bytes():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
"""

MEMORY_CHILD = (
    PEAK
    + r"""
import json, os, sys, tracemalloc
sys.path.insert(0, sys.argv[1])
from commonfuture import load_scenario, simulate
sc = load_scenario(sys.argv[2]).model_copy(update={"months": int(sys.argv[4])})
# load the compiled kernels: the parallel ones (a run of 65,536 actors or more uses them)
simulate(sc.model_copy(update={"months": 2}), seed=1, replicates=1, scale=110)
traced = sys.argv[5] == "traced"
reset = reset_peak()
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
    peak = peak_bytes()
print(json.dumps({"baseline_bytes": base, "peak_bytes": peak, "n": res.n_actors,
                  "ties": res.n_ties, "peak_reset": reset}))
"""
)


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


def call_to_result(n: int, months: int, engine: str = "fast", threads: int | None = None) -> dict:
    """``simulate`` from call to result (set-up, months and the monthly table), in seconds,
    on ``threads`` threads (fast engine; default: as set)."""
    from commonfuture.parallel import set_threads
    from commonfuture.parallel import threads as current

    was = current()
    if threads is not None:
        set_threads(threads)
    try:
        t0 = time.perf_counter()
        res = simulate(scenario(months), seed=1, replicates=1, scale=n / BASE_N, engine=engine)
        dt = time.perf_counter() - t0
    finally:
        set_threads(was)
    return {
        "n": res.n_actors,
        "ties": res.n_ties,
        "months": months,
        "engine": engine,
        "threads": threads or was,
        "seconds": dt,
    }


def yardstick(n_actors: int, n_ties: int, months: int, seed: int = 1) -> dict:
    """The bare threshold model on a network of the same size, single-threaded numpy and
    scipy: set-up (random thresholds, a ring lattice of the same tie count with a tenth of
    its ties rewired, symmetric CSR), then each month a sparse neighbour sum and a threshold
    rule (an actor adopts when the weighted share of adopting neighbours reaches its
    threshold). Seconds for set-up and months."""
    import scipy.sparse as sp

    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    half = max(1, round(n_ties / n_actors))
    i = np.repeat(np.arange(n_actors, dtype=np.int64), half)
    j = (i + np.tile(np.arange(1, half + 1), n_actors)) % n_actors
    flip = rng.random(len(j)) < 0.1
    j[flip] = rng.integers(0, n_actors, int(flip.sum()))
    w = np.ones(len(i), np.float32)
    a = sp.coo_matrix((w, (i, j)), shape=(n_actors, n_actors)).tocsr()
    a = (a + a.T).tocsr()
    a.data[:] = 1.0
    degree = np.asarray(a.sum(axis=1)).ravel().astype(np.float32)
    threshold = rng.normal(0.25, 0.1, n_actors).astype(np.float32)
    active = np.zeros(n_actors, np.float32)
    active[rng.choice(n_actors, max(1, n_actors // 1000), replace=False)] = 1.0
    t1 = time.perf_counter()
    for _ in range(months):
        pull = a @ active
        active = np.maximum(active, (pull >= threshold * degree).astype(np.float32))
    t2 = time.perf_counter()
    return {
        "n": n_actors,
        "ties": int(a.nnz // 2),
        "months": months,
        "setup_s": t1 - t0,
        "months_s": t2 - t1,
        "seconds": t2 - t0,
        "adopters": int(active.sum()),
    }


def threads_and_yardstick(n: int, months: int, rounds: int) -> dict:
    """``simulate`` at ``n`` actors over ``months`` months, set-up included, on 1 thread
    and on every core, alternating with the bare threshold yardstick: median of rounds."""
    from commonfuture.parallel import pool_size

    cores = pool_size()
    rows: dict[str, list] = {"one": [], "all": [], "yardstick": []}
    for _ in range(rounds):
        rows["one"].append(call_to_result(n, months, threads=1))
        rows["all"].append(call_to_result(n, months, threads=cores))
        f = rows["one"][-1]
        rows["yardstick"].append(yardstick(f["n"], f["ties"], months))
    med = {k: sorted(v, key=lambda x: x["seconds"])[len(v) // 2] for k, v in rows.items()}
    return {
        "n": med["one"]["n"],
        "ties": med["one"]["ties"],
        "months": months,
        "cores": cores,
        "one_thread": med["one"],
        "all_threads": med["all"],
        "yardstick": med["yardstick"],
        "rounds": {k: [x["seconds"] for x in v] for k, v in rows.items()},
        "speedup": med["one"]["seconds"] / med["all"]["seconds"],
        "over_yardstick": med["yardstick"]["seconds"] / med["all"]["seconds"],
    }


NATION_CHILD = (
    PEAK
    + r"""
import json, os, sys, time
sys.path.insert(0, sys.argv[1])
from commonfuture import load_scenario, simulate
from commonfuture.resources import estimate_bytes
from commonfuture.scenario.load import scaled
sc = load_scenario(sys.argv[2]).model_copy(update={"months": int(sys.argv[4])})
# load the compiled kernels: the parallel ones (a run of 65,536 actors or more uses them)
simulate(sc.model_copy(update={"months": 2}), seed=1, replicates=1, scale=110)
reset = reset_peak()
with open("/proc/self/statm") as f:
    base = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
t0 = time.perf_counter()
res = simulate(sc, seed=1, replicates=1, scale=float(sys.argv[3]))
dt = time.perf_counter() - t0
peak = peak_bytes()
print(json.dumps({"baseline_bytes": base, "peak_bytes": peak, "n": res.n_actors,
                  "ties": res.n_ties, "seconds": dt, "peak_reset": reset,
                  "months": int(sys.argv[4]),
                  "estimate_bytes": estimate_bytes(scaled(sc, float(sys.argv[3]))),
                  "members_end": int(res.monthly["members"].iloc[-1])}))
"""
)


def nation(n: int, months: int) -> dict:
    """``n`` actors over ``months`` months in a fresh process: wall time from call to result
    and the resident peak beyond the interpreter, imports and loaded kernels."""
    out = subprocess.run(
        [sys.executable, "-c", NATION_CHILD, str(ROOT / "src"), str(GENERIC), str(n / BASE_N)]
        + [str(months)],
        capture_output=True,
        text=True,
        check=True,
    )
    m = json.loads(out.stdout.strip().splitlines()[-1])
    extra = m["peak_bytes"] - m["baseline_bytes"]
    budget = 300 * m["n"] + 16 * m["ties"]
    m.update(
        {
            "beyond_baseline_bytes": extra,
            "budget_bytes": budget,
            "ratio_to_budget": extra / budget,
            "seconds_per_month": m["seconds"] / months,
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

    # load the compiled kernels before timing: their serial twins (runs under 65,536
    # actor-slots) and the parallel kernels (larger runs)
    for n in (BASE_N, 70_000):
        simulate(scenario(2), seed=1, replicates=1, scale=n / BASE_N)
    print("1/7 scaling ...", flush=True)
    scaling = [monthly_rate(n, 6 if q else (12 if n >= 1_000_000 else 24)) for n in sizes]
    results["scaling"] = scaling
    plot(scaling, out / ("scaling-quick.png" if q else "scaling.png"))
    save("scaling")

    print("2/7 fast against Mesa at 10,000 actors ...", flush=True)
    n_ref = 2_000 if q else 10_000
    try:
        results["mesa"] = {"n": n_ref}
        # the headline: simulate from call to result (set-up included), months 1-24, the
        # engines alternating; the median ratio of the rounds
        pairs = [
            (call_to_result(n_ref, 6 if q else 24), call_to_result(n_ref, 6 if q else 24, "mesa"))
            for _ in range(1 if q else 3)
        ]
        ratios = [m["seconds"] / f["seconds"] for f, m in pairs]
        mid = int(np.argsort(ratios)[len(ratios) // 2])
        results["mesa"]["call_to_result"] = {
            "months": pairs[mid][0]["months"],
            "fast": pairs[mid][0],
            "mesa": pairs[mid][1],
            "ratio": ratios[mid],
            "ratios": ratios,
        }
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

    print("3/7 peak memory ...", flush=True)
    results["memory"] = memory(100_000 if q else 1_000_000, 3 if q else 12)
    save("memory")

    print("4/7 replicate-batched ensemble ...", flush=True)
    results["ensemble"] = ensemble(20 if q else 1_000, 24 if q else 240)
    save("ensemble")

    print("5/7 a million actors: one thread, every core, the yardstick ...", flush=True)
    results["threads"] = threads_and_yardstick(
        100_000 if q else 1_000_000, 12 if q else 60, 1 if q else 3
    )
    save("threads")

    print("6/7 a nation: 10,000,000 actors over 240 months ...", flush=True)
    results["nation"] = nation(200_000 if q else 10_000_000, 12 if q else 240)
    save("nation")

    print("7/7 experiments: batched, one at a time, Dask ...", flush=True)
    if not experiments:
        results["experiments"] = {"skipped": "--no-experiments"}
    else:
        try:
            sys.path.insert(0, str(HERE))
            import ensemble as experiments_bench

            # its quick size by default: the full size would take make bench past 15 minutes
            results["experiments"] = experiments_bench.main(
                quick=q or not full_experiments, scales=(2.0,) if q else (2.0, 20.0)
            )
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
            f"fast engine, N = {p['n']:,} (set-up {p['setup_s']:.2f} s, months"
            f" {p['total_s'] - p['setup_s']:.2f} s, together {p['total_s']:.2f} s)",
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
    if "call_to_result" in m:
        c = m["call_to_result"]
        t.add_row(
            f"simulate, call to result, fast / Mesa at {m['n']:,} actors, {c['months']} months"
            f" (median of {len(c['ratios'])})",
            f"{c['ratio']:.0f}x (fast {c['fast']['seconds']:.3f} s,"
            f" Mesa {c['mesa']['seconds']:.1f} s)",
            ">= 200x",
            "yes" if c["ratio"] >= 200 else "no",
        )
    if "ratio" in m:
        head = m["over_24_months"]
        t.add_row(
            f"fast / Mesa at {m['n']:,} actors, months 1-{head['months']}"
            f" (median of {len(head['ratios'])})",
            f"{head['ratio']:.0f}x (fast {head['fast']['seconds_per_month'] * 1e3:.2f} ms,"
            f" Mesa {head['mesa']['seconds_per_month'] * 1e3:.0f} ms a month)",
            "",
            "",
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
    th = r.get("threads")
    if th:
        one, every, yard = th["one_thread"], th["all_threads"], th["yardstick"]
        t.add_row(
            f"{th['n']:,} actors, {th['months']} months, set-up included, {th['cores']} cores"
            " against 1",
            f"{th['speedup']:.2f}x ({one['seconds']:.1f} s on 1 thread,"
            f" {every['seconds']:.1f} s on {th['cores']})",
            ">= 1.7x on 2 cores",
            "yes" if th["speedup"] >= 1.7 else "no",
        )
        t.add_row(
            "  against the bare threshold yardstick (numpy, 1 thread), set-up included",
            f"{th['over_yardstick']:.2f}x (yardstick {yard['seconds']:.1f} s: set-up"
            f" {yard['setup_s']:.1f} s, months {yard['months_s']:.1f} s)",
            ">= 1x",
            "yes" if th["over_yardstick"] >= 1 else "no",
        )
    na = r.get("nation")
    if na:
        t.add_row(
            f"a nation: {na['n']:,} actors, {na['ties']:,} ties, {na['months']} months",
            f"{na['seconds']:.0f} s ({na['seconds_per_month'] * 1e3:.0f} ms a month, set-up"
            f" included); peak {na['beyond_baseline_bytes'] / 1e9:.2f} GB ="
            f" {na['ratio_to_budget']:.2f} x budget (estimate {na['estimate_bytes'] / 1e9:.1f} GB)",
            "<= 300 B/actor + 16 B/tie",
            "yes" if na["ratio_to_budget"] <= 1 else "no",
        )
    for size in r.get("experiments", {}).get("sizes", []):
        head = f"experiments, {size['replicates']} x {size['actors']:,} actors x 60 months"
        for key, val in size.items():
            if isinstance(val, dict) and "runs_per_s" in val:
                t.add_row(
                    f"{head}: {key}",
                    f"{val['runs_per_s']:.1f} runs/s ({val['against_batched']:.2f}x batched)",
                    ">= 1x batched" if "choice" in key else "",
                    ("yes" if val["against_batched"] >= 0.95 else "no") if "choice" in key else "",
                )
    Console(width=None if sys.stdout.isatty() else 150).print(t)


if __name__ == "__main__":
    main()
