"""Dashboard speed: after a lever change, how soon are the first months drawn, and how long
until the run completes, at a case's size and 30 replicates (compare with `commonfuture run`).

    .venv/bin/python benchmarks/dashboard.py [edinburgh/active-travel]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from commonfuture.dashboard import charts, logic
from commonfuture.scenario import load_scenario


def main(case: str = "edinburgh/active-travel", replicates: int = 30) -> None:
    path = logic.cases()[case]
    base = load_scenario(path)
    charts.warm(base.months, base.target.name)  # the page writes the templates ahead
    first: list[float] = []
    t0 = time.perf_counter()

    def drawn(snap: logic.Snapshot) -> None:
        specs = charts.overview(snap.arrays, snap.scenario.months, snap.scenario.target.name)
        json.dumps(specs)  # what the page is sent
        if not first:
            first.append(time.perf_counter() - t0)

    sc = logic.build(base, {"leadership.alignment": 0.4})
    t0 = time.perf_counter()
    snap = logic.Job(sc, 1, replicates, on_update=drawn).start().wait()
    total = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as out:
        c0 = time.perf_counter()
        subprocess.run(
            [
                str(Path(sys.executable).with_name("commonfuture")),
                "run",
                str(path),
                "-r",
                str(replicates),
                "-s",
                "1",
                "-o",
                out,
                "--set",
                "leadership.alignment=0.4",
            ],
            check=True,
            capture_output=True,
        )
        cli = time.perf_counter() - c0
    print(f"{case}: {snap.n_actors:,} actors x {replicates} replicates x {sc.months} months")
    print(f"  first months drawn after a lever change: {first[0]:.2f} s")
    print(f"  run complete in the dashboard (charts drawn meanwhile): {total:.2f} s")
    print(f"  the same run with the CLI (commonfuture run, process start included): {cli:.2f} s")


if __name__ == "__main__":
    main(*sys.argv[1:2])
