"""The robustness map: where in the space of assumptions each claim holds.

For one claim on one case, a Latin hypercube of ``points`` points samples every
assumption of :data:`commonfuture.patterns.assumptions.ASSUMPTIONS` over its
plausible range. At each point the claim's two-arm experiment runs with
``replicates`` replicates per arm and common random numbers (both arms share
the point's seed: replicate *k* of each arm starts from the same actors and
network and draws the same monthly numbers). The claim *holds* at a point when
its primary effect (treatment minus control, the first comparison of the
claim) has the claimed sign; it *holds clearly* when it is also significant at
5%.

The share of points where the claim holds estimates the share of the
assumption space (uniform over the box of ranges) where it holds; its 95%
interval is Clopper-Pearson's exact interval, which treats the points as
independent draws (a Latin hypercube stratifies the draws, so the interval is,
if anything, conservative). Where the claim fails, PRIM (patient rule
induction, ema-workbench) finds the boxes of assumptions in which the failures
concentrate, each with its *coverage* (the share of all failures inside it) and
*density* (the share of points inside it that fail).

Each point is one row of an experiment store (DuckDB), committed as soon as it
is computed: an interrupted map resumes where it stopped, and runs in a process
pool or on a Dask cluster exactly as a sweep does. Results depend on neither
the backend nor the order of completion: a point's randomness comes from the
map's seed and the point's index.
"""

from __future__ import annotations

import hashlib
import os
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from commonfuture.experiments.runner import drain
from commonfuture.patterns.assumptions import ASSUMPTIONS, by_path, values
from commonfuture.patterns.cases import DIRECTION, case_label, load_case, why_not
from commonfuture.scenario.load import apply_overrides, scenario_hash
from commonfuture.scenario.schema import Scenario

#: what is stored per point
OUTPUTS = (
    "effect",
    "treatment",
    "control",
    "ci_low",
    "ci_high",
    "p_value",
    "holds",
    "holds_clearly",
    "reproduced",
)
#: PRIM: the least density of a reported box (the share of its points where the claim fails)
DENSITY = 0.7
#: a box's restriction is kept only if dropping it would cost this much density
PRUNE = 0.03
#: at most this many restricted assumptions per box
MAX_DIMS = 3
#: at most this many boxes per claim and case
MAX_BOXES = 3
#: the least number of failing points for PRIM to look for boxes
MIN_FAILURES = 5

#: what failing means for each claim, in plain words
STOPS = {
    "stages": "losing a key leader no longer collapses the alliance",
    "small-wins": "small wins stop paying",
    "multi-win": "a multi-element portfolio no longer integrates more actors",
    "leadership": "poor leadership no longer realises less net value than good leadership",
    "linkage": "a return linked to generation no longer keeps more residents committed than "
    "a fixed return of equal expected value",
    "investment": "withdrawing the investment no longer keeps the mobilisation from stage 3",
}


def rules_fingerprint() -> str:
    """A hash of the model's rule modules: a map computed under other rules is not resumed."""
    root = resources.files("commonfuture")
    h = hashlib.sha256()
    parts = ["micro", "meso", "macro"]
    files = []
    for p in parts:
        py = [f for f in root.joinpath(p).iterdir() if f.name.endswith(".py")]
        files += sorted(py, key=lambda f: f.name)
    files += [root / "model.py", root / "parameters.py", root / "patterns" / "claims.py"]
    files += [root / "patterns" / "cases.py", root / "patterns" / "assumptions.py"]
    for f in files:
        try:
            h.update(f.read_bytes())
        except (FileNotFoundError, OSError):
            continue
    return h.hexdigest()[:16]


@dataclass
class _Spec:
    name: str
    outputs: list[str] = field(default_factory=lambda: list(OUTPUTS))


class RobustnessMap:
    """The design of one claim's map on one case (the store's experiment)."""

    def __init__(
        self,
        claim: str,
        case: str | Scenario,
        points: int = 200,
        replicates: int = 6,
        scale: float = 0.25,
        seed: int = 0,
    ):
        from scipy.stats import qmc

        reason = why_not(claim, case)
        if reason is not None:
            raise ValueError(f"{claim} does not apply to {case_label(case)}: {reason}")
        if points < 2 or replicates < 2 or not scale > 0:
            raise ValueError("points and replicates must be at least 2, scale positive")
        self.claim, self.case = claim, case_label(case)
        self.base = load_case(case)
        self.points, self.replicates, self.scale, self.seed = points, replicates, scale, seed
        self.spec = _Spec(f"robustness of {claim} on {self.case}")
        self.names = [a.path for a in ASSUMPTIONS]
        self.bounds = {a.path: a.bounds(self.base) for a in ASSUMPTIONS}
        lhs = qmc.LatinHypercube(d=len(ASSUMPTIONS), seed=np.random.default_rng(seed))
        self.unit = lhs.random(points)

    def point_overrides(self, i: int) -> dict[str, Any]:
        return values(self.base, self.unit[i])

    def point_seed(self, i: int) -> int:
        return int(np.random.SeedSequence(self.seed, spawn_key=(i,)).generate_state(1)[0])

    def run_keys(self) -> list[tuple[int, int]]:
        return [(i, 0) for i in range(self.points)]

    def identity(self) -> dict[str, Any]:
        return {
            "claim": self.claim,
            "case": self.case,
            "points": self.points,
            "replicates": self.replicates,
            "scale": self.scale,
            "seed": self.seed,
            "base_scenario_hash": scenario_hash(self.base),
            "rules": rules_fingerprint(),
            "bounds": {k: list(v) for k, v in self.bounds.items()},
        }

    def matrix(self) -> pd.DataFrame:
        """The parameter values of every point (one row per point)."""
        return pd.DataFrame(
            [self.point_overrides(i) for i in range(self.points)], columns=self.names
        ).astype(float)


@dataclass(frozen=True)
class PointTask:
    claim: str
    point: int
    overrides: dict[str, Any]
    seed: int
    replicates: int
    scale: float


def evaluate(task: PointTask, base: Scenario) -> list[dict]:
    """The claim's experiment at one point (in a worker); one store row, failures included."""
    from commonfuture.patterns.claims import ALPHA, PATTERNS

    t0 = time.perf_counter()
    try:
        sc = apply_overrides(base, task.overrides, source=f"point {task.point}")
        res = PATTERNS[task.claim](
            seed=task.seed, replicates=task.replicates, scale=task.scale, case=sc
        )
        c = res.primary
        d = DIRECTION[task.claim]
        holds = bool(np.sign(c.effect) == d)
        outputs = {
            "effect": c.effect,
            "treatment": c.treatment_mean,
            "control": c.control_mean,
            "ci_low": c.ci_low,
            "ci_high": c.ci_high,
            "p_value": c.p_value,
            "holds": float(holds),
            "holds_clearly": float(holds and c.p_value < ALPHA),
            "reproduced": float(bool(res.reproduced)),
        }
        status, error = "done", None
    except Exception as err:  # a failed point is recorded, the others go on
        outputs, status = {}, "failed"
        error = f"{type(err).__name__}: {err}\n{traceback.format_exc(limit=3)}"
    return [
        {
            "point": task.point,
            "replicate": 0,
            "status": status,
            "error": error,
            "seconds": time.perf_counter() - t0,
            "outputs": outputs,
            "monthly": None,
        }
    ]


def _tasks(rmap: RobustnessMap, missing: set[tuple[int, int]]) -> list[PointTask]:
    return [
        PointTask(
            rmap.claim, i, rmap.point_overrides(i), rmap.point_seed(i), rmap.replicates, rmap.scale
        )
        for i in sorted({p for p, _ in missing})
    ]


def _stream(tasks, base, backend: str, workers: int, client) -> Iterator[list[dict]]:
    if backend == "inline" or (backend == "local" and workers == 1):
        for t in tasks:
            yield evaluate(t, base)
    elif backend == "local":
        from commonfuture.experiments.runner import in_workers, share

        # fresh processes, the cores shared between them
        yield from in_workers(
            evaluate, [(t, base) for t in tasks], workers, share(workers, None)[1]
        )
    elif backend == "dask":
        from distributed import as_completed as dask_completed

        base_f = client.scatter(base, broadcast=True)
        futures = [client.submit(evaluate, t, base_f, pure=False) for t in tasks]
        try:
            for fut in dask_completed(futures):
                yield fut.result()
        finally:
            client.cancel(futures)
    else:
        raise ValueError(f"unknown backend {backend!r}")


def run_map(
    rmap: RobustnessMap,
    store,
    backend: str = "local",
    workers: int | None = None,
    client=None,
    progress: Callable[[int, int], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> dict[str, int]:
    """Compute every point not yet in ``store``; the counts of done and failed points."""
    store.begin_experiment(rmap)
    done = store.done_keys()
    missing = set(rmap.run_keys()) - done
    total = len(rmap.run_keys())
    workers = workers or os.cpu_count() or 1
    stream = _stream(_tasks(rmap, missing), rmap.base, backend, workers, client)
    return drain(stream, store, rmap, len(done), total, progress, stop)


# --------------------------------------------------------------------------- analysis


def clopper_pearson(x: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact binomial interval for ``x`` successes in ``n`` trials."""
    from scipy import stats

    a = 1 - level
    lo = 0.0 if x == 0 else float(stats.beta.ppf(a / 2, x, n - x + 1))
    hi = 1.0 if x == n else float(stats.beta.ppf(1 - a / 2, x + 1, n - x))
    return lo, hi


def prim_boxes(
    x: pd.DataFrame,
    y: np.ndarray,
    density: float = DENSITY,
    max_boxes: int = MAX_BOXES,
    bounds: dict[str, tuple[float, float]] | None = None,
) -> list[dict]:
    """Boxes of ``x`` where ``y`` (True = of interest) concentrates, found by PRIM.

    On each box's peeling trajectory, among the points with at least ``density``,
    the one with the best balance of coverage and density (their harmonic mean;
    fewer restricted dimensions on ties) is taken. Each box: ``coverage``,
    ``density``, ``mass`` (share of all points inside), ``n`` (points inside)
    and ``limits`` ({parameter: [low, high]} of the restricted dimensions only;
    an unrestricted side is given as its bound in ``bounds``, the sampled
    ranges, by default the data's own range).
    """
    import logging

    logging.getLogger("EMA").setLevel(logging.WARNING)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

    x = x.astype(float).reset_index(drop=True)
    y = np.asarray(y, dtype=bool)
    if y.sum() < MIN_FAILURES or y.all():
        # too few failures to find a region in, or failures everywhere: no region to bound
        return []
    full = bounds or {c: (float(x[c].min()), float(x[c].max())) for c in x.columns}
    p = prim.Prim(x, y, threshold=density, peel_alpha=0.05, mass_min=0.05)
    boxes: list[dict] = []
    for _ in range(max_boxes):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            box = p.find_box()
        if box is None:
            break
        traj = box.peeling_trajectory
        ok = traj[(traj["density"] >= density) & (traj["res_dim"] > 0)]
        if ok.empty:
            break
        f1 = 2 * ok["coverage"] * ok["density"] / (ok["coverage"] + ok["density"])
        ranked = ok.assign(f1=f1).sort_values(["f1", "res_dim"], ascending=[False, True])
        best = int(ranked.index[0])
        box.select(best)
        lims, start = box.box_lims[best], box.box_lims[0]
        limits = {}
        for col in x.columns:
            lo, hi = float(lims.loc[0, col]), float(lims.loc[1, col])
            if lo > float(start.loc[0, col]) or hi < float(start.loc[1, col]):
                flo, fhi = full[col]
                # an unrestricted side is reported as the sampled bound
                limits[col] = [
                    lo if lo > float(start.loc[0, col]) else flo,
                    hi if hi < float(start.loc[1, col]) else fhi,
                ]
        limits = _prune(x, y, limits, full)
        if not limits:
            break
        inside = _inside(x, limits)
        boxes.append(
            {
                "coverage": float((inside & y).sum() / y.sum()),
                "density": float(y[inside].mean()) if inside.any() else 0.0,
                "mass": float(inside.mean()),
                "n": int(inside.sum()),
                "limits": limits,
            }
        )
    return boxes


def _inside(x: pd.DataFrame, limits: dict[str, list[float]]) -> np.ndarray:
    inside = np.ones(len(x), bool)
    for col, (lo, hi) in limits.items():
        inside &= (x[col].to_numpy() >= lo) & (x[col].to_numpy() <= hi)
    return inside


def _prune(x, y, limits: dict, full: dict, tolerance: float = PRUNE) -> dict:
    """Drop, one at a time, the restrictions whose removal costs the box less than
    ``tolerance`` of density (peeling over many dimensions trims some by chance),
    and the least costly ones until at most :data:`MAX_DIMS` remain (a box is read
    by people; its coverage and density are recomputed after pruning)."""
    limits = dict(limits)
    while len(limits) > 1:
        dens = y[_inside(x, limits)].mean()
        costs = {}
        for col in limits:
            rest = {k: v for k, v in limits.items() if k != col}
            costs[col] = dens - y[_inside(x, rest)].mean()
        col = min(costs, key=costs.get)
        if costs[col] >= tolerance and len(limits) <= MAX_DIMS:
            break
        del limits[col]
    return limits


def box_words(box: dict, bounds: dict[str, tuple[float, float]]) -> str:
    """A box's limits in plain words ("the erosion of ... below 0.014 a month and ...")."""
    labels = by_path()
    parts = []
    for path, (lo, hi) in box["limits"].items():
        flo, fhi = bounds[path]
        name = f"{labels[path].label} (`{path}`)" if path in labels else f"`{path}`"
        low_cut, high_cut = lo > flo + 1e-12, hi < fhi - 1e-12
        if low_cut and high_cut:
            parts.append(f"{name} is between {lo:.3g} and {hi:.3g}")
        elif low_cut:
            parts.append(f"{name} is above {lo:.3g}")
        else:
            parts.append(f"{name} is below {hi:.3g}")
    return " and ".join(parts)


def analyse(rmap: RobustnessMap, runs: pd.DataFrame) -> dict:
    """The share of the space where the claim holds (with its interval) and PRIM's boxes."""
    done = runs[runs["status"] == "done"].sort_values("point")
    n = len(done)
    holds = done["holds"].to_numpy(dtype=float) > 0.5
    clearly = done["holds_clearly"].to_numpy(dtype=float) > 0.5
    x = int(holds.sum())
    lo, hi = clopper_pearson(x, n) if n else (float("nan"), float("nan"))
    boxes = []
    if n and (~holds).sum() >= MIN_FAILURES:
        xm = rmap.matrix().iloc[done["point"].to_numpy()]
        boxes = prim_boxes(xm, ~holds, bounds=rmap.bounds)
    for b in boxes:
        b["words"] = (
            f"{STOPS[rmap.claim]} when {box_words(b, rmap.bounds)} (this region holds "
            f"{b['coverage']:.0%} of the points where the claim fails; it fails at "
            f"{b['density']:.0%} of the points inside it, which are {b['mass']:.0%} of all points)"
        )
    return {
        "claim": rmap.claim,
        "case": rmap.case,
        "direction": DIRECTION[rmap.claim],
        "points": rmap.points,
        "evaluated": n,
        "failed_runs": int((runs["status"] == "failed").sum()),
        "replicates_per_arm": rmap.replicates,
        "scale": rmap.scale,
        "seed": rmap.seed,
        "holds": x,
        "share_holds": x / n if n else float("nan"),
        "ci_low": lo,
        "ci_high": hi,
        "share_holds_clearly": float(clearly.mean()) if n else float("nan"),
        "median_effect": float(done["effect"].median()) if n else float("nan"),
        "boxes": boxes,
        "bounds": {k: list(v) for k, v in rmap.bounds.items()},
    }


#: a failure box holding more than this share of all points is not reported as a condition
SPREAD_MASS = 0.8


def summary_sentence(a: dict) -> str:
    """One claim on one case in plain words."""
    head = (
        f"**{a['claim']}** on {a['case']}: holds at {a['holds']} of {a['evaluated']} points, "
        f"{a['share_holds']:.0%} of the assumption space (95% interval {a['ci_low']:.0%} to "
        f"{a['ci_high']:.0%}; clearly, at 5%, at {a['share_holds_clearly']:.0%})."
    )
    if a["share_holds"] >= 0.9 and a["ci_low"] >= 0.8:
        head += " It holds over at least nine tenths of the space."
    # a box spanning most of the space narrows nothing down: say so rather than name it
    boxes = [b for b in a["boxes"] if b.get("mass", 0.0) <= SPREAD_MASS]
    if not boxes:
        if a["boxes"]:
            head += (
                " The failures are spread over most of the space: the boxes PRIM finds hold"
                f" more than {SPREAD_MASS:.0%} of all points and narrow nothing down."
            )
        elif a["holds"] < a["evaluated"]:
            head += " The failures do not concentrate in a box PRIM can find."
        return head
    return head + " " + " ".join(f"{b['words'][0].upper()}{b['words'][1:]}." for b in boxes)


def write_json(path: Path, doc: Any) -> None:
    """Strict JSON (NaN and the infinities as null), written whole or not at all."""
    from commonfuture.writing import write_json as strict_json

    strict_json(path, doc)


def _default(x):
    if isinstance(x, np.generic):
        return x.item()
    raise TypeError(type(x))
