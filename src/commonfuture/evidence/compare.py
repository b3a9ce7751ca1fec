"""Published figures beside the series read from an event log.

Each observation whose measure is a column of the monthly series is read from the
series as calibration reads it from the model (:mod:`commonfuture.evidence.figures`:
a value in its month, a sum so far or over a period, a share of residents with the
wider population known or of another measure, a bound, an interval, a date first
reached) and set beside the figure, with whether the records meet it; any other is
listed as context.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from commonfuture.evidence import figures as fig
from commonfuture.evidence.formats import SHARE_UNITS, share_of


def against_series(
    monthly: pd.DataFrame, obs: pd.DataFrame, wider: int | None = None
) -> pd.DataFrame:
    """One row per observation: ``date``, ``measure``, ``value`` (a share as a fraction),
    ``unit``, ``records`` (the series' value, for a date first reached its month; blank
    when there is none), ``met`` (the records agree with the figure), ``scale`` (what the
    series is multiplied by to be compared: 1 / ``wider`` for a share of residents),
    ``month`` and a ``note`` saying why a figure is not compared."""
    t0 = pd.Timestamp(monthly["date"].iloc[0]) - pd.DateOffset(months=1)
    last = int(monthly["month"].max())
    names = set(monthly.columns) - {"month", "date"}
    counts = {"public": 0, "private": 0, "third": 0, "citizens": wider or 0}
    if "row" not in obs.columns:
        obs = obs.assign(row=range(2, len(obs) + 2))
    rows = []
    for i in range(len(obs)):
        one = obs.iloc[i : i + 1]
        r = one.iloc[0]
        col, _, share = fig.parse_measure(r["measure"])
        value = r["value"]
        if share and value is not None and not pd.isna(value):
            value = float(value) * SHARE_UNITS[str(r["unit"]).strip().lower()]
        row = {
            "date": r["date"],
            "measure": r["measure"],
            "type": r.get("type") or "value",
            "value": float(value) if value is not None and not pd.isna(value) else np.nan,
            "unit": "share" if share else r["unit"],
            "records": np.nan,
            "met": None,
            "scale": 1.0,
            "month": None,
            "note": "",
            "source": r["source"],
        }
        of = r.get("of") if "of" in one.columns else None
        if col not in names or (of and of not in names):
            row["note"] = "context: not a measure the records give"
            rows.append(row)
            continue
        if share and not of and (share_of(col) != "citizens" or wider is None):
            row["note"] = (
                "a share of residents needs --wider (the residents within reach)"
                if share_of(col) == "citizens"
                else "records cannot count whom this is a share of"
            )
            rows.append(row)
            continue
        table, _, problems = fig.figure_rows(one, t0, names, counts, horizon=last)
        if problems or table.empty:
            row["note"] = "dated outside the records' months"
            rows.append(row)
            continue
        f = table.iloc[0]
        got = fig.evaluate(table, lambda c: monthly[c].to_numpy(float)[None, :])[0]
        row["records"] = float(got[0])
        row["met"] = bool(fig.met(table, got[None, :])[0, 0])
        row["scale"] = float(f["scale"])
        row["month"] = int(f["month"])
        rows.append(row)
    return pd.DataFrame(rows)
