"""Saving a run: ``monthly.parquet`` and ``run.json`` (and ``chains.parquet`` on request).

Every file is written in full into a temporary folder inside the output
directory and then moved into place, so an interrupted or failing run never
leaves a half-written file, nor damages what the directory already held.
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from commonfuture.manifest import claim, version
from commonfuture.scenario.load import scenario_hash
from commonfuture.scenario.schema import SECTORS, Scenario
from commonfuture.simulation import SimulationResult
from commonfuture.writing import dumps, write_atomically

ROLES = ("key leader", "network actor", "external user")


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


def actor_roles(scenario: Scenario) -> pd.DataFrame:
    """Each actor's sector and role (``key leader``, ``network actor``, ``external user``).

    Actors are ordered by sector; the first ``leadership.key_leaders.<sector>`` of each
    sector are its key leaders; other organisations are network actors and residents
    external users.
    """
    counts = scenario.population.counts.as_tuple()
    leaders = scenario.leadership.key_leaders.as_tuple()
    sector = np.repeat(np.arange(len(SECTORS)), counts)
    rank = np.concatenate([np.arange(n) for n in counts]) if sum(counts) else np.zeros(0, int)
    role = np.where(
        rank < np.asarray(leaders)[sector], 0, np.where(sector == SECTORS.index("citizens"), 2, 1)
    )
    return pd.DataFrame(
        {
            "actor": np.arange(len(sector)),
            "sector": pd.Categorical.from_codes(sector, SECTORS),
            "role": pd.Categorical.from_codes(role, ROLES),
        }
    )


def chains_table(result: SimulationResult) -> pd.DataFrame:
    """The value chains with each actor's sector and role beside its index."""
    chains = result.chains
    roles = actor_roles(result.scenario)
    out = chains.merge(roles, on="actor", how="left", validate="many_to_one")
    cols = list(chains.columns)
    at = cols.index("actor") + 1
    return out[cols[:at] + ["sector", "role"] + cols[at:]]


def save_run(
    result: SimulationResult,
    out: str | Path,
    source: str = "",
    overrides: list[str] | None = None,
    scale: float = 1.0,
    **extra: Any,
) -> Path:
    """Write a run directory: ``manifest.json``, ``monthly.parquet``, ``run.json`` and, if
    recorded, ``chains.parquet``.

    Refuses (:class:`commonfuture.manifest.FolderConflict`) a folder that holds results of
    another kind (a sweep, a pattern experiment, ...).
    """
    out = Path(out)
    claim(out, "run", "a run")
    info = run_info(result, source, overrides, scale, **extra)
    manifest = {
        "kind": "run",
        "written_by": "commonfuture run",
        "version": version(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "files": ["monthly.parquet", "run.json"],
    }
    files: dict[str, Callable[[Path], Any]] = {
        "monthly.parquet": lambda p: result.monthly.to_parquet(p, index=False),
        "run.json": lambda p: p.write_text(dumps(info)),
    }
    if result.chains is not None:
        files["chains.parquet"] = lambda p: chains_table(result).to_parquet(p, index=False)
        manifest["files"].append("chains.parquet")
    files["manifest.json"] = lambda p: p.write_text(dumps(manifest))
    write_atomically(out, files)
    return out
