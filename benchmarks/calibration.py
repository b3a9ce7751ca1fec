"""`make bench` (part): a calibration of 3 parameters of Community Solar against its
dated observations, on 2 cores, at the case's size. Target: under 3 minutes.

Writes ``benchmarks/calibration.json`` and prints the time and the posterior.
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

from commonfuture import load_scenario  # noqa: E402
from commonfuture.calibration.abc import calibrate, parse_fits, targets_from  # noqa: E402
from commonfuture.evidence import load_observations  # noqa: E402

FITS = [
    "population.threshold_mean=0.3:0.5",
    "population.join_rate=0.1:0.5",
    "leadership.alignment=0.5:0.95",
]
TARGET_SECONDS = 180.0


def main() -> None:
    sc = load_scenario(ROOT / "scenarios" / "edinburgh" / "community-solar.toml")
    obs = load_observations(ROOT / "data" / "observations" / "community-solar.csv")
    targets = targets_from(obs, sc, "2013-09-01")
    fits = parse_fits(sc, FITS)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        post = calibrate(sc, targets, fits, tmp, population=100, generations=5, workers=2)
    seconds = time.perf_counter() - t0
    table = post.table()
    out = {
        "case": "community-solar",
        "parameters": FITS,
        "population": 100,
        "generations": 5,
        "workers": 2,
        "simulations": post.simulations,
        "seconds": seconds,
        "ms_per_simulation": 1000 * seconds / post.simulations,
        "target_seconds": TARGET_SECONDS,
        "met": seconds < TARGET_SECONDS,
        "posterior": table.to_dict(orient="records"),
    }
    (HERE / "calibration.json").write_text(json.dumps(out, indent=2))
    print(
        f"calibration, 3 parameters, community solar: {seconds:.1f} s for "
        f"{post.simulations} simulations ({out['ms_per_simulation']:.1f} ms each); "
        f"target < {TARGET_SECONDS:.0f} s: {'met' if out['met'] else 'NOT met'}"
    )
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
