"""The dashboard in headless Chromium, served by ``commonfuture dashboard`` as a user starts it,
at a phone's width (420 px) and a laptop's (1280 px).

Each test fails on a console error, a failed or 404 request, a banner over the content, a
missing stage name, a page wider than the screen, or an exported report that leaves out
a change the user made.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest

from _browser import chromium_or_skip, dashboard, launched

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "scenarios" / "edinburgh" / "carbon-literacy.toml"  # 48 months, one event
DONE = "done: month 48 of 48"
STAGE_WORDS = ("no coupling", "coupling", "integration", "linking")


@pytest.fixture(scope="module", autouse=True)
def _chromium() -> str:
    """No browser: skip (fail under CI=true) before the dashboard is started."""
    return chromium_or_skip()


@pytest.fixture(scope="module")
def server():
    with dashboard(CASE) as running:
        yield running


@pytest.fixture(scope="module")
def browser(_chromium):
    with launched(_chromium) as b:
        yield b


class Watched:
    """A page whose console errors, page errors and failed requests are recorded."""

    def __init__(self, browser, port: int, width: int, height: int = 900):
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.problems: list[str] = []
        p = self.page
        p.on(
            "console",
            lambda m: (
                self.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None
            ),
        )
        p.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        p.on(
            "response",
            lambda r: self.problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        p.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url}"))
        p.goto(f"http://127.0.0.1:{port}/")
        p.get_by_text("Press Run").wait_for(timeout=120_000)

    def run(self) -> None:
        self.page.get_by_role("button", name="Run", exact=True).click()
        self.page.get_by_text(DONE).wait_for(timeout=120_000)
        self.page.locator(".cf-charts svg").first.wait_for(timeout=60_000)
        time.sleep(1.0)  # the last redraw

    def check(self) -> None:
        assert not self.problems, "\n".join(self.problems)


def _no_horizontal_overflow(page, width: int) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"the page is {wide} px wide on a {width} px screen"


def _nothing_over(page, selector: str) -> None:
    """Every element matched is on top where it is drawn (no banner or bar covers it)."""
    covered = page.evaluate(
        """(sel) => {
            const out = [];
            for (const el of document.querySelectorAll(sel)) {
                el.scrollIntoView({block: "center"});
                const r = el.getBoundingClientRect();
                const x = r.left + r.width / 2, y = r.top + r.height / 2;
                const top = document.elementFromPoint(x, y);
                if (top && !el.contains(top) && !top.contains(el)) {
                    out.push((top.className || top.tagName) + ": " +
                             (top.innerText || "").slice(0, 60));
                }
            }
            return out;
        }""",
        selector,
    )
    assert not covered, f"covered by: {covered}"


def _stage_names_shown(page) -> None:
    charts = page.locator(".cf-charts").first.inner_text()
    svg_text = page.evaluate(
        "Array.from(document.querySelectorAll('.cf-charts svg text'))"
        ".map(t => t.textContent).join(' | ')"
    )
    status = page.locator(".cf-status").inner_text()
    for words in STAGE_WORDS:
        assert words in svg_text or words in charts, f"stage name {words!r} not on the charts"
    assert re.search(r"at stage \d, (no coupling|coupling|integration|linking)", status), status


@pytest.mark.parametrize("width", [1280, 420])
def test_page_at_two_widths(server, browser, width, tmp_path):
    port, _ = server
    w = Watched(browser, port, width)
    page = w.page
    assert page.get_by_text("This website runs on Solara").count() == 0
    heading = page.locator("h1", has_text="commonfuture")
    box = heading.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, "the title is cut"
    assert heading.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    levers = page.get_by_text("Time spent engaging partners")
    if width < 600:  # the settings fold away behind a button
        assert not levers.is_visible()
        page.get_by_role("button", name="Settings").click()
        levers.wait_for()
        assert levers.is_visible()
        page.get_by_role("button", name="Hide settings").click()
    else:
        assert levers.is_visible()
        assert not page.get_by_role("button", name="Settings", exact=True).is_visible()
    w.run()
    _stage_names_shown(page)
    _no_horizontal_overflow(page, width)
    _nothing_over(page, ".cf-charts .cf-vega")
    # values on hover: point at the middle of the stage chart
    chart = page.locator(".cf-charts .cf-vega").first
    chart.scroll_into_view_if_needed()
    b = chart.bounding_box()
    page.mouse.move(b["x"] + b["width"] * 0.6, b["y"] + b["height"] * 0.4, steps=6)
    tip = page.locator("#vg-tooltip-element")
    tip.wait_for(state="visible", timeout=10_000)
    assert "month" in tip.inner_text() and "linking" in tip.inner_text()
    # the event of the case is marked on the charts (a dashed rule)
    assert (
        page.locator(".cf-charts svg line[stroke-dasharray]").count()
        + page.locator(".cf-charts svg path[stroke-dasharray]").count()
        >= 1
    )
    # the help panel and the guide
    page.get_by_role("button", name="What am I looking at?").click()
    page.get_by_text("The first chart shows the share of runs at each stage").wait_for()
    page.get_by_role("button", name="Guide and glossary").click()
    page.get_by_text("Stage 2, integration of actors").wait_for()
    page.get_by_role("tab", name="Charts").click()
    page.locator(".cf-charts svg").first.wait_for()
    page.screenshot(path=str(tmp_path / f"dashboard-{width}.png"))
    _no_horizontal_overflow(page, width)
    w.check()
    page.close()


def test_file_input_is_clickable_and_keyboard_reachable(server, browser, tmp_path):
    port, _ = server
    w = Watched(browser, port, 1280)
    page = w.page
    chooser = page.locator("input[type=file]")
    assert chooser.count() == 1 and chooser.is_visible()
    # the keyboard reaches it: Tab moves the focus along until the file input has it
    page.locator("body").click(position={"x": 5, "y": 5})
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.type === 'file'"):
            break
    else:
        pytest.fail("Tab never reaches the file input")
    with page.expect_file_chooser() as fc:
        page.keyboard.press("Enter")  # opens the chooser
    broken = tmp_path / "broken.toml"
    broken.write_text("name = [")
    fc.value.set_files(str(broken))
    page.get_by_text("broken.toml: TOML syntax error").wait_for(timeout=30_000)
    assert "Traceback" not in page.inner_text("body")
    # a click opens it too, and a good file loads
    with page.expect_file_chooser() as fc:
        chooser.click()
    fc.value.set_files(str(ROOT / "scenarios" / "generic.toml"))
    page.get_by_text("A small generic cross-sector collaboration").first.wait_for(timeout=30_000)
    w.check()
    page.close()


def test_export_lists_every_change(server, browser, tmp_path):
    """Move a lever, remove the case's event, add one, run: the report says so, and
    describes the events as run."""
    port, _ = server
    w = Watched(browser, port, 1280)
    page = w.page
    box = page.get_by_role("checkbox", name="run again when a setting changes")
    page.get_by_text("run again when a setting changes").click()  # the label toggles it
    assert not box.is_checked()
    slider = page.get_by_role("slider").first
    slider.focus()
    slider.press("Home")  # alignment to 0
    page.get_by_text("Time spent engaging partners: 0").wait_for()
    page.get_by_role("tab", name="Events").click()
    page.get_by_text("a key leader withdraws (third sector)").wait_for()
    page.get_by_role("button", name="remove").first.click()
    page.get_by_role("button", name="Add event").click()  # the default: a public leader
    page.get_by_text("a key leader withdraws (public sector) (added in the dashboard)").wait_for()
    page.get_by_role("tab", name="Charts").click()
    w.run()
    page.get_by_role("tab", name="Export").click()
    page.get_by_text("The report lists these changes").wait_for()
    # the report draws five figures: on a busy 2-core machine that takes more than
    # Playwright's default 30 s
    with page.expect_download(timeout=120_000) as dl:
        page.get_by_role("button", name="Report of this run (HTML)").click()
    path = tmp_path / "report.html"
    dl.value.save_as(path)
    report = path.read_text()
    assert "none: the scenario as written" not in report
    assert "modified" in report
    assert "Time spent engaging partners (leadership.alignment)" in report
    assert re.search(r"leadership\.alignment\)[^<]*-&gt; 0\b", report), "the new value"
    assert "event removed: month 18: a key leader withdraws (third sector)" in report
    assert "event added: month 16: a key leader withdraws (public sector)" in report
    events = re.search(r"<p class='events'>(.*?)</p>", report).group(1)
    assert "third sector" not in events and "public sector" in events
    w.check()
    page.close()


def test_second_tab_has_a_page_of_its_own(server, browser):
    port, _ = server
    a = Watched(browser, port, 1280)
    a.page.get_by_role("tab", name="Events").click()
    a.page.get_by_role("button", name="Add event").click()
    b = Watched(browser, port, 1280)
    b.page.get_by_role("tab", name="Events").click()
    assert b.page.get_by_text("added in the dashboard").count() == 0
    a.check()
    b.check()
    a.page.close()
    b.page.close()


def test_binds_to_localhost_only(server):
    port, proc = server
    out = subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout
    listening = [line for line in out.splitlines() if f":{port} " in line]
    if not listening:
        pytest.skip("ss shows no sockets here")
    assert all("127.0.0.1:" in line for line in listening), listening
