"""``dashboard``: the model in a browser."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from commonfuture.cli._app import app, console, fail


@app.command()
def dashboard(
    scenario: Annotated[
        Path | None, typer.Argument(help="Scenario TOML to open with (default: a shipped case).")
    ] = None,
    host: Annotated[
        str,
        typer.Option("--host", help="Address to listen on (default: this computer only)."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", min=1, max=65535)] = 8765,
) -> None:
    """Serve the dashboard (sliders, live charts, A/B comparison) and print its address."""
    if scenario is not None:
        from commonfuture.scenario import ScenarioError, load_scenario

        try:
            load_scenario(scenario)
        except ScenarioError as err:
            fail(str(err).splitlines())
    from commonfuture.dashboard import serve

    console.print(f"commonfuture dashboard: http://{host}:{port}  (Ctrl+C to stop)")
    serve(str(scenario.resolve()) if scenario else None, host=host, port=port)
