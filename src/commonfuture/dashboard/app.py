"""The dashboard page (Solara): ``Page`` is served by ``commonfuture dashboard`` and shows
inline in Jupyter. Each browser tab has a page of its own: all state lives in the
page's components, none in module globals.

Every word on the page comes from :mod:`commonfuture.vocabulary` (the paper's stage
names, plain names of levers, parameters, events and measures). Text is rendered to
HTML here (:func:`Text`), so the page asks for no maths or diagram library, and the
charts are drawn by the Vega libraries the Solara server ships (:mod:`.widgets`).
"""

from __future__ import annotations

import html
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import solara

from commonfuture import vocabulary
from commonfuture.dashboard import charts, logic
from commonfuture.dashboard.widgets import ScenarioFile, VegaChart
from commonfuture.scenario import Scenario, ScenarioError, load_scenario

#: seconds a lever must rest before the model runs again (arrow keys on a slider, a drag)
DEBOUNCE = 0.6

CSS = """
.cf-head{display:flex;flex-wrap:wrap;align-items:center;gap:4px 16px;margin:0 0 6px 0}
.cf-head h1{font-size:1.45rem;margin:0;line-height:1.3;overflow-wrap:anywhere}
.cf-body{display:flex;gap:18px;align-items:flex-start}
.cf-side{flex:0 0 330px;max-width:330px;max-height:calc(100vh - 90px);overflow-y:auto;
  padding-right:6px}
.cf-main{flex:1 1 auto;min-width:0}
.cf-charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,420px),1fr));
  gap:14px 18px}
.cf-charts > *{min-width:0;max-width:100%;overflow:hidden}
.cf-charts .cf-vega,.cf-vega .vega-embed{width:100%}
.cf-main > *{max-width:100%}
.cf-settings-toggle{display:none !important}
.cf-help{background:#f3f7fb;border-left:4px solid #08519c;padding:6px 12px;margin:6px 0}
.cf-status{font-size:0.95rem}
.cf-text table{border-collapse:collapse;margin:6px 0;display:block;overflow-x:auto}
.cf-text th,.cf-text td{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left}
.cf-text td.num,.cf-text th.num{text-align:right}
.cf-training-on > .cf-side,.cf-training-on .cf-runbar,.cf-head .cf-gone{display:none !important}
.cf-training{max-width:min(980px,100%);min-width:0}
.cf-training > *,.cf-training .cf-text{min-width:0;max-width:100%}
.cf-setup{display:flex;flex-wrap:wrap;gap:0 18px;align-items:flex-start}
.cf-setup > *{flex:1 1 220px;min-width:0}
.cf-action-box{border-top:1px solid #e3e3e3;padding-top:6px}
.cf-action p{margin:0 0 2px 0}
.cf-paper{margin:0 0 4px 0;font-size:0.92rem;color:#333}
.cf-paper summary{cursor:pointer;color:#08519c}
.cf-paper p{margin:4px 0 4px 14px;font-style:italic}
.cf-fields{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,230px),1fr));
  gap:0 16px}
.cf-fields > *{min-width:0}
.cf-view h3{font-size:1.15rem;margin:6px 0}
.cf-path,.cf-path .cf-vega,.cf-path .vega-embed{width:100%}
.cf-debrief small{color:#555}
.cf-broke{color:#b00020;font-weight:600}
.cf-followed{color:#1e7b34;font-weight:600}
.cf-not-tested{color:#8a6d00;font-weight:600}
.cf-debrief td:not(:first-child),.cf-debrief th:not(:first-child){text-align:right}
@media (max-width:760px){
  .cf-body{flex-direction:column}
  .cf-main{width:100%;max-width:100%}
  .cf-side{flex:none;max-width:none;width:100%;max-height:none;display:none}
  .cf-side.cf-open{display:block}
  .cf-settings-toggle{display:inline-flex !important}
  .cf-head h1{font-size:1.2rem}
  .cf-main .v-tabs-bar{height:auto}
  .cf-main .v-slide-group__wrapper{overflow:visible}
  .cf-main .v-slide-group__content{flex:1 1 auto;flex-wrap:wrap;max-width:100%;
    transform:none !important}
  .cf-main .v-slide-group__prev,.cf-main .v-slide-group__next{display:none !important}
  .cf-main .v-tab{min-width:0;padding:0 10px;height:40px}
}
"""


def _md(text: str) -> str:
    import markdown

    return markdown.markdown(text, extensions=["tables"])


@solara.component
def Text(md: str, classes: list[str] | None = None):
    """Markdown rendered here to HTML (the page loads no maths library for it). Text from
    a scenario file must be escaped with :func:`esc` before it is put in ``md``."""
    solara.HTML(tag="div", unsafe_innerHTML=_md(md), classes=["cf-text", *(classes or [])])


def esc(text: object) -> str:
    """Text from a file, safe inside :func:`Text` (no HTML, no Markdown markup)."""
    out = html.escape(str(text))
    for c in "\\`*_[]#|":
        out = out.replace(c, "\\" + c)
    return out


DEFAULT_CASE = "edinburgh/active-travel"
#: the case the training page offers first (the shortest)
DEFAULT_TRAINING = "edinburgh/carbon-literacy"
#: environment variable naming the scenario the page opens with (set by the CLI)
SCENARIO_ENV = "COMMONFUTURE_DASHBOARD_SCENARIO"


def _initial() -> tuple[Scenario, str]:
    path = os.environ.get(SCENARIO_ENV)
    if path:
        try:
            named = {p.resolve(): n for n, p in logic.cases().items()}
            return load_scenario(path), named.get(Path(path).resolve(), Path(path).name)
        except ScenarioError:
            pass
    found = logic.cases()
    name = DEFAULT_CASE if DEFAULT_CASE in found else next(iter(found))
    return load_scenario(found[name]), name


# --------------------------------------------------------------------------- panels

HELP = """
**What am I looking at?** A model of a collaboration for the common future (Cui and
Osborne, 2019): public bodies, businesses, charities and residents decide, month by
month, whether to commit to a shared goal, and what each gains or loses. Chance matters,
so the model runs the case many times ("runs"); the charts show the average over runs and,
shaded, the middle 80% of runs.

- The collaboration moves through the paper's stages: **no coupling**, **coupling** of key
  leaders, **integration** of other actors, **linking** to the wider community. The first
  chart shows the share of runs at each stage, month by month.
- Move a lever (on a phone, under *Settings*): the model runs again by itself, once the
  lever rests, and the charts fill in month by month.
- Point at a chart to read the values of a month; dashed lines mark events (a key leader
  withdrawing, a milestone, funding stopping). Add or remove events on the *Events* tab.
- **Value lost (gross)** is what the four kinds of value destruction take away before
  netting; **net value destroyed** is how far the users who ended worse off were worse off.
  They are different numbers, and every tab names them apart.
- *Compare A and B*: keep a run as A, move levers, run B; B meets the same actors and the
  same chance, so the difference is the levers'.

Every word is explained in the *Guide and glossary* tab.
"""


@solara.component
def Problems(problems: list[str]):
    """Validation messages, one line per problem (as ``commonfuture validate`` prints them)."""
    if problems:
        with solara.Column(classes=["cf-problems"]):
            solara.Error("The scenario was not loaded:")
            for line in problems:
                solara.Text(line, style={"color": "#b00020", "font-family": "monospace"})


def read_upload(info: dict[str, Any]) -> tuple[Scenario | None, list[str]]:
    """A dropped or chosen file (Solara's file info) -> the scenario, or the problems to show."""
    name = str(info.get("name", "upload"))
    size = int(info.get("size") or 0)
    if size > logic.MAX_UPLOAD:  # refused before reading it
        return None, [
            f"{name}: file too large ({size:,} bytes; at most {logic.MAX_UPLOAD:,} bytes)"
        ]
    try:
        data = info["data"] if info.get("data") is not None else info["file_obj"].read()
        return logic.parse_scenario(data, name), []
    except ScenarioError as err:
        return None, str(err).splitlines()
    except Exception as err:  # an unreadable upload is a message, never a traceback
        return None, [f"{name}: could not read the file ({err})"]


@solara.component
def CasePicker(source: str, on_scenario: Callable[[Scenario, str, bool], None]):
    """Pick a shipped case, or choose or drop a scenario TOML (validated, size-limited)."""
    found = logic.cases()
    problems = solara.use_reactive([])

    def pick(name: str) -> None:
        try:
            on_scenario(load_scenario(found[name]), name, False)
            problems.set([])
        except ScenarioError as err:
            problems.set(str(err).splitlines())

    def upload(info: dict[str, Any]) -> None:
        sc, found_problems = read_upload(info)
        problems.set(found_problems)
        if sc is not None:
            on_scenario(sc, str(info.get("name", "upload")), True)

    with solara.Column():
        solara.Select(
            "Case",
            values=list(found),
            value=source if source in found else None,
            on_value=pick,
        )
        ScenarioFile(
            label=f"...or your own scenario file (TOML, at most {logic.MAX_UPLOAD // 1024} kB): "
            "choose it below or drop it here",
            on_file=upload,
        )
        Problems(problems.value)


@solara.component
def ControlInput(control: logic.Control, value: Any, on_value: Callable[[str, Any], None]):
    tip = f"{control.description} [{control.path}]"

    def set_(v: Any) -> None:
        on_value(control.path, v)

    with solara.Tooltip(tip):
        with solara.Div():
            if control.kind == "bool":
                solara.Checkbox(label=control.label, value=bool(value), on_value=set_)
            elif control.kind == "choice":
                solara.Select(
                    control.label, values=list(control.choices), value=value, on_value=set_
                )
            elif control.slider and control.kind == "int":
                solara.SliderInt(
                    f"{control.label}: {value}",
                    value=int(value),
                    min=int(control.lower),
                    max=int(control.upper),
                    on_value=set_,
                    thumb_label=False,
                )
            elif control.slider:
                solara.SliderFloat(
                    f"{control.label}: {value:,g}",
                    value=float(value),
                    min=control.lower,
                    max=control.upper,
                    step=control.step,
                    on_value=set_,
                    thumb_label=False,
                )
            elif control.kind == "int":
                solara.InputInt(control.label, value=int(value), on_value=set_)
            else:
                solara.InputFloat(control.label, value=float(value), on_value=set_)


@solara.component
def LeverControls(scenario: Scenario, values: dict[str, Any], on_value: Callable[[str, Any], None]):
    """Inputs generated from the schema: the levers open, the rest folded by table, each
    under its plain name."""
    rows = solara.use_memo(lambda: logic.controls(scenario), [scenario])
    groups: dict[str, list[logic.Control]] = {}
    for c in rows:
        groups.setdefault(c.group, []).append(c)
    with solara.Column(gap="4px"):
        Text(f"**{vocabulary.SECTIONS['levers']}**")
        for c in groups.pop("levers", []):
            ControlInput(c, values.get(c.path, c.value), on_value)
        Text("**Other settings**")
        for group, items in groups.items():
            Fold(vocabulary.SECTIONS.get(group, group), items, values, on_value)


@solara.component
def Fold(title: str, items: list[logic.Control], values: dict[str, Any], on_value):
    """A folded group of settings: its inputs exist only while it is open (a page with every
    setting drawn would redraw slowly)."""
    is_open = solara.use_reactive(False)
    n = len(items)
    solara.Button(
        f"{'▾' if is_open.value else '▸'} {title} ({n} setting{'' if n == 1 else 's'})",
        text=True,
        on_click=lambda: is_open.set(not is_open.value),
        classes=["cf-fold"],
        style={"justify-content": "flex-start", "text-transform": "none", "width": "100%"},
    )
    if is_open.value:
        with solara.Column(gap="2px", style={"padding-left": "12px"}):
            for c in items:
                ControlInput(c, values.get(c.path, c.value), on_value)


def status_text(snap: logic.Snapshot) -> str:
    """The status line: progress, then where the runs are, in the paper's stage words."""
    months = snap.scenario.months
    out = (
        f"{snap.status}: month {snap.month} of {months}"
        + (f", {snap.n_actors:,} actors" if snap.n_actors else "")
        + (f", {snap.wall_time:.1f} s" if snap.wall_time else "")
        + (f" ({snap.message})" if snap.message else "")
    )
    if snap.arrays.get("stage") is not None and snap.month:
        last = snap.arrays["stage"][-1]
        counts = [(int((last == k).sum()), k) for k in vocabulary.STAGES]
        n, k = max(counts)
        share = n / max(len(last), 1)
        members = float(snap.arrays["members"][-1].mean()) if "members" in snap.arrays else 0
        out += (
            f". At month {snap.month}: {share:.0%} of runs at stage {k}, "
            f"{vocabulary.STAGE_WORDS[k]}; {members:,.0f} members on average."
        )
    return out


@solara.component
def RunBar(
    snap: logic.Snapshot | None,
    seed: int,
    replicates: int,
    on_seed: Callable[[int], None],
    on_replicates: Callable[[int], None],
    on_run: Callable[[], None],
    on_cancel: Callable[[], None],
    auto: bool,
    on_auto: Callable[[bool], None],
):
    running = snap is not None and snap.status == "running"
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.InputInt("seed", value=seed, on_value=on_seed, style={"max-width": "90px"})
        solara.InputInt(
            "runs", value=replicates, on_value=on_replicates, style={"max-width": "90px"}
        )
        solara.Button("Run", color="primary", on_click=on_run, disabled=running)
        solara.Button("Cancel", on_click=on_cancel, disabled=not running)
        solara.Checkbox(label="run again when a setting changes", value=auto, on_value=on_auto)
    if snap is not None:
        solara.ProgressLinear(value=100 * snap.month / max(snap.scenario.months, 1))
        solara.Text(status_text(snap), classes=["cf-status"])


@solara.component
def ChartGrid(items: list):
    with solara.Div(classes=["cf-charts"]):
        for chart in items:
            VegaChart(chart)


@solara.component
def Charts(snap: logic.Snapshot | None):
    """The run's charts, filled in month by month: the stages first, then every panel."""
    other = solara.use_reactive("")
    if snap is None or not snap.arrays:
        solara.Info("Press Run: the charts fill in month by month.")
        return
    sc = snap.scenario
    events = charts.events_frame(
        [e.model_dump(mode="json") for e in sc.events], sc.investment.end_month
    )
    items = charts.overview(snap.arrays, sc.months, sc.target.name, events)
    ChartGrid(items)
    # any other measure the run records, by its plain name (new measures appear here)
    names = {vocabulary.measure_label(n): n for n in snap.arrays}
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap", "margin-top": "10px"}):
        solara.Select("Chart another measure", values=["", *names], value=other)
    if other.value in names:
        chart = charts.measure_chart(snap.arrays, sc.months, names[other.value], events)
        if chart is not None:
            ChartGrid([chart])


@solara.component
def ComparePanel(
    a: logic.Snapshot | None, b: logic.Snapshot | None, on_keep: Callable[[], None] | None = None
):
    """A and B side by side, the levers that differ, and B - A at the end."""
    with solara.Column():
        Text(
            "Keep a finished run as **A**, change the levers, run **B**: B uses the same seed "
            "and runs, so both meet the same actors, networks and chance."
        )
        if on_keep is not None:
            solara.Button(
                "Keep this run as A", on_click=on_keep, disabled=b is None or b.status != "done"
            )
        if a is None:
            solara.Info("No run kept as A yet.")
            return
        if b is None or b is a or b.status != "done":
            solara.Info(f"A is kept ({a.label}). Change the levers and run B to compare.")
            return
        diffs = logic.changed_text(a.scenario, b.scenario)
        if diffs:
            Text("**What differs (A -> B)**\n\n" + "\n".join(f"- {esc(d)}" for d in diffs))
        else:
            Text("**A and B have the same settings.**")
        try:
            rows = logic.compare(a, b)
        except ValueError as err:
            solara.Warning(f"A and B cannot be compared pairwise: {err}.")
            return
        table = "| at the end | A | B | B - A [95% interval] |\n|---|---:|---:|---:|\n"
        table += "\n".join(
            f"| {r.label} | {r.a:,.3g} | {r.b:,.3g} | {r.diff:+,.3g} [{r.low:+,.3g}, "
            f"{r.high:+,.3g}] |"
            for r in rows
        )
        Text(table)
        ChartGrid(
            charts.side_by_side(a.arrays, b.arrays, b.scenario.months, b.scenario.target.name)
        )


SECTOR_CHOICES = {vocabulary.SECTOR_WORDS[s]: s for s in ("public", "private", "third", "citizens")}


@solara.component
def EventsPanel(
    months: int,
    events: list[dict[str, Any]],
    funding_end: int | None,
    on_events: Callable[[list[dict[str, Any]]], None],
    on_funding_end: Callable[[int | None], None],
):
    """Events on a timeline: choose a month and what happens, add it; remove any."""
    month = solara.use_reactive(max(1, months // 3))
    kind = solara.use_reactive(vocabulary.EVENT_KINDS["leader_withdraws"])
    sector = solara.use_reactive(vocabulary.SECTOR_WORDS["public"])
    kinds = {text: k for k, text in vocabulary.EVENT_KINDS.items()}
    Text(
        "Choose a month and what happens there, then add it. Dashed lines mark events on "
        "the charts."
    )
    solara.SliderInt("month", value=month, min=1, max=months, thumb_label="always")
    with solara.Row(style={"flex-wrap": "wrap"}):
        solara.Select("what happens", values=list(kinds), value=kind)
        if kinds.get(kind.value) == "leader_withdraws":
            solara.Select("sector of the leader", values=list(SECTOR_CHOICES), value=sector)

    def add() -> None:
        k = kinds.get(kind.value, "leader_withdraws")
        if k == "funding_stops":
            on_funding_end(int(month.value))
            return
        ev = {"month": int(month.value), "kind": k, "note": "added in the dashboard"}
        if k == "leader_withdraws":
            ev["sector"] = SECTOR_CHOICES.get(sector.value, "public")
        on_events(sorted([*events, ev], key=lambda e: e["month"]))

    solara.Button("Add event", on_click=add, color="primary")
    Text("**Timeline**")
    if funding_end is not None:
        with solara.Row(style={"align-items": "center"}):
            solara.Text(f"month {funding_end}: {vocabulary.event_text('funding_stops')}")
            solara.Button("remove", text=True, on_click=lambda: on_funding_end(None))
    if not events and funding_end is None:
        solara.Text("no events")
    for i, ev in enumerate(events):
        with solara.Row(style={"align-items": "center"}):
            note = f" ({ev['note']})" if ev.get("note") else ""
            solara.Text(
                f"month {ev['month']}: {vocabulary.event_text(ev['kind'], ev.get('sector'))}{note}"
            )
            solara.Button(
                "remove",
                text=True,
                on_click=lambda i=i: on_events([e for j, e in enumerate(events) if j != i]),
            )


def _who(who: dict[str, str]) -> str:
    if who["sector"] == vocabulary.SECTOR_WORDS["citizens"]:
        return "a key leader who is a resident" if "leader" in who["role"] else who["role"]
    return f"{who['role']} in the {who['sector']}"


def actor_sentence(
    k: int, rep: int, who: dict[str, str], s: dict[str, Any], last, first=None
) -> str:
    """One actor's story in plain words."""

    first = last if first is None else first

    def months_list(ms: list[int]) -> str:
        return ", ".join(map(str, ms))

    if s["joined"]:
        joined = (
            f"committed in month {months_list(s['joined'])}"
            if len(s["joined"]) == 1
            else f"committed in months {months_list(s['joined'])}"
        )
    elif str(first["status"]) == "committed":
        joined = "committed from the start"
    else:
        joined = "never committed"
    started = s["joined"] or str(first["status"]) == "committed"
    if s["seceded"]:
        plural = "s" if len(s["seceded"]) > 1 else ""
        left = f"left (seceded) in month{plural} {months_list(s['seceded'])}"
    else:
        left = "never left" if started else ""
    wins = f"{s['wins']} small win{'' if s['wins'] == 1 else 's'}"
    falls = f"{s['shortfalls']} shortfall{'' if s['shortfalls'] == 1 else 's'}"
    uses = f"{s['uses']} use{'' if s['uses'] == 1 else 's'}"
    story = "; ".join(x for x in (joined, left) if x)
    status = vocabulary.STATUS_WORDS.get(str(last["status"]), str(last["status"]))
    return (
        f"**Actor {k}, run {rep}**, {_who(who)}: {story}. "
        f"{uses} of the offers, realising {s['realised']:.2f} value units; "
        f"{wins} and {falls}. After month {int(last['month'])} it is {status}, with "
        f"commitment {last['commitment']:.2f} and trust {last['trust']:.2f}."
    )


@solara.component
def ActorPanel(snap: logic.Snapshot | None):
    """Pick an actor and a run; see who it is, its value chain, and its commitment and trust
    month by month."""
    actor = solara.use_reactive(0)
    replicate = solara.use_reactive(0)
    ready = snap is not None and snap.status in ("done", "cancelled") and snap.n_actors > 0
    k = int(actor.value or 0)
    valid = ready and 0 <= k < snap.n_actors
    rep = None
    if ready:
        rep = replicate.value if replicate.value in snap.replicates else snap.replicates[0]

    def follow():
        if not valid:
            return None
        return logic.follow_actor(snap.scenario, snap.seed, rep, k)

    followed = solara.use_memo(
        follow, [snap.scenario if ready else None, ready and snap.seed, rep, k, valid]
    )
    if not ready:
        solara.Info("Run the model first; then pick an actor to follow.")
        return
    with solara.Row(style={"flex-wrap": "wrap"}):
        solara.InputInt(f"actor (0-{snap.n_actors - 1})", value=actor)
        solara.Select("run", values=list(snap.replicates), value=replicate)
    if not valid or followed is None:
        solara.Warning(f"Actors are numbered 0 to {snap.n_actors - 1}.")
        return
    chain, states = followed
    s = logic.chain_summary(chain)
    who = logic.actor_identity(snap.scenario, k)
    Text(actor_sentence(k, rep, who, s, states.iloc[-1], states.iloc[0]))
    if len(s["used"]):
        Text(
            "**What it used**\n\n| offer | uses | value realised |\n|---|---:|---:|\n"
            + "\n".join(
                f"| {esc(r.proposition)} | {r['count']} | {r['sum']:.2f} |"
                for _, r in s["used"].iterrows()
            )
        )
    Text(
        "The chart: its commitment and trust after each month; shaded, the months it was "
        "committed; marks at the top, its small wins, shortfalls, joining and leaving."
    )
    ChartGrid([charts.actor_chart(chain, snap.scenario.months, states)])
    solara.FileDownload(
        lambda: states.to_csv(index=False).encode(),
        filename=f"actor-{k}-run-{rep}.csv",
        label="Commitment and trust month by month (CSV)",
    )


@solara.component
def ExportPanel(snap: logic.Snapshot | None, scenario: Scenario | None):
    """Downloads: the scenario with its changes, the results, the report."""
    changes = solara.use_memo(
        lambda: logic.changes_of(snap) if snap is not None else [],
        [snap.scenario if snap else None, snap.base if snap else None],
    )
    with solara.Column():
        if scenario is not None:
            solara.FileDownload(
                lambda: logic.to_toml(scenario).encode(),
                filename=f"{_slug(scenario.name)}.toml",
                label="Scenario with its changes (TOML)",
            )
        if snap is None or not snap.arrays:
            solara.Info("Run the model to export its results and report.")
            return
        if changes:
            Text(
                "**The report lists these changes from the scenario as written:**\n\n"
                + "\n".join(f"- {esc(c)}" for c in changes)
            )
        else:
            Text("The run is of the scenario as written: the report says so.")
        name = _slug(snap.scenario.name)
        solara.FileDownload(
            lambda: logic.to_parquet(snap),
            filename=f"{name}-monthly.parquet",
            label="Results (Parquet)",
        )
        solara.FileDownload(
            lambda: logic.to_csv(snap), filename=f"{name}-monthly.csv", label="Results (CSV)"
        )
        solara.FileDownload(
            lambda: logic.to_report(snap, source=f"dashboard: {snap.source}"),
            filename=f"{name}-report.html",
            label="Report of this run (HTML)",
        )


@solara.component
def GuidePanel():
    """The guide for public managers and the glossary (the text of every report)."""
    from commonfuture.report.guide import markdown

    Text(markdown().replace("# A short guide", "## A short guide", 1))


# --------------------------------------------------------------------------- training

TRAINING_INTRO = """
**Lead a collaboration yourself**, a quarter (three months) at a time. Each quarter you
see what the key leaders know: the news, the groups and who left, the small wins and
shortfalls members report, the tensions voiced and what settling each would take, the
leaders' hours and the money. You decide how to spend the leaders' hours a month. At the
end, the debrief sets your path beside three rules of thumb and a strong policy that led
the same collaboration with the same chance, and the paper's lessons you followed or broke.
"""


@solara.component
def ActionHead(action: str):
    """An action's plain words, the paper's sentence one click away."""
    from commonfuture.training.words import ACTIONS, TITLES

    plain, sentence = ACTIONS[action]
    Text(f"**{TITLES[action]}.** {esc(plain)}", classes=["cf-action"])
    solara.HTML(
        tag="details",
        unsafe_innerHTML=f"<summary>What the paper says</summary><p>{html.escape(sentence)}</p>",
        classes=["cf-paper"],
    )


@solara.component
def PlanForm(
    view,
    entries: dict[str, str],
    on_entries: Callable[[dict[str, str]], None],
    busy: bool,
    on_play: Callable[[], None],
    on_finish: Callable[[], None],
):
    """The quarter's plan: hours a month for each action, the total against capacity."""
    slots = logic.plan_slots(view)
    check = logic.read_plan(view, entries)
    with solara.Column(gap="6px", classes=["cf-plan"]):
        Text(
            f"**Your plan for quarter {view.quarter}, hours a month** "
            f"(the key leaders have {view.capacity:g}; an empty field is 0)"
        )
        for action in logic.ACTIONS:
            fields = [s for s in slots if s.action == action]
            with solara.Div(classes=["cf-action-box"]):
                ActionHead(action)
                if action == "arbitrate" and not fields:
                    solara.Text("No tension is voiced: nothing to arbitrate this quarter.")
                with solara.Div(classes=["cf-fields"]):
                    for s in fields:
                        solara.InputText(
                            s.label,
                            value=entries.get(s.key, ""),
                            on_value=lambda t, k=s.key: on_entries({**entries, k: t or ""}),
                            continuous_update=True,
                            error=check.problems.get(s.key, False),
                            message=s.detail or None,
                            suffix="h",
                            disabled=busy,
                            classes=["cf-hours"],
                        )
        if check.ok and check.total > view.capacity > 0:
            solara.Warning(check.note, classes=["cf-plan-note"])
        elif check.ok:
            solara.Text(check.note, classes=["cf-plan-note"])
        else:
            solara.Error(check.note, classes=["cf-plan-note"])
        if view.quarter == view.quarters:
            solara.Text("The last quarter: the debrief follows it.", style={"font-weight": "600"})
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
            solara.Button(
                "Play quarter",
                color="primary",
                on_click=on_play,
                disabled=busy or not check.ok,
            )
            solara.Button(
                "Finish now",
                outlined=True,
                on_click=on_finish,
                disabled=busy or view.month == 0,  # nothing played: nothing to debrief
            )
            if view.month:
                solara.Text(
                    "Finish now: the debrief of the quarters played so far.",
                    style={"color": "#555", "font-size": "0.9rem"},
                )


@solara.component
def DebriefView(d, on_new: Callable[[], None]):
    """The debrief: your path beside the rivals', the outcomes, the lessons, the files."""
    g = d.game
    name = f"{_slug(g.case)}-seed-{g.seed}"
    with solara.Column(gap="8px"):
        solara.HTML(tag="h2", unsafe_innerHTML="Debrief", classes=["cf-h2"])
        with solara.Div(classes=["cf-path"]):
            VegaChart(charts.training_path(d.runs))
        Text(logic.debrief_markdown(d), classes=["cf-debrief"])
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.FileDownload(
                lambda: logic.debrief_html(d),
                filename=f"debrief-{name}.html",
                label="Debrief page (HTML)",
                mime_type="text/html",
            )
            solara.FileDownload(
                lambda: logic.game_json(g),
                filename=f"game-{name}.json",
                label="Saved game (JSON)",
                mime_type="application/json",
            )
        Text(
            "The saved game replays bit for bit: `commonfuture train GAME.json` resumes it "
            "in a terminal, `commonfuture train-merge` puts a class's games in one table."
        )
        solara.Button("New game", color="primary", on_click=on_new)


@solara.component
def TrainingPanel():
    """Lead a case quarter by quarter (:class:`commonfuture.training.Game`), then its
    debrief. The model works in a worker thread; the page never waits for it."""
    found = list(logic.cases())
    case = solara.use_reactive(DEFAULT_TRAINING if DEFAULT_TRAINING in found else found[0])
    seed = solara.use_reactive("0")
    horizon = solara.use_reactive("")
    game = solara.use_ref(None)
    view = solara.use_reactive(None)
    entries = solara.use_reactive({})
    result = solara.use_reactive(None)  # the debrief
    busy = solara.use_reactive("")
    note = solara.use_reactive("")
    error = solara.use_reactive("")

    scenario = solara.use_memo(lambda: load_scenario(logic.cases()[case.value]), [case.value])
    choices = logic.horizon_choices(scenario)
    chosen = horizon.value if horizon.value in choices else next(iter(choices))

    def finished(value, problem: str) -> None:
        busy.set("")
        note.set("")
        if problem:
            error.set(problem)
            return
        error.set("")
        kind, payload = value
        if kind == "view":
            last = game.current.plans[-1] if game.current.plans else None
            entries.set(logic.carried_entries(payload, last))
            view.set(payload)
        else:
            result.set(payload)

    def start() -> None:
        if busy.value:
            return
        try:
            logic.seed_of(seed.value)
        except ValueError as err:
            error.set(str(err))
            return
        error.set("")
        busy.set("Starting the game...")
        name, s, months = case.value, str(seed.value).strip(), choices[chosen]

        def work():
            game.current = logic.new_game(name, s, months)
            return "view", game.current.observe()

        logic.in_background(work, finished, note.set)

    def play() -> None:
        g, v = game.current, view.value
        if g is None or v is None or busy.value:  # a second click while it plays: nothing
            return
        check = logic.read_plan(v, entries.value)
        if not check.ok:
            error.set(check.note)
            return
        busy.set(f"Playing quarter {v.quarter}...")

        def work():
            from commonfuture.training.debrief import debrief

            g.play(check.plan)
            if g.done:
                return "debrief", debrief(g)
            return "view", g.observe()

        logic.in_background(work, finished, note.set)

    def finish() -> None:
        g = game.current
        if g is None or busy.value or g.month == 0:
            return
        busy.set("Setting your path beside the other policies...")

        def work():
            from commonfuture.training.debrief import debrief

            return "debrief", debrief(g)

        logic.in_background(work, finished, note.set)

    def new() -> None:
        game.current = None
        view.set(None)
        result.set(None)
        entries.set({})
        error.set("")

    with solara.Column(gap="8px", classes=["cf-training"]):
        if result.value is not None:
            DebriefView(result.value, new)
        elif view.value is None:
            Text(TRAINING_INTRO)
            with solara.Div(classes=["cf-setup"]):
                solara.Select("Case to lead", values=found, value=case, disabled=bool(busy.value))
                solara.InputText(
                    "Seed (a class plays one seed)",
                    value=seed,
                    continuous_update=True,
                    disabled=bool(busy.value),
                    style={"max-width": "220px"},
                )
                solara.Select(
                    "Length of the game",
                    values=list(choices),
                    value=chosen,
                    on_value=horizon.set,
                    disabled=bool(busy.value),
                )
            Text(f"*{esc(scenario.name)}*: {esc(scenario.description)}")
            solara.Button(
                "Start the game", color="primary", on_click=start, disabled=bool(busy.value)
            )
        else:
            g = game.current
            Text(
                f"*{esc(g.scenario.name)}*, seed {g.seed}: you lead it for {g.months} months."
                if g is not None
                else ""
            )
            Text(logic.view_markdown(view.value), classes=["cf-view"])
            PlanForm(view.value, entries.value, entries.set, bool(busy.value), play, finish)
        if busy.value:
            solara.ProgressLinear(True)
            solara.Text(
                busy.value + (f" ({note.value})" if note.value else ""), classes=["cf-status"]
            )
        if error.value:
            solara.Error(error.value)


def settings_scenario(base: Scenario, values, events, funding_end) -> Scenario | None:
    try:
        return logic.build(base, values, events, funding_end)
    except ScenarioError:
        return None


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-") or "scenario"


# --------------------------------------------------------------------------- the page

TABS = (
    "Charts",
    "Compare A and B",
    "Events",
    "One actor",
    "Export",
    "Training",
    "Guide and glossary",
)


@solara.component
def Page():
    """The whole dashboard."""
    first = solara.use_memo(_initial, [])
    base = solara.use_reactive(first[0])
    source = solara.use_reactive(first[1])
    uploaded = solara.use_reactive(False)
    values = solara.use_reactive({})
    events = solara.use_reactive([e.model_dump(mode="json") for e in first[0].events])
    funding_end = solara.use_reactive(first[0].investment.end_month)
    seed = solara.use_reactive(1)
    replicates = solara.use_reactive(30)
    auto = solara.use_reactive(True)
    snap = solara.use_reactive(None)
    kept = solara.use_reactive(None)
    tick = solara.use_reactive(0.0)
    error = solara.use_reactive("")
    tab = solara.use_reactive(0)
    help_open = solara.use_reactive(False)
    side_open = solara.use_reactive(False)
    job = solara.use_ref(None)
    timer = solara.use_ref(None)

    def scenario_now() -> Scenario | None:
        try:
            return logic.build(base.value, values.value, events.value, funding_end.value)
        except ScenarioError as err:
            error.set("; ".join(err.problems))
            return None

    def run() -> None:
        if timer.current is not None:
            timer.current.cancel()
            timer.current = None
        if job.current is not None:
            job.current.cancel()
        sc = scenario_now()
        if sc is None:
            return
        error.set("")
        n = max(1, min(int(replicates.value or 1), 200))

        def update(s: logic.Snapshot) -> None:
            snap.set(s)
            tick.set(time.monotonic())

        j = logic.Job(sc, int(seed.value or 0), n, on_update=update)
        j.snapshot.label = f"seed {seed.value}, {n} runs"
        j.snapshot.source = source.value
        j.snapshot.base, j.snapshot.uploaded = base.value, uploaded.value
        job.current = j
        snap.set(j.snapshot)
        tick.set(time.monotonic())
        j.start()

    def cancel() -> None:
        if timer.current is not None:
            timer.current.cancel()
            timer.current = None
        if job.current is not None:
            job.current.cancel()

    def after_change() -> None:
        # a slider moved by the arrow keys or dragged sends a value per step: the model
        # runs once, when the lever has rested for DEBOUNCE seconds
        if not auto.value:
            return
        if timer.current is not None:
            timer.current.cancel()
        t = threading.Timer(DEBOUNCE, run)
        t.daemon = True
        timer.current = t
        t.start()

    def set_value(path: str, v: Any) -> None:
        values.set({**values.value, path: v})
        after_change()

    def set_scenario(sc: Scenario, name: str, is_upload: bool = False) -> None:
        cancel()
        base.set(sc)
        source.set(name)
        uploaded.set(is_upload)
        values.set({})
        events.set([e.model_dump(mode="json") for e in sc.events])
        funding_end.set(sc.investment.end_month)
        snap.set(None)
        kept.set(None)
        error.set("")

    def set_events(evs: list[dict[str, Any]]) -> None:
        events.set(evs)
        after_change()

    def set_funding_end(m: int | None) -> None:
        funding_end.set(m)
        after_change()

    def keep() -> None:
        if snap.value is not None:
            a = snap.value
            a.label = f"{a.label} (kept)"
            kept.set(a)

    _ = tick.value  # redraw when the worker reports
    current = snap.value
    # the training page has its own case and seed: the settings and the run bar step aside
    training = tab.value == TABS.index("Training")
    solara.Title("commonfuture: collaboration for the common future")
    solara.Style(CSS)
    with solara.Column(style={"padding": "8px 12px", "max-width": "100%"}):
        with solara.Div(classes=["cf-head"]):
            solara.HTML(tag="h1", unsafe_innerHTML="commonfuture")
            solara.Text("collaboration for the common future", style={"color": "#555"})
            solara.Button(
                "What am I looking at?",
                text=True,
                color="primary",
                on_click=lambda: help_open.set(not help_open.value),
            )
            solara.Button(
                "Guide and glossary",
                text=True,
                color="primary",
                on_click=lambda: tab.set(TABS.index("Guide and glossary")),
            )
            solara.Button(
                "Hide settings" if side_open.value else "Settings",
                outlined=True,
                classes=["cf-settings-toggle", *(["cf-gone"] if training else [])],
                on_click=lambda: side_open.set(not side_open.value),
            )
        if help_open.value:
            Text(HELP, classes=["cf-help"])
        with solara.Div(classes=["cf-body", *(["cf-training-on"] if training else [])]):
            with solara.Div(classes=["cf-side", *(["cf-open"] if side_open.value else [])]):
                CasePicker(source.value, set_scenario)
                Text(f"*{esc(base.value.name)}*: {esc(base.value.description)}")
                LeverControls(base.value, values.value, set_value)
            with solara.Div(classes=["cf-main"]):
                with solara.Div(classes=["cf-runbar"]):
                    RunBar(
                        current,
                        int(seed.value or 0),
                        int(replicates.value or 1),
                        seed.set,
                        replicates.set,
                        run,
                        cancel,
                        auto.value,
                        auto.set,
                    )
                    if error.value:
                        solara.Error(f"These settings are not valid: {error.value}")
                with solara.lab.Tabs(value=tab):
                    with solara.lab.Tab(TABS[0]):
                        Charts(current)
                    with solara.lab.Tab(TABS[1]):
                        ComparePanel(kept.value, current, keep)
                    with solara.lab.Tab(TABS[2]):
                        EventsPanel(
                            base.value.months,
                            events.value,
                            funding_end.value,
                            set_events,
                            set_funding_end,
                        )
                    with solara.lab.Tab(TABS[3]):
                        ActorPanel(
                            current if current is None or current.status != "running" else None
                        )
                    with solara.lab.Tab(TABS[4]):
                        ExportPanel(
                            current,
                            settings_scenario(
                                base.value, values.value, events.value, funding_end.value
                            ),
                        )
                    with solara.lab.Tab(TABS[5]):
                        TrainingPanel()
                    with solara.lab.Tab(TABS[6]):
                        GuidePanel()
