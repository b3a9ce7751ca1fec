"""Writing results files safely: strict JSON, CSV cells that spreadsheets do not run, and
files that appear whole or not at all.

* :func:`dumps` / :func:`write_json`: JSON that any strict parser reads. NaN and the
  infinities (which ``json.dumps`` writes as the non-standard ``NaN``/``Infinity``)
  become ``null``; numpy and pandas scalars become plain numbers, dates ISO strings.
* :func:`neutralise` / :func:`write_csv`: a text cell (or column name) that begins with
  ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written with a leading
  apostrophe, so that a spreadsheet shows it as text rather than running it as a
  formula (CSV injection). Numbers are untouched.
* :func:`write_text`, :func:`write_json`, :func:`write_csv`: written beside the target
  under a temporary name and then moved into place.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

#: first characters a spreadsheet reads as the start of a formula
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def strict(obj: Any) -> Any:
    """``obj`` with every non-finite float as ``None`` and numpy/pandas values as plain
    Python ones (recursively through mappings, lists and tuples)."""
    if obj is None or isinstance(obj, (str, bool, int)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {str(k) if not isinstance(k, str) else k: strict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [strict(v) for v in obj]
    if isinstance(obj, (datetime, date)):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    try:  # numpy and pandas scalars and arrays, without importing them here
        import numpy as np

        if isinstance(obj, np.ndarray):
            return [strict(v) for v in obj.tolist()]
        if isinstance(obj, np.bool_):
            return bool(obj)
        if isinstance(obj, np.integer):
            return int(obj)
        if isinstance(obj, np.floating):
            return strict(float(obj))
        if isinstance(obj, np.datetime64):
            return None if np.isnat(obj) else str(obj)
    except ImportError:  # pragma: no cover
        pass
    if hasattr(obj, "isoformat"):  # pandas Timestamp
        try:
            return obj.isoformat()
        except ValueError:  # NaT
            return None
    if hasattr(obj, "item"):
        return strict(obj.item())
    if hasattr(obj, "__dict__"):
        return strict(vars(obj))
    return str(obj)


def dumps(obj: Any, indent: int | None = 2, **kw: Any) -> str:
    """Strict JSON text of ``obj`` (see :func:`strict`)."""
    return json.dumps(strict(obj), indent=indent, allow_nan=False, **kw)


def write_text(path: str | Path, text: str | bytes) -> Path:
    """Write ``text`` to ``path`` under a temporary name, then move it into place."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        if isinstance(text, bytes):
            tmp.write_bytes(text)
        else:
            tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_json(path: str | Path, obj: Any, indent: int | None = 2) -> Path:
    """Strict JSON (see :func:`dumps`), written whole or not at all."""
    return write_text(path, dumps(obj, indent=indent) + "\n")


def neutral(value: Any) -> Any:
    """A text value safe in a spreadsheet cell: a leading apostrophe before a formula
    prefix (``=1+1`` -> ``'=1+1``); anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise(df):
    """A copy of the data frame ``df`` with every text cell and column name
    :func:`neutral`."""
    import pandas as pd

    out = df.copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            if s.cat.categories.dtype == object:
                out[col] = s.cat.rename_categories([neutral(c) for c in s.cat.categories])
        elif s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            out[col] = s.map(neutral)
    out.columns = [neutral(c) for c in out.columns]
    if out.index.dtype == object:
        out.index = out.index.map(neutral)
    return out


def write_csv(df, path: str | Path, **kw: Any) -> Path:
    """``df`` as CSV with text cells neutralised (see :func:`neutralise`), written whole
    or not at all."""
    return write_text(path, neutralise(df).to_csv(**kw))


def write_atomically(out: str | Path, files: Mapping[str, Any]) -> None:
    """Write each of ``files`` (name -> a callable writing that path) into a temporary
    folder inside ``out``, then move each into place: an interrupted or failing command
    leaves no half-written file and no partial set of new files beside the old ones
    (every writer runs before the first file is moved)."""
    import shutil
    import tempfile

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".partial-", dir=out))
    try:
        for name, writer in files.items():
            writer(tmp / name)
        for name in files:
            os.replace(tmp / name, out / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
