"""An event log as the model's monthly measures, stage timeline and value chains.

Month 1 is the calendar month of the first event (or of ``start``); every later
calendar month is one model month. Events dated before ``start`` (founders joining,
roles taken up) set the state the collaboration starts from, as the model's month 0
does: they count towards membership and roles, not as this month's flows. At the end of
each month an actor is a member from its ``joined`` to its next ``left``, and a key leader from a
``key_leader_changed`` with amount 1 to one with amount 0 (or to leaving).

What the records give, named as the model names it (:mod:`commonfuture.outputs`):
``members`` and ``members_<sector>``, ``members_key_leaders``,
``members_network_actors``, ``members_external_users``, ``seceded``, ``joins``,
``secessions``, ``small_wins`` (an actor's own small win counts one; a
collaboration-wide one counts once per member, as every member evaluates it),
``uses`` and ``uptake.<proposition>``, ``capital_raised`` (contributions so far, those
dated before ``start`` included) and
``coupled``, ``stage``, ``regressions``, ``disruptions``. One column the model does
not have: ``took_part`` (participation events this month). What records cannot show
(commitment, trust, value) is left out rather than guessed.

**How coupling is read from records.** The model's coupling holds while key leaders
of at least two sectors sit at the table and their negotiated consensus on the shared
target is high enough. Records show no commitment or consensus, so a collaboration
counts as *coupled* in a month when members holding a key-leader role come from at
least two sectors and, where the log records the leaders' agreement
(``coupling_changed`` events: 1 when it came into force, 0 when it was lost), the
agreement is in force. The role comes from ``key_leader_changed`` events; leaving
ends it. A log without ``coupling_changed`` events reads the agreement as in force
throughout.

The stage then follows from the very functions the model uses
(:func:`commonfuture.macro.stages.advance`, the same ``stage_step``), fed a
:class:`~commonfuture.macro.stages.Snapshot` per month: coupled; members who are not
key leaders; sectors represented among members; and the committed share of the wider
population: member residents over ``wider`` (the residents within reach, which
records cannot count). Without ``wider`` the share is not known and stage 3 is never
entered.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from commonfuture.macro.stages import Snapshot, advance
from commonfuture.outputs import uptake_column
from commonfuture.scenario.schema import SECTORS, Stages

CITIZENS = "citizens"


def month_index(dates: pd.Series, start: pd.Timestamp) -> np.ndarray:
    """Model month (1 = the month of ``start``) of each date."""
    d = pd.DatetimeIndex(dates)
    return ((d.year - start.year) * 12 + (d.month - start.month) + 1).to_numpy(np.int64)


def start_of(events: pd.DataFrame, start=None) -> pd.Timestamp:
    s = pd.Timestamp(start) if start is not None else events["date"].min()
    return pd.Timestamp(year=s.year, month=s.month, day=1)


def monthly_series(
    events: pd.DataFrame,
    rules: Stages | None = None,
    wider: int | None = None,
    start=None,
    end=None,
) -> pd.DataFrame:
    """One row per month (``month``, ``date`` = first day of the month) of an event log."""
    rules = rules or Stages()
    t0 = start_of(events, start)
    ev = events.copy()
    ev["month"] = np.maximum(month_index(ev["date"], t0), 0)
    last = int(ev["month"].max())
    if end is not None:
        last = max(last, int(month_index(pd.Series([pd.Timestamp(end)]), t0)[0]))
    props = sorted(ev.loc[ev["kind"] == "used_service", "proposition"].dropna().unique().tolist())
    member: dict[str, bool] = {}
    leader: dict[str, bool] = {}
    sector: dict[str, str] = {}
    seceded = 0
    capital = 0.0
    stage = np.zeros(1, np.int8)
    pending = np.zeros(1, np.int16)
    was_coupled = False
    agreed = not (ev["kind"] == "coupling_changed").any()  # no record: in force throughout
    rows = []
    by_month = {m: g for m, g in ev.groupby("month", sort=True)}
    for m in range(0, last + 1):
        g = by_month.get(m)
        joins = secessions = wins_own = wins_all = uses = took = 0
        uptake = dict.fromkeys(props, 0)
        if g is not None:
            for e in g.itertuples(index=False):
                a = e.actor
                if a is not None and e.sector is not None:
                    sector[a] = e.sector
                k = e.kind
                if k == "joined":
                    member[a] = True
                    joins += 1
                elif k == "left":
                    member[a] = False
                    leader[a] = False
                    secessions += 1
                    seceded += 1
                elif k == "key_leader_changed":
                    leader[a] = e.amount == 1.0
                elif k == "coupling_changed":
                    agreed = e.amount == 1.0
                elif k == "contributed":
                    capital += float(e.amount)
                elif k == "used_service":
                    uses += 1
                    if e.proposition is not None:
                        uptake[e.proposition] += 1
                elif k == "took_part":
                    took += 1
                elif k == "small_win":
                    if a is None:
                        wins_all += 1
                    else:
                        wins_own += 1
        members = [a for a, v in member.items() if v]
        by_sector = {s: 0 for s in SECTORS}
        for a in members:
            by_sector[sector[a]] += 1
        leaders = [a for a in members if leader.get(a)]
        leader_sectors = {sector[a] for a in leaders}
        citizen_leaders = sum(sector[a] == CITIZENS for a in leaders)
        n, n_lead = len(members), len(leaders)
        coupled = len(leader_sectors) >= 2 and agreed
        share = by_sector[CITIZENS] / wider if wider else 0.0
        snap = Snapshot(
            coupled=np.array([coupled]),
            other_members=np.array([n - n_lead], float),
            sectors=np.array([sum(v > 0 for v in by_sector.values())], float),
            wider_share=np.array([share]),
        )
        stage, pending, regressed = advance(stage, pending, snap, rules)
        row = {
            "month": m,
            "date": t0 + pd.DateOffset(months=m - 1),
            "stage": int(stage[0]),
            "coupled": int(coupled),
            "regressions": int(regressed[0]),
            "disruptions": int(was_coupled and not coupled),
            "members": n,
            **{f"members_{s}": by_sector[s] for s in SECTORS},
            "members_key_leaders": n_lead,
            "members_network_actors": n - by_sector[CITIZENS] - n_lead + citizen_leaders,
            "members_external_users": by_sector[CITIZENS] - citizen_leaders,
            "seceded": seceded,
            "joins": joins,
            "secessions": secessions,
            "small_wins": wins_own + wins_all * n,
            "uses": uses,
            "capital_raised": capital,
            "took_part": took,
            **{uptake_column(p): uptake[p] for p in props},
        }
        was_coupled = coupled
        if m == 0:  # events before the start: the initial state, no flows, no month
            # money raised before the start is capital the collaboration starts with
            seceded = 0
            stage[:], pending[:] = 0, 0
            continue
        rows.append(row)
    return pd.DataFrame(rows)


def value_chains(events: pd.DataFrame, start=None) -> pd.DataFrame:
    """One row per actor: its route through the collaboration (joined, took part, used,
    contributed, small wins, left) with dates, counts and the chain in words."""
    t0 = start_of(events, start)
    end = events["date"].max()
    out = []
    wins_all = events.loc[(events["kind"] == "small_win") & events["actor"].isna(), "date"]
    for a, g in events.dropna(subset=["actor"]).groupby("actor", sort=False):
        kinds = g["kind"].tolist()
        joined = g.loc[g["kind"] == "joined", "date"]
        left = g.loc[g["kind"] == "left", "date"]
        first_join = joined.min() if len(joined) else pd.NaT
        is_member = _member_at_end(kinds)
        spans = _spans(g, end)
        steps = []
        for k in kinds:
            if steps and steps[-1][0] == k:
                steps[-1][1] += 1
            else:
                steps.append([k, 1])
        chain = " > ".join(k if c == 1 else f"{k} x{c}" for k, c in steps)
        used = g.loc[g["kind"] == "used_service", "proposition"].dropna().unique().tolist()
        shared_wins = sum(int(((wins_all >= a0) & (wins_all <= a1)).sum()) for a0, a1 in spans)
        out.append(
            {
                "actor": a,
                "sector": g["sector"].iloc[0],
                "joined": first_join,
                "left": left.max() if len(left) and not is_member else pd.NaT,
                "status": "member" if is_member else ("left" if len(left) else "never joined"),
                "months_in": sum(_months(a0, a1) for a0, a1 in spans),
                "spells": len(spans),
                "took_part": kinds.count("took_part"),
                "used": kinds.count("used_service"),
                "propositions": "; ".join(used),
                "contributed": float(g.loc[g["kind"] == "contributed", "amount"].sum()),
                "small_wins": kinds.count("small_win") + shared_wins,
                "key_leader": bool((g["kind"] == "key_leader_changed").any()),
                "first_month": int(month_index(g["date"].iloc[:1], t0)[0]),
                "chain": chain,
            }
        )
    return pd.DataFrame(out)


def _spans(g: pd.DataFrame, end: pd.Timestamp) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """An actor's membership spells, (joined, left or the end of the records); a gap
    between leaving and rejoining is not membership."""
    out, since = [], None
    for k, d in zip(g["kind"], g["date"], strict=True):
        if k == "joined" and since is None:
            since = d
        elif k == "left" and since is not None:
            out.append((since, d))
            since = None
    if since is not None:
        out.append((since, end))
    return out


def _member_at_end(kinds: list[str]) -> bool:
    state = False
    for k in kinds:
        if k == "joined":
            state = True
        elif k == "left":
            state = False
    return state


def _months(a: pd.Timestamp, b: pd.Timestamp) -> int:
    return int((b.year - a.year) * 12 + (b.month - a.month))
