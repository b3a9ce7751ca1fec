"""The scenario file reference (docs/scenario-reference.md), generated from the schema.

``python -m commonfuture.scenario.reference > docs/scenario-reference.md``; a test
checks that the committed file matches the schema.
"""

from __future__ import annotations

import typing

from pydantic import BaseModel

from commonfuture.scenario.load import _model_of, parameter_domain
from commonfuture.scenario.schema import Scenario


def _type_name(annotation) -> str:
    text = str(annotation).replace("typing.", "")
    return text.replace("<class '", "").replace("'>", "")


def _bounds(path: str) -> str:
    try:
        lo, hi = parameter_domain(path)
    except KeyError:
        return ""
    if lo is None and hi is None:
        return ""
    return f"{'' if lo is None else f'{lo:g}'} .. {'' if hi is None else f'{hi:g}'}"


def _default(field) -> str:
    if field.is_required():
        return "required"
    if field.default_factory is not None:
        value = field.default_factory()
        if isinstance(value, BaseModel):
            return "(table)"
        return f"`{value!r}`"
    return f"`{field.default!r}`"


def render() -> str:
    lines = [
        "# Scenario file reference",
        "",
        "Generated from the schema (`src/commonfuture/scenario/schema.py`) by",
        "`python -m commonfuture.scenario.reference`. Every key below may appear in a",
        "scenario TOML file; unknown keys are rejected. Paths are those of",
        "`commonfuture params` and `--set` (list items as `propositions[0].cost`).",
        "",
        "A horizon set shorter than the scenario's (`--set months=24`) runs: the",
        "investment steps, events and offers past it do not happen, which the command",
        "says once and records in `run.json` (`past_horizon`). In a scenario file as",
        "written, an investment step after its own horizon is an error.",
        "",
    ]

    def table(model: type[BaseModel], prefix: str, title: str) -> None:
        subs = []
        lines.append(f"## `{title}`" if title else "## top level")
        doc = (model.__doc__ or "").strip().splitlines()
        if doc and title:
            lines.extend(["", doc[0]])
        lines.extend(["", "| key | type | default | bounds | meaning |", "|---|---|---|---|---|"])
        for name, field in model.model_fields.items():
            sub = _model_of(field.annotation)
            path = f"{prefix}{name}"
            is_list = typing.get_origin(field.annotation) is list
            if sub is not None:
                key = (f"{path}[i]" if is_list else path).replace("[0]", "[i]")
                subs.append((sub, f"{path}[0]." if is_list else f"{path}.", key))
                lines.append(
                    f"| `{name}` | table{' list' if is_list else ''} | "
                    f"{_default(field)} | | {field.description or ''} (see `{key}`) |"
                )
                continue
            lines.append(
                f"| `{name}` | {_type_name(field.annotation)} | {_default(field)} | "
                f"{_bounds(path)} | {field.description or ''} |"
            )
        lines.append("")
        for sub, pre, key in subs:
            table(sub, pre, key)

    table(Scenario, "", "")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
