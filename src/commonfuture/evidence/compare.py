"""Published figures beside the series read from an event log.

Each observation whose measure is a column of the monthly series (optionally
``cumulative:``, or ``share:`` of residents with the wider population known) is set
beside the series' value in the month it is dated; any other is listed as context.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from commonfuture.evidence.formats import CUMULATIVE, SHARE, SHARE_UNITS, share_of


def against_series(
    monthly: pd.DataFrame, obs: pd.DataFrame, wider: int | None = None
) -> pd.DataFrame:
    """One row per observation: ``date``, ``measure``, ``value`` (a share as a fraction),
    ``unit``, ``records`` (the series' value that month, blank when there is none),
    ``scale`` (what the series is multiplied by to be compared: 1 / ``wider`` for a share),
    ``month`` and a ``note`` saying why a figure is not compared."""
    months = pd.to_datetime(monthly["date"]).dt.to_period("M")
    rows = []
    for r in obs.itertuples(index=False):
        cum, share = r.measure.startswith(CUMULATIVE), r.measure.startswith(SHARE)
        col = r.measure.removeprefix(CUMULATIVE).removeprefix(SHARE)
        value = float(r.value) * (SHARE_UNITS[str(r.unit).strip().lower()] if share else 1.0)
        row = {
            "date": r.date,
            "measure": r.measure,
            "value": value,
            "unit": "share" if share else r.unit,
            "records": np.nan,
            "scale": 1.0 / wider if share and wider else 1.0,
            "month": None,
            "note": "",
            "source": r.source,
        }
        hit = np.flatnonzero((months == pd.Timestamp(r.date).to_period("M")).to_numpy())
        if col not in monthly.columns:
            row["note"] = "context: not a measure the records give"
        elif not len(hit):
            row["note"] = "dated outside the records' months"
        elif share and (share_of(col) != "citizens" or wider is None):
            row["note"] = (
                "a share of residents needs --wider (the residents within reach)"
                if share_of(col) == "citizens"
                else "records cannot count whom this is a share of"
            )
        else:
            i = int(hit[0])
            series = monthly[col].to_numpy(float)
            x = series[: i + 1].sum() if cum else series[i]
            row["records"] = x * row["scale"]
            row["month"] = int(monthly["month"].iloc[i])
        rows.append(row)
    return pd.DataFrame(rows)
