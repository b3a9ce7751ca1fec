"""Shared fixtures: the shipped generic scenario and hand-made five-actor states.

The tiny collaboration has five actors, ordered by sector as the model orders them:

    0 public key leader   1 public   2 private   3 third-sector key leader   4 resident

``tiny_state(...)`` builds its month-0 state with :func:`build_state` and then
overrides the drawn arrays by hand (ties, profiles, thresholds, ...), so that a
sub-step's expected result can be derived on paper from its rule.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from commonfuture.network import symmetric
from commonfuture.population import COMMITTED, State, build_state
from commonfuture.propositions import Offer
from commonfuture.scenario import Scenario, load_scenario
from commonfuture.simulation import replicate_rng
from commonfuture.value import N_ELEMENTS, PUBLIC

ROOT = Path(__file__).resolve().parents[1]
GENERIC = ROOT / "scenarios" / "generic.toml"

#: the five-actor collaboration: two public organisations, one private, one third-sector
#: organisation and one resident; key leaders are actors 0 (public) and 3 (third sector)
TINY: dict[str, Any] = {
    "name": "tiny",
    "months": 12,
    "population": {"counts": {"public": 2, "private": 1, "third": 1, "citizens": 1}},
    "leadership": {"key_leaders": {"public": 1, "third": 1}},
    # hand-worked sub-steps: open tensions cost nothing, staff and the elements' roles change
    # nothing, and the big win's pace is felt by nobody, unless a test says so
    "tensions": {"harm": 0.0},
    "staff": {"per_organisation": 0},
    "elements": {"capacity_gain": 0.0, "voice": 0.0},
    "target": {"felt": 0.0, "backing": 0.0, "judgement": 0.0},
    "propositions": [
        {"name": "course", "value": [0.5, 0.5, 0.5, 0.5, 0.5], "cost": 0.1, "min_stage": 1},
    ],
}

#: a chain 0 - 1 - 2 - 3 - 4 with unit weights
CHAIN = [(0, 1), (1, 2), (2, 3), (3, 4)]


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge ``extra`` into a copy of ``base`` (lists are replaced, not merged)."""
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def tiny_scenario(**extra: Any) -> Scenario:
    """The tiny scenario with ``extra`` tables deep-merged in."""
    return Scenario.model_validate(merge(TINY, extra))


def rederive(state: State, scenario: Scenario, offer: Offer) -> None:
    """Recompute the per-actor, per-proposition arrays that depend on the profiles.

    The rules written out by hand (population.build_state):
    fit = profile . value; anticipated = fit - cost;
    tailoring = |profile|^2 |value| - fit (what full adaptation adds to the promise);
    ignorance = destruction.ignorance * (1 - cos(profile, value)) (times 1 - the group's
    alignment at use); backlash = destruction.backlash * public_share
    * 5 * max(1/5 - profile_public, 0) (times the group's strain at use).
    """
    prof = state.profile.astype(np.float64)  # (R, N, 5)
    val = offer.value.astype(np.float64)  # (P, 5)
    fits = prof @ val.T
    norms = np.linalg.norm(prof, axis=2)[..., None] * np.linalg.norm(val, axis=1)[None, None]
    cos = np.where(norms > 0, fits / np.where(norms > 0, norms, 1.0), 0.0)
    dest = scenario.destruction
    low_public = np.maximum(1.0 / N_ELEMENTS - prof[..., PUBLIC], 0.0) * N_ELEMENTS
    state.fit = fits.astype(np.float32)
    state.anticipated = (fits - offer.cost[None, None, :]).astype(np.float32)
    own = (prof * prof).sum(axis=2)[..., None] * val.sum(axis=1)[None, None]
    state.tailoring = (own - fits).astype(np.float32)
    state.ignorance = (dest.ignorance * (1 - cos)).astype(np.float32)
    state.backlash = (dest.backlash * low_public[..., None] * offer.public_share).astype(np.float32)
    state.extra.pop("leader_similarity", None)


def set_ties(state: State, edges: list[tuple[int, int]], weights=None) -> None:
    """Replace every replicate's network by the undirected ``edges`` (unit weights by default)."""
    r, n = state.n_replicates, state.n_actors
    i = np.array([a for a, _ in edges], dtype=np.int64)
    j = np.array([b for _, b in edges], dtype=np.int64)
    w = np.ones(len(edges), np.float32) if weights is None else np.asarray(weights, np.float32)
    # one block per replicate, as build_state lays them out
    ii = np.concatenate([i + k * n for k in range(r)]) if len(i) else i
    jj = np.concatenate([j + k * n for k in range(r)]) if len(j) else j
    ww = np.tile(w, r)
    state.ties = symmetric(ii, jj, ww, r * n)
    state.degree = np.asarray(state.ties.sum(axis=1), np.float32).reshape(r, n)
    state.ties_per_replicate = [len(edges)] * r


def _put(state: State, name: str, value: Any) -> None:
    current = getattr(state, name)
    arr = np.broadcast_to(np.asarray(value, dtype=current.dtype), current.shape).copy()
    setattr(state, name, arr)


def make_tiny_state(
    scenario: Scenario | None = None,
    *,
    replicates: int = 1,
    edges: list[tuple[int, int]] | None = None,
    profile: Any = 0.2,
    members: list[int] | None = None,
    **arrays: Any,
) -> tuple[Scenario, Offer, State]:
    """A hand-made state of the tiny collaboration.

    Defaults make the arithmetic easy: every profile uniform (0.2 on each element),
    ties along the chain 0-1-2-3-4, burden 1 (no disproportion), no exploiters.
    ``members`` lists actors to mark committed (with ``population.initial_commitment``
    and ``initial_trust``) besides the key leaders. Any other ``State`` array can be
    given by name (``threshold=[...]``, ``commitment=[...]``, ``stage=[1]``, ...) and
    is broadcast to its shape. A state given ``coupled`` gets full consensus where
    coupled, and last month's leaders at the table, unless ``consensus`` or ``seated``
    is given too. Each group's alignment is ``leadership.alignment`` and its strain
    ``1 - leadership.arbitration`` unless ``alignment`` or ``strain`` is given.
    """
    sc = scenario if scenario is not None else tiny_scenario()
    offer = Offer.from_scenario(sc)
    state = build_state(sc, [replicate_rng(0, k) for k in range(replicates)], offer)
    set_ties(state, CHAIN if edges is None else edges)
    _put(state, "profile", np.broadcast_to(np.asarray(profile, np.float32), state.profile.shape))
    _put(state, "burden", 1.0)
    _put(state, "exploiter", False)
    pop = sc.population
    for i in members or []:
        state.status[:, i] = COMMITTED
        state.commitment[:, i] = pop.initial_commitment
        state.trust[:, i] = pop.initial_trust
    # the leaders' actions as the old scenario-wide levers had them, unless given: every
    # group aligned as far as ``leadership.alignment`` and strained ``1 - arbitration``
    _put(state, "alignment", sc.leadership.alignment)
    _put(state, "strain", 1.0 - sc.leadership.arbitration)
    for name, value in arrays.items():
        _put(state, name, value)
    if "coupled" in arrays:
        # a coupled state as the coupling leaves it: full consensus (unless given), and the
        # leaders at the table last month (committed, commitment >= coupling_threshold)
        if "consensus" not in arrays:
            state.consensus[:] = state.coupled.astype(np.float64)
        if "seated" not in arrays:
            lead = state.role == 0
            at_table = (state.status == COMMITTED) & (
                state.commitment >= np.float32(sc.leadership.coupling_threshold)
            )
            state.seated[:] = (at_table & lead).sum(axis=1)
    rederive(state, sc, offer)
    return sc, offer, state


@pytest.fixture
def tiny_state() -> Callable[..., tuple[Scenario, Offer, State]]:
    """Factory: ``tiny_state(scenario=None, **arrays) -> (scenario, offer, state)``."""
    return make_tiny_state


@pytest.fixture(scope="session")
def generic_path() -> Path:
    return GENERIC


@pytest.fixture(scope="session")
def generic() -> Scenario:
    """The shipped generic scenario (30 organisations, 600 residents, 120 months)."""
    return load_scenario(GENERIC)


@pytest.fixture(scope="session")
def generic_short(generic: Scenario) -> Scenario:
    """The generic scenario cut to 24 months and a third of its residents (fast runs)."""
    data = generic.model_dump(mode="json")
    data["months"] = 24
    data["population"]["counts"]["citizens"] = 200
    return Scenario.model_validate(data)
