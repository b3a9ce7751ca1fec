"""Scenarios and the Python API: loading, validating, overriding, scaling, simulating."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import commonfuture as cf
from commonfuture.outputs import NAMES
from commonfuture.propositions import MAX_PROPOSITIONS, Offer
from commonfuture.scenario import ScenarioError, apply_overrides, parameter_table, scenario_hash
from commonfuture.scenario.load import (
    is_parameter_path,
    parameter_domain,
    read_toml,
    scaled,
    validate_data,
)
from commonfuture.value import ELEMENTS
from conftest import GENERIC, TINY, merge

# --------------------------------------------------------------------------- loading


def test_load_scenario_reads_the_generic_scenario(generic):
    assert isinstance(generic, cf.Scenario)
    assert generic.name == "generic" and generic.months == 120
    assert generic.population.counts.as_tuple() == (6, 10, 14, 600)
    assert [p.name for p in generic.propositions] == ["capacity workshop", "community programme"]
    # tables left out take their declared defaults
    assert generic.dynamics.commitment_decay == 0.02


def test_every_shipped_scenario_loads_and_builds_its_offer():
    paths = sorted(GENERIC.parent.rglob("*.toml"))
    assert len(paths) >= 4
    for path in paths:
        sc = cf.load_scenario(path)
        assert Offer.from_scenario(sc).n == len(sc.propositions)


def problems_of(data: dict) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        validate_data(data, "s.toml")
    err = info.value
    assert err.source == "s.toml"
    assert str(err).splitlines() == [f"s.toml: {p}" for p in err.problems]
    return err.problems


@pytest.mark.parametrize(
    "extra,expected",
    [
        ({"months": 0}, ["months: Input should be greater than or equal to 1"]),
        ({"leadership": {"alignment": 1.5}}, ["leadership.alignment: Input should be less than"]),
        ({"leadership": {"alignmnet": 0.5}}, ["leadership.alignmnet: unknown key"]),
        ({"network": {"citizen_layer": "lattice"}}, ["network.citizen_layer: Input should be"]),
        (
            {"population": {"floor_low": 0.5, "floor_high": 0.4}},
            ["population: floor_high must be at least floor_low"],
        ),
        (
            {"leadership": {"key_leaders": {"private": 2}}},
            ["leadership.key_leaders.private = 2 exceeds population.counts.private = 1"],
        ),
        (
            {"population": {"counts": {"public": 0, "private": 0, "third": 0, "citizens": 0}}},
            ["leadership.key_leaders.public = 1 exceeds population.counts.public = 0"],
        ),
        (
            {"propositions": [{"name": "a", "value": [1] * 5}, {"name": "a", "value": [1] * 5}]},
            ["propositions: names must be unique"],
        ),
        (
            {"propositions": [{"name": "a", "value": [1] * 4}]},
            ["propositions[0].value: List should have at least 5 items"],
        ),
        (
            {"propositions": [{"name": "a", "value": [1] * 5, "start_month": 5, "end_month": 5}]},
            ["propositions[0]: end_month must be after start_month"],
        ),
        (
            {"propositions": [{"name": "a", "value": [1] * 5, "holding": {"value": [1] * 5}}]},
            ["propositions[0]: a proposition with a holding must have once = true"],
        ),
        ({"events": [{"month": 2, "kind": "leader_withdraws"}]}, ["events[0]: a leader_withdraws"]),
        ({"propositions": []}, ["propositions: List should have at least 1 item"]),
        (
            {"investment": {"steps": [{"month": 12, "factor": 2}, {"month": 6, "factor": 1}]}},
            ["investment: investment.steps: months must rise strictly, got [12, 6]"],
        ),
        (
            {"investment": {"steps": [{"month": 5000, "factor": 2}]}},
            ["investment.steps: month 5000 is after the horizon"],
        ),
        (
            {"investment": {"steps": [3]}},
            ["investment.steps[0]: expected a table of keys (such as { key = value }), got 3"],
        ),
        (
            {"investment": {"steps": [{"month": 6, "factor": -1}]}},
            ["investment.steps[0].factor: Input should be greater than or equal to 0"],
        ),
    ],
)
def test_invalid_scenarios_name_the_field(extra, expected):
    got = problems_of(merge(TINY, extra))
    assert len(got) == len(expected), got
    for line, needle in zip(got, expected, strict=True):
        assert needle in line, (line, needle)


def test_every_problem_is_reported_not_only_the_first():
    data = merge(TINY, {"months": -1, "network": {"openness": 2}, "target": {"amount": 0}})
    del data["name"]
    got = problems_of(data)
    assert [line.split(":")[0] for line in got] == [
        "name",
        "months",
        "network.openness",
        "target.amount",
    ]


def test_more_propositions_than_the_kernel_supports_is_invalid_input():
    props = [{"name": f"p{k}", "value": [0.1] * 5} for k in range(MAX_PROPOSITIONS + 1)]
    got = problems_of(merge(TINY, {"propositions": props}))
    assert got == [
        f"propositions: List should have at most {MAX_PROPOSITIONS} items after "
        f"validation, not {MAX_PROPOSITIONS + 1}"
    ]


def test_read_toml_errors(tmp_path):
    with pytest.raises(ScenarioError, match="file not found"):
        read_toml(tmp_path / "missing.toml")
    with pytest.raises(ScenarioError, match="is a directory"):
        read_toml(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"name = 'x'\nmonths 3\n")
    with pytest.raises(ScenarioError, match=r"TOML syntax error: .*line 2"):
        cf.load_scenario(bad)
    bad.write_bytes(b"name = '\xff'\n")
    with pytest.raises(ScenarioError, match="UTF-8"):
        cf.load_scenario(bad)


# --------------------------------------------------------------------------- overrides


def test_overrides_return_a_new_validated_scenario(generic):
    new = apply_overrides(
        generic,
        [
            "leadership.alignment=0.25",
            "propositions[1].eligible=['citizens']",
            "network.citizen_layer=erdos_renyi",  # a bare word is a string
            "propositions[0].once=true",
        ],
    )
    assert new.leadership.alignment == 0.25 and generic.leadership.alignment == 0.7
    assert new.propositions[1].eligible == ["citizens"]
    assert new.network.citizen_layer == "erdos_renyi"
    assert new.propositions[0].once is True
    assert apply_overrides(generic, {"leadership.alignment": 0.25}).leadership.alignment == 0.25
    assert apply_overrides(generic, None) == generic


def test_bad_overrides_report_every_problem_with_the_source(generic):
    with pytest.raises(ScenarioError) as info:
        apply_overrides(
            generic,
            ["nope=1", "leadership.alignment=2", "months", "propositions[9].cost=1"],
            source="g.toml: --set",
        )
    lines = str(info.value).splitlines()
    assert len(lines) == 4 and all(line.startswith("g.toml: --set: ") for line in lines)
    text = str(info.value)
    for needle in (
        "nope: unknown parameter",
        "propositions[9].cost: unknown parameter",
        "'months': expected path=value",
        "leadership.alignment: Input should be less than or equal to 1",
    ):
        assert needle in text


def test_parameter_paths(generic):
    data = generic.model_dump(mode="json")
    assert is_parameter_path("leadership.alignment")
    assert is_parameter_path("propositions[1].capacity", data)
    assert not is_parameter_path("propositions[2].capacity", data)
    assert not is_parameter_path("leadership")  # a table, not a parameter
    assert not is_parameter_path("leadership.alignment.x")
    assert parameter_domain("leadership.alignment") == (0.0, 1.0)
    assert parameter_domain("months") == (1.0, 1200.0)
    assert parameter_domain("target.amount") == (0.0, None)


def test_parameter_table_covers_every_leaf_with_its_value(generic):
    rows = parameter_table(generic)
    paths = [r.path for r in rows]
    assert len(paths) == len(set(paths))
    data = generic.model_dump(mode="json")
    for r in rows:
        node = data
        for part in r.path.split("."):
            m = re.fullmatch(r"(\w+)(?:\[(\d+)\])?", part)
            node = node[m.group(1)]
            if m.group(2) is not None:
                node = node[int(m.group(2))]
        assert node == r.value, r.path
        assert r.description, r.path
    # every leaf of every table is listed
    assert {"months", "leadership.key_leaders.third", "propositions[1].target_yield"} <= set(paths)
    assert sum(p.startswith("destruction.") for p in paths) == 4


# --------------------------------------------------------------------------- hash and scale


def test_scenario_hash_is_the_identity_of_the_resolved_scenario(generic, tmp_path):
    h = scenario_hash(generic)
    assert re.fullmatch(r"[0-9a-f]{64}", h)
    # the same scenario written differently (key order, defaults spelt out) has the same hash
    same = tmp_path / "same.toml"
    text = GENERIC.read_text().replace(
        "[target]", "[dynamics]\ncommitment_decay = 0.02\n\n[target]"
    )
    same.write_text(text)
    assert scenario_hash(cf.load_scenario(same)) == h
    assert scenario_hash(apply_overrides(generic, {"dynamics.noise": 0.051})) != h


def test_scale_multiplies_populations_and_extensive_quantities(generic):
    big = scaled(generic, 2.5)
    assert big.population.counts.as_tuple() == (15, 25, 35, 1500)
    assert big.leadership.key_leaders == generic.leadership.key_leaders
    assert big.investment.monthly_budget == 2.5 * 8000.0
    assert big.target.amount == 2.5 * 5000.0
    assert big.stages.integration_members == 20  # round(2.5 * 8)
    assert [p.capacity for p in big.propositions] == [50, 500]
    # intensive parameters are untouched
    assert big.leadership.alignment == generic.leadership.alignment
    assert big.stages.linking_share == generic.stages.linking_share
    assert scaled(generic, 1.0) is generic


def test_scaling_down_keeps_the_key_leaders(generic):
    small = scaled(generic, 0.01)
    # 6 * 0.01 rounds to 0, but the public key leader stays; 600 residents become 6
    assert small.population.counts.as_tuple() == (1, 0, 1, 6)
    assert small.stages.integration_members == 1
    with pytest.raises(ScenarioError, match="scale must be positive"):
        scaled(generic, 0.0)


# --------------------------------------------------------------------------- simulate


@pytest.fixture(scope="module")
def result(generic_short):
    return cf.simulate(generic_short, seed=1, replicates=3, chains=True)


def test_simulate_returns_a_tidy_monthly_frame(result, generic_short):
    m = result.monthly
    assert isinstance(m, pd.DataFrame)
    assert len(m) == 3 * 24 and not m.duplicated(["replicate", "month"]).any()
    assert list(m.columns[:2]) == ["replicate", "month"]
    assert set(NAMES) <= set(m.columns)
    assert {f"value_{e}" for e in ELEMENTS} <= set(m.columns)
    assert {"uptake.capacity workshop", "uptake.community programme"} <= set(m.columns)
    assert result.replicates == [0, 1, 2] and result.seed == 1
    assert result.scenario == generic_short


def test_simulate_reports_population_and_network_size(result):
    assert result.n_actors == 6 + 10 + 14 + 200
    assert len(result.ties_per_replicate) == 3 and min(result.ties_per_replicate) > 0
    assert result.n_ties == round(np.mean(result.ties_per_replicate))
    fin = result.final()
    assert len(fin) == 3 and (fin["month"] == 24).all()
    s = result.summary()
    assert s["actors"] == result.n_actors and sum(s["final_stage"].values()) == 3


def test_value_chains_on_request(result, generic_short):
    ch = result.value_chains()
    assert set(ch["event"].cat.categories) == {"commit", "use", "evaluate", "secede"}
    m = result.monthly
    # the chains and the monthly measures tell the same story
    for event, column in (("commit", "joins"), ("secede", "secessions"), ("use", "uses")):
        per_rep = ch[ch["event"] == event].groupby("replicate").size()
        assert per_rep.reindex([0, 1, 2], fill_value=0).tolist() == (
            m.groupby("replicate")[column].sum().tolist()
        ), event
    wins = ch[(ch["event"] == "evaluate") & (ch["outcome"] == "win")]
    assert len(wins) == m["small_wins"].sum()
    uses = ch[ch["event"] == "use"]
    assert set(uses["proposition"]) <= {"capacity workshop", "community programme"}
    assert cf.simulate(generic_short, seed=1).chains is None
    with pytest.raises(ValueError, match="not recorded"):
        cf.simulate(generic_short, seed=1).value_chains()
    some = cf.simulate(generic_short, seed=1, replicates=3, chains=[0, 3]).value_chains()
    assert set(some["actor"]) <= {0, 3}
    pd.testing.assert_frame_equal(
        some.reset_index(drop=True),
        ch[ch["actor"].isin([0, 3])].reset_index(drop=True),
        check_exact=True,
    )


def test_simulate_scale_and_bad_arguments(generic_short):
    r = cf.simulate(generic_short, seed=0, replicates=1, scale=0.5, overrides={"months": 2})
    assert r.n_actors == 3 + 5 + 7 + 100
    with pytest.raises(ValueError):
        cf.simulate(generic_short, replicates=0)
    with pytest.raises(ValueError, match="engine"):
        cf.simulate(generic_short, engine="warp")
    with pytest.raises(ScenarioError):
        cf.simulate(generic_short, overrides={"leadership.alignment": 3})


@pytest.mark.parametrize("kind", ["milestone", "leader_withdraws"])
def test_an_event_at_month_zero_is_rejected_not_silently_ignored(kind):
    # months run 1..horizon, so an event at month 0 would never happen
    event = {"month": 0, "kind": kind, "sector": "third"}
    got = problems_of(merge(TINY, {"events": [event]}))
    assert got == ["events[0].month: Input should be greater than or equal to 1"]


# --------------------------------------------------------------------------- the model description


def test_the_model_description_documents_every_output_and_every_named_assumption():
    root = GENERIC.parents[1]
    odd = (root / "docs" / "ODD.md").read_text()
    for name in NAMES:
        assert f"`{name}`" in odd, name
    assumptions = odd.split("## 8. Assumptions")[1].split("## 9.")[0]
    named = set()
    for path in (root / "src" / "commonfuture").rglob("*.py"):
        named |= set(re.findall(r"\bA-[a-z]+(?:-[a-z]+)*", path.read_text()))
    assert named, "the code names no assumption"
    for a in sorted(named):
        assert f"| {a} |" in assumptions, a


def test_a_horizon_set_anew_keeps_the_targets_plan():
    """``--set months=24`` looks at the first 24 months of the same collaboration: the
    long-term target's plan, made for the scenario's own horizon, stays as it was; set
    ``target.by_month`` with it to plan otherwise."""
    from commonfuture.scenario.load import apply_overrides, shipped

    sc = shipped("generic")
    short = apply_overrides(sc, ["months=24"])
    assert short.target.by_month == sc.months
    assert short.target.plan(24, short.months) == sc.target.plan(24, sc.months) < sc.target.amount
    own = apply_overrides(sc, {"months": 24, "target.by_month": 24})
    assert own.target.plan(24, own.months) == sc.target.amount
    assert apply_overrides(sc, {"leadership.alignment": 0.5}).target.by_month is None
