"""Invariants that hold in every month of every valid scenario (hypothesis).

Scenarios are random but small (at most ~80 actors, 18 months, two replicates),
so a hundred of them run in seconds.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonfuture.outputs import ACTIONS, NAMES
from commonfuture.population import COMMITTED, OUTSIDE, SECEDED
from commonfuture.propositions import Offer
from commonfuture.scenario import SECTORS, Scenario
from commonfuture.simulation import Run
from commonfuture.value import ELEMENTS, LEVELS

unit = st.floats(0.0, 1.0)
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def propositions(draw, k: int) -> dict:
    prop = {
        "name": f"p{k}",
        "value": draw(st.lists(st.floats(0.0, 1.5), min_size=5, max_size=5)),
        "eligible": draw(st.lists(st.sampled_from(SECTORS), min_size=1, max_size=4, unique=True)),
        "cost": draw(st.floats(0.0, 0.4)),
        "price": draw(st.sampled_from([0.0, 250.0])),
        "unit_cost": draw(st.sampled_from([0.0, 20.0, 400.0])),
        "capacity": draw(st.sampled_from([0, 1, 5, 10**9])),
        "min_stage": draw(st.integers(0, 3)),
        "start_month": draw(st.integers(0, 6)),
        "once": draw(st.booleans()),
        "target_yield": draw(st.floats(0.0, 2.0)),
    }
    if prop["once"] and draw(st.booleans()):
        prop["holding"] = {
            "every_months": draw(st.integers(1, 6)),
            "value": draw(st.lists(st.floats(0.0, 0.5), min_size=5, max_size=5)),
            "linked": draw(st.booleans()),
            "performance_sd": draw(st.sampled_from([0.0, 0.1, 1.0])),
            "cap": draw(st.sampled_from([None, 0.5, 1.0, 2.0])),
        }
    return prop


@st.composite
def scenarios(draw) -> Scenario:
    counts = {s: draw(st.integers(0, 10)) for s in SECTORS[:3]}
    counts["citizens"] = draw(st.integers(0, 50))
    leaders = {s: draw(st.integers(0, min(2, counts[s]))) for s in SECTORS[:3]}
    if sum(counts.values()) == 0:
        counts["third"] = 1
    months = draw(st.integers(1, 18))
    events = []
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(["leader_withdraws", "milestone"]))
        ev = {"month": draw(st.integers(1, months)), "kind": kind}
        if kind == "leader_withdraws":
            ev["sector"] = draw(st.sampled_from(SECTORS))
        events.append(ev)
    n_props = draw(st.integers(1, 3))
    return Scenario.model_validate(
        {
            "name": "random",
            "months": months,
            "population": {
                "counts": counts,
                "profile_concentration": draw(st.sampled_from([0.5, 8.0, 100.0])),
                "threshold_mean": draw(st.floats(0.0, 1.0)),
                "org_threshold_mean": draw(st.floats(0.0, 1.0)),
                "support_share": draw(unit),
                "join_rate": draw(unit),
                "use_rate": draw(unit),
                "exploiter_share": draw(unit),
                "initial_commitment": draw(unit),
                "initial_trust": draw(unit),
            },
            "network": {
                "openness": draw(unit),
                "citizen_layer": draw(st.sampled_from(["small_world", "erdos_renyi"])),
                "org_degree": draw(st.floats(0.0, 8.0)),
                "citizen_degree": draw(st.floats(0.0, 8.0)),
            },
            "leadership": {
                "alignment": draw(unit),
                "arbitration": draw(unit),
                "visibility": draw(unit),
                "wins": draw(unit),
                "target": draw(unit),
                "key_leaders": leaders,
                "leader_stake": draw(st.floats(0.0, 3.0)),
                "coupling_threshold": draw(unit),
                "negotiation_rate": draw(unit),
                "consensus_threshold": draw(unit),
                "consensus_erosion": draw(unit),
            },
            "wins": {
                "milestones": draw(st.booleans()),
                "uses": draw(st.floats(0.1, 10.0)),
                "consolidation": draw(unit),
                "nearer": draw(unit),
                "visible": draw(st.floats(0.0, 3.0)),
            },
            "elements": {
                "capacity_gain": draw(st.floats(0.0, 3.0)),
                "voice": draw(st.floats(0.0, 3.0)),
            },
            "staff": {
                "per_organisation": draw(st.integers(0, 50)),
                "weight": draw(unit),
                "gain": draw(unit),
                "decay": draw(unit),
                "reliance": draw(unit),
            },
            "target": {
                "start_month": draw(st.integers(0, 6)),
                "judgement": draw(unit),
                "felt": draw(unit),
                "backing": draw(unit),
                "steer_gain": draw(st.floats(0.0, 3.0)),
            },
            "investment": {
                "monthly_budget": draw(st.floats(0.0, 5000.0)),
                "volatility": draw(st.floats(0.0, 1.0)),
                "member_contribution": draw(unit),
            },
            "stages": {
                "integration_members": draw(st.integers(1, 10)),
                "integration_sectors": draw(st.integers(1, 4)),
                "linking_share": draw(unit),
                "sustain_months": draw(st.integers(1, 4)),
                "hysteresis": draw(unit),
            },
            "dynamics": {
                "noise": draw(st.floats(0.0, 0.5)),
                "value_weight": draw(st.floats(0.0, 2.0)),
                "trust_gain": draw(unit),
                "trust_loss": draw(unit),
                "commitment_gain": draw(unit),
                "commitment_loss": draw(unit),
                "commitment_decay": draw(unit),
                "disruption_shock": draw(unit),
                "outreach": draw(unit),
            },
            "destruction": {
                k: draw(st.floats(0.0, 2.0))
                for k in ("ignorance", "disproportion", "backlash", "exploitation")
            },
            "propositions": [draw(propositions(k)) for k in range(n_props)],
            "events": events,
        }
    )


def run_checked(sc: Scenario, seed: int, replicates: int = 2) -> None:
    """Advance the scenario month by month, checking every invariant after each month."""
    offer = Offer.from_scenario(sc)
    run = Run(sc, seed, replicates)
    state = run.state
    n = state.n_actors
    status = state.status.copy()
    stage = state.stage.copy()
    members = (status == COMMITTED).sum(axis=1)
    seceded = (status == SECEDED).sum(axis=1)
    created_total = np.zeros(replicates)
    target = state.target.copy()
    capital = state.capital.copy()
    # generation: a positive factor per replicate and month, one per payment period of a
    # holding (the same in every month of the period), exactly the plan elsewhere
    generation = run.collaboration.calendar.generation
    assert np.isfinite(generation).all() and (generation > 0).all()
    for j in range(offer.n):
        if offer.holding_every[j] == 0 or offer.holding_sd[j] == 0:
            assert (generation[:, :, j] == 1.0).all()
            continue
        periods = np.array([offer.period(m)[j] for m in range(sc.months + 1)])
        assert (generation[periods == 0, :, j] == 1.0).all()
        for k in set(periods[periods > 0].tolist()):
            assert (generation[periods == k, :, j] == generation[periods == k][0, :, j]).all()
    for month in range(1, sc.months + 1):
        out = run.step()
        assert run.month == month
        assert set(NAMES) <= set(out)

        # actors are conserved across outside / committed / seceded ...
        counts = [(state.status == s).sum(axis=1) for s in (OUTSIDE, COMMITTED, SECEDED)]
        assert (sum(counts) == n).all()
        # ... and only move forward: outside -> committed -> seceded (both in one month when
        # an actor joins below its floor), never back
        assert (state.status >= status).all(), "an actor moved backwards"
        # the monthly flows add up to the stocks
        assert (out["members"] == counts[1]).all() and (out["seceded"] == counts[2]).all()
        assert (out["members"] == members + out["joins"] - out["secessions"]).all(), (
            "members(t) != members(t-1) + joins - secessions"
        )
        assert (out["seceded"] == seceded + out["secessions"]).all()
        by_sector = sum(out[f"members_{s}"] for s in SECTORS)
        by_role = sum(
            out[f"members_{r}"] for r in ("key_leaders", "network_actors", "external_users")
        )
        assert (by_sector == out["members"]).all() and (by_role == out["members"]).all()

        # external supporters are outside actors, flagged only while outside, and none
        # without the coupling; members and supporters of the wider population never
        # exceed it (the backed share stage 3 reads is a share)
        supporting = state.supports & (state.status == OUTSIDE)
        assert (out["supporters"] == supporting.sum(axis=1)).all()
        assert (out["supporters"] <= counts[0]).all()
        assert not (state.supports & (state.status == COMMITTED)).any()
        assert (out["supporters"][~state.coupled] == 0).all()

        # value waiting for a small win is never negative; cycles count months taken part
        assert np.isfinite(state.pending_value).all() and (state.pending_value >= 0).all()
        assert (state.engaged >= 0).all() and (state.engaged <= state.months_since).all()
        assert not state.active.any()  # the month's outcomes were counted and cleared
        # each chain's progress and next milestone are never negative; a member past its
        # milestone reached it this month (only outside the coupling, where none is
        # reached, can progress stand past it)
        assert (state.progress >= 0).all() and (state.milestone >= 0).all()
        assert (out["milestones"] <= out["members"] + out["secessions"]).all()
        if sc.wins.milestones:
            past = (state.status == COMMITTED) & (state.milestone > 0)
            past &= state.progress >= state.milestone
            assert not past[state.coupled].any(), "a member past its milestone did not reach it"
        else:
            assert (state.pending_value == 0).all() and (out["milestones"] == 0).all()
        # staff engagement stays in [0, 1]; the pace on the target is a ratio >= 0
        assert ((state.staff >= 0) & (state.staff <= 1)).all()
        assert ((out["staff_engagement"] >= 0) & (out["staff_engagement"] <= 1)).all()
        assert (out["target_pace"] >= 0).all() and np.isfinite(out["target_pace"]).all()

        # commitment and trust stay in [0, 1]
        for x in (state.commitment, state.trust):
            assert np.isfinite(x).all() and x.min() >= 0.0 and x.max() <= 1.0
        for k in ("mean_commitment", "mean_trust"):
            assert ((out[k] >= 0) & (out[k] <= 1 + 1e-6)).all()

        # value accounting adds up across elements, and across individual, service, community
        by_element = sum(out[f"value_{e}"] for e in ELEMENTS)
        by_level = sum(out[f"value_{lvl}"] for lvl in LEVELS)
        lost = sum(out[f"destroyed_{lvl}"] for lvl in LEVELS)
        losses = sum(
            out[f"loss_{k}"] for k in ("ignorance", "disproportion", "backlash", "conflict")
        )
        assert np.allclose(by_element, out["value_created"], rtol=1e-9, atol=1e-9)
        # net per level adds up to the net total: created minus what the levels lost
        assert np.allclose(by_level, out["value_created"] - lost, rtol=1e-9, atol=1e-6)
        # the levels lose the losses of the four kinds and of conflict, less the exploiters'
        # gains
        assert (out["loss_conflict"] >= 0).all()
        # the leaders spend no more than their capacity
        spent = sum(out[f"spent_{k}"] for k in ACTIONS)
        assert (spent <= out["capacity"] + 1e-9).all()
        for s_ in SECTORS:
            a_ = out[f"alignment_{s_}"]
            assert ((a_ >= 0) & (a_ <= 1)).all()
        assert ((out["tension_max"] >= 0) & (out["tension_max"] <= 1)).all()
        assert (lost <= losses + out["loss_exploitation"] + 1e-6).all()
        assert (lost >= losses - 1e-6).all()
        for lvl in LEVELS:
            assert (out[f"destroyed_{lvl}"] >= 0).all()
        for e in ELEMENTS:
            assert (out[f"value_{e}"] >= 0).all()
        assert (out["value_destroyed"] >= 0).all()
        for k in ("ignorance", "disproportion", "backlash", "exploitation"):
            assert (out[f"loss_{k}"] >= -1e-12).all()
        # what actors accumulated is what was created
        created_total += out["value_created"]
        acc = state.accumulated.sum(axis=(1, 2), dtype=np.float64)
        assert np.allclose(acc, created_total, rtol=1e-4, atol=1e-4)

        # money and uses stay within their limits; stocks never fall
        assert (out["spent"] <= out["funding"] + 1e-6).all()
        for j, name in enumerate(offer.names):
            assert (out[f"uptake.{name}"] <= offer.capacity[j]).all()
        assert (state.target >= target).all() and (state.capital >= capital).all()

        # stages never skip forward, and need the coupling
        assert ((state.stage >= 0) & (state.stage <= 3)).all()
        assert (state.stage.astype(int) - stage <= 1).all(), "a stage was skipped"
        assert ((state.stage >= 1) <= state.coupled).all()
        # the consensus is a level in [0, 1]; the coupling holds only on enough of it
        assert ((state.consensus >= 0) & (state.consensus <= 1 + 1e-12)).all()
        assert (out["consensus"] == state.consensus).all()
        # (the coupling is decided in sub-step 1; the leaders' review later in the month can
        # take at most a share target.judgement of the consensus for the pace on the target,
        # then a share consensus_erosion for the delivery)
        lead = sc.leadership
        floor = lead.consensus_threshold * (1 - lead.consensus_erosion) * (1 - sc.target.judgement)
        kept = state.consensus >= floor - 1e-9
        assert (state.coupled <= kept).all()
        assert (out["regressions"] == (state.stage < stage)).all()

        status = state.status.copy()
        stage = state.stage.copy()
        members, seceded = out["members"], out["seceded"]
        target, capital = state.target.copy(), state.capital.copy()


@SETTINGS
@given(sc=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_invariants_hold_every_month(sc, seed):
    run_checked(sc, seed)


def test_invariants_hold_when_a_key_leader_withdraws():
    """The scheduled withdrawal of a sector's key leaders is a secession like any other."""
    sc = Scenario.model_validate(
        {
            "name": "withdrawal",
            "months": 8,
            "population": {"counts": {"public": 3, "private": 3, "third": 3, "citizens": 20}},
            "leadership": {"key_leaders": {"public": 1, "third": 1}},
            "propositions": [{"name": "p", "value": [0.5] * 5, "min_stage": 0}],
            "events": [{"month": 4, "kind": "leader_withdraws", "sector": "public"}],
        }
    )
    run_checked(sc, seed=1)
