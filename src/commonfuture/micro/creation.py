"""Sub-step 4, the value creation link (micro).

"Individual actors make use of the services or products in different approaches
to create diversified private value for themselves."

Each member, with probability ``use_rate`` a month, uses the open proposition
that promises it most (if the promise is positive); over-subscribed
propositions are rationed by lottery (the ``capacity`` candidates with the lowest
lottery draws are served). A use creates value per element

    created_e = profile_e * ((1 - alignment) value_e + alignment |value| profile_e)

(the multi-win: each actor draws from an offer what it values; the alignment the
leaders built by engaging the user's group adapts the offer's mix towards what the
actor values, A-adaptation, :mod:`commonfuture.leadership.actions`), costs the user
the proposition's ``cost``, and loses value to four named mechanisms of value
destruction (Cui & Osborne 2023):

* ignorance: the offer ignores the user's values, ``ignorance * (1 - alignment) * misfit``;
* disproportion: costs fall out of proportion, ``disproportion * strain *
  cost * max(burden - 1, 0)``;
* backlash: a public goal imposes private costs on users who weigh public value
  little, ``backlash * strain * public_share * low_public``;
* exploitation: exploiters take a share ``exploitation * strain * q`` of
  others' created value, q the exploiters' share of members; it is transferred to
  the exploiters, and counted as lost by its creators.

``alignment`` is the user's group's alignment and ``strain`` the largest open tension
its group is in (:mod:`commonfuture.leadership.tensions`): disproportion, backlash and
exploitation are consequences of conflicts left open (A-tension), not of weak levers.

Each loss falls on the levels of value (assumption A-levels, ``levels.<kind>``:
shares over the individual, the service system and the community; by default
ignorance half on the user and half on the service system, whose resources an
offer that ignores its users wastes; disproportion and backlash half on the user
and half on the community, whose trust in a fair public programme they erode;
exploitation wholly on the user). The user bears its individual share: realised
private value = created - cost - the individual shares of the losses + noise.
Exploiters gain what is taken from individuals. Negative realised value is value
destroyed. Holders of a holding proposition (a share) receive
its return on its payment months, valued after their profile and free of losses.
A linked return (``holding.linked``, the default) comes from generation: the
planned return times what the holdings generated towards the target since the
last payment relative to plan (the payment period's generation factor, drawn per
replicate, mean 1), at most ``holding.cap``; an unlinked return is fixed.
Value created accrues to the three levels after ``levels.<element>`` (by default
satisfaction and experience to the individual, outcomes half to the individual
and half to the community, capacity half to the individual and half to the
service system, public value to the community); value per level is net of the
losses that fall on it, and can be negative.
Uses advance the long-term target by ``target_yield``; holdings by what they
generate, ``target_yield`` times the month's generation factor.

Key leaders hold the shared target ("the basic consensus about the shared
targets"): each month they count ``leadership.leader_stake`` of the month's net
community value (created at the community level minus the losses that fall on
it), shared among them, as their own private value (assumption A-leader-stake);
a month that destroys community value costs them. A collaboration that delivers
community value keeps its leaders; one that does not loses them.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit, prange

from commonfuture.leadership import adapted
from commonfuture.micro.proposition import Offered
from commonfuture.parallel import CHUNK, bounds, loops, n_chunks
from commonfuture.parameters import params
from commonfuture.population import State
from commonfuture.propositions import Offer
from commonfuture.randomness import NOISE, RATION, USE, given, normal_from, philox
from commonfuture.scenario.schema import Scenario
from commonfuture.value import CAPACITY, COMMUNITY

#: What the creation link did this month.
#: ``users``: flat indices (into R*N) of the actors who used a proposition, ascending;
#: ``choice``: the proposition each used; ``values`` (K, 5): value each use created per
#: element; ``realised``: net realised private value of each use; ``uptake`` (R, P): uses
#: per proposition; ``created`` (R, 5): value created per element (holding returns
#: included); ``losses`` (R, 4): value lost per kind of destruction; ``lost`` (R, 3): value
#: lost at each level (individual, service system, community; the individual's net of what
#: exploiters gained); ``destroyed`` (R,):
#: sum of negative realised value; ``realised_total`` (R,): realised value over uses;
#: ``spent`` (R,): GBP drawn from the pool; ``paid``: a holding paid a return this month;
#: ``holders_paid`` (R, N) bool: the holders who received one (only where ``paid``);
#: ``target`` (R,): target units advanced this month.
Created = namedtuple(
    "Created",
    "users choice values realised uptake created losses lost destroyed realised_total spent "
    "paid holders_paid target",
    module=__name__,
)


def holding_due(offer: Offer, month: int) -> np.ndarray:
    """(P,) bool: holding propositions paying a return this month."""
    every = offer.holding_every
    since = month - offer.start
    return (
        (every > 0)
        & (since > 0)
        & (since % np.maximum(every, 1) == 0)
        & (month < offer.holding_until)
    )


#: uses valued per block of :func:`use_values` (whole chunks): the block's losses are
#: summed while they are still in cache
USE_BLOCK = 4 * CHUNK

#: lottery keys per block of the selection's histogram
SELECT_BLOCK = 65_536

#: actors per block of the candidates' pass: a block without members is passed over
MEMBER_BLOCK = 64


@njit(cache=True, nogil=True, parallel=loops())
def kth_smallest(keys, rank):
    """The ``rank``-th smallest (0-based) of distinct ``keys``, on every core: each block of
    keys counts its keys by their top 16 bits, the counts find the bin holding the
    rank, and only that bin's keys are ranked (the same value as a selection over
    all the keys; integer counts, so the blocks' order does not matter)."""
    m = len(keys)
    if m <= SELECT_BLOCK:
        return np.partition(keys, rank)[rank]
    blocks = (m + SELECT_BLOCK - 1) // SELECT_BLOCK
    shift = np.uint64(48)
    hist = np.zeros((blocks, 65_536), np.int32)
    for b in prange(blocks):
        for k in range(b * SELECT_BLOCK, min(m, (b + 1) * SELECT_BLOCK)):
            hist[b, np.int64(keys[k] >> shift)] += 1
    below = 0
    bin_ = 0
    for h in range(65_536):
        count = 0
        for b in range(blocks):
            count += hist[b, h]
        if below + count > rank:
            bin_ = h
            break
        below += count
    at = np.zeros(blocks + 1, np.int64)
    for b in range(blocks):
        at[b + 1] = at[b] + hist[b, bin_]
    inside = np.empty(at[blocks], np.uint64)
    for b in prange(blocks):
        w = at[b]
        for k in range(b * SELECT_BLOCK, min(m, (b + 1) * SELECT_BLOCK)):
            if np.int64(keys[k] >> shift) == bin_:
                inside[w] = keys[k]
                w += 1
    return np.partition(inside, rank - below)[rank - below]


@njit(cache=True, nogil=True, parallel=loops())
def choose(p, actors, state, offer, offered, u_use, u_ration):
    """Who uses which proposition this month, after rationing.

    A member uses with probability ``use_rate`` the open, eligible, not-yet-used
    proposition with the best promise (the first of equals), if that promise is
    positive. Where demand exceeds capacity the ``capacity`` candidates with the
    lowest lottery draws are served (ties: the lower actor index); those turned away
    are marked (``state.active``): the month counts in their cycle with nothing realised.
    The share of seekers served is kept per proposition (``state.served_share``), for
    outside actors weighing whether they could be served.

    Each pass runs chunk by chunk of actors (replicates x chunks, on every core): a
    chunk lists its seekers (with their choices) in its own slice, in actor order; the
    lottery's keys and the users' list are laid out by the chunks' counts in chunk
    order, so they come out as one pass in actor order would make them.

    Returns (users: flat indices r * N + i, ascending; their propositions; offsets
    (R + 1,) of each replicate's users; uptake (R, P); members (R,); exploiting
    members (R,)); the counts only for replicates with an open proposition.
    """
    status, used, bits, active = state.status, state.used, offer.bits, state.active
    is_open, capacity = offered.open, offered.capacity
    r_n, n = status.shape
    p_n = bits.shape[0]
    chunks = n_chunks(n)
    tasks = r_n * chunks
    bits_of = u_ration.view(np.uint32)
    live = np.zeros(r_n, np.bool_)  # replicates with an open proposition
    for r in range(r_n):
        for j in range(p_n):
            live[r] |= is_open[r, j]
    # a chunk's seekers (then its users) and their choices, from the chunk's first slot
    seeker = np.empty((r_n, n), np.int32)
    pick = np.empty((r_n, n), np.int8)
    heads = np.zeros((tasks, 4), np.int64)  # per chunk: members, exploiters, seekers, users
    demand_t = np.zeros((tasks, p_n), np.int64)  # per chunk: seekers of each proposition
    for t in prange(tasks):  # each candidate's choice
        ra = t // chunks
        if not live[ra]:
            continue
        lo, hi = bounds(t % chunks, n)
        m = 0
        e = 0
        k = lo
        for b in range(lo, hi, MEMBER_BLOCK):  # blocks without members skipped at a glance
            b_hi = min(hi, b + MEMBER_BLOCK)
            any_member = False
            for i in range(b, b_hi):
                any_member |= status[ra, i] == 1
            if not any_member:
                continue
            for i in range(b, b_hi):  # without branches: store always, advance for candidates
                member = status[ra, i] == 1
                m += member
                e += member & actors.exploiter[ra, i]
                seeker[ra, k] = i
                k += member & (u_use[ra, i] < p.use_rate)
        s = lo
        for q in range(lo, k):
            i = seeker[ra, q]
            best = -np.inf
            arg = -1
            aligned = np.float32(state.alignment[ra, actors.sector[i]])
            for ja in range(p_n):
                if is_open[ra, ja] and actors.eligible[i, ja] and (used[ra, i] & bits[ja]) == 0:
                    promise = actors.anticipated[ra, i, ja] + aligned * actors.tailoring[ra, i, ja]
                    if promise > best:
                        best = promise
                        arg = ja
            if best > 0:
                seeker[ra, s] = i
                pick[ra, s] = arg
                demand_t[t, arg] += 1
                s += 1
        heads[t, 0] = m
        heads[t, 1] = e
        heads[t, 2] = s - lo
    members = np.zeros(r_n, np.int64)
    exploiters = np.zeros(r_n, np.int64)
    uptake = np.zeros((r_n, p_n), np.int64)
    over = np.zeros((r_n, p_n), np.bool_)  # over-subscribed: rationed by lottery
    served = np.zeros((r_n, p_n), np.int64)
    first_key = np.zeros((r_n, p_n), np.int64)  # where its lottery keys start
    wanted = np.zeros((r_n, p_n), np.int64)  # its seekers, before the lottery
    key_at = np.zeros((tasks, p_n), np.int64)  # where a chunk's keys start
    n_keys = 0
    for r in range(r_n):
        if not live[r]:
            continue
        demand = np.zeros(p_n, np.int64)
        for c in range(chunks):
            t = r * chunks + c
            members[r] += heads[t, 0]
            exploiters[r] += heads[t, 1]
            for j in range(p_n):
                demand[j] += demand_t[t, j]
        for j in range(p_n):
            # what seekers learn of the offer: the share of them served (A-served)
            if demand[j] > 0:
                state.served_share[r, j] = np.float32(
                    min(np.float64(demand[j]), capacity[r, j]) / np.float64(demand[j])
                )
            if demand[j] > capacity[r, j]:
                over[r, j] = True
                s = 0
                while s < demand[j] and s < capacity[r, j]:
                    s += 1
                served[r, j] = s
                wanted[r, j] = demand[j]
                first_key[r, j] = n_keys
                for c in range(chunks):
                    key_at[r * chunks + c, j] = n_keys
                    n_keys += demand_t[r * chunks + c, j]
                demand[j] = s
            uptake[r, j] = demand[j]
    cut = np.zeros((r_n, p_n), np.uint64)
    if n_keys > 0:
        # served: the `capacity` lowest (draw, actor) keys; a float32 >= 0 orders as its
        # bit pattern, so a key is (draw bits << 32) | actor
        keys = np.empty(n_keys, np.uint64)
        for t in prange(tasks):
            rb = t // chunks
            lo = (t % chunks) * CHUNK
            for q in range(lo, lo + heads[t, 2]):
                jb = pick[rb, q]
                if over[rb, jb]:
                    word = np.uint64(bits_of[rb, seeker[rb, q]])
                    keys[key_at[t, jb]] = (word << np.uint64(32)) | np.uint64(seeker[rb, q])
                    key_at[t, jb] += 1
        for r in range(r_n):
            for j in range(p_n):
                if over[r, j] and served[r, j] > 0:
                    # the served-th smallest key, by selection (no full sort)
                    s = served[r, j]
                    block = keys[first_key[r, j] : first_key[r, j] + wanted[r, j]]
                    cut[r, j] = kth_smallest(block, s - 1)
        for t in prange(tasks):  # the refused leave the chunk's list
            rc = t // chunks
            lo = (t % chunks) * CHUNK
            kc = lo
            for q in range(lo, lo + heads[t, 2]):
                i = seeker[rc, q]
                jc = pick[rc, q]
                if over[rc, jc]:
                    key = (np.uint64(bits_of[rc, i]) << np.uint64(32)) | np.uint64(i)
                    if served[rc, jc] == 0 or key > cut[rc, jc]:
                        # sought its value target and was turned away: the month counts
                        # in its cycle, with nothing realised (A-evaluation)
                        active[rc, i] = True
                        continue
                seeker[rc, kc] = i
                pick[rc, kc] = jc
                kc += 1
            heads[t, 3] = kc - lo
    else:
        for t in range(tasks):
            heads[t, 3] = heads[t, 2]
    offsets = np.zeros(r_n + 1, np.int64)
    user_at = np.zeros(tasks, np.int64)
    k_users = 0
    for t in range(tasks):
        r = t // chunks
        if t % chunks == 0:
            offsets[r] = k_users
        user_at[t] = k_users
        k_users += heads[t, 3]
    offsets[r_n] = k_users
    users = np.empty(k_users, np.int64)
    chosen = np.empty(k_users, np.int64)
    for t in prange(tasks):  # the users' list, each chunk its own slice
        rd = t // chunks
        lo = (t % chunks) * CHUNK
        at = user_at[t] - lo
        for q in range(lo, lo + heads[t, 3]):
            users[at + q] = rd * n + seeker[rd, q]
            chosen[at + q] = pick[rd, q]
    return users, chosen, offsets, uptake, members, exploiters


@njit(cache=True, nogil=True, parallel=loops())
def use_values(p, actors, state, offer, draws, users, chosen, offsets, members, exploiters, month):
    """Value created, lost and realised by each use (``users`` as :func:`choose` gives).

    Each loss falls on the levels after ``p.loss_levels`` (4, 3); the user bears the
    individual shares; exploiters gain what is taken from individuals.

    Each replicate's uses are valued chunk by chunk on every core (each use's value,
    losses and noise depend on that use alone); the replicate's sums then run over the
    uses in order on one thread, reading what the chunks wrote, so they add up in the
    same order whatever the thread count.

    Returns (value per element of each use (K, 5) float32, realised value of each use,
    value created per element (R, 5), losses (R, 4), lost per level (R, 3), destroyed
    (R,), realised (R,)).
    """
    profile, exploiter = actors.profile, actors.exploiter
    at = p.loss_levels
    disp, take_rate = p.disproportion_rate, p.exploitation_rate
    alignment, strain = state.alignment, state.strain
    accumulated, staff, staff_fed = state.accumulated, state.staff, state.staff_fed
    staff_profile = actors.staff_profile
    n_org = staff.shape[1]
    noise = p.noise
    n = profile.shape[1]
    keys = draws.keys
    r_n = len(offsets) - 1
    n_el = profile.shape[2]
    k_users = len(users)
    vec = np.empty((k_users, n_el), np.float32)
    realised = np.empty(k_users, np.float64)
    z = np.empty(k_users, np.float32)
    # a block's losses of each use (ignorance, backlash; disproportion, exploitation),
    # for its sums in order: reused block after block, read back while still in cache
    block = min(k_users, USE_BLOCK)
    l_ib = np.empty((block, 2), np.float32)
    l_de = np.empty((block, 2), np.float64)
    expl = np.empty(k_users, np.bool_)
    created_e = np.zeros((r_n, n_el), np.float64)
    losses = np.zeros((r_n, 4), np.float64)
    lost = np.zeros((r_n, 3), np.float64)
    destroyed = np.zeros(r_n, np.float64)
    total = np.zeros(r_n, np.float64)
    one, zero = np.float32(1.0), np.float32(0.0)
    for r in range(r_n):
        first, last = offsets[r], offsets[r + 1]
        if first == last:
            continue
        q = exploiters[r] / max(members[r], 1) if members[r] > 0 else 0.0
        take = take_rate * q
        drawn = keys.shape[0] > 0
        k0 = keys[r, 0] if drawn else np.uint64(0)
        k1 = keys[r, 1] if drawn else np.uint64(0)
        taken = 0.0
        n_expl = 0.0
        # the sums in registers (the same additions in the same order as into the arrays)
        lost0 = lost1 = lost2 = 0.0
        c0 = c1 = c2 = c3 = c4 = 0.0
        s_ign = s_disp = s_back = s_expl = 0.0
        for b0 in range(first, last, USE_BLOCK):
            b1 = min(last, b0 + USE_BLOCK)
            for c in prange(n_chunks(b1 - b0)):  # each use on its own, on every core
                lo, hi = bounds(c, b1 - b0)
                for k in range(b0 + lo, b0 + hi):
                    i = users[k] - r * n
                    j = chosen[k]
                    g = actors.sector[i]
                    align = np.float32(alignment[r, g])  # how far the group was engaged
                    s = strain[r, g]  # the largest open tension the user's group is in
                    # capacity built earlier raises what the user can create now, and an
                    # organisation delivers as far as its staff are engaged (A-elements,
                    # A-staff)
                    built = accumulated[r, i, CAPACITY]
                    scale = one + p.capacity_gain * built / (built + p.element_half)
                    org = i < n_org
                    if org:
                        scale *= one - p.staff_reliance * (one - staff[r, i])
                    created = zero
                    got = zero
                    for e in range(n_el):
                        offered = adapted(
                            offer.value[j, e], offer.value_total[j], profile[r, i, e], align
                        )
                        vec[k, e] = scale * profile[r, i, e] * offered
                        created += vec[k, e]
                        if org:
                            got += staff_profile[r, i, e] * offered
                    if org:  # what the organisation's staff got from the use
                        staff_fed[r, i] = got
                    l_ign = actors.ignorance[r, i, j] * (one - align)
                    l_back = actors.backlash[r, i, j] * s
                    l_disp = (disp * s * offer.cost[j]) * max(actors.burden[r, i] - one, zero)
                    ex = exploiter[r, i]
                    l_expl = 0.0 if ex else take * np.float64(s) * np.float64(created)
                    lv = (
                        at[0, 0] * l_ign + at[1, 0] * l_disp + at[2, 0] * l_back + at[3, 0] * l_expl
                    )
                    realised[k] = np.float64(created - offer.cost[j]) - lv
                    l_ib[k - b0, 0] = l_ign
                    l_ib[k - b0, 1] = l_back
                    l_de[k - b0, 0] = l_disp
                    l_de[k - b0, 1] = l_expl
                    expl[k] = ex
            for k in range(b0, b1):  # the block's sums, in the uses' order
                l_ign, l_back = l_ib[k - b0, 0], l_ib[k - b0, 1]
                l_disp, l_expl = l_de[k - b0, 0], l_de[k - b0, 1]
                n_expl += expl[k]
                lost0 += (
                    at[0, 0] * l_ign + at[1, 0] * l_disp + at[2, 0] * l_back + at[3, 0] * l_expl
                )
                lost1 += (
                    at[0, 1] * l_ign + at[1, 1] * l_disp + at[2, 1] * l_back + at[3, 1] * l_expl
                )
                lost2 += (
                    at[0, 2] * l_ign + at[1, 2] * l_disp + at[2, 2] * l_back + at[3, 2] * l_expl
                )
                taken += at[3, 0] * l_expl  # what exploiters take from individuals
                c0 += vec[k, 0]
                c1 += vec[k, 1]
                c2 += vec[k, 2]
                c3 += vec[k, 3]
                c4 += vec[k, 4]
                s_ign += l_ign
                s_disp += l_disp
                s_back += l_back
                s_expl += l_expl
        lost[r, 0], lost[r, 1], lost[r, 2] = lost0, lost1, lost2
        created_e[r, 0], created_e[r, 1], created_e[r, 2] = c0, c1, c2
        created_e[r, 3], created_e[r, 4] = c3, c4
        losses[r, 0], losses[r, 1], losses[r, 2], losses[r, 3] = s_ign, s_disp, s_back, s_expl
        if drawn:  # each use's noise, chunk by chunk on every core: the chunk's blocks of
            # random words first (a loop the compiler vectorises), then the normals
            for c in prange(n_chunks(last - first)):
                lo, hi = bounds(c, last - first)
                w0s = np.empty(hi - lo, np.uint32)
                w1s = np.empty(hi - lo, np.uint32)
                for q in range(lo, hi):
                    w0, w1, _, _ = philox(users[first + q] - r * n, month, NOISE, 0, k0, k1)
                    w0s[q - lo] = w0
                    w1s[q - lo] = w1
                for q in range(lo, hi):
                    z[first + q] = normal_from(w0s[q - lo], w1s[q - lo])
        else:
            for u in range(first, last):
                z[u] = draws.z_noise[r, users[u] - r * n]
        gain = taken / max(n_expl, 1.0)
        if n_expl > 0:  # taken from individuals, gained by individuals: not destroyed
            lost[r, 0] = max(lost[r, 0] - taken, 0.0)
        s_destroyed = 0.0
        s_total = 0.0
        for u in range(first, last):
            g = gain if expl[u] else 0.0
            realised[u] = realised[u] + g + np.float64(noise * z[u])
            s_destroyed += max(-realised[u], 0.0)
            s_total += realised[u]
        destroyed[r] = s_destroyed
        total[r] = s_total
    return vec, realised, created_e, losses, lost, destroyed, total


@njit(cache=True, nogil=True)
def return_factor(offer, generation, r, j):
    """Share of its planned return holding ``j`` pays in replicate ``r`` this month: linked,
    what the holdings generated since the last payment relative to plan (``generation``,
    the payment period's factor), at most ``cap``; unlinked, 1 (a fixed return)."""
    if offer.holding_linked[j]:
        return min(generation[r, j], offer.holding_cap[j])
    return 1.0


@njit(cache=True, nogil=True)
def pay_holdings(actors, state, offer, due, generation, created_e):
    """Returns on the holdings paying this month (``due``, (P,) bool) to the members who
    hold them, valued after each holder's profile and free of losses; a linked return is
    the planned one times :func:`return_factor` (``generation`` (R, P): the month's
    generation as a multiple of plan). Money paid is tangible at once: added to the
    holders' realised and accumulated value (and marks them as having taken part this
    month), and to ``created_e``. Returns the (R, N) mask of holders paid."""
    status, used, bits, profile = state.status, state.used, offer.bits, actors.profile
    holding_value = offer.holding_value
    r_n, n = status.shape
    p, n_el = holding_value.shape
    paid = np.zeros((r_n, n), np.bool_)
    due_bits = np.uint16(0)
    for j in range(p):
        if due[j]:
            due_bits |= bits[j]
    ret = np.zeros(n_el, np.float32)
    factor = np.ones(p, np.float32)
    for r in range(r_n):
        total = np.zeros(n_el, np.float64)
        for j in range(p):
            if due[j]:
                factor[j] = np.float32(return_factor(offer, generation, r, j))
        for i in range(n):
            if status[r, i] != 1 or (used[r, i] & due_bits) == 0:
                continue
            paid[r, i] = True
            ret[:] = 0.0
            for j in range(p):
                if due[j] and (used[r, i] & bits[j]) != 0:
                    for e in range(n_el):
                        ret[e] += factor[j] * holding_value[j, e]
            got = np.float32(0.0)
            for e in range(n_el):
                h = profile[r, i, e] * ret[e]
                total[e] += h
                got += h
                state.accumulated[r, i, e] += h
            state.realised[r, i] += got
            state.progress[r, i] += got  # a return paid: progress in its own chain
            state.active[r, i] = True
        for e in range(n_el):
            created_e[r, e] += total[e]
    return paid


@njit(cache=True, nogil=True, parallel=loops())
def book_uses(p, state, offer, users, chosen, vec, realised):
    """Credit each use to its user: value per element; the realised value of the
    elements felt at once (``p.tangible``), the rest pending until a milestone of its chain
    (A-tangible); once-propositions used; the user took part this month. ``users`` index
    the state flat over replicates and actors; each user has one use a month, so chunks
    of uses run on every core without touching each other's users."""
    r_n, n = state.status.shape
    n_el = vec.shape[1]
    tangible_now = state.realised.reshape(-1)
    pending = state.pending_value.reshape(-1)
    active = state.active.reshape(-1)
    accumulated = state.accumulated.reshape(r_n * n, n_el)
    used = state.used.reshape(-1)
    progress = state.progress.reshape(-1)
    milestone = state.milestone.reshape(-1)
    k_users = len(users)
    for c in prange(n_chunks(k_users)):
        lo, hi = bounds(c, k_users)
        for k in range(lo, hi):
            a = users[k]
            j = chosen[k]
            later = np.float32(0.0)
            made = np.float32(0.0)
            for e in range(n_el):
                accumulated[a, e] = accumulated[a, e] + vec[k, e]
                made += vec[k, e]
                if (p.tangible >> e) & 1 == 0:
                    later += vec[k, e]
            tangible_now[a] += np.float32(realised[k]) - later
            pending[a] += later
            # its own chain: what it created counts towards its next milestone, which the
            # proposition it uses sets when none is set (A-milestone)
            progress[a] += made
            if milestone[a] == 0:
                milestone[a] = offer.milestone[j]
            active[a] = True
            if offer.once[j]:
                used[a] |= offer.bits[j]


@njit(cache=True, nogil=True)
def community_value(p, created_e, lost, r):
    """Replicate ``r``'s net community value this month: value created per element
    (``created_e`` (R, 5)) at the community's shares, minus the losses that fell on the
    community (``lost`` (R, 3))."""
    v = 0.0
    for e in range(created_e.shape[1]):
        v += p.value_levels[e, COMMUNITY] * created_e[r, e]
    return v - lost[r, COMMUNITY]


@njit(cache=True, nogil=True)
def settle(p, actors, state, offer, uptake, created_e, lost, month, generation):
    """The month's accounts, per replicate: GBP spent from the pool and raised from users,
    target units advanced, and the key leaders' stake in community value.

    Target: uses of ordinary propositions, plus what every holding ever bought generated
    (``target_yield`` times the month's generation factor, ``generation`` (R, P); panels
    generate whatever the holder does, A-holding-target). Key leaders hold the shared
    target: the committed ones share ``stake`` of this month's net community value
    (:func:`community_value`; negative when the month destroyed community value) as their
    own private value (assumption A-leader-stake). Where the leaders are coupled and the
    stage lets the propositions be offered (stage >= 1), the month's net community value
    is recorded as delivered, for the leaders' judgement at their next review
    (:func:`commonfuture.macro.coupling.judge`). Returns (spent, target) (R,) each.
    """
    used, status, leaders, bits = state.used, state.status, actors.leaders, offer.bits
    unit_cost, price, target_yield = offer.unit_cost, offer.price, offer.target_yield
    holding_every, stake = offer.holding_every, p.leader_stake
    r_n, n = used.shape
    p_n = len(unit_cost)
    spent = np.zeros(r_n, np.float64)
    target = np.zeros(r_n, np.float64)
    holding_bits = np.uint16(0)
    for j in range(p_n):
        if holding_every[j] > 0 and offer.start[j] < month:
            holding_bits |= bits[j]
    for r in range(r_n):
        raised = 0.0
        for j in range(p_n):
            spent[r] += uptake[r, j] * unit_cost[j]
            raised += uptake[r, j] * price[j]
            # the leaders' steering directs the work to where it advances the target most
            steered = target_yield[j] * (1.0 + p.steer_gain * state.effort[r, 3])
            target[r] += uptake[r, j] * (0.0 if holding_every[j] > 0 else steered)
        state.capital[r] += raised
        if holding_bits:
            holders = np.zeros(p_n, np.int64)
            for i in range(n):
                held = used[r, i] & holding_bits
                if held:
                    for j in range(p_n):
                        holders[j] += (held & bits[j]) != 0
            for j in range(p_n):
                if (holding_bits & bits[j]) != 0:
                    target[r] = target[r] + holders[j] * target_yield[j] * generation[r, j]
        state.target[r] += target[r]
        community = community_value(p, created_e, lost, r)
        if state.coupled[r] and state.stage[r] >= 1:
            state.delivered[r] += community
            state.delivery_months[r] += 1
        if stake > 0:
            committed = 0
            for a in range(len(leaders)):
                committed += status[r, leaders[a]] == 1
            share = np.float32(stake * community / max(committed, 1))
            for a in range(len(leaders)):
                if status[r, leaders[a]] == 1:
                    state.realised[r, leaders[a]] += share
                    state.active[r, leaders[a]] |= share != 0
    return spent, target


@njit(cache=True, nogil=True)
def create(p, actors, state, offer, offered, draws, month, due, generation):
    """Sub-step 4 on every replicate: members use this month's offer (``offered``);
    value is created, lost, realised and booked; holdings due (``due``, (P,) bool) pay
    their returns (linked ones after ``generation`` (R, P), the month's generation as a
    multiple of plan); the month's accounts are settled. Returns :data:`Created`."""
    r_n, n = state.status.shape
    users, chosen, offsets, uptake, members, exploiters = choose(
        p, actors, state, offer, offered, draws.u[:, USE], draws.u[:, RATION]
    )
    vec, real, created_e, losses, lost, destroyed, total = use_values(
        p, actors, state, offer, draws, users, chosen, offsets, members, exploiters, month
    )
    paid = due.any()
    if paid:
        holders_paid = pay_holdings(actors, state, offer, due, generation, created_e)
    else:
        holders_paid = np.zeros((1, 1), np.bool_)
    book_uses(p, state, offer, users, chosen, vec, real)
    spent, target = settle(p, actors, state, offer, uptake, created_e, lost, month, generation)
    return Created(
        users,
        chosen,
        vec,
        real,
        uptake,
        created_e,
        losses,
        lost,
        destroyed,
        total,
        spent,
        paid,
        holders_paid,
        target,
    )


def creation_link(
    state: State,
    scenario: Scenario,
    offer: Offer,
    offered: Offered,
    month: int,
    u_use: np.ndarray,
    u_ration: np.ndarray,
    z_noise: np.ndarray,
    generation: np.ndarray | None = None,
) -> Created:
    """Sub-step 4 on ``state`` (the kernel the month runs), with the draws given
    (``u_use``, ``u_ration``, ``z_noise``: (R, N) each) and the month's generation of each
    holding as a multiple of plan (``generation`` (R, P); none: as planned)."""
    shape = state.status.shape
    nan = np.full(shape, np.nan, np.float32)
    draws = given(nan, nan, u_use, u_ration, z_noise)
    due = holding_due(offer, month)
    if generation is None:
        generation = np.ones((shape[0], offer.n))
    generation = np.ascontiguousarray(generation, np.float64)
    return create(
        params(scenario),
        state.actors(),
        state.record(),
        offer.record(),
        offered,
        draws,
        month,
        due,
        generation,
    )
