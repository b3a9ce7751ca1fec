"""What the dashboard does, without the page: cases, uploads, controls, runs, comparisons,
events and exports. Every function here is plain Python, tested without a browser.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import re
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from commonfuture import compiled, vocabulary
from commonfuture.population import STATUS_NAMES
from commonfuture.scenario import Scenario, ScenarioError, parameter_table
from commonfuture.scenario.load import scenarios_dir, validate_data
from commonfuture.simulation import Run, SimulationResult, to_frame
from commonfuture.training import words
from commonfuture.value import DESTRUCTION_KINDS

#: largest scenario file accepted by the upload (bytes); shipped cases are under 10 kB
MAX_UPLOAD = 256 * 1024

#: the leadership levers, shown first (parameter paths; the guide names the same ones)
LEVERS: tuple[str, ...] = vocabulary.LEVER_PATHS

#: kinds of event offered on the timeline (the last one sets investment.end_month)
EVENT_KINDS: dict[str, str] = vocabulary.EVENT_KINDS


# --------------------------------------------------------------------------- cases


def cases() -> dict[str, Path]:
    """The shipped scenarios by name (``generic``, ``edinburgh/active-travel``, ...)."""
    root = scenarios_dir()
    return {str(p.relative_to(root).with_suffix("")): p for p in sorted(root.rglob("*.toml"))}


def parse_scenario(data: bytes, source: str = "upload") -> Scenario:
    """Validate the bytes of a scenario file as ``commonfuture validate`` does.

    Raises :class:`ScenarioError` with one line per problem (its ``str`` is what
    ``validate`` prints), including an oversized file, a file that is not UTF-8
    text and a TOML syntax error.
    """
    if len(data) > MAX_UPLOAD:
        raise ScenarioError(
            source, [f"file too large ({len(data):,} bytes; at most {MAX_UPLOAD:,} bytes)"]
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(source, ["not a UTF-8 text file"]) from None
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(source, [f"TOML syntax error: {err}"]) from None
    return validate_data(parsed, source)


# --------------------------------------------------------------------------- controls


@dataclass(frozen=True)
class Control:
    """One input of the page, generated from the scenario schema."""

    path: str
    label: str
    kind: str  # "float", "int", "bool" or "choice"
    value: Any
    lower: float | None
    upper: float | None
    units: str
    description: str
    group: str  # "levers" or the scenario table ("population", "network", ...)
    choices: tuple[str, ...] = ()

    @property
    def slider(self) -> bool:
        """Bounded numbers get a slider; the others a number field."""
        return self.kind in ("float", "int") and self.lower is not None and self.upper is not None

    @property
    def step(self) -> float:
        if self.kind == "int":
            return 1
        span = (self.upper or 1.0) - (self.lower or 0.0)
        return 0.01 if span <= 2 else 10 ** math.floor(math.log10(span / 100))


def _label(path: str) -> str:
    """The plain label of a parameter (:func:`commonfuture.vocabulary.parameter_label`);
    a parameter without one (a new one) shows its path."""
    try:
        label = vocabulary.parameter_label(path)
    except KeyError:
        return path
    lever = next((lv for lv in vocabulary.LEVERS if lv.path == path), None)
    return lever.label if lever is not None else label[:1].upper() + label[1:]


def controls(scenario: Scenario) -> list[Control]:
    """Every numeric, yes/no and choice parameter of ``scenario``: the levers first.

    Value vectors, names, descriptions and optional values left empty are not
    controls (they are edited in the scenario file; events have a panel of their own).
    """
    rows = {r.path: r for r in parameter_table(scenario)}
    out: list[Control] = []
    for path in [*LEVERS, *(p for p in rows if p not in LEVERS)]:
        r = rows[path]
        group = "levers" if path in LEVERS else re.sub(r"\[\d+\]", "", path.split(".")[0])
        if group == "events":
            continue
        v = r.value
        choices: tuple[str, ...] = ()
        if isinstance(v, bool):
            kind = "bool"
        elif isinstance(v, int):
            kind = "int"
        elif isinstance(v, float):
            kind = "float"
        elif path.endswith("citizen_layer"):
            kind, choices = "choice", ("small_world", "erdos_renyi")
        else:
            continue
        lower, upper = r.lower, r.upper
        if path in LEVERS and upper is None and kind != "bool":  # a slider all the same
            upper = float(max(24 if kind == "int" else 3.0, 2 * (v or 0)))
            lower = 1.0 if kind == "int" else (lower or 0.0)
        out.append(
            Control(
                path, _label(path), kind, v, lower, upper, r.units, r.description, group, choices
            )
        )
    return out


# --------------------------------------------------------------------------- building


def build(
    base: Scenario,
    values: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    funding_end: int | None | str = "keep",
) -> Scenario:
    """The scenario to run: ``base`` with control ``values`` and the timeline's ``events``.

    ``events`` replaces the scenario's events (each ``{"month", "kind", "sector", "note"}``);
    ``funding_end`` sets ``investment.end_month`` ("keep" leaves it). Raises
    :class:`ScenarioError` with the validation messages.
    """
    from commonfuture.scenario.load import _set_path

    data = base.model_dump(mode="json")
    for path, value in (values or {}).items():
        _set_path(data, path, value)
    if events is not None:
        data["events"] = [dict(e) for e in events]
    if funding_end != "keep":
        data["investment"]["end_month"] = funding_end
    return validate_data(data, "settings")


def changed(a: Scenario, b: Scenario) -> list[tuple[str, Any, Any]]:
    """Parameters whose values differ between ``a`` and ``b``: (path, a value, b value)."""
    ra = {r.path: r.value for r in parameter_table(a)}
    rb = {r.path: r.value for r in parameter_table(b)}
    out = [(p, ra.get(p), rb.get(p)) for p in sorted(set(ra) | set(rb)) if ra.get(p) != rb.get(p)]
    if a.events != b.events:
        out = [x for x in out if not x[0].startswith("events")]
        out.append(("events", _events_text(a), _events_text(b)))
    return out


def _plain(path: str) -> str:
    if path == "events":
        return "Events"
    return f"{_label(path)} ({path})"


def changed_text(a: Scenario, b: Scenario) -> list[str]:
    """What differs from ``a`` to ``b``, one plain line per parameter or event."""
    out = []
    for path, va, vb in changed(a, b):
        if path == "events" or path.startswith("events"):
            continue
        out.append(f"{_plain(path)}: {_value_text(va)} -> {_value_text(vb)}")
    had = [_event_line(e) for e in a.events]
    has = [_event_line(e) for e in b.events]
    out += [f"event removed: {e}" for e in had if e not in has]
    out += [f"event added: {e}" for e in has if e not in had]
    return out


def changes_from(base: Scenario, run: Scenario, source: str, uploaded: bool = False) -> list[str]:
    """Every change of the scenario run from the scenario as written: an uploaded file
    (a shipped case as written is no change), each lever or parameter moved, each event
    removed or added; the exported report lists them all."""
    head = [f"scenario file uploaded in the dashboard: {source}"] if uploaded else []
    return [*head, *changed_text(base, run)]


def _value_text(v: Any) -> str:
    return (
        "never"
        if v is None
        else json.dumps(v)
        if isinstance(v, list | str)
        else f"{v:g}"
        if isinstance(v, float)
        else str(v)
    )


def _event_line(e) -> str:
    note = f" ({e.note})" if getattr(e, "note", "") else ""
    return f"month {e.month}: {vocabulary.event_text(e.kind, e.sector)}{note}"


def _events_text(sc: Scenario) -> str:
    if not sc.events:
        return "none"
    return "; ".join(
        f"month {e.month}: {vocabulary.event_text(e.kind, e.sector)}" for e in sc.events
    )


# --------------------------------------------------------------------------- runs


@dataclass(eq=False)
class Snapshot:
    """A run as the page shows it: its scenario, seed, replicates and months so far."""

    scenario: Scenario
    seed: int
    replicates: list[int]
    arrays: dict[str, np.ndarray] = field(default_factory=dict)  # (T, R) each
    n_actors: int = 0
    ties: list[int] = field(default_factory=list)
    status: str = "idle"  # idle, running, done, cancelled, failed
    message: str = ""
    wall_time: float = 0.0
    label: str = ""
    #: the case or file the scenario came from
    source: str = ""
    #: the scenario as written (a shipped case or an uploaded file) and whether it was
    #: uploaded: :func:`changes_of` lists what the run changed from it
    base: Scenario | None = None
    uploaded: bool = False
    #: every change from the scenario as written, when given (else from ``base``)
    changes: list[str] | None = None

    @property
    def month(self) -> int:
        return 0 if not self.arrays else int(next(iter(self.arrays.values())).shape[0])

    def monthly(self) -> pd.DataFrame:
        """Tidy frame of the months so far (as ``monthly.parquet``)."""
        if not self.arrays:
            return pd.DataFrame(columns=["replicate", "month"])
        return to_frame(self.arrays, self.replicates)

    def result(self) -> SimulationResult:
        return SimulationResult(
            scenario=self.scenario,
            seed=self.seed,
            replicates=list(self.replicates),
            monthly=self.monthly(),
            n_actors=self.n_actors,
            ties_per_replicate=list(self.ties),
            wall_time=self.wall_time,
        )


class Job:
    """A run advanced in a worker thread, month by month, with progress and cancel.

    ``on_update(snapshot)`` is called from the worker after the first months and then
    at most every ``every`` seconds, and once at the end; the page never waits for the
    simulation. ``cancel()`` stops it after the current month.
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        replicates: int,
        on_update: Callable[[Snapshot], None] | None = None,
        every: float = 0.4,
        first: int = 6,
    ):
        self.snapshot = Snapshot(scenario, int(seed), list(range(int(replicates))))
        self.snapshot.status = "running"
        self.on_update = on_update
        self.every = every
        self.first = first
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Job:
        self._pending: Snapshot | None = None
        self._news = threading.Event()
        self._finished = threading.Event()
        self._thread = threading.Thread(
            target=self._work_noted, daemon=True, name="commonfuture-run"
        )
        self._drawer = threading.Thread(target=self._draw, daemon=True, name="commonfuture-draw")
        self._drawer.start()
        self._thread.start()
        return self

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> Snapshot:
        """Wait for the run and its last update to the page."""
        if self._thread is not None:
            self._thread.join(timeout)
            self._drawer.join(timeout)
        return self.snapshot

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _publish(self, snap: Snapshot, last: bool = False) -> None:
        # a new object (the page sees a change), handed to the drawing thread: the
        # simulation never waits for the charts, and the drawer skips stale months
        self._pending = dataclasses.replace(snap, arrays=dict(snap.arrays))
        if last:
            self._finished.set()
        self._news.set()

    def _draw(self) -> None:
        while True:
            self._news.wait()
            self._news.clear()
            snap, done = self._pending, self._finished.is_set()
            if snap is not None and self.on_update is not None:
                try:
                    self.on_update(snap)
                except Exception:  # a page gone away must not stop the run
                    pass
            if done:
                return
            self._finished.wait(self.every)  # leave the worker the processor for a while

    def _work_noted(self) -> None:
        """The run, with a message in the page while the model compiles (on its first
        run on a machine) instead of a page that seems frozen."""
        with compiled.compiling(self._compiling):
            self._work()

    def _compiling(self, kernel: str | None) -> None:
        snap = self.snapshot
        if snap.status != "running":
            return
        snap.message = (
            f"compiling the model on its first run on this machine ({kernel}); "
            "it is cached for the next runs"
            if kernel is not None
            else ""
        )
        self._publish(snap)

    def _work(self) -> None:
        snap = self.snapshot
        t0 = time.perf_counter()
        try:
            run = Run(snap.scenario, seed=snap.seed, replicates=snap.replicates)
            snap.n_actors, snap.ties = run.n_actors, run.ties_per_replicate
            last = 0.0
            while not run.done:
                if self._cancel.is_set():
                    snap.status, snap.message = "cancelled", f"cancelled at month {run.month}"
                    break
                run.step()
                now = time.perf_counter()
                if run.month == self.first or (run.month > self.first and now - last > self.every):
                    snap.arrays, snap.wall_time = run.arrays(), now - t0
                    self._publish(snap)
                    last = now
            snap.arrays = run.arrays() if run.month else {}
            if snap.status == "running":
                snap.status = "done"
                snap.message = f"{run.months} months x {len(snap.replicates)} replicates"
        except Exception as err:  # shown in the page as one line, never a traceback
            snap.status, snap.message = "failed", f"the run failed: {err}"
        snap.wall_time = time.perf_counter() - t0
        self._publish(snap, last=True)


# --------------------------------------------------------------------------- comparing


@dataclass(frozen=True)
class Difference:
    measure: str
    label: str
    a: float
    b: float
    diff: float
    low: float
    high: float


#: what is compared at the horizon: (label, column, how across months); "lost" is the
#: sum of the four loss_<kind> columns
HORIZON_MEASURES: tuple[tuple[str, str, str], ...] = (
    ("members at the end (actors)", "members", "last"),
    ("stage at the end (0 no coupling, 1 coupling, 2 integration, 3 linking)", "stage", "last"),
    ("progress to the target at the end (% of the target)", "target_progress", "last"),
    ("value created, all months (value units)", "value_created", "sum"),
    ("value lost (gross, before netting), all months (value units)", "lost", "sum"),
    (
        "net value destroyed (users left worse off), all months (value units)",
        "value_destroyed",
        "sum",
    ),
    ("small wins, all months (evaluations)", "small_wins", "sum"),
)


def horizon(arrays: dict[str, np.ndarray], col: str, how: str) -> np.ndarray:
    if col == "lost":
        x = sum(np.asarray(arrays[f"loss_{k}"], dtype=float) for k in DESTRUCTION_KINDS)
    else:
        x = np.asarray(arrays[col], dtype=float)
    if col == "target_progress":
        x = 100 * x
    return x[-1] if how == "last" else x.sum(axis=0)


def compare(a: Snapshot, b: Snapshot, level: float = 0.95) -> list[Difference]:
    """B minus A at the horizon, paired by replicate (the same random numbers), with a
    ``level`` t interval of the mean difference."""
    if a.replicates != b.replicates or a.seed != b.seed:
        raise ValueError("A and B must share seed and replicates to be compared pairwise")
    if a.month != b.month:
        raise ValueError("A and B must have run the same months")
    out = []
    for label, col, how in HORIZON_MEASURES:
        xa, xb = horizon(a.arrays, col, how), horizon(b.arrays, col, how)
        d = xb - xa
        n = len(d)
        mean = float(d.mean())
        if n > 1 and d.std(ddof=1) > 0:
            half = float(stats.t.ppf(0.5 + level / 2, n - 1) * d.std(ddof=1) / math.sqrt(n))
        else:
            half = 0.0
        out.append(
            Difference(
                col, label, float(xa.mean()), float(xb.mean()), mean, mean - half, mean + half
            )
        )
    return out


# --------------------------------------------------------------------------- exports


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def to_toml(scenario: Scenario) -> str:
    """The scenario as a TOML file that ``load_scenario`` reads back to the same scenario."""
    data = scenario.model_dump(mode="json")
    lines: list[str] = []

    def table(d: dict[str, Any], name: str, header: str) -> None:
        scalars = {k: v for k, v in d.items() if v is not None and not _is_table(v)}
        subs = {k: v for k, v in d.items() if _is_table(v)}
        if name:
            lines.append("")
            lines.append(header)
        for k, v in scalars.items():
            lines.append(f"{k} = {_toml_value(v)}")
        for k, v in subs.items():
            path = f"{name}.{k}" if name else k
            if isinstance(v, dict):
                table(v, path, f"[{path}]")
            else:
                for item in v:
                    table(item, path, f"[[{path}]]")

    table(data, "", "")
    return "\n".join(lines).lstrip("\n") + "\n"


def _is_table(v: Any) -> bool:
    return isinstance(v, dict) or (isinstance(v, list) and bool(v) and isinstance(v[0], dict))


def to_parquet(snap: Snapshot) -> bytes:
    buf = io.BytesIO()
    snap.monthly().to_parquet(buf, index=False)
    return buf.getvalue()


def to_csv(snap: Snapshot) -> bytes:
    return snap.monthly().to_csv(index=False).encode()


def changes_of(snap: Snapshot) -> list[str]:
    """Every change of the run on screen from the scenario as written (:func:`changes_from`)."""
    if snap.changes is not None:
        return list(snap.changes)
    if snap.base is None:
        return []
    return changes_from(snap.base, snap.scenario, snap.source, snap.uploaded)


def to_report(snap: Snapshot, source: str = "dashboard") -> bytes:
    """The HTML report (``commonfuture report``) of the run on screen."""
    from commonfuture.report import render_report
    from commonfuture.runs import save_run

    with tempfile.TemporaryDirectory(prefix="commonfuture-") as tmp:
        save_run(snap.result(), Path(tmp) / "run", source=source, overrides=changes_of(snap))
        return render_report(Path(tmp) / "run").encode()


# --------------------------------------------------------------------------- one actor


def follow_actor(
    scenario: Scenario, seed: int, replicate: int, actor: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One actor of replicate ``replicate`` of ``seed`` (the same actor as in the batch, by
    common random numbers), replayed month by month: its value chain, and its state after
    every month (``month``, ``status``, ``commitment``, ``trust``; month 0 is the start)."""
    actor = int(actor)
    run = Run(scenario, seed=seed, replicates=[int(replicate)], chains=[actor])
    rows = [_actor_state(run, actor)]
    while not run.done:
        run.step()
        rows.append(_actor_state(run, actor))
    df = run.value_chains()
    chain = df[df["actor"] == actor].reset_index(drop=True)
    states = pd.DataFrame(rows, columns=["month", "status", "commitment", "trust"])
    return chain, states


def _actor_state(run: Run, actor: int) -> tuple[int, str, float, float]:
    s = run.state  # one replicate: row 0
    return (
        run.month,
        STATUS_NAMES[int(s.status[0, actor])],
        float(s.commitment[0, actor]),
        float(s.trust[0, actor]),
    )


def actor_identity(scenario: Scenario, actor: int) -> dict[str, str]:
    """Who actor ``actor`` is, in words: ``{"sector": "public sector", "role": "a key
    leader"}`` (actors are ordered by sector, key leaders first in each)."""
    from commonfuture.runs import actor_roles

    row = actor_roles(scenario).iloc[int(actor)]
    sector, role = str(row["sector"]), str(row["role"]).replace(" ", "_")
    return {"sector": vocabulary.SECTOR_WORDS[sector], "role": vocabulary.ROLE_WORDS[role]}


def actor_chain(scenario: Scenario, seed: int, replicate: int, actor: int) -> pd.DataFrame:
    """The value chain of one actor (see :func:`follow_actor`)."""
    return follow_actor(scenario, seed, replicate, actor)[0]


def chain_summary(chain: pd.DataFrame) -> dict[str, Any]:
    """Headline facts of one value chain."""
    ev = chain["event"].astype(str)
    commit = chain.loc[ev == "commit", "month"]
    secede = chain.loc[ev == "secede", "month"]
    uses = chain[ev == "use"]
    evals = chain[ev == "evaluate"]
    return {
        "joined": [int(m) for m in commit],
        "seceded": [int(m) for m in secede],
        "uses": int(len(uses)),
        "realised": float(uses["value"].sum()) if len(uses) else 0.0,
        "wins": int((evals["outcome"] == "win").sum()),
        "shortfalls": int((evals["outcome"] == "shortfall").sum()),
        "used": uses.groupby("proposition")["value"].agg(["count", "sum"]).reset_index()
        if len(uses)
        else pd.DataFrame(columns=["proposition", "count", "sum"]),
    }


# --------------------------------------------------------------------------- training

#: the game lengths the training page offers besides the whole case (months)
SHORT_HORIZONS: tuple[int, ...] = (6, 12, 24)

#: hours in the longest month: no field can ask for more
MONTH_HOURS = words.MONTH_HOURS

#: the actions in the order the page asks for them
ACTIONS: tuple[str, ...] = ("engage", "arbitrate", "negotiate", "link", "wins", "target")


def horizon_choices(scenario: Scenario) -> dict[str, int | None]:
    """The game lengths to pick from: the whole case, or a shorter horizon (months;
    None: the case's own)."""
    out: dict[str, int | None] = {f"the whole case ({scenario.months} months)": None}
    for m in SHORT_HORIZONS:
        if m < scenario.months:
            out[f"{m} months ({m // 3} quarters)"] = m
    return out


SEED_PROBLEM = "The seed is a whole number, 0 or more."


def seed_of(text: Any) -> int:
    """The seed typed in the page; ValueError (:data:`SEED_PROBLEM`) when it is not one."""
    try:
        s = int(str(text).strip())
    except (TypeError, ValueError):
        raise ValueError(SEED_PROBLEM) from None
    if s < 0:
        raise ValueError(SEED_PROBLEM)
    return s


def new_game(case: str, seed: Any, months: int | None = None):
    """A training game of a shipped case (:class:`commonfuture.training.Game`), cut to
    ``months`` when given. ValueError with one line for a bad seed or case."""
    from commonfuture.training.game import Game

    if case not in cases():
        raise ValueError(f"unknown case {str(case)[:60]!r}: pick one of the list")
    s = seed_of(seed)
    try:
        return Game(case, s, [f"months={int(months)}"] if months else [])
    except ScenarioError as err:
        raise ValueError("; ".join(err.problems)) from None


def group_words(group: str) -> str:
    return vocabulary.SECTOR_WORDS.get(group, group)


def tension_words(pair: str) -> str:
    """``public-third`` -> ``public sector and third sector``."""
    a, _, b = pair.partition("-")
    return f"{group_words(a)} and {group_words(b)}"


@dataclass(frozen=True)
class Slot:
    """One hours field of the training page's plan."""

    key: str  # the allocation's key: "engage:citizens", "arbitrate:public-third", "link"
    action: str  # engage, arbitrate, negotiate, link, wins or target
    label: str  # plain words
    detail: str = ""  # what the player knows about it


def plan_slots(view) -> list[Slot]:
    """The fields of a quarter's plan: each group to engage, each tension voiced to
    arbitrate (largest first), negotiating, linking, staging small wins and steering
    towards the long-term target."""
    out = []
    for g in view.groups:
        n, gone = view.members.get(g, 0), view.departures.get(g, 0)
        detail = f"{n:,} member{'' if n == 1 else 's'}"
        if gone:
            detail += f", {gone:,} left last quarter"
        out.append(Slot(f"engage:{g}", "engage", group_words(g), detail))
    for pair, level in sorted(view.tensions.items(), key=lambda kv: -kv[1]):
        hours = view.settle_hours.get(pair, 0.0)
        out.append(
            Slot(
                f"arbitrate:{pair}",
                "arbitrate",
                tension_words(pair),
                f"level {level:.2f} of 1; {hours:g} hours a month to settle it",
            )
        )
    out.append(Slot("negotiate", "negotiate", "with the other key leaders"))
    out.append(Slot("link", "link", "with the wider community"))
    out.append(
        Slot(
            "wins",
            "wins",
            "milestones nearer and seen",
            f"{view.milestones:,} reached a milestone last quarter",
        )
    )
    out.append(
        Slot(
            "target",
            "target",
            "towards the long-term target",
            f"{view.target_progress:.1%} reached, {view.target_planned:.1%} planned by now",
        )
    )
    return out


def parse_hours(text: Any) -> float:
    """A field's hours a month: empty is 0; ValueError with one line otherwise."""
    s = "" if text is None else str(text).strip().lower()
    for unit in ("hours", "hour", "h"):
        if s.endswith(unit):
            s = s[: -len(unit)].strip()
            break
    if s == "":
        return 0.0
    try:
        h = float(s)
    except ValueError:
        raise ValueError(f"{str(text)[:20]!r} is not a number of hours") from None
    if not math.isfinite(h):
        raise ValueError(f"{str(text)[:20]!r} is not a number of hours")
    if h < 0:
        raise ValueError("hours cannot be negative")
    if h > MONTH_HOURS:
        raise ValueError(f"a month has at most {MONTH_HOURS} hours")
    return h + 0.0  # -0 is 0


@dataclass(frozen=True)
class PlanCheck:
    """A quarter's plan read from the page's fields."""

    plan: dict[str, float]  # the allocation (only the fields with hours)
    problems: dict[str, str]  # field key -> what is wrong with it
    total: float
    capacity: float

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def note(self) -> str:
        """The plan's total against the leaders' capacity, in words."""
        cap, total = self.capacity, self.total
        if self.problems:
            n = len(self.problems)
            return f"{n} field{'s' if n > 1 else ''} to correct before playing the quarter."
        if cap <= 0:
            return "The key leaders have no hours this quarter: the plan cannot be spent."
        if total > cap:
            share = cap / total
            part = f"{share:.0%}" if share >= 0.01 else "less than 1%"
            return (
                f"Your plan asks for {total:,.10g} hours a month; the key leaders have {cap:g}. "
                f"Every action will be scaled down to {part} of what you set, to fit."
            )
        if total == 0:
            return f"Nothing planned: the {cap:g} hours a month of the key leaders go unspent."
        left = cap - total
        return f"{total:g} of {cap:g} hours a month planned" + (
            f"; {left:g} unspent." if left > 0 else ": all of it."
        )


def read_plan(view, entries: dict[str, Any]) -> PlanCheck:
    """The plan of the fields ``entries`` (field key -> text) for ``view``'s quarter."""
    plan: dict[str, float] = {}
    problems: dict[str, str] = {}
    for slot in plan_slots(view):
        try:
            h = parse_hours(entries.get(slot.key, ""))
        except ValueError as err:
            problems[slot.key] = str(err)
            continue
        if h > 0:
            plan[slot.key] = h
    return PlanCheck(plan, problems, float(sum(plan.values())), float(view.capacity))


def carried_entries(view, last: dict[str, float] | None) -> dict[str, str]:
    """The fields at the start of a quarter: last quarter's hours where the field is
    still there (the first quarter starts empty)."""
    last = last or {}
    return {s.key: f"{last[s.key]:g}" if s.key in last else "" for s in plan_slots(view)}


def plan_words(plan: dict[str, float]) -> str:
    """``{"engage:citizens": 8, "negotiate": 4}`` -> ``engage residents 8, negotiate 4``."""
    parts = []
    for key, h in plan.items():
        action, _, target = key.partition(":")
        if action == "engage":
            target = group_words(target)
        elif action == "arbitrate":
            target = tension_words(target)
        parts.append(f"{action} {target} {h:g}".replace("  ", " "))
    return ", ".join(parts) or "nothing"


def view_markdown(view) -> str:
    """What the key leaders know at the start of a quarter (a :class:`View`), in words:
    the news, the stage, capacity and money, the groups, wins and shortfalls, and the
    tensions voiced. Nothing the model hides from a leader."""
    last = min(view.month + 3, view.months)
    lines = [
        f"### Quarter {view.quarter} of {view.quarters} "
        f"(months {view.month + 1}-{last} of {view.months})",
        "",
        *(f"- **News:** {line}" for line in view.news),
        "",
        f"**Stage:** {vocabulary.stage_text(view.stage)}. "
        f"**Key leaders:** {view.key_leaders} "
        f"(their agreement on the target: {view.consensus:.2f} of 1). "
        f"**Capacity:** {view.capacity:g} hours a month. "
        f"**Money last month:** GBP {view.money:,.0f}. "
        f"**Supporters in the wider community:** {view.supporters:,}.",
        "",
        (
            f"Last quarter members reported **{view.small_wins:,}** small "
            f"win{'' if view.small_wins == 1 else 's'} and **{view.shortfalls:,}** "
            f"shortfall{'' if view.shortfalls == 1 else 's'}."
            if view.month
            else "No quarter played yet: no wins or shortfalls reported."
        ),
        "",
        "| group | members | left last quarter |",
        "|---|---:|---:|",
        *(
            f"| {group_words(g)} | {view.members.get(g, 0):,} | {view.departures.get(g, 0):,} |"
            for g in view.groups
        ),
    ]
    if view.tensions:
        lines += [
            "",
            "| tension between | level (0-1) | hours a month to settle it |",
            "|---|---:|---:|",
            *(
                f"| {tension_words(k)} | {v:.2f} | {view.settle_hours.get(k, 0.0):g} |"
                for k, v in sorted(view.tensions.items(), key=lambda kv: -kv[1])
            ),
        ]
    else:
        lines += ["", "No tension is voiced."]
    return "\n".join(lines)


#: the policies of a debrief, in words
POLICY_WORDS: dict[str, str] = {
    "you": "your plan",
    "steady": "the scenario's levers as a fixed split",
    "firefight": "the largest tension first, then the group losing most members",
    "grow": "groups with no members yet first, then linking",
    "strong": "found by searching for the best score",
}


def debrief_markdown(d) -> str:
    """A debrief's outcome table, lessons and plan, in Markdown (the numbers of
    :func:`commonfuture.training.debrief.debrief`)."""
    from commonfuture.training.debrief import ROWS, fmt

    g = d.game
    names = list(d.outcomes.index)
    lines = [
        f"You led {g.quarter} quarter{'' if g.quarter == 1 else 's'}, {g.month} of "
        f"{g.months} months. Beside you, the same collaboration with the same chance, led "
        "by "
        + "; ".join(f"*{n}* ({POLICY_WORDS.get(n, n)})" for n in names if n != "you")
        + ": every difference is leadership, not luck.",
        "",
        "| | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for key, label in ROWS:
        if key.startswith("left_"):
            label = f"members who left: {group_words(key[5:])}"
        cells = " | ".join(fmt(key, d.outcomes.loc[n, key]) for n in names)
        lines.append(f"| {label} | {cells} |")
    lines += ["", "#### The paper's lessons", ""]
    for lesson in d.lessons:
        where = f" (quarter {lesson.quarter})" if lesson.quarter else ""
        lines.append(
            f"- **{lesson.title}**: <span class='cf-{lesson.status.replace(' ', '-')}'>"
            f"{lesson.status}</span>{where}: {lesson.evidence}.  \n"
            f"  <small>{lesson.sentence}</small>"
        )
    lines += ["", "#### Your plan, hours a month", ""]
    for i, p in enumerate(g.plans):
        lines.append(f"- quarter {i + 1}: {plan_words(p)}")
    return "\n".join(lines)


def game_json(game) -> bytes:
    """The saved game (``commonfuture train GAME.json`` resumes and replays it)."""
    return (json.dumps(game.to_json(), indent=1) + "\n").encode()


def debrief_html(d) -> bytes:
    """The debrief's self-contained page (as ``commonfuture train`` writes it)."""
    return d.html().encode("utf-8")


def in_background(
    work: Callable[[], Any],
    done: Callable[[Any, str], None],
    noting: Callable[[str], None] | None = None,
) -> threading.Thread:
    """``work()`` in a worker thread; then ``done(result, "")``, or ``done(None,
    message)`` with one line when it failed. ``noting(text)`` tells the page while the
    model compiles (its first run on a machine). Returns at once."""

    def note(kernel: str | None) -> None:
        if noting is not None:
            noting(
                f"compiling the model on its first run on this machine ({kernel}); "
                "it is cached for the next runs"
                if kernel is not None
                else ""
            )

    def body() -> None:
        try:
            with compiled.compiling(note):
                result = work()
        except Exception as err:  # shown in the page as one line, never a traceback
            done(None, str(err).splitlines()[0] if str(err) else type(err).__name__)
            return
        done(result, "")

    t = threading.Thread(target=body, daemon=True, name="commonfuture-training")
    t.start()
    return t
