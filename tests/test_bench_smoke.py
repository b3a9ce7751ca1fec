"""Smoke test of ``benchmarks/run.py``: its measuring functions run on tiny sizes and
produce well-formed figures. No timing is asserted (speed lives in ``make bench``)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_measures_are_well_formed(bench, tmp_path, capsys):
    rate = bench.monthly_rate(1_260, 3)
    assert rate["n"] == 1_260 and rate["months"] == 3
    assert rate["actor_months_per_s"] > 0 and rate["seconds_per_month"] > 0
    assert rate["actor_months_per_s"] == pytest.approx(rate["n"] / rate["seconds_per_month"])

    mem = bench.memory(2_520, 2)
    assert mem["n"] == 2_520 and mem["ties"] > mem["n"]
    assert mem["peak_bytes"] > mem["baseline_bytes"]
    assert mem["ratio_to_budget"] == pytest.approx(
        mem["beyond_baseline_bytes"] / (300 * mem["n"] + 16 * mem["ties"])
    )

    ens = bench.ensemble(3, 2)
    assert ens["replicates"] == 3 and ens["months"] == 2
    assert ens["actor_months_per_s"] == pytest.approx(ens["n"] * 3 * 2 / ens["seconds"])

    bench.plot([rate, {**rate, "n": 2 * rate["n"]}], tmp_path / "scaling.png")
    assert (tmp_path / "scaling.png").stat().st_size > 0

    results = {
        "date": "today",
        "quick": True,
        "scaling": [rate],
        "mesa": {"n": 1_260, "skipped": "not measured here"},
        "memory": mem,
        "ensemble": ens,
        "experiments": {"skipped": "not measured here"},
    }
    json.dumps(results)  # the results are plain JSON
    bench.report(results)
    out = capsys.readouterr().out
    assert ">= 10 M/s" in out and "300 B/actor" in out and "not measured" in out

    # the Mesa comparison as the full run reports it: a median of rounds, and other horizons
    pair = {"months": 3, "fast": rate, "mesa": rate, "ratio": 1.0, "ratios": [1.0, 1.0, 1.0]}
    whole = {"seconds": 1.0}
    calls = {"months": 3, "fast": whole, "mesa": whole, "ratio": 1.0, "ratios": [1.0] * 3}
    results["mesa"] = {
        "n": 1_260,
        "ratio": 1.0,
        "over_24_months": pair,
        "months_1_4": pair,
        "call_to_result": calls,
    }
    bench.report(results)
    out = capsys.readouterr().out
    assert "median of 3" in out and "months 1-3" in out and ">= 200x" in out
    assert "call to result" in out


def test_call_to_result_yardstick_and_nation_are_well_formed(bench):
    c = bench.call_to_result(1_260, 2, threads=1)
    assert c["n"] == 1_260 and c["threads"] == 1 and c["seconds"] > 0
    y = bench.yardstick(2_000, 5_000, 3)
    assert y["months"] == 3 and y["ties"] > 0 and y["seconds"] >= y["months_s"]
    na = bench.nation(1_260, 2)
    assert na["n"] == 1_260 and na["months"] == 2 and na["ratio_to_budget"] > 0
    assert na["estimate_bytes"] > 0


def test_the_training_benchmark_is_well_formed(capsys):
    """``benchmarks/training.py`` on a short game and a tiny search: every figure is
    there and printed beside its target (no timing is asserted)."""
    spec = importlib.util.spec_from_file_location(
        "bench_training", ROOT / "benchmarks" / "training.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    q = mod.quarters("edinburgh/carbon-literacy", months=9)
    assert q["months"] == 9 and q["quarters"] == 3 and q["actors"] > 0
    assert 0 < q["quarter_median_s"] <= q["quarter_max_s"]
    assert q["quarter_over_target"] == pytest.approx(
        q["quarter_max_s"] / mod.TARGET_QUARTER_S, abs=1e-3
    )
    s = {"case": "generic", "budget": dict(mod.BUDGET), "evaluations": 288, "seconds": 1.0}
    s["over_target"] = s["seconds"] / mod.TARGET_SEARCH_S
    mod.report({"machine": "here", "quarters": [q], "search": s})
    out = capsys.readouterr().out
    assert "edinburgh/carbon-literacy" in out and "0.5" in out and "300 s" in out
    assert "meets" in out or "MISSES" in out
