"""Self-contained HTML reports of runs and experiments, for people who would
rather look than read.

``write_report(path)`` accepts:

* a run directory (``monthly.parquet`` and ``run.json``, as written by
  ``commonfuture run``);
* a directory whose sub-directories are run directories (several cases side by
  side, as ``make demo`` writes);
* a pattern-experiment directory (``patterns.json``, as written by
  ``commonfuture experiment``).

Figures are embedded as PNG data URIs: the page has no external assets.
"""

from __future__ import annotations

import html
import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from commonfuture.report import figures

STAGES = {
    0: "no coupling",
    1: "coupling of key leaders",
    2: "integration of actors",
    3: "linking to the wider community",
}

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1180px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.5}
h1{font-size:1.7em;margin-bottom:.2em} h2{margin-top:2em;border-bottom:2px solid #08519c;
padding-bottom:.2em} h3{margin-top:1.5em;color:#08519c}
.lead{font-size:1.08em;background:#f3f7fb;border-left:4px solid #08519c;padding:.8em 1em}
ul.lead{padding-left:2.2em} ul.lead li{margin:.35em 0}
.muted{color:#666;font-size:.9em} img{max-width:100%;margin:.6em 0}
table{border-collapse:collapse;margin:1em 0;font-size:.92em}
th,td{border-bottom:1px solid #ddd;padding:.35em .7em;text-align:left;vertical-align:top}
th{background:#f0f0f0} td.num{text-align:right;font-variant-numeric:tabular-nums;
white-space:nowrap}
.yes{color:#1a7f37;font-weight:bold} .no{color:#b42318;font-weight:bold}
.pair{display:flex;gap:1%} .pair img{width:49.5%}
.card{display:inline-block;min-width:10em;margin:.3em .6em .3em 0;padding:.6em .9em;
background:#fafafa;border:1px solid #e3e3e3;border-radius:6px}
.card b{display:block;font-size:1.4em;color:#08519c}
"""


def _e(x) -> str:
    return html.escape(str(x))


def _num(x: float, digits: int = 0) -> str:
    if x is None or not np.isfinite(x):
        return "-"
    return f"{x:,.{digits}f}"


def _g(x, fmt: str = ".3g") -> str:
    """A number for a table cell; '-' when missing or not finite."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "-"
    if np.isinf(v):
        return "\u221e" if v > 0 else "-\u221e"
    return format(v, fmt) if np.isfinite(v) else "-"


def _pretty(name: str) -> str:
    """A scenario name as a heading: ``community-solar`` -> ``Community solar``."""
    text = str(name).replace("-", " ").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>{body}"
        f"<p class='muted'>Made with commonfuture on {date.today().isoformat()}.</p>"
        f"</body></html>"
    )


# --------------------------------------------------------------------------- one run


def facts(monthly: pd.DataFrame, meta: dict) -> dict:
    """Headline numbers of a run, across replicates (medians unless said)."""
    m = monthly
    g = m.groupby("replicate")
    last = m[m["month"] == m["month"].max()]
    reps = int(m["replicate"].nunique())
    out = {"replicates": reps, "months": int(m["month"].max()), "actors": meta.get("n_actors")}
    for k in (1, 2, 3):
        first = m[m["stage"] >= k].groupby("replicate")["month"].min()
        out[f"reached_{k}"] = len(first) / reps
        out[f"month_{k}"] = float(first.median()) if len(first) else None
    out["final_stage"] = last["stage"].value_counts().to_dict()
    out["members_end"] = float(last["members"].median())
    out["members_peak"] = float(g["members"].max().median())
    out["joined"] = float(g["joins"].sum().median())
    out["seceded"] = float(g["secessions"].sum().median())
    # members lost since each sector's peak (median over runs): who left
    out["sector_drop"] = {
        sec: float((g[f"members_{sec}"].max() - g[f"members_{sec}"].last()).median())
        for sec in figures.SECTOR_LABELS
        if f"members_{sec}" in m
    }
    out["created"] = float(g["value_created"].sum().median())
    out["destroyed"] = float(g["value_destroyed"].sum().median())
    out["realised"] = float(g["value_realised"].sum().median())
    out["levels"] = {
        lvl: float(g[f"value_{lvl}"].sum().median())
        for lvl in ("individual", "service", "community")
    }
    kinds = ("ignorance", "disproportion", "backlash", "exploitation")
    losses = {k: float(g[f"loss_{k}"].sum().median()) for k in kinds}
    out["losses"] = losses
    out["target"] = float(last["target_progress"].median())
    out["capital"] = float(last["capital_raised"].median())
    out["disrupted"] = float((g["disruptions"].sum() > 0).mean())
    return out


def summary_text(f: dict, target_name: str) -> str:
    """What happened, in sentences a public manager can read."""
    return " ".join(summary_items(f, target_name))


def summary_items(f: dict, target_name: str) -> list[str]:
    """What happened, as a few short paragraphs: stages, members, value, target."""
    reps = f["replicates"]
    runs = "the run" if reps == 1 else f"the {reps} runs"
    parts: list[str] = []
    if f["reached_1"] == 0:
        parts.append(f"In {runs}, the key leaders never coupled: the collaboration did not start.")
    else:
        for k in (1, 2, 3):
            share, month = f[f"reached_{k}"], f[f"month_{k}"]
            if share == 0:
                parts.append(f"It never reached stage {k} ({STAGES[k]}).")
                break
            when = f" by month {month:.0f} (median)" if month is not None else ""
            who = "every run" if share == 1 else f"{share:.0%} of runs"
            parts.append(f"Stage {k} ({STAGES[k]}) was reached in {who}{when}.")
        if f["disrupted"] > 0:
            parts.append(
                f"The coupling of key leaders broke in {f['disrupted']:.0%} of runs (a disruption)."
            )
        end = max(f["final_stage"], key=f["final_stage"].get)
        lead = "the run was" if reps == 1 else "most runs were"
        parts.append(f"At the end, {lead} at stage {end} ({STAGES[end]}).")
    items = [" ".join(parts)]
    parts = []
    items.append(
        f"Members: {_num(f['members_end'])} at the end (median), after a peak of "
        f"{_num(f['members_peak'])}; {_num(f['joined'])} actors joined and {_num(f['seceded'])} "
        "seceded along the way."
    )
    drops = {k: v for k, v in f.get("sector_drop", {}).items() if v > 0}
    if f["seceded"] > 0 and drops:
        who = max(drops, key=drops.get)
        items[-1] += (
            f" Those who left were mostly {figures.SECTOR_LABELS[who]} "
            f"({_num(drops[who])} fewer at the end than at the sector's peak, median)."
        )
    if f["created"] == 0 and f["destroyed"] == 0:
        parts.append("Value: none was created or destroyed.")
    else:
        verdict = "created" if f["realised"] >= 0 else "destroyed, on balance,"
        parts.append(
            f"Value: {_num(f['created'], 1)} units created and {_num(f['destroyed'], 1)} "
            f"destroyed; net of costs and losses, actors' private value was {verdict} "
            f"({_num(f['realised'], 1)} units)."
        )
    worst = max(f["losses"], key=f["losses"].get)
    if f["losses"][worst] > 0:
        parts.append(
            f"The largest source of lost value was value {worst} "
            f"({_num(f['losses'][worst], 1)} units)."
        )
    items.append(" ".join(parts))
    parts = [
        f"Progress towards the long-term target ({target_name}): {100 * f['target']:.0f}% (median)."
    ]
    if f["capital"] > 0:
        parts.append(f"Capital raised from participants: GBP {_num(f['capital'])} (median).")
    items.append(" ".join(parts))
    return items


def run_section(monthly: pd.DataFrame, meta: dict, title: str, level: int = 2) -> str:
    """The HTML of one run: a plain-language summary, cards, then the figures."""
    params = meta.get("parameters", {})
    target_name = params.get("target", {}).get("name", "target units")
    f = facts(monthly, meta)
    h = f"h{level}"
    desc = params.get("description", "")
    cards = [
        ("reached stage 3", f"{f['reached_3']:.0%} of runs"),
        ("members at the end", _num(f["members_end"])),
        ("value created", _num(f["created"])),
        ("value destroyed", _num(f["destroyed"], 1)),
        ("target progress", f"{100 * f['target']:.0f}%"),
    ]
    if f["capital"] > 0:
        cards.append(("capital raised", f"GBP {_num(f['capital'] / 1e6, 2)}m"))
    body = [f"<{h}>{_e(title)}</{h}>"]
    if desc:
        body.append(f"<p class='muted'>{_e(desc)}</p>")
    items = "".join(f"<li>{_e(t)}</li>" for t in summary_items(f, target_name))
    body.append(f"<ul class='lead'>{items}</ul>")
    cal = meta.get("calibration")
    if cal:
        mark = "yes" if cal.get("ok") else "no"
        body.append(
            f"<p><b>Calibration against the paper:</b> <span class='{mark}'>"
            f"{'as in the seed' if cal.get('ok') else 'not as in the seed'}</span>. "
            f"{_e(cal.get('text', ''))}</p>"
        )
    body.append("".join(f"<div class='card'>{_e(k)}<b>{_e(v)}</b></div>" for k, v in cards))
    body.append(
        f"<p class='muted'>{f['replicates']} replicates x {f['months']} months; "
        f"{_e(meta.get('n_actors', '?'))} actors, {_e(meta.get('n_ties', '?'))} ties; "
        f"seed {_e(meta.get('seed', '?'))}; scenario hash "
        f"{_e(str(meta.get('scenario_hash', ''))[:12])}. Lines are medians across runs, "
        "bands the inter-quartile range.</p>"
    )
    for uri in (
        figures.stages_and_members(monthly),
        figures.value(monthly),
        figures.wins_and_losses(monthly),
        figures.money_and_target(monthly, target_name),
    ):
        body.append(f"<img src='{uri}' alt='figure'>")
    return "\n".join(body)


# --------------------------------------------------------------------------- pages


def _read_run(path: Path) -> tuple[pd.DataFrame, dict]:
    monthly = pd.read_parquet(path / "monthly.parquet")
    meta_path = path / "run.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    return monthly, meta


def _is_run(path: Path) -> bool:
    return (path / "monthly.parquet").is_file()


def comparison_table(runs: dict[str, tuple[pd.DataFrame, dict]]) -> str:
    rows = [
        "<table><tr><th>case</th><th>runs</th><th>actors</th><th>reached stage 3</th>"
        "<th>median month of stage 3 (runs that reached it)</th><th>members at the end</th>"
        "<th>value created</th>"
        "<th>value destroyed</th><th>target progress</th></tr>"
    ]
    for name, (monthly, meta) in runs.items():
        f = facts(monthly, meta)
        rows.append(
            f"<tr><td>{_e(_pretty(name))}</td><td class='num'>{f['replicates']}</td>"
            f"<td class='num'>{_g(meta.get('n_actors'), ',.0f')}</td>"
            f"<td class='num'>{f['reached_3']:.0%}</td>"
            f"<td class='num'>{_num(f['month_3']) if f['month_3'] else '-'}</td>"
            f"<td class='num'>{_num(f['members_end'])}</td>"
            f"<td class='num'>{_num(f['created'])}</td>"
            f"<td class='num'>{_num(f['destroyed'], 1)}</td>"
            f"<td class='num'>{100 * f['target']:.0f}%</td></tr>"
        )
    rows.append("</table>")
    return "".join(rows)


def patterns_page(path: Path) -> str:
    doc = json.loads((path / "patterns.json").read_text())
    entries = doc.get("patterns", [])
    meta = doc.get("meta", {})
    n_ok = sum(bool(e.get("reproduced")) for e in entries)
    body = [
        f"<h1>{_e(doc.get('title', 'Patterns'))}</h1>",
        f"<p class='lead'>{n_ok} of {len(entries)} claims of the paper are reproduced by the "
        f"model at the 5% level. Each claim is a treatment compared with a control over "
        f"{_e(meta.get('replicates_per_arm', '?'))} replicate runs per arm (seed "
        f"{_e(meta.get('seed', '?'))}); effects are treatment minus control with 95% "
        "confidence intervals.</p>",
        "<table><tr><th>claim</th><th>case</th><th>treatment vs control</th><th>measure</th>"
        "<th>effect [95% CI]</th><th>test</th><th>p</th><th>reproduced</th></tr>",
    ]
    for e in entries:
        ok = bool(e.get("reproduced"))
        body.append(
            f"<tr><td>{_e(e['title'])}</td><td>{_e(e.get('case', ''))}</td>"
            f"<td>{_e(e['treatment'])} vs {_e(e['control'])}</td><td>{_e(e['measure'])}</td>"
            f"<td class='num'>{_g(e.get('effect'), '+.3g')} [{_g(e.get('ci_low'), '+.3g')}, "
            f"{_g(e.get('ci_high'), '+.3g')}]</td>"
            f"<td>{_e(e.get('test', '-'))}, statistic {_g(e.get('statistic'))}</td>"
            f"<td class='num'>{_g(e.get('p_value'), '.2g')}</td>"
            f"<td class='{'yes' if ok else 'no'}'>{'yes' if ok else 'no'}</td></tr>"
        )
    body.append("</table>")
    for e in entries:
        body.append(
            f"<h2>{_e(e['title'])}</h2><p><b>Claim:</b> {_e(e['claim'])}</p>"
            f"<p>{_e(e.get('note', ''))}</p>"
        )
        fig = path / e.get("figure", "")
        if e.get("figure") and fig.is_file():
            body.append(f"<img src='{figures.png_uri(fig.read_bytes())}' alt='{_e(e['title'])}'>")
    return _page(doc.get("title", "Patterns"), "\n".join(body))


def render_report(path: str | Path) -> str:
    """The HTML page for a run, multi-run or pattern directory."""
    path = Path(path)
    if (path / "patterns.json").is_file():
        return patterns_page(path)
    if _is_run(path):
        monthly, meta = _read_run(path)
        title = _pretty(meta.get("scenario_name", path.name))
        return _page(title, f"<h1>{_e(title)}</h1>" + run_section(monthly, meta, "What happened"))
    subs = sorted(p for p in path.iterdir() if p.is_dir() and _is_run(p)) if path.is_dir() else []
    if not subs:
        raise FileNotFoundError(
            f"{path}: not a run directory (monthly.parquet), a directory of runs, or a pattern "
            "experiment (patterns.json)"
        )
    runs = {p.name: _read_run(p) for p in subs}
    frames = {_pretty(k): v[0] for k, v in runs.items()}
    members = figures.compare(frames, "members", "members (actors)", "Members over time")
    pct = {k: m.assign(pct=100 * m["target_progress"]) for k, m in frames.items()}
    target = figures.compare(
        pct, "pct", "% of each case's long-term target", "Progress towards the long-term target"
    )
    body = [
        "<h1>Collaboration for the common future: the cases side by side</h1>",
        comparison_table(runs),
        f"<div class='pair'><img src='{members}' alt='members over time, by case'>"
        f"<img src='{target}' alt='target progress over time, by case'></div>",
    ]
    for name, (monthly, meta) in runs.items():
        body.append(run_section(monthly, meta, _pretty(meta.get("scenario_name", name))))
    return _page("Collaboration for the common future", "\n".join(body))


def write_report(path: str | Path, out: str | Path | None = None) -> Path:
    """Write the report of ``path`` to ``out`` (default ``path/report.html``)."""
    path = Path(path)
    out = Path(out) if out is not None else path / "report.html"
    page = render_report(path)
    tmp = out.with_suffix(".html.partial")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    return out
