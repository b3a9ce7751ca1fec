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
from commonfuture.population import (
    COMMITTED,
    KEY_LEADER,
    SECEDED,
    State,
)
from commonfuture.propositions import Offer
from commonfuture.scenario.schema import SECTORS, Scenario
from commonfuture.value import ELEMENTS, LEVELS

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


def snapshot(state: State, counts: np.ndarray, n_wider: int) -> Snapshot:
    """What the stage classifier sees, from this month's census."""
    sectors = (counts[:, C_SECTOR : C_SECTOR + len(SECTORS)] > 0).sum(axis=1)
    share = counts[:, C_WIDER] / n_wider if n_wider else np.zeros(state.n_replicates)
    return Snapshot(
        coupled=state.coupled.copy(),
        other_members=counts[:, C_MEMBERS] - counts[:, C_LEADERS],
        sectors=sectors,
        wider_share=share,
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


def measures(
    state, ctx, counts, sums, joins, offered, created, evaluated, seceded, disrupted, regressed
):
    n_members = counts[:, C_MEMBERS]
    out: dict[str, np.ndarray] = {
        "stage": state.stage.copy(),
        "coupled": state.coupled.astype(np.int8),
        "regressions": regressed.astype(np.int16),
        "disruptions": disrupted.astype(np.int16),
        "members": n_members,
    }
    for s, name in enumerate(SECTORS):
        out[f"members_{name}"] = counts[:, C_SECTOR + s]
    cit_leaders = counts[:, C_CIT_LEADERS]
    out["members_key_leaders"] = counts[:, C_LEADERS]
    out["members_network_actors"] = (
        n_members - out["members_citizens"] - out["members_key_leaders"] + cit_leaders
    )
    out["members_external_users"] = out["members_citizens"] - cit_leaders
    out["seceded"] = counts[:, C_SECEDED]
    out["joins"] = counts[:, C_JOINS]
    out["secessions"] = counts[:, C_SECESSIONS]
    denom = np.maximum(n_members, 1)
    out["mean_commitment"] = np.where(n_members > 0, sums[:, 0] / denom, 0.0)
    out["mean_trust"] = np.where(n_members > 0, sums[:, 1] / denom, 0.0)
    out["small_wins"] = counts[:, C_WINS]
    out["shortfalls"] = counts[:, C_SHORTFALLS]
    out["uses"] = created.uptake.sum(axis=1)
    # sums by replicate are integers when no actor used anything: keep the columns float
    value = created.created.astype(float)
    out["value_created"] = value.sum(axis=1)
    for e, name in enumerate(ELEMENTS):
        out[f"value_{name}"] = value[:, e]
    for lvl, idx in LEVELS.items():
        out[f"value_{lvl}"] = value[:, idx[0]] if len(idx) == 1 else value[:, list(idx)].sum(axis=1)
    out["value_realised"] = created.realised_total
    out["value_destroyed"] = created.destroyed.astype(float)
    for k, name in enumerate(("ignorance", "disproportion", "backlash", "exploitation")):
        out[f"loss_{name}"] = created.losses[:, k].astype(float)
    out["budget"] = offered.budget
    out["funding"] = offered.pool
    out["spent"] = created.spent
    out["capital_raised"] = state.capital.copy()
    out["target_progress"] = state.target / ctx.scenario.target.amount
    for j, name in enumerate(ctx.offer.names):
        out[f"uptake.{name}"] = created.uptake[:, j]
    return out
