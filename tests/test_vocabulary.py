"""One vocabulary: every parameter, event kind, measure and stage has a plain label, and the
dashboard, the reports, the guide and the command line use the same words."""

from __future__ import annotations

import csv
import io
import json
import re
import types
import typing

import pydantic
import pytest
from typer.testing import CliRunner

import commonfuture as cf
from commonfuture import vocabulary
from commonfuture.cli import app as cli_app
from commonfuture.outputs import NAMES
from commonfuture.scenario import parameter_table
from commonfuture.scenario.load import scenarios_dir
from commonfuture.scenario.schema import Event, Scenario


def schema_paths(model: type[pydantic.BaseModel], prefix: str = "") -> set[str]:
    """Every leaf path of the schema, lists of tables as ``name[]`` (whether or not a
    shipped scenario fills them)."""
    out: set[str] = set()
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        inner = field.annotation
        if typing.get_origin(inner) in (typing.Union, types.UnionType):  # X | None
            inner = next(a for a in typing.get_args(inner) if a is not type(None))
        if typing.get_origin(inner) is list:
            item = typing.get_args(inner)[0]
            if isinstance(item, type) and issubclass(item, pydantic.BaseModel):
                out.add(path)
                out |= schema_paths(item, f"{path}[].")
                continue
        if isinstance(inner, type) and issubclass(inner, pydantic.BaseModel):
            out.add(path)  # an optional table is a parameter of its own
            out |= schema_paths(inner, f"{path}.")
            continue
        out.add(path)
    return out


def test_every_parameter_has_a_plain_label():
    shipped = {
        re.sub(r"\[\d+\]", "[]", r.path)
        for p in scenarios_dir().rglob("*.toml")
        for r in parameter_table(cf.load_scenario(p))
    }
    # tables that always hold leaves (population, network, ...) are not parameters
    tables = {
        p for p in schema_paths(Scenario) if any(q.startswith((p + ".", p + "[]")) for q in shipped)
    }
    wanted = (schema_paths(Scenario) - tables) | shipped
    missing = sorted(p for p in wanted if p not in vocabulary.PARAMETERS)
    assert not missing, f"parameters without a plain label in vocabulary.PARAMETERS: {missing}"
    for path in wanted:
        label = vocabulary.PARAMETERS[path]
        assert label and "_" not in label, (path, label)
        assert vocabulary.section_label(path), path


def test_every_measure_has_a_plain_label():
    missing = sorted(n for n in NAMES if n not in vocabulary.MEASURES)
    assert not missing, f"measures without a plain label in vocabulary.MEASURES: {missing}"
    for n in NAMES:
        assert "_" not in vocabulary.measure_label(n), n
    assert vocabulary.measure_label("uptake.bike loans") == "uses of bike loans"


def test_every_event_kind_has_a_plain_label():
    kinds = typing.get_args(Event.model_fields["kind"].annotation)
    assert kinds and set(kinds) <= set(vocabulary.EVENT_KINDS)
    assert "funding_stops" in vocabulary.EVENT_KINDS  # the dashboard's own event
    for text in vocabulary.EVENT_KINDS.values():
        assert "_" not in text
    assert vocabulary.event_text("leader_withdraws", "public") == (
        "a key leader withdraws (public sector)"
    )


def test_stages_are_the_papers_words():
    assert [vocabulary.STAGE_WORDS[k] for k in range(4)] == [
        "no coupling",
        "coupling",
        "integration",
        "linking",
    ]
    for k in range(1, 4):
        assert vocabulary.STAGE_WORDS[k] in vocabulary.STAGES[k]
    assert vocabulary.stage_text(2) == "stage 2, integration"


def test_levers_are_one_list_for_dashboard_guide_and_mesa():
    from commonfuture.dashboard import logic
    from commonfuture.mesa import LEVERS as MESA_LEVERS
    from commonfuture.report.guide import LEVERS as GUIDE_LEVERS
    from commonfuture.report.guide import markdown

    assert logic.LEVERS == vocabulary.LEVER_PATHS
    assert [name for name, _ in GUIDE_LEVERS] == [
        f"{lv.label} ({lv.path})" for lv in vocabulary.LEVERS
    ]
    assert set(MESA_LEVERS.values()) <= set(vocabulary.LEVER_PATHS)
    guide = markdown()
    for lv in vocabulary.LEVERS:
        assert lv.label in guide and lv.path in guide
    for k, words in vocabulary.STAGES.items():
        assert f"Stage {k}, {words}" in guide


def test_value_lost_and_net_destroyed_are_named_apart():
    from commonfuture.dashboard import charts, logic
    from commonfuture.outputs import TERMS

    assert "value lost" in TERMS and "net value destroyed" in TERMS
    assert vocabulary.measure_label("value_destroyed") == vocabulary.NET_DESTROYED
    for k in ("ignorance", "backlash"):
        assert "gross" in vocabulary.measure_label(f"loss_{k}")
    titles = [p.title for p in charts.panels()]
    assert any(t.startswith("Value lost") and "gross" in t for t in titles)
    assert any(t.startswith("Net value destroyed") for t in titles)
    labels = [label for label, _, _ in logic.HORIZON_MEASURES]
    assert any(label.startswith("value lost (gross") for label in labels)
    assert any(label.startswith("net value destroyed") for label in labels)
    assert not any(label.startswith("value destroyed") for label in labels)


# --------------------------------------------------------------------------- the CLI

runner = CliRunner()


def _params(*args: str, columns: int = 80):
    return runner.invoke(
        cli_app,
        ["params", str(scenarios_dir() / "edinburgh" / "community-solar.toml"), *args],
        env={"COLUMNS": str(columns), "NO_COLOR": "1", "TERM": "dumb"},
    )


def test_params_never_breaks_a_name_in_80_columns():
    res = _params()
    assert res.exit_code == 0, res.output
    sc = cf.load_scenario(scenarios_dir() / "edinburgh" / "community-solar.toml")
    lines = res.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    for r in parameter_table(sc):
        assert any(r.path in line for line in lines), f"{r.path} is broken or missing"
    for word in ("leadership.consensus_threshold", "leadership.wins"):
        assert any(word in line for line in lines)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_params_formats_for_scripts(fmt):
    res = _params("--format", fmt, "--section", "leadership")
    assert res.exit_code == 0, res.output
    if fmt == "json":
        rows = json.loads(res.output)
    else:
        rows = list(csv.DictReader(io.StringIO(res.output)))
    paths = [r["path"] for r in rows]
    assert "leadership.alignment" in paths and all(p.startswith("leadership.") for p in paths)
    row = rows[paths.index("leadership.alignment")]
    assert row["label"] == vocabulary.PARAMETERS["leadership.alignment"]
    bad = _params("--format", "xml")
    assert bad.exit_code == 2 and "--format" in bad.output
