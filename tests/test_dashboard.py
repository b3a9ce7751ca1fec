"""The dashboard without a browser: its logic, and every panel rendered with solara.render."""

from __future__ import annotations

import re
import time

import ipyvuetify as v
import ipywidgets
import numpy as np
import pytest
import solara

import commonfuture as cf
from commonfuture.dashboard import app, charts, logic
from commonfuture.scenario.load import scenarios_dir
from commonfuture.simulation import Run


@pytest.fixture(scope="module")
def generic():
    return cf.load_scenario(scenarios_dir() / "generic.toml").model_copy(update={"months": 24})


def charts_drawn(rc) -> list[dict]:
    """The Vega-Lite specifications on the page."""
    from commonfuture.dashboard.widgets import _Vega

    return [w.spec for w in rc.find(_Vega).widgets]


def _walk(w, seen=None):
    """Every widget under ``w`` (Solara's ``find`` stops at a match: a Div holding text)."""
    seen = set() if seen is None else seen
    if id(w) in seen:
        return
    seen.add(id(w))
    yield w
    for c in getattr(w, "children", None) or []:
        if isinstance(c, ipywidgets.Widget):
            yield from _walk(c, seen)


def texts(rc) -> str:
    out = []
    for w in _walk(rc.find(ipywidgets.Widget).widgets[0]):
        if isinstance(w, solara.widgets.HTML):
            out.append(str(w.unsafe_innerHTML or ""))
        elif isinstance(w, v.Html | v.Alert):
            out += [c for c in w.children if isinstance(c, str)]
        elif isinstance(w, ipywidgets.HTML):
            out.append(w.value)
    return "\n".join(out)


def markdown(rc) -> str:
    """The HTML of every text block rendered."""
    out = [str(w.unsafe_innerHTML or "") for w in rc.find(solara.widgets.HTML).widgets]

    def walk(w):
        t = getattr(w, "template", None)
        t = getattr(t, "template", t)
        if isinstance(t, str):
            out.append(t)
        for c in getattr(w, "children", None) or []:
            if isinstance(c, ipywidgets.Widget):
                walk(c)

    walk(rc.find(ipywidgets.Widget).widgets[0])
    return "\n".join(out)


def run_done(sc, seed=1, replicates=4) -> logic.Snapshot:
    return logic.Job(sc, seed, replicates).start().wait()


# --------------------------------------------------------------------------- logic


def test_cases_are_the_shipped_files():
    found = logic.cases()
    assert "generic" in found and "edinburgh/active-travel" in found
    assert all(p.suffix == ".toml" for p in found.values())


def test_upload_messages_are_those_of_validate(tmp_path):
    bad = b'name = "x"\nmonths = 0\n[[propositions]]\nname = "p"\nvalue = [1, 0, 0, 0, 0]\n'
    with pytest.raises(cf.ScenarioError) as upload:
        logic.parse_scenario(bad, "bad.toml")
    path = tmp_path / "bad.toml"
    path.write_bytes(bad)
    with pytest.raises(cf.ScenarioError) as validate:
        cf.load_scenario(path)
    assert upload.value.problems == validate.value.problems
    assert any(p.startswith("months:") for p in upload.value.problems)
    with pytest.raises(cf.ScenarioError, match="TOML syntax error"):
        logic.parse_scenario(b"name = [", "broken.toml")
    with pytest.raises(cf.ScenarioError, match="not a UTF-8"):
        logic.parse_scenario(b"\xff\xfe", "binary.toml")


def test_oversized_upload_rejected():
    big = b"# padding\n" * (logic.MAX_UPLOAD // 10 + 1)
    with pytest.raises(cf.ScenarioError, match="too large"):
        logic.parse_scenario(big, "big.toml")


def test_controls_levers_first_with_units_and_bounds(generic):
    rows = logic.controls(generic)
    n = len(logic.LEVERS)
    assert [c.path for c in rows[:n]] == list(logic.LEVERS)
    assert all(c.group == "levers" and c.slider for c in rows[:n])
    align = rows[0]
    assert (align.lower, align.upper, align.value) == (0.0, 1.0, generic.leadership.alignment)
    assert "align" in align.description and "(0..1)" in align.description
    paths = {c.path for c in rows}
    assert "population.join_rate" in paths and "network.citizen_layer" in paths
    assert not any(p.startswith("events") or p.endswith(".name") for p in paths)


def test_build_applies_values_events_and_funding(generic):
    sc = logic.build(
        generic,
        {"leadership.alignment": 0.2},
        [{"month": 5, "kind": "leader_withdraws", "sector": "public"}],
        funding_end=12,
    )
    assert sc.leadership.alignment == 0.2 and sc.investment.end_month == 12
    assert [(e.month, e.kind) for e in sc.events] == [(5, "leader_withdraws")]
    with pytest.raises(cf.ScenarioError, match="alignment"):
        logic.build(generic, {"leadership.alignment": 2.0})
    diffs = dict((p, (a, b)) for p, a, b in logic.changed(generic, sc))
    assert diffs["leadership.alignment"] == (generic.leadership.alignment, 0.2)
    assert "events" in diffs and "investment.end_month" in diffs


def test_job_gives_the_numbers_of_simulate(generic):
    seen = []
    job = logic.Job(generic, 2, 3, on_update=lambda s: seen.append(s.month), first=3)
    snap = job.start().wait()
    assert snap.status == "done" and snap.month == generic.months
    ref = cf.simulate(generic, seed=2, replicates=3).monthly
    got = snap.monthly()
    np.testing.assert_array_equal(got["members"].to_numpy(), ref["members"].to_numpy())
    assert seen and seen[-1] == generic.months and seen == sorted(seen)


def test_job_runs_in_a_thread_and_cancels():
    sc = cf.load_scenario(scenarios_dir() / "edinburgh/community-solar.toml")
    job = logic.Job(sc, 1, 30)
    t0 = time.perf_counter()
    job.start()
    assert time.perf_counter() - t0 < 0.1  # start returns at once: the caller is never blocked
    job.cancel()
    snap = job.wait(30)
    assert snap.status == "cancelled" and snap.month < sc.months


def test_compare_pairs_replicates_and_interval(generic):
    a = run_done(generic)
    b = run_done(logic.build(generic, {"leadership.alignment": 0.1}))
    rows = {r.measure: r for r in logic.compare(a, b)}
    m = rows["value_created"]
    da = a.arrays["value_created"].sum(axis=0)
    db = b.arrays["value_created"].sum(axis=0)
    assert m.diff == pytest.approx((db - da).mean())
    assert m.low <= m.diff <= m.high
    assert m.diff < 0  # realising less of what is offered creates less value
    same = {r.measure: r for r in logic.compare(a, run_done(generic))}
    assert all(r.diff == 0 and r.low == r.high == 0 for r in same.values())
    with pytest.raises(ValueError):
        logic.compare(a, run_done(generic, seed=9))


def test_toml_export_round_trips(generic, tmp_path):
    sc = logic.build(
        generic,
        {"leadership.visibility": 0.9},
        [{"month": 3, "kind": "milestone", "note": "first panels"}],
    )
    path = tmp_path / "out.toml"
    path.write_text(logic.to_toml(sc))
    assert cf.load_scenario(path) == sc


def test_results_and_report_exports(generic):
    snap = run_done(generic)
    import io

    import pandas as pd

    df = pd.read_parquet(io.BytesIO(logic.to_parquet(snap)))
    assert len(df) == 4 * generic.months and "members" in df
    assert logic.to_csv(snap).decode().startswith("replicate,month,")
    page = logic.to_report(snap).decode()
    assert page.startswith("<!") and generic.name in page and "<img" in page


def test_actor_chain_is_the_batch_actor(generic):
    sc = cf.simulate(generic, seed=1, replicates=[2], chains=True).value_chains()
    actor = int(sc.loc[sc["event"] == "commit", "actor"].iloc[0])
    mine = logic.actor_chain(generic, 1, 2, actor)
    want = sc[sc["actor"] == actor].reset_index(drop=True)
    assert len(mine) == len(want) > 0
    np.testing.assert_array_equal(mine["month"], want["month"])
    s = logic.chain_summary(mine)
    assert s["joined"] and s["uses"] == int((want["event"] == "use").sum())


def test_follow_actor_reads_the_batch_state_month_by_month(generic):
    """The replayed actor's commitment, trust and status are the batch's, month by month
    (replicate 2 stepped alone and in a batch of four), and agree with its value chain."""
    # an actor of replicate 2 that commits, and later secedes if any does
    chains = cf.simulate(generic, seed=1, replicates=[2], chains=True).value_chains()
    ev_all = chains["event"].astype(str)
    joined_ids = set(chains.loc[ev_all == "commit", "actor"])
    left_ids = set(chains.loc[ev_all == "secede", "actor"])
    actor = int(min((joined_ids & left_ids) or joined_ids))
    chain, states = logic.follow_actor(generic, 1, 2, actor)
    assert list(states.columns) == ["month", "status", "commitment", "trust"]
    assert states["month"].tolist() == list(range(generic.months + 1))
    batch = Run(generic, seed=1, replicates=[0, 1, 2, 3])
    want = [(batch.state.commitment[2, actor], batch.state.trust[2, actor])]
    while not batch.done:
        batch.step()
        want.append((batch.state.commitment[2, actor], batch.state.trust[2, actor]))
    want = np.array(want, dtype=float)
    np.testing.assert_array_equal(states["commitment"], want[:, 0])
    np.testing.assert_array_equal(states["trust"], want[:, 1])
    assert states["commitment"].nunique() > 1 and states["trust"].nunique() > 1
    # the status follows the value chain: outside, committed from the month it commits,
    # seceded from the month it secedes
    ev = chain["event"].astype(str)
    (joined,) = chain.loc[ev == "commit", "month"]
    never = generic.months + 1
    left = chain.loc[ev == "secede", "month"].min() if (ev == "secede").any() else never
    month = states["month"]
    want_status = np.where(month < joined, "outside", "committed")
    want_status = np.where(month >= left, "seceded", want_status)
    assert states["status"].tolist() == want_status.tolist()
    assert logic.actor_chain(generic, 1, 2, actor).equals(chain)


# --------------------------------------------------------------------------- panels


def test_case_picker_shows_validation_messages():
    got = []
    box, rc = solara.render(
        app.CasePicker("generic", lambda sc, name, uploaded: got.append(name)),
        handle_error=False,
    )
    drop = rc.find(v.Select).widget
    assert "edinburgh/community-solar" in drop.items
    drop.v_model = "edinburgh/community-solar"
    assert got == ["edinburgh/community-solar"]
    from commonfuture.dashboard.widgets import _ScenarioDrop

    assert rc.find(_ScenarioDrop).widgets  # a drop zone with a file input in it
    box, rc = solara.render(app.Problems(["broken.toml: TOML syntax error: x"]), handle_error=False)
    assert "broken.toml: TOML syntax error" in texts(rc)


def test_upload_handler():
    import io

    def info(name, data, size=None):
        return {
            "name": name,
            "size": len(data) if size is None else size,
            "file_obj": io.BytesIO(data),
            "data": None,
        }

    sc, problems = app.read_upload(info("broken.toml", b"name = ["))
    assert sc is None and problems[0].startswith("broken.toml: TOML syntax error")
    sc, problems = app.read_upload(info("huge.toml", b"", size=logic.MAX_UPLOAD + 1))
    assert sc is None and "too large" in problems[0]
    ok = (scenarios_dir() / "generic.toml").read_bytes()
    sc, problems = app.read_upload(info("generic.toml", ok))
    assert problems == [] and sc.name == "generic"


def test_lever_controls_from_the_schema(generic):
    changes = []
    box, rc = solara.render(
        app.LeverControls(generic, {}, lambda p, x: changes.append((p, x))), handle_error=False
    )
    from commonfuture.vocabulary import LEVERS

    sliders = rc.find(v.Slider).widgets
    assert [s.label.split(":")[0] for s in sliders[: len(LEVERS)]] == [lv.label for lv in LEVERS]
    sliders[0].v_model = 0.25
    assert changes == [("leadership.alignment", 0.25)]
    # the rest is folded, under plain names, and drawn only when opened
    folds = [w for w in rc.find(v.Btn).widgets if "settings)" in str(w.children)]
    headers = " ".join(str(w.children) for w in folds)
    assert "How commitment and trust change" in headers and "dynamics" not in headers
    before = len(rc.find(v.Slider).widgets)
    next(w for w in folds if "Who takes part" in str(w.children)).click()
    assert len(rc.find(v.Slider).widgets) > before
    tips = [t for t in rc.find(v.Tooltip).widgets]
    assert any(
        "leadership.alignment" in str(t.v_slots) or "alignment" in str(t.children) for t in tips
    )


def test_charts_panel(generic):
    box, rc = solara.render(app.Charts(None), handle_error=False)
    assert "Press Run" in texts(rc)
    box, rc = solara.render(app.Charts(run_done(generic)), handle_error=False)
    specs = charts_drawn(rc)
    assert len(specs) == 1 + len(charts.panels())
    stage = specs[0]
    order = [row["stage"] for row in stage["datasets"]["long"]]
    for words in ("no coupling", "coupling", "integration", "linking"):
        assert any(words in o for o in order), words
    assert all(s["datasets"]["wide"] for s in specs)  # the values shown on hover


def test_run_bar(generic):
    calls = []
    snap = logic.Snapshot(generic, 1, [0], status="running")
    box, rc = solara.render(
        app.RunBar(
            snap,
            1,
            30,
            calls.append,
            calls.append,
            lambda: calls.append("run"),
            lambda: calls.append("cancel"),
            True,
            calls.append,
        ),
        handle_error=False,
    )
    assert rc.find(v.Btn, children=["Run"]).widget.disabled
    rc.find(v.Btn, children=["Cancel"]).widget.click()
    assert calls == ["cancel"]
    assert "running: month 0 of 24" in texts(rc)
    done = run_done(generic)
    assert "of runs at stage" in app.status_text(done)
    assert any(w in app.status_text(done) for w in ("coupling", "integration", "linking"))


def test_compare_panel_names_levers_and_difference(generic):
    a = run_done(generic)
    b = run_done(logic.build(generic, {"leadership.alignment": 0.1}))
    box, rc = solara.render(app.ComparePanel(a, b), handle_error=False)
    page = markdown(rc)
    assert "Time spent engaging partners (leadership.alignment)" in page and "0.1" in page
    assert "B - A [95% interval]" in page
    assert "value lost (gross" in page and "net value destroyed" in page
    assert "% of the target" in page
    assert charts_drawn(rc)
    box, rc = solara.render(app.ComparePanel(None, b), handle_error=False)
    assert "No run kept as A" in texts(rc)


def test_events_panel_adds_on_the_timeline():
    got, funding = [], []
    box, rc = solara.render(
        app.EventsPanel(48, [], None, got.append, funding.append), handle_error=False
    )
    rc.find(v.Slider).widget.v_model = 20
    rc.find(v.Btn, children=["Add event"]).widget.click()
    assert got == [
        [
            {
                "month": 20,
                "kind": "leader_withdraws",
                "note": "added in the dashboard",
                "sector": "public",
            }
        ]
    ]
    rc.find(v.Select).widgets[0].v_model = "funding stops"
    rc.find(v.Btn, children=["Add event"]).widget.click()
    assert funding == [20]


def test_actor_chart_draws_commitment_and_trust(generic):
    chain, states = logic.follow_actor(generic, 1, 2, 46)  # a resident who commits
    spec = charts.actor_chart(chain, generic.months, states)
    wide = spec["datasets"]["wide"]
    np.testing.assert_allclose([r["trust"] for r in wide], states["trust"], atol=1e-4)
    assert spec["datasets"]["committed"]  # the months it was committed, shaded
    assert {m["what"] for m in spec["datasets"]["marks"]} >= {"joined (committed)"}


def test_actor_panel(generic):
    snap = run_done(generic, replicates=2)
    box, rc = solara.render(app.ActorPanel(snap), handle_error=False)
    page = markdown(rc)
    assert "Actor 0, run 0" in page and "a key leader in the public sector" in page
    assert "small win" in page and "with commitment" in page and "and trust" in page
    assert "month never" not in page and "1 shortfalls" not in page
    assert charts_drawn(rc)
    labels = [str(w.children) for w in rc.find(v.Btn).widgets]
    assert any("Commitment and trust month by month" in label for label in labels)
    box, rc = solara.render(app.ActorPanel(None), handle_error=False)
    assert "Run the model first" in texts(rc)


def test_export_panel(generic):
    box, rc = solara.render(app.ExportPanel(run_done(generic), generic), handle_error=False)
    labels = [str(w.children) for w in rc.find(v.Btn).widgets]
    for want in ("TOML", "Parquet", "CSV", "HTML"):
        assert any(want in label for label in labels), want


def test_page_runs_without_blocking(monkeypatch):
    monkeypatch.setenv(app.SCENARIO_ENV, str(scenarios_dir() / "generic.toml"))
    box, rc = solara.render(app.Page(), handle_error=False)
    rc.find(v.Btn, children=["Run"]).widget.click()
    # the click returns before the run is done: the run goes on off the page's thread (a
    # page that ran it in the click would already show it done)
    assert "done: month 120 of 120" not in texts(rc)
    t0 = time.perf_counter()
    for _ in range(900):
        if "done: month 120 of 120" in texts(rc):
            break
        time.sleep(0.1)
    assert "done: month 120 of 120" in texts(rc)
    print(f"run done in the page after {time.perf_counter() - t0:.1f} s")
    assert charts_drawn(rc)


def test_slider_changes_debounced_into_one_run(monkeypatch):
    """Seven arrow-key presses on a lever: one run, once the lever rests."""
    made = []

    class CountingJob:
        def __init__(self, sc, seed, n, on_update=None):
            self.snapshot = logic.Snapshot(sc, seed, list(range(n)))
            made.append(sc)

        def start(self):
            return self

        def cancel(self):
            pass

    monkeypatch.setattr(logic, "Job", CountingJob)
    # a rest longer than a redraw of the page on a busy machine (the page uses 0.6 s)
    monkeypatch.setattr(app, "DEBOUNCE", 4.0)
    monkeypatch.setenv(app.SCENARIO_ENV, str(scenarios_dir() / "generic.toml"))
    box, rc = solara.render(app.Page(), handle_error=False)
    slider = next(w for w in rc.find(v.Slider).widgets if w.label.startswith("Time spent engaging"))
    for k in range(7):
        slider.v_model = 0.1 + 0.05 * k
    assert made == []  # nothing yet: the lever has not rested
    time.sleep(app.DEBOUNCE + 1.0)
    assert len(made) == 1
    assert made[0].leadership.alignment == pytest.approx(0.4)


def test_changes_from_lists_the_file_levers_and_events():
    base = cf.load_scenario(scenarios_dir() / "edinburgh/carbon-literacy.toml")
    run = logic.build(
        base,
        {"leadership.alignment": 0.2, "network.openness": 0.9},
        [{"month": 30, "kind": "milestone", "note": "added in the dashboard"}],
        funding_end=36,
    )
    changes = logic.changes_from(base, run, "mine.toml", uploaded=True)
    text = "\n".join(changes)
    assert changes[0] == "scenario file uploaded in the dashboard: mine.toml"
    old = base.leadership.alignment
    assert f"Time spent engaging partners (leadership.alignment): {old:g} -> 0.2" in text
    assert "Openness of recruitment (network.openness):" in text
    assert "Month funding stops (investment.end_month): never -> 36" in text
    assert "event removed: month 18: a key leader withdraws (third sector)" in text
    assert "event added: month 30: a milestone (an extra small win shown)" in text
    assert logic.changes_from(base, base, "edinburgh/carbon-literacy") == []
    # the report of such a run lists them all and describes the events as run
    snap = run_done(run.model_copy(update={"months": 6}), replicates=2)
    snap.changes = changes
    page = logic.to_report(snap, source="dashboard: mine.toml").decode()
    for c in changes:
        assert app.html.escape(c) in page, c
    assert "none: the scenario as written" not in page
    events = re.search(r"<p class='events'>(.*?)</p>", page).group(1)
    assert "milestone" in events and "third sector" not in events
