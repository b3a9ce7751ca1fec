"""A strong policy: a parametric allocation of the leaders' time, searched by
cross-entropy on training seeds, measured on held-out seeds.

The parametric policy (:class:`Parametric`) has eight numbers:

* six logits whose softmax gives the shares of capacity for engaging the groups,
  arbitrating the tensions, negotiating, linking (before stage 2 linking has no
  effect, so its share negotiates, as the ``steady`` rule does), staging small wins and
  steering towards the long-term target;
* a *priority* weight (a logistic of the seventh number): the share of capacity first
  spent, firefight-style, on settling the largest voiced tension (up to what settling
  it would take);
* a *rescue* weight (a logistic of the eighth): the share of the engagement hours that
  go to the groups losing members, in proportion to their departures (the rest is
  spread over every group equally).

Arbitration hours are spread over the voiced tensions in proportion to their level
plus 0.05 (so a tension about to grow is prevented too).

The search (:func:`search`) is the cross-entropy method: a Gaussian over the six
numbers, ``iterations`` rounds of ``candidates`` draws, each scored on the same
``TRAIN_SEEDS`` replicates (common random numbers), the best quarter kept as elite
to refit the Gaussian. The score of a run is :func:`score`: net community value over
the horizon minus the value lost over it (every kind of destruction and conflict).
Everything is seeded: the same budget gives the same policy.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from commonfuture.leadership.actions import ARBITRATE, LINK, N_SLOTS, NEGOTIATE, TARGET, WINS
from commonfuture.leadership.policies import Observation
from commonfuture.leadership.tensions import PAIR_NAMES
from commonfuture.scenario.schema import SECTORS, Scenario
from commonfuture.value import DESTRUCTION_KINDS, LEVELS

#: the kinds of value lost that a score subtracts (``loss_<kind>`` measures)
LOSS_KINDS: tuple[str, ...] = (*DESTRUCTION_KINDS, "conflict")
#: number of parameters of :class:`Parametric`
N_PARAMS = 8
#: the kinds of action the shares are over, in the order of the logits
SHARE_KINDS: tuple[str, ...] = ("engage", "arbitrate", "negotiate", "link", "wins", "target")
#: the search's default budget: rounds, candidates a round, training replicates each
BUDGET = {"iterations": 6, "candidates": 12, "seeds": 4}
#: root seed of the training replicates (replicates 0..seeds-1 of this seed)
TRAIN_SEED = 1000
#: root seed of the held-out replicates
HELD_OUT_SEED = 2000
#: seed of the search's own draws
SEARCH_SEED = 7


def _logistic(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-x)))


class Parametric:
    """The parametric policy of ``theta`` (eight numbers, see the module's docstring)."""

    name = "strong"

    def __init__(self, theta: Sequence[float]):
        theta = np.asarray(theta, dtype=np.float64)
        if theta.shape != (N_PARAMS,) or not np.all(np.isfinite(theta)):
            raise ValueError(f"a parametric policy takes {N_PARAMS} finite numbers")
        self.theta = theta
        k = len(SHARE_KINDS)
        z = np.exp(theta[:k] - theta[:k].max())
        self.shares = z / z.sum()
        self.priority = _logistic(theta[k])
        self.rescue = _logistic(theta[k + 1])

    def describe(self) -> dict[str, float]:
        """The policy in plain numbers: shares of capacity and the two weights."""
        out = {
            f"share_{k}": round(float(s), 3) for k, s in zip(SHARE_KINDS, self.shares, strict=True)
        }
        out["priority"] = round(self.priority, 3)
        out["rescue"] = round(self.rescue, 3)
        return out

    def __call__(self, obs: Observation) -> np.ndarray:
        out = np.zeros(N_SLOTS)
        cap = obs.capacity
        if cap <= 0:
            return out
        left = cap
        standing = {k: v for k, v in obs.tensions.items() if v > 0}
        if standing and self.priority > 0:
            worst = max(standing, key=lambda k: (standing[k], k))
            h = min(obs.settle_hours[worst], self.priority * cap)
            out[ARBITRATE + PAIR_NAMES.index(worst)] += h
            left -= h
        engage, arbitrate, negotiate, link, wins, target = (float(s) * left for s in self.shares)
        out[WINS] += wins
        out[TARGET] += target
        groups = obs.groups or SECTORS
        leaving = {g: d for g, d in obs.departures.items() if d > 0 and g in groups}
        rescue = self.rescue * engage if leaving else 0.0
        for g in groups:
            out[SECTORS.index(g)] += (engage - rescue) / len(groups)
        total = sum(leaving.values())
        for g, d in leaving.items():
            out[SECTORS.index(g)] += rescue * d / total
        voiced = list(obs.tensions)
        if voiced:
            w = np.array([obs.tensions[k] + 0.05 for k in voiced])
            for k, x in zip(voiced, w / w.sum(), strict=True):
                out[ARBITRATE + PAIR_NAMES.index(k)] += arbitrate * x
        else:
            negotiate += arbitrate
        if obs.stage >= 2:
            out[LINK] += link
        else:
            negotiate += link
        out[NEGOTIATE] += negotiate
        return out


def outcome(monthly: pd.DataFrame) -> dict[str, Any]:
    """The outcome of one replicate's monthly table: stages, net value by level, value
    lost by kind, departures by group, members at the end and the :func:`score`."""
    m = monthly.sort_values("month")
    out: dict[str, Any] = {
        "highest_stage": int(m["stage"].max()) if len(m) else 0,
        "final_stage": int(m["stage"].iloc[-1]) if len(m) else 0,
        "members_end": int(m["members"].iloc[-1]) if len(m) else 0,
    }
    for lvl in LEVELS:
        out[f"net_{lvl}"] = float(m[f"value_{lvl}"].sum())
    for k in LOSS_KINDS:
        out[f"lost_{k}"] = float(m[f"loss_{k}"].sum())
    out["lost_total"] = float(sum(out[f"lost_{k}"] for k in LOSS_KINDS))
    for g in SECTORS:
        out[f"left_{g}"] = int(m[f"secessions_{g}"].sum())
    out["leaders_lost"] = (
        int(max(0, m["members_key_leaders"].iloc[0] - m["members_key_leaders"].iloc[-1]))
        if len(m)
        else 0
    )
    out["score"] = out["net_community"] - out["lost_total"]
    return out


def score(monthly: pd.DataFrame) -> float:
    """Net community value over the horizon minus the value lost (every kind)."""
    return float(outcome(monthly)["score"])


def scores(scenario: Scenario, policy: Any, seed: int, replicates: Sequence[int]) -> np.ndarray:
    """The :func:`score` of ``policy`` (a name or a callable) on each replicate."""
    from commonfuture.simulation import Run

    run = Run(scenario, seed, list(replicates), policy=policy)
    run.run()
    m = run.monthly()
    return np.array([score(m[m["replicate"] == k]) for k in replicates])


@dataclass
class SearchResult:
    """What a search found: the best parameters, their training score, the history."""

    theta: np.ndarray
    train_score: float
    history: list[dict[str, float]]
    budget: dict[str, int]
    evaluations: int

    def to_json(self) -> dict[str, Any]:
        return {
            "theta": [float(x) for x in self.theta],
            "train_score": self.train_score,
            "budget": self.budget,
            "evaluations": self.evaluations,
            "train_seed": TRAIN_SEED,
            "search_seed": SEARCH_SEED,
            "policy": Parametric(self.theta).describe(),
        }


def search(
    scenario: Scenario,
    iterations: int = BUDGET["iterations"],
    candidates: int = BUDGET["candidates"],
    seeds: int = BUDGET["seeds"],
    progress: Callable[[int, float], None] | None = None,
) -> SearchResult:
    """Cross-entropy search of :class:`Parametric` on replicates ``0..seeds-1`` of
    :data:`TRAIN_SEED`: ``iterations`` x ``candidates`` policies, each scored on the same
    ``seeds`` replicates; the best candidate seen is returned. ``progress(i, best)``
    after each round."""
    rng = np.random.default_rng(SEARCH_SEED)
    reps = list(range(seeds))
    mu = np.zeros(N_PARAMS)
    sigma = np.full(N_PARAMS, 1.5)
    n_elite = max(2, candidates // 4)
    best_theta, best = mu.copy(), -np.inf
    history = []
    for i in range(iterations):
        pop = mu + sigma * rng.standard_normal((candidates, N_PARAMS))
        if i == 0:
            pop[0] = mu  # the even split is always tried
        fit = np.array([scores(scenario, Parametric(t), TRAIN_SEED, reps).mean() for t in pop])
        order = np.argsort(-fit, kind="stable")
        if fit[order[0]] > best:
            best, best_theta = float(fit[order[0]]), pop[order[0]].copy()
        elite = pop[order[:n_elite]]
        mu = 0.3 * mu + 0.7 * elite.mean(axis=0)
        sigma = 0.3 * sigma + 0.7 * elite.std(axis=0) + 0.05
        history.append({"round": i + 1, "best": best, "mean": float(fit.mean())})
        if progress is not None:
            progress(i + 1, best)
    return SearchResult(
        best_theta,
        best,
        history,
        {"iterations": iterations, "candidates": candidates, "seeds": seeds},
        iterations * candidates * seeds,
    )


def compare(
    scenario: Scenario, policies: dict[str, Any], replicates: int, seed: int = HELD_OUT_SEED
) -> pd.DataFrame:
    """Scores of each policy on the same held-out replicates (one row per replicate)."""
    reps = list(range(replicates))
    return pd.DataFrame({name: scores(scenario, p, seed, reps) for name, p in policies.items()})


def paired_interval(
    a: np.ndarray, b: np.ndarray, level: float = 0.95
) -> tuple[float, float, float]:
    """Mean of ``a - b`` over paired replicates and its t interval (low, high)."""
    from scipy import stats

    d = np.asarray(a, float) - np.asarray(b, float)
    mean = float(d.mean())
    if len(d) < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.5 + level / 2, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d)))
    return mean, mean - half, mean + half


def shipped() -> dict[str, Any]:
    """The searched parameters shipped with the package, by case (``strong.json``)."""
    text = resources.files("commonfuture.training").joinpath("strong.json").read_text()
    return json.loads(text)


def strong_for(case: str) -> tuple[Parametric, str]:
    """The shipped strong policy of ``case`` (a shipped case's name), and where its
    parameters came from; a case without its own falls back to the generic one's."""
    table = shipped()["cases"]
    key = case.removesuffix(".toml").removeprefix("scenarios/")
    if key in table:
        return Parametric(table[key]["theta"]), f"searched on {key}"
    return Parametric(table["generic"]["theta"]), "searched on generic (no search for this case)"


__all__ = [
    "BUDGET",
    "HELD_OUT_SEED",
    "LOSS_KINDS",
    "N_PARAMS",
    "Parametric",
    "SearchResult",
    "TRAIN_SEED",
    "compare",
    "outcome",
    "paired_interval",
    "score",
    "scores",
    "search",
    "shipped",
    "strong_for",
]
