"""A quick best fit (optuna) before, or instead of, the posterior.

The same targets, distance and ``--fit`` ranges as :mod:`~commonfuture.calibration.abc`.
Each trial runs ``replicates`` replicates of one parameter point, advanced together,
and scores the mean of their distances. Every trial uses the same replicates of the
same seed (common random numbers), so two trials differ by their parameters only, not
by luck. optuna's TPE sampler (seeded) proposes the points; its study is kept in the
working directory (``optuna.db``, SQLite, with ``point.json`` describing the fit), and a
fit run again with the same inputs continues up to ``trials`` in all.

A point fit says where the data are best matched, not how sure one can be: the
result is shown as a posterior of one point (no interval). Use ABC-SMC for the
uncertainty.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from commonfuture.calibration.abc import (
    CalibrationError,
    FitSpec,
    Posterior,
    Targets,
    distance_fn,
    fingerprint,
    run_one,
    simulated_all,
)
from commonfuture.scenario.schema import Scenario
from commonfuture.writing import dumps


def point_fit(
    scenario: Scenario,
    targets: Targets,
    fits: list[FitSpec],
    workdir: str | Path,
    trials: int = 60,
    replicates: int = 4,
    seed: int = 0,
    fresh: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Posterior:
    """The parameter point of least mean distance found in ``trials`` trials, as a
    :class:`Posterior` of one sample (weight 1); ``history`` holds every trial."""
    import optuna

    if trials < 1 or replicates < 1:
        raise CalibrationError(["trials and replicates: at least 1 each"])
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    logging.getLogger("optuna").setLevel(logging.WARNING)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    db, about = workdir / "optuna.db", workdir / "point.json"
    mine = fingerprint(scenario, targets, fits, replicates=replicates, seed=seed)
    if fresh:
        for f in (db, about):
            f.unlink(missing_ok=True)
    if db.exists():
        try:
            theirs = json.loads(about.read_text())
        except (OSError, ValueError):
            theirs = None
        if theirs != mine:
            raise CalibrationError(
                [
                    f"{workdir}: holds another point fit (optuna.db): use --fresh to start "
                    "over, or another --out"
                ]
            )
    about.write_text(dumps(mine) + "\n")
    storage = f"sqlite:///{db}"
    months = targets.last_month
    dist = distance_fn(targets)

    def objective(trial) -> float:
        over = {
            f.path: (
                trial.suggest_int(f.path, int(np.ceil(f.low)), int(np.floor(f.high)))
                if f.integer
                else trial.suggest_float(f.path, f.low, f.high)
            )
            for f in fits
        }
        sims = simulated_all(run_one(scenario, over, seed, months, replicates), targets)
        return float(np.mean([dist(row) for row in sims]))

    study = optuna.create_study(
        study_name="point", storage=storage, direction="minimize", load_if_exists=True
    )
    complete = optuna.trial.TrialState.COMPLETE
    for t in study.trials:  # a trial cut short by an interruption: failed, not running
        if t.state == optuna.trial.TrialState.RUNNING:
            study._storage.set_trial_state_values(t._trial_id, optuna.trial.TrialState.FAIL)
    done = sum(t.state == complete for t in study.trials)
    t0 = time.perf_counter()
    # one trial at a time, each proposed from a stream of its own (seed, trial), so that
    # a fit continued after an interruption ends as an uninterrupted one
    for k in range(done, trials):
        study.sampler = optuna.samplers.TPESampler(seed=seed + 7919 * k)
        study.optimize(objective, n_trials=1)
        if progress is not None:
            progress(k + 1)
    best = study.best_trial
    sample = pd.DataFrame({f.path: [float(best.params[f.path])] for f in fits})
    sample["weight"] = 1.0
    frame = study.trials_dataframe(attrs=("number", "value", "params", "state"))
    frame = frame[frame["state"] == "COMPLETE"].reset_index(drop=True)
    frame.columns = [c.removeprefix("params_") for c in frame.columns]
    return Posterior(
        fits=fits,
        samples=sample,
        epsilons=[],
        simulations=len(study.trials) * replicates,
        seconds=time.perf_counter() - t0,
        history={
            "method": "point",
            "trials": len(study.trials),
            "resumed_after": done,
            "best_distance": float(best.value),
            "frame": frame,
        },
    )
