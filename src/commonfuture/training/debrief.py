"""The debrief of a game: the player's path beside the rules of thumb and a strong
policy on the same random numbers, and the paper's lessons the player's choices
followed or broke, each with the quarter where it showed.

Every rival plays the same scenario, seed and replicate as the player (common random
numbers), so a difference is the leadership's, not luck's.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from commonfuture.leadership.actions import KINDS, SLOTS
from commonfuture.leadership.policies import BUILT_IN
from commonfuture.scenario.schema import SECTORS
from commonfuture.training.game import QUARTER, STAGE_NAMES, Game
from commonfuture.training.strong import LOSS_KINDS, outcome, strong_for
from commonfuture.value import LEVELS

#: a tension at or above this level is one a leader hears voiced
VOICED = 0.1
#: a quarter leaving more than this share of capacity unspent breaks the capacity lesson
UNSPENT = 0.25

#: the paper's sentence behind each lesson
LESSONS: dict[str, tuple[str, str]] = {
    "arbitrate": (
        "Arbitrate the tensions",
        "Leaders should \u201cbe prepared to arbitrate and negotiate across these differing "
        "value positions\u201d.",
    ),
    "engage": (
        "Engage every group",
        "\u201cCollaboration leaders need to engage with these prior values, experiences and "
        "expectations if they are to successfully lead the collaboration.\u201d",
    ),
    "capacity": (
        "Spend the leaders' time",
        "Leadership is a limited capacity: hours not spent on one of the six actions "
        "(engaging, arbitrating, negotiating, linking, staging small wins, steering "
        "towards the target) do nothing for the collaboration.",
    ),
    "leaders": (
        "Keep the key leaders",
        "Key leaders \u201cnegotiate the original project initiative and conduct the basic "
        "consensus about the shared targets and project design\u201d.",
    ),
    "link": (
        "Link to the wider community",
        "Linking is interacting \u201cwith the external environment across the boundary of "
        "the collaboration network\u201d to obtain \u201ccontinued community support\u201d.",
    ),
    "destroy": (
        "Do not destroy value",
        "Poorly led, collaborations \u201ccan destroy value for the individual and the "
        "community\u201d.",
    ),
}


@dataclass(frozen=True)
class Lesson:
    key: str
    title: str
    sentence: str
    status: str  # "followed", "broke" or "not tested"
    quarter: int | None  # where it showed
    evidence: str


@dataclass
class Debrief:
    """The player's outcome beside the rivals', and the lessons."""

    game: Game
    runs: dict[str, pd.DataFrame]  # monthly table of the player ("you") and each rival
    outcomes: pd.DataFrame  # one row per policy
    lessons: list[Lesson]
    strong_source: str
    strong_shares: dict[str, float]

    def to_json(self) -> dict[str, Any]:
        return {
            "game": self.game.to_json(),
            "outcomes": self.outcomes.reset_index().to_dict(orient="records"),
            "lessons": [lesson.__dict__ for lesson in self.lessons],
            "strong": {"source": self.strong_source, **self.strong_shares},
        }

    def html(self) -> str:
        return render_html(self)

    def write(self, folder: str | Path) -> Path:
        """Write ``debrief.html`` into ``folder``; return its path."""
        path = Path(folder) / "debrief.html"
        path.write_text(self.html(), encoding="utf-8")
        return path


def quarter_of(month: int) -> int:
    return (month - 1) // QUARTER + 1


def rivals(game: Game) -> tuple[dict[str, pd.DataFrame], str, dict[str, float]]:
    """The rules of thumb and the strong policy on the game's scenario, seed and
    replicate, to the game's month."""
    from commonfuture.simulation import Run

    strong, source = strong_for(game.case)
    out = {}
    for name, policy in [*((n, n) for n in BUILT_IN), ("strong", strong)]:
        run = Run(game.scenario, game.seed, [0], policy=policy)
        run.collaboration.run(game.month)
        out[name] = run.monthly()
    return out, source, strong.describe()


def debrief(game: Game) -> Debrief:
    """The debrief of ``game`` (played to its end or not)."""
    mine = game.monthly()
    others, source, shares = rivals(game)
    runs = {"you": mine, **others}
    table = pd.DataFrame({name: outcome(m) for name, m in runs.items()}).T
    table.index.name = "policy"
    return Debrief(game, runs, table, lessons(game), source, shares)


def _plan_hours(plan: dict[str, float], kind: str) -> float:
    idx = range(len(SLOTS))[KINDS[kind]]
    return float(sum(plan.get(SLOTS[k], 0.0) for k in idx))


def lessons(game: Game) -> list[Lesson]:
    """Which of the paper's lessons the player's choices followed or broke."""
    m = game.monthly()
    m = m.assign(quarter=(m["month"] - 1) // QUARTER + 1)
    by_q = m.groupby("quarter")
    views, plans = game.views, game.plans
    out = []

    def add(key: str, status: str, quarter: int | None, evidence: str) -> None:
        title, sentence = LESSONS[key]
        out.append(Lesson(key, title, sentence, status, quarter, evidence))

    # arbitrate: a tension voiced at the start of two quarters in a row, left alone in
    # both, while its harm rose
    conflict = by_q["loss_conflict"].sum()
    broke = None
    for q in range(1, len(plans)):
        prev, now = views[q - 1], views[q]
        for k, level in now.tensions.items():
            if (
                level >= VOICED
                and prev.tensions.get(k, 0.0) >= VOICED
                and plans[q - 1].get(f"arbitrate:{k}", 0.0) == 0
                and plans[q].get(f"arbitrate:{k}", 0.0) == 0
                and conflict.get(q + 1, 0.0) > conflict.get(q, 0.0)
            ):
                broke = (q + 1, k, level)
                break
        if broke:
            break
    voiced_ever = any(v >= VOICED for view in views for v in view.tensions.values())
    if broke:
        q, k, level = broke
        add(
            "arbitrate",
            "broke",
            q,
            f"the tension between {k.replace('-', ' and ')} ({level:.2f}) was left open for "
            f"two quarters while value lost to conflict rose",
        )
    elif voiced_ever or any(_plan_hours(p, "arbitrate") > 0 for p in plans):
        first = next((i + 1 for i, p in enumerate(plans) if _plan_hours(p, "arbitrate") > 0), None)
        add(
            "arbitrate",
            "followed",
            first,
            "no voiced tension was left open for two quarters while its harm rose"
            + (f"; arbitration began in quarter {first}" if first else ""),
        )
    else:
        add("arbitrate", "not tested", None, "no tension was voiced")

    # engage: groups with members never engaged
    never = []
    for g in game.run.collaboration.groups:
        engaged = [i + 1 for i, p in enumerate(plans) if p.get(f"engage:{g}", 0.0) > 0]
        if not engaged:
            had = m.loc[m[f"members_{g}"] > 0, "quarter"]
            never.append((g, int(had.min()) if len(had) else None))
    if never:
        shown = [q for _, q in never if q is not None]
        add(
            "engage",
            "broke",
            min(shown) if shown else len(plans),
            "never engaged: " + ", ".join(g for g, _ in never),
        )
    else:
        add("engage", "followed", 1, "every group was engaged at some point")

    # capacity: quarters with a quarter or more of the capacity unspent
    spent = sum(m[f"spent_{k}"] for k in KINDS)
    cap = m["capacity"]
    q_spent = spent.groupby(m["quarter"]).sum()
    q_cap = cap.groupby(m["quarter"]).sum()
    idle = [int(q) for q in q_cap.index if q_cap[q] > 0 and q_spent[q] < (1 - UNSPENT) * q_cap[q]]
    unspent = float((q_cap - q_spent).sum())
    if idle:
        add(
            "capacity",
            "broke",
            idle[0],
            f"{len(idle)} quarter(s) with more than {UNSPENT:.0%} of the leaders' time unspent "
            f"({unspent:.0f} hours in all)",
        )
    else:
        add("capacity", "followed", None, f"{unspent:.0f} hours unspent over the game")

    # leaders: a key leader lost in a quarter without negotiation
    kl = by_q["members_key_leaders"].last()
    start = views[0].key_leaders if views else 0
    lost_q = next((int(q) for q in kl.index if kl[q] < start), None)
    if lost_q is None:
        add("leaders", "followed", None, "no key leader left")
    else:
        neg = _plan_hours(plans[lost_q - 1], "negotiate")
        status = "broke" if neg == 0 else "followed"
        add(
            "leaders",
            status,
            lost_q,
            f"a key leader left in quarter {lost_q}, with {neg:g} hours a month of negotiation"
            + (" (negotiation could not keep them)" if neg > 0 else ""),
        )

    # link: at stage 2 or more for two quarters in a row without linking
    gap = None
    for q in range(1, len(plans)):
        if (
            views[q - 1].stage >= 2
            and views[q].stage >= 2
            and _plan_hours(plans[q - 1], "link") == 0
            and _plan_hours(plans[q], "link") == 0
        ):
            gap = q + 1
            break
    if gap:
        add("link", "broke", gap, "two quarters at integration or beyond without linking")
    elif any(v.stage >= 2 for v in views):
        add("link", "followed", None, "linked while at integration or beyond")
    elif len(m) and int(m["stage"].max()) >= 2:
        first = int(m.loc[m["stage"] >= 2, "quarter"].min())
        add(
            "link",
            "not tested",
            first,
            f"integration was reached in quarter {first}, but no later quarter began "
            "there: there was no quarter to link in",
        )
    else:
        add("link", "not tested", None, "the collaboration never reached integration")

    # destroy: the game ends with negative net community value; it showed in the
    # quarter from which the running total stayed below zero
    net = by_q["value_community"].sum()
    running = net.cumsum()
    lost = float(sum(m[f"loss_{k}"].sum() for k in LOSS_KINDS))
    negative = int((net < 0).sum())
    if len(running) and running.iloc[-1] < 0:
        above = [int(q) for q in running.index if running[q] >= 0]
        since = (above[-1] + 1) if above else int(running.index[0])
        add(
            "destroy",
            "broke",
            since,
            f"net community value ended at {running.iloc[-1]:,.2f}, below zero from quarter "
            f"{since} on; {negative} quarter(s) of negative net value; {lost:,.2f} value "
            "units lost in all",
        )
    else:
        add(
            "destroy",
            "followed",
            None,
            f"net community value ended at {running.iloc[-1] if len(running) else 0:,.2f}; "
            f"{negative} quarter(s) of negative net value; {lost:,.2f} value units lost in all",
        )
    return out


# -- rendering ---------------------------------------------------------------------

ROWS: list[tuple[str, str]] = [
    ("highest_stage", "highest stage reached"),
    ("final_stage", "stage at the end"),
    ("members_end", "members at the end"),
    *((f"net_{lvl}", f"net value: {lvl}") for lvl in LEVELS),
    *((f"lost_{k}", f"value lost: {k}") for k in LOSS_KINDS),
    *((f"left_{g}", f"members who left: {g}") for g in SECTORS),
    ("leaders_lost", "key leaders lost"),
    ("score", "score (net community value minus value lost)"),
]
COLOURS = {
    "you": "#c0392b",
    "steady": "#7f8c8d",
    "firefight": "#2980b9",
    "grow": "#27ae60",
    "strong": "#8e44ad",
}


def fmt(key: str, value: Any) -> str:
    if key.endswith("stage"):
        return f"{int(value)} ({STAGE_NAMES[int(value)]})"
    if isinstance(value, float | np.floating) and not float(value).is_integer():
        v = float(value)
        return f"{v:,.1f}" if abs(v) >= 100 else f"{v + 0.0:.2f}".replace("-0.00", "0.00")
    return f"{int(value):,}"


def chart_svg(runs: dict[str, pd.DataFrame], width: int = 640, height: int = 260) -> str:
    """An inline SVG of cumulative net community value, month by month, per policy."""
    series = {
        n: np.cumsum(m.sort_values("month")["value_community"].to_numpy()) for n, m in runs.items()
    }
    allv = np.concatenate([s for s in series.values() if len(s)] or [np.zeros(1)])
    lo, hi = min(0.0, float(allv.min())), max(1e-9, float(allv.max()))
    n = max(len(s) for s in series.values()) if series else 1
    pad = 40

    def xy(i: int, v: float) -> str:
        x = pad + (width - 2 * pad) * (i / max(n - 1, 1))
        y = height - pad - (height - 2 * pad) * ((v - lo) / (hi - lo or 1))
        return f"{x:.1f},{y:.1f}"

    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" '
        'aria-label="cumulative net community value by month" style="max-width:100%">',
        f'<line x1="{pad}" y1="{xy(0, 0).split(",")[1]}" x2="{width - pad}" '
        f'y2="{xy(0, 0).split(",")[1]}" stroke="#bbb"/>',
        f'<text x="4" y="{pad}" font-size="11">{hi:,.0f}</text>',
        f'<text x="4" y="{height - pad}" font-size="11">{lo:,.0f}</text>',
        f'<text x="{width - pad}" y="{height - 8}" font-size="11" text-anchor="end">'
        f"month {n}</text>",
    ]
    for k, (name, s) in enumerate(series.items()):
        if not len(s):
            continue
        pts = " ".join(xy(i, float(v)) for i, v in enumerate(s))
        col = COLOURS.get(name, "#333")
        w = 3 if name == "you" else 1.5
        parts.append(f'<polyline fill="none" stroke="{col}" stroke-width="{w}" points="{pts}"/>')
        parts.append(
            f'<text x="{pad + 90 * k}" y="14" font-size="12" fill="{col}">'
            f"\u2014 {html.escape(name)}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def render_html(d: Debrief) -> str:
    g = d.game
    esc = html.escape
    names = list(d.outcomes.index)
    head = "".join(f"<th>{esc(n)}</th>" for n in names)
    body = []
    for key, label in ROWS:
        cells = "".join(f"<td>{esc(fmt(key, d.outcomes.loc[n, key]))}</td>" for n in names)
        body.append(f"<tr><th>{esc(label)}</th>{cells}</tr>")
    plan_rows = []
    i = 0
    while i < len(g.plans):  # a run of identical quarters is one row
        j = i
        while j + 1 < len(g.plans) and g.plans[j + 1] == g.plans[i]:
            j += 1
        p = g.plans[i]
        cells = "".join(f"<td>{_plan_hours(p, k):g}</td>" for k in KINDS)
        detail = ", ".join(f"{k.replace(':', ' ')} {h:g}" for k, h in p.items()) or "nothing"
        label = f"Q{i + 1}" if i == j else f"Q{i + 1}-Q{j + 1}"
        plan_rows.append(f'<tr><th>{label}</th>{cells}<td class="detail">{esc(detail)}</td></tr>')
        i = j + 1
    lesson_items = []
    for lesson in d.lessons:
        where = f" (quarter {lesson.quarter})" if lesson.quarter else ""
        lesson_items.append(
            f'<li class="{lesson.status.replace(" ", "-")}"><b>{esc(lesson.title)}</b>: '
            f"{esc(lesson.status)}{esc(where)}: {esc(lesson.evidence)}."
            f"<br><small>{esc(lesson.sentence)}</small></li>"
        )
    shares = ", ".join(f"{k.removeprefix('share_')} {v:.2f}" for k, v in d.strong_shares.items())
    title = f"Debrief: {g.scenario.name}, seed {g.seed}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 1rem auto; padding: 0 1rem;
  color: #222; }}
table {{ border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 0.2rem 0.5rem; text-align: right; }}
tr th:first-child {{ text-align: left; font-weight: normal; }}
li {{ margin-bottom: 0.5rem; }}
li.broke b {{ color: #c0392b; }} li.followed b {{ color: #27ae60; }}
.wrap {{ overflow-x: auto; }}
td.detail {{ text-align: left; }}
</style></head><body>
<h1>{esc(title)}</h1>
<p>{esc(g.scenario.description)}</p>
<p>You led {g.quarter} quarter(s), {g.month} of {g.months} months. Beside you, on the same
random numbers: the rules of thumb <i>steady</i>, <i>firefight</i> and <i>grow</i>, and a
<i>strong</i> policy found by cross-entropy search ({esc(d.strong_source)}; shares of the
leaders' time {esc(shares)}).</p>
<h2>Outcomes</h2>
<div class="wrap"><table><tr><th></th>{head}</tr>
{"".join(body)}
</table></div>
<h2>Net community value, month by month (cumulative)</h2>
{chart_svg(d.runs)}
<h2>The paper's lessons</h2>
<ul>{"".join(lesson_items)}</ul>
<h2>Your plan, hours a month</h2>
<div class="wrap"><table><tr><th>quarter</th>{"".join(f"<th>{k}</th>" for k in KINDS)}
<th>detail</th></tr>
{"".join(plan_rows)}
</table></div>
<p><small>Game file: case {esc(g.case)}, seed {g.seed}, scenario hash {esc(g.hash[:12])}.
Replay it with <code>commonfuture train GAME.json</code>.</small></p>
</body></html>
"""


__all__ = ["LESSONS", "Debrief", "Lesson", "debrief", "lessons", "render_html"]
