"""One month of the model: the seven sub-steps, in their documented order.

1. coupling (macro)            :func:`commonfuture.macro.coupling.coupling`
2. value commitment link       :func:`commonfuture.micro.commitment.commitment_link`
3. value proposition link      :func:`commonfuture.micro.proposition.proposition_link`
4. value creation link         :func:`commonfuture.micro.creation.creation_link`
5. small wins (meso)           :func:`commonfuture.meso.small_wins.small_wins`
6. secession (micro)           :func:`commonfuture.micro.secession.secession`
7. stage (macro)               :func:`commonfuture.macro.stages.advance`

The commitment link sees last month's offer (what the network had open when
the actor weighed joining); the proposition link then offers this month's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from commonfuture import randomness
from commonfuture.macro.coupling import coupling
from commonfuture.macro.stages import Snapshot, advance
from commonfuture.meso.small_wins import small_wins
from commonfuture.micro.commitment import commitment_link
from commonfuture.micro.creation import creation_link
from commonfuture.micro.proposition import proposition_link
from commonfuture.micro.secession import secession
from commonfuture.outputs import NAMES
from commonfuture.population import (
    COMMITTED,
    KEY_LEADER,
    SECEDED,
    State,
)
from commonfuture.propositions import Offer
from commonfuture.scenario.schema import SECTORS, Scenario
from commonfuture.value import DESTRUCTION_KINDS, ELEMENTS, LEVELS

N_UNIFORM = 4  # join, reach, use, ration


@dataclass
class Draws:
    """A month's random numbers, (R, N) each; given as they are (hand-made cases).

    :class:`Streams` computes them month by month instead: the model asks for
    the decision uniforms before the commitment link and the budget normals
    before the proposition link; each use's value noise is computed as it is
    valued (``keys``).
    """

    u_join: np.ndarray
    u_reach: np.ndarray
    u_use: np.ndarray
    u_ration: np.ndarray
    z_noise: np.ndarray | None
    z_budget: np.ndarray | None  # (R,)
    keys: np.ndarray | None = None  # (R, 2) uint32 when the noise is computed per use

    def decide(self, state: State, month: int) -> None:
        """Before the commitment link: joining, outreach, use and lottery uniforms."""

    def budget(self, month: int) -> np.ndarray:
        """(R,) standard normals for the investment stream."""
        return self.z_budget


class Streams(Draws):
    """Counter-based monthly draws (:mod:`commonfuture.randomness`), into buffers."""

    def __init__(self, keys: np.ndarray, n: int):
        r = len(keys)
        keys = np.ascontiguousarray(keys, dtype=np.uint32).reshape(r, 2)
        self.u = np.empty((r, N_UNIFORM, n), np.float32)
        u = self.u
        super().__init__(u[:, 0], u[:, 1], u[:, 2], u[:, 3], None, None, keys)

    def decide(self, state: State, month: int) -> None:
        randomness.decisions(self.keys, month, state.status, state.coupled, self.u)

    def budget(self, month: int) -> np.ndarray:
        return randomness.budget_normals(self.keys, month)


@dataclass
class Context:
    """Things fixed for a run, derived once from the scenario."""

    scenario: Scenario
    offer: Offer
    wider: np.ndarray  # (N,) bool: the wider population, for stage 3
    open_last: np.ndarray  # (R, P) what was open last month
    n_wider: int = 0  # actors in the wider population


def make_context(scenario: Scenario, offer: Offer, state: State) -> Context:
    citizens = state.sector == SECTORS.index("citizens")
    wider = citizens if citizens.any() else state.role != KEY_LEADER
    return Context(
        scenario=scenario,
        offer=offer,
        wider=wider,
        open_last=np.zeros((state.n_replicates, offer.n), bool),
        n_wider=int(wider.sum()),
    )


# columns of the census, per replicate
C_MEMBERS, C_SECTOR, C_LEADERS, C_CIT_LEADERS, C_SECEDED, C_WIDER = 0, 1, 5, 6, 7, 8
C_JOINS, C_SECESSIONS, C_WINS, C_SHORTFALLS = 9, 10, 11, 12
N_CENSUS = 13


@njit(cache=True, nogil=True)
def census(status, sector, role, wider, commitment, trust, joins, seceded, evaluated, wins):
    """One pass over the actors: per replicate, the counts the stage classifier and the
    measures need ((R, N_CENSUS) int64: members, members of each sector, key-leader
    members, citizen key-leader members, seceded, members of the wider population,
    and this month's joins, secessions, wins and shortfalls), and the sums of
    members' commitment and trust ((R, 2) float64)."""
    r_n, n = status.shape
    counts = np.zeros((r_n, N_CENSUS), np.int64)
    sums = np.zeros((r_n, 2), np.float64)
    for r in range(r_n):
        for i in range(n):
            counts[r, C_JOINS] += joins[r, i]
            counts[r, C_SECESSIONS] += seceded[r, i]
            counts[r, C_WINS] += wins[r, i]
            counts[r, C_SHORTFALLS] += evaluated[r, i] and not wins[r, i]
            st = status[r, i]
            if st == 1:
                counts[r, C_MEMBERS] += 1
                counts[r, C_SECTOR + sector[i]] += 1
                if role[i] == 0:
                    counts[r, C_LEADERS] += 1
                    counts[r, C_CIT_LEADERS] += sector[i] == 3
                counts[r, C_WIDER] += wider[i]
                sums[r, 0] += commitment[r, i]
                sums[r, 1] += trust[r, i]
            elif st == 2:
                counts[r, C_SECEDED] += 1
    return counts, sums


@njit(cache=True, nogil=True)
def stage_inputs(counts, n_wider):
    """From the census, what the stage classifier needs per replicate: members beyond
    the key leaders, sectors represented among members, and the committed share of
    the wider population ((R,) float64 each)."""
    r_n = counts.shape[0]
    others = np.empty(r_n, np.float64)
    sectors = np.empty(r_n, np.float64)
    share = np.zeros(r_n, np.float64)
    for r in range(r_n):
        others[r] = counts[r, C_MEMBERS] - counts[r, C_LEADERS]
        k = 0
        for s in range(4):
            k += counts[r, C_SECTOR + s] > 0
        sectors[r] = k
        if n_wider > 0:
            share[r] = counts[r, C_WIDER] / n_wider
    return others, sectors, share


def snapshot(state: State, counts: np.ndarray, n_wider: int) -> Snapshot:
    """What the stage classifier sees, from this month's census."""
    others, sectors, share = stage_inputs(counts, n_wider)
    return Snapshot(
        coupled=state.coupled.copy(), other_members=others, sectors=sectors, wider_share=share
    )


def step(state: State, ctx: Context, draws: Draws, month: int, chains=None) -> dict:
    """Advance every replicate by one month; return this month's measures, (R,) each."""
    sc, offer = ctx.scenario, ctx.offer
    # key leaders withdrawn by a scheduled event secede too: count them among secessions
    withdrawing = any(ev.month == month and ev.kind == "leader_withdraws" for ev in sc.events)
    before = (state.status == COMMITTED) if withdrawing else None
    disrupted = coupling(state, sc, month)
    draws.decide(state, month)
    joins = commitment_link(
        state, sc, ctx.open_last, offer.bits, draws.u_join, draws.u_reach, ctx.wider
    )
    offered = proposition_link(state, sc, offer, month, draws.budget(month))
    created = creation_link(
        state, sc, offer, offered, month, draws.u_use, draws.u_ration, draws.z_noise, draws.keys
    )
    evaluated = small_wins(state, sc, month, created.holders_paid)
    seceded = secession(state)
    if before is not None:
        seceded |= before & (state.status == SECEDED)
    counts, sums = census(
        state.status,
        state.sector,
        state.role,
        ctx.wider,
        state.commitment,
        state.trust,
        joins,
        seceded,
        evaluated.evaluated,
        evaluated.wins,
    )
    state.stage, state.pending, regressed = advance(
        state.stage, state.pending, snapshot(state, counts, ctx.n_wider), sc.stages
    )
    ctx.open_last = offered.open
    state.month = month
    if chains is not None:
        chains.record(month, joins, created, evaluated, seceded)
    return measures(
        state, ctx, counts, sums, joins, offered, created, evaluated, seceded, disrupted, regressed
    )


INT_MEASURES: tuple[str, ...] = (
    "stage", "coupled", "regressions", "disruptions", "members",
    *(f"members_{name}" for name in SECTORS),
    "members_key_leaders", "members_network_actors", "members_external_users",
    "seceded", "joins", "secessions", "small_wins", "shortfalls", "uses",
)  # fmt: skip
FLOAT_MEASURES: tuple[str, ...] = (
    "mean_commitment", "mean_trust", "value_created",
    *(f"value_{name}" for name in ELEMENTS),
    *(f"value_{lvl}" for lvl in LEVELS),
    "value_realised", "value_destroyed",
    *(f"loss_{name}" for name in DESTRUCTION_KINDS),
    "budget", "funding", "spent", "capital_raised", "target_progress",
)  # fmt: skip
N_INT, N_FLOAT = len(INT_MEASURES), len(FLOAT_MEASURES)
# level membership of each value element, (levels, elements)
LEVEL_OF = np.array([[e in idx for e in range(len(ELEMENTS))] for idx in LEVELS.values()])


@njit(cache=True, nogil=True)
def tally(
    counts,
    sums,
    stage,
    coupled,
    regressed,
    disrupted,
    uptake,
    created_e,
    level_of,
    realised,
    destroyed,
    losses,
    budget,
    pool,
    spent,
    capital,
    target,
    target_amount,
):
    """The month's measures per replicate: ((R, len(INT_MEASURES)) int64,
    (R, len(FLOAT_MEASURES)) float64, (R, P) uptake), in the order of those names."""
    r_n = len(stage)
    ints = np.zeros((r_n, N_INT), np.int64)
    floats = np.zeros((r_n, N_FLOAT), np.float64)
    for r in range(r_n):
        members = counts[r, C_MEMBERS]
        citizens = counts[r, C_SECTOR + 3]
        ints[r, 0] = stage[r]
        ints[r, 1] = coupled[r]
        ints[r, 2] = regressed[r]
        ints[r, 3] = disrupted[r]
        ints[r, 4] = members
        for s in range(4):
            ints[r, 5 + s] = counts[r, C_SECTOR + s]
        ints[r, 9] = counts[r, C_LEADERS]
        ints[r, 10] = members - citizens - counts[r, C_LEADERS] + counts[r, C_CIT_LEADERS]
        ints[r, 11] = citizens - counts[r, C_CIT_LEADERS]
        ints[r, 12] = counts[r, C_SECEDED]
        ints[r, 13] = counts[r, C_JOINS]
        ints[r, 14] = counts[r, C_SECESSIONS]
        ints[r, 15] = counts[r, C_WINS]
        ints[r, 16] = counts[r, C_SHORTFALLS]
        for j in range(uptake.shape[1]):
            ints[r, 17] += uptake[r, j]
        denom = max(members, 1)
        floats[r, 0] = sums[r, 0] / denom if members > 0 else 0.0
        floats[r, 1] = sums[r, 1] / denom if members > 0 else 0.0
        for e in range(5):
            floats[r, 2] += created_e[r, e]
            floats[r, 3 + e] = created_e[r, e]
        for lvl in range(3):
            for e in range(5):
                if level_of[lvl, e]:
                    floats[r, 8 + lvl] += created_e[r, e]
        floats[r, 11] = realised[r]
        floats[r, 12] = destroyed[r]
        for k in range(4):
            floats[r, 13 + k] = losses[r, k]
        floats[r, 17] = budget[r]
        floats[r, 18] = pool[r]
        floats[r, 19] = spent[r]
        floats[r, 20] = capital[r]
        floats[r, 21] = target[r] / target_amount
    return ints, floats


def measures(
    state, ctx, counts, sums, joins, offered, created, evaluated, seceded, disrupted, regressed
):
    """This month's measures (``outputs.MEASURES``), (R,) each."""
    ints, floats = tally(
        counts,
        sums,
        state.stage,
        state.coupled,
        regressed,
        disrupted,
        created.uptake,
        created.created,
        LEVEL_OF,
        created.realised_total,
        created.destroyed,
        created.losses,
        offered.budget,
        offered.pool,
        created.spent,
        state.capital,
        state.target,
        float(ctx.scenario.target.amount),
    )
    cols = {name: ints[:, k] for k, name in enumerate(INT_MEASURES)}
    cols.update({name: floats[:, k] for k, name in enumerate(FLOAT_MEASURES)})
    out = {name: cols[name] for name in NAMES}  # in the documented order
    for j, name in enumerate(ctx.offer.names):
        out[f"uptake.{name}"] = created.uptake[:, j]
    return out
