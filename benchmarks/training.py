"""`make bench` (part): the training game's speed.

Targets: a quarter (three months played and what the leaders see next) in **under
0.5 s** at each shipped case's size; the strong policy's search in **under 5 minutes**
per case on 2 cores at its stated budget (6 rounds x 12 candidates x 4 training
replicates = 288 runs of the case).

Measures, in one process, after a warm-up game that loads the compiled kernels:

1. for each shipped case, a whole game at the case's size and horizon, played by a
   scripted leader (3 hours to each group, the largest tension's settling hours plus
   2, negotiating 4, linking 4): the set-up (``Game(case, seed)``), and the seconds of
   each turn (``Game.play`` of a quarter and ``Game.observe`` of the next), their
   median and their slowest; then the debrief (four rival runs to the same month);
2. the search of the strong policy (``commonfuture.training.strong.search``) for one
   case (``--search-case``, default Community Solar, the slowest of the four in the
   study) at the budget ``strong.json`` states, wall time.

Writes ``benchmarks/training.json`` and prints every figure beside its target.

    .venv/bin/python benchmarks/training.py                  # all of it (about 5 minutes)
    .venv/bin/python benchmarks/training.py --no-search      # the quarters only
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

from commonfuture.training.debrief import debrief  # noqa: E402
from commonfuture.training.game import Game  # noqa: E402
from commonfuture.training.strong import BUDGET, search  # noqa: E402

CASES = (
    "generic",
    "edinburgh/carbon-literacy",
    "edinburgh/active-travel",
    "edinburgh/community-solar",
)
TARGET_QUARTER_S = 0.5
TARGET_SEARCH_S = 300.0


def scripted(view) -> dict:
    """An attentive leader: every group a little, the largest tension settled."""
    plan: dict = {"engage": {g: 3 for g in view.groups}, "negotiate": 4, "link": 4}
    if view.tensions:
        k = max(view.tensions, key=lambda k: (view.tensions[k], k))
        plan["arbitrate"] = {k: view.settle_hours[k] + 2}
    return plan


def quarters(case: str, seed: int = 0, months: int | None = None) -> dict:
    """A whole game of ``case``: set-up, each turn's seconds, the debrief's."""
    t0 = time.perf_counter()
    game = Game(case, seed, [f"months={months}"] if months else [])
    setup = time.perf_counter() - t0
    view = game.observe()
    turns = []
    while not game.done:
        t0 = time.perf_counter()
        game.play(scripted(view))
        view = game.observe()
        turns.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    debrief(game)
    told = time.perf_counter() - t0
    t = np.array(turns)
    return {
        "case": case,
        "actors": int(game.run.n_actors),
        "months": game.months,
        "quarters": len(turns),
        "setup_s": round(setup, 3),
        "quarter_median_s": round(float(np.median(t)), 4),
        "quarter_max_s": round(float(t.max()), 4),
        "quarter_over_target": round(float(t.max()) / TARGET_QUARTER_S, 3),  # the slowest
        "debrief_s": round(told, 2),
    }


def search_time(case: str) -> dict:
    from commonfuture.scenario.load import shipped

    sc = shipped(case)
    t0 = time.perf_counter()
    found = search(sc)
    wall = time.perf_counter() - t0
    return {
        "case": case,
        "budget": dict(BUDGET),
        "evaluations": found.evaluations,
        "seconds": round(wall, 1),
        "over_target": round(wall / TARGET_SEARCH_S, 3),
    }


def report(doc: dict) -> None:
    ok = lambda r: "meets" if r <= 1 else "MISSES"  # noqa: E731
    print(f"training game, {doc['machine']}")
    print(
        f"{'case':<28}{'actors':>8}{'quarters':>9}{'set-up s':>10}"
        f"{'quarter s (median)':>20}{'slowest':>9}{'target':>8}{'debrief s':>11}"
    )
    for r in doc["quarters"]:
        print(
            f"{r['case']:<28}{r['actors']:>8,}{r['quarters']:>9}{r['setup_s']:>10.2f}"
            f"{r['quarter_median_s']:>20.3f}{r['quarter_max_s']:>9.3f}"
            f"{TARGET_QUARTER_S:>8}{r['debrief_s']:>11.2f}  {ok(r['quarter_over_target'])}"
        )
    s = doc.get("search")
    if s:
        b = s["budget"]
        print(
            f"strong policy search, {s['case']} ({b['iterations']} rounds x "
            f"{b['candidates']} candidates x {b['seeds']} replicates = {s['evaluations']} "
            f"runs): {s['seconds']:.0f} s against {TARGET_SEARCH_S:.0f} s, "
            f"ratio {s['over_target']:.2f}  {ok(s['over_target'])}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--search-case", default="edinburgh/community-solar")
    ap.add_argument("--no-search", action="store_true")
    ap.add_argument("--out", type=Path, default=HERE / "training.json")
    args = ap.parse_args()
    t0 = time.perf_counter()
    quarters("generic", months=6)  # loads (or compiles) the kernels; not reported
    doc: dict = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "target_quarter_s": TARGET_QUARTER_S,
        "target_search_s": TARGET_SEARCH_S,
        "quarters": [quarters(c) for c in CASES],
    }
    if not args.no_search:
        doc["search"] = search_time(args.search_case)
    doc["elapsed_s"] = round(time.perf_counter() - t0, 1)
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    report(doc)


if __name__ == "__main__":
    main()
