"""The paper's patterns: each direction as a test at a small size with a fixed seed."""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pytest

from commonfuture.patterns import PATTERNS, run_pattern, write_patterns
from commonfuture.patterns.cases import DIRECTION
from commonfuture.patterns.stats import compare_means, compare_proportions

# (replicates per arm, scale): enough replicates for the direction to be stable at seed 1
SIZES = {
    "stages": (12, 0.5),
    "small-wins": (24, 1.0),
    "multi-win": (12, 0.5),
    "leadership": (12, 0.5),
    "linkage": (12, 0.5),
    "investment": (12, 0.5),
}


# the claims the model reproduces in their claimed direction; linkage, tested fairly (a
# linked return against a fixed one of equal expected value), is not, nor investment on its
# primary measure since external supporters count towards stage 3 (docs/patterns.md)
REPRODUCED = [name for name in PATTERNS if name not in ("linkage", "investment")]
# claims whose primary direction holds but not every condition of the verdict: findings,
# reported in docs/patterns.md (none at present: since the leaders act, leadership holds
# on every condition)
PARTLY: set[str] = set()


@pytest.mark.parametrize("name", REPRODUCED)
def test_pattern_direction(name):
    reps, scale = SIZES[name]
    res = run_pattern(name, seed=1, replicates=reps, scale=scale)
    c = res.primary
    assert c.p_value < 0.05, (name, c)
    assert (c.effect > 0) == (DIRECTION[name] > 0), (name, c)
    if name not in PARTLY:
        assert res.reproduced, (name, res.note)
    assert c.ci_low <= c.effect <= c.ci_high


@cache
def small_wins_result():
    reps, scale = SIZES["small-wins"]
    return run_pattern("small-wins", seed=1, replicates=reps, scale=scale)


def test_small_wins_as_milestones_keep_members():
    """Milestones in each actor's own chain against the model without milestones (every
    element felt at once, nothing held back, cycles on the member's patience): more
    members kept."""
    shipped = small_wins_result().comparisons[0]
    assert shipped.effect > 0 and shipped.p_value < 0.05


@pytest.mark.xfail(
    strict=True,
    reason="a finding: on Active Travel the milestones' effect is carried by the "
    "consolidation a milestone reached brings (docs/patterns.md, 2)",
)
def test_small_wins_keep_members_through_the_outcome_not_its_consolidation():
    """Not by construction: with milestones that add nothing of themselves (no
    consolidation, no louder signal) the effect would keep its sign if it travelled
    through the outcome made tangible at the actor's own moment. It does not (expected
    to fail, strict: the test says when it does)."""
    bare = small_wins_result().comparisons[3]
    assert "consolidate nothing" in bare.measure
    assert bare.effect > 0 and bare.ci_low > 0


def test_multi_win_acts_through_the_diversity_of_actors_values():
    """Not by construction: with every actor valuing every element alike (flat, identical
    profiles: the path the seed names, "each actor draws from an offer what it values",
    removed; all else kept) a portfolio spanning the elements integrates no more actors
    than one concentrated on a single element."""
    from commonfuture.patterns.cases import HOME, load_case

    reps, scale = SIZES["multi-win"]
    home = run_pattern("multi-win", seed=1, replicates=reps, scale=scale)
    sc = load_case(HOME["multi-win"])
    flat = [0.2] * 5
    profiles = sc.population.profiles.model_copy(
        update={s: flat for s in ("public", "private", "third", "citizens")}
    )
    alike = sc.model_copy(
        update={
            "population": sc.population.model_copy(
                update={"profiles": profiles, "profile_concentration": 1e6}
            )
        }
    )
    removed = run_pattern("multi-win", seed=1, replicates=reps, scale=scale, case=alike)
    assert home.primary.effect > 0 and home.primary.p_value < 0.05
    assert abs(removed.primary.effect) <= 0.1 * home.primary.effect, removed.primary


def test_value_lost_to_conflict_comes_only_from_open_tensions():
    """Not by construction: with tensions switched off (no growth), leaving them
    unarbitrated and firefighting lose the same to conflict (nothing), and the four
    named losses scaled by strain (disproportion, backlash, exploitation) vanish too."""
    from commonfuture import simulate
    from commonfuture.scenario.load import shipped

    sc = shipped("generic")

    def run(extra):
        m = simulate(sc, seed=1, replicates=4, scale=0.5, overrides=extra).monthly
        return m["loss_conflict"].sum(), m[
            ["loss_disproportion", "loss_backlash", "loss_exploitation"]
        ].to_numpy().sum()

    open_conflict, _ = run({"leadership.arbitration": 0.0})
    settled_conflict, _ = run({"leadership.policy": "firefight"})
    assert open_conflict > settled_conflict >= 0
    for arm in ({"leadership.arbitration": 0.0}, {"leadership.policy": "firefight"}):
        conflict, strained = run({**arm, "tensions.growth": 0.0})
        assert conflict == 0 and strained == 0, arm


def test_poorly_led_destroys_community_value_and_well_led_creates_it():
    """The leadership claim on its home case: leaving the tensions open destroys net
    community value (below zero) and costs more value at every level; firefighting
    creates net community value."""
    reps, scale = SIZES["leadership"]
    res = run_pattern("leadership", seed=1, replicates=reps, scale=scale)
    community, lost = res.comparisons[0], res.comparisons[1]
    assert community.measure == "net community value"
    assert lost.measure == "value lost, every level"
    assert community.effect < 0 and community.p_value < 0.05, community
    assert community.treatment_mean < 0 < community.control_mean, community
    assert lost.treatment_mean > lost.control_mean, lost


@cache
def linkage_result():
    reps, scale = SIZES["linkage"]
    return run_pattern("linkage", seed=1, replicates=reps, scale=scale)


def test_linkage_against_a_fixed_return_of_equal_value_finds_no_effect_of_the_link():
    """The fair test: residents kept by a return linked to generation against a fixed
    return of the same expected value. The link itself adds nothing in the model, so the
    claim is not reproduced; the return (against none) keeps residents committed."""
    res = linkage_result()
    fair, _, linked_vs_none, _ = res.comparisons
    assert res.treatment == "return linked to generation"
    assert res.control == "fixed return of equal expected value"
    assert fair.ci_low <= 0.0 <= fair.ci_high and fair.p_value > 0.05, fair
    assert not res.reproduced and res.conditions and not res.conditions[0][1]
    assert linked_vs_none.effect > 0 and linked_vs_none.p_value < 0.05
    # the test is not empty: the linked arm's returns did follow generation, so the value
    # created differs from the fixed arm's in payment months, year by year
    m = res.monthly
    paid = m[(m["month"] > 24) & (m["month"] % 12 == 0)]
    by_arm = paid.groupby("arm")["value_created"].sum()
    assert by_arm[res.treatment] != by_arm[res.control]


def test_linkage_acts_through_the_value_of_the_return_not_its_link():
    """Not by construction: remove the causal path (the return independent of generation,
    its expected value and everything else kept): the return against none keeps as many
    residents as the linked one does, so the seed's path carries nothing beyond the value
    paid."""
    fair, _, linked_vs_none, removed = linkage_result().comparisons
    assert "path removed" in removed.measure
    assert removed.effect > 0 and removed.p_value < 0.05
    # the two returns against the same no-return arm differ by the fair comparison's
    # effect, whose interval covers 0: the link carries nothing the test can tell from
    # noise (since small wins became milestones a linked return's size moves when its
    # holders reach the milestone of the first return, so the two are no longer equal run
    # by run, as they were)
    assert linked_vs_none.effect - removed.effect == pytest.approx(fair.effect)
    assert fair.ci_low <= 0.0 <= fair.ci_high


def test_withdrawn_investment_stalls_before_stage_three_and_none_keeps_it():
    """Withdrawn at month 36, Active Travel's mobilisation stalls before stage 3: what the
    budget cannot serve the community does not see (A-served, A-outreach). Earlier, while
    outreach counted every committed resident, most withdrawn runs still reached stage 3
    (docs/patterns.md, 6); the claim can fail."""
    reps, scale = SIZES["investment"]
    res = run_pattern("investment", seed=1, replicates=reps, scale=scale)
    reached, members, kept = res.comparisons
    assert res.reproduced
    assert reached.effect > 0.5 and reached.p_value < 0.05
    assert kept.effect == 1.0 and kept.p_value < 0.05
    assert members.effect > 0 and members.p_value < 0.05


def test_stage_order_holds_in_every_run():
    res = run_pattern("stages", seed=2, replicates=8, scale=0.5)
    jumps = res.monthly.groupby(["arm", "replicate"])["stage"].diff().dropna()
    assert (jumps <= 1).all()
    # no stage 2 without stage 1 in an earlier month
    for _, g in res.monthly.groupby(["arm", "replicate"]):
        s = g["stage"].to_numpy()
        first2 = np.argmax(s >= 2) if (s >= 2).any() else None
        if first2 is not None:
            assert (s[:first2] == 1).any()


def test_write_patterns(tmp_path):
    res = run_pattern("stages", seed=0, replicates=4, scale=0.5)
    path = write_patterns([res], tmp_path)
    doc = json.loads(path.read_text())
    entry = doc["patterns"][0]
    for key in (
        "name",
        "title",
        "claim",
        "treatment",
        "control",
        "measure",
        "effect",
        "ci_low",
        "ci_high",
        "statistic",
        "test",
        "p_value",
        "reproduced",
        "figure",
        "note",
    ):
        assert key in entry
    assert (tmp_path / entry["figure"]).stat().st_size > 10_000


def test_compare_means_detects_a_shift_and_not_noise():
    rng = np.random.default_rng(0)
    a, b = rng.normal(1.0, 1.0, 200), rng.normal(0.0, 1.0, 200)
    c = compare_means("x", a, b)
    assert c.p_value < 1e-6 and c.ci_low < 1.0 < c.ci_high
    same = compare_means("x", rng.normal(0, 1, 200), rng.normal(0, 1, 200))
    assert same.ci_low < 0 < same.ci_high


def test_compare_proportions_interval():
    c = compare_proportions("p", [True] * 18 + [False] * 2, [True] * 4 + [False] * 16)
    assert c.effect == pytest.approx(0.7)
    assert 0.4 < c.ci_low < 0.7 < c.ci_high < 0.9
    assert c.p_value < 1e-3


def test_every_pattern_records_the_conditions_of_its_verdict(tmp_path):
    res = run_pattern("stages", seed=0, replicates=4, scale=0.5)
    assert res.conditions and res.reproduced == all(met for _, met in res.conditions)
    doc = json.loads(write_patterns([res], tmp_path).read_text())
    held = doc["patterns"][0]["conditions"]
    assert [c["condition"] for c in held] == [text for text, _ in res.conditions]


def test_each_arm_has_its_own_interval_around_its_mean():
    c = compare_means("x", np.array([1.0, 2.0, 3.0, 4.0]), np.array([5.0, 5.0, 6.0, 6.0]))
    assert c.treatment_ci[0] < 2.5 < c.treatment_ci[1] and c.control_ci[0] < 5.5 < c.control_ci[1]
    # t interval: 2.5 +- t(0.975, 3) * sd / 2
    assert c.treatment_ci[1] - 2.5 == pytest.approx(3.182446 * np.std([1, 2, 3, 4], ddof=1) / 2)
    p = compare_proportions("y", np.array([1, 1, 0, 0], bool), np.array([1, 1, 1, 1], bool))
    assert p.treatment_ci[0] < 0.5 < p.treatment_ci[1] and p.control_ci[1] == pytest.approx(1.0)


def test_the_figure_of_a_claim_whose_arms_are_all_or_nothing_is_drawn(tmp_path):
    """Shares of 1 and 0 (Wilson's ends meet them only up to rounding) draw without error."""
    import dataclasses

    from commonfuture.patterns.output import figure

    res = run_pattern("stages", seed=0, replicates=4, scale=0.5)
    # with 29 runs per arm Wilson's upper end for a share of 1 rounds to 0.9999999999999999
    extreme = compare_proportions("all or nothing", np.zeros(29, bool), np.ones(29, bool))
    assert extreme.control_ci[1] < extreme.control_mean
    figure(dataclasses.replace(res, comparisons=[extreme]), tmp_path / "f.png")
    assert (tmp_path / "f.png").stat().st_size > 0


def test_the_paradox_arms_spend_the_same_capacity_and_are_paired():
    """The paradox study's one-sided policies spend the whole capacity on their own side
    only, and each arm's difference from the balance is paired replicate by replicate."""
    from commonfuture.leadership.actions import KINDS, N_SLOTS
    from commonfuture.leadership.policies import Observation
    from commonfuture.patterns.paradox import ARMS, compare, long_term, paired, short_term
    from commonfuture.scenario.schema import SECTORS

    obs = Observation(
        month=5, replicate=0, stage=2, coupled=True, consensus=0.6, capacity=32.0,
        money=0.0, groups=tuple(SECTORS), members=dict.fromkeys(SECTORS, 3),
        departures=dict.fromkeys(SECTORS, 0), small_wins=0, shortfalls=0, supporters=0,
        tensions={}, settle_hours={},
    )  # fmt: skip
    for policy, sides in (
        (short_term, ("engage", "wins")),
        (long_term, ("target", "negotiate", "link")),
    ):
        h = policy(obs)
        assert h.shape == (N_SLOTS,) and h.sum() == pytest.approx(32.0)
        assert sum(h[KINDS[k]].sum() for k in sides) == pytest.approx(32.0)
    runs = compare("edinburgh/carbon-literacy", seed=0, replicates=3)
    for arm in ARMS:
        assert sorted(runs.loc[runs["arm"] == arm, "replicate"]) == [0, 1, 2], arm
    d, lo, hi = paired(runs, "short term", "net community")
    by = runs.set_index(["arm", "replicate"])["net community"]
    assert d == pytest.approx((by["short term"] - by["balance"]).mean())
    assert lo <= d <= hi
