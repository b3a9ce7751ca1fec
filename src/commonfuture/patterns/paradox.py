"""The paradox of the long term and the short term, as a trade-off a leader manages.

The seed names "the paradox between the long-term (societal) value creation objectives
of a public service collaboration and the short-term value creation needs of its
actors". With leaders who act (:mod:`commonfuture.leadership`) it is a question of where
their limited capacity goes. Three policies spend the same capacity on every case, on
common random numbers (the same seed and replicates):

* ``short term``: everything on the actors' short-term needs: half engaging the groups
  in (equally), half staging small wins;
* ``long term``: everything on the long-term target: half steering the work towards it,
  half negotiating the shared target among the key leaders (from stage 2, half of that
  links to the community);
* ``balance``: the scenario's own steady policy (:class:`~commonfuture.leadership.
  policies.Steady`).

Reported per case: net community value and target progress over the horizon, members at
the end, and each one-sided policy's paired difference from the balance (95% t interval
over replicates). The paradox "comes out" on a case where both one-sided policies do
worse than the balance on net community value, with intervals below 0.

``python -m commonfuture.patterns.paradox -o docs/generated/paradox.md`` writes the table
(``-r`` replicates, ``--scale`` population scale).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from commonfuture.leadership.actions import LINK, N_SLOTS, NEGOTIATE, TARGET, WINS
from commonfuture.leadership.policies import Observation
from commonfuture.patterns.cases import CASES, load_case
from commonfuture.patterns.policies import per_run
from commonfuture.scenario.schema import SECTORS
from commonfuture.simulation import simulate
from commonfuture.writing import write_text


def short_term(obs: Observation) -> np.ndarray:
    """Half the capacity engaging the groups in (equally), half staging small wins."""
    out = np.zeros(N_SLOTS)
    half = obs.capacity / 2
    for g in obs.groups:
        out[SECTORS.index(g)] += half / max(len(obs.groups), 1)
    out[WINS] += half
    return out


def long_term(obs: Observation) -> np.ndarray:
    """Half the capacity steering towards the target, half negotiating the shared target
    (from stage 2, half of that linking to the community)."""
    out = np.zeros(N_SLOTS)
    half = obs.capacity / 2
    out[TARGET] += half
    if obs.stage >= 2:
        out[NEGOTIATE] += half / 2
        out[LINK] += half / 2
    else:
        out[NEGOTIATE] += half
    return out


short_term.name = "short term"  # type: ignore[attr-defined]
long_term.name = "long term"  # type: ignore[attr-defined]

#: the arms: label -> policy
ARMS = {"short term": short_term, "long term": long_term, "balance": "steady"}

#: per-run totals: label -> (measure, how)
TOTALS: dict[str, tuple[str, str]] = {
    "net community": ("value_community", "sum"),
    "target progress": ("target_progress", "last"),
    "members (end)": ("members", "last"),
    "milestones": ("milestones", "sum"),
}


def compare(case: str, seed: int = 0, replicates: int = 20, scale: float = 1.0) -> pd.DataFrame:
    """Every arm on ``case`` on the same seed and replicates: one row per arm and
    replicate (columns ``arm``, ``replicate`` and the :data:`TOTALS`)."""
    sc = load_case(case)
    rows = []
    for label, policy in ARMS.items():
        m = simulate(sc, seed, replicates, scale=scale, policy=policy).monthly
        runs = per_run(m, TOTALS).reset_index()
        runs.insert(0, "arm", label)
        rows.append(runs)
    return pd.concat(rows, ignore_index=True)


def paired(runs: pd.DataFrame, arm: str, measure: str) -> tuple[float, float, float]:
    """Mean paired difference ``arm`` minus the balance on ``measure``, with its 95% t
    interval over replicates (common random numbers)."""
    a = runs[runs.arm == arm].set_index("replicate")[measure]
    b = runs[runs.arm == "balance"].set_index("replicate")[measure]
    d = (a - b).to_numpy(float)
    if len(d) < 2 or d.std(ddof=1) == 0:
        return float(d.mean()), float(d.mean()), float(d.mean())
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return float(d.mean()), float(d.mean() - half), float(d.mean() + half)


def comes_out(runs: pd.DataFrame) -> bool:
    """Both one-sided policies below the balance on net community value (intervals < 0)."""
    return all(paired(runs, arm, "net community")[2] < 0 for arm in ("short term", "long term"))


def markdown(results: dict[str, pd.DataFrame], replicates: int, seed: int) -> str:
    lines = [
        "# The paradox: short-term wins against the long-term target",
        "",
        f"Common random numbers: seed {seed}, replicates 0-{replicates - 1} in every arm. "
        "Means over replicates; differences are paired (arm minus balance) with 95% t "
        "intervals. Net community value is summed over the horizon (value units); target "
        "progress is the share of the long-term target reached by the horizon.",
        "",
        "| case | arm | net community | target progress | members (end) | milestones | "
        "net community vs balance | target progress vs balance |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for case, runs in results.items():
        for arm in ARMS:
            g = runs[runs.arm == arm]
            row = [case, arm] + [f"{g[k].mean():,.2f}" for k in TOTALS]
            for measure in ("net community", "target progress"):
                if arm == "balance":
                    row.append("")
                else:
                    d, lo, hi = paired(runs, arm, measure)
                    row.append(f"{d:+,.2f} [{lo:+,.2f}, {hi:+,.2f}]")
            lines.append("| " + " | ".join(row) + " |")
    lines += [
        "",
        "Where the paradox comes out (both one-sided policies below the balance "
        "on net community value, intervals below 0):",
        "",
    ]
    for case, runs in results.items():
        lines.append(f"- {case}: {'yes' if comes_out(runs) else 'no'}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--out", type=Path, required=True)
    ap.add_argument("-r", "--replicates", type=int, default=20)
    ap.add_argument("-s", "--seed", type=int, default=0)
    ap.add_argument("--scale", type=float, default=1.0)
    args = ap.parse_args(argv)
    results = {}
    for case in CASES:
        results[case] = compare(case, args.seed, args.replicates, args.scale)
        print(case, "done", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_text(args.out, markdown(results, args.replicates, args.seed))


if __name__ == "__main__":
    main()
