"""The dashboard's charts: Vega-Lite specifications, drawn in the page with the values of
the month under the pointer on hover and the scenario's events marked at their months.

Each chart is a template, written once with Altair and kept (:func:`functools.lru_cache`),
and the run's numbers, filled in as named datasets at every update: the means and 10-90%
bands over runs are computed here, so the page receives a few numbers per month and
chart, not the runs, and a redraw costs milliseconds. Every word comes from
:mod:`commonfuture.vocabulary`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from commonfuture.scenario.schema import SECTORS
from commonfuture.value import DESTRUCTION_KINDS, ELEMENTS, LEVELS
from commonfuture.vocabulary import (
    ELEMENT_WORDS,
    KIND_WORDS,
    LEVEL_WORDS,
    NET_DESTROYED,
    SECTOR_WORDS,
    STAGE_WORDS,
    event_text,
    measure_label,
)

COLOURS = ("#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#66a182", "#8d6a9f", "#00798c")
A_COLOUR, B_COLOUR = "#1b6ca8", "#d1495b"
STAGE_COLOURS = ("#d9d9d9", "#9ecae1", "#4292c6", "#08519c")
HEIGHT = 170

Spec = dict[str, Any]


@dataclass(frozen=True)
class Panel:
    """One chart of the Charts tab: its title, the measures it draws and their names."""

    title: str
    units: str
    series: tuple[tuple[str, str], ...]  # (measure, legend label)
    scale: float = 1.0  # multiply the values (100: a share shown in %)


def panels(target_name: str = "target") -> tuple[Panel, ...]:
    """The panels under the stage chart, in order (each names its measures plainly)."""
    return (
        Panel(
            "Members by sector", "actors", tuple((f"members_{s}", SECTOR_WORDS[s]) for s in SECTORS)
        ),
        Panel(
            "Value created by element",
            "value units / month",
            tuple((f"value_{e}", ELEMENT_WORDS[e]) for e in ELEMENTS),
        ),
        Panel(
            "Net value by level (created minus lost)",
            "value units / month",
            tuple((f"value_{lvl}", LEVEL_WORDS[lvl]) for lvl in LEVELS),
        ),
        Panel(
            "Value lost by kind (gross, before netting)",
            "value units / month",
            tuple((f"loss_{k}", KIND_WORDS[k]) for k in DESTRUCTION_KINDS),
        ),
        Panel(
            NET_DESTROYED[:1].upper() + NET_DESTROYED[1:],
            "value units / month",
            (("value_destroyed", "net value destroyed"),),
        ),
        Panel(
            "Small wins and shortfalls",
            "evaluations / month",
            (("small_wins", "small wins"), ("shortfalls", "shortfalls")),
        ),
        Panel(
            f"Progress to the target (% of {target_name})",
            f"% of {target_name}",
            (("target_progress", "progress"),),
            100.0,
        ),
        Panel(
            "Commitment and trust of members",
            "0-1",
            (("mean_commitment", "commitment"), ("mean_trust", "trust")),
        ),
    )


# --------------------------------------------------------------------------- data


def _round(x: np.ndarray) -> list[float]:
    """Four significant figures: what a reader sees, and a small page."""
    x = np.asarray(x, dtype=float)
    out = np.zeros_like(x)
    nz = np.isfinite(x) & (x != 0)
    mag = np.floor(np.log10(np.abs(x[nz])))
    out[nz] = np.round(x[nz] / 10**mag, 3) * 10**mag
    return [float(f"{v:.6g}") for v in out]


def stage_shares(stage: np.ndarray) -> pd.DataFrame:
    """Share of runs in each stage, month by month (long: month, stage, share)."""
    x = np.asarray(stage, dtype=int)
    t = np.arange(1, x.shape[0] + 1)
    rows = [
        pd.DataFrame({"month": t, "stage": f"{k} {w}", "share": (x == k).mean(axis=1)})
        for k, w in STAGE_WORDS.items()
    ]
    return pd.concat(rows, ignore_index=True)


def events_frame(events: list[dict] | None, funding_end: int | None = None) -> pd.DataFrame:
    """The markers: one row per event (month, what happens in words)."""
    rows = [
        {"month": int(e["month"]), "event": event_text(e["kind"], e.get("sector"))}
        for e in events or []
    ]
    if funding_end is not None:
        rows.append({"month": int(funding_end), "event": event_text("funding_stops")})
    return pd.DataFrame(rows, columns=["month", "event"])


def _event_records(events: pd.DataFrame, months: int) -> list[dict]:
    return [
        {"month": int(m), "event": str(e)}
        for m, e in zip(events["month"], events["event"], strict=True)
        if 1 <= int(m) <= months
    ]


def _event_words(events: pd.DataFrame) -> dict[int, str]:
    out: dict[int, str] = {}
    for m, text in zip(events["month"], events["event"], strict=True):
        out[int(m)] = f"{out[int(m)]}; {text}" if int(m) in out else str(text)
    return out


def _summary(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    lo, hi = np.percentile(x, [10, 90], axis=1)
    return x.mean(axis=1), lo, hi


# --------------------------------------------------------------------------- templates


def _alt():
    import altair as alt

    return alt


def _quick(build):
    """Build a template with Altair's schema checks off (the templates are fixed; the
    checks cost seconds a chart)."""

    def wrapped(*args):
        from altair.utils import schemapi

        with schemapi.debug_mode(False):
            return build(*args)

    wrapped.__doc__, wrapped.__name__ = build.__doc__, build.__name__
    return wrapped


def _x(months: int, first: int = 1):
    alt = _alt()
    return alt.X(
        "month:Q",
        scale=alt.Scale(domain=[first, max(months, 2)], nice=False),
        axis=alt.Axis(title="month", tickMinStep=1),
    )


def _hover(months: int, tips: list, first: int = 1):
    """A rule that follows the pointer and shows every value of that month."""
    alt = _alt()
    nearest = alt.selection_point(
        nearest=True, on="mouseover", fields=["month"], empty=False, clear="mouseout"
    )
    return (
        alt.Chart(alt.Data(name="wide"))
        .mark_rule(color="#666", strokeWidth=1)
        .encode(
            x=_x(months, first),
            opacity=alt.condition(nearest, alt.value(0.7), alt.value(0)),
            tooltip=tips,
        )
        .add_params(nearest)
    )


def _events_layer(months: int):
    alt = _alt()
    return (
        alt.Chart(alt.Data(name="events"))
        .mark_rule(color="#555", strokeDash=[4, 3], strokeWidth=1.3)
        .encode(
            x=_x(months),
            tooltip=[
                alt.Tooltip("month", type="quantitative"),
                alt.Tooltip("event", type="nominal"),
            ],
        )
    )


def _spec(layers: list, title: str, height: int = HEIGHT) -> Spec:
    alt = _alt()
    chart = (
        alt.layer(*layers)
        .properties(
            title=alt.TitleParams(title, anchor="start", fontSize=13),
            width="container",
            height=height,
        )
        .configure_legend(orient="bottom", title=None, labelLimit=240, columns=2)
    )
    spec = chart.to_dict(validate=False)
    spec.pop("$schema", None)  # written for a newer Vega-Lite than the page's: no warning
    spec.pop("datasets", None)
    return spec


def _tip(field: str, title: str, kind: str = "quantitative", fmt: str | None = None):
    alt = _alt()
    return alt.Tooltip(field=field, type=kind, title=title, **({"format": fmt} if fmt else {}))


@lru_cache(maxsize=64)
@_quick
def _stage_template(months: int) -> Spec:
    alt = _alt()
    order = [f"{k} {w}" for k, w in STAGE_WORDS.items()]
    area = (
        alt.Chart(alt.Data(name="long"))
        .mark_area(interpolate="step-after")
        .encode(
            x=_x(months),
            y=alt.Y("share:Q", stack="zero", axis=alt.Axis(format="%", title="share of runs")),
            color=alt.Color(
                "stage:N", scale=alt.Scale(domain=order, range=list(STAGE_COLOURS)), sort=order
            ),
            order=alt.Order("stage:O"),
        )
    )
    tips = [_tip("month", "month")]
    tips += [_tip(f"s{k}", order[k], fmt=".0%") for k in range(4)]
    tips += [_tip("event", "event", "nominal")]
    return _spec(
        [area, _events_layer(months), _hover(months, tips)],
        "Stage: share of runs at each stage",
    )


@lru_cache(maxsize=256)
@_quick
def _panel_template(
    title: str, units: str, labels: tuple[str, ...], months: int, pct: bool
) -> Spec:
    alt = _alt()
    fmt = ".1f" if pct else ",.3~g"
    y = alt.Y("mean:Q", title=units)
    layers: list = []
    if len(labels) == 1:
        layers.append(
            alt.Chart(alt.Data(name="long"))
            .mark_area(opacity=0.18, color=COLOURS[0])
            .encode(x=_x(months), y="low:Q", y2="high:Q")
        )
        layers.append(
            alt.Chart(alt.Data(name="long")).mark_line(color=COLOURS[0]).encode(x=_x(months), y=y)
        )
    else:
        colour = alt.Color(
            "series:N",
            scale=alt.Scale(domain=list(labels), range=list(COLOURS[: len(labels)])),
            sort=list(labels),
        )
        layers.append(
            alt.Chart(alt.Data(name="long")).mark_line().encode(x=_x(months), y=y, color=colour)
        )
    layers.append(_events_layer(months))
    tips = [_tip("month", "month")]
    tips += [_tip(f"s{i}", lab, fmt=fmt) for i, lab in enumerate(labels)]
    if len(labels) == 1:
        tips.append(_tip("band", "10-90% of runs", "nominal"))
    tips.append(_tip("event", "event", "nominal"))
    layers.append(_hover(months, tips))
    return _spec(layers, title)


# --------------------------------------------------------------------------- charts


def _with(template: Spec, **datasets: list[dict]) -> Spec:
    return {**template, "datasets": datasets}


def stage_chart(arrays: dict[str, np.ndarray], months: int, events: pd.DataFrame) -> Spec | None:
    """Share of runs at each stage of the paper (no coupling, coupling, integration,
    linking), month by month."""
    if "stage" not in arrays or not np.asarray(arrays["stage"]).size:
        return None
    x = np.asarray(arrays["stage"], dtype=int)
    t = np.arange(1, x.shape[0] + 1)
    shares = [(x == k).mean(axis=1) for k in range(4)]
    long = [
        {"month": int(m), "stage": f"{k} {STAGE_WORDS[k]}", "share": v}
        for k in range(4)
        for m, v in zip(t, _round(shares[k]), strict=True)
    ]
    words = _event_words(events)
    cols = [_round(s) for s in shares]
    wide = [
        {"month": int(m), **{f"s{k}": cols[k][i] for k in range(4)}, "event": words.get(int(m), "")}
        for i, m in enumerate(t)
    ]
    return _with(
        _stage_template(int(months)), long=long, wide=wide, events=_event_records(events, months)
    )


def panel_chart(
    arrays: dict[str, np.ndarray], months: int, panel: Panel, events: pd.DataFrame
) -> Spec | None:
    """One panel: the mean over runs of each measure, with the 10-90% band of runs when the
    panel draws one measure; the values of the month under the pointer on hover."""
    present = [(m, lab) for m, lab in panel.series if m in arrays and np.asarray(arrays[m]).size]
    if not present:
        return None
    labels = tuple(lab for _, lab in present)
    t = np.arange(1, np.asarray(arrays[present[0][0]]).shape[0] + 1)
    long: list[dict] = []
    wide = [{"month": int(m)} for m in t]
    words = _event_words(events)
    for i, (measure, label) in enumerate(present):
        mean, lo, hi = (_round(v) for v in _summary(panel.scale * np.asarray(arrays[measure])))
        for j, m in enumerate(t):
            long.append(
                {"month": int(m), "series": label, "mean": mean[j], "low": lo[j], "high": hi[j]}
            )
            wide[j][f"s{i}"] = mean[j]
            if len(present) == 1:
                wide[j]["band"] = f"{lo[j]:,.4g} to {hi[j]:,.4g}"
    for row in wide:
        row["event"] = words.get(row["month"], "")
    template = _panel_template(panel.title, panel.units, labels, int(months), panel.scale != 1.0)
    return _with(template, long=long, wide=wide, events=_event_records(events, months))


def overview(
    arrays: dict[str, np.ndarray],
    months: int,
    target_name: str = "target",
    events: pd.DataFrame | None = None,
) -> list[Spec]:
    """The run's charts: the stages, then every panel of :func:`panels`."""
    events = events if events is not None else events_frame([])
    out = [stage_chart(arrays, months, events)]
    out += [panel_chart(arrays, months, p, events) for p in panels(target_name)]
    return [c for c in out if c is not None]


def measure_chart(
    arrays: dict[str, np.ndarray], months: int, name: str, events: pd.DataFrame | None = None
) -> Spec | None:
    """Any measure the run records, by its plain name (new measures appear here at once)."""
    label = measure_label(name)
    p = Panel(label[:1].upper() + label[1:], "", ((name, label),))
    return panel_chart(arrays, months, p, events if events is not None else events_frame([]))


#: (column, title, units, scale) of the side-by-side panels of :func:`side_by_side`
COMPARED = (
    ("members", "Members", "actors", 1.0),
    ("stage", "Stage (0 no coupling, 1 coupling, 2 integration, 3 linking)", "stage", 1.0),
    ("target_progress", "Progress to the target", "% of target", 100.0),
    ("value_created", "Value created", "value units / month", 1.0),
    ("value_destroyed", "Net value destroyed (users left worse off)", "value units / month", 1.0),
    ("small_wins", "Small wins", "evaluations / month", 1.0),
)


@lru_cache(maxsize=64)
@_quick
def _ab_template(title: str, units: str, months: int) -> Spec:
    alt = _alt()
    colour = alt.Color("run:N", scale=alt.Scale(domain=["A", "B"], range=[A_COLOUR, B_COLOUR]))
    band = (
        alt.Chart(alt.Data(name="long"))
        .mark_area(opacity=0.15)
        .encode(x=_x(months), y="low:Q", y2="high:Q", color=colour)
    )
    line = (
        alt.Chart(alt.Data(name="long"))
        .mark_line()
        .encode(x=_x(months), y=alt.Y("mean:Q", title=units), color=colour)
    )
    tips = [_tip("month", "month"), _tip("A", "A", fmt=",.3~g"), _tip("B", "B", fmt=",.3~g")]
    return _spec([band, line, _hover(months, tips)], title)


def side_by_side(
    a: dict[str, np.ndarray], b: dict[str, np.ndarray], months: int, target_name: str = "target"
) -> list[Spec]:
    """A and B with their 10-90% bands of runs, one chart per measure, values on hover."""
    out = []
    for col, title, units, scale in COMPARED:
        if col not in a or col not in b:
            continue
        if col == "target_progress":
            title, units = f"Progress to the target (% of {target_name})", f"% of {target_name}"
        long: list[dict] = []
        wide: dict[int, dict] = {}
        for name, arr in (("A", a[col]), ("B", b[col])):
            x = scale * np.asarray(arr, dtype=float)
            if not x.size:
                continue
            mean, lo, hi = (_round(v) for v in _summary(x))
            for j in range(x.shape[0]):
                m = j + 1
                long.append({"month": m, "run": name, "mean": mean[j], "low": lo[j], "high": hi[j]})
                wide.setdefault(m, {"month": m})[name] = mean[j]
        out.append(
            _with(_ab_template(title, units, int(months)), long=long, wide=list(wide.values()))
        )
    return out


@lru_cache(maxsize=16)
@_quick
def _actor_template(months: int) -> Spec:
    alt = _alt()
    x = _x(months, first=0)
    lines = (
        alt.Chart(alt.Data(name="long"))
        .mark_line(interpolate="step-after")
        .encode(
            x=x,
            y=alt.Y("level:Q", title="commitment and trust (0-1)", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "series:N",
                scale=alt.Scale(domain=["commitment", "trust"], range=[COLOURS[0], COLOURS[3]]),
            ),
        )
    )
    committed = (
        alt.Chart(alt.Data(name="committed"))
        .mark_rect(color=COLOURS[4], opacity=0.18)
        .encode(x=x, x2="end:Q")
    )
    shapes = ["small win", "shortfall", "joined (committed)", "left (seceded)"]
    marks = (
        alt.Chart(alt.Data(name="marks"))
        .mark_point(filled=True, size=70)
        .encode(
            x=x,
            y=alt.value(8),
            shape=alt.Shape(
                "what:N",
                scale=alt.Scale(
                    domain=shapes, range=["triangle-up", "triangle-down", "circle", "cross"]
                ),
            ),
            color=alt.Color(
                "what:N",
                scale=alt.Scale(domain=shapes, range=[COLOURS[2], COLOURS[1], COLOURS[4], "#333"]),
            ),
            tooltip=[_tip("month", "month"), _tip("what", "what happened", "nominal")],
        )
    )
    tips = [
        _tip("month", "month"),
        _tip("status", "status", "nominal"),
        _tip("commitment", "commitment", fmt=".2f"),
        _tip("trust", "trust", fmt=".2f"),
        _tip("realised", "value realised so far", fmt=",.2f"),
        _tip("happened", "what happened", "nominal"),
    ]
    return _spec(
        [committed, lines, marks, _hover(months, tips, first=0)],
        "Commitment and trust, month by month",
        HEIGHT + 40,
    ) | {"resolve": {"scale": {"color": "independent", "shape": "independent"}}}


def actor_chart(chain: pd.DataFrame, months: int, states: pd.DataFrame) -> Spec:
    """One actor month by month: its commitment and trust (the months it was committed
    shaded), the value it has realised so far, and its wins, shortfalls, joining and leaving
    marked; every value on hover."""
    ev = chain["event"].astype(str)
    t = states["month"].to_numpy()
    uses = chain[ev == "use"]
    total = uses.groupby("month")["value"].sum().reindex(t, fill_value=0.0).cumsum().to_numpy()
    marks = []
    for _, r in chain[ev == "evaluate"].iterrows():
        what = "small win" if r["outcome"] == "win" else "shortfall"
        marks.append({"month": int(r["month"]), "what": what})
    marks += [
        {"month": int(m), "what": "joined (committed)"} for m in chain.loc[ev == "commit", "month"]
    ]
    marks += [
        {"month": int(m), "what": "left (seceded)"} for m in chain.loc[ev == "secede", "month"]
    ]
    happened: dict[int, str] = {}
    for mk in marks:
        m = mk["month"]
        happened[m] = f"{happened[m]}; {mk['what']}" if m in happened else mk["what"]
    status = states["status"].astype(str).to_numpy()
    wide = [
        {
            "month": int(m),
            "status": str(status[i]),
            "commitment": round(float(states["commitment"].iloc[i]), 4),
            "trust": round(float(states["trust"].iloc[i]), 4),
            "realised": round(float(total[i]), 4),
            "happened": happened.get(int(m), ""),
        }
        for i, m in enumerate(t)
    ]
    long = [
        {"month": r["month"], "series": s, "level": r[s]}
        for r in wide
        for s in ("commitment", "trust")
    ]
    committed = [
        {"month": int(m), "end": int(m) + 1} for i, m in enumerate(t) if status[i] == "committed"
    ]
    return _with(
        _actor_template(int(months)), long=long, wide=wide, marks=marks, committed=committed
    )


def warm(months: int, target_name: str = "target") -> None:
    """Write the templates of a scenario's charts ahead of its first run (a few seconds
    once; the page calls it in the background when a scenario is chosen)."""
    _stage_template(int(months))
    for p in panels(target_name):
        labels = tuple(lab for _, lab in p.series)
        _panel_template(p.title, p.units, labels, int(months), p.scale != 1.0)


# --------------------------------------------------------------------------- training

#: the colours of the debrief's policies (as on the debrief's own page)
POLICY_COLOURS = {
    "you": "#c0392b",
    "steady": "#7f8c8d",
    "firefight": "#2980b9",
    "grow": "#27ae60",
    "strong": "#8e44ad",
}


@lru_cache(maxsize=16)
@_quick
def _path_template(months: int, names: tuple[str, ...]) -> Spec:
    alt = _alt()
    colour = alt.Color(
        "policy:N",
        scale=alt.Scale(domain=list(names), range=[POLICY_COLOURS.get(n, "#333") for n in names]),
        sort=list(names),
    )

    def line(you: bool):
        return (
            alt.Chart(alt.Data(name="long"))
            .transform_filter(alt.datum.policy == "you" if you else alt.datum.policy != "you")
            .mark_line(strokeWidth=3.5 if you else 1.6)
            .encode(x=_x(months), y=alt.Y("value:Q", title="value units"), color=colour)
        )

    tips = [_tip("month", "month"), *(_tip(n, n, fmt=",.2f") for n in names)]
    return _spec(
        [line(False), line(True), _hover(months, tips)],  # yours drawn on top
        "Net community value so far (cumulative)",
        height=220,
    )


def training_path(runs: dict[str, pd.DataFrame]) -> Spec:
    """A debrief's paths: cumulative net community value month by month, the player's
    (``you``) beside each rival policy on the same chance; values on hover."""
    names = tuple(runs)
    long: list[dict] = []
    wide: dict[int, dict] = {}
    months = 1
    for name, m in runs.items():
        m = m.sort_values("month")
        values = _round(np.cumsum(m["value_community"].to_numpy(dtype=float)))
        for month, v in zip(m["month"].astype(int), values, strict=True):
            long.append({"month": int(month), "policy": name, "value": v})
            wide.setdefault(int(month), {"month": int(month)})[name] = v
        months = max(months, int(m["month"].max()) if len(m) else 1)
    return _with(_path_template(months, names), long=long, wide=list(wide.values()))
