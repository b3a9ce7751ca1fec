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
    contributed, small wins, left) with dates, counts and the chain in words.

    Computed for all actors at once (counts by ``np.bincount``, dates and spells by
    group, the chain as runs of one kind), so that a log of a million events takes
    seconds (the same frame as taking the actors one by one)."""
    t0 = start_of(events, start)
    end = events["date"].max()
    wins_all = np.sort(
        events.loc[(events["kind"] == "small_win") & events["actor"].isna(), "date"].to_numpy()
    )
    ev = events[events["actor"].notna()]
    if ev.empty:
        return pd.DataFrame()
    order = pd.unique(ev["actor"])
    code = pd.Categorical(ev["actor"], categories=order).codes.astype(np.int64)
    n = len(order)
    kind = ev["kind"].to_numpy()
    date = ev["date"].to_numpy()

    def count(k: str) -> np.ndarray:
        return np.bincount(code[kind == k], minlength=n)

    frame = pd.DataFrame({"code": code, "kind": kind, "date": date})
    first_row = ~frame["code"].duplicated().to_numpy()
    by_code = np.argsort(code[first_row], kind="stable")
    sector = ev["sector"].to_numpy()[first_row][by_code]
    first_date = date[first_row][by_code]
    nat = np.datetime64("NaT", "ns")
    first_join = np.full(n, nat, dtype="datetime64[ns]")
    jn = frame[kind == "joined"].groupby("code")["date"].min()
    first_join[jn.index.to_numpy()] = jn.to_numpy()
    left_max = np.full(n, nat, dtype="datetime64[ns]")
    lf = frame[kind == "left"].groupby("code")["date"].max()
    left_max[lf.index.to_numpy()] = lf.to_numpy()
    has_left = ~np.isnat(left_max)
    # membership: the last of joined and left; spells: (joined, next left or the end),
    # a second joined inside a spell and a left outside one changing nothing
    jl = frame[(kind == "joined") | (kind == "left")]
    jl = jl.iloc[np.argsort(jl["code"].to_numpy(), kind="stable")]
    jc, jk, jd = jl["code"].to_numpy(), jl["kind"].to_numpy(), jl["date"].to_numpy()
    member = np.zeros(n, bool)
    if len(jc):
        last = np.append(jc[1:] != jc[:-1], True)
        member[jc[last]] = jk[last] == "joined"
    change = np.ones(len(jc), bool)
    change[1:] = (jc[1:] != jc[:-1]) | (jk[1:] != jk[:-1])
    jc, jk, jd = jc[change], jk[change], jd[change]
    first = np.ones(len(jc), bool)
    first[1:] = jc[1:] != jc[:-1]
    keep = ~(first & (jk == "left"))
    jc, jk, jd = jc[keep], jk[keep], jd[keep]
    starts = np.flatnonzero(jk == "joined")
    closed = np.zeros(len(starts), bool)
    nxt = starts + 1
    inside = nxt < len(jc)
    closed[inside] = jc[nxt[inside]] == jc[starts[inside]]
    a0 = jd[starts]
    a1 = np.full(len(starts), np.datetime64(end, "ns"))
    a1[closed] = jd[nxt[closed]]
    owner = jc[starts]
    i0, i1 = pd.DatetimeIndex(a0), pd.DatetimeIndex(a1)
    span_months = ((i1.year - i0.year) * 12 + (i1.month - i0.month)).to_numpy(np.int64)
    span_wins = np.searchsorted(wins_all, a1, "right") - np.searchsorted(wins_all, a0, "left")
    months_in = np.bincount(owner, weights=span_months, minlength=n).astype(np.int64)
    shared = np.bincount(owner, weights=span_wins, minlength=n).astype(np.int64)
    spells = np.bincount(owner, minlength=n)
    prop = ev["proposition"].to_numpy()
    used_rows = pd.DataFrame({"code": code, "p": prop})[
        (kind == "used_service") & pd.notna(prop)
    ].drop_duplicates()
    used = used_rows.groupby("code", sort=True)["p"].agg("; ".join)
    props = np.full(n, "", dtype=object)
    props[used.index.to_numpy()] = used.to_numpy()
    c = kind == "contributed"
    amount = np.nan_to_num(ev["amount"].to_numpy(dtype=float)[c])
    contributed = np.bincount(code[c], weights=amount, minlength=n).astype(float)
    # the chain: runs of one kind within each actor, in the log's order
    srt = np.argsort(code, kind="stable")
    sc, sk = code[srt], kind[srt]
    new = np.ones(len(sc), bool)
    new[1:] = (sc[1:] != sc[:-1]) | (sk[1:] != sk[:-1])
    runs = np.flatnonzero(new)
    lengths = np.diff(np.append(runs, len(sc)))
    words = np.where(
        lengths == 1, sk[runs], sk[runs].astype(object) + " x" + lengths.astype(str).astype(object)
    )
    chain = pd.Series(words).groupby(sc[runs], sort=True).agg(" > ".join).to_numpy()
    return pd.DataFrame(
        {
            "actor": order,
            "sector": sector,
            "joined": first_join,
            "left": np.where(has_left & ~member, left_max, nat),
            "status": np.where(member, "member", np.where(has_left, "left", "never joined")),
            "months_in": months_in,
            "spells": spells,
            "took_part": count("took_part"),
            "used": count("used_service"),
            "propositions": props,
            "contributed": contributed,
            "small_wins": count("small_win") + shared,
            "key_leader": count("key_leader_changed") > 0,
            "first_month": month_index(pd.Series(first_date), t0),
            "chain": chain,
        }
    )
