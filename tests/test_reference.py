"""Unit tests of the Mesa reference engine (commonfuture.reference)."""

from __future__ import annotations

import numpy as np
import pytest

from commonfuture import simulate
from commonfuture.reference import MUTATIONS, CollaborationModel, run_reference
from commonfuture.reference.model import COMMITTED, KEY_LEADER, OUTSIDE, SECEDED
from commonfuture.scenario.load import load_scenario, scaled, scenarios_dir
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
    assert set(MUTATIONS) >= {None, "no_erosion", "double_threshold"}
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
