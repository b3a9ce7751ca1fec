"""The dashboard in headless Chromium, served by ``commonfuture dashboard`` as a user starts it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from _browser import ARGS, chromium_or_skip

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module", autouse=True)
def _chromium() -> str:
    """No browser: skip (fail under CI=true) before the dashboard is started."""
    return chromium_or_skip()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    cli = Path(sys.executable).with_name("commonfuture")
    proc = subprocess.Popen(
        [str(cli), "dashboard", str(ROOT / "scenarios" / "generic.toml"), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    for _ in range(120):
        try:
            urllib.request.urlopen(url, timeout=1)
            break
        except OSError:
            time.sleep(0.25)
    else:
        proc.kill()
        pytest.fail(f"the dashboard did not start: {proc.stdout.read() if proc.stdout else ''}")
    yield port, proc
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def browser(_chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=_chromium, args=ARGS, headless=True)
        yield b
        b.close()


def test_binds_to_localhost_only(server):
    port, proc = server
    out = subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout
    listening = [line for line in out.splitlines() if f":{port} " in line]
    if not listening:
        pytest.skip("ss shows no sockets here")
    assert all("127.0.0.1:" in line for line in listening), listening


def test_run_move_a_lever_compare_and_upload(server, browser):
    port, _ = server
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"http://127.0.0.1:{port}/")
    page.get_by_text("Leadership levers").wait_for(timeout=60_000)
    page.get_by_text("Press Run").wait_for()
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text("done: month 120 of 120").wait_for(timeout=60_000)
    assert page.locator("img").count() >= 1  # the charts
    page.get_by_role("tab", name="Compare A and B").click()
    page.get_by_role("button", name="Keep this run as A").click()
    page.get_by_text("Run B to compare").wait_for()
    # move the first lever (alignment) to its lowest value: the run starts again by itself
    slider = page.get_by_role("slider").first
    slider.focus()
    slider.press("Home")
    page.get_by_text("leadership.alignment").wait_for(timeout=60_000)
    page.get_by_text("B - A [95% interval]").wait_for()
    # a broken scenario file dropped on the page: the message, no traceback
    # (a synthetic DataTransfer has no file-system entries, so the entry is supplied too)
    page.evaluate(
        """() => {
            const file = new File(["name = ["], "broken.toml", {type: "text/plain"});
            const entry = {isFile: true, file: (resolve) => resolve(file)};
            const event = new Event('drop', {bubbles: true, cancelable: true});
            Object.defineProperty(event, 'dataTransfer', {
                value: {items: [{webkitGetAsEntry: () => entry}], files: [file]},
            });
            document.querySelector('.solara-file-drop').dispatchEvent(event);
        }"""
    )
    page.get_by_text("broken.toml: TOML syntax error").wait_for(timeout=30_000)
    assert "Traceback" not in page.inner_text("body")
    # a second tab has a page of its own
    other = browser.new_page()
    other.goto(f"http://127.0.0.1:{port}/")
    other.get_by_text("Press Run").wait_for(timeout=60_000)
    assert other.get_by_text("broken.toml").count() == 0
    other.get_by_role("button", name="Run", exact=True).click()
    other.get_by_text("done: month 120 of 120").wait_for(timeout=60_000)
    shot = ROOT / "docs" / "img" / "dashboard.png"
    if not shot.exists():  # the README's screenshot
        other.set_viewport_size({"width": 1400, "height": 1000})
        other.screenshot(path=str(shot))
    other.close()
    page.close()
