"""The seven monthly sub-steps, each on a hand-made five-actor state.

Actors: 0 public key leader, 1 public, 2 private, 3 third-sector key leader,
4 resident; ties along the chain 0-1-2-3-4 unless a test says otherwise (see
conftest.py). Every expected number below is derived by hand from the rule in
the sub-step's docstring; the derivation is written next to it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from commonfuture.macro.coupling import coupling, judgement
from commonfuture.macro.stages import Snapshot, advance, classify
from commonfuture.meso.small_wins import small_wins
from commonfuture.micro.commitment import commitment_link
from commonfuture.micro.creation import creation_link
from commonfuture.micro.proposition import Offered, proposition_link
from commonfuture.micro.secession import secession
from commonfuture.model import Collaboration, calendar, see
from commonfuture.population import COMMITTED, OUTSIDE, SECEDED, build_state
from commonfuture.propositions import Offer
from commonfuture.randomness import given
from commonfuture.scenario.schema import Event, Stages
from commonfuture.simulation import replicate_rng
from commonfuture.value import ELEMENTS
from conftest import make_tiny_state, tiny_scenario

approx = lambda x: pytest.approx(x, rel=1e-5, abs=1e-6)  # noqa: E731  (float32 state)
WIDER = np.array([False, False, False, False, True])  # the resident


def row(x) -> list:
    """Replicate 0 of an (R, N) array as a plain list."""
    return np.asarray(x)[0].tolist()


# --------------------------------------------------------------------------- 1 coupling


def test_coupling_forms_once_negotiated_consensus_passes_the_threshold():
    sc, _, st = make_tiny_state()
    # leaders 0 (public) and 3 (third) at commitment 0.9 >= 0.35 sit at the table; identical
    # profiles: cos 1, alignment 1 + 0.6 (1 - 1) = 1; negotiation_rate 0.3, threshold 0.5
    disrupted = coupling(st, sc, month=1)
    # month 1: 0 + 0.3 x 1 x (1 - 0) = 0.3 < 0.5: negotiating, not yet coupled
    assert st.consensus.tolist() == approx([0.3]) and st.seated.tolist() == [2]
    assert st.coupled.tolist() == [False] and st.ever_coupled.tolist() == [False]
    assert disrupted.tolist() == [False]
    coupling(st, sc, month=2)
    # month 2: 0.3 + 0.3 x 1 x 0.7 = 0.51 >= 0.5: coupled
    assert st.consensus.tolist() == approx([0.51])
    assert st.coupled.tolist() == [True] and st.ever_coupled.tolist() == [True]
    assert row(st.commitment)[0] == approx(0.9)  # above the consensus: not touched


@pytest.mark.parametrize("effort,months", [(0.5, 5), (1.0, 2)])
def test_negotiation_sets_the_pace_across_differing_positions(effort, months):
    # orthogonal leader profiles: cos = 0, alignment = 0 + e x (1 - 0), e the effect of the
    # hours the leaders spent negotiating this month (leadership.actions)
    # e 0.5: gap closed 0.15 a month: 0.15, 0.2775, 0.385875, 0.4780, 0.5563
    # e 1.0: 0.3, 0.51 (as with identical positions)
    sc = tiny_scenario()
    prof = np.full((1, 5, 5), 0.2, np.float32)
    prof[0, 0] = [1, 0, 0, 0, 0]
    prof[0, 3] = [0, 1, 0, 0, 0]
    _, _, st = make_tiny_state(sc, profile=prof, effort=[effort, 0.0, 0.0, 0.0])
    coupled = []
    for m in range(1, 6):
        coupling(st, sc, month=m)
        coupled.append(bool(st.coupled[0]))
    assert coupled.index(True) + 1 == months
    if effort == 0.5:
        k = 0.0
        for _ in range(5):
            k += 0.15 * (1 - k)
        assert st.consensus[0] == approx(k) and k == approx(0.5562946875)


def test_coupling_breaks_below_the_commitment_threshold_and_shocks_members_trust():
    sc, _, st = make_tiny_state(members=[1], coupled=[True], consensus=[0.8])
    st.commitment[0, 3] = 0.3  # below coupling_threshold 0.35: only the public sector is left
    st.trust[0, 2] = 0.4  # an outsider's trust is not touched by the shock
    disrupted = coupling(st, sc, month=1)
    assert st.coupled.tolist() == [False] and disrupted.tolist() == [True]
    # two leaders at the table last month, one now: 0.8 x 1/2 = 0.4; one sector: no talks
    assert st.consensus.tolist() == approx([0.4]) and st.seated.tolist() == [1]
    # members' trust times 1 - disruption_shock = 0.7: leaders 0.7 -> 0.49, member 0.5 -> 0.35
    assert row(st.trust) == approx([0.49, 0.35, 0.4, 0.49, 0.0])
    assert st.ever_coupled.tolist() == [False]


def test_coupling_breaks_when_the_consensus_is_lost():
    # both leaders at the table, but consensus 0.2: 0.2 + 0.3 x 0.8 = 0.44 < 0.5
    sc, _, st = make_tiny_state(coupled=[True], consensus=[0.2])
    disrupted = coupling(st, sc, month=1)
    assert st.consensus.tolist() == approx([0.44])
    assert st.coupled.tolist() == [False] and disrupted.tolist() == [True]


def test_the_coupling_does_not_bind_the_leaders_at_the_table():
    sc, _, st = make_tiny_state(coupled=[True], consensus=[0.8], commitment=[0.4, 0, 0, 0.9, 0])
    coupling(st, sc, month=1)
    # 0.8 + 0.3 x 1 x 0.2 = 0.86: coupled, and leader 0 keeps its own commitment 0.4 (a
    # leader whose value is not served can leave like any member)
    assert st.consensus.tolist() == approx([0.86]) and st.coupled.tolist() == [True]
    assert row(st.commitment)[0] == approx(0.4) and row(st.commitment)[3] == approx(0.9)


def test_coupling_threshold_is_inclusive():
    sc = tiny_scenario(leadership={"coupling_threshold": 0.5, "negotiation_rate": 1.0})
    _, _, st = make_tiny_state(sc, commitment=[0.5, 0.0, 0.0, 0.5, 0.0])
    coupling(st, sc, month=1)  # consensus 0 + 1 x 1 x 1 = 1
    assert st.coupled.tolist() == [True]


def test_consensus_threshold_is_inclusive():
    sc = tiny_scenario(leadership={"consensus_threshold": 0.3})
    _, _, st = make_tiny_state(sc, effort=[1.0, 0.0, 0.0, 0.0])
    coupling(st, sc, month=1)  # consensus 0 + 0.3 x 1 x 1 = 0.3
    assert st.coupled.tolist() == [True]


def test_coupling_needs_two_sectors_not_two_leaders():
    sc = tiny_scenario(leadership={"key_leaders": {"public": 2, "third": 0}})
    _, _, st = make_tiny_state(sc, coupled=[True])
    assert st.status[0].tolist()[:2] == [COMMITTED, COMMITTED]  # both public leaders
    coupling(st, sc, month=1)
    # one sector at the table: no negotiation, no coupling, the consensus is kept
    assert st.coupled.tolist() == [False] and st.consensus.tolist() == approx([1.0])


def test_a_new_leader_at_the_table_reopens_part_of_the_consensus():
    sc = tiny_scenario(leadership={"key_leaders": {"public": 1, "private": 1, "third": 1}})
    _, _, st = make_tiny_state(sc, coupled=[True], consensus=[0.9], seated=[2])
    coupling(st, sc, month=1)
    # three at the table after two: 0.9 x 2/3 = 0.6; then 0.6 + 0.3 x 1 x 0.4 = 0.72
    assert st.seated.tolist() == [3] and st.consensus.tolist() == approx([0.72])
    assert st.coupled.tolist() == [True]


def test_leader_withdrawal_event_secedes_that_sectors_key_leaders():
    sc = tiny_scenario(events=[{"month": 3, "kind": "leader_withdraws", "sector": "third"}])
    _, _, st = make_tiny_state(sc, coupled=[True])
    coupling(st, sc, month=2)  # not yet
    assert st.status[0, 3] == COMMITTED and st.coupled.tolist() == [True]
    disrupted = coupling(st, sc, month=3)
    assert st.status[0, 3] == SECEDED
    assert st.commitment[0, 3] == 0.0 and st.signal[0, 3] == -1.0
    assert st.coupled.tolist() == [False] and disrupted.tolist() == [True]
    assert st.consensus.tolist() == approx([0.5])  # 1 x 1/2: half the table left
    # the remaining member (leader 0) loses 30% of its trust; the seceded leader is no member
    assert row(st.trust)[0] == approx(0.49) and row(st.trust)[3] == approx(0.7)


def test_leaders_judge_delivery_at_a_small_win_moment():
    sc = tiny_scenario()  # consensus_erosion 0.5
    _, _, st = make_tiny_state(
        sc, coupled=[True], consensus=[0.8], expectation=[0.5, 0.1, 0.1, 0.2, 0.1]
    )
    st.delivered[:] = 0.8
    st.delivery_months[:] = 2
    # not a moment: nothing judged, the record kept
    assert judgement(st, sc, moment=False).tolist() == [0.0]
    assert st.consensus.tolist() == approx([0.8]) and st.delivery_months.tolist() == [2]
    # a moment: 0.8 over 2 months and 2 committed leaders = 0.2 each a month;
    # shortfalls: leader 0 1 - 0.2/0.5 = 0.6, leader 3 1 - 0.2/0.2 = 0: mean 0.3;
    # consensus 0.8 x (1 - 0.5 x 0.3) = 0.68; the record starts again
    assert judgement(st, sc, moment=True).tolist() == approx([0.3])
    assert st.consensus.tolist() == approx([0.68])
    assert st.delivered.tolist() == [0.0] and st.delivery_months.tolist() == [0]


def test_nothing_delivered_costs_the_consensus_a_share_consensus_erosion():
    sc = tiny_scenario(leadership={"consensus_erosion": 0.25})
    _, _, st = make_tiny_state(sc, coupled=[True], consensus=[0.8])
    st.delivery_months[:] = 6  # six months of delivery, no community value
    assert judgement(st, sc, moment=True).tolist() == [1.0]
    assert st.consensus.tolist() == approx([0.6])  # 0.8 x (1 - 0.25)


def test_no_judgement_without_the_coupling_or_months_of_delivery():
    sc = tiny_scenario()
    _, _, st = make_tiny_state(sc, coupled=[False], consensus=[0.4])
    st.delivery_months[:] = 3
    assert judgement(st, sc, moment=True).tolist() == [0.0]
    assert st.consensus.tolist() == approx([0.4]) and st.delivery_months.tolist() == [0]
    _, _, st = make_tiny_state(sc, coupled=[True], consensus=[0.9])
    assert judgement(st, sc, moment=True).tolist() == [0.0]  # no months of delivery yet
    assert st.consensus.tolist() == approx([0.9])


# --------------------------------------------------------------------------- 2 commitment


def threshold_model():
    return tiny_scenario(dynamics={"value_weight": 0.0}, leadership={"visibility": 0.0})


def commit(st, sc, open_props=None, u_join=0.0, u_reach=1.0):
    """The commitment link weighing ``open_props`` as last month's offer."""
    if open_props is not None:
        st.open_last[:] = np.asarray(open_props, bool)
    shape = st.status.shape
    return commitment_link(
        st,
        sc,
        np.broadcast_to(np.float32(u_join), shape).copy(),
        np.broadcast_to(np.float32(u_reach), shape).copy(),
    )


def test_commitment_link_without_value_terms_is_a_threshold_model():
    sc = threshold_model()
    # pull: actor 1 has neighbours 0 (leader) and 2 -> 1/2; actor 2 has 1 and 3 -> 1/2;
    # actor 4 has only leader 3 -> 1
    _, _, st = make_tiny_state(sc, coupled=[True], threshold=[0.0, 0.5, 0.6, 0.0, 1.0])
    joins = commit(st, sc)
    assert row(joins) == [False, True, False, False, True]
    assert row(st.status) == [COMMITTED, COMMITTED, OUTSIDE, COMMITTED, COMMITTED]
    # joiners start at initial_commitment 0.6 and initial_trust 0.5
    assert row(st.commitment)[1] == approx(0.6) and row(st.trust)[4] == approx(0.5)


def test_commitment_link_joins_at_rate_join_rate():
    sc = threshold_model()  # join_rate 0.3: commits when its uniform draw is below 0.3
    _, _, st = make_tiny_state(sc, coupled=[True], threshold=0.0)
    joins = commit(st, sc, u_join=np.array([[0.0, 0.29, 0.5, 0.0, 0.3]], np.float32))
    assert row(joins) == [False, True, False, False, False]


def test_commitment_link_needs_the_coupling():
    sc = threshold_model()
    _, _, st = make_tiny_state(sc, coupled=[False], threshold=0.0)
    assert not commit(st, sc).any()


def test_commitment_link_needs_a_tie_to_a_member_and_seceded_actors_do_not_return():
    sc = threshold_model()
    # actor 4 isolated; actor 1 has seceded; actor 2's neighbours: 1 (seceded), 3 (leader)
    _, _, st = make_tiny_state(
        sc,
        edges=[(0, 1), (1, 2), (2, 3)],
        coupled=[True],
        threshold=[0.0, 0.0, 0.5, 0.0, 0.0],
        status=[COMMITTED, SECEDED, OUTSIDE, COMMITTED, OUTSIDE],
    )
    joins = commit(st, sc)
    # a seceded neighbour does not pull: actor 2's pull is 1/2, exactly its threshold
    assert row(joins) == [False, False, True, False, False]
    assert row(st.status)[1] == SECEDED and row(st.status)[4] == OUTSIDE


def test_commitment_link_outsiders_near_their_threshold_become_external_supporters():
    # support_share 0.8: an actor that does not commit but whose score reaches 0.8 times its
    # threshold supports. Pulls as above: actor 1: 1/2, actor 2: 1/2, actor 4: 1.
    sc = tiny_scenario(
        dynamics={"value_weight": 0.0},
        leadership={"visibility": 0.0},
        population={"support_share": 0.8},
    )
    _, _, st = make_tiny_state(sc, coupled=[True], threshold=[0.0, 0.7, 0.6, 0.0, 1.2])
    joins = commit(st, sc)
    # actor 1: 0.5 < 0.7 and 0.5 < 0.56: neither; actor 2: 0.5 < 0.6 but >= 0.48: supports;
    # actor 4: 1 < 1.2 but >= 0.96: supports
    assert not joins.any()
    assert row(st.supports) == [False, False, True, False, True]
    # an actor that does not weigh joining this month keeps its support; one that weighs it
    # and is no longer reached (its member neighbour seceded) withdraws it
    st.status[0, 3] = SECEDED
    commit(st, sc, u_join=np.array([[0.0, 0.0, 0.5, 0.0, 0.0]], np.float32))
    assert row(st.supports) == [False, False, True, False, False]
    # a supporter that commits is a member, no longer a supporter (the leader back, actor 2
    # at threshold 0 commits; actor 4 supports again)
    st.status[0, 3] = COMMITTED
    st.threshold[0, 2] = 0.0
    assert row(commit(st, sc)) == [False, False, True, False, False]
    assert row(st.supports) == [False, False, False, False, True]
    # support lapses while the coupling is broken
    _, _, st = make_tiny_state(sc, coupled=[True], threshold=[0.0, 0.7, 0.6, 0.0, 1.2])
    commit(st, sc)
    st.coupled[:] = False
    commit(st, sc)
    assert not st.supports.any()
    # support_share 0: no supporters
    sc0 = tiny_scenario(
        dynamics={"value_weight": 0.0},
        leadership={"visibility": 0.0},
        population={"support_share": 0.0},
    )
    _, _, st = make_tiny_state(sc0, coupled=[True], threshold=[0.0, 0.7, 0.6, 0.0, 1.2])
    commit(st, sc0)
    assert not st.supports.any()


def test_external_supporters_need_no_private_value_target():
    # cost 0.6 > fit 0.5: nobody commits (no private value target), but the score still
    # counts: best promise 0.5 - 0.6 = -0.1, expectation 0, so score = pull - 0.1.
    # Actor 4 (pull 1): 0.9 >= 0.5 * 1.0 supports; actor 1 (pull 1/2): 0.4 < 0.5 does not.
    sc = tiny_scenario(
        propositions=[{"name": "course", "value": [0.5] * 5, "cost": 0.6}],
        leadership={"visibility": 0.0},
        population={"support_share": 0.5},
    )
    _, _, st = make_tiny_state(sc, coupled=[True], expectation=0.0, threshold=1.0)
    assert not commit(st, sc, open_props=[[True]]).any()
    assert row(st.supports) == [False, False, False, False, True]


def test_commitment_link_value_terms_add_the_gap_between_promise_and_expectation():
    # value_weight 1; promise = 0.2 * 5 * 0.5 - 0.1 = 0.4
    sc = tiny_scenario(leadership={"visibility": 0.0})
    # score = pull + (0.4 - 0.1): actor 1: 0.8, actor 2: 0.8, actor 4: 1.3
    _, _, st = make_tiny_state(
        sc,
        coupled=[True],
        expectation=0.1,
        threshold=[0.0, 0.79, 0.81, 0.0, 1.29],
    )
    joins = commit(st, sc, open_props=[[True]])
    assert row(joins) == [False, True, False, False, True]


def test_commitment_link_no_positive_promise_no_private_value_target():
    # cost 0.6 > fit 0.5: nothing promises positive value, so nobody commits, whatever the pull
    sc = tiny_scenario(
        propositions=[{"name": "course", "value": [0.5] * 5, "cost": 0.6}],
        leadership={"visibility": 0.0},
    )
    _, _, st = make_tiny_state(sc, coupled=[True], threshold=-10.0)
    assert not commit(st, sc, open_props=[[True]]).any()
    # and a positive promise that was not open last month counts for nothing either
    sc2 = tiny_scenario(leadership={"visibility": 0.0})
    _, _, st2 = make_tiny_state(sc2, coupled=[True], threshold=-10.0)
    assert not commit(st2, sc2, open_props=[[False]]).any()


def test_commitment_link_ignores_ineligible_and_once_used_propositions():
    sc = tiny_scenario(
        propositions=[
            {"name": "course", "value": [0.5] * 5, "cost": 0.1, "eligible": ["public", "private"]}
        ],
        leadership={"visibility": 0.0},
    )
    _, _, st = make_tiny_state(sc, coupled=[True], threshold=0.0)
    joins = commit(st, sc, open_props=[[True]])
    assert row(joins) == [False, True, True, False, False]  # the resident is not eligible
    sc2 = tiny_scenario(
        propositions=[{"name": "course", "value": [0.5] * 5, "cost": 0.1, "once": True}],
        leadership={"visibility": 0.0},
    )
    _, _, st2 = make_tiny_state(sc2, coupled=[True], threshold=0.0, used=[0, 1, 0, 0, 0])
    assert row(commit(st2, sc2, open_props=[[True]])) == [False, False, True, False, True]


def test_commitment_link_weighs_a_promise_by_the_chance_of_being_served():
    # value terms only: pull 1/2 for actor 1 (neighbours 0 and 2), threshold 0.5 + 0.1;
    # promise 0.5 - 0.1 = 0.4, expectation 0.2: with everyone served last time the gap
    # is +0.2 and 0.5 + 0.2 >= 0.6 joins; with a quarter served 0.4 x 0.25 - 0.2 = -0.1
    sc = tiny_scenario(leadership={"visibility": 0.0})
    for share, joins in [(1.0, True), (0.25, False)]:
        _, _, st = make_tiny_state(sc, coupled=[True], threshold=[0, 0.6, 9, 0, 9], expectation=0.2)
        st.served_share[:] = share
        got = commit(st, sc, open_props=[[True]])
        assert row(got)[1] is joins, share


def test_creation_link_tells_who_sought_a_proposition_how_many_were_served():
    sc = creation_scenario()
    _, _, st = make_tiny_state(sc, members=[1])
    create(sc, st, capacity=2)  # three seek the course, two are served
    assert row(st.served_share) == approx([2 / 3])
    assert row(st.active) == [True, True, False, True, False]  # the one turned away too


def test_commitment_link_visible_wins_add_momentum():
    sc = tiny_scenario(dynamics={"value_weight": 0.0}, leadership={"visibility": 0.5})
    # actor 2: pull 1/2 + 0.5 * mean(signal of 1 = 0, signal of 3 = 1) = 0.75
    _, _, st = make_tiny_state(
        sc, coupled=[True], threshold=[0, 0.74, 0.74, 0, 9], signal=[0, 0, 0, 1.0, 0]
    )
    assert row(commit(st, sc)) == [False, False, True, False, False]
    # a visible loss pushes away: actor 4: 1 + 0.5 * (-1) = 0.5 < 0.6
    _, _, st = make_tiny_state(
        sc, coupled=[True], threshold=[0, 9, 9, 0, 0.6], signal=[0, 0, 0, -1.0, 0]
    )
    assert not commit(st, sc).any()


def outreach_scenario():
    """Outreach alone moves the score: no value weight or momentum, full openness, and an
    outside actor hears of a stage-3 collaboration with probability 1.0 * 0.05."""
    return tiny_scenario(
        dynamics={"value_weight": 0.0, "outreach": 0.05},
        leadership={"visibility": 0.0},
        network={"openness": 1.0},
    )


@pytest.mark.parametrize(
    "stage,u_reach,joins", [(3, 0.04, True), (3, 0.06, False), (2, 0.0, False)]
)
def test_commitment_link_stage_three_outreach_reaches_actors_without_ties(stage, u_reach, joins):
    # actor 4 is isolated; in stage 3 it hears of the collaboration with probability
    # openness * outreach = 1.0 * 0.05
    sc = outreach_scenario()
    _, _, st = make_tiny_state(
        sc,
        edges=[(0, 1), (1, 2), (2, 3)],
        coupled=[True],
        stage=[stage],
        threshold=[9, 9, 9, 9, 0.0],
    )
    got = commit(st, sc, u_reach=u_reach)
    assert row(got)[4] is joins


@pytest.mark.parametrize("seen,joins", [(0, False), (1, True)])
def test_commitment_link_outreach_counts_the_wider_population_seen_taking_part(seen, joins):
    # actor 2 is isolated and hears of the collaboration (u_reach 0 < 1.0 * 0.05); its
    # score is openness x the share of the wider population (the one resident, actor 4)
    # seen taking part last month: 1.0 x seen / 1. The resident is committed either way:
    # commitment unseen does not reach the community (A-outreach).
    sc = outreach_scenario()
    _, _, st = make_tiny_state(
        sc,
        edges=[(0, 1), (3, 4)],
        members=[4],
        coupled=[True],
        stage=[3],
        threshold=[9, 9, 0.5, 9, 9],
        seen=[seen],
    )
    assert row(commit(st, sc, u_reach=0.0))[2] is joins


def test_the_month_counts_the_wider_population_seen_taking_part():
    # two replicates of five actors, flat user indices: replicate 0 actors 1 and 4,
    # replicate 1 actors 0 and 4; only actor 4 (the resident) is of the wider population
    sc, _, st = make_tiny_state(replicates=2, seen=[7, 7])
    see(st.actors(), st.record(), np.array([1, 4, 5, 9], np.int64))
    assert st.seen.tolist() == [1, 1]
    see(st.actors(), st.record(), np.array([], np.int64))
    assert st.seen.tolist() == [0, 0]


# --------------------------------------------------------------------------- 3 proposition


def funded_scenario(**investment):
    return tiny_scenario(
        investment={"monthly_budget": 1000.0, "member_contribution": 0.02, **investment},
        propositions=[
            {"name": "a", "value": [0.5] * 5, "unit_cost": 100.0, "capacity": 5},
            {"name": "b", "value": [0.5] * 5, "unit_cost": 0.0, "capacity": 7},
            {"name": "c", "value": [0.5] * 5, "unit_cost": 10.0, "capacity": 3, "min_stage": 2},
        ],
    )


def offer_now(sc, st, month=1, z=0.0):
    return proposition_link(st, sc, Offer.from_scenario(sc), month, np.full(st.n_replicates, z))


def test_proposition_link_pool_and_capacity():
    sc = funded_scenario()
    # members 0 and 3 put 2% of 100 + 200 GBP in: pool = 1000 + 6 = 1006 GBP
    _, _, st = make_tiny_state(sc, coupled=[True], stage=[1], resources=[100, 0, 0, 200, 50])
    got = offer_now(sc, st)
    assert got.pool.tolist() == approx([1006.0]) and got.budget.tolist() == [1000.0]
    assert got.open.tolist() == [[True, True, False]]  # c needs stage 2
    # a is the only funded open proposition: floor(1006 / 100) = 10 uses, capped at 5
    assert got.capacity.tolist() == [[5.0, 7.0, 0.0]]
    # in stage 2, a and c share the pool: 503 each -> a floor(5.03) = 5, c min(3, 50) = 3
    st.stage[:] = 2
    assert offer_now(sc, st).capacity.tolist() == [[5.0, 7.0, 3.0]]
    # with capacity 50 and the pool to itself, a is limited by money: 10 uses
    sc2 = funded_scenario()
    sc2.propositions[0].capacity = 50
    st.stage[:] = 1
    assert offer_now(sc2, st).capacity.tolist() == [[10.0, 7.0, 0.0]]


def test_proposition_link_pays_for_a_small_win_moment_first():
    sc = funded_scenario()
    sc.leadership.small_win_cost = 700.0
    sc.events = [Event(month=6, kind="milestone")]
    _, _, st = make_tiny_state(sc, coupled=[True], stage=[1], resources=[100, 0, 0, 200, 50])
    # month 6 is a shared milestone event: 700 of the 1006 GBP organise it; a gets
    # floor(306 / 100) = 3 uses
    got = offer_now(sc, st, month=6)
    assert got.organising.tolist() == [700.0] and got.capacity.tolist() == [[3.0, 7.0, 0.0]]
    assert offer_now(sc, st, month=5).organising.tolist() == [0.0]  # no moment, no cost
    sc.leadership.small_win_cost = 5000.0  # more than the pool: the pool is all it gets
    got = offer_now(sc, st, month=6)
    assert got.organising.tolist() == [1006.0] and got.capacity.tolist() == [[0.0, 7.0, 0.0]]


def test_proposition_link_an_issue_closes_the_offer_once_taken():
    sc = funded_scenario()
    sc.propositions[1].issue = 10  # b: 7 a month, 10 in all
    _, _, st = make_tiny_state(sc, coupled=[True], stage=[1], resources=[100, 0, 0, 200, 50])
    assert offer_now(sc, st).capacity.tolist() == [[5.0, 7.0, 0.0]]
    st.taken[:] = [[0, 7, 0]]  # 7 taken: 3 left of the issue
    assert offer_now(sc, st).capacity.tolist() == [[5.0, 3.0, 0.0]]
    st.taken[:] = [[0, 10, 0]]  # all taken: b is closed (fully subscribed)
    got = offer_now(sc, st)
    assert got.open.tolist() == [[True, False, False]]
    assert got.capacity.tolist() == [[5.0, 0.0, 0.0]]


def test_proposition_link_offers_nothing_without_the_coupling():
    sc = funded_scenario()
    _, _, st = make_tiny_state(sc, coupled=[False], stage=[2])
    got = offer_now(sc, st)
    assert not got.open.any() and not got.capacity.any()


@pytest.mark.parametrize("month,budget", [(2, 0.0), (3, 1000.0), (5, 1000.0), (6, 0.0)])
def test_proposition_link_investment_window(month, budget):
    sc = funded_scenario(start_month=3, end_month=6, member_contribution=0.0)
    _, _, st = make_tiny_state(sc, coupled=[True], stage=[1])
    got = offer_now(sc, st, month=month)
    assert got.budget.tolist() == [budget] and got.pool.tolist() == [budget]


@pytest.mark.parametrize(
    "month,budget", [(2, 0.0), (3, 1000.0), (4, 1000.0), (5, 1500.0), (7, 0.0), (9, 2000.0)]
)
def test_proposition_link_budget_steps(month, budget):
    # 1000 from month 3, 1.5 x from month 5, cut to nothing at 7, doubled from 9
    steps = [{"month": 5, "factor": 1.5}, {"month": 7, "factor": 0}, {"month": 9, "factor": 2}]
    sc = funded_scenario(start_month=3, member_contribution=0.0, steps=steps)
    _, _, st = make_tiny_state(sc, coupled=[True], stage=[1])
    assert offer_now(sc, st, month=month).budget.tolist() == [budget]


def test_proposition_link_volatile_budget_is_lognormal_with_mean_the_budget():
    sc = funded_scenario(volatility=0.5, member_contribution=0.0)
    _, _, st = make_tiny_state(sc, coupled=[True], stage=[1])
    # 1000 * exp(0.5 z - 0.5^2 / 2) at z = 1
    assert offer_now(sc, st, z=1.0).budget.tolist() == approx([1000 * math.exp(0.375)])


@pytest.mark.parametrize("month,is_open", [(1, False), (2, True), (3, True), (4, False)])
def test_proposition_link_months_of_availability(month, is_open):
    sc = tiny_scenario(
        propositions=[{"name": "a", "value": [0.5] * 5, "start_month": 2, "end_month": 4}]
    )
    _, _, st = make_tiny_state(sc, coupled=[True], stage=[1])
    assert offer_now(sc, st, month=month).open.tolist() == [[is_open]]


# --------------------------------------------------------------------------- 4 creation


def create(
    sc, st, month=1, capacity=1e9, u_use=0.0, u_ration=0.0, z=0.0, is_open=True, generation=None
):
    offer = Offer.from_scenario(sc)
    r, n = st.status.shape
    offered = Offered(
        open=np.full((r, offer.n), is_open),
        capacity=np.broadcast_to(np.asarray(capacity, np.float64), (r, offer.n)).copy(),
        budget=np.zeros(r),
        pool=np.zeros(r),
        organising=np.zeros(r),
    )
    shape = (r, n)
    f32 = lambda x: np.broadcast_to(np.asarray(x, np.float32), shape).copy()  # noqa: E731
    return creation_link(
        st, sc, offer, offered, month, f32(u_use), f32(u_ration), f32(z), generation
    )


def creation_scenario(leadership=None, destruction=None, **prop):
    base = {"name": "course", "value": [0.5] * 5, "cost": 0.1, "price": 10.0}
    base |= {"unit_cost": 5.0, "target_yield": 2.0} | prop
    return tiny_scenario(
        leadership={"alignment": 0.8, "arbitration": 0.6, "leader_stake": 0.0} | (leadership or {}),
        destruction=destruction or {},
        # every element felt at once, so that realised value is the whole use's
        dynamics={"noise": 0.0, "tangible_elements": list(ELEMENTS)},
        propositions=[base],
    )


def test_creation_link_accounting_under_good_leadership():
    sc = creation_scenario()
    _, _, st = make_tiny_state(sc, members=[1])
    c = create(sc, st)
    # members 0, 1, 3 each use the course, adapted by alignment 0.8 towards their uniform
    # profile: 0.2 * 0.5 + 0.8 * 2.5 * 0.2 = 0.5 per element (the same mix: nothing to
    # adapt), so per element 0.2 * 0.5 = 0.1
    assert sorted(c.users.tolist()) == [0, 1, 3]
    assert c.created.tolist() == [approx([0.3] * 5)]
    # realised = 5 * 0.1 - cost 0.1 = 0.4; no misfit, no burden, no exploiters: no losses
    assert row(st.realised) == approx([0.4, 0.4, 0.0, 0.4, 0.0])
    assert c.losses.tolist() == [[0.0, 0.0, 0.0, 0.0]] and c.destroyed.tolist() == [0.0]
    assert st.accumulated[0, 1].tolist() == approx([0.1] * 5)
    assert c.uptake.tolist() == [[3]]
    assert c.spent.tolist() == [15.0] and st.capital.tolist() == [30.0]  # 3 x 5 and 3 x 10 GBP
    assert c.target.tolist() == [6.0] and st.target.tolist() == [6.0]  # 3 uses x 2


def test_creation_link_longer_term_value_waits_for_a_small_win():
    # the default: satisfaction and experience are felt at once, the rest is pending
    sc = creation_scenario()
    sc.dynamics.tangible_elements = ["satisfaction", "experience"]
    _, _, st = make_tiny_state(sc, members=[1])
    c = create(sc, st)
    # per element 0.1: felt now 0.2 - cost 0.1 = 0.1; outcomes, capacity, public 0.3
    assert row(st.realised) == approx([0.1, 0.1, 0.0, 0.1, 0.0])
    assert row(st.pending_value) == approx([0.3, 0.3, 0.0, 0.3, 0.0])
    assert row(st.active) == [True, True, False, True, False]  # they took part
    # value created and realised are counted in full when it is created
    assert c.created.tolist() == [approx([0.3] * 5)] and c.realised_total[0] == approx(1.2)


def test_creation_link_use_rate():
    sc = creation_scenario()  # use_rate 0.6
    _, _, st = make_tiny_state(sc, members=[1])
    c = create(sc, st, u_use=np.array([[0.59, 0.6, 0.0, 0.7, 0.0]]))
    assert c.users.tolist() == [0]  # the resident is not a member


@pytest.mark.parametrize("coupled,stage,months", [(True, 1, 1), (True, 0, 0), (False, 1, 0)])
def test_creation_link_records_community_value_delivered(coupled, stage, months):
    sc = creation_scenario()
    _, _, st = make_tiny_state(sc, members=[1], coupled=[coupled], stage=[stage])
    create(sc, st)
    # community value: public 3 x 0.1 = 0.3 plus half the outcomes 0.5 x 0.3 = 0.15 (the
    # default levels), no losses: 0.45, recorded where coupled and in stage >= 1
    assert st.delivery_months.tolist() == [months]
    assert st.delivered.tolist() == approx([0.45 * months])


def test_creation_link_leaders_hold_a_stake_in_community_value():
    sc = creation_scenario(leadership={"leader_stake": 1.0})
    _, _, st = make_tiny_state(sc, members=[1])
    create(sc, st)
    # community value 0.45 (public 0.3 and half the outcomes 0.15), shared by the two
    # leaders: + 0.225 each
    assert row(st.realised) == approx([0.625, 0.4, 0.0, 0.625, 0.0])


def test_creation_link_chooses_the_best_promise_and_uses_once_propositions_once():
    sc = tiny_scenario(
        leadership={"leader_stake": 0.0},
        dynamics={"noise": 0.0, "tangible_elements": list(ELEMENTS)},
        propositions=[
            {"name": "a", "value": [0.5] * 5, "cost": 0.1},  # promise 0.4
            {"name": "b", "value": [1.0] * 5, "cost": 0.5, "once": True},  # promise 0.5
        ],
    )
    _, offer, st = make_tiny_state(sc, members=[1])
    c1 = create(sc, st)
    assert c1.choice.tolist() == [1, 1, 1] and c1.uptake.tolist() == [[0, 3]]
    assert row(st.used) == [2, 2, 0, 2, 0]  # bit of b
    c2 = create(sc, st, month=2)
    assert c2.choice.tolist() == [0, 0, 0]  # b used up: the next best promise


def test_creation_link_rations_by_lottery():
    sc = creation_scenario()
    _, _, st = make_tiny_state(sc, members=[1])
    # three candidates (0, 1, 3) for two places: the two lowest draws are served
    c = create(sc, st, capacity=2, u_ration=np.array([[0.9, 0.1, 0.0, 0.5, 0.0]]))
    assert sorted(c.users.tolist()) == [1, 3] and c.uptake.tolist() == [[2]]
    assert row(st.realised)[0] == 0.0


def test_creation_link_value_ignorance():
    # actor 1 values satisfaction only: cos(profile, offer) = 0.5 / (1 * sqrt(5 * 0.25))
    sc = creation_scenario(leadership={"alignment": 0.5, "arbitration": 1.0})
    prof = np.full((1, 5, 5), 0.2, np.float32)
    prof[0, 1] = [1, 0, 0, 0, 0]
    _, _, st = make_tiny_state(sc, members=[1], profile=prof)
    c = create(sc, st, u_use=np.array([[1.0, 0.0, 1.0, 1.0, 1.0]]))
    loss = 0.3 * (1 - 0.5) * (1 - 1 / math.sqrt(5))
    assert c.losses[0].tolist() == approx([loss, 0.0, 0.0, 0.0])
    # the offer adapted halfway to actor 1: satisfaction 0.5 * 0.5 + 0.5 * 2.5 * 1 = 1.5,
    # and actor 1 values nothing else: created 1 * 1.5 (all satisfaction)
    assert c.created[0].tolist() == approx([1.5, 0, 0, 0, 0])
    # ignorance falls half on the user, half on the service system (default levels)
    assert row(st.realised)[1] == approx(1.5 - 0.1 - loss / 2)
    assert c.lost[0].tolist() == approx([loss / 2, loss / 2, 0.0])


def test_creation_link_value_disproportion():
    sc = creation_scenario(leadership={"alignment": 1.0, "arbitration": 0.6})
    _, _, st = make_tiny_state(sc, members=[1], burden=[1.0, 1.5, 1.0, 0.5, 1.0])
    c = create(sc, st)
    # actor 1: 0.5 * (1 - 0.6) * cost 0.1 * (1.5 - 1) = 0.01; burdens <= 1 lose nothing
    assert c.losses[0].tolist() == approx([0.0, 0.01, 0.0, 0.0])
    # half on the user, half on the community (default levels)
    assert row(st.realised)[:2] == approx([0.4, 0.395])
    assert c.lost[0].tolist() == approx([0.005, 0.0, 0.005])


def test_creation_link_value_backlash():
    sc = creation_scenario(leadership={"alignment": 1.0, "arbitration": 0.6})
    prof = np.full((1, 5, 5), 0.2, np.float32)
    prof[0, 1] = [0.25, 0.25, 0.25, 0.25, 0.0]  # weighs public value not at all
    _, _, st = make_tiny_state(sc, members=[1], profile=prof)
    c = create(sc, st)
    # 0.3 * (1 - 0.6) * public share 0.2 * 5 * max(0.2 - 0, 0) = 0.024
    assert c.losses[0].tolist() == approx([0.0, 0.0, 0.024, 0.0])
    # fully aligned: the offer's 2.5 spread after the profile, 2.5 * 0.25 on four elements,
    # worth 4 * 0.25 * 0.625 = 0.625 to actor 1; the user bears half the backlash, the
    # community the other half (default levels)
    assert row(st.realised)[1] == approx(0.625 - 0.1 - 0.012)
    assert c.lost[0].tolist() == approx([0.012, 0.0, 0.012])


def test_creation_link_value_exploitation_transfers_value():
    sc = creation_scenario(
        leadership={"alignment": 1.0, "arbitration": 0.4}, destruction={"exploitation": 0.5}
    )
    _, _, st = make_tiny_state(sc, members=[1], exploiter=[False, True, False, False, False])
    c = create(sc, st)
    # q = 1/3 exploiters among members; take = 0.5 * 0.6 * 1/3 = 0.1 of created 0.5
    assert c.losses[0].tolist() == approx([0.0, 0.0, 0.0, 0.1])
    # the 0.1 taken from 0 and 3 goes to the exploiter
    assert row(st.realised)[:4] == approx([0.35, 0.5, 0.0, 0.35])
    assert sum(row(st.realised)) == approx(3 * (0.5 - 0.1))
    # a transfer between individuals: no level loses value on balance
    assert c.lost[0].tolist() == approx([0.0, 0.0, 0.0])


@pytest.mark.parametrize("alignment", [0.1, 0.9])
def test_creation_link_poor_alignment_destroys_value_for_those_whose_values_it_ignores(
    alignment,
):
    # actor 1 values satisfaction only; strong value ignorance (3.0, half of it the user's)
    sc = creation_scenario(
        leadership={"alignment": alignment, "arbitration": 1.0},
        destruction={"ignorance": 3.0},
    )
    prof = np.full((1, 5, 5), 0.2, np.float32)
    prof[0, 1] = [1, 0, 0, 0, 0]
    _, _, st = make_tiny_state(sc, members=[1], profile=prof)
    c = create(sc, st, u_use=np.array([[1.0, 0.0, 1.0, 1.0, 1.0]]))
    # adapted: (1 - a) 0.5 + a 2.5; the user's half of 3.0 (1 - a) (1 - 1 / sqrt(5))
    created = (1 - alignment) * 0.5 + alignment * 2.5
    lost = 1.5 * (1 - alignment) * (1 - 1 / math.sqrt(5))
    assert row(st.realised)[1] == approx(created - 0.1 - lost)
    # a = 0.1: 0.7 - 0.1 - 0.746 = -0.146, value destroyed; a = 0.9: +2.117
    assert bool(c.destroyed[0] > 0) == (alignment < 0.5)


def backlash_state(backlash=0.3, leader_stake=0.0, levels=None):
    sc = creation_scenario(
        leadership={"alignment": 1.0, "arbitration": 0.6, "leader_stake": leader_stake},
        destruction={"backlash": backlash},
    )
    if levels:
        sc = sc.model_copy(update={"levels": sc.levels.model_copy(update=levels)})
    prof = np.full((1, 5, 5), 0.2, np.float32)
    prof[0, 1] = [0.25, 0.25, 0.25, 0.25, 0.0]  # weighs public value not at all
    _, _, st = make_tiny_state(sc, members=[1], profile=prof, coupled=[True], stage=[1])
    return sc, st


def test_creation_link_value_per_level_is_net_of_the_losses_falling_on_it():
    sc, st = backlash_state()
    c = create(sc, st)
    # actors 0, 3 (uniform profiles): 0.1 per element each; actor 1: 0.25 * 0.625 = 0.15625
    # on four elements, nothing public
    assert c.created[0].tolist() == approx([0.35625] * 4 + [0.2])
    # levels of created value: individual satisfaction + experience + half outcomes + half
    # capacity = 3 x 0.35625; service half capacity; community half outcomes + public
    shares = np.array(sc.levels.of_elements())
    made = c.created[0] @ shares
    assert made.tolist() == approx([1.06875, 0.178125, 0.378125])
    # backlash 0.024 half on the user, half on the community
    assert c.lost[0].tolist() == approx([0.012, 0.0, 0.012])
    net = made - c.lost[0]
    assert net.tolist() == approx([1.05675, 0.178125, 0.366125])
    # the leaders judge the net community value delivered
    assert st.delivered.tolist() == approx([0.366125])


def test_creation_link_destroys_community_value_and_the_leaders_bear_their_stake():
    # backlash 30: 30 x 0.4 x 0.2 x 5 x 0.2 = 2.4, 1.2 of it on the community
    sc, st = backlash_state(backlash=30.0, leader_stake=1.0)
    c = create(sc, st)
    assert c.losses[0].tolist() == approx([0.0, 0.0, 2.4, 0.0])
    assert c.lost[0].tolist() == approx([1.2, 0.0, 1.2])
    # net community value 0.378125 - 1.2 = -0.821875: destroyed on balance
    assert st.delivered.tolist() == approx([-0.821875])
    # the two leaders (actors 0, 3) each bear half: 0.4 - 0.4109375
    assert [row(st.realised)[0], row(st.realised)[3]] == approx([-0.0109375, -0.0109375])
    assert row(st.realised)[1] == approx(0.625 - 0.1 - 1.2)


def test_creation_link_levels_are_the_scenarios():
    # backlash wholly on the user, outcomes wholly the individual's: the rule before levels
    sc, st = backlash_state(levels={"backlash": [1.0, 0.0, 0.0], "outcomes": [1.0, 0.0, 0.0]})
    c = create(sc, st)
    assert row(st.realised)[1] == approx(0.625 - 0.1 - 0.024)
    assert c.lost[0].tolist() == approx([0.024, 0.0, 0.0])
    assert st.delivered.tolist() == approx([0.2])  # public value only


def test_level_shares_must_sum_to_one():
    with pytest.raises(ValueError, match="sum to 1"):
        tiny_scenario(levels={"outcomes": [0.5, 0.0, 0.6]})


def test_creation_link_holdings_pay_returns_after_the_holders_profile():
    share = {
        "name": "share",
        "value": [0.0, 0.2, 0.0, 0.0, 0.3],
        "once": True,
        "target_yield": 0.5,
        "holding": {"every_months": 12, "value": [0.2, 0.3, 0.0, 0.0, 0.1]},
    }
    sc = tiny_scenario(
        leadership={"leader_stake": 0.0}, dynamics={"noise": 0.0}, propositions=[share]
    )
    # actor 1 (member) and actor 2 (seceded) hold a share; nobody uses anything this month
    _, _, st = make_tiny_state(
        sc, members=[1], used=[0, 1, 1, 0, 0], status=[1, 1, SECEDED, 1, 0], commitment=0.9
    )
    c = create(sc, st, month=6, u_use=1.0)
    assert not c.paid and row(st.realised) == [0.0] * 5  # no holding paid this month
    # panels generate every month: every holding ever bought yields 0.5 target units
    assert c.target.tolist() == [1.0]
    c = create(sc, st, month=12, u_use=1.0)
    # the member holder receives 0.2 * [0.2, 0.3, 0, 0, 0.1] = [0.04, 0.06, 0, 0, 0.02]
    assert c.paid and row(c.holders_paid) == [False, True, False, False, False]
    assert row(st.active)[1]  # money paid is a tangible outcome
    assert c.created[0].tolist() == approx([0.04, 0.06, 0.0, 0.0, 0.02])
    assert row(st.realised)[1] == approx(0.12) and row(st.realised)[2] == 0.0


def share_scenario(**holding):
    share = {
        "name": "share",
        "value": [0.0, 0.2, 0.0, 0.0, 0.3],
        "once": True,
        "target_yield": 0.5,
        "holding": {"every_months": 12, "value": [0.2, 0.3, 0.0, 0.0, 0.1]} | holding,
    }
    return tiny_scenario(
        leadership={"leader_stake": 0.0}, dynamics={"noise": 0.0}, propositions=[share]
    )


def holders_state(sc):
    # actor 1 (member) and actor 2 (seceded) hold a share; nobody uses anything this month
    return make_tiny_state(
        sc, members=[1], used=[0, 1, 1, 0, 0], status=[1, 1, SECEDED, 1, 0], commitment=0.9
    )[2]


def test_creation_link_linked_return_scales_with_what_the_holdings_generated():
    sc = share_scenario()  # linked by default, no cap
    st = holders_state(sc)
    c = create(sc, st, month=12, u_use=1.0, generation=[[0.75]])
    # the year generated 0.75 of plan: the member holder receives 0.75 * the planned
    # 0.2 * [0.2, 0.3, 0, 0, 0.1] = [0.03, 0.045, 0, 0, 0.015], 0.09 in all
    assert c.created[0].tolist() == approx([0.03, 0.045, 0.0, 0.0, 0.015])
    assert row(st.realised)[1] == approx(0.09) and row(st.realised)[2] == 0.0
    # both holdings generate (the seceded holder's panels too): 2 * 0.5 * 0.75 target units
    assert c.target.tolist() == approx([0.75])
    # a better year pays more, uncapped: 1.3 * 0.12 = 0.156
    st = holders_state(sc)
    create(sc, st, month=12, u_use=1.0, generation=[[1.3]])
    assert row(st.realised)[1] == approx(0.156)


def test_creation_link_linked_return_is_capped_and_an_unlinked_one_fixed():
    sc = share_scenario(cap=1.0)
    st = holders_state(sc)
    c = create(sc, st, month=12, u_use=1.0, generation=[[1.3]])
    # generation 1.3 times plan, the return at most 1 times the planned 0.12
    assert row(st.realised)[1] == approx(0.12)
    assert c.target.tolist() == approx([1.3])  # 2 * 0.5 * 1.3: the target gets it all
    c = create(sc, holders_state(sc), month=12, u_use=1.0, generation=[[0.75]])
    assert c.created[0].sum() == approx(0.09)  # below the cap, as generated
    fixed = share_scenario(linked=False)
    st = holders_state(fixed)
    c = create(fixed, st, month=12, u_use=1.0, generation=[[0.75]])
    # unlinked: the planned 0.12 whatever was generated; the target still gets 0.75
    assert row(st.realised)[1] == approx(0.12) and c.target.tolist() == approx([0.75])


def test_the_calendar_draws_one_generation_factor_per_payment_period():
    """Months 4-15 are the first payment period of a share opened in month 3 (paid in
    month 15), months 16-27 the second; each has its own factor exp(sd z - sd^2 / 2)."""
    sc = tiny_scenario(
        months=30,
        propositions=[
            {"name": "a", "value": [0.5] * 5},
            {
                "name": "share",
                "value": [0.5] * 5,
                "start_month": 3,
                "once": True,
                "holding": {"every_months": 12, "value": [0.1] * 5, "performance_sd": 0.2},
            },
        ],
    )
    offer = Offer.from_scenario(sc)
    asked = []

    def normals(period):
        asked.append(period)
        return np.array([[9.0, z] for z in (0.5 * period, -1.0 * period)])  # (R=2, P=2)

    cal = calendar(sc, offer, lambda m: np.zeros(2), 2, generation_normals=normals)
    assert asked == [1, 2, 3]  # one draw per period, when first needed
    assert cal.generation.shape == (31, 2, 2)
    assert (cal.generation[:, :, 0] == 1.0).all()  # no holding: as planned
    assert (cal.generation[:4, :, 1] == 1.0).all()  # before the share generates
    first = [math.exp(0.2 * 0.5 - 0.02), math.exp(0.2 * -1.0 - 0.02)]
    second = [math.exp(0.2 * 1.0 - 0.02), math.exp(0.2 * -2.0 - 0.02)]
    for m in range(4, 16):
        assert cal.generation[m, :, 1].tolist() == approx(first), m
    for m in range(16, 28):
        assert cal.generation[m, :, 1].tolist() == approx(second), m
    # without normals (or with performance_sd 0) every month generates as planned
    assert (calendar(sc, offer, lambda m: np.zeros(2), 2).generation == 1.0).all()


def test_expected_return_factor_is_the_mean_of_the_capped_factor():
    from commonfuture.propositions import expected_return_factor, performance

    z = np.random.default_rng(0).standard_normal(2_000_000)
    for sd, cap in [(0.1, 1.0), (0.3, 1.0), (0.3, 1.2), (0.5, 0.8)]:
        mc = np.minimum(performance(sd, z), cap).mean()
        assert expected_return_factor(sd, cap) == pytest.approx(mc, abs=1e-3), (sd, cap)
    # 2 Phi(-sd / 2) at cap 1; no cap or no variation: the plan (or the cap)
    assert expected_return_factor(0.1, 1.0) == pytest.approx(2 * 0.5 * math.erfc(0.05 / 2**0.5))
    assert expected_return_factor(0.3, None) == 1.0 and expected_return_factor(0.0, 0.9) == 0.9


def test_creation_link_nothing_open_nothing_used():
    sc = creation_scenario()
    _, _, st = make_tiny_state(sc, members=[1])
    c = create(sc, st, is_open=False)
    assert len(c.users) == 0 and c.created.sum() == 0.0 and st.target.sum() == 0.0


# --------------------------------------------------------------------------- 5 small wins


def test_small_win_and_shortfall_at_a_moment():
    # a shared milestone event at month 6, decay 0.02, gains/losses 0.25 (trust), 0.3
    # (commitment), tolerance 1
    sc = tiny_scenario(events=[{"month": 6, "kind": "milestone"}])
    _, _, st = make_tiny_state(
        sc,
        coupled=[True],
        members=[1, 2],
        expectation=0.1,
        realised=[0.0, 1.2, 0.15, 0.0, 0.0],
        months_since=[2, 5, 5, 2, 0],
        engaged=[0, 3, 3, 0, 0],
    )
    ev = small_wins(st, sc, month=6)
    # the moment closes every member's cycle; the leaders took no part: nothing to judge
    assert row(ev.evaluated) == [False, True, True, False, False]
    # erosion first: c = 0.6 - 0.02 * (1 - 0.5) = 0.59; leaders 0.9 - 0.02 * 0.3 = 0.894
    # actor 1: 1.2 / 3 months taken part = 0.4 a month, gap +0.3, size 1: a win
    #   c = 0.59 + 0.3 * 1 * 0.41 = 0.713, t = 0.5 + 0.25 * 0.5 = 0.625, signal 1 * 0.625
    # actor 2: 0.15 / 3 = 0.05, gap -0.05, size 0.5: a shortfall, cushioned by trust
    #   c = 0.59 - 0.3 * 0.5 * (1 - 1 * 0.5) * 0.59 = 0.54575, t = 0.5 - 0.25 * 0.5 * 0.5
    assert row(ev.wins) == [False, True, False, False, False]
    assert row(st.commitment) == approx([0.894, 0.713, 0.54575, 0.894, 0.0])
    assert row(st.trust) == approx([0.7, 0.625, 0.4375, 0.7, 0.0])
    assert row(st.signal) == approx([0.0, 0.625, -0.5, 0.0, 0.0])
    assert row(st.realised) == [0.0] * 5 and row(st.months_since) == [0] * 5
    assert row(st.engaged) == [0] * 5


def test_trust_cushions_a_shortfall_only_as_far_as_tolerance_says():
    for tolerance, expected in [(0.0, 0.5015), (0.5, 0.523625), (1.0, 0.54575)]:
        sc = tiny_scenario(dynamics={"tolerance": tolerance})
        _, _, st = make_tiny_state(
            sc,
            coupled=[True],
            members=[2],
            expectation=0.1,
            realised=[0, 0, 0.05, 0, 0],
            months_since=5,
            engaged=[0, 0, 1, 0, 0],
        )
        small_wins(st, sc, month=6)
        # c = 0.59 - 0.3 * 0.5 * (1 - tolerance * 0.5) * 0.59
        assert row(st.commitment)[2] == approx(expected)


def test_small_win_size_is_capped_at_one():
    sc = tiny_scenario()
    _, _, st = make_tiny_state(
        sc,
        coupled=[True],
        members=[1],
        expectation=0.1,
        realised=[0, 6.0, 0, 0, 0],
        months_since=5,
        engaged=[0, 1, 0, 0, 0],
    )
    small_wins(st, sc, month=6)
    assert row(st.commitment)[1] == approx(0.713) and row(st.signal)[1] == approx(0.625)


def test_between_moments_only_erosion_and_fading_signals():
    sc = tiny_scenario()
    _, _, st = make_tiny_state(
        sc,
        coupled=[True],
        members=[1],
        realised=[0, 0.7, 0, 0, 0],
        pending_value=[0, 0.3, 0, 0, 0],
        months_since=[2, 2, 0, 2, 0],
        engaged=[0, 1, 0, 0, 0],
        signal=[0, 0.8, -0.4, 0, 0],
        commitment=[0.9, 0.6, 0.3, 0.9, 0.3],  # actors 2 and 4 are outside
    )
    ev = small_wins(st, sc, month=5)
    assert not ev.evaluated.any()
    # members erode by 0.02 * (1 - trust): leaders 0.9 - 0.006, actor 1 0.6 - 0.01
    assert row(st.commitment) == approx([0.894, 0.59, 0.3, 0.894, 0.3])
    assert row(st.signal) == approx([0, 0.4, -0.2, 0, 0])  # momentum_decay 0.5
    assert row(st.realised)[1] == approx(0.7) and row(st.months_since) == [3, 3, 0, 3, 0]
    # no moment: the value created for actor 1 is still not tangible
    assert row(st.pending_value)[1] == approx(0.3) and row(st.engaged)[1] == 1


def test_a_shared_milestone_makes_the_pending_value_tangible():
    sc = tiny_scenario(events=[{"month": 6, "kind": "milestone"}])
    kw = dict(
        coupled=[True],
        members=[1],
        expectation=0.1,
        pending_value=[0, 0.6, 0, 0, 0],
        months_since=2,
    )
    _, _, st = make_tiny_state(sc, **kw)
    ev = small_wins(st, sc, month=5)  # no event: nothing felt, nothing judged
    assert not ev.evaluated.any() and row(st.pending_value)[1] == approx(0.6)
    _, _, st = make_tiny_state(sc, **kw)
    ev = small_wins(st, sc, month=6)  # the event: 0.6 becomes tangible, a month taken part
    assert row(ev.evaluated) == [False, True, False, False, False]
    assert row(ev.wins)[1] and row(ev.gap)[1] == approx(0.5)  # 0.6 / 1 - 0.1
    assert row(st.pending_value) == [0.0] * 5
    # without the coupling there is nobody to hold the moment
    _, _, st = make_tiny_state(sc, **(kw | {"coupled": [False]}))
    ev = small_wins(st, sc, month=6)
    assert not ev.evaluated.any() and row(st.pending_value)[1] == approx(0.6)


def test_milestones_are_moments_and_cycles_end_on_their_own():
    sc = tiny_scenario(events=[{"month": 4, "kind": "milestone"}])
    took = [1, 1, 1, 1, 0]
    _, _, st = make_tiny_state(sc, coupled=[True], members=[1, 2], months_since=2, engaged=took)
    assert small_wins(st, sc, month=4).evaluated[0].tolist() == [True, True, True, True, False]
    # no moment at month 5, but cycles of evaluation_months = 6 end: who took part judges
    _, _, st = make_tiny_state(
        sc, coupled=[True], members=[1, 2], months_since=5, engaged=[0, 2, 0, 1, 0]
    )
    got = small_wins(st, sc, month=5)
    assert row(got.evaluated) == [False, True, False, True, False]
    assert row(st.months_since) == [0, 0, 0, 0, 5]  # actor 4 is no member
    assert row(st.engaged) == [0] * 5


def test_a_month_with_a_tangible_outcome_counts_as_taking_part():
    sc = tiny_scenario()
    _, _, st = make_tiny_state(sc, coupled=[True], members=[1], active=[1, 1, 0, 0, 0])
    small_wins(st, sc, month=5)
    # members who had an outcome this month count it; the flag is cleared for next month
    assert row(st.engaged) == [1, 1, 0, 0, 0] and row(st.active) == [False] * 5


# --------------------------------------------------------------------------- 6 secession


def test_secession_below_the_floor():
    sc = tiny_scenario()
    _, _, st = make_tiny_state(
        sc,
        members=[1, 2],
        commitment=[0.9, 0.25, 0.375, 0.9, 0.0],
        floor=[0.25, 0.375, 0.375, 0.25, 0.375],
    )
    gone = secession(st)
    # 0.25 < 0.375 leaves; at the floor exactly stays; the outsider is not a member
    assert row(gone) == [False, True, False, False, False]
    assert row(st.status) == [COMMITTED, SECEDED, COMMITTED, COMMITTED, OUTSIDE]
    assert row(st.signal)[1] == -1.0


# --------------------------------------------------------------------------- 7 stage


def snap(coupled=True, others=100, sectors=4, wider=1.0, r=1):
    full = lambda x, t: np.full(r, x, t)  # noqa: E731
    return Snapshot(full(coupled, bool), full(others, int), full(sectors, int), full(wider, float))


RULES = Stages()  # 8 members, 3 sectors, 5% of residents, sustain 3, hysteresis 0.7


def test_stages_are_entered_one_at_a_time_after_sustain_months():
    # every condition holds from month 1, yet stages come one by one, 3 months each
    path = classify([snap()] * 11, RULES)[:, 0].tolist()
    assert path == [0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]


def test_a_broken_condition_restarts_the_count():
    snaps = [snap(), snap(), snap(coupled=False), snap(), snap(), snap()]
    assert classify(snaps, RULES)[:, 0].tolist() == [0, 0, 0, 0, 0, 1]


def test_stage_two_needs_members_and_sectors():
    s = classify([snap(others=7, wider=0.0)] * 9, RULES)[:, 0]
    assert s.max() == 1
    s = classify([snap(others=8, sectors=2, wider=0.0)] * 9, RULES)[:, 0]
    assert s.max() == 1
    s = classify([snap(others=8, sectors=3, wider=0.0)] * 9, RULES)[:, 0]
    assert s.max() == 2


@pytest.mark.parametrize(
    "stage,kw,after,regressed",
    [
        (2, {"others": 6, "wider": 0.0}, 2, False),  # 6 >= 0.7 * 8
        (2, {"others": 5, "wider": 0.0}, 1, True),  # 5 < 5.6: lost at once
        (3, {"wider": 0.04}, 3, False),  # 0.04 >= 0.7 * 0.05
        (3, {"wider": 0.03}, 2, True),
        (3, {"coupled": False}, 0, True),  # the coupling breaks: back to 0 at once
        (1, {"coupled": False}, 0, True),
    ],
)
def test_stages_are_lost_at_once_below_the_hysteresis_band(stage, kw, after, regressed):
    new, pending, reg = advance(
        np.array([stage], np.int8), np.array([2], np.int16), snap(**kw), RULES
    )
    assert new.tolist() == [after] and reg.tolist() == [regressed]
    assert pending.tolist() == [0]


def test_stage_three_counts_external_supporters_with_members():
    # linking_share 0.05: 2% committed and 4% supporting back it together; records without
    # supporter data classify on the committed share alone
    backed = Snapshot(
        np.array([True]), np.array([100]), np.array([4]), np.array([0.02]), np.array([0.04])
    )
    assert classify([backed] * 11, RULES)[-1].tolist() == [3]
    assert classify([snap(wider=0.02)] * 11, RULES)[-1].tolist() == [2]
    # held down to 0.7 * 0.05 = 0.035 of backing: 0.01 + 0.03 keeps stage 3
    kept = Snapshot(
        np.array([True]), np.array([100]), np.array([4]), np.array([0.01]), np.array([0.03])
    )
    new, _, reg = advance(np.array([3], np.int8), np.array([0], np.int16), kept, RULES)
    assert new.tolist() == [3] and reg.tolist() == [False]


def test_stages_per_replicate():
    s = Snapshot(
        coupled=np.array([True, False]),
        other_members=np.array([10, 10]),
        sectors=np.array([3, 3]),
        wider_share=np.array([0.0, 0.0]),
    )
    new, pending, reg = advance(np.array([0, 1], np.int8), np.array([2, 0], np.int16), s, RULES)
    assert new.tolist() == [1, 0] and pending.tolist() == [0, 0] and reg.tolist() == [False, True]


# --------------------------------------------------------------------------- the month


def test_build_state_derives_promise_and_losses_from_the_drawn_profiles():
    sc = creation_scenario(
        leadership={"alignment": 0.4, "arbitration": 0.3},
        value=[0.9, 0.1, 0.3, 0.0, 0.6],
    )
    offer = Offer.from_scenario(sc)
    st = build_state(sc, [replicate_rng(3, 0), replicate_rng(3, 1)], offer)
    p = st.profile.astype(np.float64)
    v = np.array([0.9, 0.1, 0.3, 0.0, 0.6])
    assert np.allclose(p.sum(axis=2), 1.0, atol=1e-6) and (p >= 0).all()
    plain = p @ v
    cos = plain / (np.linalg.norm(p, axis=2) * np.linalg.norm(v))
    # the offer as it is, and what adapting it wholly to the actor adds: the promise at a
    # group's alignment a is sum_e p_e ((1 - a) v_e + a |v| p_e) - cost, |v| = 1.9
    assert np.allclose(st.fit[..., 0], plain, atol=1e-6)
    assert np.allclose(st.anticipated[..., 0], plain - 0.1, atol=1e-6)
    assert np.allclose(st.tailoring[..., 0], 1.9 * (p * p).sum(axis=2) - plain, atol=1e-6)
    adapted = 0.6 * plain + 0.4 * 1.9 * (p * p).sum(axis=2)
    promise = st.anticipated[..., 0] + np.float32(0.4) * st.tailoring[..., 0]
    assert np.allclose(promise, adapted - 0.1, atol=1e-6)
    # the losses before the group's alignment and strain scale them at use
    assert np.allclose(st.ignorance[..., 0], 0.3 * (1 - cos), atol=1e-6)
    low = np.maximum(0.2 - p[..., 4], 0.0) * 5
    assert np.allclose(st.backlash[..., 0], 0.3 * low * (0.6 / 1.9), atol=1e-6)
    # key leaders start committed, everyone else outside
    assert row(st.status) == [COMMITTED, OUTSIDE, OUTSIDE, COMMITTED, OUTSIDE]


def test_the_commitment_link_sees_last_months_offer():
    # value terms on, thresholds 0: in month 1 nothing was open last month, so nobody joins;
    # in month 2 the course (open since month 1) is a positive private value target
    sc = tiny_scenario(
        population={"join_rate": 1.0},
        leadership={"negotiation_rate": 1.0},  # consensus 1 in month 1: coupled at once
        propositions=[{"name": "course", "value": [0.5] * 5, "cost": 0.1, "min_stage": 0}],
    )
    _, offer, st = make_tiny_state(sc, threshold=-5.0, floor=0.0, expectation=0.0)
    z = np.zeros((1, 5), np.float32)
    one = np.ones((1, 5), np.float32)
    draws = given(z, one, one, one, z)  # join always, never use
    cal = calendar(sc, offer, lambda m: np.zeros(1), 1)
    collab = Collaboration(sc, offer, st, draws, cal)
    collab.step()
    m1 = collab.measures(1)
    assert m1["joins"].tolist() == [0] and m1["coupled"].tolist() == [1]
    collab.step()
    assert collab.measures(2)["joins"].tolist() == [3]  # actors 1, 2 and 4, tied to a leader


def test_the_calendar_tabulates_the_month_by_month_rules():
    """model.calendar (all months at once) says what holding_due, Offer.in_time,
    is_moment and the withdrawal events say month by month."""
    from commonfuture.macro.coupling import withdrawals
    from commonfuture.meso.small_wins import is_moment
    from commonfuture.micro.creation import holding_due

    sc = tiny_scenario(
        months=40,
        events=[
            {"month": 7, "kind": "milestone"},
            {"month": 9, "kind": "leader_withdraws", "sector": "third"},
        ],
        propositions=[
            {"name": "a", "value": [0.5] * 5, "start_month": 2, "end_month": 30},
            {
                "name": "share",
                "value": [0.5] * 5,
                "start_month": 3,
                "once": True,
                "holding": {"every_months": 12, "value": [0.1] * 5, "until_month": 30},
            },
        ],
    )
    offer = Offer.from_scenario(sc)
    cal = calendar(sc, offer, lambda m: np.zeros(2), 2)
    for m in range(sc.months + 1):
        assert cal.due[m].tolist() == holding_due(offer, m).tolist(), m
        assert cal.in_time[m].tolist() == offer.in_time(m).tolist(), m
        assert bool(cal.moment[m]) == is_moment(sc, m), m
        assert cal.withdraw[m].tolist() == withdrawals(sc, m).tolist(), m
    assert cal.due[:, 1].nonzero()[0].tolist() == [15, 27]
    assert cal.moment[7] and cal.withdraw[9, 2]


def test_a_member_reaches_the_milestone_of_its_own_chain():
    # consolidation 0.1, nearer 0.5, visible 1; no shared event: only its own progress counts
    sc = tiny_scenario()
    kw = dict(
        coupled=[True],
        members=[1, 2],
        expectation=0.1,
        pending_value=[0, 0.6, 0.6, 0, 0],
        progress=[0, 1.5, 0.95, 0, 0],
        milestone=[0, 1.5, 1.5, 0, 0],
        months_since=2,
    )
    _, _, st = make_tiny_state(sc, **kw)
    ev = small_wins(st, sc, month=3)
    # actor 1 passed its milestone (1.5 >= 1.5): its 0.6 becomes tangible, a month engaged;
    # erosion first, c = 0.6 - 0.02 * 0.5 = 0.59, then the milestone consolidates: c = 0.59 +
    # 0.1 * 0.41 = 0.631, t = 0.5 + 0.1 * 0.5 = 0.55; the cycle closes: 0.6 / 1 - 0.1 = 0.5
    # over 0.1, size 1: a win, c = 0.631 + 0.3 * 0.369 = 0.7417, t = 0.55 + 0.25 * 0.45
    assert row(ev.reached) == [False, True, False, False, False]
    assert row(ev.evaluated) == [False, True, False, False, False] and row(ev.wins)[1]
    assert row(st.pending_value) == approx([0, 0, 0.6, 0, 0])
    assert row(st.progress) == approx([0, 0, 0.95, 0, 0])  # a new chain step starts at 0
    assert row(st.milestone) == approx([0, 0, 1.5, 0, 0])  # the next use sets the next one
    assert row(st.commitment)[1] == approx(0.7417) and row(st.trust)[1] == approx(0.6625)
    assert row(st.signal)[1] == approx(0.6625)  # size 1 x trust, no staging: not louder
    # actor 2 (0.95 of 1.5) reaches it only when the leaders stage small wins fully enough:
    # e = 0.5 brings it 0.5 * 0.5 = 25% nearer, 1.125 > 0.95; e = 0.8: 40%, 0.9 <= 0.95
    for e, reached in ((0.5, False), (0.8, True)):
        _, _, st = make_tiny_state(sc, **kw, effort=[0, 0, e, 0])
        ev = small_wins(st, sc, month=3)
        assert row(ev.reached)[2] == reached
    # and a milestone reached under staging signals (1 + visible * e) times louder
    _, _, st = make_tiny_state(sc, **kw, effort=[0, 0, 0.8, 0])
    small_wins(st, sc, month=3)
    assert row(st.signal)[1] == approx(0.6625 * 1.8)
    # without the coupling nobody reaches a milestone
    _, _, st = make_tiny_state(sc, **(kw | {"coupled": [False]}))
    assert not small_wins(st, sc, month=3).reached.any()
    # in the model without milestones nothing is held and no milestone is reached
    sc_off = tiny_scenario(wins={"milestones": False})
    _, _, st = make_tiny_state(sc_off, **kw)
    assert not small_wins(st, sc_off, month=3).reached.any()


def test_a_use_advances_its_chain_and_sets_its_next_milestone():
    # the course's value per use over its elements is 2.5; wins.uses 3: a milestone 3 * 2.5 / 5
    sc = creation_scenario()
    _, _, st = make_tiny_state(sc, members=[1])
    create(sc, st)
    # each user created 0.5 for itself (5 x 0.1): progress 0.5, next milestone 1.5
    assert row(st.progress) == approx([0.5, 0.5, 0.0, 0.5, 0.0])
    assert row(st.milestone) == approx([1.5, 1.5, 0.0, 1.5, 0.0])
    # a proposition's own milestone
    sc2 = creation_scenario(milestone=0.4)
    _, _, st = make_tiny_state(sc2, members=[1])
    create(sc2, st)
    assert row(st.milestone) == approx([0.4, 0.4, 0.0, 0.4, 0.0])


def test_a_joiner_keeps_what_it_was_promised_as_its_target():
    sc = tiny_scenario()
    _, _, st = make_tiny_state(sc, coupled=[True], expectation=0.05, threshold=0.0)
    commit(st, sc, open_props=[True])
    # uniform profiles: fit 0.5, cost 0.1, alignment 0.7 adds nothing to a uniform mix:
    # promised 0.4, the target each joiner keeps (its prior 0.05 is gone)
    joined = row(st.status)
    assert joined[1] == COMMITTED and row(st.expectation)[1] == approx(0.4)
    assert row(st.expectation)[0] == approx(0.05)  # a key leader did not join: unchanged


def test_capacity_built_raises_what_an_actor_creates():
    # capacity_gain 1, half 2: an actor with 2 of capacity built creates 1.5 times as much
    sc = creation_scenario()
    sc.elements.capacity_gain = 1.0
    built = np.zeros((1, 5, 5), np.float32)
    built[0, 1, 3] = 2.0
    _, _, st = make_tiny_state(sc, members=[1], accumulated=built)
    c = create(sc, st)
    # actors 0, 3: 0.1 per element; actor 1: 0.15 per element
    assert c.created.tolist() == [approx([0.35] * 5)]


def test_staff_are_served_or_wane_and_count_in_their_organisations_judgement():
    sc = tiny_scenario(staff={"per_organisation": 10, "weight": 0.5, "gain": 0.5, "decay": 0.1})
    _, _, st = make_tiny_state(
        sc,
        coupled=[True],
        members=[1, 2],
        expectation=0.2,
        staff=[0.5, 0.5, 0.5, 0.5],
        staff_fed=[0.0, 0.1, 0.4, 0.0],
    )
    small_wins(st, sc, month=1)
    # actor 1: served 0.1 of its 0.2 target: 0.5 + 0.5 (0.5 - 0.5) = 0.5; it counts 0.5 x 0.5
    # x 0.1 = 0.025; actor 2: served fully (0.4 >= 0.2): 0.5 + 0.5 x 0.5 = 0.75, counts 0.5 x
    # 0.75 x 0.4 = 0.15; the leaders' staff were not served: 0.5 - 0.1 x 0.5 = 0.45
    assert row(st.staff) == approx([0.45, 0.5, 0.75, 0.45])
    assert row(st.realised)[1:3] == approx([0.025, 0.15])
    assert row(st.staff_fed) == [0.0] * 4
    # an organisation delivers as far as its staff are engaged: reliance 0.5, staff 0.2
    sc2 = creation_scenario()
    sc2.staff.per_organisation = 10
    _, _, st = make_tiny_state(sc2, members=[1], staff=[1.0, 0.2, 1.0, 1.0])
    c = create(sc2, st)
    # actor 1 delivers 1 - 0.5 x 0.8 = 0.6 of its 0.1 per element
    assert c.created.tolist() == [approx([0.26] * 5)]


def test_the_big_win_is_felt_judged_and_steered():
    sc = tiny_scenario(target={"felt": 0.1, "judgement": 0.2})
    # pace 0.5: behind plan; members weigh outcomes + public 0.4
    _, _, st = make_tiny_state(sc, coupled=[True], members=[1], expectation=0.5, pace=[0.5])
    small_wins(st, sc, month=1)
    # felt: 0.1 x 0.4 x 0.5 x (0.5 - 1) = -0.01 a month, for every member
    assert row(st.realised) == approx([-0.01, -0.01, 0.0, -0.01, 0.0])
    # the leaders' review: behind plan, K x (1 + 0.2 x -0.5) = 0.9 K; ahead (1.5): + 0.1 (1 - K)
    _, _, st = make_tiny_state(sc, coupled=[True], consensus=[0.8], pace=[0.5])
    judgement(st, sc, moment=True)
    assert st.consensus.tolist() == approx([0.72])
    _, _, st = make_tiny_state(sc, coupled=[True], consensus=[0.8], pace=[1.5])
    judgement(st, sc, moment=True)
    assert st.consensus.tolist() == approx([0.82])
    # steering: each use's progress times 1 + steer_gain x e (yield 2, 3 users, e 0.5)
    sc2 = creation_scenario()
    _, _, st = make_tiny_state(sc2, members=[1], effort=[0, 0, 0, 0.5])
    assert create(sc2, st).target.tolist() == approx([3 * 2.0 * 1.5])
