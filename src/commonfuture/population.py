"""The actors, as a structure of arrays.

One row per actor and one leading axis per replicate: R replicates of N actors
advance together as (R, N) arrays, each replicate drawn from its own random
stream. There are no per-actor Python objects.

Actors are ordered by sector (public, private, third, citizens); the first
``key_leaders.<sector>`` actors of each sector are its key leaders.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from numba import njit, prange

from commonfuture.leadership.tensions import N_PAIRS
from commonfuture.network import build_network, n_ties
from commonfuture.parallel import bounds, loops, n_chunks, pick, sized
from commonfuture.propositions import Offer
from commonfuture.randomness import SETUP, gamma_from, normal_pair, philox, setup_key, unit64
from commonfuture.scenario.schema import SECTORS, Scenario
from commonfuture.value import N_ELEMENTS, PUBLIC, normalise, products

# membership state
OUTSIDE, COMMITTED, SECEDED = 0, 1, 2
STATUS_NAMES = ("outside", "committed", "seceded")
# roles
KEY_LEADER, NETWORK_ACTOR, EXTERNAL_USER = 0, 1, 2
ROLE_NAMES = ("key_leader", "network_actor", "external_user")
CITIZEN = SECTORS.index("citizens")


@dataclass
class State:
    """Everything that changes, plus the per-actor draws fixed at the start.

    Shapes: (R, N) per actor, (R, N, P) per actor and proposition, (R,) per
    replicate, (N,) where the same in every replicate.
    """

    # fixed by the scenario (same in every replicate)
    sector: np.ndarray  # (N,) int8
    role: np.ndarray  # (N,) int8
    eligible: np.ndarray  # (N, P) bool
    # drawn per replicate at the start
    profile: np.ndarray  # (R, N, 5) float32, on the simplex
    expectation: np.ndarray  # (R, N) float32, value units per month (adapts: A-aspiration)
    threshold: np.ndarray  # (R, N) float32
    floor: np.ndarray  # (R, N) float32
    resources: np.ndarray  # (R, N) float32, GBP per month
    burden: np.ndarray  # (R, N) float32, share of costs borne (mean 1)
    exploiter: np.ndarray  # (R, N) bool
    fit: np.ndarray  # (R, N, P) float32: profile-weighted value of each offer, unadapted
    anticipated: np.ndarray  # (R, N, P) float32: fit - cost, the promise unadapted
    tailoring: np.ndarray  # (R, N, P) float32: what full adaptation adds to the promise
    ignorance: np.ndarray  # (R, N, P) float32: loss per use, unengaged (value ignorance)
    backlash: np.ndarray  # (R, N, P) float32: loss per use at full strain (value backlash)
    ties: sp.csr_matrix  # (R*N, R*N) block-diagonal weighted ties
    degree: np.ndarray  # (R, N) float32, weighted degree
    ties_per_replicate: list[int]
    # dynamic
    status: np.ndarray  # (R, N) int8
    commitment: np.ndarray  # (R, N) float32
    trust: np.ndarray  # (R, N) float32
    realised: np.ndarray  # (R, N) float32, tangible net private value since last evaluation
    pending_value: np.ndarray  # (R, N) float32, value created, not yet tangible (small wins)
    months_since: np.ndarray  # (R, N) int16, months since last evaluation
    engaged: (
        np.ndarray
    )  # (R, N) int16, months engaged (outcome, or turned away) since last evaluation
    active: np.ndarray  # (R, N) bool, engaged this month (a use, return, stake; or turned away)
    signal: np.ndarray  # (R, N) float32, visible win (+) / loss (-) momentum
    used: np.ndarray  # (R, N) uint16 bitmask of once-propositions used
    accumulated: np.ndarray  # (R, N, 5) float32, value created per element
    supports: np.ndarray  # (R, N) bool, an outside actor backing it (external supporter)
    # per replicate
    stage: np.ndarray  # (R,) int8
    pending: np.ndarray  # (R,) int16, months the next stage's condition has held
    coupled: np.ndarray  # (R,) bool
    ever_coupled: np.ndarray  # (R,) bool
    consensus: np.ndarray  # (R,) float64, key leaders' consensus on the shared target (0..1)
    seated: np.ndarray  # (R,) int64, key leaders at the table last month
    delivered: np.ndarray  # (R,) float64, community value delivered since the last judgement
    delivery_months: np.ndarray  # (R,) int64, months of delivery since the last judgement
    target: np.ndarray  # (R,) float64, cumulative progress (target units)
    capital: np.ndarray  # (R,) float64, money raised from users (GBP)
    open_last: np.ndarray  # (R, P) bool, what the network had open last month
    served_share: np.ndarray  # (R, P) float32, share of those who sought it served, last time
    taken: np.ndarray  # (R, P) float64, uses of each proposition so far (against its issue)
    seen: np.ndarray  # (R,) int64, members of the wider population who took part last month
    # the leaders' actions (commonfuture.leadership)
    alignment: np.ndarray  # (R, 4) float64, each group's alignment built by engagement (0..1)
    tension: np.ndarray  # (R, 6) float64, each pair of groups' open tension (0..1)
    strain: np.ndarray  # (R, 4) float32, the largest open tension each group is in
    effort: np.ndarray  # (R, 4) float64, this month's effects of negotiating, linking,
    # staging small wins and steering towards the target (0..1)
    # private value chains (commonfuture.meso.value_chains)
    progress: np.ndarray  # (R, N) float32, value created for itself since its last milestone
    milestone: np.ndarray  # (R, N) float32, value its next milestone needs (0: none set)
    staff_profile: np.ndarray  # (R, O, 5) float32, mean value profile of each organisation's staff
    staff: np.ndarray  # (R, O) float32, engagement of each organisation's staff (0..1)
    staff_fed: np.ndarray  # (R, O) float32, value each organisation's staff got this month
    pace: np.ndarray  # (R,) float64, progress on the target against its plan (1: on plan)
    month: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def n_replicates(self) -> int:
        return self.status.shape[0]

    @property
    def n_actors(self) -> int:
        return self.status.shape[1]

    def record(self) -> StateRecord:
        """What changes month by month, as the compiled month reads and writes it (the same
        arrays, not copies)."""
        return StateRecord(*(getattr(self, name) for name in StateRecord._fields))

    def actors(self) -> Actors:
        """What is fixed for the run, as the compiled month reads it."""
        wider = self.sector == CITIZEN
        if not wider.any():  # no residents: every non-leader is the wider population
            wider = self.role != KEY_LEADER
        leaders = key_leaders(self)
        return Actors(
            *(getattr(self, name) for name in Actors._fields[:13]),
            wider=wider,
            n_wider=int(wider.sum()),
            leaders=leaders,
            leader_sector=self.sector[leaders].astype(np.int64),
            similarity=leader_similarity(self),
            staff_profile=self.staff_profile,
        )

    def ties_record(self) -> Ties:
        """The network as the compiled month reads it (CSR arrays, block-diagonal across
        replicates, and each actor's weighted degree)."""
        return Ties(self.ties.indptr, self.ties.indices, self.ties.data, self.degree)


#: What changes month by month: per actor (R, N) and per replicate (R,) (see State).
StateRecord = namedtuple(
    "StateRecord",
    "status commitment trust expectation realised pending_value months_since engaged active "
    "signal used "
    "accumulated supports "
    "stage pending coupled ever_coupled consensus seated delivered delivery_months target capital "
    "open_last served_share taken seen alignment tension strain effort progress milestone staff "
    "staff_fed pace",
    module=__name__,
)

#: What is fixed for a run: the actors' drawn attributes (see State), the wider population
#: (residents; every non-leader where there are none) for outreach and stage 3, and the
#: key leaders with their sectors and the (R, L, L) similarity of their value profiles.
Actors = namedtuple(
    "Actors",
    "sector role eligible profile threshold floor resources burden exploiter "
    "anticipated tailoring ignorance backlash wider n_wider leaders leader_sector similarity "
    "staff_profile",
    module=__name__,
)

#: The network: CSR rows of the (R*N, R*N) tie matrix and each actor's weighted degree.
Ties = namedtuple("Ties", "indptr indices data degree", module=__name__)


def key_leaders(state: State) -> np.ndarray:
    """Indices of the key leaders (the same in every replicate; kept on the state)."""
    idx = state.extra.get("key_leaders")
    if idx is None:
        idx = state.extra["key_leaders"] = np.flatnonzero(state.role == KEY_LEADER)
    return idx


def leader_similarity(state: State) -> np.ndarray:
    """(R, L, L) cosine similarity of key leaders' value profiles (profiles are fixed for
    a run: computed once and kept on the state)."""
    sim = state.extra.get("leader_similarity")
    if sim is None:
        prof = state.profile[:, key_leaders(state), :].astype(np.float64)
        unit = prof / np.maximum(np.linalg.norm(prof, axis=2, keepdims=True), 1e-12)
        sim = state.extra["leader_similarity"] = unit @ unit.transpose(0, 2, 1)
    return sim


def sector_codes(scenario: Scenario) -> np.ndarray:
    counts = scenario.population.counts.as_tuple()
    return np.repeat(np.arange(4, dtype=np.int8), counts)


#: actors per chunk of the attribute draws
SETUP_CHUNK = 512


@njit(cache=True, nogil=True, parallel=loops())
def draw_actors(key, sector, alpha, attrs, out):
    """Each actor's attributes, drawn in compiled code on every core, from counter-based
    draws (:mod:`commonfuture.randomness`, purpose ``SETUP``): a pure function of the
    replicate's set-up key and the actor, whatever the thread count.

    ``alpha`` (4, 5): Dirichlet weights of each sector's value profiles; ``attrs`` (4, 6):
    per sector (row), the expectation's mean and sd, the threshold's mean and sd and the
    mean resources (columns 0-4); column 5 holds the floor's lower and upper bounds and
    the exploiter share (rows 0-2). ``out``: profile (N, 5), expectation, threshold,
    floor, resources, burden (N,) float32, exploiter (N,) bool. Counter words: (actor,
    1) two normals, (actor, 2) four uniforms, (actor, 16 + element) the gammas.
    """
    profile, expectation, threshold, floor, resources, burden, exploiter = out
    k0, k1 = key[0], key[1]
    floor_low, floor_high, share = attrs[0, 5], attrs[1, 5], attrs[2, 5]
    n = len(sector)
    chunks = (n + SETUP_CHUNK - 1) // SETUP_CHUNK  # small chunks: a costly loop, no sums
    for c in prange(chunks):
        lo, hi = c * SETUP_CHUNK, min(n, (c + 1) * SETUP_CHUNK)
        # the chunk's blocks first (the gammas' first attempts, then (actor, 1) and
        # (actor, 2)): loops of independent integer work the compiler vectorises
        words = np.empty((7, 4, SETUP_CHUNK), np.uint32)
        for b in range(7):
            counter = 16 + b if b < 5 else b - 4
            w_0, w_1, w_2, w_3 = words[b, 0], words[b, 1], words[b, 2], words[b, 3]
            for i in range(lo, hi):
                x0, x1, x2, x3 = philox(i, counter, SETUP, 0, k0, k1)
                w_0[i - lo] = x0
                w_1[i - lo] = x1
                w_2[i - lo] = x2
                w_3[i - lo] = x3
        g = np.empty(5, np.float64)
        for i in range(lo, hi):
            q = i - lo
            s = sector[i]
            # Dirichlet by normalised gammas
            total = 0.0
            for e in range(5):
                g[e] = gamma_from(
                    words[e, 0, q],
                    words[e, 1, q],
                    words[e, 2, q],
                    words[e, 3, q],
                    i,
                    16 + e,
                    alpha[s, e],
                    k0,
                    k1,
                )
                total += g[e]
            total = max(total, 1e-300)
            for e in range(5):
                profile[i, e] = np.float32(g[e] / total)
            w0, w1 = words[5, 0, q], words[5, 1, q]
            z_exp, z_thr = normal_pair(w0, w1)
            expectation[i] = np.float32(max(attrs[s, 0] + attrs[s, 1] * z_exp, 0.0))
            threshold[i] = np.float32(max(attrs[s, 2] + attrs[s, 3] * z_thr, 0.0))
            w0, w1, w2, w3 = words[6, 0, q], words[6, 1, q], words[6, 2, q], words[6, 3, q]
            floor[i] = np.float32(floor_low + (floor_high - floor_low) * unit64(w0))
            resources[i] = np.float32(-np.log(unit64(w1)) * attrs[s, 4])
            burden[i] = np.float32(2.0 * unit64(w2))
            exploiter[i] = unit64(w3) < share


def _one_replicate(scenario: Scenario, offer: Offer, sector: np.ndarray, rng):
    """Draw one replicate's actor attributes (compiled, on every core) and network."""
    pop = scenario.population
    n = len(sector)
    means = normalise(np.array([getattr(pop.profiles, s) for s in SECTORS], dtype=np.float64))
    alpha = np.maximum(means * pop.profile_concentration, 1e-3)
    attrs = np.zeros((4, 6), np.float64)
    for s in range(4):
        cit = s == CITIZEN
        attrs[s, :5] = (
            pop.expectation_mean,
            pop.expectation_sd,
            pop.threshold_mean if cit else pop.org_threshold_mean,
            pop.threshold_sd if cit else pop.org_threshold_sd,
            pop.citizen_resources if cit else pop.org_resources,
        )
    attrs[:3, 5] = (pop.floor_low, pop.floor_high, pop.exploiter_share)
    f32 = np.float32
    out = (
        np.empty((n, 5), f32),
        np.empty(n, f32),
        np.empty(n, f32),
        np.empty(n, f32),
        np.empty(n, f32),
        np.empty(n, f32),
        np.empty(n, np.bool_),
    )
    with sized(n, weight=16):  # five gammas and two blocks an actor
        pick(draw_actors, n, 16)(setup_key(rng), sector.astype(np.int64), alpha, attrs, out)
    ties = build_network(sector, scenario.network, rng)
    return (*out, ties, staff_profiles(scenario, int((sector != CITIZEN).sum()), rng))


def staff_profiles(scenario: Scenario, n_org: int, rng: np.random.Generator) -> np.ndarray:
    """(O, 5) float32: the mean value profile of each organisation's staff. One staff
    member's profile is Dirichlet around ``staff.profile`` with ``staff.concentration``;
    the mean of ``per_organisation`` of them is drawn as one Dirichlet with that many times
    the concentration (the same mean, and about the spread of a mean of that many:
    A-staff)."""
    staff = scenario.staff
    mean = normalise(np.asarray(staff.profile, np.float64))
    alpha = np.maximum(mean * staff.concentration * max(staff.per_organisation, 1), 1e-3)
    return rng.dirichlet(alpha, size=n_org).astype(np.float32)


@njit(cache=True, nogil=True, parallel=loops())
def row_sums(indptr, data, out):
    """Each row's sum of weights (the weighted degree), in stored order, in float32."""
    n = len(out)
    chunks = n_chunks(n)
    for c in prange(chunks):
        lo, hi = bounds(c, n)
        for i in range(lo, hi):
            s = np.float32(0.0)
            for k in range(indptr[i], indptr[i + 1]):
                s += data[k]
            out[i] = s


@njit(cache=True, nogil=True, parallel=loops())
def appraise(
    profile,
    plain,
    plain32,
    value_sums,
    offer_norms,
    cost,
    public_share,
    ignorance_rate,
    backlash_rate,
    fit,
    anticipated,
    tailoring,
    ignorance,
    backlash,
):
    """What each actor makes of each proposition, at set-up ((R, N, P) float32 each,
    written in place), chunk by chunk on every core:

    - ``fit``: the offer as it is, before any adaptation (``plain`` its product ``p.v`` in
      float64, ``value_sums`` each offer's ``|v|``);
    - ``anticipated``: its promise, what it offers after the actor's values less its cost;
    - ``tailoring``: what adapting the offer wholly to the actor's values adds to the
      promise (A-adaptation, :func:`commonfuture.leadership.tailored_fit`: the promise at
      alignment ``a`` is ``anticipated + a * tailoring``);
    - ``ignorance``: the loss an offer that misses what the actor values brings
      (``ignorance_rate`` times :func:`commonfuture.value.misfit`; ``plain32`` its float32
      product, ``offer_norms`` the offers' norms);
    - ``backlash``: public goals imposing private costs on users who weigh public value
      little (``backlash_rate`` times the shortfall of the actor's public weight below a
      fifth, times the offer's public share).

    Each number is the one the numpy expressions of those functions give: the same
    operations in the same precision and order."""
    r_n, n, n_el = profile.shape
    p_n = plain.shape[2]
    ign = np.float32(ignorance_rate)
    back = np.float32(backlash_rate)
    fifth, five = np.float32(1.0 / N_ELEMENTS), np.float32(N_ELEMENTS)
    zero, one, tiny = np.float32(0.0), np.float32(1.0), np.float32(1e-12)
    chunks = n_chunks(n)
    for t in prange(r_n * chunks):
        r = t // chunks
        lo, hi = bounds(t % chunks, n)
        for i in range(lo, hi):
            # the profile's squared norm in float64 (fit) and in float32 (misfit), the
            # elements added in order
            q = profile[r, i, 0]
            d = np.float64(q)
            own = d * d
            sq = q * q
            for e in range(1, n_el):
                q = profile[r, i, e]
                d = np.float64(q)
                own += d * d
                sq += q * q
            norm = np.sqrt(sq)
            low_public = max(fifth - profile[r, i, PUBLIC], zero) * five
            for j in range(p_n):
                f = np.float32(plain[r, i, j])
                fit[r, i, j] = f
                anticipated[r, i, j] = f - cost[j]
                tailoring[r, i, j] = np.float32(own * value_sums[j] - plain[r, i, j])
                cos = plain32[r, i, j] / max(norm * offer_norms[j], tiny)
                ignorance[r, i, j] = ign * (one - cos)
                backlash[r, i, j] = back * (low_public * public_share[j])


def block_diagonal(mats: list[sp.csr_matrix], n: int) -> sp.csr_matrix:
    """The (R*N, R*N) block-diagonal CSR matrix of R (N, N) CSR matrices with sorted
    rows, by concatenating their arrays (what ``scipy.sparse.block_diag`` gives, without
    its coordinate round trip)."""
    r = len(mats)
    total = sum(m.nnz for m in mats)
    index = np.int32 if total < 2**31 else np.int64
    indptr = np.empty(r * n + 1, index)
    indices = np.empty(total, np.int32 if r * n < 2**31 else np.int64)
    data = np.empty(total, np.float32)
    at = 0
    for k, m in enumerate(mats):
        indptr[k * n : (k + 1) * n] = m.indptr[:-1] + at
        indices[at : at + m.nnz] = m.indices + k * n
        data[at : at + m.nnz] = m.data
        at += m.nnz
    indptr[-1] = at
    mat = sp.csr_matrix((data, indices, indptr), shape=(r * n, r * n))
    mat.has_sorted_indices = True
    mat.has_canonical_format = True
    return mat


def build_state(scenario: Scenario, rngs: list[np.random.Generator], offer: Offer) -> State:
    """The month-0 state of ``len(rngs)`` replicates: key leaders committed, all else outside."""
    sector = sector_codes(scenario)
    n = len(sector)
    r = len(rngs)
    leaders = np.zeros(n, bool)
    start = 0
    for s, count in enumerate(scenario.population.counts.as_tuple()):
        k = scenario.leadership.key_leaders.as_tuple()[s]
        leaders[start : start + k] = True
        start += count
    role = np.where(leaders, KEY_LEADER, np.where(sector == CITIZEN, EXTERNAL_USER, NETWORK_ACTOR))
    role = role.astype(np.int8)
    eligible = np.take(offer.eligible, sector, axis=0)  # (N, P) (indexing with [] is slow)

    draws = [_one_replicate(scenario, offer, sector, g) for g in rngs]

    def stacked(k: int) -> np.ndarray:
        """Replicates side by side; a view, not a copy, for a single replicate."""
        if r == 1:
            return draws[0][k][None, ...]
        return np.stack([d[k] for d in draws])

    profile = stacked(0)
    f32 = stacked
    ties_list = [d[7] for d in draws]
    n_org = int((sector != CITIZEN).sum())
    ties = block_diagonal(ties_list, n) if r > 1 else ties_list[0]
    ties.indices = ties.indices.astype(np.int32, copy=False)
    degree = np.empty(r * n, np.float32)
    with sized(r * n):
        pick(row_sums, r * n)(ties.indptr, ties.data, degree)
    degree = degree.reshape(r, n)

    lev = scenario.leadership
    dest = scenario.destruction
    fits, anticipated, tailoring, ignorance, backlash = (
        np.empty((r, n, offer.n), np.float32) for _ in range(5)
    )
    value = np.asarray(offer.value, np.float64)
    with sized(r * n):
        pick(appraise, r * n)(
            profile,
            products(profile, value),  # in float64, as tailored_fit has it
            products(profile, offer.value),  # as misfit has it
            value.sum(axis=1),
            np.linalg.norm(offer.value, axis=-1),
            offer.cost,
            offer.public_share,
            dest.ignorance,
            dest.backlash,
            fits,
            anticipated,
            tailoring,
            ignorance,
            backlash,
        )

    status = np.zeros((r, n), np.int8)
    at = np.flatnonzero(leaders)  # the few leaders by index (a mask walks every actor)
    status[:, at] = 1
    commitment = np.zeros((r, n), np.float32)
    trust = np.zeros((r, n), np.float32)
    commitment[:, at] = lev.leader_commitment
    trust[:, at] = lev.leader_trust

    return State(
        sector=sector,
        role=role,
        eligible=eligible,
        profile=profile,
        expectation=f32(1),
        threshold=f32(2),
        floor=f32(3),
        resources=f32(4),
        burden=f32(5),
        exploiter=stacked(6),
        fit=fits,
        anticipated=anticipated,
        tailoring=tailoring,
        ignorance=ignorance,
        backlash=backlash,
        ties=ties,
        degree=degree,
        ties_per_replicate=[n_ties(t) for t in ties_list],
        status=status,
        commitment=commitment,
        trust=trust,
        realised=np.zeros((r, n), np.float32),
        pending_value=np.zeros((r, n), np.float32),
        months_since=np.zeros((r, n), np.int16),
        engaged=np.zeros((r, n), np.int16),
        active=np.zeros((r, n), bool),
        signal=np.zeros((r, n), np.float32),
        used=np.zeros((r, n), np.uint16),
        accumulated=np.zeros((r, n, N_ELEMENTS), np.float32),
        supports=np.zeros((r, n), bool),
        stage=np.zeros(r, np.int8),
        pending=np.zeros(r, np.int16),
        coupled=np.zeros(r, bool),
        ever_coupled=np.zeros(r, bool),
        consensus=np.zeros(r, np.float64),
        seated=np.zeros(r, np.int64),
        delivered=np.zeros(r, np.float64),
        delivery_months=np.zeros(r, np.int64),
        target=np.zeros(r, np.float64),
        capital=np.zeros(r, np.float64),
        open_last=np.zeros((r, offer.n), bool),
        served_share=np.ones((r, offer.n), np.float32),
        taken=np.zeros((r, offer.n), np.float64),
        seen=np.zeros(r, np.int64),
        alignment=np.zeros((r, 4), np.float64),
        tension=np.zeros((r, N_PAIRS), np.float64),
        strain=np.zeros((r, 4), np.float32),
        effort=np.zeros((r, 4), np.float64),
        progress=np.zeros((r, n), np.float32),
        milestone=np.zeros((r, n), np.float32),
        staff_profile=stacked(8),
        staff=np.where(status[:, :n_org] == 1, np.float32(scenario.staff.initial), 0).astype(
            np.float32
        ),
        staff_fed=np.zeros((r, n_org), np.float32),
        pace=np.ones(r, np.float64),
    )
