"""Finding the browser for the report and dashboard checks.

The browser is ``$COMMONFUTURE_CHROMIUM`` when set, else ``chromium`` (or
``chromium-browser``) on PATH. Where none is found the browser tests skip with the reason
and the install command, except under ``CI=true``, where a missing browser is a failure
(``.ci/run`` installs Debian's chromium and sets ``CI=true``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dashboard(case: Path) -> Iterator[tuple[int, subprocess.Popen]]:
    """``commonfuture dashboard CASE`` served as a user starts it, on a free port:
    (port, process) once it answers; fails the test when it does not start."""
    port = _free_port()
    cli = Path(sys.executable).with_name("commonfuture")
    proc = subprocess.Popen(
        [str(cli), "dashboard", str(case), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    for _ in range(240):
        try:
            urllib.request.urlopen(url, timeout=1)
            break
        except OSError:
            time.sleep(0.25)
    else:
        proc.kill()
        pytest.fail(f"the dashboard did not start: {proc.stdout.read() if proc.stdout else ''}")
    try:
        yield port, proc
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def launched(chromium: str) -> Iterator:
    """Headless Chromium at ``chromium``, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()
