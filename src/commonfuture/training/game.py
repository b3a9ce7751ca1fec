"""A game: one collaboration led quarter by quarter by a player.

``Game(case, seed)`` plays replicate 0 of ``case`` with ``seed``. Each turn is a
quarter (three months; the last may be shorter): the player's allocation (hours a
month, see :func:`commonfuture.leadership.policies.allocation`) is applied in each of
the quarter's months through a policy that returns it, scaled down pro rata when the
leaders' capacity that month is smaller. :meth:`Game.observe` shows what a real
leader could know; :meth:`Game.play` advances a quarter; :meth:`Game.save` writes a
small JSON file (the case, the seed, the scenario's hash, the allocation of every
quarter) and :meth:`Game.load` replays it, bit for bit: pausing is saving, resuming
is loading.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from commonfuture.leadership.actions import SLOTS
from commonfuture.leadership.policies import Observation, allocation
from commonfuture.scenario.load import (
    apply_overrides,
    find_shipped,
    load_scenario,
    scenario_hash,
)
from commonfuture.scenario.schema import SECTORS
from commonfuture.writing import write_json

#: months a turn
QUARTER = 3
#: the saved game's format tag
FORMAT = "commonfuture-game/1"
STAGE_NAMES = {0: "no coupling", 1: "coupling", 2: "integration", 3: "linking"}


@dataclass(frozen=True)
class View:
    """What the player knows at the start of a quarter (a real leader's knowledge: no
    thresholds, profiles, expectations or alignment)."""

    quarter: int  # the quarter about to be played (1-based)
    quarters: int  # quarters in the game
    month: int  # months played so far
    months: int
    stage: int
    coupled: bool
    consensus: float
    capacity: float  # hours a month the committed key leaders bring
    key_leaders: int
    money: float  # GBP in the pool last month
    members: Mapping[str, int]
    departures: Mapping[str, int]  # members who left last quarter, by group
    small_wins: int  # wins reported last quarter
    shortfalls: int  # shortfalls reported last quarter
    supporters: int
    tensions: Mapping[str, float]  # tensions voiced: pairs of groups both in, level 0..1
    settle_hours: Mapping[str, float]
    groups: tuple[str, ...]
    news: tuple[str, ...] = field(default_factory=tuple)
    milestones: int = 0  # milestones members reached last quarter
    target_progress: float = 0.0  # share of the long-term target reached so far
    target_planned: float = 0.0  # share of it the plan had reached by now

    @property
    def stage_name(self) -> str:
        return STAGE_NAMES.get(self.stage, str(self.stage))


def plan(spec: Any) -> dict[str, float]:
    """An allocation in its flat, saved form (``{"engage:citizens": 6.0, ...}``, only
    the slots with hours); ValueError with one line when it is malformed."""
    hours = allocation(spec)
    return {SLOTS[k]: float(h) for k, h in enumerate(hours) if h > 0}


class Game:
    """One replicate of a case, led by a player a quarter at a time."""

    def __init__(
        self,
        case: str | Path,
        seed: int = 0,
        overrides: Sequence[str] | None = None,
    ):
        from commonfuture.simulation import Run

        self.case = str(case)
        self.seed = int(seed)
        self.overrides = list(overrides or [])
        sc = load_scenario(find_shipped(self.case))
        self.scenario = apply_overrides(sc, self.overrides)
        self.hash = scenario_hash(self.scenario)
        self._hours = np.zeros(len(SLOTS))
        self.run = Run(self.scenario, self.seed, [0], policy=self._policy)
        self.plans: list[dict[str, float]] = []
        self.views: list[View] = []
        self._last_tensions: dict[str, float] = {}
        self._last_stage = 0
        self._last_leaders = self._leaders_now()

    def _policy(self, obs: Observation) -> np.ndarray:
        return self._hours

    # -- the game's clock ---------------------------------------------------------
    @property
    def months(self) -> int:
        return self.run.months

    @property
    def month(self) -> int:
        return self.run.month

    @property
    def quarters(self) -> int:
        return -(-self.months // QUARTER)

    @property
    def quarter(self) -> int:
        """Quarters played so far."""
        return len(self.plans)

    @property
    def done(self) -> bool:
        return self.run.done

    def _leaders_now(self) -> int:
        c = self.run.collaboration
        return int((c.state.status[0, c.actors.leaders] == 1).sum())

    # -- what the player sees -----------------------------------------------------
    def observe(self) -> View:
        """What the key leaders know before the next quarter."""
        obs = self.run.collaboration.observe(0)
        m = self.monthly()
        last = m[m["month"] > self.month - QUARTER] if len(m) else m
        departures = {g: int(last[f"secessions_{g}"].sum()) if len(m) else 0 for g in SECTORS}
        leaders = self._leaders_now()
        news = self._news(obs, m, leaders)
        return View(
            quarter=self.quarter + 1,
            quarters=self.quarters,
            month=self.month,
            months=self.months,
            stage=obs.stage,
            coupled=obs.coupled,
            consensus=round(obs.consensus, 2),
            capacity=obs.capacity,
            key_leaders=leaders,
            money=obs.money,
            members=dict(obs.members),
            departures=departures,
            small_wins=int(last["small_wins"].sum()) if len(m) else 0,
            shortfalls=int(last["shortfalls"].sum()) if len(m) else 0,
            supporters=obs.supporters,
            tensions={k: float(v) for k, v in obs.tensions.items()},
            settle_hours={k: round(float(v), 1) for k, v in obs.settle_hours.items()},
            groups=obs.groups,
            news=tuple(news),
            milestones=int(last["milestones"].sum()) if len(m) else 0,
            target_progress=round(obs.target_progress, 4),
            target_planned=round(obs.target_planned, 4),
        )

    def _news(self, obs: Observation, m: pd.DataFrame, leaders: int) -> list[str]:
        """A few lines on last quarter's events, as a leader would hear of them."""
        if self.month == 0:
            return ["The key leaders meet for the first time."]
        out: list[str] = []
        if leaders < self._last_leaders:
            n = self._last_leaders - leaders
            out.append(
                f"{n} key leader{'s' if n > 1 else ''} left: capacity is now "
                f"{obs.capacity:g} hours a month."
            )
        elif leaders > self._last_leaders:
            out.append("A key leader joined the collaboration.")
        if obs.stage > self._last_stage:
            out.append(f"Stage reached: {STAGE_NAMES[obs.stage]}.")
        elif obs.stage < self._last_stage:
            out.append(f"Stage lost: back to {STAGE_NAMES[obs.stage]}.")
        last = m[m["month"] > self.month - QUARTER]
        if int(last["disruptions"].sum()):
            out.append("The key leaders' coupling broke down.")
        for k, v in obs.tensions.items():
            if v > 0.5 and self._last_tensions.get(k, 0.0) <= 0.5:
                out.append(f"The tension between {k.replace('-', ' and ')} is above 0.5.")
        gone = int(last["secessions"].sum())
        if gone:
            out.append(f"{gone} member{'s' if gone > 1 else ''} left last quarter.")
        if int(last["small_wins"].sum()) > int(last["shortfalls"].sum()) > 0 or (
            int(last["small_wins"].sum()) and not int(last["shortfalls"].sum())
        ):
            out.append("Members report more wins than shortfalls.")
        return out or ["A quiet quarter."]

    # -- playing ------------------------------------------------------------------
    def play(self, spec: Any) -> dict[str, np.ndarray]:
        """Spend ``spec`` (hours a month, an allocation) in each month of the next
        quarter; return the quarter's measures ((months,) each)."""
        if self.done:
            raise RuntimeError(f"the game is over ({self.months} months played)")
        flat = plan(spec)
        view = self.observe()
        self.views.append(view)
        self._last_tensions = dict(view.tensions)
        self._last_stage = view.stage
        self._last_leaders = view.key_leaders
        self._hours = allocation(flat)
        self.plans.append(flat)
        rows = []
        for _ in range(min(QUARTER, self.months - self.month)):
            rows.append(self.run.step())
        return {k: np.concatenate([r[k] for r in rows]) for k in rows[0]}

    def monthly(self) -> pd.DataFrame:
        """The months played so far (one row a month)."""
        return self.run.monthly()

    # -- saving and replaying -----------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "case": self.case,
            "seed": self.seed,
            "overrides": self.overrides,
            "scenario_hash": self.hash,
            "months_played": self.month,
            "quarters": self.plans,
        }

    def save(self, path: str | Path) -> Path:
        """Write the game (a small JSON file) to ``path``; return it."""
        path = Path(path)
        return write_json(path, self.to_json(), indent=1)

    @classmethod
    def from_json(cls, data: Mapping[str, Any], check_hash: bool = True) -> Game:
        """Replay a saved game's quarters (ValueError with one line when it is not one
        or its scenario has changed since)."""
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            raise ValueError(f"not a saved game (no format {FORMAT!r})")
        try:
            game = cls(data["case"], int(data["seed"]), data.get("overrides") or [])
            quarters = list(data["quarters"])
        except (KeyError, TypeError) as err:
            raise ValueError(f"a saved game needs case, seed and quarters ({err})") from None
        if check_hash and data.get("scenario_hash") != game.hash:
            raise ValueError(
                f"the scenario {game.case!r} has changed since the game was saved "
                "(its hash differs): it would not replay the same"
            )
        for q in quarters:
            if game.done:
                raise ValueError("the saved game has more quarters than its horizon")
            game.play(q)
        return game

    @classmethod
    def load(cls, path: str | Path) -> Game:
        """Replay the game saved at ``path``."""
        try:
            data = json.loads(Path(path).read_text())
        except json.JSONDecodeError as err:
            raise ValueError(f"{path}: not JSON ({err.msg}, line {err.lineno})") from None
        return cls.from_json(data)


__all__ = ["FORMAT", "QUARTER", "Game", "View", "plan"]
