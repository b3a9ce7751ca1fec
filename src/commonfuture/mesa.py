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

Data collection follows the months: the collector's row ``i`` is month ``i + 1``
(the model has no measures before its first month), so in ``batch_run`` output
``Step`` ``s`` is month ``s + 1`` and the ``month`` column says so explicitly;
with ``data_collection_period=-1`` the row kept is the horizon.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from commonfuture.outputs import NAMES, uptake_column
from commonfuture.scenario import Scenario, load_scenario
from commonfuture.scenario.load import scenarios_dir
from commonfuture.simulation import Run

#: keyword argument -> scenario parameter path: the five leadership levers
LEVERS: dict[str, str] = {
    "alignment": "leadership.alignment",
    "arbitration": "leadership.arbitration",
    "cadence": "leadership.small_win_cadence_months",
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
        ``model.random``.
    replicate: which replicate of ``seed`` this run is (its actors and network).
    alignment, arbitration, cadence, visibility, leader_stake: the leadership
        levers (``leadership.alignment``, ``arbitration``,
        ``small_win_cadence_months``, ``visibility``, ``leader_stake``); ``None``
        keeps the scenario's value.
    overrides: any other parameters, ``{"investment.end_month": 36}``.
    scale: multiply every population count (see ``--scale``).
    policy: how the key leaders spend their capacity each month: ``"steady"``,
        ``"firefight"``, ``"grow"`` or a callable ``policy(observation) -> allocation``
        (:mod:`commonfuture.leadership.policies`); ``None`` keeps the scenario's.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path = "generic",
        seed: int = 0,
        replicate: int = 0,
        alignment: float | None = None,
        arbitration: float | None = None,
        cadence: int | None = None,
        visibility: float | None = None,
        leader_stake: float | None = None,
        overrides: dict[str, Any] | None = None,
        scale: float = 1.0,
        policy: Any = None,
    ):
        super().__init__(seed=int(seed))
        levers = {
            LEVERS["alignment"]: alignment,
            LEVERS["arbitration"]: arbitration,
            LEVERS["cadence"]: cadence,
            LEVERS["visibility"]: visibility,
            LEVERS["leader_stake"]: leader_stake,
        }
        changes = {**(overrides or {}), **{k: v for k, v in levers.items() if v is not None}}
        self.run = Run(
            resolve_scenario(scenario),
            seed=int(seed),
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
        reporters: dict[str, Any] = {"month": "month"}
        for name in names:
            reporters[name] = partial(measure, name=name)
        self.datacollector = mesa.DataCollector(model_reporters=reporters)
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


def measure(model: Model, name: str) -> float | int:
    """One measure of the model's latest month (a picklable model reporter)."""
    return model.measures[name]


def _scalar(x: Any) -> float | int:
    x = np.asarray(x).item()
    return int(x) if isinstance(x, bool | np.bool_) else x
