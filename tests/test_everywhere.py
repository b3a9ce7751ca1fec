"""Every claim on every case: which claim applies where, directions beyond the home case."""

from __future__ import annotations

import json

import pytest

from commonfuture.patterns import PATTERNS, run_pattern
from commonfuture.patterns.cases import CASES, DIRECTION, HOME, case_scenario, why_not
from commonfuture.patterns.claims import significant


def test_every_claim_applies_on_its_home_case_and_says_why_not_elsewhere():
    assert set(HOME) == set(PATTERNS) == set(DIRECTION)
    for claim in PATTERNS:
        assert why_not(claim, HOME[claim]) is None, claim
        for case in CASES:
            reason = why_not(claim, case)
            assert reason is None or len(reason) > 20, (claim, case)
    # the only case that links its target to a financial return
    assert [c for c in CASES if why_not("linkage", c) is None] == ["edinburgh/community-solar"]
    # a share with a contractual return is not a portfolio of services to diversify
    assert why_not("multi-win", "edinburgh/community-solar") is not None
    # leadership and small wins apply to every case
    assert all(why_not("leadership", c) is None for c in CASES)
    assert all(why_not("small-wins", c) is None for c in CASES)


def test_stages_treatment_on_a_case_without_a_withdrawal():
    sc, label = case_scenario("stages", "generic")
    assert label == "generic"
    (event,) = [e for e in sc.events if e.kind == "leader_withdraws"]
    assert event.month == 18 and event.sector == "third"
    home, _ = case_scenario("stages", "edinburgh/carbon-literacy")
    assert [e.month for e in home.events] == [18]  # the shipped event, not a second one
    with pytest.raises(ValueError, match="does not apply"):
        case_scenario("linkage", "generic")


# claims that hold beyond their home case in the shipped parameterisation (docs/patterns.md):
# (claim, case, replicates per arm, scale)
BEYOND_HOME = [
    ("leadership", "edinburgh/carbon-literacy", 8, 0.5),
    ("leadership", "edinburgh/community-solar", 8, 0.25),
    ("leadership", "generic", 8, 0.5),
    ("stages", "edinburgh/active-travel", 8, 0.25),
    ("stages", "generic", 8, 0.5),
    ("multi-win", "generic", 10, 0.5),
]


@pytest.mark.parametrize("claim,case,reps,scale", BEYOND_HOME)
def test_claim_direction_beyond_its_home_case(claim, case, reps, scale):
    res = run_pattern(claim, seed=1, replicates=reps, scale=scale, case=case)
    assert res.case == case
    assert significant(res.primary, DIRECTION[claim]), (claim, case, res.primary)


def test_experiment_on_every_case_writes_one_folder_per_case(tmp_path):
    from typer.testing import CliRunner

    from commonfuture.cli import app

    out = tmp_path / "everywhere"
    args = ["experiment", "linkage", "--case", "all", "-r", "2", "--scale", "0.1", "-o", str(out)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "patterns.json").read_text())
    assert [e["case"] for e in doc["patterns"]] == ["edinburgh/community-solar"]
    assert len(doc["not_applicable"]) == 3
    assert (out / "community-solar" / "patterns.json").is_file()
    assert (out / "community-solar" / "report.html").is_file()
    assert "cannot apply" in (out / "report.html").read_text()
    table = (out / "everywhere.md").read_text()
    assert table.count("does not apply") == 3
