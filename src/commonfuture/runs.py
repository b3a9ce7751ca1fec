"""Saving a run: ``monthly.parquet`` and ``run.json`` (and ``chains.parquet`` on request).

Every file is written in full into a temporary folder inside the output
directory and then moved into place, so an interrupted or failing run never
leaves a half-written file, nor damages what the directory already held.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from commonfuture.scenario.load import scenario_hash
from commonfuture.simulation import SimulationResult


def versions() -> dict[str, str]:
    """Versions of Python and the packages that shape a result."""
    out = {"python": platform.python_version()}
    for pkg in ("commonfuture", "numpy", "scipy", "pandas", "pyarrow", "pydantic", "mesa"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out


def run_info(
    result: SimulationResult,
    source: str = "",
    overrides: list[str] | None = None,
    scale: float = 1.0,
    **extra: Any,
) -> dict[str, Any]:
    """The provenance of a run, as written to ``run.json``."""
    sc = result.scenario
    return {
        "scenario": source,
        "scenario_name": sc.name,
        "scenario_hash": scenario_hash(sc),
        "seed": result.seed,
        "replicates": len(result.replicates),
        "scale": scale,
        "overrides": list(overrides or []),
        "engine": result.engine,
        "n_actors": result.n_actors,
        "n_ties": result.n_ties,
        "ties_per_replicate": result.ties_per_replicate,
        "wall_time_s": round(result.wall_time, 3),
        "summary": result.summary(),
        "versions": versions(),
        **extra,
        "parameters": sc.model_dump(mode="json"),
    }


def write_atomically(out: Path, files: dict[str, Callable[[Path], Any]]) -> None:
    """Write each file into a temporary folder inside ``out``, then move each into place."""
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".partial-", dir=out))
    try:
        for name, writer in files.items():
            writer(tmp / name)
        for name in files:
            os.replace(tmp / name, out / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def save_run(
    result: SimulationResult,
    out: str | Path,
    source: str = "",
    overrides: list[str] | None = None,
    scale: float = 1.0,
    **extra: Any,
) -> Path:
    """Write a run directory: ``monthly.parquet``, ``run.json`` and, if recorded, chains."""
    out = Path(out)
    info = run_info(result, source, overrides, scale, **extra)
    files: dict[str, Callable[[Path], Any]] = {
        "monthly.parquet": lambda p: result.monthly.to_parquet(p, index=False),
        "run.json": lambda p: p.write_text(json.dumps(info, indent=2)),
    }
    if result.chains is not None:
        files["chains.parquet"] = lambda p: result.chains.to_parquet(p, index=False)
    write_atomically(out, files)
    return out
