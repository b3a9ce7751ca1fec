"""The model in a browser: ``commonfuture dashboard`` (Solara).

:func:`serve` runs the web app; :data:`Page` is its page (in Jupyter, display
``Page()`` to have the dashboard inline). :mod:`commonfuture.dashboard.logic`
holds what the page does, as plain functions.
"""

from __future__ import annotations

import os


def serve(scenario: str | None = None, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve the dashboard at ``http://host:port`` until interrupted (opens no browser)."""
    import warnings

    # before Solara reads its settings: no "runs on Solara" banner over the charts
    os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "false")
    import uvicorn

    from commonfuture.dashboard.app import SCENARIO_ENV

    if scenario:
        os.environ[SCENARIO_ENV] = str(scenario)
    os.environ["SOLARA_APP"] = "commonfuture.dashboard.app"
    os.environ.setdefault("SOLARA_MODE", "production")  # no tracebacks in the page
    os.environ["SERVER_NAME"] = host
    os.environ["SERVER_PORT"] = str(port)
    warnings.filterwarnings("ignore", message="Cookies with samesite")  # plain http on localhost
    uvicorn.run("solara.server.starlette:app", host=host, port=port, log_level="warning")


def __getattr__(name: str):
    if name == "Page":
        from commonfuture.dashboard.app import Page

        return Page
    raise AttributeError(name)
