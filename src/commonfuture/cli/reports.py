"""``report``: a self-contained HTML page from a run or experiment directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from commonfuture.cli._app import app, console, fail


@app.command()
def report(
    directory: Annotated[
        Path,
        typer.Argument(
            help="A run directory, a directory of runs, or a pattern-experiment directory."
        ),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="HTML file (default DIR/report.html).")
    ] = None,
) -> None:
    """Turn a run or experiment directory into a self-contained HTML report."""
    from commonfuture.report import write_report

    if not directory.is_dir():
        fail(f"{directory}: not a directory")
    try:
        page = write_report(directory, out)
    except FileNotFoundError as err:
        fail(str(err))
    except (ValueError, KeyError, OSError) as err:
        fail(f"{directory}: cannot read the results ({err})")
    console.print(f"wrote {page}")
