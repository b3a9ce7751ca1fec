"""Self-contained HTML reports of runs and experiments, for people who would
rather look than read.

``write_report(path)`` reads what the folder holds from its ``manifest.json``
(see :mod:`commonfuture.manifest`), never from which files happen to be there:

* a run (``commonfuture run``);
* runs side by side (``make demo``, or a folder of run folders);
* a pattern experiment (``commonfuture experiment``);
* a parameter sweep (``commonfuture sweep``): heatmaps and a table of points;
* a sensitivity analysis (``commonfuture sensitivity``): indices with intervals;
* the cascade validation (``commonfuture cascades``): the Watts window.

Every page states the conditions of what it shows (overrides, scale, seed,
replicates, engine, version, scenario hash) and ends with a short guide for
public managers and a glossary.

Figures are embedded as PNG data URIs: the page has no external assets.
"""

from __future__ import annotations

import html
import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from commonfuture.manifest import KINDS, FolderConflict, folder_kind, read_manifest, version
from commonfuture.report import figures
from commonfuture.value import DESTRUCTION_KINDS
from commonfuture.vocabulary import STAGES

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1180px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.5}
h1{font-size:1.7em;margin-bottom:.2em} h2{margin-top:2em;border-bottom:2px solid #08519c;
padding-bottom:.2em} h3{margin-top:1.5em;color:#08519c}
.lead{font-size:1.08em;background:#f3f7fb;border-left:4px solid #08519c;padding:.8em 1em}
ul.lead{padding-left:2.2em} ul.lead li{margin:.35em 0}
.muted{color:#666;font-size:.9em} img{max-width:100%;height:auto;margin:.6em 0}
figure{margin:1em 0} figcaption{color:#444;font-size:.9em}
.scroll{overflow-x:auto;max-width:100%} .cond{font-size:.9em;background:#fbfbf6;
border:1px solid #e6e3c8;padding:.5em .9em;border-radius:6px}
.cond dt{font-weight:bold;float:left;clear:left;margin-right:.5em} .cond dd{margin:0 0 .2em 0}
.warn{background:#fff4e5;border-left:4px solid #e6550d;padding:.6em 1em}
dl.gloss dt{font-weight:bold;margin-top:.6em} dl.gloss dd{margin-left:1.2em}
table{border-collapse:collapse;margin:1em 0;font-size:.92em}
th,td{border-bottom:1px solid #ddd;padding:.35em .7em;text-align:left;vertical-align:top}
th{background:#f0f0f0} td.num{text-align:right;font-variant-numeric:tabular-nums;
white-space:nowrap}
.yes{color:#1a7f37;font-weight:bold} .no{color:#b42318;font-weight:bold}
.pair{display:flex;flex-wrap:wrap;gap:1%} .pair figure{flex:1 1 420px;min-width:0}
body{overflow-wrap:break-word} @media (max-width:600px){body{padding:0 .5em}
th,td{padding:.3em .4em}}
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


def _page(title: str, body: str, kind: str = "") -> str:
    what = f" It shows {_e(KINDS[kind])}." if kind in KINDS else ""
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(title)}</title><style>{CSS}</style></head>"
        f"<body data-kind='{_e(kind)}'>{body}"
        f"{guide_html()}"
        f"<p class='muted'>Made with commonfuture {_e(version())} on "
        f"{date.today().isoformat()}.{what}</p>"
        f"</body></html>"
    )


def _table(html_rows: str) -> str:
    """A table that scrolls sideways inside its own box on narrow screens."""
    return f"<div class='scroll'>{html_rows}</div>"


def _figure(uri: str, alt: str, caption: str) -> str:
    return (
        f"<figure><img src='{uri}' alt='{_e(alt)}'><figcaption>{_e(caption)}</figcaption></figure>"
    )


def guide_html() -> str:
    """The guide for public managers and the glossary, as HTML (text in :mod:`.guide`)."""
    from commonfuture.report.guide import GLOSSARY, LEVERS

    levers = "".join(f"<dt>{_e(name)}</dt><dd>{_e(text)}</dd>" for name, text in LEVERS)
    gloss = "".join(f"<dt>{_e(term)}</dt><dd>{_e(text)}</dd>" for term, text in GLOSSARY)
    return (
        "<h2 id='guide'>A short guide for public managers</h2>"
        "<p>Each lever below is a parameter of the scenario (its path in brackets; "
        "<code>commonfuture params SCENARIO</code> lists them all); the dashboard shows the "
        "same levers first, and the three Edinburgh cases show them in practice.</p>"
        f"<dl class='gloss'>{levers}</dl>"
        f"<h2 id='glossary'>Glossary</h2><dl class='gloss'>{gloss}</dl>"
    )


def conditions_html(meta: dict) -> str:
    """Under which conditions a run was made: what a reader needs to compare it."""
    params = meta.get("parameters", {})
    overrides = meta.get("overrides") or []
    scale = meta.get("scale", 1.0)
    modified = bool(overrides) or (scale not in (None, 1, 1.0))
    rows = [
        (
            "scenario",
            f"{meta.get('scenario_name', params.get('name', '?'))} "
            f"({meta.get('scenario') or 'file not recorded'})",
        ),
        (
            "changes to the scenario",
            "; ".join(overrides) if overrides else "none: the scenario as written",
        ),
        (
            "scale",
            f"{scale:g} x the scenario's population" if isinstance(scale, int | float) else "?",
        ),
        ("random seed", meta.get("seed", "?")),
        ("replicates", meta.get("replicates", "?")),
        ("months", params.get("months", "?")),
        ("engine", meta.get("engine", "?")),
        ("commonfuture version", meta.get("versions", {}).get("commonfuture", "?")),
        ("scenario hash", str(meta.get("scenario_hash", "?"))[:12]),
    ]
    flag = (
        "<p class='warn'>This run was <b>modified</b> from the scenario file (see the "
        "changes below): it is not the calibrated case.</p>"
        if modified
        else ""
    )
    items = "".join(f"<dt>{_e(k)}:</dt><dd>{_e(v)}</dd>" for k, v in rows)
    return f"{flag}<dl class='cond'>{items}</dl>"


def events_sentence(params: dict) -> str:
    """The events of the scenario as run, and when its funding stops, in words."""
    from commonfuture.vocabulary import event_text

    evs = params.get("events") or []
    parts = [
        f"month {e['month']}: {event_text(e['kind'], e.get('sector'))}"
        + (f" ({e['note']})" if e.get("note") else "")
        for e in evs
    ]
    end = params.get("investment", {}).get("end_month")
    if end is not None:
        parts.append(f"month {end}: {event_text('funding_stops')}")
    return "Events in this run: " + ("; ".join(parts) if parts else "none") + "."


def _counts_sentence(params: dict) -> str:
    c = params.get("population", {}).get("counts", {})
    if not c:
        return ""
    orgs = c.get("public", 0) + c.get("private", 0) + c.get("third", 0)
    total = orgs + c.get("citizens", 0)
    return (
        f"Simulated: {total:,} actors: {orgs:,} organisations ({c.get('public', 0):,} public, "
        f"{c.get('private', 0):,} private, {c.get('third', 0):,} third-sector) and "
        f"{c.get('citizens', 0):,} residents."
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
    out["lost"] = float(g[[f"loss_{k}" for k in DESTRUCTION_KINDS]].sum().sum(axis=1).median())
    out["realised"] = float(g["value_realised"].sum().median())
    out["levels"] = {
        lvl: float(g[f"value_{lvl}"].sum().median())
        for lvl in ("individual", "service", "community")
    }
    kinds = DESTRUCTION_KINDS
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
    lost = sum(f["losses"].values())
    if f["created"] == 0 and lost == 0 and f["destroyed"] == 0:
        parts.append("Value: none was created or lost.")
    else:
        verdict = "positive" if f["realised"] >= 0 else "negative: more lost than gained"
        parts.append(
            f"Value: {_num(f['created'], 1)} value units created; {_num(lost, 1)} lost to the "
            f"four kinds of value destruction (before netting). After netting, net private "
            f"value was {_num(f['realised'], 1)} ({verdict}), and users who "
            f"ended worse off were worse off by {_num(f['destroyed'], 1)} in total (net value "
            "destroyed)."
        )
    worst = max(f["losses"], key=f["losses"].get)
    if f["losses"][worst] > 0:
        parts.append(
            f"The largest kind of value lost was value {worst} "
            f"({_num(f['losses'][worst], 1)} of the {_num(lost, 1)} value units lost)."
        )
    items.append(" ".join(parts))
    parts = [
        f"Progress towards the long-term target ({target_name}): {100 * f['target']:.0f}% (median)."
    ]
    if f["capital"] > 0:
        parts.append(f"Capital raised from participants: GBP {_num(f['capital'])} (median).")
    items.append(" ".join(parts))
    return items


def target_label(params: dict) -> str:
    """The target's name with its unit, never the placeholder 'target units'."""
    name = params.get("target", {}).get("name") or ""
    return name if name and name != "target units" else "the scenario's target measure"


def run_section(monthly: pd.DataFrame, meta: dict, title: str, level: int = 2) -> str:
    """The HTML of one run: conditions, a plain-language summary, cards, then the figures."""
    params = meta.get("parameters", {})
    target_name = target_label(params)
    f = facts(monthly, meta)
    h = f"h{level}"
    desc = params.get("description", "")
    cards = [
        ("reached stage 3", f"{f['reached_3']:.0%} of runs"),
        ("members at the end", _num(f["members_end"])),
        ("value created", _num(f["created"])),
        ("value lost (before netting)", _num(f["lost"])),
        ("net value destroyed", _num(f["destroyed"], 1)),
        ("target progress", f"{100 * f['target']:.0f}%"),
    ]
    if f["capital"] > 0:
        cards.append(("capital raised", f"GBP {_num(f['capital'] / 1e6, 2)}m"))
    body = [f"<{h}>{_e(title)}</{h}>"]
    changes = meta.get("overrides") or []
    if desc:
        written = (
            " (written for the scenario as written: this run differs from it, as the changes "
            "below list)"
            if changes
            else ""
        )
        body.append(f"<p class='muted'>The scenario's own description{written}: {_e(desc)}</p>")
    body.append(f"<p class='events'>{_e(events_sentence(params))}</p>")
    counts = _counts_sentence(params)
    if counts:
        body.append(f"<p>{_e(counts)}</p>")
    body.append(conditions_html(meta))
    items = "".join(f"<li>{_e(t)}</li>" for t in summary_items(f, target_name))
    body.append(f"<ul class='lead'>{items}</ul>")
    cal = meta.get("calibration")
    if cal:
        mark = "yes" if cal.get("ok") else "no"
        body.append(
            f"<p><b>Calibration against the paper's case:</b> <span class='{mark}'>"
            f"{'as in the paper' if cal.get('ok') else 'not as in the paper'}</span>. "
            f"{_e(cal.get('text', '').replace(' the seed', ' the paper'))}</p>"
        )
    body.append("".join(f"<div class='card'>{_e(k)}<b>{_e(v)}</b></div>" for k, v in cards))
    body.append(
        f"<p class='muted'>{f['replicates']} replicates x {f['months']} months; "
        f"{_e(meta.get('n_actors', '?'))} actors, {_e(meta.get('n_ties', '?'))} ties. "
        "Lines are medians across runs, bands the inter-quartile range. Value is in value "
        "units (see the glossary).</p>"
    )
    figs = (
        (
            figures.stages_and_members(monthly),
            "Stages and members",
            "Left: share of runs in each stage, month by month. Right: committed members by "
            "sector; organisations on the left axis, residents on the right axis.",
        ),
        (
            figures.value(monthly),
            "Value created and net value destroyed",
            "Left: cumulative value created by element of value. Right: cumulative value by "
            "level (individual, service, community) and net value destroyed, in value units.",
        ),
        (
            figures.wins_and_losses(monthly),
            "Small wins and value lost",
            "Left: small wins, shortfalls, joins and secessions so far. Right: value lost to "
            "each kind of value destruction, before netting, in value units.",
        ),
        (
            figures.leadership(monthly),
            "What the leaders did",
            "Left: the key leaders' capacity (line) and the hours they spent on each action "
            "(engage groups, arbitrate tensions, negotiate, link), mean of runs. Right: the "
            "largest tension standing between groups that both have members (median and "
            "band) and the value lost to conflict a month (dashed, mean).",
        ),
        (
            figures.money_and_target(monthly, target_name),
            "Money and the long-term target",
            f"Left: funding available and spent (GBP a month). Right: progress towards the "
            f"long-term target ({target_name}), in % of the target.",
        ),
    )
    for uri, alt, caption in figs:
        body.append(_figure(uri, f"{title}: {alt}", caption))
    return "\n".join(body)


# --------------------------------------------------------------------------- pages


def _read_run(path: Path) -> tuple[pd.DataFrame, dict]:
    monthly = pd.read_parquet(path / "monthly.parquet")
    meta_path = path / "run.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    return monthly, meta


def _flatten(d, prefix: str = "") -> dict[str, object]:
    """``{"a": {"b": 1}, "p": [{"c": 2}]}`` -> ``{"a.b": 1, "p[0].c": 2}``."""
    out: dict[str, object] = {}
    if isinstance(d, dict):
        for k, v in d.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(d, list) and d and all(isinstance(x, dict) for x in d):
        for i, v in enumerate(d):
            out.update(_flatten(v, f"{prefix}[{i}]"))
    else:
        out[prefix] = d
    return out


def differences(metas: dict[str, dict]) -> list[tuple[str, list[object]]]:
    """Parameters (and run conditions) whose values differ between runs."""
    flat = {
        name: {
            **{
                k: v
                for k, v in _flatten(m.get("parameters", {})).items()
                if k not in ("name", "description")
            },
            "(scale)": m.get("scale", 1.0),
            "(random seed)": m.get("seed"),
            "(replicates)": m.get("replicates"),
            "(engine)": m.get("engine"),
        }
        for name, m in metas.items()
    }
    keys = sorted({k for f in flat.values() for k in f})
    out = []
    for k in keys:
        vals = [flat[n].get(k, "-") for n in metas]
        if len({json.dumps(v, sort_keys=True, default=str) for v in vals}) > 1:
            out.append((k, vals))
    return out


def headings(runs: dict[str, tuple[pd.DataFrame, dict]]) -> dict[str, str]:
    """A distinct heading per run: the scenario's name, with the folder when names repeat."""
    names = {k: _pretty(meta.get("scenario_name", k)) for k, (_, meta) in runs.items()}
    counts = pd.Series(list(names.values())).value_counts()
    return {k: (f"{v} ({k})" if counts[v] > 1 else v) for k, v in names.items()}


def comparison_table(runs: dict[str, tuple[pd.DataFrame, dict]]) -> str:
    heads = headings(runs)
    rows = [
        "<table><tr><th>run</th><th>replicates</th><th>actors</th><th>reached stage 3</th>"
        "<th>median month of stage 3 (runs that reached it)</th><th>members at the end</th>"
        "<th>value created</th><th>value lost (before netting)</th>"
        "<th>net value destroyed</th><th>target progress</th></tr>"
    ]
    for name, (monthly, meta) in runs.items():
        f = facts(monthly, meta)
        rows.append(
            f"<tr><td>{_e(heads[name])}</td><td class='num'>{f['replicates']}</td>"
            f"<td class='num'>{_g(meta.get('n_actors'), ',.0f')}</td>"
            f"<td class='num'>{f['reached_3']:.0%}</td>"
            f"<td class='num'>{_num(f['month_3']) if f['month_3'] else '-'}</td>"
            f"<td class='num'>{_num(f['members_end'])}</td>"
            f"<td class='num'>{_num(f['created'])}</td>"
            f"<td class='num'>{_num(f['lost'])}</td>"
            f"<td class='num'>{_num(f['destroyed'], 1)}</td>"
            f"<td class='num'>{100 * f['target']:.0f}%</td></tr>"
        )
    rows.append("</table>")
    return _table("".join(rows))


def _cell(v) -> str:
    """A parameter value for a table cell: strings bare, '-' where the run has none."""
    if v is None or v == "-" or v == []:
        return "-"
    return v if isinstance(v, str) else json.dumps(v, default=str)


def differences_table(runs: dict[str, tuple[pd.DataFrame, dict]]) -> str:
    heads = headings(runs)
    diff = differences({k: m for k, (_, m) in runs.items()})
    if not diff:
        return "<p>The runs share every parameter and condition.</p>"
    shown = diff[:40]
    head = "".join(f"<th>{_e(heads[k])}</th>" for k in runs)
    rows = "".join(
        f"<tr><td><code>{_e(k)}</code></td>"
        + "".join(f"<td class='num'>{_e(_cell(v))}</td>" for v in vals)
        + "</tr>"
        for k, vals in shown
    )
    more = (
        f"<p class='muted'>... and {len(diff) - len(shown)} more differing parameters.</p>"
        if len(diff) > len(shown)
        else ""
    )
    return (
        "<h2>What differs between the runs</h2><p>Every parameter or condition whose value "
        "is not the same in all runs (scenario names and descriptions left out).</p>"
        + _table(f"<table><tr><th>parameter</th>{head}</tr>{rows}</table>")
        + more
    )


def _verdict_reason(e: dict, alpha: float, meta: dict) -> str:
    """Why a claim was or was not reproduced, in words."""
    p = e.get("p_value")
    ok = bool(e.get("reproduced"))
    reasons = []
    if ok:
        reasons.append(
            f"the test is significant at the {alpha:.0%} level in the claimed "
            "direction and every other condition of the claim holds"
        )
    elif p is None or not np.isfinite(p):
        reasons.append("the test could not be computed")
    elif p >= alpha:
        reasons.append(f"the difference is not significant at the {alpha:.0%} level (p = {p:.2g})")
    else:
        failed = [c["condition"] for c in e.get("conditions") or [] if not c.get("held")]
        if failed:
            reasons.append(
                f"p = {p:.2g}, but a condition of the claim failed: " + "; ".join(failed)
            )
        else:
            reasons.append(
                f"p = {p:.2g} is below {alpha:.0%}, but the effect goes against the claim"
            )
    under = []
    if (meta.get("scale") or 1.0) < 1.0:
        under.append(f"a reduced population (scale {meta['scale']:g})")
    reps = meta.get("replicates_per_arm")
    if isinstance(reps, int) and reps < 30:
        under.append(f"{reps} replicates per arm (30 recommended)")
    text = "; ".join(reasons)
    if under and not ok:
        text += ". Underpowered: the run used " + " and ".join(under) + ", too small to judge"
    elif under:
        text += ". Note: the run used " + " and ".join(under)
    return text[:1].upper() + text[1:] + "."


def _effect_text(e: dict) -> tuple[str, str]:
    """The effect with its interval, and what the effect is."""
    kind = e.get("kind") or next(
        (c.get("kind") for c in e.get("comparisons", []) if c.get("measure") == e.get("measure")),
        None,
    )
    if kind == "proportion":
        pts = [_g(100 * _f(e.get(k)), "+.0f") for k in ("effect", "ci_low", "ci_high")]
        eff = f"{pts[0]} points [{pts[1]}, {pts[2]}]"
        return eff, "difference in shares of runs (treatment minus control, percentage points)"
    eff = (
        f"{_g(e.get('effect'), '+.3g')} [{_g(e.get('ci_low'), '+.3g')}, "
        f"{_g(e.get('ci_high'), '+.3g')}]"
    )
    return eff, "difference in means (treatment minus control)"


def _f(x) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def _test_text(e: dict) -> str:
    test = str(e.get("test", "-"))
    stat = _f(e.get("statistic"))
    if "odds ratio" in test:
        name = test.replace(" (odds ratio)", "")
        if np.isinf(stat) or stat == 0:
            return f"{name}; odds ratio not finite (no runs with the outcome in one arm)"
        return f"{name}; odds ratio {_g(stat)}"
    return f"{test}, statistic {_g(stat)}" if np.isfinite(stat) else test


def patterns_page(path: Path) -> str:
    doc = json.loads((path / "patterns.json").read_text())
    entries = doc.get("patterns", [])
    meta = doc.get("meta", {})
    alpha = float(doc.get("alpha", 0.05))
    n_ok = sum(bool(e.get("reproduced")) for e in entries)
    cond = [
        ("random seed", meta.get("seed", "?")),
        ("replicates per arm", meta.get("replicates_per_arm", "?")),
        ("scale", meta.get("scale", 1.0)),
        ("commonfuture version", read_manifest_safe(path).get("version", "?")),
    ]
    body = [
        f"<h1>{_e(doc.get('title', 'Patterns'))}</h1>",
        f"<p class='lead'>{n_ok} of {len(entries)} claims of the paper are reproduced by the "
        f"model at the {alpha:.0%} level. Each claim is a treatment compared with a control "
        f"over {_e(meta.get('replicates_per_arm', '?'))} replicate runs per arm; effects are "
        "treatment minus control with 95% confidence intervals.</p>",
        "<dl class='cond'>"
        + "".join(f"<dt>{_e(k)}:</dt><dd>{_e(v)}</dd>" for k, v in cond)
        + "</dl>",
    ]
    rows = [
        "<table><tr><th>claim</th><th>case</th><th>treatment vs control</th><th>measure</th>"
        "<th>effect [95% CI]</th><th>test</th><th>p</th><th>reproduced</th></tr>"
    ]
    for e in entries:
        ok = bool(e.get("reproduced"))
        eff, what = _effect_text(e)
        rows.append(
            f"<tr><td>{_e(e['title'])}</td><td>{_e(e.get('case', ''))}</td>"
            f"<td>{_e(e['treatment'])} vs {_e(e['control'])}</td><td>{_e(e['measure'])}</td>"
            f"<td class='num' title='{_e(what)}'>{_e(eff)}</td>"
            f"<td>{_e(_test_text(e))}</td>"
            f"<td class='num'>{_g(e.get('p_value'), '.2g')}</td>"
            f"<td class='{'yes' if ok else 'no'}'>{'yes' if ok else 'no'}</td></tr>"
        )
    rows.append("</table>")
    body.append(_table("".join(rows)))
    skipped = doc.get("not_applicable", [])
    if skipped:
        body.append(
            "<h2>Where a claim cannot apply</h2><ul>"
            + "".join(
                f"<li>{_e(s['name'])} on {_e(s['case'])}: {_e(s['why_not'])}</li>" for s in skipped
            )
            + "</ul>"
        )
    for e in entries:
        eff, what = _effect_text(e)
        body.append(
            f"<h2>{_e(e['title'])}</h2><p><b>Claim:</b> {_e(e['claim'])}</p>"
            f"<p><b>Verdict:</b> {'reproduced' if e.get('reproduced') else 'not reproduced'}. "
            f"{_e(_verdict_reason(e, alpha, meta))}</p>"
            f"<p>Effect: {_e(eff)} ({_e(what)}).</p>"
            f"<p>{_e(e.get('note', ''))}</p>"
        )
        fig = path / e.get("figure", "")
        if e.get("figure") and fig.is_file():
            body.append(
                _figure(
                    figures.png_uri(fig.read_bytes()),
                    f"{e['title']}: treatment against control over time",
                    f"{e['title']}: the measure over time for treatment and control (mean and "
                    "inter-quartile band), and the two arms' means with the test result.",
                )
            )
    return _page(doc.get("title", "Patterns"), "\n".join(body), "patterns")


def read_manifest_safe(path: Path) -> dict:
    try:
        return read_manifest(path) or {}
    except FolderConflict:
        return {}


def _experiment_conditions(d: dict, manifest: dict) -> str:
    spec = d.get("spec", {})
    rows = [
        ("experiment", f"{d.get('name', '?')} ({manifest.get('source', 'file not recorded')})"),
        ("design", f"{spec.get('design', '?')}, {len(d.get('points', []))} points"),
        ("replicates per point", spec.get("replicates", "?")),
        ("random seed", spec.get("seed", "?")),
        ("scale", spec.get("scale", 1.0)),
        (
            "fixed changes to the scenario",
            "; ".join(f"{k}={v}" for k, v in (spec.get("overrides") or {}).items()) or "none",
        ),
        ("base scenario hash", str(d.get("base_scenario_hash", "?"))[:12]),
        ("commonfuture version", manifest.get("version", "?")),
        ("created", d.get("created_at", "?")),
    ]
    return (
        "<dl class='cond'>"
        + "".join(f"<dt>{_e(k)}:</dt><dd>{_e(v)}</dd>" for k, v in rows)
        + "</dl>"
    )


def sweep_page(path: Path) -> str:
    import io

    from commonfuture.experiments.analysis import heatmap, point_table
    from commonfuture.experiments.store import Store

    with Store(path, read_only=True) as store:
        d = store.definition()
        runs = store.runs() if "runs" in store.tables() else pd.DataFrame()
    spec = d["spec"]
    names = [f["path"] for f in spec["factors"]]
    outputs = list(spec["outputs"])
    total = len(d["points"]) * spec["replicates"]
    done = int((runs["status"] == "done").sum()) if len(runs) else 0
    body = [
        f"<h1>Sweep: {_e(d['name'])}</h1>",
        f"<p class='lead'>{_e(spec.get('description') or '')} {done} of {total} runs done "
        f"({len(d['points'])} parameter points x {spec['replicates']} replicates). Each "
        "point's value is the mean over its replicates.</p>",
        _experiment_conditions(d, read_manifest_safe(path)),
    ]
    if done < total:
        body.append(
            f"<p class='warn'>{total - done} runs are missing or failed: the "
            "table and figures show the finished runs only.</p>"
        )
    if done:
        table = point_table(runs, names, d["points"], outputs)
        for output in outputs:
            buf = io.BytesIO()
            heatmap(table, names, output, buf)
            body.append(
                _figure(
                    figures.png_uri(buf.getvalue()),
                    f"Sweep heatmap of {output}",
                    f"{output} (mean of replicates) over "
                    + (" and ".join(names[:2]) if len(names) > 1 else names[0])
                    + ("; averaged over the other factors" if len(names) > 2 else "")
                    + ("; bars are one standard deviation" if len(names) == 1 else "")
                    + ".",
                )
            )
        head = (
            "".join(f"<th>{_e(n)}</th>" for n in names)
            + "".join(f"<th>{_e(o)} (mean &plusmn; sd)</th>" for o in outputs)
            + "<th>runs</th>"
        )
        rows = []
        for _, row in table.head(200).iterrows():
            cells = "".join(f"<td class='num'>{_g(row[n])}</td>" for n in names)
            cells += "".join(
                f"<td class='num'>{_g(row[f'{o}_mean'])} &plusmn; {_g(row[f'{o}_sd'])}</td>"
                for o in outputs
            )
            rows.append(f"<tr>{cells}<td class='num'>{_g(row['runs'], '.0f')}</td></tr>")
        body.append(
            "<h2>Every point</h2>" + _table(f"<table><tr>{head}</tr>{''.join(rows)}</table>")
        )
    return _page(f"Sweep: {d['name']}", "\n".join(body), "sweep")


def sensitivity_page(path: Path) -> str:
    from commonfuture.experiments.store import Store

    raw = json.loads((path / "sensitivity.json").read_text())
    indices = raw.get("indices", raw) if isinstance(raw, dict) else {}
    if "indices" not in raw:  # written before the format carried its design and warnings
        indices = {k: v for k, v in raw.items() if isinstance(v, list)}
    notes = raw.get("warnings", {})
    try:
        with Store(path, read_only=True) as store:
            d = store.definition()
    except Exception:  # noqa: BLE001 - the indices stand on their own
        d = {"name": path.name, "spec": {}}
    design = raw.get("design") or d.get("spec", {}).get("design", "?")
    body = [
        f"<h1>Sensitivity: {_e(d['name'])}</h1>",
        "<p class='lead'>How much each factor moves each output. Sobol first-order index: "
        "the share of the output's variance due to the factor alone; total-order: including "
        "its interactions. Morris mu*: the mean absolute effect of moving the factor. "
        "Intervals are 95% bootstrap confidence intervals.</p>",
        _experiment_conditions(d, read_manifest_safe(path)) if d.get("spec") else "",
    ]
    for output, records in indices.items():
        df = pd.DataFrame(records)
        body.append(f"<h2>{_e(output)}</h2>")
        for w in notes.get(output, []):
            body.append(f"<p class='warn'>{_e(w)}</p>")
        cols = [c for c in df.columns if c != "parameter" and not c.endswith("_conf")]
        head = "<th>factor</th>" + "".join(f"<th>{_e(c)} [95% CI]</th>" for c in cols)
        rows = []
        for _, row in df.iterrows():
            cells = []
            for c in cols:
                v, conf = _f(row[c]), _f(row.get(f"{c}_conf"))
                cells.append(
                    f"<td class='num'>{_g(v, '.3f')} [{_g(v - conf, '.3f')}, "
                    f"{_g(v + conf, '.3f')}]</td>"
                    if np.isfinite(conf)
                    else f"<td class='num'>{_g(v, '.3f')}</td>"
                )
            rows.append(f"<tr><td><code>{_e(row['parameter'])}</code></td>{''.join(cells)}</tr>")
        body.append(_table(f"<table><tr>{head}</tr>{''.join(rows)}</table>"))
    png = path / "sensitivity.png"
    if png.is_file():
        body.append(
            _figure(
                figures.png_uri(png.read_bytes()),
                f"{design} sensitivity indices by factor",
                f"{design} indices of each factor for each output, with 95% intervals.",
            )
        )
    return _page(f"Sensitivity: {d['name']}", "\n".join(body), "sensitivity")


def cascades_page(path: Path) -> str:
    doc = json.loads((path / "validation.json").read_text())
    g, w = doc.get("granovetter", {}), doc.get("watts", {})
    lo, hi = (w.get("analytic_window") or [None, None])[:2]
    sim = w.get("simulated_window")
    body = [
        "<h1>Cascade validation: Granovetter (1978) and Watts (2002)</h1>",
        "<p class='lead'>The model's commitment link, a threshold rule, reproduces two "
        "classic results of threshold models. Watts: on a random network a global cascade "
        f"is possible only inside a window of mean degree; analytically {_g(lo)} &lt; z &lt; "
        f"{_g(hi)}"
        + (
            f", simulated about {_g(sim[0])} to {_g(sim[1])}"
            if isinstance(sim, list) and len(sim) == 2
            else ""
        )
        + f". Granovetter: a riot of 100 with thresholds 0..99 draws "
        f"{_e(g.get('riot_all_thresholds', '?'))} of 100; with the threshold-1 actor "
        f"replaced, {_e(g.get('riot_threshold_1_replaced', '?'))}.</p>",
        "<dl class='cond'>"
        + "".join(
            f"<dt>{_e(k)}:</dt><dd>{_e(v)}</dd>"
            for k, v in (
                ("actors per graph", w.get("n", "?")),
                ("threshold phi", w.get("phi", "?")),
                ("trials per mean degree", w.get("trials", "?")),
                ("random seed", read_manifest_safe(path).get("seed", "?")),
                ("commonfuture version", read_manifest_safe(path).get("version", "?")),
            )
        )
        + "</dl>",
    ]
    for name, alt, cap in (
        (
            "watts-window.png",
            "Watts cascade window",
            "Probability and size of global cascades against mean degree z; the analytic "
            "window is shaded.",
        ),
        (
            "granovetter.png",
            "Granovetter riot curve",
            "Final riot size against the spread of thresholds.",
        ),
    ):
        if (path / name).is_file():
            body.append(_figure(figures.png_uri((path / name).read_bytes()), alt, cap))
    return _page("Cascade validation", "\n".join(body), "cascades")


def run_page(path: Path) -> str:
    monthly, meta = _read_run(path)
    title = _pretty(meta.get("scenario_name", path.name))
    return _page(
        title, f"<h1>{_e(title)}</h1>" + run_section(monthly, meta, "What happened"), "run"
    )


def runs_page(path: Path) -> str:
    subs = [p for p in sorted(path.iterdir()) if p.is_dir() and _kind(p) == "run"]
    if not subs:
        raise FileNotFoundError(f"{path}: holds no run folders")
    runs = {p.name: _read_run(p) for p in subs}
    heads = headings(runs)
    frames = {heads[k]: v[0] for k, v in runs.items()}
    members = figures.compare(frames, "members", "members (actors)", "Members over time")
    pct = {k: m.assign(pct=100 * m["target_progress"]) for k, m in frames.items()}
    target = figures.compare(
        pct, "pct", "% of each run's long-term target", "Progress towards the long-term target"
    )
    body = [
        "<h1>Collaboration for the common future: the runs side by side</h1>",
        comparison_table(runs),
        differences_table(runs),
        _figure(
            members,
            "Members over time, by run",
            "Committed members over time: median across replicates and inter-quartile "
            "band, one line per run.",
        ),
        _figure(
            target,
            "Target progress over time, by run",
            "Progress towards each run's own long-term target, in % of that target.",
        ),
    ]
    for name, (monthly, meta) in runs.items():
        body.append(run_section(monthly, meta, heads[name]))
    return _page("Collaboration for the common future", "\n".join(body), "runs")


def _kind(path: Path) -> str | None:
    try:
        return folder_kind(path)
    except FolderConflict:
        return None


PAGES = {
    "run": run_page,
    "runs": runs_page,
    "patterns": patterns_page,
    "sweep": sweep_page,
    "sensitivity": sensitivity_page,
    "cascades": cascades_page,
    "robustness": lambda path: _robustness_page(path),
}


def _robustness_page(path: Path) -> str:
    from commonfuture.patterns.robustness_output import robustness_page

    return robustness_page(path)


def render_report(path: str | Path) -> str:
    """The HTML page of a results folder, chosen by the kind its manifest states."""
    path = Path(path)
    kind = folder_kind(path)
    if kind is None:
        raise FileNotFoundError(
            f"{path}: not a results folder written by commonfuture (no manifest.json); "
            "report a folder written by run, experiment, sweep, sensitivity or cascades"
        )
    if kind == "export":
        src = read_manifest_safe(path).get("source", "the experiment folder")
        raise FileNotFoundError(
            f"{path}: holds an export of an experiment's tables; report {src} instead"
        )
    if kind in ("evidence", "calibration", "formats"):
        command = {
            "evidence": "commonfuture evidence",
            "calibration": "commonfuture calibrate",
            "formats": "commonfuture evidence-formats",
        }[kind]
        has = (
            f"its page is {path / 'report.html'}"
            if kind != "formats"
            else "it has no report (schemas and templates)"
        )
        raise FileNotFoundError(f"{path}: holds {KINDS[kind]}, written by {command}; {has}")
    if kind == "sensitivity" and not (path / "sensitivity.json").is_file():
        kind = "sweep"  # the analysis has not finished: show the runs so far
    return PAGES[kind](path)


def write_report(path: str | Path, out: str | Path | None = None) -> Path:
    """Write the report of ``path`` to ``out`` (default ``path/report.html``)."""
    path = Path(path)
    out = Path(out) if out is not None else path / "report.html"
    page = render_report(path)
    tmp = out.with_suffix(".html.partial")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    return out
