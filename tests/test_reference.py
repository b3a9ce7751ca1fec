"""Unit tests of the Mesa reference engine (commonfuture.reference)."""

from __future__ import annotations

import numpy as np
import pytest

from commonfuture import simulate
from commonfuture.outputs import ACTIONS
from commonfuture.reference import MUTATIONS, CollaborationModel, run_reference
from commonfuture.reference.model import COMMITTED, KEY_LEADER, OUTSIDE, SECEDED
from commonfuture.scenario.load import apply_overrides, load_scenario, scaled, scenarios_dir
from commonfuture.scenario.schema import SECTORS
from commonfuture.simulation import replicate_rng

MONTHS = 24


@pytest.fixture(scope="module")
def small():
    sc = scaled(load_scenario(scenarios_dir() / "generic.toml"), 0.3)
    return sc.model_copy(update={"months": MONTHS})


@pytest.fixture(scope="module")
def mesa_run(small):
    return simulate(small, seed=5, replicates=3, engine="mesa")


def test_same_columns_and_rows_as_the_fast_engine(small, mesa_run):
    fast = simulate(small, seed=5, replicates=3)
    assert list(mesa_run.monthly.columns) == list(fast.monthly.columns)
    assert mesa_run.monthly.shape == fast.monthly.shape
    assert mesa_run.engine == "mesa"
    assert mesa_run.n_actors == fast.n_actors
    assert len(mesa_run.ties_per_replicate) == 3
    # something happens: the collaboration couples and grows in every replicate
    final = mesa_run.final()
    assert (final["members"] > sum(small.leadership.key_leaders.as_tuple())).all()


def test_counts_add_up(mesa_run):
    m = mesa_run.monthly
    sectors = m[["members_public", "members_private", "members_third", "members_citizens"]]
    roles = m[["members_key_leaders", "members_network_actors", "members_external_users"]]
    assert (sectors.sum(axis=1) == m["members"]).all()
    assert (roles.sum(axis=1) == m["members"]).all()
    assert (m["members"] + m["seceded"] <= mesa_run.n_actors).all()
    levels = m["value_individual"] + m["value_service"] + m["value_community"]
    lost = m["destroyed_individual"] + m["destroyed_service"] + m["destroyed_community"]
    np.testing.assert_allclose(levels, m["value_created"] - lost, rtol=1e-9, atol=1e-9)
    uptake = m[[c for c in m.columns if c.startswith("uptake.")]].sum(axis=1)
    assert (uptake == m["uses"]).all()


def test_flows_add_up_to_stocks(small, mesa_run):
    leaders = sum(small.leadership.key_leaders.as_tuple())  # the members at month 0
    for _, rep in mesa_run.monthly.groupby("replicate"):
        members = np.concatenate([[leaders], rep["members"].to_numpy()])
        seceded = np.concatenate([[0], rep["seceded"].to_numpy()])
        np.testing.assert_array_equal(np.diff(seceded), rep["secessions"])
        np.testing.assert_array_equal(np.diff(members), rep["joins"] - rep["secessions"])


def test_actors_conserved_and_states_bounded(small):
    model = CollaborationModel(small, replicate_rng(3, 0))
    n = sum(small.population.counts.as_tuple())
    seceded_before: set[int] = set()
    for _ in range(MONTHS):
        model.step()
        assert len(model.agents) == n
        statuses = [a.status for a in model.agents]
        assert set(statuses) <= {OUTSIDE, COMMITTED, SECEDED}
        for a in model.agents:
            assert 0.0 <= a.commitment <= 1.0
            assert 0.0 <= a.trust <= 1.0
        seceded_now = {a.unique_id for a in model.agents if a.status == SECEDED}
        assert seceded_before <= seceded_now  # seceded actors do not come back
        seceded_before = seceded_now
    assert 0.0 < model.current["mean_commitment"] <= 1.0


def test_network_is_symmetric_and_weighted_like_the_fast_engine(small):
    model = CollaborationModel(small, replicate_rng(3, 0))
    for a in model.agents:
        for b, w in a.neighbours:
            assert b is not a
            assert any(c is a and v == w for c, v in b.neighbours)
        assert a.degree == pytest.approx(sum(w for _, w in a.neighbours))
    # same families of generators: tie counts agree with the fast engine's within 10%
    fast = simulate(small, seed=11, replicates=8, overrides={"months": 1})
    mesa_ties = [CollaborationModel(small, replicate_rng(11, k)).n_ties for k in range(8)]
    assert np.mean(mesa_ties) == pytest.approx(np.mean(fast.ties_per_replicate), rel=0.1)


def test_cross_sector_ties_are_weighted_by_openness(small):
    model = CollaborationModel(small, replicate_rng(4, 0))
    net = small.network
    base = {
        (0, 0): net.org_tie_strength,
        (3, 3): net.citizen_tie_strength,
        (0, 3): net.citizen_org_tie_strength,
    }
    for a in model.agents:
        for b, w in a.neighbours:
            kind = tuple(sorted((0 if a.sector < 3 else 3, 0 if b.sector < 3 else 3)))
            expect = base[kind] * (net.openness if a.sector != b.sector else 1.0)
            assert w == pytest.approx(expect)


def test_same_seed_same_result_different_seed_different(small):
    a, _, _, _ = run_reference(small, 21, [0, 1])
    b, _, _, _ = run_reference(small, 21, [0, 1])
    c, _, _, _ = run_reference(small, 22, [0, 1])
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])
    assert not np.array_equal(a["value_created"], c["value_created"])


def test_a_replicate_does_not_depend_on_its_companions(small):
    both, _, _, _ = run_reference(small, 21, [0, 1])
    alone, _, _, _ = run_reference(small, 21, [1])
    for name in both:
        np.testing.assert_array_equal(both[name][:, 1], alone[name][:, 0])


def test_progress_counts_replicate_months(small):
    done = []
    arrays, ties, n, chains = run_reference(small, 1, [0, 1], progress=done.append)
    assert sum(done) == 2 * MONTHS
    assert arrays["stage"].shape == (MONTHS, 2)
    assert chains is None and len(ties) == 2 and n == sum(small.population.counts.as_tuple())


def test_key_leaders_start_committed_and_withdrawn_leaders_count_as_secessions():
    sc = load_scenario(scenarios_dir() / "edinburgh" / "carbon-literacy.toml")
    (event,) = [e for e in sc.events if e.kind == "leader_withdraws"]
    sc = sc.model_copy(update={"months": event.month})
    model = CollaborationModel(sc, replicate_rng(0, 0))
    leaders = [a for a in model.agents if a.role == KEY_LEADER]
    assert leaders and all(a.status == COMMITTED for a in leaders)
    withdrawing = [a for a in leaders if a.sector == SECTORS.index(event.sector)]
    for _ in range(event.month - 1):
        model.step()
    still = sum(a.status == COMMITTED for a in withdrawing)
    seceded = sum(a.status == SECEDED for a in model.agents)
    model.step()
    assert all(a.status == SECEDED for a in withdrawing)
    new = sum(a.status == SECEDED for a in model.agents) - seceded
    assert model.current["secessions"] == new >= still


def test_mutations_change_the_rule_and_unknown_ones_are_refused(small):
    assert set(MUTATIONS) >= {None, "no_erosion", "double_threshold", "no_settlement"}
    # 36 months: the leaders negotiate their coupling first, and members secede later on
    longer = small.model_copy(update={"months": 36})
    plain, _, _, _ = run_reference(longer, 8, [0])
    kept, _, _, _ = run_reference(longer, 8, [0], mutation="no_erosion")
    assert kept["seceded"][-1, 0] < plain["seceded"][-1, 0]
    with pytest.raises(ValueError, match="mutation"):
        run_reference(small, 8, [0], mutation="faster")


def test_budget_steps_are_the_fast_engines(small):
    # the investment's level changes over time alike in both engines (no volatility:
    # the budget column is the schedule itself)
    data = small.model_dump()
    data["months"] = 14
    data["investment"]["steps"] = [{"month": 6, "factor": 1.5}, {"month": 12, "factor": 0.5}]
    sc = type(small).model_validate(data)
    fast = simulate(sc, seed=5, replicates=1).monthly
    mesa = simulate(sc, seed=5, replicates=1, engine="mesa").monthly
    base = small.investment.monthly_budget
    want = [base] * 5 + [1.5 * base] * 6 + [0.5 * base] * 3
    assert fast["budget"].tolist() == want
    assert mesa["budget"].tolist() == want


# ---------------------------------------------------------------- the leaders' actions


def test_capacity_is_spent_within_itself_and_recorded(small, mesa_run):
    m = mesa_run.monthly
    hours = small.leadership.capacity_hours
    leaders = sum(small.leadership.key_leaders.as_tuple())
    for _, rep in m.groupby("replicate"):  # the key leaders committed as the month begins
        before = np.concatenate([[leaders], rep["members_key_leaders"].to_numpy()[:-1]])
        np.testing.assert_allclose(rep["capacity"], hours * before)
    spent = m[[f"spent_{k}" for k in ACTIONS]].sum(axis=1)
    assert (spent <= m["capacity"] + 1e-9).all()
    # the steady policy spends all of it, alignment's share on engaging every group
    np.testing.assert_allclose(spent, m["capacity"])
    np.testing.assert_allclose(m["spent_engage"], small.leadership.alignment * m["capacity"])
    engaged = m[[f"engaged_{s}" for s in SECTORS]].sum(axis=1)
    np.testing.assert_allclose(engaged, m["spent_engage"])
    # engaged groups build alignment, and the tensions measured are levels
    assert (m[[f"alignment_{s}" for s in SECTORS]].iloc[-1] > 0).all()
    assert m["tension_max"].between(0, 1).all() and (m["tensions_open"] <= 6).all()


def test_open_tensions_destroy_value_for_individuals_and_the_community(mesa_run):
    m = mesa_run.monthly
    assert (m["loss_conflict"] >= 0).all() and m["loss_conflict"].sum() > 0
    # the conflict's loss is part of what the individual and community levels lose
    kinds = m[[c for c in m.columns if c.startswith("loss_") and c != "loss_conflict"]]
    assert (m["destroyed_community"] >= m["loss_conflict"] / 2 - 1e-9).all()
    assert (
        m["destroyed_individual"] + m["destroyed_service"] + m["destroyed_community"]
        <= kinds.sum(axis=1) + m["loss_conflict"] + 1e-9
    ).all()


def test_without_tensions_nothing_is_lost_to_conflict(small):
    calm = apply_overrides(small, {"tensions.growth": 0.0})
    arrays, _, _, _ = run_reference(calm, 3, [0])
    assert arrays["loss_conflict"].sum() == 0.0
    assert arrays["tension_max"].max() == 0.0 and arrays["tensions_open"].max() == 0


def test_a_policy_callable_sees_only_what_leaders_know_and_spends_what_it_says(small):
    seen = []

    def link_only(obs):
        seen.append(obs)
        return {"link": 5.0}

    short = small.model_copy(update={"months": 6})
    arrays, _, _, _ = run_reference(short, 2, [0], policy=link_only)
    assert [o.month for o in seen] == list(range(1, 7))
    leaders = sum(small.leadership.key_leaders.as_tuple())
    assert sum(seen[0].members.values()) == leaders  # at the start only the key leaders
    assert seen[0].capacity == leaders * small.leadership.capacity_hours
    assert set(seen[0].departures.values()) == {0}
    # every two groups with members have a tension, none yet at the start; then it grows
    in_ = [g for g, k in seen[0].members.items() if k > 0]
    pair = f"{in_[0]}-{in_[1]}"
    assert seen[0].tensions == {pair: 0.0}
    assert seen[1].settle_hours[pair] > 0
    np.testing.assert_array_equal(arrays["spent_link"][:, 0], 5.0)
    assert arrays["spent_engage"].sum() == 0.0
    # nobody engaged: no group is aligned
    for s in SECTORS:
        assert arrays[f"alignment_{s}"].max() == 0.0


def test_an_empty_allocation_spends_nothing_and_a_bad_one_is_refused(small):
    short = small.model_copy(update={"months": 3})
    arrays, _, _, _ = run_reference(short, 2, [0], policy=lambda obs: {})
    for kind in ("engage", "arbitrate", "negotiate", "link"):
        assert arrays[f"spent_{kind}"].sum() == 0.0
    assert (arrays["capacity"] > 0).all()
    with pytest.raises(ValueError, match="policy.*month 1.*unknown group"):
        run_reference(short, 2, [0], policy=lambda obs: {"engage": {"nobody": 3}})
    # over capacity: scaled down to it
    over, _, _, _ = run_reference(short, 2, [0], policy=lambda obs: {"negotiate": 1e5})
    np.testing.assert_allclose(over["spent_negotiate"], over["capacity"])


def test_named_policies_run_on_the_mesa_engine(small):
    short = small.model_copy(update={"months": 4})
    grow = simulate(short, seed=2, replicates=1, engine="mesa", policy="grow").monthly
    steady = simulate(short, seed=2, replicates=1, engine="mesa").monthly
    # grow engages the groups with no members yet first (three half-effects each, as far as
    # the capacity goes); steady shares its engagement among every group and links only
    # from stage 2
    first = 3 * short.leadership.engage_hours
    capacity = grow["capacity"].iloc[0]
    assert grow["engaged_private"].iloc[0] == pytest.approx(min(first, capacity))
    assert grow["engaged_citizens"].iloc[0] == pytest.approx(min(first, capacity - first))
    share = short.leadership.alignment * capacity / 4
    for s in SECTORS:
        assert steady[f"engaged_{s}"].iloc[0] == pytest.approx(share)
    assert (steady.loc[steady["stage"].shift(1, fill_value=0) < 2, "spent_link"] == 0).all()


def test_key_leaders_are_not_held_at_the_consensus(small):
    model = CollaborationModel(small, replicate_rng(6, 0))
    for _ in range(12):
        model.step()
    assert model.coupled
    leader = next(a for a in model.leaders if a.member)
    low = small.leadership.coupling_threshold
    leader.commitment = low  # at the table, well below the consensus
    assert model.consensus > low
    model.lead()
    model.month += 1
    model.couple()
    assert model.coupled and leader.commitment == low
