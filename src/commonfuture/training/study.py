"""Search the strong policy for every shipped case and measure it on held-out seeds.

``python -m commonfuture.training.study [-o strong.json] [--held-out 20] [CASE ...]``
writes the searched parameters (the package's ``strong.json``) with, per case, the
strong policy against each rule of thumb on the held-out replicates: the paired
difference in score, its 95% interval, and how often the strong policy did better.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from commonfuture.leadership.policies import BUILT_IN
from commonfuture.scenario.load import shipped as shipped_scenario
from commonfuture.training.strong import (
    BUDGET,
    HELD_OUT_SEED,
    SHARE_KINDS,
    TRAIN_SEED,
    Parametric,
    compare,
    paired_interval,
    search,
)
from commonfuture.writing import dumps, write_json

CASES = (
    "generic",
    "edinburgh/carbon-literacy",
    "edinburgh/active-travel",
    "edinburgh/community-solar",
)


def study(case: str, held_out: int) -> dict:
    """Search ``case`` with the default budget and compare on ``held_out`` replicates."""
    sc = shipped_scenario(case)
    t0 = time.perf_counter()
    found = search(sc, progress=lambda i, b: print(f"  {case}: round {i}, best {b:.1f}"))
    wall = time.perf_counter() - t0
    policies = {"strong": Parametric(found.theta), **{n: n for n in BUILT_IN}}
    table = compare(sc, policies, held_out)
    rows = {}
    for name in BUILT_IN:
        mean, low, high = paired_interval(table["strong"], table[name])
        rows[name] = {
            "mean_score": float(table[name].mean()),
            "strong_minus_rule": mean,
            "ci95": [low, high],
            "strong_better_share": float((table["strong"] > table[name]).mean()),
        }
    out = found.to_json()
    out.update(
        search_seconds=round(wall, 1),
        held_out={
            "seed": HELD_OUT_SEED,
            "replicates": held_out,
            "strong_mean_score": float(table["strong"].mean()),
            "against": rows,
            "beats_every_rule": all(r["ci95"][0] > 0 for r in rows.values()),
        },
    )
    return out


NAMES = {
    "generic": "generic",
    "edinburgh/carbon-literacy": "Carbon Literacy",
    "edinburgh/active-travel": "Active Travel",
    "edinburgh/community-solar": "Community Solar",
}
RULES = ("steady", "firefight", "grow")


def tables(data: dict) -> str:
    """The held-out comparison and the searched policies as markdown tables (the
    trainer's guide shows them)."""
    head = "| case | strong | " + " | ".join(RULES) + " | "
    head += " | ".join(f"strong - {r}" for r in RULES) + " | search (s) |"
    lines = [head, "|---" * (2 + 2 * len(RULES) + 1) + "|"]
    for case, row in data["cases"].items():
        held, against = row["held_out"], row["held_out"]["against"]
        cells = [NAMES.get(case, case), f"{held['strong_mean_score']:,.1f}"]
        cells += [f"{against[r]['mean_score']:,.1f}" for r in RULES]
        for r in RULES:
            x = against[r]
            low, high = x["ci95"]
            cells.append(f"{x['strong_minus_rule']:,.1f} [{low:,.1f}, {high:,.1f}]")
        cells.append(f"{row['search_seconds']:.0f}")
        lines.append("| " + " | ".join(cells) + " |")
    head = " | ".join(("wins" if k == "wins" else k) for k in SHARE_KINDS)
    lines += ["", f"| case | {head} | priority | rescue |"]
    lines.append("|---" * (len(SHARE_KINDS) + 3) + "|")
    for case, row in data["cases"].items():
        p = row["policy"]
        vals = [p[f"share_{k}"] for k in SHARE_KINDS] + [p["priority"], p["rescue"]]
        lines.append(f"| {NAMES.get(case, case)} | " + " | ".join(f"{v:.2f}" for v in vals) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cases", nargs="*", default=list(CASES))
    ap.add_argument("-o", "--out", type=Path, default=Path(__file__).with_name("strong.json"))
    ap.add_argument("--held-out", type=int, default=20)
    ap.add_argument("--tables", action="store_true", help="print the guide's tables only")
    args = ap.parse_args(argv)
    if args.tables:
        print(tables(json.loads(args.out.read_text())), end="")
        return
    data = {"budget": BUDGET, "train_seed": TRAIN_SEED, "cases": {}}
    if args.out.exists():
        data["cases"] = json.loads(args.out.read_text()).get("cases", {})
    for case in args.cases:
        data["cases"][case] = study(case, args.held_out)
        write_json(args.out, data, indent=1)
        print(dumps(data["cases"][case]["held_out"], indent=1))


if __name__ == "__main__":
    main()
