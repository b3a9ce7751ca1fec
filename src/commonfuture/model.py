"""One month of the model: the seven sub-steps, in their documented order.

1. coupling (macro)            :func:`commonfuture.macro.coupling.couple`
2. value commitment link       :func:`commonfuture.micro.commitment.weigh_joining`
3. value proposition link      :func:`commonfuture.micro.proposition.propose`
4. value creation link         :func:`commonfuture.micro.creation.create`
5. small wins (meso)           :func:`commonfuture.meso.small_wins.learn`,
                               :func:`commonfuture.macro.coupling.judge`
6. secession (micro)           :func:`commonfuture.micro.secession.leave`
7. stage (macro)               :func:`commonfuture.macro.stages.stage_step`

:func:`month` is the month: one compiled function (numba) that runs the seven
sub-step kernels in order on every replicate and writes the month's measures.
It is the only month there is: :class:`Collaboration` steps it one month at a
time, the key leaders acting between months (:mod:`commonfuture.leadership`).
Each sub-step's own module also offers it on a Python
:class:`~commonfuture.population.State` (``coupling(state, scenario, month)`` and so
on): the same kernel, for hand-worked cases.

Everything a kernel reads comes in a few named records, each declared once:

=============  ==========================================  ==============================
record         what                                        declared in
=============  ==========================================  ==============================
``p``          the scenario's parameters                   :mod:`commonfuture.parameters`
``actors``     actors' fixed attributes, the key leaders   :mod:`commonfuture.population`
``ties``       the network (CSR rows, degrees)             :mod:`commonfuture.population`
``offer``      the value propositions                      :mod:`commonfuture.propositions`
``calendar``   what depends on the month alone             :data:`Calendar` (here)
``state``      what changes month by month                 :mod:`commonfuture.population`
``draws``      the month's random numbers                  :mod:`commonfuture.randomness`
``out``        the monthly measures                        :mod:`commonfuture.outputs`
=============  ==========================================  ==============================

The commitment link sees last month's offer (what the network had open when
the actor weighed joining); the proposition link then offers this month's.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit, prange

from commonfuture import randomness
from commonfuture.leadership.actions import KINDS, N_SLOTS, lead
from commonfuture.leadership.policies import (
    Observation,
    Policy,
    allocation,
    levers,
    resolve,
    within,
)
from commonfuture.leadership.tensions import PAIR_GROUPS, PAIR_NAMES, gaps
from commonfuture.macro.coupling import couple, judge
from commonfuture.macro.stages import stage_step
from commonfuture.meso.small_wins import learn
from commonfuture.micro.commitment import weigh_joining
from commonfuture.micro.creation import create
from commonfuture.micro.proposition import monthly_budget, propose
from commonfuture.micro.secession import leave
from commonfuture.outputs import Monthly, allocate, columns
from commonfuture.parallel import bounds, loops, n_chunks, pick, sized
from commonfuture.parameters import Params, params
from commonfuture.population import CITIZEN, State
from commonfuture.propositions import Offer, performance
from commonfuture.randomness import JOIN, REACH, Draws
from commonfuture.scenario.schema import SECTORS, Scenario

#: What depends on the month alone, tabulated once per run; row ``m`` is month ``m``
#: (row 0 unused). ``withdraw`` (T+1, 4) bool: sectors whose key leaders withdraw;
#: ``moment`` (T+1,) bool: scheduled milestone events, small wins every member shares;
#: ``review`` (T+1,) bool: the key leaders' reviews of delivery (every
#: ``dynamics.evaluation_months`` months, and at a milestone event); ``plan`` (T+1,)
#: target units planned by each month (:meth:`commonfuture.scenario.schema.Target.plan`);
#: ``due`` (T+1, P) bool: holdings paying a return; ``in_time`` (T+1, P) bool:
#: propositions in their months; ``budget`` (T+1, R) GBP: the investment stream;
#: ``generation`` (T+1, R, P): each holding's generation in the month as a multiple of
#: its plan (the payment period's performance factor; 1 for a proposition without one).
Calendar = namedtuple(
    "Calendar", "withdraw moment review plan due in_time budget generation", module=__name__
)

#: a tension at or above this level counts as open in ``tensions_open``
TENSION_OPEN = 0.05

#: What happened to whom this month (for value chains): ``joins``, ``seceded``,
#: ``evaluated``, ``wins`` (R, N) bool, ``gap`` (R, N) realised per month minus
#: expectation where evaluated; the month's uses: ``users`` (flat indices into R*N),
#: ``choice`` (proposition), ``realised`` (net realised value of each use).
Events = namedtuple(
    "Events", "joins seceded evaluated wins gap users choice realised", module=__name__
)

#: The census of a month, per replicate: members, members of each sector (R, 4),
#: committed key leaders, committed citizen key leaders, seceded actors, members of
#: the wider population; this month's joins, secessions, small wins and shortfalls
#: (int64); the sums of members' commitment and trust (float64); external supporters
#: (outside actors backing it) and those of them in the wider population (int64); this
#: month's secessions by sector (R, 4); milestones members reached this month (int64);
#: the mean engagement of member organisations' staff (float64, 0 with none).
Census = namedtuple(
    "Census",
    "members by_sector leaders citizen_leaders seceded wider joins secessions wins "
    "shortfalls commitment trust supporters wider_supporters left_by_sector milestones "
    "staff_engagement",
    module=__name__,
)


def calendar(
    scenario: Scenario,
    offer: Offer,
    budget_normals,
    replicates: int,
    months: int | None = None,
    generation_normals=None,
) -> Calendar:
    """The :data:`Calendar` of ``scenario`` up to ``months`` (default: its horizon);
    ``budget_normals(month)`` gives the (R,) normals of the investment stream,
    ``generation_normals(period)`` the (R, P) normals of the holdings' generation in a
    payment period (none: every period generates as planned)."""
    months = scenario.months if months is None else months
    m = np.arange(months + 1)
    budget = np.zeros((months + 1, replicates))
    for k in range(1, months + 1):
        budget[k] = monthly_budget(scenario, k, budget_normals(k))
    generation = np.ones((months + 1, replicates, offer.n))
    varies = (offer.holding_every > 0) & (offer.holding_sd > 0)
    if generation_normals is not None and varies.any():
        drawn: dict[int, np.ndarray] = {}
        for k in range(1, months + 1):
            period = offer.period(k)
            for j in np.flatnonzero(varies & (period > 0)):
                if period[j] not in drawn:
                    drawn[period[j]] = np.asarray(generation_normals(int(period[j])))
                generation[k, :, j] = performance(offer.holding_sd[j], drawn[period[j]][:, j])
    withdraw = np.zeros((months + 1, len(SECTORS)), bool)
    moment = np.zeros(months + 1, bool)
    for ev in scenario.events:
        if ev.month <= months:
            if ev.kind == "leader_withdraws":
                withdraw[ev.month, SECTORS.index(ev.sector)] = True
            elif ev.kind == "milestone":
                moment[ev.month] = True
    # holdings due and months of availability, every month at once (as holding_due and
    # Offer.in_time say them for one month)
    col = m[:, None]
    since = col - offer.start[None, :]
    every = offer.holding_every[None, :]
    due = (every > 0) & (since > 0) & (since % np.maximum(every, 1) == 0)
    due &= col < offer.holding_until[None, :]
    in_time = (offer.start[None, :] <= col) & (col < offer.end[None, :])
    review = moment | ((m > 0) & (m % scenario.dynamics.evaluation_months == 0))
    plan = np.array([scenario.target.plan(int(k), scenario.months) for k in m], np.float64)
    return Calendar(withdraw, moment, review, plan, due, in_time, budget, generation)


@njit(cache=True, nogil=True, parallel=loops())
def take_census(actors, state, joins, seceded, evaluated, wins, reached):
    """One pass over the actors: the month's :data:`Census` (chunk by chunk of actors, on
    every core; the chunks' counts and sums are added in their order)."""
    status, sector = state.status, actors.sector
    r_n, n = status.shape
    i64 = np.int64
    chunks = n_chunks(n)
    tasks = r_n * chunks
    # per chunk: members, leaders, citizen leaders, seceded, wider, joins, secessions,
    # wins, shortfalls, then members by sector (4), supporters, wider supporters; and the
    # sums of commitment and trust
    counts = np.zeros((tasks, 21), i64)
    sums = np.zeros((tasks, 2), np.float64)
    for t in prange(tasks):
        r = t // chunks
        lo, hi = bounds(t % chunks, n)
        for i in range(lo, hi):
            counts[t, 5] += joins[r, i]
            counts[t, 6] += seceded[r, i]
            counts[t, 15 + sector[i]] += seceded[r, i]
            counts[t, 7] += wins[r, i]
            counts[t, 8] += evaluated[r, i] and not wins[r, i]
            counts[t, 19] += reached[r, i]
            st = status[r, i]
            if st == 1:
                counts[t, 0] += 1
                counts[t, 9 + sector[i]] += 1
                if actors.role[i] == 0:
                    counts[t, 1] += 1
                    counts[t, 2] += sector[i] == 3
                counts[t, 4] += actors.wider[i]
                sums[t, 0] += state.commitment[r, i]
                sums[t, 1] += state.trust[r, i]
            elif st == 2:
                counts[t, 3] += 1
            elif state.supports[r, i]:
                counts[t, 13] += 1
                counts[t, 14] += actors.wider[i]
    total = np.zeros((r_n, 21), i64)
    commitment, trust = np.zeros(r_n, np.float64), np.zeros(r_n, np.float64)
    staff = np.zeros(r_n, np.float64)
    for t in range(tasks):
        r = t // chunks
        total[r] += counts[t]
        commitment[r] += sums[t, 0]
        trust[r] += sums[t, 1]
    for r in range(r_n):  # member organisations' staff engagement (few: in one pass)
        for o in range(state.staff.shape[1]):
            if status[r, o] == 1:
                staff[r] += state.staff[r, o]
                total[r, 20] += 1
    members, leaders, citizen_leaders = total[:, 0].copy(), total[:, 1].copy(), total[:, 2].copy()
    gone, wider, joined = total[:, 3].copy(), total[:, 4].copy(), total[:, 5].copy()
    left, won, short = total[:, 6].copy(), total[:, 7].copy(), total[:, 8].copy()
    by_sector = total[:, 9:13].copy()
    return Census(
        members,
        by_sector,
        leaders,
        citizen_leaders,
        gone,
        wider,
        joined,
        left,
        won,
        short,
        commitment,
        trust,
        total[:, 13].copy(),
        total[:, 14].copy(),
        total[:, 15:19].copy(),
        total[:, 19].copy(),
        staff / np.maximum(total[:, 20], 1),
    )


@njit(cache=True, nogil=True)
def stage_inputs(census, n_wider):
    """From the census, what the stage classifier needs per replicate: members beyond
    the key leaders, sectors represented among members, and the share of the wider
    population backing the collaboration, members and external supporters together
    ((R,) float64 each)."""
    r_n = len(census.members)
    others = np.empty(r_n, np.float64)
    sectors = np.empty(r_n, np.float64)
    share = np.zeros(r_n, np.float64)
    for r in range(r_n):
        others[r] = census.members[r] - census.leaders[r]
        k = 0
        for s in range(4):
            k += census.by_sector[r, s] > 0
        sectors[r] = k
        if n_wider > 0:
            share[r] = (census.wider[r] + census.wider_supporters[r]) / n_wider
    return others, sectors, share


@njit(cache=True, nogil=True)
def tally(out, t, p, census, state, disrupted, regressed, offered, created, harmed):
    """Write the month's measures (:mod:`commonfuture.outputs`) into row ``t`` of ``out``
    (the leaders' capacity and hours spent are written before the month, by the policy's
    driver: :meth:`Collaboration.lead`). ``harmed`` (R, 4): value the members of each
    group lost to open tensions this month."""
    for r in range(len(state.stage)):
        # open tensions: what members of the groups in them lost, and the community as
        # much again (A-tension)
        conflict = 0.0
        for g in range(4):
            conflict += harmed[r, g]
            out.alignment_by_group[g][t, r] = state.alignment[r, g]
            out.secessions_by_sector[g][t, r] = census.left_by_sector[r, g]
        out.loss_conflict[t, r] = 2.0 * conflict
        open_, worst = 0, 0.0
        for k in range(state.tension.shape[1]):
            a, b = PAIR_GROUPS[k, 0], PAIR_GROUPS[k, 1]
            if census.by_sector[r, a] > 0 and census.by_sector[r, b] > 0:
                level = state.tension[r, k]
                open_ += level >= TENSION_OPEN
                worst = max(worst, level)
        out.tensions_open[t, r] = open_
        out.tension_max[t, r] = worst
        members = census.members[r]
        citizens = census.by_sector[r, CITIZEN]
        out.stage[t, r] = state.stage[r]
        out.coupled[t, r] = state.coupled[r]
        out.consensus[t, r] = state.consensus[r]
        out.regressions[t, r] = regressed[r]
        out.disruptions[t, r] = disrupted[r]
        out.members[t, r] = members
        for s in range(4):
            out.members_by_sector[s][t, r] = census.by_sector[r, s]
        out.members_key_leaders[t, r] = census.leaders[r]
        out.members_network_actors[t, r] = (
            members - citizens - census.leaders[r] + census.citizen_leaders[r]
        )
        out.members_external_users[t, r] = citizens - census.citizen_leaders[r]
        out.seceded[t, r] = census.seceded[r]
        out.supporters[t, r] = census.supporters[r]
        out.joins[t, r] = census.joins[r]
        out.secessions[t, r] = census.secessions[r]
        out.small_wins[t, r] = census.wins[r]
        out.milestones[t, r] = census.milestones[r]
        out.staff_engagement[t, r] = census.staff_engagement[r]
        out.target_pace[t, r] = state.pace[r]
        out.shortfalls[t, r] = census.shortfalls[r]
        uses = 0
        for j in range(created.uptake.shape[1]):
            uses += created.uptake[r, j]
            out.uptake[t, r, j] = created.uptake[r, j]
        out.uses[t, r] = uses
        denom = max(members, 1)
        out.mean_commitment[t, r] = census.commitment[r] / denom if members > 0 else 0.0
        out.mean_trust[t, r] = census.trust[r] / denom if members > 0 else 0.0
        total = 0.0
        for e in range(5):
            total += created.created[r, e]
            out.value_by_element[e][t, r] = created.created[r, e]
        out.value_created[t, r] = total
        for lvl in range(3):  # net: created at the level minus the losses falling on it
            level = 0.0
            for e in range(5):
                level += p.value_levels[e, lvl] * created.created[r, e]
            lost = created.lost[r, lvl] + (conflict if lvl != 1 else 0.0)
            out.value_by_level[lvl][t, r] = level - lost
            out.destroyed_by_level[lvl][t, r] = lost
        out.value_realised[t, r] = created.realised_total[r]
        out.value_destroyed[t, r] = created.destroyed[r]
        for k in range(4):
            out.loss_by_kind[k][t, r] = created.losses[r, k]
        out.budget[t, r] = offered.budget[r]
        out.funding[t, r] = offered.pool[r]
        out.spent[t, r] = created.spent[r] + offered.organising[r]
        out.capital_raised[t, r] = state.capital[r]
        out.target_progress[t, r] = state.target[r] / p.target_amount


@njit(cache=True, nogil=True, parallel=loops())
def see(actors, state, users):
    """Count, per replicate, the members of the wider population who took part this
    month (``users``: flat indices over replicates and actors, ascending): chunks of
    users counted on every core, their integer counts added in chunk order."""
    r_n, n = state.status.shape
    k = len(users)
    chunks = n_chunks(k)
    counts = np.zeros((chunks, r_n), np.int64)
    for c in prange(chunks):
        lo, hi = bounds(c, k)
        if lo >= hi:
            continue
        r = users[lo] // n  # users ascend: the replicate advances without dividing
        base = r * n
        for q in range(lo, hi):
            a = users[q]
            while a >= base + n:
                r += 1
                base += n
            counts[c, r] += actors.wider[a - base]
    state.seen[:] = 0
    for c in range(chunks):
        for r in range(r_n):
            state.seen[r] += counts[c, r]


@njit(cache=True, nogil=True)
def pace_of(state, planned):
    """Each replicate's pace on the long-term target: progress so far over the target units
    ``planned`` by now (1 before anything is planned). Writes ``state.pace``."""
    for r in range(len(state.pace)):
        state.pace[r] = state.target[r] / planned if planned > 0 else 1.0


@njit(cache=True, nogil=True)
def month(p, actors, ties, offer, calendar, state, draws, out, m):
    """Advance every replicate by month ``m``; write its measures at row ``m - 1`` of
    ``out``; return the month's :data:`Events`."""
    # 1. coupling (macro): scheduled withdrawals, then whether the leaders stay coupled
    disrupted, withdrawn = couple(p, actors, state, calendar.withdraw[m])
    if draws.keys.shape[0] > 0:  # the month's decision uniforms, for who can decide
        randomness.decisions(draws.keys, m, state.status, state.coupled, draws.u)
    # 2. value commitment link (micro), weighing last month's offer
    joins = weigh_joining(p, actors, ties, offer, state, draws.u[:, JOIN], draws.u[:, REACH])
    # 3. value proposition link (micro)
    offered = propose(
        p, actors, state, offer, calendar.in_time[m], calendar.budget[m], calendar.moment[m]
    )
    # 4. value creation link (micro)
    created = create(
        p, actors, state, offer, offered, draws, m, calendar.due[m], calendar.generation[m]
    )
    state.taken[:, :] += created.uptake  # uses so far, against each proposition's issue
    see(actors, state, created.users)
    pace_of(state, calendar.plan[m])
    # 5. small wins (meso)
    evaluated = learn(p, actors, state, calendar.moment[m])
    judge(p, actors, state, calendar.review[m])  # the leaders review delivery
    # 6. secession (micro); key leaders who withdrew count among secessions
    seceded = leave(actors, state)
    seceded |= withdrawn
    # 7. stage (macro)
    census = take_census(
        actors, state, joins, seceded, evaluated.evaluated, evaluated.wins, evaluated.reached
    )
    others, sectors, share = stage_inputs(census, actors.n_wider)
    new_stage, new_pending, regressed = stage_step(
        state.stage,
        state.pending,
        state.coupled,
        others,
        sectors,
        share,
        p.integration_members,
        p.integration_sectors,
        p.linking_share,
        p.hysteresis,
        p.sustain_months,
    )
    state.stage[:] = new_stage
    state.pending[:] = new_pending
    state.open_last[:, :] = offered.open
    tally(out, m - 1, p, census, state, disrupted, regressed, offered, created, evaluated.harmed)
    return Events(
        joins,
        seceded,
        evaluated.evaluated,
        evaluated.wins,
        evaluated.gap,
        created.users,
        created.choice,
        created.realised,
    )


class Collaboration:
    """R replicates of a scenario's collaboration and the records the month reads.

    The records are built once, from ``state`` and ``offer``; the month then works on
    the state's own arrays (``state.commitment`` and so on change in place).

    Before each month the key leaders act: ``policy`` (a built-in's name, a callable
    ``policy(observation) -> allocation``, or None for the scenario's
    ``leadership.policy``) spends each replicate's capacity (:meth:`lead`).
    """

    def __init__(
        self,
        scenario: Scenario,
        offer: Offer,
        state: State,
        draws: Draws,
        calendar: Calendar,
        policy: str | Policy | None = None,
        replicates: list[int] | None = None,
    ):
        self.scenario = scenario
        self.offer = offer
        self.state = state
        self.p: Params = params(scenario)
        self.actors = state.actors()
        self.ties = state.ties_record()
        self.offer_record = offer.record()
        self.calendar = calendar
        self.now = state.record()
        self.draws = draws
        horizon = len(calendar.moment) - 1
        self.out: Monthly = allocate(horizon, state.n_replicates, offer.n)
        self.policy_name, self.policy = resolve(policy, scenario)
        self.gap = gaps(state.profile, state.sector)
        counts = scenario.population.counts.as_tuple()
        self.groups = tuple(g for g, c in zip(SECTORS, counts, strict=True) if c > 0)
        self.hours = np.zeros((state.n_replicates, N_SLOTS))  # the month's allocation
        #: the replicates' indices (as the run numbers them), for the observations
        self.replicates = list(range(state.n_replicates)) if replicates is None else replicates

    @property
    def records(self) -> tuple:
        """The records of :func:`month`, in its order (without ``m``)."""
        return (
            self.p,
            self.actors,
            self.ties,
            self.offer_record,
            self.calendar,
            self.now,
            self.draws,
            self.out,
        )

    def observe(self, r: int, capacity: np.ndarray | None = None) -> Observation:
        """What the key leaders of replicate ``r`` know before the next month: last
        month's counts by group, the tensions voiced, money and capacity (never the
        actors' hidden thresholds or profiles). ``capacity``: this month's (R,) capacity,
        when already known."""
        st, out, m = self.state, self.out, self.state.month
        capacity = self.capacity() if capacity is None else capacity
        row = m - 1
        if m == 0:
            now = self._members_now()
            members = {g: int(now[r, k]) for k, g in enumerate(SECTORS)}
            departures = dict.fromkeys(SECTORS, 0)
            wins = shortfalls = supporters = milestones = 0
            money = 0.0
        else:
            members = {g: int(out.members_by_sector[k][row, r]) for k, g in enumerate(SECTORS)}
            departures = {
                g: int(out.secessions_by_sector[k][row, r]) for k, g in enumerate(SECTORS)
            }
            wins, shortfalls = int(out.small_wins[row, r]), int(out.shortfalls[row, r])
            supporters = int(out.supporters[row, r])
            money = float(out.funding[row, r])
            milestones = int(out.milestones[row, r])
        tensions: dict[str, float] = {}
        settle: dict[str, float] = {}
        for k, (a, b) in enumerate(PAIR_GROUPS):
            level = float(st.tension[r, k])
            if members[SECTORS[a]] > 0 and members[SECTORS[b]] > 0:
                gap = float(self.gap[r, k])
                tensions[PAIR_NAMES[k]] = round(level, 3)
                # what settling it this month would take: the month's growth included
                grown = level + self.p.tension_growth * gap * (1.0 - level)
                settle[PAIR_NAMES[k]] = grown * gap * self.p.settle_hours
        return Observation(
            month=m + 1,
            replicate=int(self.replicates[r]),
            stage=int(st.stage[r]),
            coupled=bool(st.coupled[r]),
            consensus=float(st.consensus[r]),
            capacity=float(capacity[r]),
            money=money,
            groups=self.groups,
            members=members,
            departures=departures,
            small_wins=wins,
            shortfalls=shortfalls,
            supporters=supporters,
            tensions=tensions,
            settle_hours=settle,
            levers=levers(self.scenario),
            milestones=milestones,
            target_progress=float(st.target[r]) / self.scenario.target.amount,
            target_planned=float(self.calendar.plan[m]) / self.scenario.target.amount,
        )

    def capacity(self) -> np.ndarray:
        """(R,) hours the committed key leaders bring this month."""
        committed = (self.state.status[:, self.actors.leaders] == 1).sum(axis=1)
        return committed * float(self.scenario.leadership.capacity_hours)

    def _members_now(self) -> np.ndarray:
        """(R, 4) members by group, counted from the state (kept for the month)."""
        st = self.state
        cached = st.extra.get("members_now")
        if cached is not None and cached[0] == st.month:
            return cached[1]
        out = np.zeros((st.n_replicates, len(SECTORS)), np.int64)
        committed = st.status == 1
        for g in range(len(SECTORS)):
            lo, hi = np.searchsorted(st.sector, [g, g + 1])  # actors are ordered by sector
            out[:, g] = committed[:, lo:hi].sum(axis=1)
        st.extra["members_now"] = (st.month, out)
        return out

    def lead(self) -> np.ndarray:
        """The key leaders act before the next month: the policy's allocation for each
        replicate, within its capacity, is recorded and its effects applied
        (:func:`commonfuture.leadership.actions.lead`). Returns the (R, N_SLOTS) hours."""
        st, out = self.state, self.out
        m = st.month + 1
        capacity = self.capacity()
        hours = self.hours
        for r in range(st.n_replicates):
            obs = self.observe(r, capacity)
            try:
                hours[r] = within(allocation(self.policy(obs)), capacity[r])
            except ValueError as err:
                raise ValueError(f"policy {self.policy_name!r}, month {m}: {err}") from None
        row = m - 1
        out.capacity[row] = capacity
        for k, part in enumerate(KINDS.values()):
            out.spent_by_action[k][row] = hours[:, part].sum(axis=1)
        for g in range(len(SECTORS)):
            out.engaged_by_group[g][row] = hours[:, g]
        if m == 1:
            present = self._members_now() > 0
        else:
            present = np.stack([out.members_by_sector[g][row - 1] for g in range(4)], 1) > 0
        lead(self.p, self.now, hours, present, self.gap, PAIR_GROUPS)
        return hours

    def step(self) -> Events:
        """The leaders act, then one month runs; return its :data:`Events`."""
        m = self.state.month + 1
        self.lead()
        slots = self.state.n_replicates * self.state.n_actors
        with sized(slots):
            events = pick(month, slots)(*self.records, m)
        self.state.month = m
        return events

    def run(self, last: int) -> None:
        """Advance to month ``last``, month by month (the leaders act between months)."""
        while self.state.month < last:
            self.step()

    def measures(self, row: int | None = None) -> dict[str, np.ndarray]:
        """The measures so far as (T, R) arrays (views), or those of one month ``row``
        (1-based) as (R,) arrays."""
        cols = columns(self.out, self.offer.names, self.state.month)
        if row is None:
            return cols
        return {k: v[row - 1] for k, v in cols.items()}


__all__ = [
    "Calendar",
    "Census",
    "Collaboration",
    "Events",
    "calendar",
    "month",
    "stage_inputs",
    "take_census",
    "tally",
]
