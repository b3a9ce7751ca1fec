"""The model written the Mesa way: one agent per actor, each with its own steps.

A teaching version of the same rules as the array kernel (see docs/ODD.md and
the docstrings of ``commonfuture.macro``, ``micro`` and ``meso``), written
independently: plain Python per agent, networkx for the network, Mesa's
``Model``, ``Agent``, ``AgentSet`` and ``DataCollector``. It is slow (Python
per actor and per tie) and serves two ends: a check of the fast engine (docking,
Axtell et al. 1996) and a yardstick of speed.
"""

from __future__ import annotations

import math

import mesa
import networkx as nx
import numpy as np

from commonfuture.propositions import Offer
from commonfuture.scenario.schema import SECTORS, Scenario

OUTSIDE, COMMITTED, SECEDED = 0, 1, 2
KEY_LEADER, NETWORK_ACTOR, EXTERNAL_USER = 0, 1, 2
CITIZENS = SECTORS.index("citizens")
PUBLIC_ELEMENT = 4


class Actor(mesa.Agent):
    """One organisation or resident, with its own private value chain."""

    def __init__(self, model: CollaborationModel, sector: int, role: int):
        super().__init__(model)
        rng, pop = model.rng, model.scenario.population
        self.sector = sector
        self.role = role
        means = np.array(getattr(pop.profiles, SECTORS[sector]), float)
        self.profile = rng.dirichlet(
            np.maximum(means / means.sum() * pop.profile_concentration, 1e-3)
        )
        self.expectation = max(rng.normal(pop.expectation_mean, pop.expectation_sd), 0.0)
        if sector == CITIZENS:
            self.threshold = max(rng.normal(pop.threshold_mean, pop.threshold_sd), 0.0)
            self.resources = rng.exponential(pop.citizen_resources)
        else:
            self.threshold = max(rng.normal(pop.org_threshold_mean, pop.org_threshold_sd), 0.0)
            self.resources = rng.exponential(pop.org_resources)
        self.floor = rng.uniform(pop.floor_low, pop.floor_high)
        self.burden = rng.uniform(0.0, 2.0)
        self.exploiter = rng.random() < pop.exploiter_share
        self.status = OUTSIDE
        self.commitment = 0.0
        self.trust = 0.0
        self.realised = 0.0
        self.months_since = 0
        self.signal = 0.0
        self.used: set[int] = set()
        self.neighbours: list[tuple[Actor, float]] = []
        if role == KEY_LEADER:
            self.status = COMMITTED
            self.commitment = model.scenario.leadership.leader_commitment
            self.trust = model.scenario.leadership.leader_trust

    # ----------------------------------------------------------------- helpers

    @property
    def member(self) -> bool:
        return self.status == COMMITTED

    def degree(self) -> float:
        return sum(w for _, w in self.neighbours)

    def neighbour_mean(self, value) -> float:
        deg = self.degree()
        if deg <= 0:
            return 0.0
        return sum(w * value(other) for other, w in self.neighbours) / deg

    def fit(self, j: int) -> float:
        return float(self.profile @ self.model.offer.value[j])

    def promise(self, j: int) -> float:
        return self.fit(j) - float(self.model.offer.cost[j])

    def available(self, open_props: list[bool]) -> list[int]:
        offer = self.model.offer
        return [
            j
            for j in range(offer.n)
            if open_props[j]
            and offer.eligible[self.sector, j]
            and not (offer.once[j] and j in self.used)
        ]

    # ----------------------------------------------------------------- micro: commitment link

    def weigh_joining(self) -> bool:
        """Would this outside actor commit this month? (decided, not yet applied)"""
        m, sc = self.model, self.model.scenario
        u_join, u_reach = m.rng.random(), m.rng.random()
        if self.status != OUTSIDE or not m.coupled:
            return False
        pull = self.neighbour_mean(lambda a: 1.0 if a.member else 0.0)
        score = pull
        if sc.leadership.visibility > 0:
            score += sc.leadership.visibility * self.neighbour_mean(lambda a: a.signal)
        reachable = pull > 0
        if m.stage >= 3 and sc.network.openness > 0:
            score += sc.network.openness * m.wider_share()
            if u_reach < sc.network.openness * sc.dynamics.outreach:
                reachable = True
        if sc.dynamics.value_weight > 0:
            options = self.available(m.open_last)
            best = max((self.promise(j) for j in options), default=-math.inf)
            if not best > 0:
                return False
            score += sc.dynamics.value_weight * (best - self.expectation)
        return reachable and score >= self.threshold and u_join < sc.population.join_rate

    def commit(self) -> None:
        pop = self.model.scenario.population
        self.status = COMMITTED
        self.commitment = pop.initial_commitment
        self.trust = pop.initial_trust
        self.realised = 0.0
        self.months_since = 0

    # ----------------------------------------------------------------- micro: creation link

    def choose(self, open_props: list[bool]) -> int | None:
        """The open proposition promising most, if the promise is positive."""
        if not self.member:
            return None
        options = self.available(open_props)
        if not options:
            return None
        best = max(options, key=lambda j: (self.promise(j), -j))
        return best if self.promise(best) > 0 else None

    # ----------------------------------------------------------------- meso: small wins

    def evaluate(self) -> int:
        """Compare value realised a month with the expectation: +1 win, -1 shortfall."""
        d = self.model.scenario.dynamics
        gap = self.realised / max(self.months_since, 1) - self.expectation
        size = min(1.0, abs(gap) / max(self.expectation, 0.01))
        if gap >= 0:
            self.trust += d.trust_gain * size * (1 - self.trust)
            self.commitment += d.commitment_gain * size * (1 - self.commitment)
            self.signal = size
            outcome = 1
        else:
            self.trust -= d.trust_loss * size * self.trust
            self.commitment -= d.commitment_loss * size * self.commitment
            self.signal = -size
            outcome = -1
        self.realised = 0.0
        self.months_since = 0
        return outcome

    # ----------------------------------------------------------------- micro: secession

    def maybe_secede(self) -> bool:
        if self.member and self.commitment < self.floor:
            self.status = SECEDED
            self.signal = -1.0
            return True
        return False


class CollaborationModel(mesa.Model):
    """One replicate of a scenario: key leaders, network, propositions, and the month."""

    def __init__(self, scenario: Scenario, rng: np.random.Generator, mutation: str | None = None):
        super().__init__(rng=rng)
        self.scenario = scenario
        self.offer = Offer.from_scenario(scenario)
        self.mutation = mutation
        self.month = 0
        self.stage = 0
        self.pending = 0
        self.coupled = False
        self.target = 0.0
        self.capital = 0.0
        self.open_last = [False] * self.offer.n
        self.current: dict[str, float] = {}
        counts = scenario.population.counts.as_tuple()
        leaders = scenario.leadership.key_leaders.as_tuple()
        self.actors: list[Actor] = []
        for s, count in enumerate(counts):
            for k in range(count):
                role = (
                    KEY_LEADER
                    if k < leaders[s]
                    else (EXTERNAL_USER if s == CITIZENS else NETWORK_ACTOR)
                )
                self.actors.append(Actor(self, s, role))
        self.leaders = [a for a in self.actors if a.role == KEY_LEADER]
        wider = [a for a in self.actors if a.sector == CITIZENS]
        self.wider = wider or [a for a in self.actors if a.role != KEY_LEADER]
        self.n_ties = self._build_network()
        self.datacollector = mesa.DataCollector(
            model_reporters={
                name: (lambda m, name=name: m.current[name]) for name in _measure_names(self.offer)
            }
        )

    # ----------------------------------------------------------------- the network

    def _build_network(self) -> int:
        """Organisations: a block model by sector; residents: small world or G(n, p)."""
        net = self.scenario.network
        seed = int(self.rng.integers(2**31))
        orgs = [a for a in self.actors if a.sector != CITIZENS]
        cits = [a for a in self.actors if a.sector == CITIZENS]
        sizes = [sum(1 for a in orgs if a.sector == s) for s in range(3)]
        graph = nx.Graph()
        n_org = len(orgs)
        if n_org > 1 and net.org_degree > 0:
            within = sum(s * (s - 1) // 2 for s in sizes)
            cross = n_org * (n_org - 1) // 2 - within
            edges = net.org_degree * n_org / 2
            p_in = min(1.0, (1 - net.org_cross_sector) * edges / within) if within else 0.0
            p_x = min(1.0, net.org_cross_sector * edges / cross) if cross else 0.0
            keep = [s for s in sizes if s > 0]
            probs = [[p_in if a == b else p_x for b in range(len(keep))] for a in range(len(keep))]
            sbm = nx.stochastic_block_model(keep, probs, seed=seed)
            for u, v in sbm.edges():
                graph.add_edge(orgs[u], orgs[v], weight=net.org_tie_strength)
        n_cit = len(cits)
        k = int(round(net.citizen_degree))
        if n_cit > 2 and net.citizen_degree > 0:
            if net.citizen_layer == "small_world":
                layer = nx.watts_strogatz_graph(
                    n_cit, max(2, min(k, n_cit - 1)), net.citizen_rewire, seed=seed + 1
                )
            else:
                layer = nx.fast_gnp_random_graph(
                    n_cit, net.citizen_degree / (n_cit - 1), seed=seed + 1
                )
            for u, v in layer.edges():
                graph.add_edge(cits[u], cits[v], weight=net.citizen_tie_strength)
        if orgs and cits and net.citizen_org_ties > 0:
            for a in cits:
                for _ in range(self.rng.poisson(net.citizen_org_ties)):
                    graph.add_edge(
                        a, orgs[int(self.rng.integers(n_org))], weight=net.citizen_org_tie_strength
                    )
        for u, v, data in graph.edges(data=True):
            w = data["weight"] * (net.openness if u.sector != v.sector else 1.0)
            u.neighbours.append((v, w))
            v.neighbours.append((u, w))
        return graph.number_of_edges()

    # ----------------------------------------------------------------- helpers

    def members(self) -> list[Actor]:
        return [a for a in self.actors if a.member]

    def wider_share(self) -> float:
        return sum(a.member for a in self.wider) / len(self.wider) if self.wider else 0.0

    # ----------------------------------------------------------------- 1 coupling (macro)

    def couple(self) -> bool:
        sc = self.scenario
        lead = sc.leadership
        for ev in sc.events:
            if ev.month == self.month and ev.kind == "leader_withdraws":
                for a in self.leaders:
                    if SECTORS[a.sector] == ev.sector:
                        if a.member:
                            self.withdrawn += 1  # counted among this month's secessions
                        a.status, a.commitment, a.signal = SECEDED, 0.0, -1.0
        ok = [a for a in self.leaders if a.member and a.commitment >= lead.coupling_threshold]
        sims = [
            float(a.profile @ b.profile / (np.linalg.norm(a.profile) * np.linalg.norm(b.profile)))
            for a in ok
            for b in ok
            if a is not b
        ]
        cos = sum(sims) / len(sims) if sims else 0.0
        align = cos + lead.arbitration * (1 - cos)
        now = len({a.sector for a in ok}) >= 2 and align >= lead.coupling_alignment
        disrupted = self.coupled and not now
        if disrupted:
            for a in self.members():
                a.trust *= 1 - sc.dynamics.disruption_shock
        self.coupled = now
        return disrupted

    # ----------------------------------------------------------------- 3 proposition link

    def offer_propositions(self) -> tuple[list[bool], list[float], float, float]:
        sc, offer, month = self.scenario, self.offer, self.month
        inv = sc.investment
        z = self.rng.standard_normal()
        budget = 0.0
        if inv.start_month <= month and (inv.end_month is None or month < inv.end_month):
            budget = inv.monthly_budget
            if inv.volatility > 0:
                budget *= math.exp(inv.volatility * z - 0.5 * inv.volatility**2)
        pool = budget + inv.member_contribution * sum(a.resources for a in self.members())
        is_open = [
            self.coupled
            and self.stage >= offer.min_stage[j]
            and offer.start[j] <= month < offer.end[j]
            for j in range(offer.n)
        ]
        funded = [is_open[j] and offer.unit_cost[j] > 0 for j in range(offer.n)]
        allot = pool / sum(funded) if any(funded) else 0.0
        capacity = []
        for j in range(offer.n):
            cap = float(offer.capacity[j])
            if offer.unit_cost[j] > 0:
                cap = min(cap, math.floor(allot / offer.unit_cost[j]))
            capacity.append(cap if is_open[j] else 0.0)
        return is_open, capacity, budget, pool

    # ----------------------------------------------------------------- 4 creation link

    def create_value(self, is_open, capacity):
        sc, offer, lead, dest = (
            self.scenario,
            self.offer,
            self.scenario.leadership,
            self.scenario.destruction,
        )
        members = self.members()
        choices: dict[int, list[Actor]] = {}
        for a in members:
            if self.rng.random() < sc.population.use_rate and any(is_open):
                j = a.choose(is_open)
                if j is not None:
                    choices.setdefault(j, []).append(a)
        users: list[tuple[Actor, int]] = []
        for j, wanting in sorted(choices.items()):
            cap = int(capacity[j]) if math.isfinite(capacity[j]) else len(wanting)
            if len(wanting) > cap:
                picked = self.rng.permutation(len(wanting))[:cap]
                wanting = [wanting[i] for i in sorted(picked)]
            users += [(a, j) for a in wanting]
        n_mem = len(members)
        q = sum(a.exploiter for a in members) / n_mem if n_mem else 0.0
        take = dest.exploitation * (1 - lead.arbitration) * q
        created_e = np.zeros(5)
        losses = np.zeros(4)
        uses = [0] * offer.n
        rows = []
        for a, j in users:
            vec = lead.alignment * a.profile * offer.value[j]
            created = float(vec.sum())
            cost = float(offer.cost[j])
            v = offer.value[j]
            cos = float(a.profile @ v / max(np.linalg.norm(a.profile) * np.linalg.norm(v), 1e-12))
            ign = dest.ignorance * (1 - lead.alignment) * (1 - cos)
            low_public = max(0.2 - a.profile[PUBLIC_ELEMENT], 0.0) * 5
            back = dest.backlash * (1 - lead.arbitration) * low_public * offer.public_share[j]
            disp = dest.disproportion * (1 - lead.arbitration) * cost * max(a.burden - 1, 0)
            expl = 0.0 if a.exploiter else take * created
            rows.append([a, j, vec, created - cost - ign - disp - back - expl, expl])
            created_e += vec
            losses += (ign, disp, back, expl)
            uses[j] += 1
        taken = sum(r[4] for r in rows)
        n_expl = sum(1 for r in rows if r[0].exploiter)
        realised_total, destroyed = 0.0, 0.0
        for a, j, _vec, value, _ in rows:
            if a.exploiter:
                value += taken / n_expl
            value += sc.dynamics.noise * self.rng.standard_normal()
            a.realised += value
            if offer.once[j]:
                a.used.add(j)
            realised_total += value
            destroyed += max(-value, 0.0)
        # holdings pay their returns on payment months
        paid: set[Actor] = set()
        for j in range(offer.n):
            every = offer.holding_every[j]
            since = self.month - offer.start[j]
            if (
                every > 0
                and since > 0
                and since % every == 0
                and self.month < offer.holding_until[j]
            ):
                for a in members:
                    if j in a.used:
                        hvec = a.profile * offer.holding_value[j]
                        a.realised += float(hvec.sum())
                        created_e += hvec
                        paid.add(a)
        spent = sum(uses[j] * offer.unit_cost[j] for j in range(offer.n))
        self.capital += sum(uses[j] * offer.price[j] for j in range(offer.n))
        progress = sum(
            uses[j] * offer.target_yield[j] for j in range(offer.n) if offer.holding_every[j] == 0
        )
        for j in range(offer.n):
            if offer.holding_every[j] > 0 and offer.start[j] < self.month:
                progress += sum(j in a.used for a in self.actors) * offer.target_yield[j]
        self.target += progress
        if lead.leader_stake > 0:
            active = [a for a in self.leaders if a.member]
            for a in active:
                a.realised += lead.leader_stake * created_e[PUBLIC_ELEMENT] / len(active)
        return uses, created_e, losses, realised_total, destroyed, spent, paid

    # ----------------------------------------------------------------- 5 small wins (meso)

    def small_wins(self, paid: set[Actor]) -> tuple[int, int]:
        sc = self.scenario
        d = sc.dynamics
        cadence = sc.leadership.small_win_cadence_months
        moment = (self.month > 0 and self.month % cadence == 0) or any(
            e.kind == "milestone" and e.month == self.month for e in sc.events
        )
        decay = 0.0 if self.mutation == "no_erosion" else d.commitment_decay
        wins = shortfalls = 0
        for a in self.actors:
            a.signal *= d.momentum_decay
        for a in self.members():
            a.months_since += 1
            a.commitment -= decay * (1 - a.trust)
            if (moment or a in paid) and a.months_since > 0:
                if a.evaluate() > 0:
                    wins += 1
                else:
                    shortfalls += 1
            a.commitment = min(max(a.commitment, 0.0), 1.0)
            a.trust = min(max(a.trust, 0.0), 1.0)
        return wins, shortfalls

    # ----------------------------------------------------------------- 7 stage (macro)

    def classify(self) -> bool:
        rules = self.scenario.stages
        members = self.members()
        others = sum(1 for a in members if a.role != KEY_LEADER)
        sectors = len({a.sector for a in members})
        share = self.wider_share()

        def level(f: float) -> int:
            if not self.coupled:
                return 0
            integrated = others >= rules.integration_members * f and sectors >= (
                rules.integration_sectors if f == 1.0 else 1
            )
            if not integrated:
                return 1
            return 3 if share >= rules.linking_share * f else 2

        up, hold = level(1.0), level(rules.hysteresis)
        regressed = hold < self.stage
        if regressed:
            self.stage, self.pending = hold, 0
        elif up > self.stage:
            self.pending += 1
            if self.pending >= rules.sustain_months:
                self.stage, self.pending = self.stage + 1, 0
        else:
            self.pending = 0
        return regressed

    # ----------------------------------------------------------------- one month

    def step(self) -> None:
        self.month += 1
        self.withdrawn = 0
        disrupted = self.couple()
        joining = [a for a in self.actors if a.weigh_joining()]
        for a in joining:
            a.commit()
        is_open, capacity, budget, pool = self.offer_propositions()
        uses, created_e, losses, realised, destroyed, spent, paid = self.create_value(
            is_open, capacity
        )
        wins, shortfalls = self.small_wins(paid)
        seceding = [a for a in self.actors if a.maybe_secede()]
        regressed = self.classify()
        self.open_last = is_open
        secessions = len(seceding) + self.withdrawn
        self.current = self._measures(
            disrupted,
            regressed,
            len(joining),
            secessions,
            wins,
            shortfalls,
            uses,
            created_e,
            losses,
            realised,
            destroyed,
            budget,
            pool,
            spent,
        )
        self.datacollector.collect(self)

    def _measures(
        self,
        disrupted,
        regressed,
        joins,
        secessions,
        wins,
        shortfalls,
        uses,
        created_e,
        losses,
        realised,
        destroyed,
        budget,
        pool,
        spent,
    ) -> dict:
        members = self.members()
        n = len(members)
        out = {
            "stage": self.stage,
            "coupled": int(self.coupled),
            "regressions": int(regressed),
            "disruptions": int(disrupted),
            "members": n,
        }
        for s, name in enumerate(SECTORS):
            out[f"members_{name}"] = sum(1 for a in members if a.sector == s)
        for role, name in (
            (KEY_LEADER, "key_leaders"),
            (NETWORK_ACTOR, "network_actors"),
            (EXTERNAL_USER, "external_users"),
        ):
            out[f"members_{name}"] = sum(1 for a in members if a.role == role)
        out["seceded"] = sum(1 for a in self.actors if a.status == SECEDED)
        out["joins"], out["secessions"] = joins, secessions
        out["mean_commitment"] = sum(a.commitment for a in members) / n if n else 0.0
        out["mean_trust"] = sum(a.trust for a in members) / n if n else 0.0
        out["small_wins"], out["shortfalls"] = wins, shortfalls
        out["uses"] = sum(uses)
        out["value_created"] = float(created_e.sum())
        for e, name in enumerate(("satisfaction", "outcomes", "experience", "capacity", "public")):
            out[f"value_{name}"] = float(created_e[e])
        out["value_individual"] = float(created_e[:3].sum())
        out["value_service"] = float(created_e[3])
        out["value_community"] = float(created_e[4])
        out["value_realised"] = realised
        out["value_destroyed"] = destroyed
        for k, name in enumerate(("ignorance", "disproportion", "backlash", "exploitation")):
            out[f"loss_{name}"] = float(losses[k])
        out["budget"], out["funding"], out["spent"] = budget, pool, float(spent)
        out["capital_raised"] = self.capital
        out["target_progress"] = self.target / self.scenario.target.amount
        for j, name in enumerate(self.offer.names):
            out[f"uptake.{name}"] = uses[j]
        return out


def _measure_names(offer: Offer) -> list[str]:
    from commonfuture.outputs import NAMES

    return list(NAMES) + [f"uptake.{name}" for name in offer.names]
