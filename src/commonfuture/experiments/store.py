"""The experiment store: one embedded DuckDB file per experiment directory.

Tables:

* ``experiment``: the experiment's name, its full definition (JSON: spec, base
  scenario hash, every parameter point), when it was created;
* ``runs``: one row per (point, replicate): parameters (JSON), seed, status
  (``done`` or ``failed``), error, seconds, finish time, and one column per
  output of interest;
* ``monthly``: one row per (point, replicate, month) with every monthly measure.

Only the parent process writes. Each finished run (its ``runs`` row and its
monthly rows) is committed in one transaction, so an interrupted experiment
(Ctrl-C, ``kill -9``) leaves whole runs only; re-running it runs what is missing.
A small ``progress.json`` beside the store (name, total, done, failed, pid,
updated_at) is replaced after every commit, for anyone watching while the
writer holds the store's lock (``commonfuture status`` falls back to it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from commonfuture.writing import dumps

STORE_NAME = "experiment.duckdb"


class StoreMismatch(ValueError):
    pass


class StoreBusy(RuntimeError):
    """Another process holds the store's lock (``pid`` when DuckDB names it)."""

    def __init__(self, directory: Path, pid: int | None, detail: str = ""):
        self.dir, self.pid = directory, pid
        who = f"process {pid}" if pid is not None else "another process"
        doc = read_progress(directory) or {}
        if pid is not None and doc.get("pid") == pid:
            who += f" (running experiment {doc.get('name')!r}, {doc.get('done', 0)} of " + (
                f"{doc.get('total')} runs done at {doc.get('updated_at')})"
            )
        super().__init__(
            f"{directory}: {who} is writing to this experiment; wait for it to finish, "
            f"stop it{f' (kill {pid})' if pid is not None else ''}, or choose another --out"
        )


class StoreDamaged(RuntimeError):
    """The store file cannot be read: truncated, zero bytes, or corrupted."""

    def __init__(self, directory: Path, detail: str):
        self.dir, self.detail = directory, detail
        super().__init__(
            f"{directory / STORE_NAME} is damaged ({detail}); `commonfuture repair {directory}` "
            "moves it aside and rebuilds the store from every run that can still be read "
            "(the damaged file is kept), or move it away yourself to start afresh"
        )


_LOCK_PID = re.compile(r"\(PID (\d+)\)")


def _open_error(directory: Path, err: Exception) -> Exception:
    text = str(err)
    if "lock" in text.lower() and ("Conflicting" in text or "Could not set lock" in text):
        m = _LOCK_PID.search(text)
        return StoreBusy(directory, int(m.group(1)) if m else None, text)
    first = text.splitlines()[0] if text else err.__class__.__name__
    first = first.removeprefix("IO Error: ").replace(f'"{directory / STORE_NAME}"', STORE_NAME)
    first = first.replace(str(directory / STORE_NAME), STORE_NAME)
    return StoreDamaged(directory, first[:200])


def pid_alive(pid: int | None) -> bool:
    """Is process ``pid`` running (and not a zombie)?"""
    if pid is None or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def read_progress(directory: str | Path) -> dict | None:
    """The writer's last ``progress.json``, or None."""
    try:
        return json.loads((Path(directory) / "progress.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


class Store:
    def __init__(self, directory: str | Path, read_only: bool = False):
        self.dir = Path(directory)
        self.path = self.dir / STORE_NAME
        if read_only:
            if not self.path.exists():
                raise FileNotFoundError(f"{self.dir}: no experiment store ({STORE_NAME})")
        else:
            self.dir.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as err:
            raise _open_error(self.dir, err) from None
        self._monthly_cols: list[str] | None = None
        try:
            self.check()
        except StoreDamaged:
            self.con.close()
            raise

    def check(self) -> None:
        """Read every table through once; :class:`StoreDamaged` if any cannot be read."""
        try:
            for table in sorted(self.tables()):  # every block of every column, checksummed
                self.con.execute(
                    f'SELECT count(*), sum(hash(COLUMNS(*))) FROM "{table}"'
                ).fetchall()
        except duckdb.Error as err:
            raise StoreDamaged(self.dir, str(err).splitlines()[0][:200]) from None

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def tables(self) -> set[str]:
        return {
            r[0]
            for r in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }

    # ----------------------------------------------------------------- writing

    def begin_experiment(self, exp) -> None:
        from commonfuture.experiments.design import spec_json

        ident = spec_json(exp)
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS experiment (name VARCHAR, definition "
            "VARCHAR, created_at TIMESTAMP)"
        )
        row = self.con.execute("SELECT definition FROM experiment").fetchone()
        if row is not None:
            if row[0] != ident:
                raise StoreMismatch(
                    f"{self.dir}: the store holds a different experiment "
                    "(use another --out directory)"
                )
        else:
            self.con.execute(
                "INSERT INTO experiment VALUES (?, ?, ?)",
                [exp.spec.name, ident, datetime.now(UTC).replace(tzinfo=None)],
            )
        outs = ", ".join(f'"{o}" DOUBLE' for o in exp.spec.outputs)
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS runs (point INTEGER, replicate INTEGER, params VARCHAR, "
            f"seed UBIGINT, status VARCHAR, error VARCHAR, seconds DOUBLE, finished_at "
            f"TIMESTAMP, {outs}, PRIMARY KEY (point, replicate))"
        )

    def done_keys(self) -> set[tuple[int, int]]:
        if "runs" not in self.tables():
            return set()
        rows = self.con.execute("SELECT point, replicate FROM runs WHERE status = 'done'")
        return {(int(p), int(k)) for p, k in rows.fetchall()}

    def commit_run(self, exp, result: dict) -> None:
        """Commit one run (its row and its monthly rows) in one transaction."""
        p, k = int(result["point"]), int(result["replicate"])
        outs = [result["outputs"].get(o) for o in exp.spec.outputs]
        monthly = result.get("monthly")
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM runs WHERE point = ? AND replicate = ?", [p, k])
            if "monthly" in self.tables():
                con.execute("DELETE FROM monthly WHERE point = ? AND replicate = ?", [p, k])
            con.execute(
                f"INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?{', ?' * len(outs)})",
                [
                    p,
                    k,
                    dumps(exp.point_overrides(p), indent=None),
                    exp.point_seed(p),
                    result["status"],
                    result["error"],
                    float(result["seconds"]),
                    datetime.now(UTC).replace(tzinfo=None),
                    *outs,
                ],
            )
            if monthly is not None:
                df = monthly.drop(columns=["replicate"]).copy()
                df.insert(0, "replicate", k)
                df.insert(0, "point", p)
                con.register("run_monthly", df)
                if "monthly" not in self.tables():
                    con.execute("CREATE TABLE monthly AS SELECT * FROM run_monthly")
                else:
                    con.execute("INSERT INTO monthly BY NAME SELECT * FROM run_monthly")
                con.unregister("run_monthly")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        self._progress(exp)

    def _progress(self, exp) -> None:
        n = self.con.execute("SELECT status, count(*) FROM runs GROUP BY status").fetchall()
        doc = {
            "name": exp.spec.name,
            "total": len(exp.run_keys()),
            "done": 0,
            "failed": 0,
            **{s: int(c) for s, c in n},
            "pid": os.getpid(),
            "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        tmp = self.dir / ".progress.json.tmp"
        tmp.write_text(dumps(doc, indent=None))
        os.replace(tmp, self.dir / "progress.json")

    # ----------------------------------------------------------------- reading

    def definition(self) -> dict:
        row = self.con.execute("SELECT name, definition, created_at FROM experiment").fetchone()
        if row is None:
            raise FileNotFoundError(f"{self.dir}: the store holds no experiment yet")
        return {"name": row[0], **json.loads(row[1]), "created_at": str(row[2])}

    def runs(self) -> pd.DataFrame:
        return self.con.execute("SELECT * FROM runs ORDER BY point, replicate").df()

    def monthly(self) -> pd.DataFrame:
        if "monthly" not in self.tables():
            return pd.DataFrame()
        return self.con.execute("SELECT * FROM monthly ORDER BY point, replicate, month").df()

    def export_table(self, table: str, path: str | Path, fmt: str = "parquet") -> Path:
        """Write one table (``runs`` or ``monthly``), sorted, to the file ``path``.

        The file is written beside its destination and moved into place when complete.
        """
        order = ORDER[table]
        path = Path(path)
        tmp = path.with_name(f".{path.name}.partial")
        option = "(FORMAT PARQUET)" if fmt == "parquet" else "(FORMAT CSV, HEADER)"
        literal = tmp.as_posix().replace("'", "''")
        try:
            self.con.execute(
                f"COPY (SELECT * FROM {table} ORDER BY {order}) TO '{literal}' {option}"
            )
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return path

    def export(self, out: str | Path, fmt: str = "parquet") -> list[Path]:
        """Write ``runs.<fmt>`` and ``monthly.<fmt>`` (sorted) into the folder ``out``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        return [
            self.export_table(table, out / f"{table}.{fmt}", fmt)
            for table in ORDER
            if table in self.tables()
        ]


ORDER = {"runs": "point, replicate", "monthly": "point, replicate, month"}


def repair(directory: str | Path) -> dict:
    """Move a damaged store aside and rebuild it from whatever can still be read.

    The damaged file is kept (renamed ``experiment.duckdb.damaged-<time>``); the new
    store holds the experiment's definition and every run whose row and monthly rows
    can be read. Returns ``{"moved_to", "runs_kept", "runs_lost_known", "readable"}``.
    Running the experiment again then runs only what is missing.
    """
    directory = Path(directory)
    path = directory / STORE_NAME
    if not path.exists():
        raise FileNotFoundError(f"{directory}: no experiment store ({STORE_NAME})")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    moved = directory / f"{STORE_NAME}.damaged-{stamp}"
    os.replace(path, moved)
    wal = directory / f"{STORE_NAME}.wal"
    if wal.exists():
        os.replace(wal, directory / f"{STORE_NAME}.wal.damaged-{stamp}")
    copy = directory / f".salvage-{stamp}.duckdb"
    shutil.copyfile(moved, copy)  # DuckDB may write to a file it opens: read a copy
    kept = 0
    readable = False
    try:
        try:
            old = duckdb.connect(str(copy), read_only=True)
        except duckdb.Error:
            old = None
        if old is not None:
            readable = True
            try:
                kept = _salvage(old, path)
            finally:
                old.close()
    finally:
        copy.unlink(missing_ok=True)
        Path(f"{copy}.wal").unlink(missing_ok=True)
    return {"moved_to": moved, "runs_kept": kept, "readable": readable}


def _salvage(old, new_path: Path) -> int:
    """Copy the definition and every fully readable run from ``old`` into a new store."""

    def fetch(sql, params=()):
        try:
            return old.execute(sql, list(params)).df()
        except duckdb.Error:
            return None

    definition = fetch("SELECT * FROM experiment")
    if definition is None or definition.empty:
        return 0
    runs = fetch("SELECT * FROM runs ORDER BY point, replicate")
    new = duckdb.connect(str(new_path))
    kept = 0
    try:
        new.register("d", definition)
        new.execute("CREATE TABLE experiment AS SELECT * FROM d")
        new.unregister("d")
        if runs is None:
            return 0
        points = sorted(set(runs["point"].tolist()))
        monthly_parts, runs_parts = [], []
        for p in points:
            rows = runs[runs["point"] == p]
            monthly = fetch("SELECT * FROM monthly WHERE point = ? ORDER BY replicate, month", [p])
            if monthly is None:
                continue  # this point's monthly rows are unreadable: its runs will re-run
            have = set(monthly["replicate"].tolist())
            ok = rows[(rows["status"] != "done") | rows["replicate"].isin(have)]
            runs_parts.append(ok)
            monthly_parts.append(monthly[monthly["replicate"].isin(set(ok["replicate"]))])
        if not runs_parts:
            return 0
        good_runs = pd.concat(runs_parts, ignore_index=True)
        new.register("r", good_runs)
        new.execute("CREATE TABLE runs AS SELECT * FROM r")
        new.unregister("r")
        months = pd.concat(monthly_parts, ignore_index=True)
        if len(months):
            new.register("m", months)
            new.execute("CREATE TABLE monthly AS SELECT * FROM m")
            new.unregister("m")
        kept = int((good_runs["status"] == "done").sum())
    finally:
        new.close()
    return kept
