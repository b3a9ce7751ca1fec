"""Reports render: the HTML exists, figures are embedded, no missing values shown."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from commonfuture import load_scenario, simulate
from commonfuture.cli import app
from commonfuture.patterns import run_pattern, write_patterns
from commonfuture.report import render_report, write_report
from commonfuture.runs import save_run
from commonfuture.scenario.load import scenarios_dir

GENERIC = scenarios_dir() / "generic.toml"


def visible_text(page: str) -> str:
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)


def check_page(page: str, min_figures: int) -> None:
    assert page.startswith("<!doctype html>")
    assert len(re.findall(r"<img src='data:image/png;base64,", page)) >= min_figures
    text = visible_text(page)
    assert not re.search(r"\bnan\b|\bNaN\b|\bNone\b", text)
    assert "http://" not in text and "https://" not in text  # self-contained


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    sc = load_scenario(GENERIC).model_copy(update={"months": 24})
    save_run(simulate(sc, seed=1, replicates=3), out, source=str(GENERIC))
    return out


def test_run_report(run_dir):
    path = write_report(run_dir)
    page = path.read_text()
    check_page(page, 4)
    assert "Stage 1" in page and "Members:" in page


def test_report_of_a_run_with_nobody_joining(tmp_path):
    sc = load_scenario(GENERIC).model_copy(update={"months": 6})
    res = simulate(sc, seed=1, replicates=1, overrides={"leadership.key_leaders.third": 0})
    save_run(res, tmp_path)
    page = render_report(tmp_path)
    check_page(page, 4)
    assert "never coupled" in page


def test_multi_run_report(tmp_path, run_dir):
    sc = load_scenario(GENERIC).model_copy(update={"months": 12})
    for name, seed in (("a", 1), ("b", 2)):
        save_run(simulate(sc, seed=seed, replicates=2), tmp_path / name)
    page = render_report(tmp_path)
    check_page(page, 10)
    # two runs of one scenario: each headed distinctly, and what differs is named
    assert page.count("<h2>Generic (a)</h2>") == 1 and page.count("<h2>Generic (b)</h2>") == 1
    assert "What differs between the runs" in page and "(random seed)" in page


def test_patterns_report(tmp_path):
    write_patterns([run_pattern("stages", seed=0, replicates=3, scale=0.5)], tmp_path)
    page = render_report(tmp_path)
    check_page(page, 1)
    assert "Stage order and disruption" in page


def test_report_cli(run_dir, tmp_path):
    r = CliRunner().invoke(app, ["report", str(run_dir), "--out", str(tmp_path / "r.html")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "r.html").stat().st_size > 50_000
    r = CliRunner().invoke(app, ["report", str(tmp_path / "empty")])
    assert r.exit_code == 2 and "Traceback" not in r.output
    (tmp_path / "empty").mkdir()
    r = CliRunner().invoke(app, ["report", str(tmp_path / "empty")])
    assert r.exit_code == 2 and "not a results folder" in r.output


def test_patterns_json_written_by_hand_with_missing_numbers(tmp_path):
    import json

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    (tmp_path / "figs").mkdir()
    fig.savefig(tmp_path / "figs" / "a.png")
    plt.close(fig)
    entry = {
        "name": "a",
        "title": "Small wins raise commitment",
        "claim": "Members who see small wins stay.",
        "treatment": "wins on",
        "control": "wins off",
        "measure": "members at month 24",
        "effect": 3.5,
        "ci_low": 1.0,
        "ci_high": 6.0,
        "statistic": 2.7,
        "test": "Welch t",
        "p_value": 0.01,
        "reproduced": True,
        "figure": "figs/a.png",
        "note": "",
    }
    other = {**entry, "name": "b", "title": "No effect", "reproduced": False, "figure": ""}
    other.update(effect=float("nan"), ci_low=None, statistic=None, p_value=float("nan"))
    doc = {"title": "Hand-made patterns", "patterns": [entry, other]}
    (tmp_path / "patterns.json").write_text(json.dumps(doc))
    page = render_report(tmp_path)
    check_page(page, 1)
    assert "1 of 2 claims" in page
    assert page.count("class='yes'>yes") == 1 and page.count("class='no'>no") == 1


def test_run_section_assembles_a_page_of_several_runs(run_dir):
    import json

    import pandas as pd

    from commonfuture.report import run_section

    monthly = pd.read_parquet(run_dir / "monthly.parquet")
    meta = json.loads((run_dir / "run.json").read_text())
    one = monthly[monthly["replicate"] == monthly["replicate"].min()]
    html_a = run_section(monthly, meta, "all replicates")
    html_b = run_section(one, meta, "one replicate", level=3)
    assert "<h2>all replicates</h2>" in html_a and "<h3>one replicate</h3>" in html_b
    for part in (html_a, html_b):
        assert part.count("data:image/png;base64,") == 5
        assert not re.search(r"\bnan\b", visible_text(part))
