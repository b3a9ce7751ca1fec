"""Reading, overriding, scaling and describing scenarios."""

from __future__ import annotations

import hashlib
import json
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, ValidationError

from commonfuture.scenario.schema import Scenario


class ScenarioError(ValueError):
    """A scenario (or an override) is invalid. ``problems`` has one line per problem."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}: {p}" for p in problems))


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _problems(err: ValidationError) -> list[str]:
    lines = []
    for e in err.errors():
        loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        msg = e["msg"].removeprefix("Value error, ")
        value = e.get("input")
        if e["type"] == "finite_number" or (isinstance(value, float) and not math.isfinite(value)):
            msg = (
                "not a number (NaN)"
                if isinstance(value, float) and math.isnan(value)
                else f"not a finite number ({value!r})"
            )
        elif e["type"] == "extra_forbidden":
            msg = "unknown key"
        elif e["type"] == "missing":
            msg = "missing (required)"
        elif e["type"] == "model_type":
            msg = f"expected a table of keys (such as {{ key = value }}), got {value!r}"
        lines.append(f"{_loc(loc)}: {msg}")
    return lines


def validate_data(data: dict[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a parsed scenario mapping, raising :class:`ScenarioError`."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(source, _problems(err)) from None


def read_toml(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ScenarioError(str(path), ["file not found"]) from None
    except IsADirectoryError:
        raise ScenarioError(str(path), ["is a directory, not a scenario file"]) from None
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(str(path), [f"TOML syntax error: {err}"]) from None
    except UnicodeDecodeError:
        raise ScenarioError(str(path), ["not a UTF-8 text file"]) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file.

    Raises :class:`ScenarioError` listing every problem with its field path.
    """
    return validate_data(read_toml(path), str(path))


# --------------------------------------------------------------------------- overrides


def _parse_value(text: str) -> Any:
    """A --set value is a TOML literal (number, bool, string, array); bare words are strings."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[\d+\])?(\.[A-Za-z_][A-Za-z0-9_]*(\[\d+\])?)*$")


def _set_path(data: dict[str, Any], path: str, value: Any) -> None:
    node: Any = data
    parts = path.split(".")
    for i, part in enumerate(parts):
        m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?", part)
        assert m is not None
        key, index = m.group(1), m.group(2)
        last = i == len(parts) - 1
        if not isinstance(node, dict):
            raise KeyError(path)
        if index is None:
            if last:
                node[key] = value
            else:
                node = node.setdefault(key, {})
        else:
            seq = node.get(key)
            if not isinstance(seq, list) or int(index) >= len(seq):
                raise KeyError(path)
            if last:
                seq[int(index)] = value
            else:
                node = seq[int(index)]


def apply_overrides(
    scenario: Scenario,
    overrides: dict[str, Any] | list[str] | None,
    source: str = "--set",
) -> Scenario:
    """Return a new scenario with ``path=value`` overrides applied and re-validated.

    ``overrides`` is a mapping of dotted paths (``leadership.alignment``,
    ``propositions[0].cost``) to values, or a list of ``path=value`` strings.
    """
    if not overrides:
        return scenario
    problems: list[str] = []
    items: list[tuple[str, Any]] = []
    if isinstance(overrides, dict):
        items = list(overrides.items())
    else:
        for text in overrides:
            if "=" not in text:
                problems.append(f"{text!r}: expected path=value")
                continue
            path, raw = text.split("=", 1)
            items.append((path.strip(), _parse_value(raw.strip())))
    data = scenario.model_dump(mode="json")
    for path, value in items:
        if not _PATH.match(path):
            problems.append(f"{path}: not a parameter path")
            continue
        if not is_parameter_path(path, data):
            problems.append(f"{path}: unknown parameter (see `commonfuture params`)")
            continue
        _set_path(data, path, value)
    if any(path == "months" for path, _ in items):
        _cut_to_horizon(data)
        _keep_the_plan(data, scenario, [path for path, _ in items])
    try:
        result = validate_data(data, source)
    except ScenarioError as err:
        problems += err.problems
    if problems:
        raise ScenarioError(source, problems)
    return result


def _cut_to_horizon(data: dict[str, Any]) -> None:
    """A horizon set shorter than the scenario's (``--set months=24``): the investment
    steps past it are left out, as they would never be reached. A scenario file as
    written with steps past its own horizon is still an error (see the schema)."""
    months = data.get("months")
    invest = data.get("investment")
    if not isinstance(months, int) or isinstance(months, bool) or not isinstance(invest, dict):
        return
    steps = invest.get("steps")
    if isinstance(steps, list):
        invest["steps"] = [
            s
            for s in steps
            if not (isinstance(s, dict) and isinstance(s.get("month"), int) and s["month"] > months)
        ]


def _keep_the_plan(data: dict[str, Any], scenario: Scenario, paths: list[str]) -> None:
    """A horizon set anew (``--set months=24``) looks at the same collaboration for longer
    or shorter: the long-term target's plan, made for the scenario's own horizon, stays
    as it was (``target.by_month`` pinned to it), unless the override sets it too."""
    target = data.get("target")
    if (
        isinstance(target, dict)
        and target.get("by_month") is None
        and "target.by_month" not in paths
        and data.get("months") != scenario.months
    ):
        target["by_month"] = scenario.months


def past_horizon(before: Scenario, after: Scenario) -> dict[str, Any] | None:
    """What a shorter horizon leaves out: ``None`` unless ``after`` (the scenario with its
    overrides) ends before ``before`` (the scenario as written) and something scheduled
    falls past the new end. Otherwise a record, as written to ``run.json``::

        {"months": 24, "scenario_months": 120, "investment_steps": [31, 43],
         "events": [{"month": 30, "kind": "milestone"}], "propositions": []}
    """
    if after.months >= before.months:
        return None
    cut = after.months
    steps = [s.month for s in before.investment.steps if s.month > cut]
    events = [{"month": e.month, "kind": e.kind} for e in after.events if e.month > cut]
    props = [p.name for p in after.propositions if p.start_month > cut]
    if not (steps or events or props):
        return None
    return {
        "months": cut,
        "scenario_months": before.months,
        "investment_steps": steps,
        "events": events,
        "propositions": props,
    }


def horizon_note(cut: dict[str, Any]) -> str:
    """One line saying what a shorter horizon leaves out (see :func:`past_horizon`)."""

    def listed(months: list[int]) -> str:
        shown = ", ".join(str(m) for m in months[:8])
        return shown + (f" and {len(months) - 8} more" if len(months) > 8 else "")

    parts = []
    if cut["investment_steps"]:
        months = listed(cut["investment_steps"])
        n = len(cut["investment_steps"])
        parts.append(f"{n} investment step{'s' if n > 1 else ''} (month {months})")
    if cut["events"]:
        months = listed([e["month"] for e in cut["events"]])
        n = len(cut["events"])
        parts.append(f"{n} event{'s' if n > 1 else ''} (month {months})")
    if cut["propositions"]:
        n = len(cut["propositions"])
        parts.append(f"{n} proposition{'s' if n > 1 else ''} starting later")
    return (
        f"months = {cut['months']} ends before the scenario's {cut['scenario_months']} "
        f"months: {' and '.join(parts)} past the horizon do not happen"
    )


def override_warnings(overrides: list[str] | None) -> list[str]:
    """Say which value wins when one ``--set`` path is given more than once."""
    seen: dict[str, list[str]] = {}
    for text in overrides or []:
        if "=" in text:
            path, raw = text.split("=", 1)
            seen.setdefault(path.strip(), []).append(raw.strip())
    return [
        f"--set {path} given {len(values)} times ({', '.join(values)}); the last, "
        f"{path}={values[-1]}, is used"
        for path, values in seen.items()
        if len(values) > 1
    ]


def scenario_warnings(scenario: Scenario) -> list[str]:
    """What is valid but probably not meant: events or offers after the horizon."""
    out = []
    for i, ev in enumerate(scenario.events):
        if ev.month > scenario.months:
            out.append(
                f"events[{i}] ({ev.kind}, month {ev.month}) is after the horizon "
                f"(months = {scenario.months}): it never happens"
            )
    for i, prop in enumerate(scenario.propositions):
        if prop.start_month > scenario.months:
            out.append(
                f"propositions[{i}] ({prop.name}) starts in month {prop.start_month}, after "
                f"the horizon (months = {scenario.months}): it is never offered"
            )
    return out


def is_parameter_path(path: str, data: dict[str, Any] | None = None) -> bool:
    """Is ``path`` a leaf parameter of the schema (and present in ``data`` for lists)?"""
    try:
        _field_for(path)
    except KeyError:
        return False
    if data is not None and "[" in path:
        node: Any = data
        for part in path.split("."):
            m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?", part)
            if m is None or not isinstance(node, dict) or m.group(1) not in node:
                return False
            node = node[m.group(1)]
            if m.group(2) is not None:
                if not isinstance(node, list) or int(m.group(2)) >= len(node):
                    return False
                node = node[int(m.group(2))]
    return True


# --------------------------------------------------------------------------- describing


def _model_of(annotation: Any) -> type[BaseModel] | None:
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        m = _model_of(arg)
        if m is not None:
            return m
    return None


def _field_for(path: str):
    model: type[BaseModel] = Scenario
    parts = path.split(".")
    field = None
    for i, part in enumerate(parts):
        key = re.sub(r"\[\d+\]$", "", part)
        if key not in model.model_fields:
            raise KeyError(path)
        field = model.model_fields[key]
        sub = _model_of(field.annotation)
        if i < len(parts) - 1:
            if sub is None:
                raise KeyError(path)
            model = sub
        elif sub is not None:
            raise KeyError(path)  # a table, not a leaf
    assert field is not None
    return field


@dataclass(frozen=True)
class Parameter:
    path: str
    value: Any
    units: str
    description: str
    lower: float | None
    upper: float | None


_UNITS = re.compile(r"\(([^()]*)\)\.?\s*$")


def _units(description: str) -> str:
    m = _UNITS.search(description)
    return m.group(1) if m else ""


def parameter_domain(path: str) -> tuple[float | None, float | None]:
    """Declared bounds of a numeric parameter (None where unbounded)."""
    field = _field_for(path)
    lo = hi = None
    for meta in field.metadata:
        if isinstance(meta, Ge | Gt):
            lo = float(meta.ge if isinstance(meta, Ge) else meta.gt)
        if isinstance(meta, Le | Lt):
            hi = float(meta.le if isinstance(meta, Le) else meta.lt)
    # Unit = Annotated[float, Field(ge=0, le=1)] keeps its bounds one level down
    import typing

    for arg in typing.get_args(field.annotation)[1:]:
        for meta in getattr(arg, "metadata", []):
            if isinstance(meta, Ge):
                lo = float(meta.ge)
            if isinstance(meta, Le):
                hi = float(meta.le)
    return lo, hi


def parameter_table(scenario: Scenario) -> list[Parameter]:
    """Every leaf parameter path with its value, units, description and bounds."""
    rows: list[Parameter] = []

    def walk(model: BaseModel, prefix: str) -> None:
        for name, field in type(model).model_fields.items():
            value = getattr(model, name)
            path = f"{prefix}{name}"
            if isinstance(value, BaseModel):
                walk(value, path + ".")
            elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
                for i, item in enumerate(value):
                    walk(item, f"{path}[{i}].")
            else:
                desc = field.description or ""
                try:
                    lo, hi = parameter_domain(re.sub(r"\[\d+\]", "[0]", path))
                except KeyError:  # an optional table left empty (e.g. no holding)
                    lo = hi = None
                rows.append(Parameter(path, value, _units(desc), desc, lo, hi))

    walk(scenario, "")
    return rows


# --------------------------------------------------------------------------- identity


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the resolved scenario (canonical JSON): the scenario's identity."""
    blob = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def scaled(scenario: Scenario, factor: float) -> Scenario:
    """Multiply every population count by ``factor``, with the extensive quantities.

    Capacities, budgets, the target and the stage-2 size threshold scale too, so
    that per-capita dynamics are those of the unscaled scenario. Key leaders do not
    scale. Counts round to the nearest integer (at least the number of key leaders).
    """
    if factor == 1.0:
        return scenario
    if not (factor > 0 and math.isfinite(factor)):
        raise ScenarioError("--scale", [f"scale must be positive and finite, got {factor}"])
    data = scenario.model_dump(mode="json")
    leaders = data["leadership"]["key_leaders"]
    for sector, n in data["population"]["counts"].items():
        data["population"]["counts"][sector] = max(int(round(n * factor)), leaders[sector])
    data["investment"]["monthly_budget"] *= factor
    data["target"]["amount"] *= factor
    data["stages"]["integration_members"] = max(
        1, int(round(data["stages"]["integration_members"] * factor))
    )
    for prop in data["propositions"]:
        if prop["capacity"] < 10**9:
            prop["capacity"] = int(round(prop["capacity"] * factor))
        if prop.get("issue") is not None:
            prop["issue"] = int(round(prop["issue"] * factor))
    return validate_data(data, "--scale")


DATA = Path(__file__).resolve().parent.parent / "data"


def scenarios_dir() -> Path:
    """The folder of shipped scenarios, installed with the package (``commonfuture/data/
    scenarios``; in a source checkout, ``scenarios/`` at the repository root)."""
    cand = DATA / "scenarios"
    if (cand / "edinburgh").is_dir():
        return cand
    raise FileNotFoundError(
        f"the shipped scenarios were not found in {cand}: reinstall commonfuture"
    )


def experiments_dir() -> Path:
    """The folder of example experiments shipped with the package."""
    cand = DATA / "experiments"
    if not cand.is_dir():
        raise FileNotFoundError(
            f"the shipped experiments were not found in {cand}: reinstall commonfuture"
        )
    return cand


def find_shipped(path: str | Path, folder: str = "scenarios") -> Path:
    """``path`` if it exists, else the shipped file of that name (``generic``,
    ``edinburgh/active-travel``, ``leadership-grid``), else ``path`` unchanged."""
    path = Path(path)
    if path.exists():
        return path
    try:
        root = scenarios_dir() if folder == "scenarios" else experiments_dir()
    except FileNotFoundError:
        return path
    name = str(path)
    for prefix in (f"{folder}/", f"./{folder}/"):
        name = name.removeprefix(prefix)
    cand = root / (name if name.endswith(".toml") else f"{name}.toml")
    return cand if cand.is_file() else path


def shipped(name: str) -> Scenario:
    """Load a shipped scenario by relative name, e.g. ``"edinburgh/active-travel"``."""
    path = scenarios_dir() / (name if name.endswith(".toml") else f"{name}.toml")
    return load_scenario(path)
