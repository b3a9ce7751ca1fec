"""Event logs in XES (IEEE 1849), the exchange format of process-mining tools.

:func:`read_xes` streams a file (``xml.etree.ElementTree.iterparse``: one event in
memory at a time, however long the log) into the same raw cells a CSV gives, so an
XES log passes the very checks a CSV log does (:func:`commonfuture.evidence.load_events`).
Each trace is one actor's value chain: the trace's attributes become ``case:<key>``
columns (``case:concept:name`` is the actor), each event's attributes its own columns
(``concept:name``, ``time:timestamp``, ``org:group``, ``amount``...). A trace without a
``concept:name`` holds the collaboration-wide events (blank actor). Timestamps keep
the calendar date they were written in, whatever their time zone.

:func:`write_xes` writes an event log (the checked frame of ``load_events``, or the raw
CSV columns) as XES: one trace per actor in order of first appearance, events in the
log's order, the collaboration-wide ones in a trace of their own.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.sax.saxutils import quoteattr

import pandas as pd

from commonfuture.evidence.formats import CASE, EVENT_COLUMNS, TIMESTAMP

#: XES attribute elements and the Python value of each
_TYPES = {"string", "date", "int", "float", "boolean", "id"}


def _local(tag: str) -> str:
    """The tag without its XML namespace (``{http://www.xes-standard.org/}event``)."""
    return tag.rsplit("}", 1)[-1]


class XESError(ValueError):
    """The file is not an XES log this reader understands (one line)."""


def _value(el: ET.Element) -> str | None:
    kind = _local(el.tag)
    v = el.get("value")
    if kind == "boolean" and v is not None:
        return "1" if v.strip().lower() == "true" else "0"
    return v


def read_xes(path: str | Path) -> pd.DataFrame:
    """An XES file as a frame of raw cells, one row per event in the file's order."""
    rows: list[dict] = []
    trace: dict[str, str | None] = {}
    event: dict[str, str | None] | None = None
    depth_in_event = 0  # nesting of attributes inside an attribute (lists, containers)
    in_trace = False
    seen_log = False
    try:
        for kind, el in ET.iterparse(str(path), events=("start", "end")):
            tag = _local(el.tag)
            if kind == "start":
                if tag == "log":
                    seen_log = True
                elif tag == "trace":
                    in_trace, trace = True, {}
                elif tag == "event":
                    event, depth_in_event = {}, 0
                elif tag in _TYPES or tag in ("list", "container", "values"):
                    depth_in_event += 1
                continue
            # end of an element
            if tag in _TYPES or tag in ("list", "container", "values"):
                depth_in_event -= 1
                key = el.get("key")
                if depth_in_event == 0 and tag in _TYPES and key is not None:
                    if event is not None:
                        event[key] = _value(el)
                    elif in_trace:
                        trace[f"case:{key}"] = _value(el)
            elif tag == "event":
                if event is not None:
                    rows.append({**trace, **event} if in_trace else event)
                event = None
                el.clear()
            elif tag == "trace":
                in_trace = False
                el.clear()
    except ET.ParseError as err:
        raise XESError(f"not a well-formed XES file ({err})") from None
    if not seen_log:
        raise XESError("not an XES file (no <log> element)")
    cols: list[str] = []
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    if not cols:
        cols = [c for c in EVENT_COLUMNS]
    return pd.DataFrame(rows, columns=cols)


def _attr(key: str, value) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if key == TIMESTAMP:
        if isinstance(value, str):
            value = pd.Timestamp(value)
        if isinstance(value, pd.Timestamp | dt.datetime):
            value = value.isoformat() if value.tzinfo else value.strftime("%Y-%m-%dT%H:%M:%S")
        elif isinstance(value, dt.date):
            value = f"{value.isoformat()}T00:00:00"
        return f"<date key={quoteattr(key)} value={quoteattr(str(value))}/>"
    if key == "amount":
        return f"<float key={quoteattr(key)} value={quoteattr(repr(float(value)))}/>"
    return f"<string key={quoteattr(key)} value={quoteattr(str(value))}/>"


def write_xes(events: pd.DataFrame, path: str | Path) -> Path:
    """Write an event log as XES (see the module's docstring); returns the path."""
    short = {v: k for k, v in EVENT_COLUMNS.items()}
    df = events.rename(columns={c: short.get(c, c) for c in events.columns})
    keep = [c for c in EVENT_COLUMNS if c in df.columns]
    df = df[keep]
    actors = df[CASE].where(df[CASE].notna(), None)
    order: list = []
    for a in actors:
        if a not in order:
            order.append(a)
    path = Path(path)
    with path.open("w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        f.write('<log xes.version="1849-2016" xmlns="http://www.xes-standard.org/">\n')
        for ext, prefix in (
            ("Concept", "concept"),
            ("Time", "time"),
            ("Organizational", "org"),
        ):
            f.write(
                f'  <extension name="{ext}" prefix="{prefix}" '
                f'uri="http://www.xes-standard.org/{prefix}.xesext"/>\n'
            )
        for a in order:
            f.write("  <trace>\n")
            if a is not None:
                f.write(f"    {_attr('concept:name', a)}\n")
            sel = df[(actors == a) if a is not None else actors.isna()]
            for rec in sel.to_dict("records"):
                f.write("    <event>\n")
                for k, v in rec.items():
                    if k == CASE:
                        continue
                    line = _attr(k, v)
                    if line is not None:
                        f.write(f"      {line}\n")
                f.write("    </event>\n")
            f.write("  </trace>\n")
        f.write("</log>\n")
    return path
