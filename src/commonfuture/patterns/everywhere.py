"""Every claim on every case where it applies.

``run_everywhere(names, cases, ...)`` runs each claim on each case (see
:mod:`commonfuture.patterns.cases` for the rule that sets a claim up on a case
and for why a claim cannot apply somewhere) and writes:

- ``OUT/<case>/``: one pattern folder per case (``patterns.json``, figures,
  Parquet files, ``report.html``), as ``commonfuture experiment NAME`` writes;
- ``OUT/patterns.json``: every claim on every case in one document, with the
  claims that do not apply and why (the input of ``commonfuture report OUT``);
- ``OUT/everywhere.md``: the same as a Markdown table, for the documentation.
"""

from __future__ import annotations

import json
from pathlib import Path

from commonfuture.patterns.cases import CASES, HOME, why_not
from commonfuture.patterns.claims import ALPHA, PATTERNS, PatternResult
from commonfuture.patterns.output import run_pattern, write_patterns
from commonfuture.writing import write_json


def case_folder(case: str) -> str:
    """The sub-folder of a case: its file name (``active-travel``, ``generic``)."""
    return case.rsplit("/", 1)[-1]


def plan(names: list[str], cases: list[str]) -> tuple[list[tuple[str, str]], list[dict]]:
    """The (claim, case) pairs to run, and the pairs that cannot run with the reason."""
    todo, skipped = [], []
    for case in cases:
        for name in names:
            reason = why_not(name, case)
            if reason is None:
                todo.append((name, case))
            else:
                skipped.append({"name": name, "case": case, "why_not": reason})
    return todo, skipped


def run_everywhere(
    names: list[str],
    cases: list[str] | None = None,
    seed: int = 0,
    replicates: int = 30,
    scale: float = 1.0,
    progress=None,
    on_start=None,
) -> tuple[dict[str, list[PatternResult]], list[dict]]:
    """Run every claim of ``names`` on every case of ``cases`` where it applies.

    Returns the results by case and the skipped pairs with their reasons.
    ``on_start(name, case)`` is called before each pair runs.
    """
    todo, skipped = plan(names, list(cases or CASES))
    results: dict[str, list[PatternResult]] = {}
    for name, case in todo:
        if on_start:
            on_start(name, case)
        res = run_pattern(
            name, seed=seed, replicates=replicates, scale=scale, progress=progress, case=case
        )
        results.setdefault(case, []).append(res)
    return results, skipped


def write_everywhere(
    results: dict[str, list[PatternResult]], skipped: list[dict], out: Path, meta: dict
) -> Path:
    """Write the per-case folders, ``OUT/patterns.json`` and ``OUT/everywhere.md``."""
    from commonfuture.manifest import claim, write_manifest

    claim(out, "patterns", "a pattern experiment")
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for case, res in results.items():
        sub = out / case_folder(case)
        write_patterns(res, sub, {**meta, "case": case})
        try:
            from commonfuture.report import write_report

            write_report(sub)
        except ImportError:  # pragma: no cover
            pass
        for e in json.loads((sub / "patterns.json").read_text())["patterns"]:
            e["figure"] = f"{sub.name}/{e['figure']}"
            e["home"] = HOME.get(e["name"]) == case
            e["title"] = f"{e['title']} ({case_folder(case)})"
            entries.append(e)
    order = {n: i for i, n in enumerate(PATTERNS)}
    entries.sort(key=lambda e: (order.get(e["name"], 99), not e["home"], e["case"]))
    doc = {
        "title": "The paper's claims on every case",
        "alpha": ALPHA,
        "meta": meta,
        "patterns": entries,
        "not_applicable": skipped,
    }
    write_manifest(
        out,
        "patterns",
        "commonfuture experiment --case all",
        patterns=sorted({e["name"] for e in entries}),
        cases=list(results),
        **meta,
    )
    (out / "everywhere.md").write_text(markdown_table(doc))
    path = out / "patterns.json"
    write_json(path, doc)
    return path


def markdown_table(doc: dict) -> str:
    """Every claim on every case as a Markdown table (rows in the claims' order)."""
    meta = doc.get("meta", {})
    lines = [
        f"Written by `commonfuture experiment all --case all -r {meta.get('replicates_per_arm')} "
        f"-s {meta.get('seed')} --scale {meta.get('scale')}` at commit "
        f"{meta.get('commit', 'unknown')}.",
        "",
        "| claim | case | measure | effect [95% CI] | p | reproduced |",
        "|---|---|---|---|---|---|",
    ]
    rows = []
    for e in doc["patterns"]:
        home = " (home)" if e.get("home") else ""
        if e["kind"] == "proportion":
            eff = (
                f"{100 * e['effect']:+.0f} points [{100 * e['ci_low']:+.0f}, "
                f"{100 * e['ci_high']:+.0f}]"
            )
        else:
            eff = f"{e['effect']:+.3g} [{e['ci_low']:+.3g}, {e['ci_high']:+.3g}]"
        rows.append(
            (
                e["name"],
                e["case"],
                f"| {e['name']} | {e['case']}{home} | {e['measure']} | {eff} | "
                f"{e['p_value']:.2g} | {'yes' if e['reproduced'] else '**no**'} |",
            )
        )
    for s in doc.get("not_applicable", []):
        rows.append(
            (
                s["name"],
                s["case"],
                f"| {s['name']} | {s['case']} | does not apply: {s['why_not']} | | | |",
            )
        )
    order = {n: i for i, n in enumerate(PATTERNS)}
    rows.sort(key=lambda r: (order.get(r[0], 99), r[1]))
    lines += [r[2] for r in rows]
    return "\n".join(lines) + "\n"


def git_commit() -> str:
    """The commit of the source tree the results were computed on (``unknown`` outside git)."""
    import subprocess

    here = Path(__file__).resolve().parent

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=here, capture_output=True, text=True, timeout=5, check=True
        )
        return done.stdout.strip()

    try:
        sha = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{sha}{'+changes' if dirty else ''}" if sha else "unknown"


def _default(x):
    import numpy as np

    if isinstance(x, np.generic):
        return x.item()
    raise TypeError(type(x))
