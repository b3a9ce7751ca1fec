"""Reading and checking records: CSV, Parquet, Excel or XES in, a checked frame out.

Every problem becomes one line naming the file, the row and the column
(``records.csv: row 7, column org:group: unknown sector 'charity' ...``), and all of a
file's problems are reported together (:class:`RecordsError`). Rows are numbered as a
spreadsheet shows them: the header is row 1, the first record row 2 (Parquet files,
which have no header row, number their records the same way); in an XES file the
events are numbered in the file's order (``event 1`` is the first).

Records may come in any order (a log written trace by trace, as process-mining tools
write it, or grouped by actor): they are sorted by date, stably, so events of the same
day keep the order given. A timestamp with a time zone counts on the calendar date it
was written in (``2015-09-29T23:30:00-05:00`` is 29 September).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from commonfuture.evidence.formats import (
    ACTIVITY,
    CASE,
    EVENT_COLUMNS,
    EVENT_REQUIRED,
    GROUP,
    OBSERVATION_COLUMNS,
    OBSERVATION_REQUIRED,
    TIMESTAMP,
    Event,
    Observation,
)

SUFFIXES = (".csv", ".parquet", ".pq", ".xlsx", ".xlsm", ".xes")
_XES_SUFFIXES = (".xes",)
#: the dates a record may carry (what a monthly series can hold: pandas' datetime range)
FIRST_DATE, LAST_DATE = dt.date(1678, 1, 1), dt.date(2261, 12, 31)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ].*)?$")


class RecordsError(ValueError):
    """Records are invalid; ``problems`` has one line per problem, each naming the file."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        if source.lower().endswith(_XES_SUFFIXES):
            problems = [_as_events(p) for p in problems]
        self.problems = [f"{source}: {p}" for p in problems]
        super().__init__("\n".join(self.problems))


def _as_events(line: str) -> str:
    """``row N`` of an XES file's frame as ``event N-1`` (its place in the file)."""
    return re.sub(r"\brow (\d+)", lambda m: f"event {int(m.group(1)) - 1}", line)


def read_table(path: str | Path) -> pd.DataFrame:
    """A CSV, Parquet or Excel file as a frame of raw cells (blank cells as None)."""
    path = Path(path)
    src = str(path)
    if not path.exists():
        raise RecordsError(src, ["file not found"])
    if path.is_dir():
        raise RecordsError(src, ["is a directory, not a records file"])
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
        elif suffix in (".parquet", ".pq"):
            df = pd.read_parquet(path)
        elif suffix in (".xlsx", ".xlsm"):
            df = pd.read_excel(path, dtype=object, sheet_name=0)
        elif suffix in _XES_SUFFIXES:
            from commonfuture.evidence.xes import XESError, read_xes

            try:
                df = read_xes(path)
            except XESError as err:
                raise RecordsError(src, [str(err)]) from None
        else:
            raise RecordsError(src, [f"unknown file type {suffix!r}: use {', '.join(SUFFIXES)}"])
    except RecordsError:
        raise
    except UnicodeDecodeError:
        raise RecordsError(src, ["not a UTF-8 text file"]) from None
    except Exception as err:  # a file the reader cannot parse, whatever the reader raises
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise RecordsError(src, [f"cannot read the file ({first})"]) from None
    df.columns = [str(c).strip() for c in df.columns]
    return df.astype(object).where(pd.notna(df), None).map(_blank)


def _blank(x: Any) -> Any:
    if isinstance(x, str):
        x = x.strip()
        return x or None
    if isinstance(x, float) and np.isnan(x):
        return None
    return x


def _date(x: Any) -> Any:
    """ISO dates and timestamps, Excel dates: the calendar date; anything else as it is."""
    if isinstance(x, pd.Timestamp | dt.datetime):
        return x.date()  # the calendar date in the timestamp's own time zone
    if isinstance(x, str) and _ISO.match(x):
        return x[:10]
    return x


def _columns(df: pd.DataFrame, known: tuple[str, ...], required: tuple[str, ...]) -> list[str]:
    problems = [f"column {c}: missing (required)" for c in required if c not in df.columns]
    for c in df.columns:
        if c not in known and ":" not in c:  # XES extension attributes (a:b) are passed over
            problems.append(f"column {c}: unknown column (expected {', '.join(known)})")
    seen = set()
    for c in df.columns:
        if c in seen:
            problems.append(f"column {c}: appears twice")
        seen.add(c)
    return problems


def _row_problems(err: ValidationError, row: int) -> list[str]:
    out = []
    for e in err.errors():
        col = str(e["loc"][0]) if e["loc"] else None
        msg = e["msg"].removeprefix("Value error, ")
        if col is None and ": " in msg:
            col, msg = msg.split(": ", 1)
        if e["type"] == "missing":
            msg = "missing (required)"
        elif e["type"] == "literal_error":
            msg = f"{e.get('input')!r} is not allowed: {msg.removeprefix('Input should be ')}"
        where = f"row {row}, column {col}" if col else f"row {row}"
        out.append(f"{where}: {msg}")
    return out


def _validate_rows(df: pd.DataFrame, model, *date_cols: str) -> tuple[list, list[str]]:
    rows, problems = [], []
    for i, rec in enumerate(df.to_dict("records")):
        rec = {k: v for k, v in rec.items() if k in model.model_fields or k in _aliases(model)}
        for date_col in date_cols:
            if date_col in rec:
                rec[date_col] = _date(rec[date_col])
        try:
            row = model.model_validate(rec)
        except ValidationError as err:
            problems += _row_problems(err, i + 2)
            continue
        late = [
            (col, when)
            for col, when in (
                (date_cols[0], row.date),
                ("date_from", getattr(row, "date_from", None)),
            )
            if isinstance(when, dt.date) and not FIRST_DATE <= when <= LAST_DATE
        ]
        if late:
            col, when = late[0]
            problems.append(
                f"row {i + 2}, column {col}: {when} is outside the dates handled "
                f"({FIRST_DATE} to {LAST_DATE})"
            )
            continue
        rows.append((i + 2, row))
    return rows, problems


def _aliases(model) -> set[str]:
    return {f.alias for f in model.model_fields.values() if f.alias}


# ----------------------------------------------------------------------------- event log


def load_events(path: str | Path) -> pd.DataFrame:
    """Read and check an event log; return it with short column names
    (actor, kind, date, sector, amount, proposition, note) plus ``row``, sorted by date
    (stably: a day's events in the order given)."""
    src = str(path)
    df = read_table(path)
    problems = _columns(df, tuple(EVENT_COLUMNS), EVENT_REQUIRED)
    if problems:
        raise RecordsError(src, problems)
    if df.empty:
        raise RecordsError(src, ["no events (the file has a header and no rows)"])
    rows, problems = _validate_rows(df, Event, TIMESTAMP)
    rows = sorted(rows, key=lambda r: r[1].date)  # stable: a day's events keep their order
    problems += _event_logic(rows)
    if problems:
        raise RecordsError(src, sorted(problems, key=_row_key))
    out = pd.DataFrame(
        [{"row": r, **ev.model_dump(by_alias=False)} for r, ev in rows],
        columns=["row", *EVENT_COLUMNS.values()],
    )
    out["date"] = pd.to_datetime(out["date"])
    return out


def _row_key(line: str) -> tuple[int, str]:
    m = re.match(r"row (\d+)", line)
    return (int(m.group(1)) if m else 0, line)


def _event_logic(rows: list[tuple[int, Event]]) -> list[str]:
    """Problems no single row shows: duplicates, sectors, joining and leaving (``rows`` in
    date order)."""
    problems: list[str] = []
    seen: dict[tuple, int] = {}
    sector: dict[str, tuple[str, int]] = {}
    member: dict[str, bool] = {}
    leader: dict[str, bool] = {}
    for row, ev in rows:
        key = tuple(ev.model_dump().values())
        if key in seen:
            problems.append(f"row {row}: duplicate of row {seen[key]}")
            continue
        seen[key] = row
        a = ev.actor
        if a is None:
            continue
        if a in sector and sector[a][0] != ev.sector:
            problems.append(
                f"row {row}, column {GROUP}: actor {a} is {ev.sector!r} here but "
                f"{sector[a][0]!r} in row {sector[a][1]}"
            )
        sector.setdefault(a, (ev.sector, row))
        if ev.kind == "joined":
            if member.get(a):
                problems.append(f"row {row}, column {ACTIVITY}: actor {a} joins while a member")
            member[a] = True
        elif ev.kind == "left":
            if a not in member:
                problems.append(f"row {row}, column {ACTIVITY}: actor {a} leaves before joining")
            elif not member[a]:
                problems.append(
                    f"row {row}, column {ACTIVITY}: actor {a} leaves again without rejoining"
                )
            member[a] = False
        elif ev.kind == "key_leader_changed":
            takes = ev.amount == 1.0
            if not takes and not leader.get(a):
                problems.append(
                    f"row {row}, column amount: actor {a} gives up a key-leader role it does "
                    "not hold"
                )
            leader[a] = takes
    return problems


# ----------------------------------------------------------------------------- observations


def load_observations(path: str | Path) -> pd.DataFrame:
    """Read and check dated observations (in any order); return their columns
    (:data:`~commonfuture.evidence.formats.OBSERVATION_COLUMNS`) plus ``row``, in the
    file's order."""
    src = str(path)
    df = read_table(path)
    problems = _columns(df, OBSERVATION_COLUMNS, OBSERVATION_REQUIRED)
    if problems:
        raise RecordsError(src, problems)
    if df.empty:
        raise RecordsError(src, ["no observations (the file has a header and no rows)"])
    rows, problems = _validate_rows(df, Observation, "date", "date_from")
    seen: dict[tuple, int] = {}
    for row, ob in rows:
        key = (ob.date, ob.measure, ob.source, ob.type, ob.side)
        if key in seen:
            problems.append(
                f"row {row}: duplicate of row {seen[key]} (same date, measure and source)"
            )
        else:
            seen[key] = row
    if problems:
        raise RecordsError(src, sorted(problems, key=_row_key))
    out = pd.DataFrame(
        [{"row": r, **ob.model_dump()} for r, ob in rows],
        columns=["row", *OBSERVATION_COLUMNS],
    )
    out["date"] = pd.to_datetime(out["date"])
    return out


def sniff(path: str | Path) -> str:
    """``"events"`` or ``"observations"``, from the file's columns."""
    df = read_table(path)
    if CASE in df.columns or ACTIVITY in df.columns or TIMESTAMP in df.columns:
        return "events"
    if "measure" in df.columns:
        return "observations"
    raise RecordsError(
        str(path),
        [
            f"neither an event log (columns {', '.join(EVENT_REQUIRED)}) nor observations "
            f"(columns {', '.join(OBSERVATION_REQUIRED)})"
        ],
    )
