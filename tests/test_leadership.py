"""Leaders who act: capacity, the four actions, tensions and the policy interface.

Each action is checked on a hand-made state against its documented rule
(:mod:`commonfuture.leadership.actions`); the policies on hand-made observations; the
interface end to end on short runs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from commonfuture import simulate
from commonfuture.leadership.actions import (
    ARBITRATE,
    LINK,
    N_SLOTS,
    NEGOTIATE,
    SLOTS,
    TARGET,
    WINS,
    lead,
)
from commonfuture.leadership.policies import (
    Firefight,
    Grow,
    Observation,
    Steady,
    allocation,
    resolve,
    within,
)
from commonfuture.leadership.tensions import PAIR_GROUPS, PAIR_NAMES, gaps, pair_index
from commonfuture.parameters import params
from commonfuture.scenario.schema import SECTORS
from conftest import make_tiny_state, tiny_scenario

PUBLIC_THIRD = pair_index("public-third")


def _lead(sc, state, hours, present=None, gap=None):
    r = state.n_replicates
    hours = np.broadcast_to(np.asarray(hours, float), (r, N_SLOTS)).copy()
    present = np.ones((r, 4), bool) if present is None else np.asarray(present, bool)
    gap = np.full((r, len(PAIR_NAMES)), 0.5) if gap is None else np.asarray(gap, float)
    lead(params(sc), state.record(), hours, present, gap, PAIR_GROUPS)


def test_engagement_builds_alignment_and_neglect_lets_it_decay():
    sc = tiny_scenario(
        leadership={"engage_hours": 8.0, "engagement_gain": 0.3, "engagement_decay": 0.05}
    )
    _, _, st = make_tiny_state(sc, alignment=0.4)
    hours = np.zeros(N_SLOTS)
    hours[SECTORS.index("citizens")] = 8.0  # half the effect
    _lead(sc, st, hours)
    e = 0.5
    engaged = 0.4 + 0.3 * e * 0.6 - 0.05 * (1 - e) * 0.4
    assert st.alignment[0, SECTORS.index("citizens")] == pytest.approx(engaged)
    assert st.alignment[0, SECTORS.index("public")] == pytest.approx(0.4 - 0.05 * 0.4)


def test_an_open_tension_grows_with_the_gap_and_arbitration_settles_it():
    sc = tiny_scenario(tensions={"growth": 0.2, "settle_hours": 50.0})
    _, _, st = make_tiny_state(sc, tension=0.3)
    gap = np.full((1, len(PAIR_NAMES)), 0.4)
    hours = np.zeros(N_SLOTS)
    hours[ARBITRATE + PUBLIC_THIRD] = 5.0
    _lead(sc, st, hours, gap=gap)
    grown = 0.3 + 0.2 * 0.4 * 0.7
    assert st.tension[0, 0] == pytest.approx(grown)  # public-private: left open
    # settled by 5 / (50 * 0.4) of a full tension, after growing
    assert st.tension[0, PUBLIC_THIRD] == pytest.approx(grown - 5.0 / 20.0)
    # each group's strain is the largest open tension it is in
    assert st.strain[0, SECTORS.index("third")] == pytest.approx(grown, rel=1e-6)


def test_a_tension_needs_both_groups_in_and_a_dearer_gap_costs_more():
    sc = tiny_scenario(tensions={"growth": 0.2, "settle_hours": 50.0})
    _, _, st = make_tiny_state(sc, tension=0.3)
    present = np.array([[True, False, True, True]])
    _lead(sc, st, np.zeros(N_SLOTS), present=present)
    assert st.tension[0, 0] == pytest.approx(0.3)  # public-private: private not in
    assert st.strain[0, SECTORS.index("private")] == 0.0
    narrow, wide = make_tiny_state(sc, tension=0.5)[2], make_tiny_state(sc, tension=0.5)[2]
    hours = np.zeros(N_SLOTS)
    hours[ARBITRATE + PUBLIC_THIRD] = 10.0
    sc0 = tiny_scenario(tensions={"growth": 0.0, "settle_hours": 50.0})
    _lead(sc0, narrow, hours, gap=np.full((1, 6), 0.2))
    _lead(sc0, wide, hours, gap=np.full((1, 6), 0.8))
    assert narrow.tension[0, PUBLIC_THIRD] < wide.tension[0, PUBLIC_THIRD]


def test_negotiation_and_linking_effects_saturate():
    sc = tiny_scenario(leadership={"negotiate_hours": 4.0, "link_hours": 10.0})
    _, _, st = make_tiny_state(sc)
    hours = np.zeros(N_SLOTS)
    hours[NEGOTIATE], hours[LINK] = 4.0, 30.0
    _lead(sc, st, hours)
    assert st.effort[0, 0] == pytest.approx(0.5)
    assert st.effort[0, 1] == pytest.approx(0.75)


def test_gaps_are_half_the_l1_distance_of_the_groups_mean_profiles():
    profile = np.zeros((1, 4, 5), np.float32)
    profile[0, 0] = [1, 0, 0, 0, 0]
    profile[0, 1] = [0, 1, 0, 0, 0]
    profile[0, 2] = [0.5, 0.5, 0, 0, 0]
    profile[0, 3] = [0.5, 0.5, 0, 0, 0]
    g = gaps(profile, np.array([0, 1, 2, 3], np.int8))
    assert g[0, pair_index("public-private")] == pytest.approx(1.0)
    assert g[0, pair_index("third-citizens")] == pytest.approx(0.0)
    assert g[0, pair_index("public-third")] == pytest.approx(0.5)


# --------------------------------------------------------------- the policy interface


def test_allocations_in_every_form_and_bad_ones_refused():
    nested = allocation(
        {"engage": {"citizens": 3}, "arbitrate": {"third-public": 2}, "negotiate": 1, "link": 4}
    )
    flat = allocation(
        {"engage:citizens": 3, "arbitrate:public-third": 2, "negotiate": 1, "link": 4}
    )
    assert np.array_equal(nested, flat)
    assert nested[SECTORS.index("citizens")] == 3 and nested[ARBITRATE + PUBLIC_THIRD] == 2
    assert allocation({}).sum() == 0 and allocation(None).sum() == 0
    assert np.array_equal(allocation(list(nested)), nested)
    for bad in (
        {"engage": {"aliens": 1}},
        {"dance": 2},
        {"negotiate": -1},
        {"link": float("nan")},
        {"arbitrate": {"public": 1}},
        {"engage": 3},
        [1, 2],
        "all of it",
    ):
        with pytest.raises(ValueError):
            allocation(bad)


def test_over_capacity_is_scaled_down_pro_rata():
    h = within(np.array([10.0, 30.0] + [0.0] * (N_SLOTS - 2)), 20.0)
    assert h[:2] == pytest.approx([5.0, 15.0])
    assert within(np.ones(N_SLOTS), 100.0).sum() == N_SLOTS


def _obs(**kw):
    base = dict(
        month=5,
        replicate=0,
        stage=1,
        coupled=True,
        consensus=0.6,
        capacity=32.0,
        money=1000.0,
        groups=("public", "third", "citizens"),
        members={"public": 1, "private": 0, "third": 1, "citizens": 10},
        departures=dict.fromkeys(SECTORS, 0),
        small_wins=0,
        shortfalls=0,
        supporters=0,
        tensions={},
        settle_hours={},
    )
    base.update(kw)
    return Observation(**base)


def test_steady_spends_the_levers_shares():
    sc = tiny_scenario(
        leadership={"alignment": 0.5, "arbitration": 0.25, "wins": 0.25, "target": 0.125}
    )
    obs = _obs(tensions={"public-third": 0.4}, settle_hours={"public-third": 12.0})
    h = Steady(sc)(obs)
    assert h.sum() == pytest.approx(32.0)
    assert h[:4].sum() == pytest.approx(16.0)
    assert h[SECTORS.index("private")] == 0  # no actors in that group
    # of the 16 engagement leaves: a quarter stages small wins, an eighth steers
    assert h[WINS] == pytest.approx(4.0) and h[TARGET] == pytest.approx(2.0)
    assert h[ARBITRATE + PUBLIC_THIRD] == pytest.approx(2.5)  # a quarter of the other 10
    assert h[NEGOTIATE] == pytest.approx(7.5) and h[LINK] == 0  # stage 1: no linking yet


def test_firefight_and_grow_put_their_priorities_first():
    sc = tiny_scenario()
    obs = _obs(
        tensions={"public-third": 0.4, "public-citizens": 0.1},
        settle_hours={"public-third": 20.0, "public-citizens": 3.0},
        departures={"public": 0, "private": 0, "third": 0, "citizens": 4},
    )
    h = Firefight(sc)(obs)
    assert h[ARBITRATE + PUBLIC_THIRD] >= 20.0
    assert h[SECTORS.index("citizens")] >= min(12.0, 24.0 * sc.leadership.alignment)
    g = Grow(sc)(_obs(groups=("public", "private", "third", "citizens"), capacity=100.0))
    assert g[SECTORS.index("private")] >= 3 * sc.leadership.engage_hours  # not yet in
    assert g[LINK] >= 3 * sc.leadership.link_hours * 0.99


def test_unknown_policies_are_refused_in_one_line():
    with pytest.raises(ValueError, match="unknown policy"):
        resolve("dictator", tiny_scenario())
    with pytest.raises(ValueError, match="a policy is a name"):
        resolve(42, tiny_scenario())
    with pytest.raises(Exception, match="policy"):
        tiny_scenario(leadership={"policy": "dictator"})


@pytest.fixture(scope="module")
def short(generic_short):
    return generic_short


def test_a_callable_policy_sees_only_what_a_leader_could_know(short):
    seen: list[Observation] = []

    def nothing(obs):
        seen.append(obs)
        return {}

    res = simulate(short, seed=3, replicates=2, policy=nothing)
    m = res.monthly
    assert (
        (m[[f"spent_{k}" for k in ("engage", "arbitrate", "negotiate", "link")]] == 0).all().all()
    )
    assert len(seen) == 2 * short.months
    hidden = {"threshold", "profile", "floor", "expectation", "alignment", "exploiter"}
    assert not hidden & set(Observation.__dataclass_fields__)
    assert seen[0].capacity == pytest.approx(
        short.leadership.capacity_hours * sum(short.leadership.key_leaders.as_tuple())
    )


def test_a_policy_that_returns_nonsense_is_named_with_its_month(short):
    def broken(obs):
        return {"engage": {"martians": 1}} if obs.month == 3 else {}

    with pytest.raises(ValueError, match=r"month 3: unknown group"):
        simulate(short, seed=1, replicates=1, policy=broken)


def test_policies_by_name_match_the_scenario_field(short):
    a = simulate(short, seed=2, replicates=2, policy="grow").monthly
    b = simulate(short, seed=2, replicates=2, overrides={"leadership.policy": "grow"}).monthly
    assert a.equals(b)


def test_capacity_is_spent_and_recorded(short):
    m = simulate(short, seed=2, replicates=2).monthly
    spent = m[["spent_engage", "spent_arbitrate", "spent_negotiate", "spent_link"]].sum(axis=1)
    assert (spent <= m["capacity"] + 1e-9).all()
    assert (spent[m["capacity"] > 0] > 0).all()
    engaged = m[[f"engaged_{s}" for s in SECTORS]].sum(axis=1)
    assert np.allclose(engaged, m["spent_engage"])


def test_without_tensions_no_value_is_lost_to_conflict(short):
    off = simulate(short, seed=4, replicates=2, overrides={"tensions.growth": 0.0}).monthly
    assert (off["loss_conflict"] == 0).all()
    assert (off["tension_max"] == 0).all()
    # disproportion, backlash and exploitation are consequences of open tensions
    assert (off[["loss_disproportion", "loss_backlash", "loss_exploitation"]] == 0).all().all()
    on = simulate(short, seed=4, replicates=2, overrides={"leadership.arbitration": 0.0}).monthly
    assert on["loss_conflict"].sum() > 0


def test_with_unlimited_capacity_the_policies_converge(short):
    rich = {"leadership.capacity_hours": 1e6}
    runs = {
        name: simulate(short, seed=5, replicates=3, overrides=rich, policy=name).monthly
        for name in ("steady", "firefight", "grow")
    }
    base = runs["steady"]
    for name, m in runs.items():
        for col in ("members", "value_community", "loss_conflict"):
            a, b = base[col].sum(), m[col].sum()
            assert math.isclose(a, b, rel_tol=0.05, abs_tol=1.0), (name, col, a, b)


def test_a_key_leader_whose_value_is_not_served_can_leave(short):
    """No commitment floor: when their stake in the shared target falls far short of
    what they expect, key leaders leave by their own evaluation (no withdrawal event)."""
    harsh = {"population.expectation_mean": 50.0, "tensions.growth": 0.0, "months": 72}
    m = simulate(short, seed=6, replicates=2, overrides=harsh).monthly
    assert m["members_key_leaders"].iloc[-2:].min() < sum(short.leadership.key_leaders.as_tuple())


def test_slots_are_named_in_order():
    assert SLOTS[0] == "engage:public" and SLOTS[ARBITRATE] == f"arbitrate:{PAIR_NAMES[0]}"
    assert SLOTS[NEGOTIATE] == "negotiate" and SLOTS[LINK] == "link" and len(SLOTS) == N_SLOTS
