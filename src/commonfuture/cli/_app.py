from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

app = typer.Typer(
    name="commonfuture",
    help="Collaboration for the common future: simulate, test and explore Cui & Osborne's "
    "framework of integrative public leadership and value co-creation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


def fail(lines: list[str] | str, code: int = 2) -> NoReturn:
    """Print one line per problem to stderr and exit (status 2 for bad input)."""
    if isinstance(lines, str):
        lines = [lines]
    for line in lines:
        err_console.print(f"[bold red]error:[/bold red] {line}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)
