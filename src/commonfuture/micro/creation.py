"""Sub-step 4, the value creation link (micro).

"Individual actors make use of the services or products in different approaches
to create diversified private value for themselves."

Each member, with probability ``use_rate`` a month, uses the open proposition
that promises it most (if the promise is positive); over-subscribed
propositions are rationed by lottery (the ``capacity`` candidates with the lowest
lottery draws are served). A use creates value per element

    created_e = realisation(alignment) * profile_e * value_e

(the multi-win: each actor draws from an offer what it values), costs the user
the proposition's ``cost``, and loses value to four named mechanisms of value
destruction (Cui & Osborne 2023):

* ignorance: the offer ignores the user's values, ``ignorance * (1 - alignment) * misfit``;
* disproportion: costs fall out of proportion, ``disproportion * (1 - arbitration) *
  cost * max(burden - 1, 0)``;
* backlash: a public goal imposes private costs on users who weigh public value
  little, ``backlash * (1 - arbitration) * public_share * low_public``;
* exploitation: exploiters take a share ``exploitation * (1 - arbitration) * q`` of
  others' created value, q the exploiters' share of members; it is transferred to
  the exploiters, and counted as lost by its creators.

Realised private value = created - cost - losses + noise. Negative realised
value is value destroyed. Holders of a holding proposition (a share) receive
its return on its payment months, valued after their profile and free of losses.
Of the value created, satisfaction, outcomes and experience accrue to the
individual, capacity to the service system and public value to the community.
Uses and holdings advance the long-term target by ``target_yield``.

Key leaders hold the shared target ("the basic consensus about the shared
targets"): each month they count ``leadership.leader_stake`` of the community
(public) value created, shared among them, as their own private value
(assumption A-leader-stake). A collaboration that delivers public value keeps
its leaders; one that does not loses them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commonfuture.leadership import realisation
from commonfuture.micro.proposition import Offered
from commonfuture.population import COMMITTED, KEY_LEADER, State
from commonfuture.propositions import Offer
from commonfuture.scenario.schema import Scenario
from commonfuture.value import N_ELEMENTS, PUBLIC


@dataclass
class Created:
    users: np.ndarray  # flat indices (into R*N) of actors who used a proposition
    choice: np.ndarray  # proposition each user used
    realised: np.ndarray  # net realised private value of each use
    uptake: np.ndarray  # (R, P) uses per proposition
    created: np.ndarray  # (R, 5) value created per element
    losses: np.ndarray  # (R, 4) value lost per kind
    destroyed: np.ndarray  # (R,) sum of negative realised value
    spent: np.ndarray  # (R,) GBP drawn from the pool
    holders_paid: np.ndarray  # (R, N) bool: received a holding return this month
    target: np.ndarray  # (R,) target units advanced this month


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


def creation_link(
    state: State,
    scenario: Scenario,
    offer: Offer,
    offered: Offered,
    month: int,
    u_use: np.ndarray,
    u_ration: np.ndarray,
    z_noise: np.ndarray,
) -> Created:
    r, n = state.status.shape
    p = offer.n
    lead, dest, pop = scenario.leadership, scenario.destruction, scenario.population
    members = state.status == COMMITTED

    # --- choice: the open, eligible, not-yet-used proposition with the best promise
    cand = members & (u_use < np.float32(pop.use_rate)) & offered.open.any(axis=1)[:, None]
    flat = np.flatnonzero(cand)
    rep = flat // n
    actor = flat % n
    # np.take gathers rows several times faster than fancy indexing
    avail = np.take(offered.open, rep, axis=0) & np.take(state.eligible, actor, axis=0)
    used = state.used.reshape(-1)[flat]
    avail &= (used[:, None] & offer.bits[None, :]) == 0
    ant = np.take(state.anticipated.reshape(r * n, p), flat, axis=0)
    promise = np.where(avail, ant, -np.inf)
    choice = promise.argmax(axis=1)
    want = promise[np.arange(len(flat)), choice] > 0
    flat, rep, actor, choice = flat[want], rep[want], actor[want], choice[want]

    # --- rationing by lottery where demand exceeds capacity: the `capacity` candidates
    # with the lowest lottery draws are served
    group = rep * p + choice
    demand = np.bincount(group, minlength=r * p)
    cap = offered.capacity.reshape(-1)
    over = demand > cap
    if over.any():
        # rank candidates within each over-subscribed proposition by their lottery draw
        # (group + draw is exact in float64: groups are small integers, draws float32 in [0, 1))
        ration = np.flatnonzero(over[group])
        key = group[ration] + u_ration.reshape(-1)[flat[ration]].astype(np.float64)
        order = ration[np.argsort(key, kind="stable")]
        g_sorted = group[order]
        first = np.concatenate([[0], np.flatnonzero(np.diff(g_sorted)) + 1])
        starts = np.repeat(first, np.diff(np.concatenate([first, [len(order)]])))
        keep = np.ones(len(flat), bool)
        keep[order] = (np.arange(len(order)) - starts) < cap[g_sorted]
        flat, rep, actor, choice = flat[keep], rep[keep], actor[keep], choice[keep]
    uptake = np.bincount(rep * p + choice, minlength=r * p).reshape(r, p)

    # --- value created per element, and the four losses
    prof = np.take(state.profile.reshape(r * n, N_ELEMENTS), flat, axis=0)
    created_vec = (realisation(lead.alignment) * prof) * np.take(offer.value, choice, axis=0)
    created = created_vec.sum(axis=1)
    cost = offer.cost[choice]
    l_ign = state.ignorance.reshape(r * n, p)[flat, choice]
    l_back = state.backlash.reshape(r * n, p)[flat, choice]
    burden = state.burden.reshape(-1)[flat]
    l_disp = (dest.disproportion * (1.0 - lead.arbitration)) * cost * np.maximum(burden - 1.0, 0.0)
    exploiter = state.exploiter.reshape(-1)[flat]
    n_members = members.sum(axis=1)
    q = np.where(
        n_members > 0, (state.exploiter & members).sum(axis=1) / np.maximum(n_members, 1), 0.0
    )
    take = dest.exploitation * (1.0 - lead.arbitration) * q  # (R,)
    l_expl = np.where(exploiter, 0.0, take[rep] * created)
    taken = np.bincount(rep, weights=l_expl, minlength=r)
    n_expl_users = np.bincount(rep, weights=exploiter.astype(np.float64), minlength=r)
    gain = np.where(exploiter, (taken / np.maximum(n_expl_users, 1))[rep], 0.0)
    noise = np.float32(scenario.dynamics.noise) * z_noise.reshape(-1)[flat]
    realised = created - cost - l_ign - l_disp - l_back - l_expl + gain + noise

    # --- holdings: returns to members who hold, on payment months
    due = holding_due(offer, month)
    holders_paid = np.zeros((r, n), bool)
    hold_vec = np.zeros((r, N_ELEMENTS))
    if due.any():
        for j in np.flatnonzero(due):
            holders_paid |= members & ((state.used & offer.bits[j]) != 0)
        hidx = np.flatnonzero(holders_paid)
        hbits = state.used.reshape(-1)[hidx]
        ret = np.zeros((len(hidx), N_ELEMENTS), np.float32)
        for j in np.flatnonzero(due):
            has = ((hbits & offer.bits[j]) != 0)[:, None]
            ret += np.where(has, offer.holding_value[j][None, :], 0.0).astype(np.float32)
        hvec = state.profile.reshape(r * n, N_ELEMENTS)[hidx] * ret
        hrep = hidx // n
        for e in range(N_ELEMENTS):
            hold_vec[:, e] = np.bincount(hrep, weights=hvec[:, e], minlength=r)
        np.add.at(state.realised.reshape(-1), hidx, hvec.sum(axis=1))
        acc = state.accumulated.reshape(r * n, N_ELEMENTS)
        acc[hidx] += hvec

    # --- bookkeeping
    state.realised.reshape(-1)[flat] += realised.astype(np.float32)
    acc = state.accumulated.reshape(r * n, N_ELEMENTS)
    acc[flat] = np.take(acc, flat, axis=0) + created_vec.astype(np.float32)  # flat is unique
    once = offer.once[choice]
    state.used.reshape(-1)[flat[once]] |= offer.bits[choice[once]]

    created_e = (
        np.stack(
            [np.bincount(rep, weights=created_vec[:, e], minlength=r) for e in range(N_ELEMENTS)],
            axis=1,
        )
        + hold_vec
    )
    losses = np.stack(
        [np.bincount(rep, weights=x, minlength=r) for x in (l_ign, l_disp, l_back, l_expl)],
        axis=1,
    )
    destroyed = np.bincount(rep, weights=np.maximum(-realised, 0.0), minlength=r)
    spent = (uptake * offer.unit_cost[None, :]).sum(axis=1)
    state.capital += (uptake * offer.price[None, :]).sum(axis=1)

    # target: uses of ordinary propositions, plus every holding ever bought (panels generate)
    target = (uptake * np.where(offer.holding_every > 0, 0.0, offer.target_yield)).sum(axis=1)
    holding_props = np.flatnonzero(offer.holding_every > 0)
    for j in holding_props:
        if offer.start[j] < month:
            holders = ((state.used & offer.bits[j]) != 0).sum(axis=1)
            target = target + holders * offer.target_yield[j]
    state.target += target

    # key leaders hold the shared target: they count a share of this month's community
    # value as their own private value (assumption A-leader-stake)
    stake = lead.leader_stake
    if stake > 0:
        leaders = members & (state.role == KEY_LEADER)[None, :]
        n_lead = leaders.sum(axis=1)
        per_leader = stake * created_e[:, PUBLIC] / np.maximum(n_lead, 1)
        state.realised += np.where(leaders, per_leader[:, None], 0.0).astype(np.float32)
    return Created(
        users=flat,
        choice=choice,
        realised=realised,
        uptake=uptake,
        created=created_e,
        losses=losses,
        destroyed=destroyed,
        spent=spent,
        holders_paid=holders_paid,
        target=target,
    )
