"""ABC-SMC calibration of a scenario to dated observations.

**Targets.** Each observation whose measure is a model measure becomes a target (a
*figure*, :mod:`commonfuture.evidence.figures`): a value (+/- its uncertainty), a lower
or upper bound, an interval, or the date a level was first reached, of the measure in
the month the observation is dated (``start`` is the date of the scenario's month 0),
its sum so far or over a period, a share of a group or of another measure, scaled when
the figure is about a population larger than the scenario's. Other observations are
context. A figure dated before month 1 or after the scenario's horizon is an error.

**Distance.** A figure met counts 0, one missed counts how far; for each measure, the
weighted root mean square of the misses divided by the mean size of its figures; the
distance is the root mean square of these over measures
(:func:`commonfuture.evidence.figures.distance_fn`). A single dated figure and a full
monthly series of another measure weigh the same, so sparse published figures and
complete series can be fitted together.

**Sampling.** pyabc's ABC-SMC with uniform priors on the chosen ``PATH=LOW:HIGH``
ranges; each particle is a simulation of the months up to the last target with a
seed of its own. With ``replicates=K > 1`` a particle's K replicates are advanced
together by the kernel (one batch, R x N arrays) and the particle is accepted with
weight ``p = (replicates within epsilon) / K``, an unbiased estimate of the
acceptance probability of one replicate: the target posterior is the same as with
one replicate, fewer particles are thrown away and the weights vary less.

**Resuming.** pyabc's history (``abc.db``, SQLite) and a description of the
calibration (``abc.json``: scenario, targets, priors, population, replicates, seed)
are kept in the working directory. Run again with the same inputs, a calibration
continues after its last finished generation (the generation under way when it
stopped is lost) up to ``generations`` in all, and ends with the posterior an
uninterrupted run gives (each generation draws from a random stream of its own, seeded
by the seed and the generation's number, on one core); with other inputs it stops with
an error unless ``fresh`` is set. Samplers: one core, local processes, or a Dask
cluster (``dask_address``).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from commonfuture.evidence import figures as fig
from commonfuture.outputs import NAMES
from commonfuture.scenario.load import ScenarioError, apply_overrides, is_parameter_path
from commonfuture.scenario.schema import SECTORS, Scenario
from commonfuture.simulation import simulate
from commonfuture.writing import dumps


class CalibrationError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class FitSpec:
    path: str
    low: float
    high: float
    integer: bool = False


def parse_fits(scenario: Scenario, texts: list[str]) -> list[FitSpec]:
    """``PATH=LOW:HIGH`` strings as :class:`FitSpec`, checked against the scenario."""
    problems, out = [], []
    data = scenario.model_dump(mode="json")
    for text in texts:
        if "=" not in text or ":" not in text.split("=", 1)[1]:
            problems.append(f"--fit {text!r}: expected PATH=LOW:HIGH")
            continue
        path, rng = (s.strip() for s in text.split("=", 1))
        lo_s, hi_s = rng.split(":", 1)
        try:
            lo, hi = float(lo_s), float(hi_s)
        except ValueError:
            problems.append(f"--fit {text!r}: LOW and HIGH must be numbers")
            continue
        if not is_parameter_path(path, data):
            problems.append(f"--fit {path}: unknown parameter (see `commonfuture params`)")
            continue
        if not lo < hi:
            problems.append(f"--fit {path}: LOW must be below HIGH")
            continue
        current = _get(data, path)
        integer = isinstance(current, int) and not isinstance(current, bool)
        for v in (lo, hi):
            try:
                apply_overrides(scenario, {path: int(round(v)) if integer else v})
            except ScenarioError as err:
                problems += [f"--fit {p}" for p in err.problems]
        out.append(FitSpec(path, lo, hi, integer))
    if len({f.path for f in out}) < len(out):
        problems.append("--fit: a parameter is given twice")
    if problems:
        raise CalibrationError(problems)
    if not out:
        raise CalibrationError(["--fit: give at least one PATH=LOW:HIGH"])
    return out


def _get(data: dict, path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        key, _, idx = part.partition("[")
        node = node[key]
        if idx:
            node = node[int(idx.rstrip("]"))]
    return node


@dataclass
class Targets:
    """Observations the model is compared with, one figure a row
    (:data:`commonfuture.evidence.figures.COLUMNS`)."""

    table: pd.DataFrame
    context: pd.DataFrame  # observations that are not model measures
    start: pd.Timestamp

    @property
    def plan(self) -> list:
        """The figures as plain tuples, made once (see :func:`figures.plan`)."""
        if getattr(self, "_plan", None) is None:
            self._plan = fig.plan(self.table)
        return self._plan

    @property
    def last_month(self) -> int:
        """Months a simulation must run to read every figure."""
        return fig.last_month(self.table)

    def split(self, holdout: float) -> tuple[Targets, Targets | None]:
        """Early targets to fit and later ones to check (by date; ``holdout`` of the
        distinct dates, at least one, when there are two or more dates)."""
        dates = np.sort(self.table["date"].unique())
        k = int(math.floor(holdout * len(dates)))
        if holdout <= 0 or len(dates) < 2:
            return self, None
        k = max(1, k)
        cut = dates[-k]
        early = self.table[self.table["date"] < cut]
        late = self.table[self.table["date"] >= cut]
        return (
            Targets(early.reset_index(drop=True), self.context, self.start),
            Targets(late.reset_index(drop=True), self.context, self.start),
        )


def targets_from(
    obs: pd.DataFrame, scenario: Scenario, start, horizon: int | None = None
) -> Targets:
    """The observations as targets of the scenario (month 0 dated ``start``); a figure
    dated before month 1 or after ``horizon`` (default: the scenario's months) is an
    error, one line each."""
    t0 = pd.Timestamp(start)
    t0 = pd.Timestamp(year=t0.year, month=t0.month, day=1)
    names = set(NAMES) | {f"uptake.{p.name}" for p in scenario.propositions}
    counts = dict(zip(SECTORS, scenario.population.counts.as_tuple(), strict=True))
    if "row" not in obs.columns:
        obs = obs.assign(row=range(2, len(obs) + 2))
    table, ctx, problems = fig.figure_rows(
        obs, t0, names, counts, horizon=horizon if horizon is not None else scenario.months
    )
    if problems:
        raise CalibrationError(problems)
    if table.empty:
        raise CalibrationError(
            [
                "the observations name no model measure (members, capital_raised, stage, "
                "uptake.<proposition>, ... optionally prefixed cumulative:, sum: or share:): "
                "nothing to fit"
            ]
        )
    return Targets(table, pd.DataFrame(ctx), t0)


def simulated(monthly: pd.DataFrame, targets: Targets) -> np.ndarray:
    """The model's values at the targets, for one replicate's monthly frame."""
    return simulated_all(monthly.assign(replicate=0), targets)[0]


def distance_fn(targets: Targets) -> Callable[[np.ndarray], float]:
    return fig.distance_fn(targets.table)


def overrides_of(pars: dict[str, float], fits: list[FitSpec]) -> dict[str, Any]:
    return {
        f.path: int(round(pars[_key(f.path)])) if f.integer else float(pars[_key(f.path)])
        for f in fits
    }


def _key(path: str) -> str:
    """pyabc parameter names: dots and brackets replaced."""
    return path.replace(".", "__").replace("[", "_").replace("]", "_")


def run_one(
    scenario: Scenario, over: dict[str, Any], seed: int, months: int, replicates: int = 1
) -> pd.DataFrame:
    """Monthly frame of ``replicates`` replicates (advanced together) of one parameter
    point."""
    return simulate(
        scenario, seed=seed, replicates=replicates, overrides={**over, "months": months}
    ).monthly


def simulated_all(monthly: pd.DataFrame, targets: Targets) -> np.ndarray:
    """The model's values at the targets, (replicates, targets), one row per replicate
    in the order of their indices (for a date first reached: its month)."""
    m = monthly.sort_values(["replicate", "month"])
    k = m["replicate"].nunique()
    t = len(m) // k
    return fig.evaluate(targets.plan, lambda col: m[col].to_numpy(float).reshape(k, t))


def fingerprint(
    scenario: Scenario, targets: Targets, fits: list[FitSpec], **settings: Any
) -> dict[str, Any]:
    """What a calibration's history depends on (compared before resuming it)."""
    import hashlib
    import json

    t = targets.table[
        ["month", "m_from", "s_from", "column", "agg", "type", "of", "scale", "lo", "hi", "weight"]
    ]
    blob = json.dumps(
        {
            "scenario": scenario.model_dump(mode="json"),
            "targets": t.astype(str).to_numpy().tolist(),
        },
        sort_keys=True,
    ).encode()
    return {
        "inputs": hashlib.sha256(blob).hexdigest()[:16],
        "fit": [f"{f.path}={f.low:g}:{f.high:g}" for f in fits],
        **settings,
    }


@dataclass
class Posterior:
    fits: list[FitSpec]
    samples: pd.DataFrame  # one column per parameter path, plus weight
    epsilons: list[float]
    simulations: int
    seconds: float
    history: dict = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        w = self.samples["weight"].to_numpy()
        rows = []
        for f in self.fits:
            x = self.samples[f.path].to_numpy()
            q = weighted_quantiles(x, w, [0.05, 0.5, 0.95])
            mean = float(np.sum(w * x))
            sd = float(np.sqrt(np.sum(w * (x - mean) ** 2)))
            prior_sd = (f.high - f.low) / math.sqrt(12.0)
            rows.append(
                {
                    "parameter": f.path,
                    "prior_low": f.low,
                    "prior_high": f.high,
                    "prior_sd": prior_sd,
                    "mean": mean,
                    "sd": sd,
                    "q05": q[0],
                    "median": q[1],
                    "q95": q[2],
                    # narrowing: the posterior's sd and 90% width against the prior's
                    "sd_ratio": sd / prior_sd,
                    "width_ratio": (q[2] - q[0]) / (0.9 * (f.high - f.low)),
                }
            )
        return pd.DataFrame(rows)

    def draw(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        w = self.samples["weight"].to_numpy()
        idx = rng.choice(len(w), size=n, replace=True, p=w / w.sum())
        return self.samples.iloc[idx].reset_index(drop=True)


def weighted_quantiles(x: np.ndarray, w: np.ndarray, qs: list[float]) -> list[float]:
    order = np.argsort(x)
    x, w = x[order], w[order]
    cw = np.cumsum(w) / w.sum()
    return [float(x[min(np.searchsorted(cw, q), len(x) - 1)]) for q in qs]


def calibrate(
    scenario: Scenario,
    targets: Targets,
    fits: list[FitSpec],
    workdir: str | Path,
    population: int = 100,
    generations: int = 6,
    max_simulations: int | None = None,
    seed: int = 0,
    workers: int = 1,
    dask_address: str | None = None,
    progress: Callable[[int, float], None] | None = None,
    replicates: int = 1,
    fresh: bool = False,
) -> Posterior:
    """ABC-SMC posterior over ``fits`` given ``targets`` (see the module's docstring).

    An existing history of the same calibration in ``workdir`` is continued (see
    *Resuming* above); ``fresh`` starts over."""
    import time

    import pyabc

    for name in ("ABC", "pyabc", "Sampler", "Epsilon", "Distance", "Acceptor", "History"):
        logging.getLogger(name).setLevel(logging.ERROR)
        logging.getLogger(f"ABC.{name}").setLevel(logging.ERROR)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    months = targets.last_month
    obs = {"y": targets.table["value"].to_numpy(float)}
    dist = distance_fn(targets)

    if replicates < 1:
        raise CalibrationError(["replicates: at least 1"])
    if workers < 1:
        raise CalibrationError(["workers: at least 1"])

    def model(pars):
        s = int(np.random.randint(0, 2**31 - 1))  # noqa: NPY002 (pyabc seeds the global stream)
        frame = run_one(scenario, overrides_of(pars, fits), s, months, replicates)
        sim = simulated_all(frame, targets)
        return {"y": sim[0] if replicates == 1 else sim}

    def distance(x, _y):
        y = np.atleast_2d(x["y"])
        return float(np.median([dist(row) for row in y]))

    db, about = workdir / "abc.db", workdir / "abc.json"
    mine = fingerprint(
        scenario, targets, fits, population=population, replicates=replicates, seed=seed
    )
    done = _finished_generations(db, about, mine, fresh)
    prior = pyabc.Distribution(
        **{_key(f.path): pyabc.RV("uniform", f.low, f.high - f.low) for f in fits}
    )
    client = pool = None
    if dask_address:
        from distributed import Client

        client = Client(dask_address)
        sampler = pyabc.sampler.DaskDistributedSampler(dask_client=client)
    elif workers > 1:
        from commonfuture.experiments.runner import fresh_pool, share

        # fresh processes (forked ones die once a large run here has started the compiled
        # loops' threads), the cores shared between them
        pool = fresh_pool(workers, share(workers, None)[1])
        # evaluation-parallel: a few particles in flight per worker, the model shipped by
        # cloudpickle (the calibration's model is a closure)
        sampler = pyabc.sampler.ConcurrentFutureSampler(
            cfuture_executor=pool, client_max_jobs=2 * workers, default_pickle=True
        )
    else:
        sampler = pyabc.sampler.SingleCoreSampler()

    def smc():
        return pyabc.ABCSMC(
            model,
            prior,
            distance,
            population_size=population,
            sampler=sampler,
            acceptor=pyabc.UniformAcceptor() if replicates == 1 else _share_acceptor(dist),
        )

    t0 = time.perf_counter()
    store = "sqlite:///" + str(db)
    abc = None
    if done == 0:
        for f in (db, about):
            f.unlink(missing_ok=True)
        about.write_text(dumps(mine) + "\n")
        abc = smc()
        abc.new(store, obs)
    handler = _Generations(progress)
    log = logging.getLogger("ABC")
    saved, log.handlers = log.handlers, [handler]
    saved_propagate, log.propagate = log.propagate, False
    log.setLevel(logging.INFO)
    budget = max(1, max_simulations // replicates) if max_simulations else np.inf
    history = None
    try:
        # one generation at a time, each by a sampler loaded afresh from the history and
        # drawing from a stream of its own (seed, generation): a calibration continued
        # after an interruption is then the same computation as an uninterrupted one
        for t in range(done, generations):
            if t > 0:
                if history is not None and history.total_nr_simulations >= budget:
                    break
                abc = smc()
                abc.load(store, 1)
            np.random.seed(seed + 7919 * t)  # noqa: NPY002 (pyabc draws from the global stream)
            history = abc.run(max_nr_populations=1, max_total_nr_simulations=budget)
            if history.max_t < t:  # stopped by pyabc before the generation finished
                break
        if history is None:  # nothing left to run: the finished history
            abc = smc()
            abc.load(store, 1)
            history = abc.history
    finally:
        log.handlers, log.propagate = saved, saved_propagate
        log.setLevel(logging.ERROR)
        if client is not None:
            client.close()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    df, w = history.get_distribution(m=0, t=history.max_t)
    samples = pd.DataFrame({f.path: df[_key(f.path)].to_numpy() for f in fits})
    for f in fits:
        if f.integer:
            samples[f.path] = samples[f.path].round()
    samples["weight"] = w / w.sum()
    pops = history.get_all_populations()
    return Posterior(
        fits=fits,
        samples=samples,
        epsilons=[float(e) for e in pops["epsilon"].iloc[1:]],
        simulations=int(history.total_nr_simulations) * replicates,
        seconds=time.perf_counter() - t0,
        history={"resumed_after": done, "generations": int(history.max_t) + 1},
    )


def _finished_generations(db: Path, about: Path, mine: dict, fresh: bool) -> int:
    """Generations already in the history at ``db`` of this same calibration (0: start
    afresh); a history of another calibration is an error unless ``fresh``."""
    import json

    if fresh or not db.exists():
        return 0
    try:
        theirs = json.loads(about.read_text())
    except (OSError, ValueError):
        theirs = None
    if theirs != mine:
        differ = (
            sorted(k for k in mine if theirs.get(k) != mine[k])
            if isinstance(theirs, dict)
            else ["its description (abc.json) is missing or unreadable"]
        )
        raise CalibrationError(
            [
                f"{db.parent}: holds the history of another calibration (differs in "
                f"{', '.join(differ)}): use --fresh to start over, or another --out"
            ]
        )
    import pyabc

    try:
        h = pyabc.History("sqlite:///" + str(db), _id=1, create=False)
        return int(h.max_t) + 1
    except Exception:  # an empty or damaged history: nothing to continue
        return 0


def _share_acceptor(dist: Callable[[np.ndarray], float]):
    """A pyabc acceptor of particles of K replicates: accepted with weight
    (replicates within epsilon) / K."""
    import pyabc
    from pyabc.acceptor import AcceptorResult

    def accept(distance_function, eps, x, x_0, t, par):
        d = np.array([dist(row) for row in np.atleast_2d(x["y"])])
        inside = d <= eps(t)
        share = float(inside.mean())
        if share == 0:
            return AcceptorResult(distance=float(d.min()), accept=False)
        return AcceptorResult(distance=float(np.median(d[inside])), accept=True, weight=share)

    return pyabc.acceptor.FunctionAcceptor(accept)


class _Generations(logging.Handler):
    """Reports each finished generation from pyabc's log ("t: 3, eps: 0.12...")."""

    _pattern = re.compile(r"t: (\d+), eps: ([0-9.eE+-]+)")

    def __init__(self, progress):
        super().__init__(logging.INFO)
        self.progress = progress
        self.seen = -1

    def emit(self, record: logging.LogRecord) -> None:
        m = self._pattern.search(record.getMessage())
        if m and self.progress is not None:
            t = int(m.group(1))
            if t > self.seen:
                self.seen = t
                if t > 0:
                    self.progress(t, float("nan"))

    def close(self) -> None:
        super().close()


#: leadership levers moved in the forecasts: (path, change)
LEVERS: tuple[tuple[str, float], ...] = (
    ("leadership.alignment", 0.2),
    ("leadership.alignment", -0.2),
    ("leadership.arbitration", 0.2),
    ("leadership.arbitration", -0.2),
    ("leadership.visibility", 0.2),
    ("leadership.wins", 0.2),
)


def predictive(
    scenario: Scenario,
    posterior: Posterior,
    months: int,
    draws: int = 40,
    seed: int = 0,
    extra: dict[str, Any] | None = None,
    shift: tuple[str, float] | None = None,
) -> pd.DataFrame:
    """Monthly frames of ``draws`` simulations from the posterior (``replicate`` = draw),
    optionally with a lever shifted from each draw's value (clipped to its bounds)."""
    rng = np.random.default_rng(seed)
    pars = posterior.draw(draws, rng)
    frames = []
    base = scenario.model_dump(mode="json")
    for i, row in pars.iterrows():
        over = {
            f.path: (int(round(row[f.path])) if f.integer else float(row[f.path]))
            for f in posterior.fits
        }
        over.update(extra or {})
        if shift is not None:
            path, d = shift
            cur = over.get(path, _get(base, path))
            new = cur + d
            if isinstance(cur, int) and not isinstance(cur, bool):
                new = max(1, int(round(new)))
            else:
                new = float(min(1.0, max(0.0, new)))
            over[path] = new
        m = run_one(scenario, over, seed * 100_003 + int(i), months)
        m["replicate"] = i
        frames.append(m)
    return pd.concat(frames, ignore_index=True)


def bands(monthly: pd.DataFrame, targets: Targets, q: tuple[float, float] = (0.05, 0.95)):
    """Per target: the predictive median and band, whether the band meets the figure
    (``inside``: the band and the agreeing values overlap; for a plain figure, the figure
    lies in the band) and the share of draws that meet it (``met``)."""
    vals = simulated_all(monthly, targets)
    lo, med, hi = (np.quantile(vals, p, axis=0) for p in (q[0], 0.5, q[1]))
    t = targets.table.copy()
    t["median"], t["low"], t["high"] = med, lo, hi
    t["inside"] = (t["lo"] <= hi) & (t["hi"] >= lo)
    t["met"] = fig.met(t, vals).mean(axis=0)
    return t


#: a fit whose posterior draws miss the fitted figures by more than this (the distance:
#: misses as a share of the figures' size) is far from the data
FAR = 0.3
#: a parameter whose posterior sd is above this share of its prior's learned (almost)
#: nothing from the figures
LEARNED_LITTLE = 0.85
#: a posterior median within this share of the prior range from an end piles up there
EDGE = 0.15


def diagnose(
    table: pd.DataFrame, fitted: pd.DataFrame, distance: float, point: bool = False
) -> dict[str, Any]:
    """Whether a fit can be read: ``warnings`` (lines for the top of the report and the
    command's output), ``misleading`` (the fit is far from the data or its bands miss most
    figures: its forecasts are not findings), the median ``distance`` of the posterior
    draws from the fitted figures and the ``learned`` narrowing per parameter.

    ``fitted`` is :func:`bands` of the fitted figures; ``table`` the posterior's table."""
    warnings: list[str] = []
    n, inside = len(fitted), int(fitted["inside"].sum())
    far = bool(distance > FAR)
    missed = bool(n and inside < n / 2)
    if far:
        warnings.append(
            f"The fit is far from the data: the posterior's simulations miss the fitted "
            f"figures by {distance:.0%} of their size (median distance; above {FAR:.0%} the "
            "model with these parameters does not reach them)."
        )
    if missed:
        warnings.append(
            f"The 90% predictive bands miss {n - inside} of {n} fitted figures: the model "
            "does not reproduce the data."
        )
    if far or missed:
        warnings.append(
            "The forecasts below are not findings: they come from a model that does not "
            "match the figures (try other parameters or wider ranges, or check the figures)."
        )
    learned = {}
    if not point:
        for r in table.itertuples(index=False):
            learned[r.parameter] = float(r.sd_ratio)
            span = r.prior_high - r.prior_low
            low_end = (r.median - r.prior_low) / span < EDGE
            if r.sd_ratio <= LEARNED_LITTLE and (
                low_end or (r.prior_high - r.median) / span < EDGE
            ):
                warnings.append(
                    f"{r.parameter}: the posterior piles up at the "
                    f"{'low' if low_end else 'high'} end of its range "
                    f"({r.prior_low:g}-{r.prior_high:g}): the figures ask for a value beyond "
                    "it; its narrowing is the range's edge, not a finding."
                )
            if r.sd_ratio > LEARNED_LITTLE:
                warnings.append(
                    f"{r.parameter}: the posterior is about as wide as the prior (sd "
                    f"{r.sd_ratio:.0%} of the prior's): the figures say little or nothing "
                    "about it."
                )
        if learned and all(v > LEARNED_LITTLE for v in learned.values()):
            warnings.append(
                "No fitted parameter is constrained by the figures: the posterior is the "
                "prior, whatever the bands show."
            )
    return {
        "warnings": warnings,
        "misleading": far or missed,
        "distance": distance,
        "learned": learned,
    }


def median_distance(monthly: pd.DataFrame, targets: Targets) -> float:
    """The median, over the draws of ``monthly``, of their distance from the figures."""
    dist = distance_fn(targets)
    return float(np.median([dist(row) for row in simulated_all(monthly, targets)]))
