"""The ``commonfuture`` command line (Typer + Rich).

Each group of commands lives in its own module and registers itself on
:data:`app`; bad input becomes a one-line-per-problem message and exit status 2.
"""

from __future__ import annotations

import sys

from commonfuture.cli import scenario_commands  # noqa: F401,E402  (registers commands)
from commonfuture.cli._app import app, console, fail  # noqa: F401

for _name in (
    "dashboard",
    "evidence",
    "experiments",
    "reports",
    "robustness",
    "sweeps",
    "training",
):
    try:  # optional command groups, present when their modules are
        __import__(f"commonfuture.cli.{_name}")
    except ModuleNotFoundError as _err:  # pragma: no cover
        if _err.name != f"commonfuture.cli.{_name}":
            raise


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        console.print("[red]interrupted[/red]")
        sys.exit(130)
