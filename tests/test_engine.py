"""The month as one compiled call (commonfuture.engine) equals model.step's composition
of the seven sub-steps, month by month, to the last bit."""

from __future__ import annotations

import numpy as np
import pytest

from commonfuture.scenario.load import apply_overrides, load_scenario, scaled, scenarios_dir
from commonfuture.scenario.schema import Event
from commonfuture.simulation import run_batch

STRESS = {
    "leadership.alignment": 0.4,
    "leadership.arbitration": 0.3,
    "population.exploiter_share": 0.3,
    "investment.volatility": 0.5,
    "network.citizen_layer": "erdos_renyi",
}


def cases():
    out = []
    for path in sorted(scenarios_dir().rglob("*.toml")):
        sc = load_scenario(path)
        n = sum(sc.population.counts.as_tuple())
        sc = scaled(sc, min(1.0, 400 / n))
        out.append((path.stem, sc.model_copy(update={"months": min(sc.months, 72)})))
    generic = load_scenario(scenarios_dir() / "generic.toml")
    stressed = apply_overrides(generic, STRESS).model_copy(update={"months": 48})
    events = [
        Event(month=5, kind="milestone"),
        Event(month=20, kind="leader_withdraws", sector="private"),
        Event(month=30, kind="milestone"),
    ]
    out.append(("stress-and-events", stressed.model_copy(update={"events": events})))
    return out


@pytest.mark.parametrize("name,sc", cases(), ids=[c[0] for c in cases()])
def test_compiled_month_equals_the_composed_step(name, sc):
    reps = [0, 3, 4]
    fused, ties_a, n_a, _ = run_batch(sc, 11, reps, chains=False)
    composed, ties_b, n_b, _ = run_batch(sc, 11, reps, chains=True)
    assert (ties_a, n_a) == (ties_b, n_b)
    assert list(fused) == list(composed)  # same measures, same order
    for key in composed:
        a, b = np.asarray(fused[key]), np.asarray(composed[key])
        assert a.shape == b.shape, key
        assert np.array_equal(a, b), f"{name}: {key} differs"
    # the run did something: members joined and the offer was used
    assert np.asarray(fused["joins"]).sum() > 0 and np.asarray(fused["uses"]).sum() > 0
