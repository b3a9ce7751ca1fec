"""Running a scenario: seeds, replicates, batches and the result.

Randomness has one root: replicate ``k`` of a run with seed ``s`` draws
everything (actors, network, monthly events) from
``SeedSequence(s, spawn_key=(k,))``, so its result depends on neither how many
replicates run beside it nor how they are batched or distributed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from commonfuture import compiled
from commonfuture.leadership.policies import Policy
from commonfuture.meso.value_chains import ChainRecorder
from commonfuture.model import Collaboration, calendar
from commonfuture.outputs import NAMES
from commonfuture.population import build_state
from commonfuture.propositions import Offer
from commonfuture.randomness import (
    budget_normals,
    generation_normals,
    replicate_key,
    streams,
)
from commonfuture.scenario.load import apply_overrides, scaled
from commonfuture.scenario.schema import Scenario

# a line on standard error when the model's kernels compile (scripts, notebooks), unless
# the caller shows it itself (compiled.compiling: the command line, the dashboard)
compiled.noticed()

#: actors per batch when replicates are advanced together (R x N arrays)
BATCH_ACTORS = 400_000
#: seconds between progress reports of a run (the months run in compiled stretches)
PROGRESS_EVERY = 0.05


def replicate_rng(seed: int, k: int) -> np.random.Generator:
    """The random stream of replicate ``k`` of a run seeded with ``seed``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(k,))))


@dataclass
class SimulationResult:
    """What a run produced.

    ``monthly`` is tidy: one row per replicate and month (months 1..horizon).
    ``chains`` holds per-actor value chains when they were requested.
    """

    scenario: Scenario
    seed: int
    replicates: list[int]
    monthly: pd.DataFrame
    n_actors: int
    ties_per_replicate: list[int]
    wall_time: float
    engine: str = "fast"
    chains: pd.DataFrame | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_ties(self) -> int:
        """Undirected ties per replicate network (mean over replicates, rounded)."""
        return int(round(float(np.mean(self.ties_per_replicate)))) if self.ties_per_replicate else 0

    def final(self) -> pd.DataFrame:
        """The last month of every replicate."""
        m = self.monthly
        return m[m["month"] == m["month"].max()].reset_index(drop=True)

    def value_chains(self) -> pd.DataFrame:
        if self.chains is None:
            raise ValueError("value chains were not recorded: simulate(..., chains=True)")
        return self.chains

    def summary(self) -> dict[str, Any]:
        """A few headline figures across replicates."""
        m, fin = self.monthly, self.final()
        per_rep = m.groupby("replicate")
        return {
            "replicates": len(self.replicates),
            "months": int(m["month"].max()),
            "actors": self.n_actors,
            "ties": self.n_ties,
            "final_stage": {
                int(k): int(v) for k, v in fin["stage"].value_counts().sort_index().items()
            },
            "max_stage": {
                int(k): int(v)
                for k, v in per_rep["stage"].max().value_counts().sort_index().items()
            },
            "members_final_mean": float(fin["members"].mean()),
            "value_created_mean": float(per_rep["value_created"].sum().mean()),
            "value_destroyed_mean": float(per_rep["value_destroyed"].sum().mean()),
            "target_progress_mean": float(fin["target_progress"].mean()),
            "capital_raised_mean": float(fin["capital_raised"].mean()),
        }


def run_batch(
    scenario: Scenario,
    seed: int,
    replicates: Sequence[int],
    chains: bool | Sequence[int] = False,
    progress: Callable[[int], None] | None = None,
    policy: str | Policy | None = None,
) -> tuple[dict[str, np.ndarray], list[int], int, pd.DataFrame | None]:
    """Advance ``replicates`` together; return measures as (T, R) arrays (the run's own,
    not copies: the run ends here)."""
    run = Run(scenario, seed, replicates, chains=chains, policy=policy)
    run.run(progress)
    chain_df = run.value_chains() if chains is not False else None
    return run.collaboration.measures(), run.ties_per_replicate, run.n_actors, chain_df


class Run:
    """One batch of replicates advanced month by month: the dashboard, notebooks and
    the Mesa-conventional model step through a run with it.

    ``Run(scenario, seed, replicates).step()`` advances every replicate by one month
    and returns that month's measures ((R,) each, named as ``outputs.NAMES`` plus
    one ``uptake.<proposition>`` per proposition). The numbers are those of
    :func:`simulate` with the same scenario, seed and replicates, month for month.
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int = 0,
        replicates: int | Sequence[int] = 1,
        overrides: dict[str, Any] | list[str] | None = None,
        scale: float = 1.0,
        *,
        chains: bool | Sequence[int] = False,
        policy: str | Policy | None = None,
    ):
        reps = _replicate_list(replicates)
        sc = self.scenario = prepare(scenario, overrides, scale)
        self.seed = int(seed)
        self.replicates = reps
        offer = Offer.from_scenario(sc)
        state = build_state(sc, [replicate_rng(seed, k) for k in reps], offer)
        keys = np.stack([replicate_key(seed, k) for k in reps])
        cal = calendar(
            sc,
            offer,
            lambda m: budget_normals(keys, m),
            len(reps),
            generation_normals=lambda k: generation_normals(keys, k, offer.n),
        )
        self.collaboration = Collaboration(
            sc, offer, state, streams(keys, state.n_actors), cal, policy=policy, replicates=reps
        )
        self._recorder = None
        if chains is not False:
            actors = None if chains is True else list(chains)
            self._recorder = ChainRecorder(state.n_actors, offer.names, actors)

    @property
    def state(self):
        """The live :class:`~commonfuture.population.State` of the replicates."""
        return self.collaboration.state

    @property
    def month(self) -> int:
        """Months done so far (0 before the first step)."""
        return self.state.month

    @property
    def months(self) -> int:
        """The scenario's horizon."""
        return self.scenario.months

    @property
    def done(self) -> bool:
        return self.month >= self.months

    @property
    def n_actors(self) -> int:
        return self.state.n_actors

    @property
    def ties_per_replicate(self) -> list[int]:
        return list(self.state.ties_per_replicate)

    def step(self) -> dict[str, np.ndarray]:
        """Advance one month; return its measures, (R,) each."""
        if self.done:
            raise RuntimeError(f"the run has reached its horizon ({self.months} months)")
        events = self.collaboration.step()
        if self._recorder is not None:
            self._recorder.record(self.month, events)
        return {k: v.copy() for k, v in self.collaboration.measures(self.month).items()}

    def run(self, progress: Callable[[int], None] | None = None) -> None:
        """Advance to the horizon.

        Without value chains the months run in compiled code: in one call, or, when
        ``progress`` is given, in stretches that grow until each takes about
        :data:`PROGRESS_EVERY` seconds, ``progress`` being called after each with the
        replicate-months it did. Value chains are recorded month by month.
        """
        r = len(self.replicates)
        if self._recorder is not None:
            while not self.done:
                self.step()
                if progress is not None:
                    progress(r)
            return
        if progress is None:
            self.collaboration.run(self.months)
            return
        stretch = 1
        while not self.done:
            first = self.month
            t0 = time.perf_counter()
            self.collaboration.run(min(first + stretch, self.months))
            if time.perf_counter() - t0 < PROGRESS_EVERY:
                stretch *= 2
            progress(r * (self.month - first))

    def arrays(self) -> dict[str, np.ndarray]:
        """The months so far as (T, R) arrays."""
        return {k: v.copy() for k, v in self.collaboration.measures().items()}

    def monthly(self) -> pd.DataFrame:
        """The months so far, tidy: one row per replicate and month."""
        if self.month == 0:
            return pd.DataFrame(columns=["replicate", "month", *NAMES])
        return to_frame(self.collaboration.measures(), self.replicates)

    def value_chains(self) -> pd.DataFrame:
        """Per-actor value chains so far (``chains`` must have been asked for)."""
        if self._recorder is None:
            raise ValueError("value chains were not recorded: Run(..., chains=True)")
        df = self._recorder.frame()
        df["replicate"] = np.asarray(self.replicates)[df["replicate"].to_numpy(np.int64)]
        return df


def _replicate_list(replicates: int | Sequence[int]) -> list[int]:
    if isinstance(replicates, int | np.integer):
        if replicates < 1:
            raise ValueError("replicates must be at least 1")
        return list(range(int(replicates)))
    return [int(k) for k in replicates]


def to_frame(arrays: dict[str, np.ndarray], replicates: Sequence[int]) -> pd.DataFrame:
    """(T, R) arrays -> tidy frame sorted by replicate then month."""
    t, r = arrays["stage"].shape
    data: dict[str, np.ndarray] = {
        "replicate": np.repeat(np.asarray(replicates, np.int32), t),
        "month": np.tile(np.arange(1, t + 1, dtype=np.int32), r),
    }
    for k, v in arrays.items():
        col = v.T.reshape(-1)
        if col.dtype.kind in "iub":
            col = col.astype(np.int64)
        else:
            col = col.astype(np.float64)
        data[k] = col
    return pd.DataFrame(data)


def batches(replicates: Sequence[int], n_actors: int, batch_size: int | None) -> list[list[int]]:
    size = batch_size or max(1, BATCH_ACTORS // max(n_actors, 1))
    reps = list(replicates)
    return [reps[i : i + size] for i in range(0, len(reps), size)]


def prepare(
    scenario: Scenario, overrides: dict[str, Any] | list[str] | None, scale: float
) -> Scenario:
    return scaled(apply_overrides(scenario, overrides), scale)


def simulate(
    scenario: Scenario,
    seed: int = 0,
    replicates: int | Sequence[int] = 1,
    overrides: dict[str, Any] | list[str] | None = None,
    scale: float = 1.0,
    *,
    engine: str = "fast",
    chains: bool | Sequence[int] = False,
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    policy: str | Policy | None = None,
) -> SimulationResult:
    """Simulate ``replicates`` runs of a scenario.

    Parameters
    ----------
    scenario: a :class:`Scenario` (see :func:`commonfuture.load_scenario`).
    seed: root seed; replicate ``k`` uses ``SeedSequence(seed, spawn_key=(k,))``.
    replicates: how many (replicates ``0..R-1``), or an explicit list of indices.
    overrides: ``{"leadership.alignment": 0.3}`` or ``["leadership.alignment=0.3"]``.
    scale: multiply every population count (and capacities, budget, target).
    engine: ``"fast"`` (array kernel) or ``"mesa"`` (the Mesa reference).
    chains: record per-actor value chains (True, or a list of actor indices).
    batch_size: replicates advanced together (default: by population size).
    progress: called as months complete, with the number of replicate-months done
        since its last call (about every ``PROGRESS_EVERY`` seconds).
    policy: how the key leaders spend their capacity each month: a built-in's name
        (``"steady"``, ``"firefight"``, ``"grow"``), a callable ``policy(observation) ->
        allocation`` (:mod:`commonfuture.leadership.policies`), or None for the
        scenario's ``leadership.policy``.
    """
    reps = _replicate_list(replicates)
    sc = prepare(scenario, overrides, scale)
    if isinstance(policy, str):  # a named policy is the scenario's own: validated, recorded
        sc = apply_overrides(sc, {"leadership.policy": policy})
        policy = None
    t0 = time.perf_counter()
    if engine == "mesa":
        from commonfuture.reference import run_reference

        arrays, ties, n_actors, chain_df = run_reference(
            sc, seed, reps, progress=progress, policy=policy
        )
        frames = [to_frame(arrays, reps)]
        all_ties = ties
    elif engine == "fast":
        n = sum(sc.population.counts.as_tuple())
        frames, all_ties, chain_parts = [], [], []
        n_actors = n
        for group in batches(reps, n, batch_size):
            arrays, ties, n_actors, chain_df = run_batch(sc, seed, group, chains, progress, policy)
            frames.append(to_frame(arrays, group))
            all_ties += ties
            if chain_df is not None:
                chain_parts.append(chain_df)
        chain_df = pd.concat(chain_parts, ignore_index=True) if chain_parts else None
    else:
        raise ValueError(f"unknown engine {engine!r}: use 'fast' or 'mesa'")
    # one batch: its frame as it is (already numbered from 0), without concat's copy
    monthly = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    return SimulationResult(
        scenario=sc,
        seed=seed,
        replicates=reps,
        monthly=monthly,
        n_actors=n_actors,
        ties_per_replicate=list(all_ties),
        wall_time=time.perf_counter() - t0,
        engine=engine,
        chains=chain_df,
    )


__all__ = ["NAMES", "Run", "SimulationResult", "replicate_rng", "simulate"]
