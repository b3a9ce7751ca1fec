"""Experiment definitions: a base scenario, factors, a design, replicates, outputs.

An experiment is a TOML file validated like a scenario (unknown keys rejected):

```toml
name = "leadership-grid"
scenario = "../scenarios/edinburgh/active-travel.toml"   # relative to this file
design = "grid"              # grid, lhs, sobol or morris
replicates = 10
seed = 1
samples = 64                 # lhs: points; sobol: base sample N; morris: trajectories
outputs = ["members_end", "value_destroyed", "months_to_stage_3"]
overrides = { months = 60 }  # fixed changes to the base scenario

[[factors]]
path = "leadership.alignment"
values = [0.2, 0.5, 0.8]     # grid: explicit values ...

[[factors]]
path = "leadership.arbitration"
range = [0.1, 0.9]           # ... or a range (grid: with `levels`; lhs/sobol/morris: bounds)
levels = 3

[[factors]]
path = "network.openness"
range = [0.2, 1.0]           # lhs and sobol: uniform by default, or
distribution = "triangular"  # "triangular" (with `mode`) or "truncnormal" (`mean`, `sd`)
mode = 0.6
```
"""

from __future__ import annotations

import itertools
import json
import re
import tomllib
import unicodedata
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from commonfuture.scenario.load import (
    ScenarioError,
    _field_for,
    _problems,
    apply_overrides,
    is_parameter_path,
    load_scenario,
    parameter_domain,
    scenario_hash,
)
from commonfuture.scenario.schema import Scenario

OUTPUT_NAMES = (
    "final_stage",
    "max_stage",
    "months_to_stage_1",
    "months_to_stage_2",
    "months_to_stage_3",
    "members_end",
    "members_peak",
    "joins",
    "secessions",
    "value_created",
    "value_destroyed",
    "value_realised",
    "target_progress",
    "capital_raised",
)
MEMBERS_AT = re.compile(r"^members_at_(\d+)$")


class Factor(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    path: str = Field(description="Parameter path, as in `commonfuture params`.")
    values: list[float] | None = Field(None, description="Explicit values (grid).")
    range: tuple[float, float] | None = Field(None, description="Lower and upper bound.")
    levels: int = Field(3, ge=2, le=101, description="Grid levels over the range.")
    distribution: Literal["uniform", "triangular", "truncnormal"] = Field(
        "uniform", description="How lhs and sobol designs draw the factor over its range."
    )
    mode: float | None = Field(None, description="Peak of a triangular distribution.")
    mean: float | None = Field(None, description="Mean of a truncated normal distribution.")
    sd: float | None = Field(None, gt=0, description="Standard deviation (truncated normal).")

    @model_validator(mode="after")
    def _one(self) -> Factor:
        if (self.values is None) == (self.range is None):
            raise ValueError("give either values or range")
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError("range must be [lower, upper] with lower < upper")
        if self.values is not None and not self.values:
            raise ValueError("values must not be empty")
        if self.distribution != "uniform" and self.range is None:
            raise ValueError(f"a {self.distribution} distribution needs a range")
        if self.distribution == "triangular" and (
            self.mode is None or not self.range[0] <= self.mode <= self.range[1]
        ):
            raise ValueError("a triangular distribution needs a mode inside the range")
        if self.distribution == "truncnormal" and (self.mean is None or self.sd is None):
            raise ValueError("a truncnormal distribution needs mean and sd")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Factor values at unit quantiles ``u`` (the inverse of its distribution)."""
        from scipy import stats

        lo, hi = self.range
        if self.distribution == "triangular":
            return stats.triang(c=(self.mode - lo) / (hi - lo), loc=lo, scale=hi - lo).ppf(u)
        if self.distribution == "truncnormal":
            a, b = (lo - self.mean) / self.sd, (hi - self.mean) / self.sd
            return stats.truncnorm(a, b, loc=self.mean, scale=self.sd).ppf(u)
        return lo + u * (hi - lo)


class ExperimentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=False)

    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5_000)
    scenario: str = Field(description="Base scenario file, relative to the experiment file.")
    design: Literal["grid", "lhs", "sobol", "morris"] = "grid"
    factors: list[Factor] = Field(min_length=1)
    replicates: int = Field(5, ge=1, le=100_000)
    seed: int = Field(0, ge=0)
    samples: int = Field(16, ge=1, le=100_000)
    scale: float = Field(1.0, gt=0)
    outputs: list[str] = Field(
        default_factory=lambda: ["members_end", "value_destroyed", "final_stage"], min_length=1
    )
    overrides: dict[str, Any] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _folder_name(cls, v: str) -> str:
        """The name is the default output folder (experiments-out/NAME): one plain folder
        name, never a path out of it."""
        if (
            v in (".", "..")
            or "/" in v
            or "\\" in v
            or v != v.strip()
            or any(unicodedata.category(c)[0] == "C" for c in v)
        ):
            raise ValueError(
                "must be a plain folder name (letters, digits, - _ . and spaces; no / or \\, "
                "not . or ..), as it names the output folder experiments-out/NAME"
            )
        return v

    @model_validator(mode="after")
    def _check(self) -> ExperimentSpec:
        for out in self.outputs:
            if out not in OUTPUT_NAMES and not MEMBERS_AT.match(out):
                raise ValueError(
                    f"unknown output {out!r} (choose from {', '.join(OUTPUT_NAMES)}, "
                    "members_at_<month>)"
                )
        paths = [f.path for f in self.factors]
        if len(set(paths)) != len(paths):
            raise ValueError("factors: each parameter path once")
        if self.design != "grid" and any(f.range is None for f in self.factors):
            raise ValueError(f"design {self.design!r} needs a range for every factor")
        if self.design in ("grid", "morris") and any(
            f.distribution != "uniform" for f in self.factors
        ):
            raise ValueError(f"design {self.design!r} takes uniform factors only")
        if self.design in ("sobol", "morris") and len(self.factors) < 2:
            raise ValueError(f"design {self.design!r} needs at least two factors")
        return self


class ExperimentError(ValueError):
    def __init__(self, source: str, problems: list[str]):
        self.source, self.problems = source, problems
        super().__init__("\n".join(f"{source}: {p}" for p in problems))


class Experiment:
    """A validated experiment: its spec, base scenario and parameter points."""

    def __init__(self, spec: ExperimentSpec, base: Scenario, source: str = "<experiment>"):
        self.spec, self.base, self.source = spec, base, source
        self.points = design_points(spec)
        self.names = [f.path for f in spec.factors]
        # every point must give a valid scenario: check them all before anything runs
        problems: list[str] = []
        for i, values in enumerate(self.points):
            try:
                self.scenario_for(i)
            except ScenarioError as err:
                problems += [f"point {i} ({self.describe(values)}): {p}" for p in err.problems]
                if len(problems) > 10:
                    break
        if problems:
            raise ExperimentError(source, problems)

    def describe(self, values) -> str:
        return ", ".join(f"{n}={v:g}" for n, v in zip(self.names, values, strict=True))

    def point_overrides(self, i: int) -> dict[str, Any]:
        out = dict(self.spec.overrides)
        for name, v in zip(self.names, self.points[i], strict=True):
            field = _field_for(re.sub(r"\[\d+\]", "[0]", name))
            out[name] = int(round(v)) if field.annotation in (int, int | None) else float(v)
        return out

    def scenario_for(self, i: int) -> Scenario:
        return apply_overrides(
            self.base, self.point_overrides(i), source=f"{self.source}: point {i}"
        )

    def largest_scenario(self) -> Scenario:
        """The scenario of the point with the most actors (for the memory estimate)."""
        best, size = self.base, -1
        for i in range(len(self.points)):
            sc = self.scenario_for(i)
            n = sum(sc.population.counts.as_tuple())
            if n > size:
                best, size = sc, n
        return best

    def point_seed(self, i: int) -> int:
        """The seed of point ``i``: derived from the experiment seed, never from scheduling."""
        return int(np.random.SeedSequence(self.spec.seed, spawn_key=(i,)).generate_state(1)[0])

    def run_keys(self) -> list[tuple[int, int]]:
        return [(i, k) for i in range(len(self.points)) for k in range(self.spec.replicates)]

    def identity(self) -> dict[str, Any]:
        return {
            "spec": self.spec.model_dump(mode="json"),
            "base_scenario_hash": scenario_hash(self.base),
            "points": [list(map(float, p)) for p in self.points],
        }

    def problem(self) -> dict[str, Any]:
        """The SALib problem of this experiment's factors."""
        return {
            "num_vars": len(self.names),
            "names": self.names,
            "bounds": [list(f.range) for f in self.spec.factors],
        }


def design_points(spec: ExperimentSpec) -> np.ndarray:
    """(P, k) parameter values of every point of the design (deterministic in the seed)."""
    k = len(spec.factors)
    if spec.design == "grid":
        axes = [
            f.values
            if f.values is not None
            else list(np.round(np.linspace(f.range[0], f.range[1], f.levels), 12))
            for f in spec.factors
        ]
        return np.array(list(itertools.product(*axes)), dtype=float)
    bounds = np.array([f.range for f in spec.factors], dtype=float)
    # non-uniform factors are sampled as unit quantiles, then mapped through their ppf
    shaped = [j for j, f in enumerate(spec.factors) if f.distribution != "uniform"]
    bounds[shaped] = [0.0, 1.0]
    if spec.design == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=k, seed=np.random.default_rng(spec.seed)).random(spec.samples)
        points = qmc.scale(unit, bounds[:, 0], bounds[:, 1])
    elif spec.design == "sobol":
        from SALib.sample import sobol

        problem = {
            "num_vars": k,
            "names": [f.path for f in spec.factors],
            "bounds": bounds.tolist(),
        }
        points = sobol.sample(problem, spec.samples, calc_second_order=False, seed=spec.seed)
    if spec.design in ("lhs", "sobol"):
        for j in shaped:
            points[:, j] = spec.factors[j].ppf(points[:, j])
        return points
    problem = {"num_vars": k, "names": [f.path for f in spec.factors], "bounds": bounds.tolist()}
    from SALib.sample import morris

    return morris.sample(problem, spec.samples, num_levels=4, seed=spec.seed)


def load_experiment(path: str | Path) -> Experiment:
    """Read, validate and expand an experiment file; :class:`ExperimentError` lists problems."""
    path = Path(path)
    src = str(path)
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ExperimentError(src, ["file not found"]) from None
    except tomllib.TOMLDecodeError as err:
        raise ExperimentError(src, [f"TOML syntax error: {err}"]) from None
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as err:
        raise ExperimentError(src, _problems(err)) from None
    problems = []
    for i, f in enumerate(spec.factors):
        if not is_parameter_path(f.path):
            problems.append(
                f"factors[{i}].path: unknown parameter {f.path!r} (see `commonfuture params`)"
            )
            continue
        lo, hi = parameter_domain(re.sub(r"\[\d+\]", "[0]", f.path))
        vals = list(f.values or []) + list(f.range or [])
        for v in vals:
            if (lo is not None and v < lo) or (hi is not None and v > hi):
                problems.append(
                    f"factors[{i}]: {f.path} = {v:g} is outside its domain "
                    f"[{'' if lo is None else f'{lo:g}'}, "
                    f"{'' if hi is None else f'{hi:g}'}]"
                )
    for key in spec.overrides:
        if not is_parameter_path(key):
            problems.append(f"overrides.{key}: unknown parameter")
    if problems:
        raise ExperimentError(src, problems)
    base_path = (path.parent / spec.scenario).resolve()
    try:
        base = load_scenario(base_path)
    except ScenarioError as err:
        raise ExperimentError(src, [f"scenario: {p}" for p in str(err).splitlines()]) from None
    if spec.scale != 1.0:
        from commonfuture.scenario.load import scaled

        base = scaled(base, spec.scale)
    return Experiment(spec, base, src)


def spec_json(exp: Experiment) -> str:
    return json.dumps(exp.identity(), sort_keys=True)
