"""The fast engine's month in one compiled call.

:func:`commonfuture.model.step` composes the seven sub-steps in Python, one
function per concept of the paper; this module runs the very same kernels of
those sub-steps (``coupled_now``, ``weigh_joining``, ``capacities``, ``choose``,
``use_values``, ``pay_holdings``, ``book_uses``, ``settle``, ``learn``,
``leave``, ``census``, the stage process and ``tally``) in the same order from
one compiled function, so a month costs one call instead of a few hundred small
array operations: what decides the speed of small and mid-sized runs. Everything
that depends only on the month (scheduled events, small-win moments, holdings
due, the budget stream, propositions in their months) is tabulated once per run.

``tests/test_engine.py`` checks that both paths give identical results.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numba import njit

from commonfuture import randomness
from commonfuture.leadership import realisation
from commonfuture.macro.coupling import coupled_now, leader_similarity
from commonfuture.macro.stages import stage_step
from commonfuture.meso.small_wins import is_moment, learn
from commonfuture.micro.commitment import weigh_joining
from commonfuture.micro.creation import (
    book_uses,
    choose,
    holding_due,
    pay_holdings,
    settle,
    use_values,
)
from commonfuture.micro.proposition import capacities, contributions, monthly_budget
from commonfuture.micro.secession import leave
from commonfuture.model import (
    FLOAT_MEASURES,
    INT_MEASURES,
    LEVEL_OF,
    N_UNIFORM,
    Context,
    census,
    stage_inputs,
    tally,
)
from commonfuture.outputs import NAMES
from commonfuture.population import State, key_leaders
from commonfuture.scenario.schema import SECTORS


@njit(cache=True, nogil=True)
def month_kernel(
    month, t, fp, ip,
    withdraw, moment, due, in_time, budget,
    keys, u,
    sector, role, eligible, leaders, leader_sector, sim, wider,
    profile, expectation, threshold, floor, resources, burden, exploiter,
    anticipated, ignorance, backlash, indptr, indices, data, degree,
    status, commitment, trust, realised, months_since, signal, used, accumulated,
    stage, pending, coupled, ever_coupled, target_total, capital, open_last,
    bits, value, cost, price, unit_cost, capacity, min_stage, once, target_yield,
    holding_every, holding_value, start,
    out_ints, out_floats, out_uptake,
):  # fmt: skip
    """Advance every replicate by one month; write the month's measures at row ``t``.

    ``fp``/``ip``: the scenario's float and integer parameters (see :func:`params`).
    """
    r_n, n = status.shape
    f32 = np.float32
    # 1. coupling (macro): scheduled withdrawals, then whether the leaders stay coupled
    withdrawn = np.zeros((r_n, n), np.bool_)
    for a in range(len(leaders)):
        if withdraw[month, leader_sector[a]]:
            who = leaders[a]
            for r in range(r_n):
                withdrawn[r, who] = status[r, who] == 1
                status[r, who] = 2
                commitment[r, who] = 0.0
                signal[r, who] = -1.0
    if len(leaders):
        now = coupled_now(status, commitment, leaders, leader_sector, sim, f32(fp[0]), fp[1], fp[2])
    else:
        now = np.zeros(r_n, np.bool_)
    disrupted = coupled & ~now
    shock = f32(fp[3])
    for r in range(r_n):
        if disrupted[r]:
            for i in range(n):
                if status[r, i] == 1:
                    trust[r, i] *= shock
        coupled[r] = now[r]
        ever_coupled[r] |= now[r]
    # the month's decision uniforms
    randomness.decisions(keys, month, status, coupled, u)
    # 2. value commitment link (micro), seeing last month's offer
    joins = weigh_joining(
        status,
        coupled,
        u[:, 0],
        f32(fp[4]),
        f32(fp[5]),
        wider,
        ip[0],
        u[:, 1],
        f32(fp[6]),
        stage >= 3,
        indptr,
        indices,
        data,
        degree,
        signal,
        f32(fp[7]),
        f32(fp[8]),
        open_last,
        eligible,
        used,
        bits,
        anticipated,
        expectation,
        threshold,
        commitment,
        trust,
        realised,
        months_since,
        f32(fp[9]),
        f32(fp[10]),
    )
    # 3. value proposition link (micro)
    pool = budget[month] + fp[11] * contributions(status, resources)
    is_open, cap = capacities(stage, coupled, min_stage, in_time[month], unit_cost, capacity, pool)
    # 4. value creation link (micro)
    users, chosen, offsets, uptake, members, exploiters = choose(
        status,
        u[:, 2],
        f32(fp[12]),
        is_open,
        eligible,
        used,
        bits,
        anticipated,
        u[:, 3],
        cap,
        exploiter,
    )
    vec, real, created_e, losses, destroyed, total = use_values(
        users,
        chosen,
        offsets,
        members,
        exploiters,
        n,
        profile,
        value,
        f32(fp[13]),
        cost,
        ignorance,
        backlash,
        burden,
        f32(fp[14]),
        exploiter,
        fp[15],
        f32(fp[16]),
        np.zeros((1, 1), np.float32),
        keys,
        month,
    )
    paid = ip[1] > 0 and due[month].any()
    if paid:
        holders_paid = pay_holdings(
            due[month],
            status,
            used,
            bits,
            holding_value,
            profile,
            realised,
            accumulated,
            created_e,
        )
    else:
        holders_paid = np.zeros((1, 1), np.bool_)
    book_uses(
        users,
        chosen,
        vec,
        real,
        once,
        bits,
        realised.reshape(-1),
        accumulated.reshape(r_n * n, accumulated.shape[2]),
        used.reshape(-1),
    )
    spent, _ = settle(
        uptake,
        unit_cost,
        price,
        target_yield,
        holding_every,
        start,
        month,
        bits,
        used,
        status,
        leaders,
        fp[17],
        created_e,
        capital,
        target_total,
        realised,
    )
    # 5. small wins (meso)
    evaluated, wins, _ = learn(
        status,
        months_since,
        commitment,
        trust,
        signal,
        realised,
        expectation,
        moment[month],
        paid,
        holders_paid,
        f32(fp[18]),
        f32(fp[19]),
        f32(fp[20]),
        f32(fp[21]),
        f32(fp[22]),
        f32(fp[23]),
    )
    # 6. secession (micro); withdrawn key leaders count among secessions
    seceded = leave(status, commitment, floor, signal)
    seceded |= withdrawn
    # 7. stage (macro)
    counts, sums = census(
        status, sector, role, wider, commitment, trust, joins, seceded, evaluated, wins
    )
    others, sectors, share = stage_inputs(counts, ip[0])
    new_stage, new_pending, regressed = stage_step(
        stage, pending, coupled, others, sectors, share, fp[24], ip[2], fp[25], fp[26], ip[3]
    )
    stage[:] = new_stage
    pending[:] = new_pending
    open_last[:, :] = is_open
    ints, floats = tally(
        counts,
        sums,
        stage,
        coupled,
        regressed,
        disrupted,
        uptake,
        created_e,
        LEVEL_OF,
        total,
        destroyed,
        losses,
        budget[month],
        pool,
        spent,
        capital,
        target_total,
        fp[27],
    )
    out_ints[t] = ints
    out_floats[t] = floats
    out_uptake[t] = uptake


def params(sc) -> tuple[np.ndarray, np.ndarray]:
    """The scenario's parameters as the kernel reads them: (float64 (28,), int64 (4,))."""
    lead, pop, net, dyn, dest = (
        sc.leadership,
        sc.population,
        sc.network,
        sc.dynamics,
        sc.destruction,
    )
    fp = np.array(
        [
            lead.coupling_threshold,  # 0
            lead.arbitration,  # 1
            lead.coupling_alignment,  # 2
            1.0 - dyn.disruption_shock,  # 3
            pop.join_rate,  # 4
            net.openness,  # 5
            net.openness * dyn.outreach if net.openness > 0 else -1.0,  # 6 heard rate
            lead.visibility,  # 7
            dyn.value_weight,  # 8
            pop.initial_commitment,  # 9
            pop.initial_trust,  # 10
            sc.investment.member_contribution,  # 11
            pop.use_rate,  # 12
            realisation(lead.alignment),  # 13
            dest.disproportion * (1.0 - lead.arbitration),  # 14
            dest.exploitation * (1.0 - lead.arbitration),  # 15
            dyn.noise,  # 16
            lead.leader_stake,  # 17
            dyn.momentum_decay,  # 18
            dyn.commitment_decay,  # 19
            dyn.trust_gain,  # 20
            dyn.trust_loss,  # 21
            dyn.commitment_gain,  # 22
            dyn.commitment_loss,  # 23
            float(sc.stages.integration_members),  # 24
            sc.stages.linking_share,  # 25
            sc.stages.hysteresis,  # 26
            float(sc.target.amount),  # 27
        ],
        np.float64,
    )
    return fp, np.zeros(4, np.int64)


def run_months(
    state: State,
    ctx: Context,
    keys: np.ndarray,
    progress: Callable[[int], None] | None = None,
) -> dict[str, np.ndarray]:
    """Run every month of ``ctx.scenario`` on ``state``; return measures as (T, R) arrays."""
    sc, offer = ctx.scenario, ctx.offer
    months, (r, n), p = sc.months, state.status.shape, offer.n
    fp, ip = params(sc)
    ip[:] = (
        ctx.n_wider,
        int(offer.holding_every.any()),
        sc.stages.integration_sectors,
        sc.stages.sustain_months,
    )
    # what depends on the month alone, tabulated: rows 0..months
    rows = range(months + 1)
    withdraw = np.zeros((months + 1, len(SECTORS)), bool)
    for ev in sc.events:
        if ev.kind == "leader_withdraws" and ev.month <= months:
            withdraw[ev.month, SECTORS.index(ev.sector)] = True
    moment = np.array([is_moment(sc, m) for m in rows])
    due = np.array([holding_due(offer, m) for m in rows]).reshape(months + 1, p)
    in_time = np.array([offer.in_time(m) for m in rows]).reshape(months + 1, p)
    budget = np.zeros((months + 1, r))
    for m in range(1, months + 1):
        budget[m] = monthly_budget(sc, m, randomness.budget_normals(keys, m))
    leaders = key_leaders(state)
    leader_sector = state.sector[leaders].astype(np.int64)
    sim = leader_similarity(state)
    u = np.empty((r, N_UNIFORM, n), np.float32)
    out_ints = np.zeros((months, r, len(INT_MEASURES)), np.int64)
    out_floats = np.zeros((months, r, len(FLOAT_MEASURES)), np.float64)
    out_uptake = np.zeros((months, r, p), np.int64)
    ties = state.ties
    for month in range(1, months + 1):
        month_kernel(
            month, month - 1, fp, ip, withdraw, moment, due, in_time, budget, keys, u,
            state.sector, state.role, state.eligible, leaders,
            leader_sector, sim, ctx.wider, state.profile,
            state.expectation, state.threshold, state.floor, state.resources, state.burden,
            state.exploiter, state.anticipated, state.ignorance, state.backlash, ties.indptr,
            ties.indices, ties.data, state.degree, state.status, state.commitment, state.trust,
            state.realised, state.months_since, state.signal, state.used, state.accumulated,
            state.stage, state.pending, state.coupled, state.ever_coupled, state.target,
            state.capital, ctx.open_last, offer.bits, offer.value, offer.cost, offer.price,
            offer.unit_cost, offer.capacity, offer.min_stage, offer.once, offer.target_yield,
            offer.holding_every, offer.holding_value, offer.start, out_ints, out_floats,
            out_uptake,
        )  # fmt: skip
        state.month = month
        if progress is not None:
            progress(r)
    cols = {name: out_ints[:, :, k] for k, name in enumerate(INT_MEASURES)}
    cols.update({name: out_floats[:, :, k] for k, name in enumerate(FLOAT_MEASURES)})
    out = {name: cols[name] for name in NAMES}
    for j, name in enumerate(offer.names):
        out[f"uptake.{name}"] = out_uptake[:, :, j]
    return out


__all__ = ["month_kernel", "params", "run_months"]
