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
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

STORE_NAME = "experiment.duckdb"


class StoreMismatch(ValueError):
    pass


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
            self.con = duckdb.connect(str(self.path), read_only=True)
        else:
            self.dir.mkdir(parents=True, exist_ok=True)
            self.con = duckdb.connect(str(self.path))
        self._monthly_cols: list[str] | None = None

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
                    json.dumps(exp.point_overrides(p)),
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
        tmp.write_text(json.dumps(doc))
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

    def export(self, out: str | Path) -> list[Path]:
        """Write ``runs.parquet`` and ``monthly.parquet`` (sorted) into ``out``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for table, order in (("runs", "point, replicate"), ("monthly", "point, replicate, month")):
            if table in self.tables():
                path = out / f"{table}.parquet"
                self.con.execute(
                    f"COPY (SELECT * FROM {table} ORDER BY {order}) TO "
                    f"'{path.as_posix()}' (FORMAT PARQUET)"
                )
                written.append(path)
        return written
