"""The leaders' policies compared on each case, on common random numbers.

For each shipped case, every built-in policy (and the steady policy with poor levers,
alignment = arbitration = 0.15, "poor leadership") runs on the same seeds and
replicates, so differences come from what the leaders did, not from the draw. Reported
per policy: the stage reached, net value by level, value lost by kind (the four kinds
and conflict), departures and key leaders who left, with 95% intervals over replicates.

``python -m commonfuture.patterns.policies -o docs/generated/policies.md`` writes the
table (``-r`` replicates, ``--scale`` population scale).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from commonfuture.patterns.cases import CASES, load_case
from commonfuture.simulation import simulate

#: the arms: a label, the policy, and lever overrides
ARMS: tuple[tuple[str, str, dict], ...] = (
    ("steady", "steady", {}),
    ("firefight", "firefight", {}),
    ("grow", "grow", {}),
    (
        "poor (steady, 0.15)",
        "steady",
        {"leadership.alignment": 0.15, "leadership.arbitration": 0.15},
    ),
)

#: per-run totals reported: column label -> (measure, how)
TOTALS: dict[str, tuple[str, str]] = {
    "final stage": ("stage", "last"),
    "max stage": ("stage", "max"),
    "members (end)": ("members", "last"),
    "net individual": ("value_individual", "sum"),
    "net service": ("value_service", "sum"),
    "net community": ("value_community", "sum"),
    "lost: ignorance": ("loss_ignorance", "sum"),
    "lost: disproportion": ("loss_disproportion", "sum"),
    "lost: backlash": ("loss_backlash", "sum"),
    "lost: exploitation": ("loss_exploitation", "sum"),
    "lost: conflict": ("loss_conflict", "sum"),
    "departures": ("secessions", "sum"),
    "key leaders (end)": ("members_key_leaders", "last"),
}


def per_run(monthly: pd.DataFrame, totals: dict[str, tuple[str, str]] = TOTALS) -> pd.DataFrame:
    """One row per replicate: the ``totals`` (label -> (measure, how)) of its run."""
    g = monthly.sort_values("month").groupby("replicate")
    return pd.DataFrame({label: getattr(g[col], how)() for label, (col, how) in totals.items()})


def compare(
    case: str, seed: int = 0, replicates: int = 20, scale: float = 1.0, overrides=None
) -> pd.DataFrame:
    """Every arm on ``case``, on the same seed and replicates: one row per arm and
    replicate (columns: ``arm``, ``replicate`` and the :data:`TOTALS`)."""
    sc = load_case(case)
    rows = []
    for label, policy, levers in ARMS:
        res = simulate(sc, seed, replicates, {**(overrides or {}), **levers}, scale, policy=policy)
        runs = per_run(res.monthly).reset_index()
        runs.insert(0, "arm", label)
        rows.append(runs)
    return pd.concat(rows, ignore_index=True)


def summary(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95% interval (normal, over replicates) of each total, per arm."""
    out = {}
    for arm, g in runs.groupby("arm", sort=False):
        row = {}
        for label in TOTALS:
            x = g[label].to_numpy(float)
            half = 1.96 * x.std(ddof=1) / np.sqrt(len(x)) if len(x) > 1 else 0.0
            row[label] = f"{x.mean():.2f} ± {half:.2f}"
        out[arm] = row
    return pd.DataFrame(out).T


def markdown(tables: dict[str, pd.DataFrame], replicates: int, seed: int) -> str:
    lines = [
        "# The leaders' policies compared on each case",
        "",
        f"Common random numbers: seed {seed}, replicates 0-{replicates - 1} in every arm. "
        "Mean over replicates ± 1.96 standard errors. Net values are summed over the "
        "horizon (value units); lost: value lost to each kind of destruction and to open "
        "tensions (conflict), summed over the horizon.",
        "",
    ]
    for case, table in tables.items():
        t = table.T
        lines += [f"## {case}", "", "| | " + " | ".join(t.columns) + " |"]
        lines.append("|---" * (len(t.columns) + 1) + "|")
        for label, row in t.iterrows():
            lines.append(f"| {label} | " + " | ".join(str(v) for v in row) + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--out", type=Path, required=True)
    ap.add_argument("-r", "--replicates", type=int, default=20)
    ap.add_argument("-s", "--seed", type=int, default=0)
    ap.add_argument("--scale", type=float, default=1.0)
    args = ap.parse_args(argv)
    tables = {}
    for case in CASES:
        runs = compare(case, args.seed, args.replicates, args.scale)
        tables[case] = summary(runs)
        print(case, "done", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown(tables, args.replicates, args.seed))


if __name__ == "__main__":
    main()
