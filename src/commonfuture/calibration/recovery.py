"""Parameter recovery on the Edinburgh cases: figures simulated at known parameters,
of the kinds each case's real figures are, fitted back.

Each case (:data:`CASES`) names 2-3 parameters with their prior ranges and a function
that turns one simulated run into observations as a researcher would have them for
that case:

* **Community Solar** (the offer as offered: no ceiling on buyers, ``issue`` set to the
  residents in reach): capital raised at least a rounded-down figure two months into
  the offer, at most the target then; the month the target was first reached, known to
  a four-month range; the buyers when the offer has closed; the capital then, as an
  interval (two sources that differ by 7%). Fitted: the mean holding (``price``, prior
  the offer's GBP 250-10,000 a buyer), the residents' threshold and the join rate.
* **Active Travel**: the share of residents who are members, in % (rounded to a
  percentage point), every second year; members at least a lower bound in the fourth
  year; uses of the routes summed over a year, as a city-wide figure (the scenario's
  residents a sixtieth of the city's: ``scale`` 60). Fitted: the residents' threshold
  and the join rate.
* **Carbon Literacy**: learners trained so far at two dates, rounded to five; members
  at month 12 as an interval; the month stage 1 was first reached, to a three-month
  range. Fitted: the organisations' threshold and the alignment of the key leaders.

:func:`recover` fits one case at a truth (ABC-SMC); :func:`study` repeats it with truths
drawn from the prior (simulation-based calibration) and returns, per parameter, the
coverage of the 90% interval, the rank statistic and the narrowing against the prior
(the identifiability table of docs/calibration-of-records.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from commonfuture.calibration.abc import calibrate, parse_fits, targets_from
from commonfuture.scenario.load import apply_overrides, scaled, shipped
from commonfuture.scenario.schema import Scenario
from commonfuture.simulation import simulate

START = pd.Timestamp("2020-01-01")


def _date(month: int) -> pd.Timestamp:
    """The last day of model month ``month`` (month 0 = the month of START)."""
    return START + pd.DateOffset(months=month + 1) - pd.DateOffset(days=1)


def _obs(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    df["row"] = range(2, len(df) + 2)
    df["source"] = "simulated"
    for c in ("type", "side", "low", "high", "uncertainty", "weight", "date_from", "of"):
        if c not in df:
            df[c] = None
    df["scale"] = df["scale"] if "scale" in df else None
    df["note"] = None
    return df.astype(object).where(pd.notna(df), None)


def _first(x: np.ndarray, level: float) -> int | None:
    hit = np.flatnonzero(x >= level)
    return int(hit[0]) + 1 if len(hit) else None


def solar_figures(m: pd.DataFrame, sc: Scenario) -> pd.DataFrame:
    offer = next(p for p in sc.propositions if p.holding is not None)
    cap = m["capital_raised"].to_numpy(float)
    buyers = np.cumsum(m[f"uptake.{offer.name}"].to_numpy(float))
    open_at, close = offer.start_month, (offer.end_month or sc.months)
    mid = open_at + 2
    final_cap = cap[close]
    target = 0.9 * final_cap
    first = _first(cap, target) or close
    rows = [
        {
            "date": _date(mid),
            "measure": "capital_raised",
            "value": np.floor(cap[mid - 1] / 10_000) * 10_000,
            "unit": "GBP",
            "type": "bound",
            "side": "lower",
        },
        {
            "date": _date(mid),
            "measure": "capital_raised",
            "value": max(target, cap[mid - 1]),
            "unit": "GBP",
            "type": "bound",
            "side": "upper",
        },
        {
            "date": _date(min(first + 2, close + 1)),
            "date_from": _date(max(first - 2, open_at + 1)),
            "measure": "capital_raised",
            "value": target,
            "unit": "GBP",
            "type": "first_reached",
        },
        {
            "date": _date(close + 1),
            "measure": f"cumulative:uptake.{offer.name}",
            "value": buyers[close],
            "unit": "actors",
        },
        {
            "date": _date(close + 1),
            "measure": "capital_raised",
            "value": None,
            "low": 0.965 * final_cap,
            "high": 1.035 * final_cap,
            "unit": "GBP",
            "type": "interval",
        },
    ]
    return _obs(rows)


def travel_figures(m: pd.DataFrame, sc: Scenario) -> pd.DataFrame:
    res = m["members_citizens"].to_numpy(float)
    n = sc.population.counts.citizens
    lanes = next(p.name for p in sc.propositions if p.min_stage >= 2)
    uses = m[f"uptake.{lanes}"].to_numpy(float)
    rows = []
    for month in (24, 48, 72):
        rows.append(
            {
                "date": _date(month),
                "measure": "share:members_citizens",
                "value": round(100 * res[month - 1] / n),
                "unit": "%",
                "type": "value",
                "uncertainty": 0.5,
            }
        )
    rows.append(
        {
            "date": _date(40),
            "measure": "members",
            "value": float(np.floor(0.8 * m["members"].iloc[39])),
            "unit": "actors",
            "type": "bound",
            "side": "lower",
        }
    )
    rows.append(
        {
            "date": _date(71),
            "date_from": _date(60),
            "measure": f"sum:uptake.{lanes}",
            "value": 60 * uses[59:71].sum(),
            "unit": "uses",
            "scale": 60.0,
        }
    )
    return _obs(rows)


def literacy_figures(m: pd.DataFrame, sc: Scenario) -> pd.DataFrame:
    course = sc.propositions[0].name
    learners = np.cumsum(m[f"uptake.{course}"].to_numpy(float))
    rows = [
        {
            "date": _date(month),
            "measure": f"cumulative:uptake.{course}",
            "value": 5 * round(learners[month - 1] / 5),
            "unit": "actors",
            "uncertainty": 2.5,
        }
        for month in (12, 30)
    ]
    members = float(m["members"].iloc[11])
    rows.append(
        {
            "date": _date(12),
            "measure": "members",
            "value": None,
            "low": np.floor(0.85 * members),
            "high": np.ceil(1.15 * members),
            "unit": "actors",
            "type": "interval",
        }
    )
    first = _first(m["stage"].to_numpy(float), 1)
    if first is not None:
        rows.append(
            {
                "date": _date(first + 1),
                "date_from": _date(max(1, first - 1)),
                "measure": "stage",
                "value": 1,
                "unit": "0-3",
                "type": "first_reached",
            }
        )
    return _obs(rows)


@dataclass(frozen=True)
class Case:
    name: str
    fits: tuple[str, ...]
    figures: Callable[[pd.DataFrame, Scenario], pd.DataFrame]
    truth: dict[str, float]
    months: int
    facts: dict[str, object] = field(default_factory=dict)

    def scenario(self, scale: float = 1.0) -> Scenario:
        sc = shipped(f"edinburgh/{self.name}")
        sc = apply_overrides(sc, {**self.facts, "months": self.months})
        return scaled(sc, scale)


CASES: dict[str, Case] = {
    "community-solar": Case(
        "community-solar",
        (
            "propositions[3].price=250:10000",
            "population.threshold_mean=0.3:0.7",
            "population.join_rate=0.05:0.6",
        ),
        solar_figures,
        {
            "propositions[3].price": 2773.0,
            "population.threshold_mean": 0.5,
            "population.join_rate": 0.25,
        },
        months=44,
        facts={"propositions[3].issue": 4000},
    ),
    "active-travel": Case(
        "active-travel",
        ("population.threshold_mean=0.75:0.98", "population.join_rate=0.02:0.3"),
        travel_figures,
        {"population.threshold_mean": 0.89, "population.join_rate": 0.08},
        months=72,
    ),
    "carbon-literacy": Case(
        "carbon-literacy",
        ("population.org_threshold_mean=0.05:0.5", "leadership.alignment=0.3:0.9"),
        literacy_figures,
        {"population.org_threshold_mean": 0.2, "leadership.alignment": 0.55},
        months=36,
    ),
}


def synthetic(case: Case, truth: dict[str, float], seed: int, scale: float) -> pd.DataFrame:
    sc = case.scenario(scale)
    over = {k: (int(round(v)) if k.endswith("issue") else v) for k, v in truth.items()}
    m = simulate(sc, seed=seed, replicates=[0], overrides=over).monthly
    return case.figures(m, apply_overrides(sc, over))


def recover(
    case: Case,
    truth: dict[str, float],
    seed: int,
    workdir: str | Path,
    scale: float = 1.0,
    population: int = 60,
    generations: int = 4,
):
    """Fit ``case`` to figures simulated at ``truth``; returns (posterior, targets)."""
    sc = case.scenario(scale)
    obs = synthetic(case, truth, seed, scale)
    targets = targets_from(obs, sc, START)
    fits = parse_fits(sc, list(case.fits))
    post = calibrate(
        sc,
        targets,
        fits,
        workdir,
        population=population,
        generations=generations,
        seed=seed,
        fresh=True,
    )
    return post, targets


def study(
    case: Case,
    n: int,
    workdir: str | Path,
    scale: float = 1.0,
    population: int = 60,
    generations: int = 4,
    seed: int = 2024,
) -> pd.DataFrame:
    """Simulation-based calibration: ``n`` fits with truths drawn from the prior. One row
    per parameter: ``inside`` (truths in the 90% interval), ``n``, ``ranks`` (the truth's
    rank among 99 posterior draws, per fit) and ``sd_ratio`` (median posterior sd over
    the prior's)."""
    rng = np.random.default_rng(seed)
    sc = case.scenario(scale)
    fits = parse_fits(sc, list(case.fits))
    out = {f.path: {"inside": 0, "ranks": [], "sd_ratio": []} for f in fits}
    for k in range(n):
        truth = {f.path: float(rng.uniform(f.low, f.high)) for f in fits}
        post, _ = recover(
            case,
            truth,
            seed + 1 + k,
            Path(workdir) / f"fit{k}",
            scale,
            population,
            generations,
        )
        table = post.table().set_index("parameter")
        draws = post.draw(99, rng)
        for f in fits:
            r = table.loc[f.path]
            out[f.path]["inside"] += int(r["q05"] <= truth[f.path] <= r["q95"])
            out[f.path]["ranks"].append(int((draws[f.path].to_numpy() < truth[f.path]).sum()))
            out[f.path]["sd_ratio"].append(float(r["sd_ratio"]))
    rows = []
    for path, v in out.items():
        rows.append(
            {
                "case": case.name,
                "parameter": path,
                "n": n,
                "inside": v["inside"],
                "ranks": v["ranks"],
                "sd_ratio": float(np.median(v["sd_ratio"])),
            }
        )
    return pd.DataFrame(rows)
