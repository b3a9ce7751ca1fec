"""The Mesa-conventional model: Mesa's own batch_run gives the numbers of simulate."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest

import commonfuture as cf
from commonfuture.mesa import Model, resolve_scenario
from commonfuture.scenario.load import scenarios_dir


@pytest.fixture(scope="module")
def short():
    sc = cf.load_scenario(scenarios_dir() / "generic.toml")
    return sc.model_copy(update={"months": 24})


def test_batch_run_matches_simulate(short):
    rows = mesa.batch_run(
        Model,
        {"scenario": [short], "alignment": [0.3, 0.9], "seed": [1, 2]},
        data_collection_period=1,
        display_progress=False,
    )
    got = pd.DataFrame(rows)
    assert len(got) == 4 * short.months
    assert (got["month"] == got["Step"] + 1).all()
    for (alignment, seed), run in got.groupby(["alignment", "seed"]):
        ref = cf.simulate(
            short, seed=seed, replicates=1, overrides={"leadership.alignment": alignment}
        ).monthly
        run = run.sort_values("month")
        for col in ("members", "stage", "value_created", "value_destroyed", "target_progress"):
            np.testing.assert_array_equal(run[col].to_numpy(), ref[col].to_numpy(), err_msg=col)
    # the lever matters: the two alignments differ somewhere
    a, b = (got[got["alignment"] == x]["value_created"].to_numpy() for x in (0.3, 0.9))
    assert not np.array_equal(a, b)


def test_horizon_row_and_replicate(short):
    rows = mesa.batch_run(
        Model,
        {"scenario": [short], "seed": 3, "replicate": [0, 1]},
        display_progress=False,
    )
    ref = cf.simulate(short, seed=3, replicates=2).final().set_index("replicate")
    assert len(rows) == 2
    for row in rows:
        assert row["month"] == short.months
        assert row["members"] == ref.loc[row["replicate"], "members"]


def test_levers_are_keyword_arguments(short):
    m = Model(
        scenario=short, seed=1, alignment=0.2, wins=0.3, overrides={"investment.end_month": 6}
    )
    lead = m.scenario.leadership
    assert (lead.alignment, lead.wins) == (0.2, 0.3)
    assert m.scenario.investment.end_month == 6
    assert m.running and m.steps == 0
    for _ in range(short.months):
        m.step()
    assert not m.running and m.month == short.months == m.steps
    df = m.datacollector.get_model_vars_dataframe()
    assert list(df["month"]) == list(range(1, short.months + 1))
    assert "uptake." + short.propositions[0].name in df.columns


def test_shipped_names_resolve():
    assert resolve_scenario("edinburgh/carbon-literacy").name
    with pytest.raises(cf.ScenarioError):
        resolve_scenario("no-such-case")


def test_solaraviz_drives_it(short):
    import ipyvuetify as v
    import ipywidgets
    import solara
    from mesa.visualization import SolaraViz, make_plot_component

    model = solara.reactive(Model(scenario=short, seed=1))
    page = SolaraViz(
        model,
        components=[make_plot_component("members")],
        model_params={
            "scenario": short,
            "alignment": {"type": "SliderFloat", "value": 0.7, "min": 0, "max": 1, "step": 0.05},
        },
    )
    box, rc = solara.render(page, handle_error=False)
    rc.find(v.Tab, children=["Page 0"]).assert_single()
    rc.find(ipywidgets.Image).assert_single()  # the members plot, drawn from the collector
    model.value.step()
    assert model.value.datacollector.get_model_vars_dataframe()["month"].tolist() == [1]


def test_no_seed_draws_fresh_entropy_and_records_it(short):
    rows = mesa.batch_run(
        Model,
        {"scenario": [short]},
        iterations=2,
        data_collection_period=1,
        display_progress=False,
    )
    got = pd.DataFrame(rows)
    seeds = got.groupby("iteration")["seed"].unique()
    assert all(len(s) == 1 for s in seeds)  # one seed per run, in every row
    first, second = (int(s[0]) for s in seeds)
    assert first != second
    runs = [got[got["iteration"] == i].sort_values("month") for i in (0, 1)]
    assert not np.array_equal(runs[0]["value_created"], runs[1]["value_created"])
    # the recorded seed replays the run exactly
    again = Model(scenario=short, seed=first)
    assert again._seed == first
    again.run_model()
    replay = again.datacollector.get_model_vars_dataframe()
    for col in ("members", "value_created", "stage"):
        np.testing.assert_array_equal(replay[col].to_numpy(), runs[0][col].to_numpy())


def test_fixed_seed_iterations_are_the_same_run(short):
    rows = mesa.batch_run(
        Model,
        {"scenario": [short], "seed": 7},
        iterations=2,
        data_collection_period=1,
        display_progress=False,
    )
    got = pd.DataFrame(rows)
    a, b = (got[got["iteration"] == i].sort_values("month") for i in (0, 1))
    for col in ("members", "value_created", "target_progress"):
        np.testing.assert_array_equal(a[col].to_numpy(), b[col].to_numpy())
    assert (got["seed"] == 7).all()


def test_agents_are_views_of_the_arrays(short):
    m = Model(
        scenario=short, seed=2, agent_reporters={"commitment": "commitment", "status": "status"}
    )
    assert len(m.agents) == m.n_actors
    assert isinstance(m.agents, mesa.agent.AgentSet)
    for _ in range(short.months):
        m.step()
    state = m.run.state
    a = m.agents.select(lambda x: x.actor == 5)[0]
    assert a.commitment == pytest.approx(float(state.commitment[0, 5]))
    assert a.trust == pytest.approx(float(state.trust[0, 5]))
    assert set(a.value) == {"satisfaction", "outcomes", "experience", "capacity", "public"}
    assert a.value_created == pytest.approx(float(state.accumulated[0, 5].sum()), rel=1e-6)
    with pytest.raises(AttributeError):
        a.commitment = 0.5  # read-only: the arrays are the model
    # Mesa's agent tools see the same members as the monthly measures
    committed = m.agents.select(lambda x: x.status == "committed")
    assert len(committed) == m.measures["members"]
    by_sector = committed.groupby("sector").count()
    for sector, n in by_sector.items():
        assert n == m.measures[f"members_{sector}"]
    roles = m.agents.groupby("role").count()
    assert roles["key_leader"] == sum(short.leadership.key_leaders.as_tuple())
    # agent reporters collect every actor every month
    df = m.datacollector.get_agent_vars_dataframe()
    assert len(df) == short.months * m.n_actors
    last = df.xs(short.months, level="Step")
    assert (last["status"] == "committed").sum() == m.measures["members"]
    np.testing.assert_allclose(
        last["commitment"].to_numpy(), state.commitment[0].astype(float), rtol=1e-6
    )


def test_the_docs_solaraviz_example_runs():
    """The SolaraViz example of docs/dashboard.md, as written, renders and steps."""
    import re
    from pathlib import Path

    import ipyvuetify as v
    import solara

    docs = (Path(__file__).resolve().parents[1] / "docs" / "dashboard.md").read_text()
    marker = docs.index("<!-- solaraviz-example")
    code = re.search(r"```python\n(.*?)```", docs[marker:], re.S).group(1)
    space: dict = {}
    exec(compile(code, "docs/dashboard.md", "exec"), space)
    box, rc = solara.render(space["page"], handle_error=False)
    rc.find(v.Tab, children=["Page 0"]).assert_single()
    model = space["model"]
    model.step()
    assert model.datacollector.get_model_vars_dataframe()["month"].tolist() == [1]
    assert len(model.agents) == model.n_actors
