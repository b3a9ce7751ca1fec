"""Invariants over random scenarios (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonfuture.model import Streams, make_context, step
from commonfuture.population import COMMITTED, OUTSIDE, SECEDED, build_state
from commonfuture.propositions import Offer
from commonfuture.scenario import Scenario
from commonfuture.simulation import replicate_rng

unit = st.floats(0.0, 1.0)


@st.composite
def scenarios(draw):
    counts = {s: draw(st.integers(0, 12)) for s in ("public", "private", "third")}
    counts["citizens"] = draw(st.integers(0, 60))
    counts["public"] = max(counts["public"], 1)
    counts["third"] = max(counts["third"], 1)
    n_props = draw(st.integers(1, 3))
    props = []
    for k in range(n_props):
        props.append(
            {
                "name": f"p{k}",
                "value": draw(st.lists(st.floats(0.0, 1.0), min_size=5, max_size=5)),
                "cost": draw(st.floats(0.0, 0.3)),
                "unit_cost": draw(st.sampled_from([0.0, 50.0, 500.0])),
                "capacity": draw(st.integers(0, 50)),
                "min_stage": draw(st.integers(0, 3)),
                "once": draw(st.booleans()),
                "target_yield": draw(st.floats(0.0, 2.0)),
            }
        )
    if draw(st.booleans()):
        props[0]["once"] = True
        props[0]["holding"] = {
            "every_months": draw(st.integers(1, 6)),
            "value": [0.2, 0.3, 0.0, 0.0, 0.1],
        }
    return Scenario.model_validate(
        {
            "name": "random",
            "months": draw(st.integers(1, 18)),
            "population": {
                "counts": counts,
                "threshold_mean": draw(st.floats(0.0, 0.8)),
                "org_threshold_mean": draw(st.floats(0.0, 0.8)),
                "join_rate": draw(unit),
                "use_rate": draw(unit),
                "exploiter_share": draw(unit),
            },
            "network": {
                "openness": draw(unit),
                "citizen_layer": draw(st.sampled_from(["small_world", "erdos_renyi"])),
            },
            "leadership": {
                "alignment": draw(unit),
                "arbitration": draw(unit),
                "visibility": draw(unit),
                "small_win_cadence_months": draw(st.integers(1, 12)),
                "key_leaders": {"public": 1, "third": 1},
            },
            "investment": {
                "monthly_budget": draw(st.floats(0, 5000)),
                "volatility": draw(st.floats(0.0, 1.0)),
            },
            "dynamics": {"noise": draw(st.floats(0.0, 0.5)), "value_weight": draw(st.floats(0, 2))},
            "propositions": props,
            "events": [
                {"month": draw(st.integers(0, 18)), "kind": "leader_withdraws", "sector": "public"}
            ]
            if draw(st.booleans())
            else [],
        }
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sc=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_invariants(sc, seed):
    offer = Offer.from_scenario(sc)
    rngs = [replicate_rng(seed, k) for k in range(2)]
    state = build_state(sc, rngs, offer)
    ctx = make_context(sc, offer, state)
    streams = Streams(rngs, state.n_actors)
    n = state.n_actors
    prev_stage = state.stage.copy()
    was_seceded = state.status == SECEDED
    for month in range(1, sc.months + 1):
        out = step(state, ctx, streams.draw(), month)
        # actors conserved across outside / committed / seceded
        counts = sum((state.status == s).sum(axis=1) for s in (OUTSIDE, COMMITTED, SECEDED))
        assert (counts == n).all()
        assert (out["members"] == (state.status == COMMITTED).sum(axis=1)).all()
        # seceded actors never come back
        assert (state.status[was_seceded] == SECEDED).all()
        was_seceded = state.status == SECEDED
        # commitment and trust stay in [0, 1]
        for x in (state.commitment, state.trust):
            assert np.isfinite(x).all() and x.min() >= 0.0 and x.max() <= 1.0
        # value accounting adds up across individual, service and community
        levels = out["value_individual"] + out["value_service"] + out["value_community"]
        assert np.allclose(levels, out["value_created"], rtol=1e-9, atol=1e-9)
        elements = sum(
            out[f"value_{e}"]
            for e in ("satisfaction", "outcomes", "experience", "capacity", "public")
        )
        assert np.allclose(elements, out["value_created"], rtol=1e-9, atol=1e-9)
        assert (out["value_destroyed"] >= 0).all()
        # stages never skip forward
        assert (state.stage - prev_stage <= 1).all()
        assert ((state.stage >= 1) <= state.coupled).all()  # no stage without coupling
        prev_stage = state.stage.copy()
        # members by sector and by role both add up to members
        by_sector = sum(out[f"members_{s}"] for s in ("public", "private", "third", "citizens"))
        by_role = sum(
            out[f"members_{r}"] for r in ("key_leaders", "network_actors", "external_users")
        )
        assert (by_sector == out["members"]).all() and (by_role == out["members"]).all()
        assert (out["spent"] <= out["funding"] + 1e-6).all()
