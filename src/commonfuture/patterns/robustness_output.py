"""Writing the robustness map: ``robustness.json``, ``robustness.md``, a figure and a page.

The folder written by ``commonfuture robustness`` holds one experiment store
per claim and case (``CLAIM/CASE/experiment.duckdb``) and, at its top:

- ``robustness.json``: per claim and case, the share of the assumption space
  where the claim holds, its 95% interval and PRIM's boxes where it fails;
- ``robustness.md``: the same in plain words (the source of docs/robustness.md);
- ``robustness.png``: the shares with their intervals;
- ``report.html``: the page (``commonfuture report OUT`` writes it again).
"""

from __future__ import annotations

import json
from pathlib import Path

from commonfuture.patterns.assumptions import ASSUMPTIONS, markdown_table
from commonfuture.patterns.robustness import summary_sentence, write_json

TITLE = "Where the paper's claims hold: the robustness map"


def _pc(x, fmt: str = ".0%") -> str:
    """A share (or, with ``fmt``, a number) for a table: '-' when missing (no point
    finished: NaN in memory, null in robustness.json)."""
    if x is None or x != x or x in (float("inf"), float("-inf")):
        return "-"
    return format(x, fmt)


def write_summary(out: Path, maps: list[dict], skipped: list[dict], meta: dict) -> Path:
    """Write ``robustness.json``, ``robustness.md`` and ``robustness.png`` into ``out``."""
    doc = {
        "title": TITLE,
        "meta": meta,
        "assumptions": [
            {"path": a.path, "label": a.label, "range": a.range_text(), "tag": a.tag, "why": a.why}
            for a in ASSUMPTIONS
        ],
        "maps": maps,
        "not_applicable": skipped,
    }
    write_json(out / "robustness.json", doc)
    (out / "robustness.md").write_text(markdown(doc))
    if maps:
        figure(maps, out / "robustness.png")
    return out / "robustness.json"


def markdown(doc: dict) -> str:
    meta = doc["meta"]
    lines = [
        f"Computed at commit {meta.get('commit', 'unknown')} by `commonfuture robustness "
        f"{meta.get('claims', 'all')} --case {meta.get('case', 'all')} --points "
        f"{meta.get('points')} --replicates {meta.get('replicates')} --scale {meta.get('scale')} "
        f"--seed {meta.get('seed')}`: {meta.get('points')} Latin-hypercube points per claim and "
        f"case, {meta.get('replicates')} replicates per arm at each point, population scale "
        f"{meta.get('scale')}.",
        "",
        "| claim | case | holds at | share of the space [95% CI] | clearly (p < 0.05) "
        "| median effect | boxes where it fails |",
        "|---|---|---|---|---|---|---|",
    ]
    for a in doc["maps"]:
        lines.append(
            f"| {a['claim']} | {a['case']} | {a['holds']} of {a['evaluated']} | "
            f"{_pc(a['share_holds'])} [{_pc(a['ci_low'])}, {_pc(a['ci_high'])}] | "
            f"{_pc(a['share_holds_clearly'])} | {_pc(a['median_effect'], '+.3g')} | "
            f"{len(a['boxes'])} |"
        )
    for s in doc.get("not_applicable", []):
        lines.append(f"| {s['claim']} | {s['case']} | does not apply: {s['why_not']} | | | | |")
    lines += ["", "In plain words:", ""]
    lines += [f"- {summary_sentence(a)}" for a in doc["maps"]]
    lines += ["", "The sampled assumptions and their ranges:", "", markdown_table()]
    return "\n".join(lines)


def figure(maps: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [f"{a['claim']} on {a['case'].rsplit('/', 1)[-1]}" for a in maps]
    share = [a["share_holds"] for a in maps]
    lo = [a["share_holds"] - a["ci_low"] for a in maps]
    hi = [a["ci_high"] - a["share_holds"] for a in maps]
    fig, ax = plt.subplots(figsize=(8, 0.42 * len(maps) + 1.2))
    y = list(range(len(maps)))[::-1]
    colours = ["#1b7f79" if a["ci_low"] >= 0.9 else "#c0504d" for a in maps]
    ax.barh(y, share, color=colours, alpha=0.85, height=0.6)
    ax.errorbar(share, y, xerr=[lo, hi], fmt="none", ecolor="black", capsize=3, lw=1)
    ax.axvline(0.9, color="grey", ls="--", lw=1)
    ax.set_yticks(y, labels, fontsize=9)
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the assumption space where the claim holds (95% interval)")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def robustness_page(path: Path) -> str:
    """The report page of a robustness folder."""
    from commonfuture.report import _e, _figure, _page, _table, figures

    doc = json.loads((Path(path) / "robustness.json").read_text())
    meta = doc["meta"]
    body = [
        f"<h1>{_e(doc['title'])}</h1>",
        "<p class='lead'>Each claim's experiment, repeated over a Latin hypercube of the "
        "model's unmeasured assumptions (each over its plausible range). A claim <i>holds</i> "
        "at a point when its effect has the claimed sign; the share of points estimates the "
        "share of the assumption space where it holds (95% Clopper-Pearson interval). Where it "
        "fails, PRIM finds the boxes of assumptions in which the failures concentrate: "
        "<i>coverage</i> is the share of all failures inside a box, <i>density</i> the share "
        "of the points inside it that fail.</p>",
        "<dl class='cond'>"
        + "".join(
            f"<dt>{_e(k)}:</dt><dd>{_e(meta.get(k, '?'))}</dd>"
            for k in ("points", "replicates", "scale", "seed", "commit")
        )
        + "</dl>",
    ]
    rows = [
        "<table><tr><th>claim</th><th>case</th><th>holds at</th><th>share [95% CI]</th>"
        "<th>clearly</th><th>median effect</th><th>boxes</th></tr>"
    ]
    for a in doc["maps"]:
        ok = a["ci_low"] is not None and a["ci_low"] >= 0.9
        rows.append(
            f"<tr><td>{_e(a['claim'])}</td><td>{_e(a['case'])}</td>"
            f"<td class='num'>{a['holds']} of {a['evaluated']}</td>"
            f"<td class='num {'yes' if ok else 'no'}'>{_pc(a['share_holds'])} "
            f"[{_pc(a['ci_low'])}, {_pc(a['ci_high'])}]</td>"
            f"<td class='num'>{_pc(a['share_holds_clearly'])}</td>"
            f"<td class='num'>{_pc(a['median_effect'], '+.3g')}</td>"
            f"<td class='num'>{len(a['boxes'])}</td></tr>"
        )
    rows.append("</table>")
    body.append(_table("".join(rows)))
    png = Path(path) / "robustness.png"
    if png.is_file():
        body.append(
            _figure(
                figures.png_uri(png.read_bytes()),
                "Share of the assumption space where each claim holds",
                "Share of the assumption space where each claim holds on each case, with its "
                "95% interval; the dashed line is nine tenths.",
            )
        )
    body.append("<h2>In plain words</h2><ul>")
    for a in doc["maps"]:
        body.append(f"<li>{_e(summary_sentence(a).replace('**', ''))}</li>")
    body.append("</ul>")
    if doc.get("not_applicable"):
        body.append("<h2>Where a claim cannot apply</h2><ul>")
        body += [
            f"<li>{_e(s['claim'])} on {_e(s['case'])}: {_e(s['why_not'])}</li>"
            for s in doc["not_applicable"]
        ]
        body.append("</ul>")
    arows = ["<table><tr><th>parameter</th><th>what</th><th>range</th><th>why</th></tr>"]
    for a in doc["assumptions"]:
        arows.append(
            f"<tr><td>{_e(a['path'])}</td><td>{_e(a['label'])}</td><td>{_e(a['range'])}</td>"
            f"<td>{_e(a['why'])}</td></tr>"
        )
    arows.append("</table>")
    body.append("<h2>The sampled assumptions</h2>")
    body.append(_table("".join(arows)))
    return _page(doc["title"], "\n".join(body), "robustness")
