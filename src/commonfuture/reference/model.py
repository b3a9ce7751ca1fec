"""The model written the Mesa way: one agent per actor, each with its own steps.

A teaching version of the same rules as the array kernel (docs/ODD.md and the
docstrings of ``commonfuture.macro``, ``micro`` and ``meso``), written
independently: plain Python per agent, networkx for the network, Mesa's
``Model``, ``Agent``, ``AgentSet`` and ``DataCollector``.

Cui & Osborne (2019) describe value co-creation on three levels. Here:

* micro (:class:`Actor`): each actor's private value chain, one link per
  method -- :meth:`Actor.weigh_joining` and :meth:`Actor.commit` (value
  commitment), :meth:`Actor.choose` and :meth:`Actor.use` (value proposition
  and creation), :meth:`Actor.evaluate` (the evaluation that closes a small-win
  cycle) and :meth:`Actor.maybe_secede` (continue or secede);
* meso (:meth:`CollaborationModel.small_wins`): milestones in each chain, erosion
  between them, momentum signals along the ties;
* macro (:meth:`CollaborationModel.couple`, :meth:`CollaborationModel.judge_delivery`,
  :meth:`CollaborationModel.advance_stage`): the coupling of key leaders as a negotiated
  consensus and the stages of integrative leadership.

Before each month the key leaders act (:meth:`CollaborationModel.lead`): a policy
(:mod:`commonfuture.leadership.policies`, shared with the fast engine) spends the
committed key leaders' capacity on engaging groups, arbitrating tensions,
negotiating and linking.

It is slow (Python per actor and per tie) and serves two ends: a check of the
fast engine (docking, Axtell et al. 1996) and a yardstick of speed.
"""

from __future__ import annotations

import math

import mesa
import networkx as nx
import numpy as np

from commonfuture.leadership.actions import SLOTS
from commonfuture.leadership.policies import (
    Observation,
    Policy,
    allocation,
    levers,
    resolve,
    within,
)
from commonfuture.outputs import ACTIONS, NAMES
from commonfuture.propositions import Offer, performance
from commonfuture.scenario.schema import SECTORS, Scenario
from commonfuture.value import DESTRUCTION_KINDS, ELEMENTS, N_ELEMENTS, PUBLIC

OUTSIDE, COMMITTED, SECEDED = 0, 1, 2
KEY_LEADER, NETWORK_ACTOR, EXTERNAL_USER = 0, 1, 2
CITIZENS = SECTORS.index("citizens")
#: the pairs of groups (sectors) a tension can stand between, in the allocation's order
GROUP_PAIRS: list[tuple[int, int]] = [(a, b) for a in range(4) for b in range(a + 1, 4)]
#: a tension at or above this level counts among the open ones (``tensions_open``)
OPEN_TENSION = 0.05

#: test-only rule changes, so that the docking test can be shown to fail
MUTATIONS: dict[str | None, str] = {
    None: "the model as documented",
    "no_erosion": "commitment does not erode between tangible outcomes",
    "double_threshold": "every actor's join threshold is doubled",
    "no_settlement": "arbitration settles no tension",
}


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two value profiles (0 if either is zero)."""
    return float(a @ b / max(float(np.linalg.norm(a) * np.linalg.norm(b)), 1e-12))


class Actor(mesa.Agent):
    """One organisation or resident, with its own private value chain.

    Fixed at birth: sector, role (key leader, network actor, external user),
    value profile (weights over the five value elements), expectation (value
    units a month), join threshold, secession floor, resources (GBP a month),
    share of costs borne, and whether it exploits others.
    """

    def __init__(self, model: CollaborationModel, sector: int, role: int):
        super().__init__(model)
        rng, pop, offer = model.rng, model.scenario.population, model.offer
        self.sector = sector
        self.role = role
        means = np.array(getattr(pop.profiles, SECTORS[sector]), float)
        alpha = np.maximum(means / means.sum() * pop.profile_concentration, 1e-3)
        self.profile = rng.dirichlet(alpha)
        self.expectation = max(rng.normal(pop.expectation_mean, pop.expectation_sd), 0.0)
        if sector == CITIZENS:
            self.threshold = max(rng.normal(pop.threshold_mean, pop.threshold_sd), 0.0)
            self.resources = rng.exponential(pop.citizen_resources)
        else:
            self.threshold = max(rng.normal(pop.org_threshold_mean, pop.org_threshold_sd), 0.0)
            self.resources = rng.exponential(pop.org_resources)
        if model.mutation == "double_threshold":
            self.threshold *= 2.0
        self.floor = rng.uniform(pop.floor_low, pop.floor_high)
        self.burden = rng.uniform(0.0, 2.0)
        self.exploiter = bool(rng.random() < pop.exploiter_share)
        # what each proposition offers this actor, after its own values: the offer as it is
        # (``plain``), and the offer wholly remade in the actor's own mix (``own``, the same
        # total value); the leaders adapt it between the two as far as the actor's group is
        # aligned (A-adaptation, :meth:`promise`)
        self.plain = [float(self.profile @ offer.value[j].astype(float)) for j in range(offer.n)]
        mine = float(self.profile @ self.profile)
        self.own = [mine * float(offer.value[j].astype(float).sum()) for j in range(offer.n)]
        self.eligible = [bool(offer.eligible[sector, j]) for j in range(offer.n)]
        # dynamic state
        self.status = OUTSIDE
        self.commitment = 0.0
        self.trust = 0.0
        self.realised = 0.0  # tangible net private value since the last evaluation
        self.intangible = 0.0  # value created for it, not yet tangible (until a milestone)
        self.months_since = 0  # months since the last evaluation
        self.engaged = 0  # months with a tangible outcome since the last evaluation
        self.active = False  # a tangible outcome this month (a use, a return, its stake)
        self.later = 0.0  # of this month's use, the value that becomes tangible later
        self.signal = 0.0  # visible win (+) / loss (-) momentum
        self.used: set[int] = set()  # once-only propositions already used (or held)
        self.accumulated = np.zeros(N_ELEMENTS)  # value created for it, per element
        self.neighbours: list[tuple[Actor, float]] = []
        self.degree = 0.0  # weighted degree
        self.joining = False
        self.supports = False  # an outside actor backing it without joining (A-support)
        self.wants: int | None = None
        self.ticket = 0.0
        self.pending_value = 0.0
        self.promised = 0.0  # what the best proposition promised it when it weighed joining
        # its own chain: value created for itself since its last milestone, and what the
        # next milestone needs (0: none set yet)
        self.progress = 0.0
        self.milestone = 0.0
        # an organisation's staff, as one aggregate: the mean profile of its staff, their
        # engagement, and the value they got this month (A-staff)
        self.organisation = sector != CITIZENS
        staff = model.scenario.staff
        if self.organisation:
            mean = np.array(staff.profile, float) / sum(staff.profile)
            alpha = np.maximum(mean * staff.concentration * max(staff.per_organisation, 1), 1e-3)
            self.staff_profile = rng.dirichlet(alpha)
        else:
            self.staff_profile = np.zeros(N_ELEMENTS)
        self.staff = 0.0
        self.staff_fed = 0.0
        if role == KEY_LEADER:
            lead = model.scenario.leadership
            self.status = COMMITTED
            self.commitment = lead.leader_commitment
            self.trust = lead.leader_trust
            if self.organisation:
                self.staff = staff.initial

    def adapted(self, j: int, alignment: float) -> np.ndarray:
        """Proposition ``j``'s value per element as this actor receives it: its mix moved
        ``alignment`` of the way towards the actor's profile, its total kept."""
        value = self.model.offer.value[j].astype(float)
        return (1 - alignment) * value + alignment * value.sum() * self.profile

    @property
    def member(self) -> bool:
        return self.status == COMMITTED

    @property
    def alignment(self) -> float:
        """How far the leaders have aligned with this actor's group (engagement)."""
        return self.model.alignment[self.sector]

    @property
    def strain(self) -> float:
        """The largest open tension this actor's group is in, this month."""
        return self.model.strain[self.sector]

    def promise(self, j: int) -> float:
        """What proposition ``j`` promises this actor this month: its fit to the offer as
        the leaders adapt it to the actor's group, ``(1 - a) plain + a own``, less its cost."""
        a = self.alignment
        return (1 - a) * self.plain[j] + a * self.own[j] - float(self.model.offer.cost[j])

    def best_option(self, open_props: list[bool]) -> int | None:
        """The open, eligible, not-yet-used proposition promising most (lowest index on ties)."""
        offer = self.model.offer
        best, most = None, 0.0
        for j in range(offer.n):
            if not (open_props[j] and self.eligible[j]):
                continue
            if offer.once[j] and j in self.used:
                continue
            promise = self.promise(j)
            if best is None or promise > most:
                best, most = j, promise
        return best

    def best_target(self, open_props: list[bool]) -> float | None:
        """The short-term value target: the best promise among the open, eligible,
        not-yet-used propositions, each positive promise weighed by the share of those
        who sought it last time who were served."""
        offer, share = self.model.offer, self.model.served_share
        best = None
        for j in range(offer.n):
            if not (open_props[j] and self.eligible[j]):
                continue
            if offer.once[j] and j in self.used:
                continue
            promise = self.promise(j)
            value = promise * share[j] if promise > 0 else promise
            best = value if best is None else max(best, value)
        return best

    # ------------------------------------------------------ micro: value commitment link

    def weigh_joining(self) -> None:
        """Decide (not yet apply) whether this outside actor commits this month.

        It deliberates with probability ``join_rate``; it must be reachable (a
        committed neighbour, or in stage 3 outreach); its score is the weighted
        share of committed neighbours, plus visibility times their momentum, plus
        (stage 3) openness times the share of the wider population seen taking part
        last month (A-outreach), plus
        ``value_weight`` times its best promise minus its expectation. With no
        positive promise open it has no private value target and stays outside.

        Deliberating and not committing, it supports the collaboration (an external
        supporter) when its score reaches ``support_share`` times its threshold, and
        withdraws its support when it is no longer reached (A-support).
        """
        self.joining = False
        m = self.model
        sc = m.scenario
        if self.status != OUTSIDE or not m.coupled:
            return
        if m.rng.random() >= sc.population.join_rate:
            return
        pull = momentum = 0.0
        for other, w in self.neighbours:
            if other.status == COMMITTED:
                pull += w
            momentum += w * other.signal
        reachable = pull > 0
        score = pull / self.degree if self.degree > 0 else 0.0
        if sc.leadership.visibility > 0 and self.degree > 0:
            score += sc.leadership.visibility * momentum / self.degree
        if m.stage >= 3 and sc.network.openness > 0:
            # the leaders' linking (communication, results shown) widens the outreach
            widened = 1.0 + sc.leadership.link_gain * m.link_effect
            # the community backs a collaboration that delivers on its target
            widened *= 1.0 + sc.target.backing * (min(max(m.pace, 0.0), 2.0) - 1.0)
            score += sc.network.openness * m.seen_share * widened
            if m.rng.random() < sc.network.openness * sc.dynamics.outreach:
                reachable = True  # heard of it through outreach into the community
        if not reachable:
            self.supports = False
            return
        ok = True
        if sc.dynamics.value_weight > 0:
            target = self.best_target(m.open_last)  # what the network had open when it looked
            ok = target is not None and target > 0
            promises = [
                self.promise(j)
                for j in range(m.offer.n)
                if m.open_last[j] and self.eligible[j] and not (m.offer.once[j] and j in self.used)
            ]
            self.promised = max(promises, default=0.0)
            score += sc.dynamics.value_weight * ((target or 0.0) - self.expectation)
        self.joining = ok and score >= self.threshold
        share = sc.population.support_share
        self.supports = not self.joining and share > 0 and score >= share * self.threshold

    def commit(self) -> None:
        """Join: commitment and trust start at the population's initial levels."""
        pop = self.model.scenario.population
        self.status = COMMITTED
        self.commitment = pop.initial_commitment
        self.trust = pop.initial_trust
        if self.model.scenario.dynamics.value_weight > 0:
            self.expectation = self.promised  # the target it committed for (A-target)
        self.progress = self.milestone = 0.0
        if self.organisation:
            self.staff = self.model.scenario.staff.initial
            self.staff_fed = 0.0
        self.realised = 0.0
        self.intangible = 0.0
        self.months_since = 0
        self.engaged = 0
        self.active = False
        self.joining = False
        self.supports = False

    # ------------------------------------------------ micro: proposition and creation links

    def choose(self, open_props: list[bool]) -> None:
        """With probability ``use_rate`` a member asks for the open proposition that
        promises it most, if that promise is positive; it draws a lottery ticket
        in case the proposition is over-subscribed."""
        self.wants = None
        m = self.model
        if self.status != COMMITTED or m.rng.random() >= m.scenario.population.use_rate:
            return
        j = self.best_option(open_props)
        if j is not None and self.promise(j) > 0:
            self.wants = j
            self.ticket = m.rng.random()

    def use(self, j: int, take: float) -> tuple[np.ndarray, tuple[float, float, float, float]]:
        """Use proposition ``j``: value created per element and the four losses.

        ``take`` is the share of created value that exploiters take from others at full
        strain. The offer is adapted as far as the user's group is aligned, and
        ignorance falls with that alignment; disproportion, backlash and exploitation
        are consequences of open tensions: they scale with the strain of the user's
        group (A-tension). Each loss is shared over the levels (``scenario.levels``);
        the user bears the individual shares. The net value (before any exploitation
        gain and noise) waits in ``pending_value`` until :meth:`settle`.
        """
        sc, offer = self.model.scenario, self.model.offer
        dest = sc.destruction
        align, strain = self.alignment, self.strain
        value = offer.value[j].astype(float)
        offered = self.adapted(j, align)
        # capacity built earlier raises what it can create now (A-elements); an
        # organisation delivers as far as its staff are engaged (A-staff)
        built = self.accumulated[3]
        scale = 1.0 + sc.elements.capacity_gain * built / (built + sc.elements.half)
        if self.organisation and sc.staff.per_organisation > 0:
            scale *= 1.0 - sc.staff.reliance * (1.0 - self.staff)
        if self.organisation:
            self.staff_fed = float(self.staff_profile @ offered)
        vec = scale * self.profile * offered  # the multi-win
        created = float(vec.sum())
        cost = float(offer.cost[j])
        ignorance = dest.ignorance * (1 - align) * (1 - cosine(self.profile, value))
        disproportion = dest.disproportion * strain * cost * max(self.burden - 1.0, 0.0)
        low_public = max(1.0 / N_ELEMENTS - self.profile[PUBLIC], 0.0) * N_ELEMENTS
        backlash = dest.backlash * strain * low_public * float(offer.public_share[j])
        exploited = 0.0 if self.exploiter else take * strain * created
        lost = (ignorance, disproportion, backlash, exploited)
        mine = sum(
            getattr(sc.levels, kind)[0] * loss
            for kind, loss in zip(DESTRUCTION_KINDS, lost, strict=True)
        )
        self.pending_value = created - cost - mine
        # the elements felt at once are tangible now; the rest waits for a small win
        tangible = sc.dynamics.tangible_elements if sc.wins.milestones else ELEMENTS
        self.later = float(sum(vec[e] for e, name in enumerate(ELEMENTS) if name not in tangible))
        self.accumulated += vec
        # its own chain: what it created counts towards its next milestone, which the
        # proposition it uses sets when none is set (A-milestone)
        self.progress += created
        if self.milestone == 0:
            self.milestone = float(offer.milestone[j])
        if offer.once[j]:
            self.used.add(j)
        return vec, (ignorance, disproportion, backlash, exploited)

    def settle(self, gain: float) -> float:
        """Book this use's realised private value (plus any exploitation gain and noise)."""
        noise = self.model.scenario.dynamics.noise * self.model.rng.standard_normal()
        value = self.pending_value + gain + noise
        self.realised += value - self.later
        self.intangible += self.later
        self.active = True
        return value

    def collect_return(self, j: int, factor: float = 1.0) -> np.ndarray:
        """A holding pays its return, ``factor`` times the planned one, valued after the
        holder's profile, free of losses."""
        vec = self.profile * (factor * self.model.offer.holding_value[j])
        self.realised += float(vec.sum())
        self.progress += float(vec.sum())  # a return paid: progress in its own chain
        self.accumulated += vec
        self.active = True  # money paid is tangible at once
        return vec

    # ------------------------------------------------------ meso: small wins and evaluation

    def bear_tension(self, harm: float) -> float:
        """An open tension its group is in costs the member ``harm`` (a share, at full
        strain) of what it expects, times its group's strain, this month: felt at once, it
        weighs in the next evaluation, but is no outcome that engages the member in a
        month of its own. Returns the value lost."""
        lost = harm * self.strain * self.expectation
        if lost > 0:
            self.realised -= lost
        return max(lost, 0.0)

    def see_target(self, felt: float, pace: float) -> None:
        """The big win seen: ``felt`` of its target, times the weight it puts on
        longer-term outcomes and public value, times the pace against plan less one."""
        ahead = min(max(pace, 0.0), 2.0) - 1.0
        self.realised += felt * (self.profile[1] + self.profile[4]) * self.expectation * ahead

    def tend_staff(self) -> None:
        """Its staff's engagement moves towards how well this month's use served them, or
        wanes in a month they were not served; their value counts in its evaluation."""
        st = self.model.scenario.staff
        got = self.staff_fed
        if got > 0:
            served = min(got / max(self.expectation, 0.01), 1.0)
            self.staff += st.gain * (served - self.staff)
            if st.per_organisation > 0:
                self.realised += st.weight * self.staff * got
        else:
            self.staff -= st.decay * self.staff
        self.staff = min(max(self.staff, 0.0), 1.0)
        self.staff_fed = 0.0

    def reach_milestone(self, near: float) -> bool:
        """Has its own created value passed its next milestone (``near`` of it)? Then the
        held value becomes tangible, commitment and trust consolidate, and a new milestone
        waits for its next use."""
        if self.milestone <= 0 or self.progress < self.milestone * near:
            return False
        self.feel_small_win()
        self.progress = self.milestone = 0.0
        k = self.model.scenario.wins.consolidation
        self.commitment += k * (1.0 - self.commitment)
        self.trust += k * (1.0 - self.trust)
        return True

    def erode(self, decay: float) -> None:
        """Between tangible outcomes confidence wanes: commitment falls by decay * (1 - trust)."""
        self.months_since += 1
        self.commitment -= decay * (1.0 - self.trust)

    def feel_small_win(self) -> None:
        """A small win: the value created for it but not yet felt becomes tangible."""
        if self.intangible != 0:
            self.realised += self.intangible
            self.intangible = 0.0
            self.active = True

    def evaluate(self, loud: float = 1.0) -> int:
        """Close a small-win cycle: compare the value that became tangible, per month with a
        tangible outcome, with the expectation.

        A win moves trust and commitment towards 1 by the outcome's size (gap relative
        to expectation, at most 1), and the member signals size times its trust; a
        shortfall moves trust towards 0 and commitment towards 0 cushioned by trust
        (``tolerance``), and signals -size (Bush-Mosteller learning). Returns +1 or -1.
        """
        d, el = self.model.scenario.dynamics, self.model.scenario.elements
        # lived experience makes its word carry (A-elements)
        lived = self.accumulated[2]
        voice = 1.0 + el.voice * lived / (lived + el.half)
        gap = self.realised / self.engaged - self.expectation
        size = min(1.0, abs(gap) / max(self.expectation, 0.01))
        t, c = self.trust, self.commitment
        # expectations adapt with experience (A-aspiration)
        self.expectation = max(self.expectation + d.aspiration_rate * gap, 0.0)
        if gap >= 0:
            self.trust = t + d.trust_gain * size * (1 - t)
            self.commitment = c + d.commitment_gain * size * (1 - c)
            self.signal = size * min(max(self.trust, 0.0), 1.0) * voice * loud
            return 1
        self.commitment = c - d.commitment_loss * size * (1 - d.tolerance * t) * c
        self.trust = t - d.trust_loss * size * t
        self.signal = -size * voice
        return -1

    def close_cycle(self) -> None:
        self.realised = 0.0
        self.months_since = 0
        self.engaged = 0

    def bound(self) -> None:
        self.commitment = min(max(self.commitment, 0.0), 1.0)
        self.trust = min(max(self.trust, 0.0), 1.0)

    # ------------------------------------------------------ micro: continue or secede

    def maybe_secede(self) -> bool:
        """A member whose commitment fell below its own floor leaves, visibly."""
        if self.status == COMMITTED and self.commitment < self.floor:
            self.secede()
            return True
        return False

    def secede(self) -> None:
        self.status = SECEDED
        self.signal = -1.0


class CollaborationModel(mesa.Model):
    """One replicate of a scenario: actors, their ties, the propositions, and the month.

    ``mutation`` (test only, see :data:`MUTATIONS`) deliberately changes a rule.
    """

    def __init__(
        self,
        scenario: Scenario,
        rng: np.random.Generator,
        mutation: str | None = None,
        policy: str | Policy | None = None,
    ) -> None:
        if mutation not in MUTATIONS:
            raise ValueError(f"unknown mutation {mutation!r}: one of {list(MUTATIONS)}")
        super().__init__(rng=rng)
        self.policy_name, self.policy = resolve(policy, scenario)
        self.rng = rng  # the replicate's own stream, for every draw
        self.scenario = scenario
        self.offer = Offer.from_scenario(scenario)
        self.mutation = mutation
        self.month = 0
        self.replicate = 0  # which replicate of its run this is (run_reference sets it)
        self.stage = 0
        self.pending = 0  # months the next stage's condition has held
        self.coupled = False
        self.consensus = 0.0  # key leaders' consensus on the shared target (0..1)
        self.seated = 0  # key leaders at the table last month
        self.delivered = 0.0  # community value delivered since the leaders' last judgement
        self.delivery_months = 0  # months of delivery since the leaders' last judgement
        self.target = 0.0  # target units
        self.capital = 0.0  # GBP
        self.open_last = [False] * self.offer.n
        self.organising = 0.0  # GBP spent this month on a shared milestone event
        self.served_share = [1.0] * self.offer.n  # share of seekers served, last time
        self.taken = [0] * self.offer.n  # uses of each proposition so far (against its issue)
        # each holding's generation factor per payment period, drawn when first needed
        self.generation_factors: dict[tuple[int, int], float] = {}
        self.seen = 0  # members of the wider population who took part last month
        self.seen_share = 0.0  # their share of the wider population, as outside actors see it
        self.current: dict[str, float] = {}
        # leadership (commonfuture.leadership): each group's alignment built by engagement,
        # each pair's tension, each group's strain this month, the month's effects of
        # negotiating and linking, and the hours spent this month per slot
        self.alignment = [0.0] * len(SECTORS)
        self.tension = [0.0] * len(GROUP_PAIRS)
        self.strain = [0.0] * len(SECTORS)
        self.negotiate_effect = 0.0
        self.link_effect = 0.0
        self.wins_effect = 0.0  # staging small wins this month
        self.steer_effect = 0.0  # steering towards the long-term target this month
        self.pace = 1.0  # progress on the target against its plan (1: on plan)
        self.reached = 0  # milestones reached this month
        self.hours: dict[str, float] = dict.fromkeys(SLOTS, 0.0)
        self.capacity = 0.0
        self.harmed = [0.0] * len(SECTORS)  # value members lost to open tensions this month
        counts = scenario.population.counts.as_tuple()
        self.groups = tuple(g for g, c in zip(SECTORS, counts, strict=True) if c > 0)
        n_leaders = scenario.leadership.key_leaders.as_tuple()
        for s, count in enumerate(counts):  # actors in sector order, leaders first
            for k in range(count):
                if k < n_leaders[s]:
                    role = KEY_LEADER
                else:
                    role = EXTERNAL_USER if s == CITIZENS else NETWORK_ACTOR
                Actor(self, s, role)  # registers itself in self.agents
        self.actors: list[Actor] = list(self.agents)
        self.leaders = self.agents.select(lambda a: a.role == KEY_LEADER)
        citizens = self.agents.select(lambda a: a.sector == CITIZENS)
        others = self.agents.select(lambda a: a.role != KEY_LEADER)
        self.wider = citizens if len(citizens) else others  # for stage 3 (linking)
        self.wider_set = set(self.wider)
        self.n_ties = self.build_network()
        self.gap = self.value_gaps()
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in measure_names(self.offer)}
        )

    # ------------------------------------------------------------------ the network

    def build_network(self) -> int:
        """Ties: organisations by a stochastic block model over sectors, residents by a
        small-world (Watts-Strogatz) or Erdos-Renyi layer, each resident tied to a
        Poisson number of organisations; cross-sector ties weighted by openness."""
        net = self.scenario.network
        orgs = [a for a in self.actors if a.sector != CITIZENS]
        cits = [a for a in self.actors if a.sector == CITIZENS]
        graph = nx.Graph()
        n_org = len(orgs)
        sizes = [sum(1 for a in orgs if a.sector == s) for s in range(3)]
        if n_org > 1 and net.org_degree > 0:
            within = sum(s * (s - 1) // 2 for s in sizes)
            cross = n_org * (n_org - 1) // 2 - within
            edges = net.org_degree * n_org / 2
            p_in = min(1.0, (1 - net.org_cross_sector) * edges / within) if within else 0.0
            p_x = min(1.0, net.org_cross_sector * edges / cross) if cross else 0.0
            blocks = [s for s in sizes if s > 0]
            p = [[p_in if a == b else p_x for b in range(len(blocks))] for a in range(len(blocks))]
            sbm = nx.stochastic_block_model(blocks, p, seed=self._nx_seed())
            for u, v in sbm.edges():
                graph.add_edge(orgs[u], orgs[v], weight=net.org_tie_strength)
        n_cit = len(cits)
        if net.citizen_layer == "small_world":
            half = min(int(round(net.citizen_degree)) // 2, (n_cit - 1) // 2)
            layer = (
                nx.watts_strogatz_graph(n_cit, 2 * half, net.citizen_rewire, seed=self._nx_seed())
                if n_cit >= 3 and half >= 1
                else nx.empty_graph(n_cit)
            )
        elif n_cit >= 2 and net.citizen_degree > 0:
            p_cit = min(1.0, net.citizen_degree / (n_cit - 1))
            layer = nx.fast_gnp_random_graph(n_cit, p_cit, seed=self._nx_seed())
        else:
            layer = nx.empty_graph(n_cit)
        for u, v in layer.edges():
            graph.add_edge(cits[u], cits[v], weight=net.citizen_tie_strength)
        if n_org and n_cit and net.citizen_org_ties > 0:
            for a in cits:
                for _ in range(self.rng.poisson(net.citizen_org_ties)):
                    org = orgs[int(self.rng.integers(n_org))]
                    graph.add_edge(a, org, weight=net.citizen_org_tie_strength)
        for u, v, data in graph.edges(data=True):
            w = data["weight"] * (net.openness if u.sector != v.sector else 1.0)
            u.neighbours.append((v, w))
            v.neighbours.append((u, w))
        for a in self.actors:
            a.degree = sum(w for _, w in a.neighbours)
        return graph.number_of_edges()

    def _nx_seed(self) -> int:
        return int(self.rng.integers(2**31))

    # ------------------------------------------------------------------ helpers

    def members(self) -> list[Actor]:
        return [a for a in self.actors if a.status == COMMITTED]

    def wider_share(self) -> float:
        """Committed share of the wider population (residents; else every non-leader)."""
        n = len(self.wider)
        return sum(1 for a in self.wider if a.status == COMMITTED) / n if n else 0.0

    def supporters(self) -> list[Actor]:
        """External supporters: outside actors backing the collaboration (A-support)."""
        return [a for a in self.actors if a.status == OUTSIDE and a.supports]

    def backed_share(self) -> float:
        """Share of the wider population backing the collaboration: members and external
        supporters (stage 3)."""
        n = len(self.wider)
        backing = sum(
            1 for a in self.wider if a.status == COMMITTED or (a.status == OUTSIDE and a.supports)
        )
        return backing / n if n else 0.0

    # ------------------------------------------------------------------ 0 leadership

    def value_gaps(self) -> list[float]:
        """Each pair of groups' value gap: half the L1 distance between the mean value
        profiles of all their actors (0 where either group has none), fixed for the run."""
        means: list[np.ndarray | None] = []
        for g in range(len(SECTORS)):
            profiles = [a.profile for a in self.actors if a.sector == g]
            means.append(np.mean(profiles, axis=0) if profiles else None)
        gaps = []
        for a, b in GROUP_PAIRS:
            ma, mb = means[a], means[b]
            gaps.append(0.0 if ma is None or mb is None else 0.5 * float(np.abs(ma - mb).sum()))
        return gaps

    def members_by_group(self) -> list[int]:
        counts = [0] * len(SECTORS)
        for a in self.members():
            counts[a.sector] += 1
        return counts

    def observe(self, capacity: float) -> Observation:
        """What the key leaders know before the month: last month's counts by group,
        the tension between every two groups that both have members (0 where none has
        arisen yet) and what settling it would take, money and capacity; never the actors'
        thresholds or profiles."""
        sc, last = self.scenario, self.current
        members = dict(zip(SECTORS, self.members_by_group(), strict=True))
        if self.month == 0:  # nothing has happened yet
            departures = dict.fromkeys(SECTORS, 0)
            wins = shortfalls = supporters = milestones = 0
            money = 0.0
        else:
            departures = {g: int(last[f"secessions_{g}"]) for g in SECTORS}
            wins, shortfalls = int(last["small_wins"]), int(last["shortfalls"])
            supporters = int(last["supporters"])
            money = float(last["funding"])
            milestones = int(last["milestones"])
        tensions, settle = {}, {}
        for k, (a, b) in enumerate(GROUP_PAIRS):
            level = self.tension[k]
            if members[SECTORS[a]] > 0 and members[SECTORS[b]] > 0:
                name = f"{SECTORS[a]}-{SECTORS[b]}"
                tensions[name] = round(level, 3)
                # what settling it this month would take, the month's growth included
                grown = level + sc.tensions.growth * self.gap[k] * (1 - level)
                settle[name] = grown * self.gap[k] * sc.tensions.settle_hours
        return Observation(
            month=self.month + 1,
            replicate=self.replicate,
            stage=self.stage,
            coupled=self.coupled,
            consensus=self.consensus,
            capacity=capacity,
            money=money,
            groups=self.groups,
            members=members,
            departures=departures,
            small_wins=wins,
            shortfalls=shortfalls,
            supporters=supporters,
            tensions=tensions,
            settle_hours=settle,
            levers=levers(sc),
            milestones=milestones,
            target_progress=self.target / sc.target.amount,
            target_planned=sc.target.plan(self.month, sc.months) / sc.target.amount,
        )

    def lead(self) -> None:
        """The key leaders act before the month: the committed key leaders bring
        ``capacity_hours`` each; the policy spends it (scaled down pro rata to it). Hours
        on a kind of action have a saturating effect ``h / (h + half)``:

        * engaging a group moves its alignment ``engagement_gain * e`` of the way to 1
          and lets it decay ``engagement_decay * (1 - e)`` of itself;
        * a tension between two groups with members grows ``growth * gap`` of the way to
          1, then arbitration settles ``h / (settle_hours * gap)`` of it; a group's strain
          is the largest tension it stands in;
        * negotiating and linking set the month's effects for the coupling and outreach.
        """
        sc = self.scenario
        lead, tens = sc.leadership, sc.tensions
        committed = sum(1 for a in self.leaders if a.member)
        self.capacity = capacity = committed * float(lead.capacity_hours)
        obs = self.observe(capacity)
        try:
            spent = within(allocation(self.policy(obs)), capacity)
        except ValueError as err:
            month = self.month + 1
            raise ValueError(f"policy {self.policy_name!r}, month {month}: {err}") from None
        self.hours = dict(zip(SLOTS, (float(h) for h in spent), strict=True))

        def effect(hours: float, half: float) -> float:
            return hours / (hours + half) if hours > 0 else 0.0

        for g, name in enumerate(SECTORS):
            e = effect(self.hours[f"engage:{name}"], lead.engage_hours)
            a = self.alignment[g]
            gain = lead.engagement_gain * e * (1 - a)
            loss = lead.engagement_decay * (1 - e) * a
            self.alignment[g] = min(max(a + gain - loss, 0.0), 1.0)
        present = [n > 0 for n in self.members_by_group()]
        self.strain = [0.0] * len(SECTORS)
        for k, (a, b) in enumerate(GROUP_PAIRS):
            t, gap = self.tension[k], self.gap[k]
            both = present[a] and present[b]
            if both:
                t += tens.growth * gap * (1 - t)
            h = self.hours[f"arbitrate:{SECTORS[a]}-{SECTORS[b]}"]
            if h > 0 and t > 0 and self.mutation != "no_settlement":
                t -= h / (tens.settle_hours * max(gap, 1e-9))
            t = min(max(t, 0.0), 1.0)
            self.tension[k] = t
            if both:
                self.strain[a] = max(self.strain[a], t)
                self.strain[b] = max(self.strain[b], t)
        self.negotiate_effect = effect(self.hours["negotiate"], lead.negotiate_hours)
        self.link_effect = effect(self.hours["link"], lead.link_hours)
        self.wins_effect = effect(self.hours["wins"], lead.wins_hours)
        self.steer_effect = effect(self.hours["target"], lead.target_hours)

    # ------------------------------------------------------------------ 1 coupling (macro)

    def couple(self) -> tuple[bool, list[int]]:
        """The coupling of key leaders as a negotiated consensus. Leaders at the table:
        committed with commitment >= ``coupling_threshold``. A change in their number keeps
        ``min(before, now) / max(before, now)`` of the consensus; leaders of >= 2 sectors
        at the table close ``negotiation_rate`` times their alignment (mean cosine of their
        value profiles, raised by the month's negotiation) of the gap to full consensus.
        The coupling holds with >= 2 sectors at the table and consensus >=
        ``consensus_threshold``; it does not bind the leaders (a leader whose value is not
        served can leave). Losing it is a disruption: members' trust is shocked. Returns
        (disrupted, leaders withdrawn by sector)."""
        sc = self.scenario
        lead = sc.leadership
        withdrawn = [0] * len(SECTORS)
        for ev in sc.events:
            if ev.month == self.month and ev.kind == "leader_withdraws":
                for a in self.leaders:
                    if SECTORS[a.sector] == ev.sector:
                        withdrawn[a.sector] += a.member  # among this month's secessions
                        a.secede()
                        a.commitment = 0.0
        ok = [a for a in self.leaders if a.member and a.commitment >= lead.coupling_threshold]
        seated = len(ok)
        if seated != self.seated:  # a different table keeps only the share it still holds
            self.consensus *= min(seated, self.seated) / max(seated, self.seated)
        self.seated = seated
        sectors = len({a.sector for a in ok})
        if sectors >= 2:
            sims = [cosine(a.profile, b.profile) for a in ok for b in ok if a is not b]
            cos = sum(sims) / len(sims)
            align = cos + self.negotiate_effect * (1 - cos)
            self.consensus += lead.negotiation_rate * align * (1 - self.consensus)
        now = sectors >= 2 and self.consensus >= lead.consensus_threshold
        disrupted = self.coupled and not now
        if disrupted:
            for a in self.members():
                a.trust *= 1 - sc.dynamics.disruption_shock
        self.coupled = now
        return disrupted, withdrawn

    def judge_delivery(self) -> None:
        """At a review (every ``evaluation_months`` months, or a shared milestone event),
        where coupled, the key leaders judge the pace on the long-term target against its
        plan (behind erodes the consensus, ahead builds it); where coupled with months of
        delivery behind them, the committed key leaders judge the community value delivered
        per month, shared among them, against each one's expectation; the mean shortfall
        (clipped to [0, 1] each) costs the consensus a share ``consensus_erosion`` of
        itself. The record restarts."""
        sc = self.scenario
        review = self.month > 0 and self.month % sc.dynamics.evaluation_months == 0
        if not (review or self.is_moment()):
            return
        if self.coupled:  # the pace against the target's plan: behind erodes, ahead builds
            ahead = min(max(self.pace, 0.0), 2.0) - 1.0
            if ahead < 0:
                self.consensus *= 1.0 + sc.target.judgement * ahead
            else:
                self.consensus += sc.target.judgement * ahead * (1.0 - self.consensus)
        if self.coupled and self.delivery_months > 0:
            committed = [a for a in self.leaders if a.member]
            if committed:
                share = self.delivered / (self.delivery_months * len(committed))
                gaps = [
                    min(max(1.0 - share / a.expectation, 0.0), 1.0) if a.expectation > 0 else 0.0
                    for a in committed
                ]
                shortfall = sum(gaps) / len(committed)
                self.consensus *= 1 - self.scenario.leadership.consensus_erosion * shortfall
        self.delivered = 0.0
        self.delivery_months = 0

    # ------------------------------------------------------------------ 2 commitment link

    def commitment_link(self) -> int:
        """Outside actors weigh joining all at once (on last month's state), then join."""
        n_wider = len(self.wider)
        self.seen_share = self.seen / n_wider if n_wider else 0.0
        if not self.coupled:  # no collaboration to back: support lapses
            for a in self.actors:
                a.supports = False
        self.agents.do("weigh_joining")
        joining = self.agents.select(lambda a: a.joining)
        joining.do("commit")
        return len(joining)

    # ------------------------------------------------------------------ 3 proposition link

    def offer_propositions(self) -> tuple[list[bool], list[float], float, float]:
        """Open propositions (stage, months, coupling) and what the pool can pay for.

        Returns (open, capacity in uses, budget GBP, pool GBP). The pool is the
        investment stream plus members' contributions, shared equally among the
        open propositions that draw funding; unspent money does not carry over.
        """
        sc, offer, month = self.scenario, self.offer, self.month
        inv = sc.investment
        z = self.rng.standard_normal()
        budget = inv.budget_at(month)
        if budget > 0 and inv.volatility > 0:
            budget *= math.exp(inv.volatility * z - 0.5 * inv.volatility**2)
        contributions = sum(a.resources for a in self.members())
        pool = budget + inv.member_contribution * contributions
        # a shared milestone event is paid first, as far as the pool goes
        cost = sc.leadership.small_win_cost
        self.organising = (
            min(cost, pool) if (cost > 0 and self.coupled and self.is_moment()) else 0.0
        )
        is_open = [
            self.coupled
            and self.stage >= offer.min_stage[j]
            and offer.start[j] <= month < offer.end[j]
            and self.taken[j] < offer.issue[j]  # an issue all taken: closed
            for j in range(offer.n)
        ]
        n_funded = sum(1 for j in range(offer.n) if is_open[j] and offer.unit_cost[j] > 0)
        allotment = (pool - self.organising) / n_funded if n_funded else 0.0
        capacity = []
        for j in range(offer.n):
            cap = float(offer.capacity[j])
            if offer.unit_cost[j] > 0:
                cap = min(cap, math.floor(allotment / offer.unit_cost[j]))
            cap = min(cap, offer.issue[j] - self.taken[j])
            capacity.append(cap if is_open[j] else 0.0)
        return is_open, capacity, budget, pool

    # ------------------------------------------------------------------ 4 creation link

    def creation_link(self, is_open: list[bool], capacity: list[float]) -> dict:
        """Members choose, over-subscribed propositions are rationed by lottery, users
        create value (and lose some of it), holders collect returns, leaders take
        their stake of the public value."""
        sc, offer = self.scenario, self.offer
        lead, dest = sc.leadership, sc.destruction
        members = self.members()
        if any(is_open):
            for a in members:
                a.choose(is_open)
        else:
            for a in members:
                a.wants = None
        users: list[tuple[Actor, int]] = []
        for j in range(offer.n):
            asking = [a for a in members if a.wants == j]
            if asking:  # what seekers learn of the offer: the share of them served
                self.served_share[j] = min(len(asking), capacity[j]) / len(asking)
            if len(asking) > capacity[j]:  # the lowest lottery tickets are served
                ranked = sorted(asking, key=lambda a: a.ticket)
                asking = ranked[: int(capacity[j])]
                for a in ranked[int(capacity[j]) :]:
                    a.active = True  # turned away: the month counts, with nothing realised
            users += [(a, j) for a in asking]
        self.seen = sum(1 for a, _ in users if a in self.wider_set)  # seen taking part
        n_mem = len(members)
        q = sum(1 for a in members if a.exploiter) / n_mem if n_mem else 0.0
        take = dest.exploitation * q  # at full strain: scaled by each user's group's strain
        created = np.zeros(N_ELEMENTS)
        losses = np.zeros(len(DESTRUCTION_KINDS))
        uptake = [0] * offer.n
        for a, j in users:
            vec, lost = a.use(j, take)
            created += vec
            losses += lost
            uptake[j] += 1
            self.taken[j] += 1
        # each kind's loss over the levels it falls on (individual, service, community)
        shares = np.array([getattr(sc.levels, kind) for kind in DESTRUCTION_KINDS])
        level_losses = losses @ shares
        exploiters = [a for a, _ in users if a.exploiter]
        taken = losses[3] * shares[3, 0]  # what exploiters took from individuals
        gain = taken / len(exploiters) if exploiters else 0.0
        if exploiters:  # gained by individuals: not lost at the individual level
            level_losses[0] = max(level_losses[0] - taken, 0.0)
        realised = destroyed = 0.0
        for a, _ in users:
            value = a.settle(gain if a.exploiter else 0.0)
            realised += value
            destroyed += max(-value, 0.0)
        # holdings pay their returns on payment months: a linked return is the planned
        # one times what the holdings generated since the last payment relative to plan
        # (the period's generation factor), at most the cap; an unlinked one is fixed
        paid: set[Actor] = set()
        for j in range(offer.n):
            every, since = int(offer.holding_every[j]), self.month - int(offer.start[j])
            due = every > 0 and since > 0 and since % every == 0
            if due and self.month < offer.holding_until[j]:
                factor = 1.0
                if offer.holding_linked[j]:
                    factor = min(self.generation(j), float(offer.holding_cap[j]))
                for a in members:
                    if j in a.used:
                        created += a.collect_return(j, factor)
                        paid.add(a)
        self.capital += sum(uptake[j] * offer.price[j] for j in range(offer.n))
        steered = 1.0 + sc.target.steer_gain * self.steer_effect  # the leaders' steering
        progress = sum(
            uptake[j] * offer.target_yield[j] * steered
            for j in range(offer.n)
            if offer.holding_every[j] == 0
        )
        for j in range(offer.n):  # every holding ever bought keeps generating
            if offer.holding_every[j] > 0 and offer.start[j] < self.month:
                holders = sum(1 for a in self.actors if j in a.used)
                progress += holders * offer.target_yield[j] * self.generation(j)
        self.target += progress
        planned = sc.target.plan(self.month, sc.months)
        self.pace = self.target / planned if planned > 0 else 1.0
        # net community value: created at the community's shares minus the losses on it
        elements = np.array([getattr(sc.levels, e) for e in ELEMENTS])
        community = float(created @ elements[:, 2]) - float(level_losses[2])
        if self.coupled and self.stage >= 1:  # delivered on the shared target, to be judged
            self.delivered += community
            self.delivery_months += 1
        # key leaders hold the shared target: a stake of this month's net community value
        if lead.leader_stake > 0:
            active = [a for a in self.leaders if a.member]
            for a in active:
                share = lead.leader_stake * community / len(active)
                a.realised += share
                a.active = a.active or share != 0
        return {
            "uptake": uptake,
            "created": created,
            "losses": losses,
            "lost": level_losses,
            "realised": realised,
            "destroyed": destroyed,
            "spent": float(sum(uptake[j] * offer.unit_cost[j] for j in range(offer.n))),
            "paid": paid,
        }

    def generation(self, j: int) -> float:
        """Holding ``j``'s generation this month as a multiple of plan: its payment
        period's factor, log-normal with mean 1 (drawn once per period; 1 when the
        holding's ``performance_sd`` is 0)."""
        sd = float(self.offer.holding_sd[j])
        if sd <= 0.0:
            return 1.0
        key = (j, int(self.offer.period(self.month)[j]))
        if key not in self.generation_factors:
            z = self.rng.standard_normal()
            self.generation_factors[key] = float(performance(sd, z))
        return self.generation_factors[key]

    # ------------------------------------------------------------------ 5 small wins (meso)

    def is_moment(self) -> bool:
        """A scheduled milestone event: a small win every member shares."""
        sc = self.scenario
        return any(e.kind == "milestone" and e.month == self.month for e in sc.events)

    def small_wins(self) -> tuple[int, int]:
        """Momentum fades and commitment erodes; at a small-win moment (held by coupled
        leaders) the members' pending value becomes tangible; cycles close at a moment or
        after ``evaluation_months``, and members who were engaged evaluate. (wins, shortfalls)"""
        sc = self.scenario
        d = sc.dynamics
        decay = 0.0 if self.mutation == "no_erosion" else d.commitment_decay
        shared = self.is_moment() and self.coupled  # a scheduled milestone event
        chains = sc.wins.milestones and self.coupled
        near = 1.0 - sc.wins.nearer * self.wins_effect  # the leaders' staging
        loud = 1.0 + sc.wins.visible * self.wins_effect
        for a in self.actors:
            a.signal *= d.momentum_decay
        wins = shortfalls = 0
        self.reached = 0
        harm = sc.tensions.harm
        self.harmed = [0.0] * len(SECTORS)
        for a in self.members():
            self.harmed[a.sector] += a.bear_tension(harm)  # open tensions its group is in
            if sc.target.felt > 0:
                a.see_target(sc.target.felt, self.pace)
            if a.organisation:
                a.tend_staff()
            a.erode(decay)
            mine = chains and a.reach_milestone(near)
            self.reached += mine
            if shared:
                a.feel_small_win()
            a.engaged += a.active
            if shared or mine or a.months_since >= d.evaluation_months:
                if a.engaged > 0:
                    if a.evaluate(loud if mine else 1.0) > 0:
                        wins += 1
                    else:
                        shortfalls += 1
                a.close_cycle()
            a.bound()
        for a in self.actors:
            a.active = False
        return wins, shortfalls

    # ------------------------------------------------------------------ 6 secession (micro)

    def secession(self) -> list[int]:
        """Members below their floor leave; returns how many of each sector left."""
        left = [0] * len(SECTORS)
        for a in self.members():
            if a.maybe_secede():
                left[a.sector] += 1
        return left

    # ------------------------------------------------------------------ 7 stage (macro)

    def level(self, factor: float, holding: bool = False) -> int:
        """Highest stage whose condition holds, with thresholds times ``factor``
        (``holding``: keeping a stage needs one represented sector only)."""
        if not self.coupled:
            return 0
        rules = self.scenario.stages
        members = self.members()
        others = sum(1 for a in members if a.role != KEY_LEADER)
        sectors = len({a.sector for a in members})
        needed = 1 if holding else rules.integration_sectors
        if not (others >= rules.integration_members * factor and sectors >= needed):
            return 1
        return 3 if self.backed_share() >= rules.linking_share * factor else 2

    def advance_stage(self) -> bool:
        """Stages are entered one at a time after ``sustain_months`` months of their
        condition, and lost at once below ``hysteresis`` times it. Returns regressed."""
        rules = self.scenario.stages
        up, hold = self.level(1.0), self.level(rules.hysteresis, holding=True)
        if hold < self.stage:
            self.stage, self.pending = hold, 0
            return True
        if up > self.stage:
            self.pending += 1
            if self.pending >= rules.sustain_months:
                self.stage, self.pending = self.stage + 1, 0
        else:
            self.pending = 0
        return False

    # ------------------------------------------------------------------ one month

    def step(self) -> None:
        """One month: the key leaders act, the seven sub-steps run in order, then the data
        collector."""
        self.lead()  # 0: the leaders spend their capacity
        self.month += 1
        disrupted, withdrawn = self.couple()  # 1
        joins = self.commitment_link()  # 2
        is_open, capacity, budget, pool = self.offer_propositions()  # 3
        made = self.creation_link(is_open, capacity)  # 4
        wins, shortfalls = self.small_wins()  # 5
        self.judge_delivery()  # 5: the leaders review delivery and the pace on the target
        left = [s + w for s, w in zip(self.secession(), withdrawn, strict=True)]  # 6
        regressed = self.advance_stage()  # 7
        self.open_last = is_open
        flows = {
            "disruptions": int(disrupted),
            "regressions": int(regressed),
            "joins": joins,
            "secessions": sum(left),
            "small_wins": wins,
            "shortfalls": shortfalls,
            "budget": budget,
            "funding": pool,
        }
        for g, name in enumerate(SECTORS):
            flows[f"secessions_{name}"] = left[g]
        self.current = self.measures(flows, made)
        self.datacollector.collect(self)

    def measures(self, flows: dict, made: dict) -> dict[str, float]:
        """This month's measures (the names of :mod:`commonfuture.outputs`)."""
        members = self.members()
        n = len(members)
        out: dict[str, float] = {
            "stage": self.stage,
            "coupled": int(self.coupled),
            "consensus": self.consensus,
            "members": n,
        }
        out.update(flows)
        for s, name in enumerate(SECTORS):
            out[f"members_{name}"] = sum(1 for a in members if a.sector == s)
        for role, name in (
            (KEY_LEADER, "key_leaders"),
            (NETWORK_ACTOR, "network_actors"),
            (EXTERNAL_USER, "external_users"),
        ):
            out[f"members_{name}"] = sum(1 for a in members if a.role == role)
        out["seceded"] = sum(1 for a in self.actors if a.status == SECEDED)
        out["supporters"] = len(self.supporters())
        out["mean_commitment"] = sum(a.commitment for a in members) / n if n else 0.0
        out["mean_trust"] = sum(a.trust for a in members) / n if n else 0.0
        out["milestones"] = self.reached
        orgs = [a.staff for a in members if a.organisation]
        out["staff_engagement"] = sum(orgs) / len(orgs) if orgs else 0.0
        out["target_pace"] = self.pace
        out["uses"] = sum(made["uptake"])
        created = made["created"]
        out["value_created"] = float(created.sum())
        for e, name in enumerate(ELEMENTS):
            out[f"value_{name}"] = float(created[e])
        elements = np.array([getattr(self.scenario.levels, e) for e in ELEMENTS])
        # open tensions: what the harmed members lost, and the community as much again
        conflict = sum(self.harmed)
        out["loss_conflict"] = 2.0 * conflict
        for k, level in enumerate(("individual", "service", "community")):
            lost = float(made["lost"][k]) + (conflict if level != "service" else 0.0)
            out[f"value_{level}"] = float(created @ elements[:, k]) - lost
            out[f"destroyed_{level}"] = lost
        out["value_realised"] = made["realised"]
        out["value_destroyed"] = made["destroyed"]
        for k, name in enumerate(DESTRUCTION_KINDS):
            out[f"loss_{name}"] = float(made["losses"][k])
        # the key leaders' capacity and what they spent it on (before the month)
        out["capacity"] = self.capacity
        for kind in ACTIONS:
            spent = (h for slot, h in self.hours.items() if slot.split(":")[0] == kind)
            out[f"spent_{kind}"] = sum(spent)
        for g, name in enumerate(SECTORS):
            out[f"engaged_{name}"] = self.hours[f"engage:{name}"]
            out[f"alignment_{name}"] = self.alignment[g]
        standing = [
            t
            for (a, b), t in zip(GROUP_PAIRS, self.tension, strict=True)
            if out[f"members_{SECTORS[a]}"] > 0 and out[f"members_{SECTORS[b]}"] > 0
        ]
        out["tensions_open"] = sum(1 for t in standing if t >= OPEN_TENSION)
        out["tension_max"] = max(standing, default=0.0)
        out["spent"] = made["spent"] + self.organising
        out["capital_raised"] = self.capital
        out["target_progress"] = self.target / self.scenario.target.amount
        for j, name in enumerate(self.offer.names):
            out[f"uptake.{name}"] = made["uptake"][j]
        return out


def measure_names(offer: Offer) -> list[str]:
    """Every monthly measure, as the fast engine records them."""
    return list(NAMES) + [f"uptake.{name}" for name in offer.names]


def _reporter(name: str):
    return lambda model: model.current[name]
