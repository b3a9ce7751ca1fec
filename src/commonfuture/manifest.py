"""What a results folder holds, said by the command that wrote it: ``manifest.json``.

Every command that writes a results folder (``run``, ``experiment``, ``sweep``,
``sensitivity``, ``cascades``, ``robustness``, ``export``, ``evidence``,
``evidence-formats``, ``calibrate`` and ``make demo``) writes a small
``manifest.json`` into it first::

    {"kind": "sweep", "written_by": "commonfuture sweep", "version": "0.1.0",
     "created_at": "2025-01-01T12:00:00+00:00", ...}

``commonfuture report`` reads the kind from there, never from which files happen
to be in the folder (an exported ``monthly.parquet`` inside a sweep folder does
not make the sweep a run). A command refuses to write into a folder that holds
results of another kind, so one command never overwrites another's files.

Folders written before manifests existed are still recognised by the record
only their own command writes: ``run.json`` (a run) and ``patterns.json`` (a
pattern experiment).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"

#: every kind of results folder, with how a person would call it
KINDS: dict[str, str] = {
    "run": "a run (one scenario, its replicates)",
    "runs": "runs side by side (one sub-folder per run)",
    "patterns": "a pattern experiment (the paper's claims as tests)",
    "sweep": "a parameter sweep",
    "sensitivity": "a sensitivity analysis",
    "cascades": "the cascade validation (Granovetter and Watts)",
    "export": "an export of an experiment's tables",
    "robustness": "a robustness map (where the paper's claims hold over the assumptions)",
    "evidence": "a collaboration's records as measures (commonfuture evidence)",
    "formats": "the record formats' schemas and templates (commonfuture evidence-formats)",
    "calibration": "a calibration to observations (commonfuture calibrate)",
}

#: kinds that share a folder: a sensitivity analysis is a sweep with indices on top
COMPATIBLE = {frozenset({"sweep", "sensitivity"})}


class FolderConflict(ValueError):
    """A command was asked to write into a folder that holds results of another kind."""


def version() -> str:
    try:
        return metadata.version("commonfuture")
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


def read_manifest(folder: str | Path) -> dict[str, Any] | None:
    """The folder's manifest, a legacy equivalent, or None."""
    folder = Path(folder)
    path = folder / MANIFEST
    if path.is_file():
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise FolderConflict(
                f"{path}: not a readable manifest ({err.__class__.__name__})"
            ) from None
        kind = doc.get("kind") if isinstance(doc, dict) else None
        if kind not in KINDS:
            raise FolderConflict(f"{path}: unknown kind {kind!r}")
        return doc
    return _legacy(folder)


def _legacy(folder: Path) -> dict[str, Any] | None:
    for name, kind, key in (
        ("run.json", "run", "scenario_hash"),
        ("patterns.json", "patterns", "patterns"),
    ):
        try:
            doc = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError, UnicodeDecodeError):
            continue
        if isinstance(doc, dict) and key in doc:
            return {"kind": kind, "legacy": True}
    return None


def folder_kind(folder: str | Path) -> str | None:
    """The kind of results ``folder`` holds (``None`` when it holds none).

    A folder without a manifest whose sub-folders are all runs is runs side by side.
    """
    folder = Path(folder)
    doc = read_manifest(folder)
    if doc is not None:
        return doc["kind"]
    if not folder.is_dir():
        return None
    subs = [p for p in sorted(folder.iterdir()) if p.is_dir() and not p.name.startswith(".")]
    kinds = []
    for p in subs:
        try:
            doc = read_manifest(p)
        except FolderConflict:
            doc = None
        kinds.append(doc["kind"] if doc else None)
    runs = [k for k in kinds if k == "run"]
    return "runs" if runs and len(runs) == len([k for k in kinds if k is not None]) else None


def claim(folder: str | Path, kind: str, command: str = "") -> None:
    """Refuse (:class:`FolderConflict`) if ``folder`` holds results of another kind."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise FolderConflict(f"{folder} exists and is not a directory")
    current = folder_kind(folder) if folder.is_dir() else None
    if current is None or current == kind or frozenset({current, kind}) in COMPATIBLE:
        return
    what = command or kind
    raise FolderConflict(
        f"{folder} holds {KINDS[current]}; {what} would mix its files with them "
        "(choose another --out folder)"
    )


def write_manifest(folder: str | Path, kind: str, command: str = "", **info: Any) -> Path:
    """Write ``folder/manifest.json`` (atomically) saying what the folder holds."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    previous = None
    try:
        previous = read_manifest(folder)
    except FolderConflict:
        pass
    doc = {
        "kind": kind,
        "written_by": command or f"commonfuture {kind}",
        "version": version(),
        "created_at": (previous or {}).get("created_at")
        or datetime.now(UTC).isoformat(timespec="seconds"),
        "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **info,
    }
    tmp = folder / f".{MANIFEST}.tmp"
    from commonfuture.writing import dumps

    tmp.write_text(dumps(doc), encoding="utf-8")
    os.replace(tmp, folder / MANIFEST)
    return folder / MANIFEST
