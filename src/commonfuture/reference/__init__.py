"""The Mesa reference implementation of the model (docking and speed yardstick).

``simulate(scenario, engine="mesa")`` and ``commonfuture run --engine mesa`` use
:func:`run_reference`. See docs/reference.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from commonfuture.reference.model import Actor, CollaborationModel
from commonfuture.scenario.schema import Scenario

MUTATIONS = (None, "no_erosion")


def run_reference(
    scenario: Scenario,
    seed: int,
    replicates: Sequence[int],
    progress: Callable[[int], None] | None = None,
    mutation: str | None = None,
):
    """Run replicates of the Mesa model; measures as (T, R) arrays, like the fast engine.

    Replicate ``k`` is seeded from ``SeedSequence(seed, spawn_key=(k,))``, as in the
    fast engine (the two engines draw differently, so they agree in distribution, not
    bit for bit). ``mutation`` deliberately changes a rule, for testing the docking
    test itself: ``"no_erosion"`` removes the monthly erosion of commitment.
    """
    if mutation not in MUTATIONS:
        raise ValueError(f"unknown mutation {mutation!r}")
    columns: dict[str, list[list[float]]] = {}
    ties = []
    n_actors = sum(scenario.population.counts.as_tuple())
    for k in replicates:
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(k,)))
        model = CollaborationModel(scenario, rng, mutation=mutation)
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


__all__ = ["Actor", "CollaborationModel", "run_reference"]
