"""The Mesa reference implementation of the model (docking and speed yardstick).

``simulate(scenario, engine="mesa")`` and ``commonfuture run --engine mesa`` use
:func:`run_reference`. See docs/reference.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from commonfuture.leadership.policies import Policy
from commonfuture.reference.model import MUTATIONS, Actor, CollaborationModel
from commonfuture.scenario.schema import Scenario


def run_reference(
    scenario: Scenario,
    seed: int,
    replicates: Sequence[int],
    progress: Callable[[int], None] | None = None,
    mutation: str | None = None,
    policy: str | Policy | None = None,
) -> tuple[dict[str, np.ndarray], list[int], int, None]:
    """Run replicates of the Mesa model; return (arrays, ties per replicate, actors, None).

    ``arrays`` maps every monthly measure of the fast engine to a (T, R) array
    (T months, R replicates), so ``simulate(..., engine="mesa")`` returns the
    same columns. Replicate ``k`` draws from ``SeedSequence(seed, spawn_key=(k,))``,
    as in the fast engine; the two engines draw differently, so they agree in
    distribution, not bit for bit. ``progress`` is called with 1 after each
    replicate-month. ``mutation`` (tests only, see :data:`MUTATIONS`) deliberately
    changes a rule so that the docking test can be shown to fail. ``policy`` (a
    built-in's name, a callable ``policy(observation) -> allocation``, or None for the
    scenario's ``leadership.policy``) spends the key leaders' capacity each month, as
    in the fast engine.
    """
    if mutation not in MUTATIONS:
        raise ValueError(f"unknown mutation {mutation!r}: one of {list(MUTATIONS)}")
    columns: dict[str, list[list[float]]] = {}
    ties: list[int] = []
    n_actors = sum(scenario.population.counts.as_tuple())
    for k in replicates:
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(k,))))
        model = CollaborationModel(scenario, rng, mutation=mutation, policy=policy)
        model.replicate = int(k)
        ties.append(model.n_ties)
        for _ in range(scenario.months):
            model.step()
            if progress is not None:
                progress(1)
        frame = model.datacollector.get_model_vars_dataframe()
        for name in frame.columns:
            columns.setdefault(name, []).append(frame[name].to_list())
    arrays = {name: np.array(vals).T for name, vals in columns.items()}
    return arrays, ties, n_actors, None


__all__ = ["MUTATIONS", "Actor", "CollaborationModel", "run_reference"]
