"""Finding the browser for the report and dashboard checks.

The browser is ``$COMMONFUTURE_CHROMIUM`` when set, else ``chromium`` (or
``chromium-browser``) on PATH. Where none is found the browser tests skip with the reason
and the install command, except under ``CI=true``, where a missing browser is a failure
(``.ci/run`` installs Debian's chromium and sets ``CI=true``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

VARIABLE = "COMMONFUTURE_CHROMIUM"
INSTALL = (
    f"apt-get install -y chromium (Debian's package), or point {VARIABLE} at a Chromium executable"
)
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def find_chromium() -> str | None:
    """The Chromium executable to drive, or None when there is none."""
    named = os.environ.get(VARIABLE)
    if named is not None:
        return named if Path(named).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def chromium_or_skip() -> str:
    """The browser's path; skips the calling test (fails it under CI=true) when none is found."""
    path = find_chromium()
    if path is not None:
        return path
    named = os.environ.get(VARIABLE)
    why = f"{VARIABLE}={named!r} is not a file" if named is not None else "no chromium on PATH"
    message = f"browser tests need Chromium: {why}; install it with: {INSTALL}"
    if in_ci():
        pytest.fail(message + " (CI=true: a missing browser is a failure)")
    pytest.skip(message)
