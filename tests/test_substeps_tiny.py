"""Each of the seven monthly sub-steps on a hand-made state of five actors.

Actors: 0 public key leader, 1 public, 2 private, 3 third key leader, 4 resident.
Expected values are derived by hand from each rule's docstring.
"""

from __future__ import annotations

import numpy as np
import pytest

from commonfuture.macro.coupling import coupling
from commonfuture.macro.stages import Snapshot, advance
from commonfuture.meso.small_wins import small_wins
from commonfuture.micro.commitment import commitment_link
from commonfuture.micro.creation import creation_link
from commonfuture.micro.proposition import Offered, proposition_link
from commonfuture.micro.secession import secession
from commonfuture.network import symmetric
from commonfuture.population import COMMITTED, OUTSIDE, SECEDED, build_state
from commonfuture.propositions import Offer
from commonfuture.scenario import Scenario
from commonfuture.simulation import replicate_rng

BASE = {
    "name": "tiny",
    "months": 12,
    "population": {"counts": {"public": 2, "private": 1, "third": 1, "citizens": 1}},
    "leadership": {"key_leaders": {"public": 1, "third": 1}},
    "propositions": [
        {"name": "course", "value": [0.5, 0.5, 0.5, 0.5, 0.5], "cost": 0.1, "min_stage": 1},
    ],
}


def make(overrides: dict | None = None):
    data = {**BASE, **(overrides or {})}
    sc = Scenario.model_validate(data)
    offer = Offer.from_scenario(sc)
    state = build_state(sc, [replicate_rng(0, 0)], offer)
    # a chain 0-1-2-3-4 with unit weights
    i = np.array([0, 1, 2, 3])
    j = np.array([1, 2, 3, 4])
    state.ties = symmetric(i, j, np.ones(4, np.float32), 5)
    state.degree = np.asarray(state.ties.sum(axis=1), np.float32).reshape(1, 5)
    return sc, offer, state


def zeros():
    return np.zeros((1, 5), np.float32)


# --------------------------------------------------------------------------- 1 coupling


def test_coupling_holds_with_two_sectors_and_breaks_with_a_weak_leader():
    sc, _, st = make(
        {
            "leadership": {
                "key_leaders": {"public": 1, "third": 1},
                "arbitration": 1.0,
                "coupling_threshold": 0.4,
            }
        }
    )
    assert not coupling(st, sc, 1).any()  # not coupled before: no disruption
    assert st.coupled.all()
    st.status[0, 1] = COMMITTED
    st.trust[0, 1] = 0.5
    st.commitment[0, 0] = 0.3  # below the coupling threshold
    disrupted = coupling(st, sc, 2)
    assert disrupted.all() and not st.coupled.any()
    shock = 1 - sc.dynamics.disruption_shock
    assert st.trust[0, 1] == pytest.approx(0.5 * shock)


def test_leader_withdrawal_event_secedes_the_sectors_key_leaders():
    sc, _, st = make({"events": [{"month": 3, "kind": "leader_withdraws", "sector": "third"}]})
    coupling(st, sc, 1)
    assert st.coupled.all()
    coupling(st, sc, 3)
    assert st.status[0, 3] == SECEDED and st.status[0, 0] == COMMITTED
    assert not st.coupled.any()


def test_coupling_needs_aligned_value_positions():
    sc, _, st = make(
        {
            "leadership": {
                "key_leaders": {"public": 1, "third": 1},
                "arbitration": 0.0,
                "coupling_alignment": 0.99,
            }
        }
    )
    st.profile[0, 0] = [1, 0, 0, 0, 0]
    st.profile[0, 3] = [0, 0, 0, 0, 1]
    st.extra.clear()
    coupling(st, sc, 1)
    assert not st.coupled.any()


# --------------------------------------------------------------------------- 2 commitment


def test_commitment_link_is_a_threshold_model_without_value_terms():
    sc, offer, st = make(
        {
            "dynamics": {"value_weight": 0.0},
            "leadership": {"key_leaders": {"public": 1, "third": 0}, "visibility": 0.0},
            "population": {**BASE["population"], "join_rate": 1.0},
        }
    )
    st.coupled[:] = True
    st.threshold[:] = 0.5
    joins = commitment_link(
        st, sc, np.ones((1, 1), bool), offer.bits, zeros(), zeros(), np.ones(5, bool)
    )
    # actor 1 has neighbours 0 (committed) and 2: pull 0.5 >= 0.5; nobody else is reachable
    assert joins[0].tolist() == [False, True, False, False, False]
    assert st.status[0, 1] == COMMITTED
    assert st.commitment[0, 1] == pytest.approx(sc.population.initial_commitment)
    # next month the cascade moves on: actor 2 sees 1 of 2 neighbours committed
    joins = commitment_link(
        st, sc, np.ones((1, 1), bool), offer.bits, zeros(), zeros(), np.ones(5, bool)
    )
    assert joins[0].tolist() == [False, False, True, False, False]


def test_commitment_needs_a_positive_private_value_target():
    sc, offer, st = make(
        {
            "population": {
                **BASE["population"],
                "join_rate": 1.0,
                "threshold_mean": 0.0,
                "threshold_sd": 0.0,
                "org_threshold_mean": 0.0,
                "org_threshold_sd": 0.0,
            }
        }
    )
    st.coupled[:] = True
    closed = np.zeros((1, 1), bool)
    joins = commitment_link(st, sc, closed, offer.bits, zeros(), zeros(), np.ones(5, bool))
    assert not joins.any()  # nothing open: no target to commit to
    joins = commitment_link(st, sc, ~closed, offer.bits, zeros(), zeros(), np.ones(5, bool))
    assert joins[0, 1] and joins[0, 2]


def test_no_commitment_without_coupling_and_no_return_after_secession():
    sc, offer, st = make(
        {"dynamics": {"value_weight": 0.0}, "population": {**BASE["population"], "join_rate": 1.0}}
    )
    st.threshold[:] = 0.0
    st.coupled[:] = False
    assert not commitment_link(
        st, sc, np.ones((1, 1), bool), offer.bits, zeros(), zeros(), np.ones(5, bool)
    ).any()
    st.coupled[:] = True
    st.status[0, 1] = SECEDED
    joins = commitment_link(
        st, sc, np.ones((1, 1), bool), offer.bits, zeros(), zeros(), np.ones(5, bool)
    )
    assert not joins[0, 1]


# --------------------------------------------------------------------------- 3 proposition


def test_proposition_link_funding_and_capacity():
    sc, offer, st = make(
        {
            "investment": {"monthly_budget": 1000.0, "member_contribution": 0.1},
            "propositions": [
                {"name": "a", "value": [1, 0, 0, 0, 0], "unit_cost": 100.0, "capacity": 3},
                {"name": "b", "value": [0, 1, 0, 0, 0], "unit_cost": 300.0, "capacity": 50},
                {"name": "c", "value": [0, 0, 1, 0, 0], "min_stage": 3},
            ],
        }
    )
    st.stage[:] = 1
    st.coupled[:] = True
    st.resources[:] = 0.0
    st.resources[0, 0] = 2000.0  # a member's resources: contributes 10%
    out = proposition_link(st, sc, offer, 1, np.zeros(1))
    assert out.pool[0] == pytest.approx(1000 + 200)
    assert out.open[0].tolist() == [True, True, False]  # c needs stage 3
    # 1200 shared by the two funded open propositions: 600 each
    assert out.capacity[0].tolist() == [3.0, 2.0, 0.0]


def test_proposition_link_offers_nothing_without_coupling_or_after_withdrawal():
    sc, offer, st = make({"investment": {"monthly_budget": 1000.0, "end_month": 5}})
    st.stage[:] = 2
    st.coupled[:] = False
    assert not proposition_link(st, sc, offer, 1, np.zeros(1)).open.any()
    st.coupled[:] = True
    assert proposition_link(st, sc, offer, 6, np.zeros(1)).budget[0] == 0.0


# --------------------------------------------------------------------------- 4 creation


def test_creation_link_value_is_fit_minus_cost_under_perfect_leadership():
    sc, offer, st = make(
        {
            "leadership": {
                "key_leaders": {"public": 1, "third": 1},
                "alignment": 1.0,
                "arbitration": 1.0,
                "leader_stake": 0.0,
            },
            "population": {**BASE["population"], "use_rate": 1.0},
            "dynamics": {"noise": 0.0},
        }
    )
    offered = Offered(
        open=np.ones((1, 1), bool),
        capacity=np.full((1, 1), 10.0),
        budget=np.zeros(1),
        pool=np.zeros(1),
    )
    created = creation_link(st, sc, offer, offered, 1, zeros(), zeros(), zeros())
    # the two key leaders are the only members; each realises fit - cost
    assert sorted(created.users.tolist()) == [0, 3]
    fit = st.profile[0, [0, 3]] @ offer.value[0]
    assert created.realised == pytest.approx(fit - 0.1, abs=1e-6)
    per_element = (st.profile[0, [0, 3]] * offer.value[0]).sum(axis=0)
    assert created.created[0] == pytest.approx(per_element, abs=1e-6)
    assert created.losses.sum() == pytest.approx(0.0, abs=1e-9)
    assert st.realised[0, [0, 3]] == pytest.approx(fit - 0.1, abs=1e-6)


def test_creation_link_poor_leadership_destroys_value():
    sc, offer, st = make(
        {
            "leadership": {
                "key_leaders": {"public": 1, "third": 1},
                "alignment": 0.0,
                "arbitration": 0.0,
            },
            "population": {**BASE["population"], "use_rate": 1.0},
            "dynamics": {"noise": 0.0},
        }
    )
    offered = Offered(
        open=np.ones((1, 1), bool),
        capacity=np.full((1, 1), 10.0),
        budget=np.zeros(1),
        pool=np.zeros(1),
    )
    created = creation_link(st, sc, offer, offered, 1, zeros(), zeros(), zeros())
    assert (created.realised < 0).all()
    assert created.destroyed[0] == pytest.approx(-created.realised.sum())


def test_creation_link_rations_by_capacity():
    sc, offer, st = make({"population": {**BASE["population"], "use_rate": 1.0}})
    st.status[:] = COMMITTED
    offered = Offered(
        open=np.ones((1, 1), bool), capacity=np.zeros((1, 1)), budget=np.zeros(1), pool=np.zeros(1)
    )
    created = creation_link(st, sc, offer, offered, 1, zeros(), zeros(), zeros())
    assert created.uptake.sum() == 0


# --------------------------------------------------------------------------- 5 small wins


def test_small_win_and_shortfall_move_trust_and_commitment():
    sc, _, st = make(
        {"leadership": {"key_leaders": {"public": 1, "third": 1}, "small_win_cadence_months": 3}}
    )
    d = sc.dynamics
    st.status[0, :] = [COMMITTED, COMMITTED, OUTSIDE, COMMITTED, OUTSIDE]
    st.expectation[:] = 0.1
    st.trust[0, :] = 0.5
    st.commitment[0, :] = 0.6
    st.months_since[0, :] = 2  # becomes 3 this month
    st.realised[0, 0] = 0.6  # 0.2 a month: gap +0.1, size 1 -> a full win
    st.realised[0, 1] = 0.15  # 0.05 a month: gap -0.05, size 0.5 -> a shortfall
    st.realised[0, 3] = 0.3  # exactly the expectation: a win of size 0
    ev = small_wins(st, sc, 3)
    assert ev.evaluated[0].tolist() == [True, True, False, True, False]
    assert ev.wins[0].tolist() == [True, False, False, True, False]
    c0 = 0.6 - d.commitment_decay * 0.5  # erosion first
    assert st.trust[0, 0] == pytest.approx(0.5 + d.trust_gain * 0.5)
    assert st.commitment[0, 0] == pytest.approx(c0 + d.commitment_gain * (1 - c0), abs=1e-6)
    assert st.trust[0, 1] == pytest.approx(0.5 - d.trust_loss * 0.5 * 0.5)
    assert st.commitment[0, 1] == pytest.approx(c0 - d.commitment_loss * 0.5 * c0, abs=1e-6)
    assert st.commitment[0, 3] == pytest.approx(c0, abs=1e-6)
    assert st.signal[0, 0] == pytest.approx(1.0) and st.signal[0, 1] == pytest.approx(-0.5)
    assert (st.realised[0, [0, 1, 3]] == 0).all() and (st.months_since[0, [0, 1, 3]] == 0).all()


def test_no_evaluation_between_moments_only_erosion():
    sc, _, st = make(
        {"leadership": {"key_leaders": {"public": 1, "third": 1}, "small_win_cadence_months": 6}}
    )
    st.trust[0, 0] = 0.2
    st.commitment[0, 0] = 0.5
    ev = small_wins(st, sc, 4)
    assert not ev.evaluated.any()
    assert st.commitment[0, 0] == pytest.approx(0.5 - sc.dynamics.commitment_decay * 0.8)


# --------------------------------------------------------------------------- 6 secession


def test_secession_below_floor():
    _, _, st = make()
    st.status[0, :] = COMMITTED
    st.floor[:] = 0.3
    st.commitment[0, :] = [0.5, 0.29, 0.3, 0.1, 0.9]
    leaving = secession(st)
    assert leaving[0].tolist() == [False, True, False, True, False]
    assert st.status[0].tolist() == [1, 2, 1, 2, 1]
    assert st.signal[0, 1] == -1.0


# --------------------------------------------------------------------------- 7 stages


def snap(coupled, others, sectors, share):
    return Snapshot(np.array([coupled]), np.array([others]), np.array([sectors]), np.array([share]))


def test_stages_enter_in_order_after_sustain_and_regress_at_once():
    sc, _, _ = make(
        {
            "stages": {
                "integration_members": 2,
                "integration_sectors": 2,
                "linking_share": 0.5,
                "sustain_months": 2,
                "hysteresis": 0.5,
            }
        }
    )
    rules = sc.stages
    stage, pending = np.zeros(1, np.int8), np.zeros(1, np.int16)
    everything = snap(True, 10, 4, 1.0)
    path = []
    for _ in range(6):
        stage, pending, regressed = advance(stage, pending, everything, rules)
        path.append(int(stage[0]))
        assert not regressed.any()
    assert path == [0, 1, 1, 2, 2, 3]  # one stage at a time, two months each
    # members fall to 1 (< 0.5 x 2 is false: 1 >= 1 holds), share to 0.2 (< 0.25): back to 2
    stage, pending, regressed = advance(stage, pending, snap(True, 1, 4, 0.2), rules)
    assert stage[0] == 2 and regressed[0]
    stage, pending, regressed = advance(stage, pending, snap(False, 10, 4, 1.0), rules)
    assert stage[0] == 0 and regressed[0]  # losing the coupling: straight to 0
