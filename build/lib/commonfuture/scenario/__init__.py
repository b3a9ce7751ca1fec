"""Scenarios: validated TOML files describing a collaboration."""

from commonfuture.scenario.load import (
    ScenarioError,
    apply_overrides,
    load_scenario,
    parameter_table,
    scenario_hash,
)
from commonfuture.scenario.schema import SECTORS, Scenario

__all__ = [
    "SECTORS",
    "Scenario",
    "ScenarioError",
    "apply_overrides",
    "load_scenario",
    "parameter_table",
    "scenario_hash",
]
