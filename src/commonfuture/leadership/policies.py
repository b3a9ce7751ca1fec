"""Policies: how the key leaders spend their capacity, month by month.

A policy is any callable ``policy(observation) -> allocation``. The
:class:`Observation` holds only what a real leader could know (members and departures
by group, small wins and shortfalls reported, tensions voiced and what settling each
would take, money, capacity, the stage), never the actors' hidden thresholds or value
profiles. The allocation says how many hours go where::

    {"engage": {"citizens": 6}, "arbitrate": {"public-third": 10},
     "negotiate": 4, "link": 2, "wins": 3, "target": 2}

(groups are the sectors: ``public``, ``private``, ``third``, ``citizens``; a tension is
named by its two groups). Flat keys (``"engage:citizens"``) and an array of
:data:`~commonfuture.leadership.actions.N_SLOTS` hours are accepted too. An empty
allocation spends nothing; an allocation over the month's capacity is scaled down to
it, pro rata. Hours must be finite and not negative.

Three policies ship, named in a scenario's ``leadership.policy``:

* ``steady``: the scenario's levers as a fixed allocation, the comparison point:
  ``alignment`` of the capacity engages every group, equally; of the rest, ``wins``
  stages small wins and ``target`` steers towards the long-term target; ``arbitration``
  of what remains arbitrates between the pairs of groups that both have members, equally
  (settling what stands, preventing what would grow); the rest negotiates (and, from
  stage 2 on, half of it links).
* ``firefight``: the largest voiced tension first (what settling it would take), then
  the group with most departures this month; the rest as ``steady``.
* ``grow``: groups with no members yet first, then linking; the rest as ``steady``.

Each rule of thumb fills its priorities and spreads what is left as ``steady`` does, so
with unlimited capacity every policy saturates every action and they converge.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from commonfuture.leadership.actions import (
    ARBITRATE,
    KINDS,
    LINK,
    N_SLOTS,
    NEGOTIATE,
    SLOTS,
    TARGET,
    WINS,
)
from commonfuture.leadership.tensions import PAIR_NAMES, pair_index
from commonfuture.scenario.schema import POLICY_NAMES, SECTORS, Scenario

#: hours a rule of thumb gives a priority, in multiples of the action's half-effect hours
#: (three times: three quarters of the effect)
PRIORITY_HALVES = 3.0


@dataclass(frozen=True)
class Observation:
    """What the key leaders of one collaboration know at the start of a month.

    ``month`` is the month about to run (1-based); the counts are last month's. A policy
    that keeps state between calls keeps it per ``replicate``: replicates are observed
    in turn within a month, and a run may be split into batches, so state shared across
    replicates would make results depend on how the run was split."""

    month: int
    replicate: int  # which collaboration of the run (a stateful policy keeps state per one)
    stage: int  # 0 none, 1 coupling, 2 integration, 3 linking
    coupled: bool
    consensus: float  # the key leaders' consensus on the shared target, 0..1
    capacity: float  # hours the committed key leaders can spend this month
    money: float  # GBP in the pool last month (investment plus contributions)
    groups: tuple[str, ...]  # groups (sectors) with actors in this collaboration
    members: Mapping[str, int]  # members by group
    departures: Mapping[str, int]  # members who left last month, by group
    small_wins: int  # wins reported last month
    shortfalls: int  # shortfalls reported last month
    supporters: int  # outside actors backing the collaboration
    tensions: Mapping[str, float]  # tensions between groups both in, level 0..1 (0: none yet)
    settle_hours: Mapping[str, float]  # what settling each tension this month would take
    levers: Mapping[str, float] = field(default_factory=dict)  # the scenario's levers
    milestones: int = 0  # milestones members reached last month
    target_progress: float = 0.0  # share of the long-term target reached so far
    target_planned: float = 0.0  # share of it the plan had reached by now


Policy = Callable[[Observation], Any]


def levers(scenario: Scenario) -> dict[str, float]:
    """The scenario's steady time shares, as a policy sees them (``Observation.levers``)."""
    lead = scenario.leadership
    return {
        "alignment": lead.alignment,
        "arbitration": lead.arbitration,
        "wins": lead.wins,
        "target": lead.target,
    }


def allocation(spec: Any) -> np.ndarray:
    """The (N_SLOTS,) hours of an allocation (a mapping or an array); ValueError with
    one line when it is malformed."""
    out = np.zeros(N_SLOTS)
    if spec is None:
        return out
    if isinstance(spec, np.ndarray | list | tuple):
        arr = np.asarray(spec, dtype=np.float64)
        if arr.shape != (N_SLOTS,):
            raise ValueError(f"an allocation array needs {N_SLOTS} hours ({', '.join(SLOTS)})")
        out[:] = arr
    elif isinstance(spec, Mapping):
        for key, value in spec.items():
            if not isinstance(key, str):
                raise ValueError(f"allocation keys are action names, not {type(key).__name__}")
            kind, _, target = key.partition(":")
            if kind in SINGLE and not target:
                if isinstance(value, Mapping):
                    raise ValueError(f"{kind!r} takes a number of hours, not a mapping")
                out[SINGLE[kind]] += _hours(value, kind)
            elif kind in ("engage", "arbitrate"):
                items = value.items() if isinstance(value, Mapping) and not target else None
                if items is None:
                    if not target:
                        raise ValueError(f"{kind!r} takes a mapping of {_targets(kind)} to hours")
                    items = [(target, value)]
                for name, h in items:
                    out[_slot(kind, str(name))] += _hours(h, f"{kind}:{name}")
            else:
                raise ValueError(
                    f"unknown action {key[:60]!r}: use engage, arbitrate, negotiate, link, "
                    "wins or target"
                )
    else:
        raise ValueError(
            f"an allocation is a mapping of actions to hours, not {type(spec).__name__}"
        )
    if not np.all(np.isfinite(out)) or (out < 0).any():
        raise ValueError("allocation hours must be finite and not negative")
    return out


#: the actions with a single slot
SINGLE = {"negotiate": NEGOTIATE, "link": LINK, "wins": WINS, "target": TARGET}


def _targets(kind: str) -> str:
    return "groups" if kind == "engage" else "tensions (e.g. 'public-third')"


def _slot(kind: str, name: str) -> int:
    if kind == "engage":
        if name not in SECTORS:
            raise ValueError(f"unknown group {name[:60]!r}: use one of {', '.join(SECTORS)}")
        return SECTORS.index(name)
    return ARBITRATE + pair_index(name)


def _hours(value: Any, what: str) -> float:
    try:
        h = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what}: hours must be a number, not {str(value)[:40]!r}") from None
    if not np.isfinite(h) or h < 0:
        raise ValueError(f"{what}: hours must be finite and not negative, not {h}")
    return h


def within(hours: np.ndarray, capacity: float) -> np.ndarray:
    """``hours`` scaled down pro rata to at most ``capacity`` in all."""
    total = float(hours.sum())
    if total > capacity and total > 0:
        return hours * (capacity / total)
    return hours


class Steady:
    """The scenario's levers as a fixed allocation (see the module's docstring)."""

    name = "steady"

    def __init__(self, scenario: Scenario):
        lead = scenario.leadership
        self.engage_share = float(lead.alignment)
        self.arbitrate_share = float(lead.arbitration)
        both = max(float(lead.wins) + float(lead.target), 1.0)  # at most all of it
        self.wins_share = float(lead.wins) / both
        self.target_share = float(lead.target) / both
        self.halves = {
            "engage": lead.engage_hours,
            "negotiate": lead.negotiate_hours,
            "link": lead.link_hours,
            "wins": lead.wins_hours,
            "target": lead.target_hours,
        }

    def spread(self, obs: Observation, left: float, out: np.ndarray) -> np.ndarray:
        """``left`` hours spread after the steady shares, added into ``out``."""
        if left <= 0:
            return out
        engage = self.engage_share * left
        for g in obs.groups:
            out[SECTORS.index(g)] += engage / max(len(obs.groups), 1)
        rest = left - engage
        wins, target = self.wins_share * rest, self.target_share * rest
        out[WINS] += wins
        out[TARGET] += target
        rest = max(rest - wins - target, 0.0)  # (rounding: never below nothing)
        voiced = list(obs.tensions)  # every pair of groups both in: settle and prevent
        if voiced:
            arbitrate = self.arbitrate_share * rest
            for k in voiced:
                out[ARBITRATE + PAIR_NAMES.index(k)] += arbitrate / len(voiced)
            rest -= arbitrate
        if obs.stage >= 2:
            out[NEGOTIATE] += rest / 2
            out[LINK] += rest / 2
        else:
            out[NEGOTIATE] += rest
        return out

    def __call__(self, obs: Observation) -> np.ndarray:
        return self.spread(obs, obs.capacity, np.zeros(N_SLOTS))


class Firefight(Steady):
    """The largest voiced tension, then the group with most departures, then steady."""

    name = "firefight"

    def __call__(self, obs: Observation) -> np.ndarray:
        out = np.zeros(N_SLOTS)
        left = obs.capacity
        standing = {k: v for k, v in obs.tensions.items() if v > 0}
        if standing:
            worst = max(standing, key=lambda k: (standing[k], k))
            h = min(obs.settle_hours[worst], left)
            out[ARBITRATE + PAIR_NAMES.index(worst)] += h
            left -= h
        leaving = {g: d for g, d in obs.departures.items() if d > 0}
        if leaving and left > 0:
            g = max(leaving, key=lambda k: (leaving[k], k))
            h = min(PRIORITY_HALVES * self.halves["engage"], left)
            out[SECTORS.index(g)] += h
            left -= h
        return self.spread(obs, left, out)


class Grow(Steady):
    """Groups with no members yet, then linking, then steady."""

    name = "grow"

    def __call__(self, obs: Observation) -> np.ndarray:
        out = np.zeros(N_SLOTS)
        left = obs.capacity
        for g in obs.groups:
            if obs.members.get(g, 0) == 0 and left > 0:
                h = min(PRIORITY_HALVES * self.halves["engage"], left)
                out[SECTORS.index(g)] += h
                left -= h
        if left > 0:
            h = min(PRIORITY_HALVES * self.halves["link"], left)
            out[LINK] += h
            left -= h
        return self.spread(obs, left, out)


BUILT_IN: dict[str, type[Steady]] = {"steady": Steady, "firefight": Firefight, "grow": Grow}
assert tuple(BUILT_IN) == POLICY_NAMES


def resolve(policy: str | Policy | None, scenario: Scenario) -> tuple[str, Policy]:
    """(name, callable) of ``policy``: a built-in's name, a callable, or None for the
    scenario's own (``leadership.policy``)."""
    if policy is None:
        policy = scenario.leadership.policy
    if isinstance(policy, str):
        if policy not in BUILT_IN:
            raise ValueError(
                f"unknown policy {policy[:60]!r}: use one of {', '.join(POLICY_NAMES)} "
                "or a callable policy(observation) -> allocation"
            )
        return policy, BUILT_IN[policy](scenario)
    if not callable(policy):
        raise ValueError(
            f"a policy is a name ({', '.join(POLICY_NAMES)}) or a callable, "
            f"not {type(policy).__name__}"
        )
    return getattr(policy, "name", None) or getattr(policy, "__name__", "custom"), policy


def spent_by_kind(hours: np.ndarray) -> dict[str, np.ndarray]:
    """Hours of an (..., N_SLOTS) allocation by kind of action."""
    return {kind: hours[..., s].sum(axis=-1) for kind, s in KINDS.items()}


__all__ = [
    "BUILT_IN",
    "Firefight",
    "Grow",
    "Observation",
    "Policy",
    "Steady",
    "allocation",
    "levers",
    "resolve",
    "spent_by_kind",
    "within",
]
