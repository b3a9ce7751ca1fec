"""`make bench` (part): a calibration of 3 parameters of Community Solar against its
dated observations, on 2 cores, at the case's size. Target: under 3 minutes.

Side by side in one run: particles of one simulation each (the default), and particles
of four replicates advanced together (``replicates=4``, accepted with the share of
replicates within epsilon as weight), with the same particles per generation and the
same generations; the same on a small scenario (the generic one at a quarter of its
size, one parameter); then the simulations themselves, four replicates advanced
together against four runs one after another. Writes ``benchmarks/calibration.json`` and prints
the times and the posteriors.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402

from commonfuture import load_scenario  # noqa: E402
from commonfuture.calibration.abc import calibrate, parse_fits, run_one, targets_from  # noqa: E402
from commonfuture.evidence import load_observations  # noqa: E402
from commonfuture.scenario.load import scaled  # noqa: E402

FITS = [
    "population.threshold_mean=0.3:0.5",
    "population.join_rate=0.1:0.5",
    "leadership.alignment=0.5:0.95",
]
TARGET_SECONDS = 180.0
POPULATION, GENERATIONS, WORKERS = 100, 5, 2


def ess(w: np.ndarray) -> float:
    """Effective sample size of normalised weights."""
    return float(1.0 / np.sum((w / w.sum()) ** 2))


def one(sc, targets, fits, replicates: int, generations: int = GENERATIONS) -> dict:
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        post = calibrate(
            sc,
            targets,
            fits,
            tmp,
            population=POPULATION,
            generations=generations,
            workers=WORKERS,
            replicates=replicates,
        )
    seconds = time.perf_counter() - t0
    table = post.table()
    return {
        "replicates_per_particle": replicates,
        "seconds": seconds,
        "simulations": post.simulations,
        "ms_per_simulation": 1000 * seconds / post.simulations,
        "final_epsilon": post.epsilons[-1],
        "effective_sample_size": ess(post.samples["weight"].to_numpy()),
        "interval_widths": dict(zip(table["parameter"], table["q95"] - table["q05"], strict=True)),
        "posterior": table.to_dict(orient="records"),
    }


def kernel(sc, months: int, k: int = 4, repeats: int = 5) -> dict:
    """Seconds for k replicates advanced together and one after another."""
    run_one(sc, {}, 0, months, k)  # compiled and warm
    together, apart = [], []
    for r in range(repeats):
        t0 = time.perf_counter()
        run_one(sc, {}, r, months, k)
        together.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for _ in range(k):
            run_one(sc, {}, r, months, 1)
        apart.append(time.perf_counter() - t0)
    return {
        "replicates": k,
        "months": months,
        "together_ms": 1000 * float(np.median(together)),
        "one_after_another_ms": 1000 * float(np.median(apart)),
    }


def small_case():
    """The generic scenario at a quarter of its size over 48 months, with members every
    three months and joins so far every year simulated at join_rate 0.3 (seed 11)."""
    import pandas as pd

    from commonfuture import simulate
    from commonfuture.scenario.load import apply_overrides

    sc = scaled(
        apply_overrides(load_scenario(ROOT / "scenarios" / "generic.toml"), {"months": 48}), 0.25
    )
    m = simulate(sc, seed=11, replicates=[0], overrides={"population.join_rate": 0.3}).monthly
    rows = [(k, "members", m["members"].iloc[k - 1]) for k in range(3, 49, 3)]
    rows += [(k, "cumulative:joins", m["joins"].iloc[:k].sum()) for k in range(12, 49, 12)]
    start = pd.Timestamp("2020-01-01")
    obs = pd.DataFrame(
        {
            "row": range(2, len(rows) + 2),
            "date": [start + pd.DateOffset(months=k) for k, _, _ in rows],
            "measure": [r[1] for r in rows],
            "value": [float(r[2]) for r in rows],
            "unit": "actors",
            "source": "simulated",
            "note": None,
        }
    )
    return sc, targets_from(obs, sc, start), parse_fits(sc, ["population.join_rate=0.05:0.6"])


def main() -> None:
    sc = load_scenario(ROOT / "scenarios" / "edinburgh" / "community-solar.toml")
    obs = load_observations(ROOT / "data" / "observations" / "community-solar.csv")
    targets = targets_from(obs, sc, "2013-09-01")
    fits = parse_fits(sc, FITS)
    runs = [one(sc, targets, fits, k) for k in (1, 4)]
    base = runs[0]
    small = small_case()
    small_runs = [one(*small, k, generations=4) for k in (1, 4)]
    out = {
        "case": "community-solar",
        "parameters": FITS,
        "population": POPULATION,
        "generations": GENERATIONS,
        "workers": WORKERS,
        # the default path (one simulation per particle) against the target
        "simulations": base["simulations"],
        "seconds": base["seconds"],
        "ms_per_simulation": base["ms_per_simulation"],
        "target_seconds": TARGET_SECONDS,
        "met": base["seconds"] < TARGET_SECONDS,
        "posterior": base["posterior"],
        "side_by_side": runs,
        # the same comparison on the small generic scenario (1 parameter, 4 generations)
        "small_side_by_side": small_runs,
        "kernel": kernel(sc, targets.last_month),
        # a small scenario (the generic one at a quarter of its size, 158 actors), where
        # each month's fixed costs weigh more than its actors
        "kernel_small": kernel(
            scaled(load_scenario(ROOT / "scenarios" / "generic.toml"), 0.25), 48, repeats=9
        ),
    }
    (HERE / "calibration.json").write_text(json.dumps(out, indent=2))
    for r in runs + small_runs:
        case = "community solar" if r in runs else "small generic, join_rate"
        widths = ", ".join(f"{k.split('.')[-1]} {v:.3f}" for k, v in r["interval_widths"].items())
        print(
            f"calibration, {case}, {r['replicates_per_particle']} "
            f"replicate(s) a particle: {r['seconds']:.1f} s for {r['simulations']} simulations "
            f"({r['ms_per_simulation']:.1f} ms each); final epsilon {r['final_epsilon']:.3f}, "
            f"effective sample size {r['effective_sample_size']:.0f}; 90% widths: {widths}"
        )
    for name, label in (("kernel", "community solar"), ("kernel_small", "small generic")):
        kn = out[name]
        print(
            f"{label}, {kn['replicates']} replicates of {kn['months']} months: "
            f"{kn['together_ms']:.0f} ms together, {kn['one_after_another_ms']:.0f} ms one "
            "after another"
        )
    print(
        f"target < {TARGET_SECONDS:.0f} s (one simulation a particle): "
        f"{'met' if out['met'] else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
