"""Published figures as targets: what each row says, and how far a series is from it.

A row of observations (:class:`~commonfuture.evidence.formats.Observation`) becomes one
*figure*: a quantity read from a monthly series, and the set of values that agree with
the figure.

The quantity: the measure in the month of ``date`` (``members``); its sum from month 1
(``cumulative:``) or over the months from ``date_from`` to ``date`` (``sum:``); a share
(``share:``) of the actors of a group or, with ``of``, of another measure read the same
way; multiplied by ``scale`` when the figure counts a population ``scale`` times the
model's (a figure about the whole city where the scenario holds a sample of it). With
``date_from`` on any other row the figure's date is known only to lie between the two
dates: the month of the range that agrees best is taken.

The values that agree: ``value`` +/- ``uncertainty`` (a plain figure, or one rounded or
stated with its uncertainty); from ``value`` up (``type = bound``, ``side = lower``:
"more than 303") or up to it (``side = upper``); from ``low`` to ``high``
(``type = interval``); for ``type = first_reached`` the quantity's first month at or
above ``value`` must fall in the month of ``date`` (or between ``date_from`` and
``date``: "sold out by").

**Distance** (:func:`distance_fn`): each figure is met (0) or missed by how far the
quantity lies outside the agreeing values, in the figure's units (in months for a date
first reached); a measure's misses are divided by the mean size of its figures (months
since the start for dates) and combined as a root mean square weighted by ``weight``;
the distance is the root mean square of the measures' terms, each weighted by the mean
weight of its figures. Plain figures alone give the distance of earlier versions.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable

import numpy as np
import pandas as pd

from commonfuture.evidence.formats import CUMULATIVE, SHARE, SHARE_UNITS, SUM, share_of

#: how each figure is read from a (replicates, months) series
COLUMNS = (
    "row",
    "date",
    "date_from",
    "measure",
    "column",
    "agg",
    "type",
    "of",
    "scale",
    "m_from",
    "month",
    "s_from",
    "value",
    "lo",
    "hi",
    "weight",
    "group",
    "unit",
    "source",
)


def _months_since(date, t0: pd.Timestamp) -> int:
    d = pd.Timestamp(date)
    return (d.year - t0.year) * 12 + (d.month - t0.month)


def parse_measure(measure: str) -> tuple[str, str, bool]:
    """(column, aggregation, share) of a measure name: ``cumulative:uptake.x`` is
    (``uptake.x``, ``cumulative``, False)."""
    share = measure.startswith(SHARE)
    rest = measure.removeprefix(SHARE)
    if rest.startswith(CUMULATIVE):
        return rest.removeprefix(CUMULATIVE), "cumulative", share
    if rest.startswith(SUM):
        return rest.removeprefix(SUM), "sum", share
    return rest, "month", share


def figure_rows(
    obs: pd.DataFrame,
    start: pd.Timestamp,
    names: set[str],
    counts: dict[str, int] | None = None,
    horizon: int | None = None,
) -> tuple[pd.DataFrame, list[dict], list[str]]:
    """The observations as figures of a series whose month 0 is dated ``start``: (the
    figures, the rows kept as context, problems). ``names`` are the measures the series
    has; ``counts`` the actors of each sector (for shares of a group; None: the series has
    ``members_<sector>`` counts only and group shares are context); ``horizon`` the last
    month a figure may be dated in."""
    t0 = pd.Timestamp(year=start.year, month=start.month, day=1)
    rows, ctx, problems = [], [], []
    for r in obs.itertuples(index=False):
        rec = r._asdict()
        get = rec.get
        col, agg, share = parse_measure(r.measure)
        of = get("of") or None
        if col not in names or (of is not None and of not in names):
            what = col if col not in names else of
            ctx.append(
                {**rec, "note": f"context: {what} is not a measure here; {get('note') or ''}"}
            )
            continue
        kind = get("type") or "value"
        month = _months_since(r.date, t0)
        m_from = _months_since(get("date_from"), t0) if get("date_from") is not None else month
        s_from = 1
        if agg == "sum":  # the months from date_from's to date's, both included
            s_from, m_from = m_from, month
        where = f"row {r.row}, column date"
        first = m_from if agg != "sum" else s_from
        if first < 1:
            problems.append(
                f"{where}: {pd.Timestamp(r.date if agg != 'sum' else get('date_from')).date()} "
                f"is before month 1 of the scenario ({(t0 + pd.DateOffset(months=1)).date():%Y-%m})"
            )
            continue
        if horizon is not None and month > horizon:
            last = (t0 + pd.DateOffset(months=horizon)).date()
            problems.append(
                f"{where}: {pd.Timestamp(r.date).date()} is after the horizon "
                f"(month {horizon}, {last:%Y-%m})"
            )
            continue
        factor = float(get("scale") or 1.0)
        if share:
            if of is None:
                who = share_of(col)
                if counts is None:
                    ctx.append({**rec, "note": "context: whom this is a share of is not known"})
                    continue
                factor = 1.0 / max(1, counts[who] if who != "all" else sum(counts.values()))
            unit_factor = SHARE_UNITS[str(r.unit).strip().lower()]
        else:
            unit_factor = 1.0
        v = get("value")
        value = float(v) * unit_factor if v is not None and not pd.isna(v) else np.nan
        u = float(get("uncertainty") or 0.0) * unit_factor
        if kind == "bound":
            lo, hi = (value, np.inf) if get("side") == "lower" else (-np.inf, value)
        elif kind == "interval":
            lo, hi = float(get("low")) * unit_factor, float(get("high")) * unit_factor
        elif kind == "first_reached":
            lo, hi = float(m_from), float(month)
        else:
            lo, hi = value - u, value + u
        rows.append(
            {
                "row": r.row,
                "date": r.date,
                "date_from": get("date_from"),
                "measure": r.measure,
                "column": col,
                "agg": agg,
                "type": kind,
                "of": of,
                "scale": factor,
                "m_from": m_from,
                "month": month,
                "s_from": s_from,
                "value": value,
                "lo": lo,
                "hi": hi,
                "weight": float(get("weight") or 1.0),
                "group": r.measure + (" (date first reached)" if kind == "first_reached" else ""),
                "unit": "share" if share else r.unit,
                "source": r.source,
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS)), ctx, problems


def last_month(table: pd.DataFrame, margin: int = 12) -> int:
    """The months a series must cover to read every figure (a date first reached: a
    year past its range, so that a late first month is seen as late, not as never)."""
    end = int(table["month"].max())
    if (table["type"] == "first_reached").any():
        end = max(end, int(table.loc[table["type"] == "first_reached", "month"].max()) + margin)
    return end


def _aggregate(x: np.ndarray, agg: str, s_from: int) -> np.ndarray:
    """(k, t) monthly values as the figure reads them in each month."""
    if agg == "month":
        return x
    c = np.cumsum(x, axis=1)
    if agg == "cumulative" or s_from <= 1:
        return c
    base = c[:, s_from - 2 : s_from - 1]
    return c - base


def quantity(r, get: Callable[[str], np.ndarray], cache: dict | None = None) -> np.ndarray:
    """A figure's quantity in every month, (replicates, months): the measure read as the
    figure reads it (a sum, a share...), times its scale. ``r`` is a row of the table."""
    cache = {} if cache is None else cache
    key = (r.column, r.agg, r.s_from, r.of)
    if key not in cache:
        x = _aggregate(np.asarray(get(r.column), float), r.agg, r.s_from)
        if r.of is not None:
            d = _aggregate(np.asarray(get(r.of), float), r.agg, r.s_from)
            x = np.divide(x, d, out=np.zeros_like(x), where=d != 0)
        cache[key] = x
    return cache[key] * r.scale


Figure = namedtuple("Figure", COLUMNS)


def plan(table: pd.DataFrame) -> list:
    """The figures of ``table`` as plain tuples (reading them per particle from the
    frame would cost more than the reading itself)."""
    cols = [table[c].tolist() for c in COLUMNS]
    return [Figure(*vals) for vals in zip(*cols, strict=True)]


def evaluate(table: pd.DataFrame | list, get: Callable[[str], np.ndarray]) -> np.ndarray:
    """The series' value of each figure, (replicates, figures): the quantity in the best
    agreeing month of its date range, or for a date first reached, the first month at or
    above the level (the series' length + 1 when it is never reached). ``get(column)``
    gives a measure's (replicates, months) array; ``table`` may be its :func:`plan`."""
    cache: dict = {}
    out_cols = []
    rows = plan(table) if isinstance(table, pd.DataFrame) else table
    for r in rows:
        x = quantity(r, get, cache)
        k, t = x.shape
        if r.type == "first_reached":
            hit = x >= r.value
            first = np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, t + 1)
            out_cols.append(first.astype(float))
            continue
        a, b = max(1, r.m_from), max(1, r.month)
        cand = x[:, min(a, t) - 1 : min(b, t)]
        gap = np.maximum(r.lo - cand, 0) + np.maximum(cand - r.hi, 0)
        pick = gap.argmin(axis=1)
        out_cols.append(cand[np.arange(k), pick])
    if not out_cols:
        return np.empty((0, 0))
    return np.column_stack(out_cols)


def gaps(table: pd.DataFrame, sim: np.ndarray) -> np.ndarray:
    """How far each value lies outside its figure's agreeing values (0: met)."""
    lo, hi = table["lo"].to_numpy(float), table["hi"].to_numpy(float)
    return np.maximum(lo - sim, 0) + np.maximum(sim - hi, 0)


def met(table: pd.DataFrame, sim: np.ndarray) -> np.ndarray:
    return gaps(table, sim) == 0


def group_scales(table: pd.DataFrame) -> dict[str, float]:
    """The size each measure's misses are divided by: the mean size of its figures
    (months since the start for dates first reached)."""
    ref = np.where(
        table["type"].eq("first_reached"),
        table["month"].to_numpy(float),
        np.where(
            np.isfinite(table["value"].to_numpy(float)),
            table["value"].to_numpy(float),
            np.where(np.isfinite(table["lo"]), table["lo"], table["hi"]).astype(float),
        ),
    )
    out = {}
    for g in dict.fromkeys(table["group"]):
        sel = (table["group"] == g).to_numpy()
        out[g] = max(float(np.mean(np.abs(ref[sel]))), 1e-9)
    return out


def distance_fn(table: pd.DataFrame) -> Callable[[np.ndarray], float]:
    """The distance of one replicate's figure values from the figures (module docstring)."""
    lo, hi = table["lo"].to_numpy(float), table["hi"].to_numpy(float)
    w = table["weight"].to_numpy(float)
    groups = table["group"].to_numpy()
    scales = group_scales(table)
    parts = []
    for g, s in scales.items():
        sel = groups == g
        parts.append((sel, s, w[sel], float(w[sel].mean())))
    total_w = sum(p[3] for p in parts)

    def dist(sim: np.ndarray) -> float:
        gap = np.maximum(lo - sim, 0) + np.maximum(sim - hi, 0)
        acc = 0.0
        for sel, s, ws, gw in parts:
            r = gap[sel] / s
            acc += gw * float(np.sum(ws * r * r) / np.sum(ws))
        return float(np.sqrt(acc / total_w))

    return dist
