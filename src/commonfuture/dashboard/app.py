"""The dashboard page (Solara): ``Page`` is served by ``commonfuture dashboard`` and shows
inline in Jupyter. Each browser tab has a page of its own: all state lives in the
page's components, none in module globals.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import solara

from commonfuture.dashboard import charts, logic
from commonfuture.scenario import Scenario, ScenarioError, load_scenario

DEFAULT_CASE = "edinburgh/active-travel"
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


@solara.component
def Problems(problems: list[str]):
    """Validation messages, one line per problem (as ``commonfuture validate`` prints them)."""
    if problems:
        with solara.Column(classes=["cf-problems"]):
            solara.Error("The scenario was not loaded:")
            for line in problems:
                solara.Text(line, style={"color": "#b00020", "font-family": "monospace"})


def read_upload(info: dict[str, Any]) -> tuple[Scenario | None, list[str]]:
    """A dropped file (Solara's file info) -> the scenario, or the problems to show."""
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
def CasePicker(source: str, on_scenario: Callable[[Scenario, str], None]):
    """Pick a shipped case or upload a scenario TOML (validated, size-limited)."""
    found = logic.cases()
    problems = solara.use_reactive([])

    def pick(name: str) -> None:
        try:
            on_scenario(load_scenario(found[name]), name)
            problems.set([])
        except ScenarioError as err:
            problems.set(str(err).splitlines())

    def upload(info: dict[str, Any]) -> None:
        sc, found_problems = read_upload(info)
        problems.set(found_problems)
        if sc is not None:
            on_scenario(sc, str(info.get("name", "upload")))

    with solara.Column():
        solara.Select(
            "Case",
            values=list(found),
            value=source if source in found else None,
            on_value=pick,
        )
        solara.FileDrop(
            label=f"...or drop a scenario TOML here (at most {logic.MAX_UPLOAD // 1024} kB)",
            on_file=upload,
            lazy=True,
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
                    f"{control.label}: {value:g}",
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
    """Inputs generated from the schema: the five levers open, the rest folded by table."""
    rows = solara.use_memo(lambda: logic.controls(scenario), [scenario])
    groups: dict[str, list[logic.Control]] = {}
    for c in rows:
        groups.setdefault(c.group, []).append(c)
    with solara.Column(gap="4px"):
        solara.Markdown("**Leadership levers**")
        for c in groups.pop("levers", []):
            ControlInput(c, values.get(c.path, c.value), on_value)
        for group, items in groups.items():
            with solara.Details(f"{group} ({len(items)})", expand=False):
                for c in items:
                    ControlInput(c, values.get(c.path, c.value), on_value)


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
            "replicates", value=replicates, on_value=on_replicates, style={"max-width": "110px"}
        )
        solara.Button("Run", color="primary", on_click=on_run, disabled=running)
        solara.Button("Cancel", on_click=on_cancel, disabled=not running)
        solara.Checkbox(label="run again when a setting changes", value=auto, on_value=on_auto)
    if snap is not None:
        months = snap.scenario.months
        solara.ProgressLinear(value=100 * snap.month / max(months, 1))
        solara.Text(
            f"{snap.status}: month {snap.month} of {months}"
            + (f", {snap.n_actors:,} actors" if snap.n_actors else "")
            + (f", {snap.wall_time:.1f} s" if snap.wall_time else "")
            + (f" ({snap.message})" if snap.message else ""),
            classes=["cf-status"],
        )


@solara.component
def Charts(snap: logic.Snapshot | None):
    """The run's eight panels, filled in month by month."""
    if snap is None or not snap.arrays:
        solara.Info("Press Run: the charts fill in month by month.")
        return
    fig = charts.overview(snap.arrays, snap.scenario.months, snap.scenario.target.name)
    solara.FigureMatplotlib(fig, format="png")


@solara.component
def ComparePanel(
    a: logic.Snapshot | None, b: logic.Snapshot | None, on_keep: Callable[[], None] | None = None
):
    """A and B side by side, the levers that differ, and B - A at the horizon."""
    with solara.Column():
        solara.Markdown(
            "Keep a finished run as **A**, change the levers, run **B**: B uses the same seed "
            "and replicates, so both meet the same actors, networks and random numbers."
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
        diffs = logic.changed(a.scenario, b.scenario)
        if diffs:
            solara.Markdown(
                "**What differs (A -> B)**\n\n"
                + "\n".join(f"- `{p}`: {va} -> {vb}" for p, va, vb in diffs)
            )
        else:
            solara.Markdown("**A and B have the same settings.**")
        try:
            rows = logic.compare(a, b)
        except ValueError as err:
            solara.Warning(f"A and B cannot be compared pairwise: {err}.")
            return
        table = "| at the horizon | A | B | B - A [95% interval] |\n|---|---:|---:|---:|\n"
        table += "\n".join(
            f"| {r.label} | {r.a:,.3g} | {r.b:,.3g} | {r.diff:+,.3g} [{r.low:+,.3g}, "
            f"{r.high:+,.3g}] |"
            for r in rows
        )
        solara.Markdown(table)
        solara.FigureMatplotlib(
            charts.side_by_side(a.arrays, b.arrays, b.scenario.months), format="png"
        )


@solara.component
def EventsPanel(
    months: int,
    events: list[dict[str, Any]],
    funding_end: int | None,
    on_events: Callable[[list[dict[str, Any]]], None],
    on_funding_end: Callable[[int | None], None],
):
    """Events on a timeline: click a month, choose what happens, add it."""
    month = solara.use_reactive(max(1, months // 3))
    kind = solara.use_reactive("leader_withdraws")
    sector = solara.use_reactive("public")
    solara.Markdown("Click the timeline at a month, choose what happens there, then add it.")
    solara.SliderInt("month", value=month, min=1, max=months, thumb_label="always")
    with solara.Row():
        solara.Select("what happens", values=list(logic.EVENT_KINDS), value=kind)
        if kind.value == "leader_withdraws":
            solara.Select(
                "sector of the leader",
                values=["public", "private", "third", "citizens"],
                value=sector,
            )

    def add() -> None:
        if kind.value == "funding_stops":
            on_funding_end(int(month.value))
            return
        ev = {"month": int(month.value), "kind": kind.value, "note": "added in the dashboard"}
        if kind.value == "leader_withdraws":
            ev["sector"] = sector.value
        on_events(sorted([*events, ev], key=lambda e: e["month"]))

    solara.Button("Add event", on_click=add, color="primary")
    solara.Markdown("**Timeline**")
    if funding_end is not None:
        with solara.Row(style={"align-items": "center"}):
            solara.Text(f"month {funding_end}: funding stops")
            solara.Button("remove", text=True, on_click=lambda: on_funding_end(None))
    if not events and funding_end is None:
        solara.Text("no events")
    for i, ev in enumerate(events):
        with solara.Row(style={"align-items": "center"}):
            sec = f" ({ev.get('sector')})" if ev.get("sector") else ""
            solara.Text(
                f"month {ev['month']}: {logic.EVENT_KINDS.get(ev['kind'], ev['kind'])}{sec}"
            )
            solara.Button(
                "remove",
                text=True,
                on_click=lambda i=i: on_events([e for j, e in enumerate(events) if j != i]),
            )


@solara.component
def ActorPanel(snap: logic.Snapshot | None):
    """Pick an actor and a replicate; see its value chain, and its commitment and trust
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
    with solara.Row():
        solara.InputInt(f"actor (0-{snap.n_actors - 1})", value=actor)
        solara.Select("replicate", values=list(snap.replicates), value=replicate)
    if not valid or followed is None:
        solara.Warning(f"Actors are numbered 0 to {snap.n_actors - 1}.")
        return
    chain, states = followed
    s = logic.chain_summary(chain)
    last = states.iloc[-1]
    joined = ", ".join(map(str, s["joined"])) or "never"
    seceded = ", ".join(map(str, s["seceded"])) or "never"
    solara.Markdown(
        f"**Actor {k}, replicate {rep}**: committed in month {joined}; seceded in month "
        f"{seceded}; {s['uses']} uses realising {s['realised']:.2f} value units; "
        f"{s['wins']} small wins and {s['shortfalls']} shortfalls. After month "
        f"{int(last['month'])} it is {last['status']}, with commitment "
        f"{last['commitment']:.2f} and trust {last['trust']:.2f}."
    )
    if len(s["used"]):
        solara.Markdown(
            "**What it used**\n\n| proposition | uses | value realised |\n|---|---:|---:|\n"
            + "\n".join(
                f"| {r.proposition} | {r['count']} | {r['sum']:.2f} |"
                for _, r in s["used"].iterrows()
            )
        )
    solara.FigureMatplotlib(charts.actor_figure(chain, snap.scenario.months, states), format="png")
    solara.FileDownload(
        lambda: states.to_csv(index=False).encode(),
        filename=f"actor-{k}-replicate-{rep}.csv",
        label="Commitment and trust month by month (CSV)",
    )


@solara.component
def ExportPanel(snap: logic.Snapshot | None, scenario: Scenario | None):
    """Downloads: the scenario with its changes, the results, the report."""
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
            lambda: logic.to_report(snap),
            filename=f"{name}-report.html",
            label="Report of this run (HTML)",
        )


def settings_scenario(base: Scenario, values, events, funding_end) -> Scenario | None:
    try:
        return logic.build(base, values, events, funding_end)
    except ScenarioError:
        return None


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-") or "scenario"


# --------------------------------------------------------------------------- the page


@solara.component
def Page():
    """The whole dashboard."""
    first = solara.use_memo(_initial, [])
    base = solara.use_reactive(first[0])
    source = solara.use_reactive(first[1])
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
    job = solara.use_ref(None)

    def scenario_now() -> Scenario | None:
        try:
            return logic.build(base.value, values.value, events.value, funding_end.value)
        except ScenarioError as err:
            error.set("; ".join(err.problems))
            return None

    def run() -> None:
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
        j.snapshot.label = f"seed {seed.value}, {n} replicates"
        job.current = j
        snap.set(j.snapshot)
        tick.set(time.monotonic())
        j.start()

    def cancel() -> None:
        if job.current is not None:
            job.current.cancel()

    def after_change() -> None:
        if auto.value:
            run()

    def set_value(path: str, v: Any) -> None:
        values.set({**values.value, path: v})
        after_change()

    def set_scenario(sc: Scenario, name: str) -> None:
        cancel()
        base.set(sc)
        source.set(name)
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
    solara.Title("commonfuture: collaboration for the common future")
    with solara.Columns([1, 3]):
        with solara.Column(style={"max-height": "100vh", "overflow-y": "auto"}):
            solara.Markdown("## commonfuture")
            CasePicker(source.value, set_scenario)
            solara.Markdown(f"*{base.value.name}*: {base.value.description}")
            LeverControls(base.value, values.value, set_value)
        with solara.Column():
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
            with solara.lab.Tabs():
                with solara.lab.Tab("Charts"):
                    Charts(current)
                with solara.lab.Tab("Compare A and B"):
                    ComparePanel(kept.value, current, keep)
                with solara.lab.Tab("Events"):
                    EventsPanel(
                        base.value.months,
                        events.value,
                        funding_end.value,
                        set_events,
                        set_funding_end,
                    )
                with solara.lab.Tab("One actor"):
                    ActorPanel(current if current is None or current.status != "running" else None)
                with solara.lab.Tab("Export"):
                    ExportPanel(
                        current,
                        settings_scenario(
                            base.value, values.value, events.value, funding_end.value
                        ),
                    )
