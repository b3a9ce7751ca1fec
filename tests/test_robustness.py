"""The robustness map: PRIM on a planted box, the interval, the design, resuming, backends."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats import qmc

from commonfuture.experiments.store import Store, StoreMismatch
from commonfuture.patterns.assumptions import ASSUMPTIONS, markdown_table
from commonfuture.patterns.robustness import (
    RobustnessMap,
    analyse,
    clopper_pearson,
    prim_boxes,
    run_map,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("seed", [1, 2])
def test_prim_recovers_a_planted_box(seed):
    """y is true exactly in x1 > 0.6 and x3 < 0.35 (5% of labels flipped at random);
    PRIM's first box restricts x1 and x3 near those limits and hardly anything else."""
    rng = np.random.default_rng(seed)
    u = qmc.LatinHypercube(d=6, seed=rng).random(400)
    x = pd.DataFrame(u, columns=[f"x{i}" for i in range(6)])
    truth = ((x["x1"] > 0.6) & (x["x3"] < 0.35)).to_numpy()
    flip = rng.random(len(x)) < 0.05
    y = truth ^ flip
    boxes = prim_boxes(x, y, density=0.7, bounds={c: (0.0, 1.0) for c in x.columns})
    assert boxes
    b = boxes[0]
    assert {"x1", "x3"} <= set(b["limits"])
    assert abs(b["limits"]["x1"][0] - 0.6) < 0.07
    assert b["limits"]["x1"][1] > 0.95
    assert abs(b["limits"]["x3"][1] - 0.35) < 0.07
    assert b["limits"]["x3"][0] < 0.05
    for col, (lo, hi) in b["limits"].items():
        if col not in ("x1", "x3"):  # a spurious restriction keeps most of the range
            assert hi - lo > 0.85, (col, lo, hi)
    # the box holds most of the true region's points, and its points are mostly of interest
    assert b["coverage"] > 0.7 and b["density"] > 0.7
    inside = np.ones(len(x), bool)
    for col, (lo, hi) in b["limits"].items():
        inside &= (x[col] >= lo) & (x[col] <= hi)
    assert abs(inside.mean() - b["mass"]) < 0.01


def test_prim_finds_nothing_in_pure_noise():
    rng = np.random.default_rng(5)
    x = pd.DataFrame(rng.random((300, 5)), columns=list("abcde"))
    y = rng.random(300) < 0.2
    boxes = prim_boxes(x, y, density=0.7, bounds={c: (0.0, 1.0) for c in x.columns})
    # with 20% noise no box of useful size reaches a density of 0.7
    assert all(b["mass"] < 0.1 for b in boxes)


def test_prim_bounds_no_region_when_the_claim_fails_everywhere():
    rng = np.random.default_rng(6)
    x = pd.DataFrame(rng.random((50, 3)), columns=list("abc"))
    assert prim_boxes(x, np.ones(50, bool), bounds={c: (0.0, 1.0) for c in x.columns}) == []


@pytest.mark.parametrize("x,n", [(0, 20), (7, 20), (20, 20), (183, 200)])
def test_clopper_pearson_matches_the_exact_binomial_interval(x, n):
    lo, hi = clopper_pearson(x, n)
    ci = stats.binomtest(x, n).proportion_ci(confidence_level=0.95, method="exact")
    assert lo == pytest.approx(ci.low, abs=1e-9)
    assert hi == pytest.approx(ci.high, abs=1e-9)


def test_design_is_a_latin_hypercube_over_the_declared_ranges():
    m = RobustnessMap("leadership", "generic", points=50, replicates=2, scale=0.1, seed=3)
    for j in range(m.unit.shape[1]):  # one point in each of the 50 strata of every dimension
        strata = np.floor(m.unit[:, j] * 50).astype(int)
        assert sorted(strata) == list(range(50))
    x = m.matrix()
    for a in ASSUMPTIONS:
        lo, hi = m.bounds[a.path]
        assert lo < hi
        assert x[a.path].between(lo - 1e-9, hi + 1e-9).all(), a.path
        if a.relative:
            v = float(eval(f"m.base.{a.path}"))  # noqa: S307 (attribute path)
            assert lo <= v <= hi, a.path  # the case's own value is inside its range
    assert len(ASSUMPTIONS) >= 20
    # every dynamics.* rate of the schema is sampled, except the categorical tangible elements
    from commonfuture.scenario.schema import Dynamics

    sampled = {a.path for a in ASSUMPTIONS}
    for name in Dynamics.model_fields:
        if name != "tangible_elements":
            assert f"dynamics.{name}" in sampled, name


def test_claim_that_cannot_apply_has_no_map():
    with pytest.raises(ValueError, match="does not apply"):
        RobustnessMap("linkage", "generic")


def _outputs(store: Store) -> pd.DataFrame:
    cols = ["point", "effect", "treatment", "control", "holds"]
    return store.runs()[cols].sort_values("point").reset_index(drop=True)


def test_map_resumes_and_does_not_depend_on_the_backend(tmp_path):
    kw = dict(points=6, replicates=2, scale=0.1, seed=4)
    whole = RobustnessMap("leadership", "generic", **kw)
    with Store(tmp_path / "whole") as s:
        counts = run_map(whole, s, backend="inline")
        assert counts["done"] == 6 and counts["failed"] == 0
        ref = _outputs(s)
        a = analyse(whole, s.runs())
    assert a["evaluated"] == 6 and 0 <= a["holds"] <= 6
    assert a["ci_low"] <= a["share_holds"] <= a["ci_high"]
    # interrupted after two points, then resumed: the same results
    part = RobustnessMap("leadership", "generic", **kw)
    with Store(tmp_path / "part") as s:
        c1 = run_map(part, s, backend="inline", stop=lambda: len(s.done_keys()) >= 2)
        assert c1["interrupted"] == 1 and len(s.done_keys()) == 2
        c2 = run_map(part, s, backend="local", workers=2)
        assert c2["done"] == 6
        pd.testing.assert_frame_equal(_outputs(s), ref)
        # the store refuses a map with other settings
        other = RobustnessMap("leadership", "generic", **{**kw, "replicates": 3})
        with pytest.raises(StoreMismatch):
            run_map(other, s, backend="inline")


def test_docs_show_the_declared_ranges():
    table = markdown_table()
    for doc in ("docs/robustness.md", "docs/ODD.md"):
        text = (ROOT / doc).read_text()
        assert table.strip() in text, f"{doc}: the table of ranges differs from assumptions.py"


def test_robustness_command_writes_map_and_report(tmp_path):
    from typer.testing import CliRunner

    from commonfuture.cli import app

    out = tmp_path / "map"
    res = CliRunner().invoke(
        app,
        [
            "robustness",
            "linkage",
            "--case",
            "all",
            "-n",
            "4",
            "-r",
            "2",
            "--scale",
            "0.1",
            "-w",
            "1",
            "-o",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "robustness.json").read_text())
    assert [(m["claim"], m["case"]) for m in doc["maps"]] == [
        ("linkage", "edinburgh/community-solar")
    ]
    assert {s["case"] for s in doc["not_applicable"]} == {
        "edinburgh/active-travel",
        "edinburgh/carbon-literacy",
        "generic",
    }
    assert doc["maps"][0]["evaluated"] == 4
    html = (out / "report.html").read_text()
    assert "robustness" in html and "cannot apply" in html
    assert (out / "linkage" / "community-solar" / "experiment.duckdb").is_file()


@pytest.mark.slow
@pytest.mark.parametrize(
    "claim,case",
    [
        ("stages", "edinburgh/carbon-literacy"),
        ("small-wins", "edinburgh/active-travel"),
        ("multi-win", "edinburgh/active-travel"),
        ("leadership", "edinburgh/active-travel"),
        ("linkage", "edinburgh/community-solar"),
        ("investment", "edinburgh/active-travel"),
    ],
)
def test_full_map_on_the_home_case(claim, case, tmp_path):
    """The goal: each claim holds over at least 90% of the plausible assumption space;
    where it does not, the map names the conditions (a PRIM box) where it fails."""
    m = RobustnessMap(claim, case)  # the command's default size
    with Store(tmp_path) as s:
        run_map(m, s, backend="local", workers=2)
        a = analyse(m, s.runs())
    assert a["evaluated"] == m.points
    assert a["share_holds"] >= 0.9 or a["boxes"], a


def test_a_box_spanning_most_of_the_space_is_not_reported_as_a_condition():
    from commonfuture.patterns.robustness import summary_sentence

    a = {
        "claim": "investment",
        "case": "edinburgh/active-travel",
        "holds": 29,
        "evaluated": 200,
        "share_holds": 0.145,
        "ci_low": 0.1,
        "ci_high": 0.2,
        "share_holds_clearly": 0.04,
        "boxes": [{"words": "withdrawing it no longer matters when x is below 0.7", "mass": 0.95}],
    }
    text = summary_sentence(a)
    assert "narrow nothing down" in text and "x is below" not in text
    a["boxes"][0]["mass"] = 0.3
    assert "x is below 0.7" in summary_sentence(a)
