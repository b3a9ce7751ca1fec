"""commonfuture: collaboration for the common future, computable.

An agent-based model of Cui & Osborne's (2019) framework of integrative public
leadership and value co-creation: key leaders couple, the network integrates
more actors and links to the wider community (macro); each actor follows its
own private value chain of small wins (meso); each small-win cycle runs
commitment -> proposition -> creation -> evaluation, ending in continued
commitment or secession (micro).
"""

from commonfuture.scenario import Scenario, ScenarioError, load_scenario
from commonfuture.simulation import SimulationResult, simulate

__version__ = "0.1.0"

__all__ = [
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "__version__",
    "load_scenario",
    "simulate",
]
