"""The fast engine as a Mesa model: ``commonfuture.mesa.Model``.

Mesa users drive the array engine with the tools they already know: the
leadership levers are keyword arguments, :meth:`Model.step` advances one month,
and :attr:`Model.datacollector` (a :class:`mesa.DataCollector`) holds the
monthly measures of :data:`commonfuture.outputs.NAMES`. Mesa's own
:func:`mesa.batch_run` and ``SolaraViz`` drive it unchanged::

    import mesa
    from commonfuture.mesa import Model

    rows = mesa.batch_run(
        Model,
        {"scenario": "edinburgh/active-travel", "alignment": [0.3, 0.8], "seed": [1, 2]},
        data_collection_period=1,
        display_progress=False,
    )

One instance is one run: replicate ``replicate`` (default 0) of ``seed``, the
same actors, network and monthly random numbers as replicate ``replicate`` of
:func:`commonfuture.simulate` with that seed, whatever the levers (common random
numbers). The numbers are those of ``simulate`` month for month.

As in Mesa, a model made without a seed draws one from fresh entropy, so the
iterations of ``batch_run`` differ; the seed drawn is kept (``model._seed``, and
the ``seed`` column of the collector and of ``batch_run`` output), and passing it
back replays the run exactly.

The actors are Mesa agents: ``model.agents`` is an :class:`mesa.AgentSet` of
:class:`Actor` views, one per actor, reading the run's arrays (sector, role,
status, commitment, trust, value created by element) when asked and never
written to, so agent reporters, ``agents.select`` and ``agents.groupby`` work and
the month runs at the speed of the arrays::

    m = Model("generic", seed=1, agent_reporters={"commitment": "commitment"})
    m.step()
    m.agents.select(lambda a: a.status == "committed").groupby("sector").count()

Data collection follows the months: the collector's row ``i`` is month ``i + 1``
(the model has no measures before its first month), so in ``batch_run`` output
``Step`` ``s`` is month ``s + 1`` and the ``month`` column says so explicitly;
with ``data_collection_period=-1`` the row kept is the horizon.
"""

from __future__ import annotations

import secrets
from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from commonfuture.outputs import NAMES, uptake_column
from commonfuture.population import ROLE_NAMES, STATUS_NAMES
from commonfuture.scenario import Scenario, load_scenario
from commonfuture.scenario.load import scenarios_dir
from commonfuture.scenario.schema import SECTORS
from commonfuture.simulation import Run
from commonfuture.value import ELEMENTS

#: keyword argument -> scenario parameter path: the five leadership levers
LEVERS: dict[str, str] = {
    "alignment": "leadership.alignment",
    "arbitration": "leadership.arbitration",
    "wins": "leadership.wins",
    "visibility": "leadership.visibility",
    "leader_stake": "leadership.leader_stake",
}


def resolve_scenario(scenario: Scenario | str | Path) -> Scenario:
    """A scenario object, a TOML path, or a shipped name such as ``"edinburgh/active-travel"``."""
    if isinstance(scenario, Scenario):
        return scenario
    path = Path(scenario)
    if path.suffix != ".toml" or not path.exists():
        shipped = scenarios_dir() / (str(scenario).removesuffix(".toml") + ".toml")
        if shipped.is_file():
            path = shipped
    return load_scenario(path)


class Model(mesa.Model):
    """One run of a scenario, one month per :meth:`step`, in Mesa's conventions.

    Parameters
    ----------
    scenario: a :class:`~commonfuture.Scenario`, a TOML path or a shipped name
        (``"generic"``, ``"edinburgh/community-solar"``, ...).
    seed: root seed (as in :func:`commonfuture.simulate`); also seeds Mesa's
        ``model.random``. ``None`` (the default, as in Mesa) draws a fresh one
        from the operating system's entropy; either way it is ``model._seed``.
    replicate: which replicate of ``seed`` this run is (its actors and network).
    alignment, arbitration, wins, visibility, leader_stake: the leadership
        levers (``leadership.alignment``, ``arbitration``,
        ``wins``, ``visibility``, ``leader_stake``); ``None``
        keeps the scenario's value.
    overrides: any other parameters, ``{"investment.end_month": 36}``.
    scale: multiply every population count (see ``--scale``).
    policy: how the key leaders spend their capacity each month: ``"steady"``,
        ``"firefight"``, ``"grow"`` or a callable ``policy(observation) -> allocation``
        (:mod:`commonfuture.leadership.policies`); ``None`` keeps the scenario's.
    agent_reporters: Mesa agent reporters for the collector, over the
        :class:`Actor` views (``{"commitment": "commitment"}``); collected every month.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path = "generic",
        seed: int | None = None,
        replicate: int = 0,
        alignment: float | None = None,
        arbitration: float | None = None,
        wins: float | None = None,
        visibility: float | None = None,
        leader_stake: float | None = None,
        overrides: dict[str, Any] | None = None,
        scale: float = 1.0,
        policy: Any = None,
        agent_reporters: dict[str, Any] | None = None,
    ):
        seed = fresh_seed() if seed is None else int(seed)
        super().__init__(seed=seed)
        levers = {
            LEVERS["alignment"]: alignment,
            LEVERS["arbitration"]: arbitration,
            LEVERS["wins"]: wins,
            LEVERS["visibility"]: visibility,
            LEVERS["leader_stake"]: leader_stake,
        }
        changes = {**(overrides or {}), **{k: v for k, v in levers.items() if v is not None}}
        self.run = Run(
            resolve_scenario(scenario),
            seed=seed,
            replicates=[int(replicate)],
            scale=scale,
            overrides=changes or None,
            policy=policy,
        )
        self.scenario = self.run.scenario
        self.replicate = int(replicate)
        self.month = 0
        self.measures: dict[str, float] = {}
        names = [*NAMES, *(uptake_column(p.name) for p in self.scenario.propositions)]
        reporters: dict[str, Any] = {"month": "month", "seed": "_seed"}
        for name in names:
            reporters[name] = partial(measure, name=name)
        for k in range(self.run.n_actors):
            Actor(self, k)
        self.datacollector = mesa.DataCollector(
            model_reporters=reporters, agent_reporters=agent_reporters
        )
        self.running = not self.run.done

    @property
    def n_actors(self) -> int:
        """Actors in the run (organisations and residents)."""
        return self.run.n_actors

    def step(self) -> None:
        """Advance one month and record its measures."""
        out = self.run.step()
        self.month = self.run.month
        self.measures = {k: _scalar(v[0]) for k, v in out.items()}
        self.datacollector.collect(self)
        self.running = not self.run.done


class Actor(mesa.Agent):
    """One actor of the run as a Mesa agent: a read-only view of its row in the arrays.

    ``actor`` is its number in the run (0-based, as in value chains and the
    dashboard; Mesa's ``unique_id`` is ``actor + 1``). Every other attribute is read
    from the run's current state when asked, so it is always the latest month's.
    """

    def __init__(self, model: Model, actor: int):
        super().__init__(model)
        self.actor = int(actor)

    @property
    def sector(self) -> str:
        """``public``, ``private``, ``third`` or ``citizens``."""
        return SECTORS[int(self.model.run.state.sector[self.actor])]

    @property
    def role(self) -> str:
        """``key_leader``, ``network_actor`` or ``external_user``."""
        return ROLE_NAMES[int(self.model.run.state.role[self.actor])]

    @property
    def status(self) -> str:
        """``outside``, ``committed`` or ``seceded``."""
        return STATUS_NAMES[int(self.model.run.state.status[0, self.actor])]

    @property
    def commitment(self) -> float:
        """Commitment to the collaboration (0-1)."""
        return float(self.model.run.state.commitment[0, self.actor])

    @property
    def trust(self) -> float:
        """Trust in the collaboration (0-1)."""
        return float(self.model.run.state.trust[0, self.actor])

    @property
    def value(self) -> dict[str, float]:
        """Value created for this actor so far, by element (value units)."""
        row = self.model.run.state.accumulated[0, self.actor]
        return {e: float(v) for e, v in zip(ELEMENTS, row, strict=True)}

    @property
    def value_created(self) -> float:
        """Value created for this actor so far, all elements (value units)."""
        return float(self.model.run.state.accumulated[0, self.actor].sum())

    def step(self) -> None:
        """Nothing: the month is advanced for all actors at once by :meth:`Model.step`."""

    def __repr__(self) -> str:
        return f"Actor({self.actor}, {self.sector} {self.role}, {self.status})"


def fresh_seed() -> int:
    """A root seed from the operating system's entropy (63 bits: it fits every table)."""
    return secrets.randbits(63)


def measure(model: Model, name: str) -> float | int:
    """One measure of the model's latest month (a picklable model reporter)."""
    return model.measures[name]


def _scalar(x: Any) -> float | int:
    x = np.asarray(x).item()
    return int(x) if isinstance(x, bool | np.bool_) else x
