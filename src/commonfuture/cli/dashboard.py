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
    import socket

    try:  # say now, rather than after printing the address, that the port is taken
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as err:
        fail(f"--host: {host!r} is not an address of this computer ({err})")
    family, kind, proto, _, addr = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
        try:
            probe.bind(addr)
        except OSError as err:
            fail(
                f"--port: cannot listen on {host}:{port} ({err.strerror or err}); another "
                "program may be using it: choose another with --port"
            )
    from commonfuture.dashboard import serve

    console.print(f"commonfuture dashboard: http://{host}:{port}  (Ctrl+C to stop)")
    serve(str(scenario.resolve()) if scenario else None, host=host, port=port)
