"""commonfuture: collaboration for the common future, computable.

An agent-based model of Cui & Osborne's (2019) framework of integrative public
leadership and value co-creation: key leaders couple, the network integrates
more actors and links to the wider community (macro); each actor follows its
own private value chain of small wins (meso); each small-win cycle runs
commitment -> proposition -> creation -> evaluation, ending in continued
commitment or secession (micro).

The names below are imported on first use (``commonfuture.simulate`` loads the
model then), so that the command line answers ``--help`` without loading numpy,
numba or pandas.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from commonfuture import compiled as _compiled

__version__ = "0.1.0"

# a cache folder for the compiled kernels that this user can write (checks only)
_compiled.choose_cache()

#: where each top-level name lives
_HOME = {
    "Run": "commonfuture.simulation",
    "SimulationResult": "commonfuture.simulation",
    "simulate": "commonfuture.simulation",
    "Scenario": "commonfuture.scenario",
    "ScenarioError": "commonfuture.scenario",
    "load_scenario": "commonfuture.scenario",
}

if TYPE_CHECKING:  # pragma: no cover
    from commonfuture.scenario import Scenario, ScenarioError, load_scenario
    from commonfuture.simulation import Run, SimulationResult, simulate


def __getattr__(name: str):
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'commonfuture' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOME))


__all__ = [
    "Run",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "__version__",
    "load_scenario",
    "simulate",
]
