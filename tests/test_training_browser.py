"""The dashboard's training page in headless Chromium, at a phone's width (420 px) and a
laptop's (1280 px): a game of two quarters (a 6-month horizon) played to its debrief, with
broken hours refused in place, no console error, no failed request and nothing wider
than the screen. The debrief's page and the saved game are downloaded and read."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from _browser import chromium_or_skip, dashboard, launched

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "scenarios" / "generic.toml"


@pytest.fixture(scope="module", autouse=True)
def _chromium() -> str:
    return chromium_or_skip()


@pytest.fixture(scope="module")
def server():
    with dashboard(CASE) as (port, _):
        yield port


@pytest.fixture(scope="module")
def browser(_chromium):
    with launched(_chromium) as b:
        yield b


def _watch(page, problems: list[str]) -> None:
    page.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))


def _width_ok(page, width: int) -> None:
    """Nothing wider than the screen, and nothing cut at its right edge (a container
    that clips would hide an overflow from the page's width)."""
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"the page is {wide} px wide on a {width} px screen"
    cut = page.evaluate(
        """(w) => Array.from(document.querySelectorAll(
                '.cf-training p, .cf-training li, .cf-training h2, .cf-training h3, '
                + '.cf-training button, .cf-training .cf-vega, .cf-training input'))
            .filter(e => !e.closest('table') && e.offsetParent !== null)
            .filter(e => e.getBoundingClientRect().right > w + 1)
            .map(e => e.tagName + ': ' + (e.innerText || '').slice(0, 50))""",
        width,
    )
    assert not cut, f"cut at the right edge of a {width} px screen: {cut}"


@pytest.mark.parametrize("width", [1280, 420])
def test_two_quarters_to_the_debrief(server, browser, width, tmp_path):
    from playwright.sync_api import expect  # waits for the page to catch up

    problems: list[str] = []
    page = browser.new_page(viewport={"width": width, "height": 900})
    _watch(page, problems)
    page.goto(f"http://127.0.0.1:{server}/")
    page.get_by_text("Press Run").wait_for(timeout=120_000)
    page.get_by_role("tab", name="Training").click()
    page.get_by_text("Lead a collaboration yourself").wait_for()
    # the dashboard's own settings and run bar step aside: the game has its own
    assert not page.get_by_text("Time spent engaging partners").is_visible()
    assert not page.get_by_role("button", name="Run", exact=True).is_visible()
    # a broken seed is refused in one line
    seed = page.get_by_label("Seed (a class plays one seed)")
    seed.fill("two")
    page.get_by_role("button", name="Start the game").click()
    page.get_by_text("The seed is a whole number, 0 or more.").wait_for()
    seed.fill("0")
    page.get_by_label("Length of the game").click(force=True)
    page.get_by_role("option", name="6 months (2 quarters)").click()
    page.get_by_role("button", name="Start the game").click()
    page.get_by_text("Quarter 1 of 2 (months 1-3 of 6)").wait_for(timeout=120_000)
    view = page.locator(".cf-view").inner_text()
    assert "Capacity:" in view and "hours a month" in view and "News:" in view
    for hidden in ("threshold", "profile", "alignment", "expectation"):
        assert hidden not in view.lower(), hidden
    _width_ok(page, width)
    # the paper's sentence is one click away
    sentence = page.get_by_text("engage with these prior values, experiences and expectations")
    assert not sentence.is_visible()
    page.locator(".cf-paper summary").first.click()
    sentence.wait_for()
    # broken hours: refused in place, nothing played
    play = page.get_by_role("button", name="Play quarter")
    residents = page.get_by_label("residents", exact=True)
    residents.fill("-4")
    page.get_by_text("hours cannot be negative").wait_for()
    expect(play).to_be_disabled()
    residents.fill("lots")
    page.get_by_text("'lots' is not a number of hours").wait_for()
    expect(play).to_be_disabled()
    residents.fill("900")
    page.get_by_text("a month has at most 744 hours").wait_for()
    expect(play).to_be_disabled()
    residents.fill("300")  # more than the leaders have: played, scaled down, and said so
    page.get_by_text("Every action will be scaled down to").wait_for()
    expect(play).to_be_enabled()
    residents.fill("8")
    page.get_by_label("with the other key leaders").fill("4")
    page.get_by_text("12 of ").wait_for()
    play.click()
    page.get_by_text("Quarter 2 of 2 (months 4-6 of 6)").wait_for(timeout=60_000)
    assert residents.input_value() == "8", "last quarter's hours carry over"
    page.get_by_text("The last quarter: the debrief follows it.").wait_for()
    play.click()
    page.get_by_role("heading", name="Debrief").wait_for(timeout=60_000)
    debrief = page.locator(".cf-debrief").inner_text()
    for words in ("steady", "firefight", "grow", "strong", "The paper's lessons"):
        assert words in debrief, words
    assert "quarter 1: engage residents 8, negotiate 4" in debrief
    page.locator(".cf-training .cf-vega svg").first.wait_for(timeout=60_000)
    svg_text = page.evaluate(
        "Array.from(document.querySelectorAll('.cf-training svg text'))"
        ".map(t => t.textContent).join(' | ')"
    )
    assert "you" in svg_text and "strong" in svg_text
    with page.expect_download(timeout=60_000) as dl:
        page.get_by_role("button", name="Debrief page (HTML)").click()
    html = tmp_path / "debrief.html"
    dl.value.save_as(html)
    assert "The paper's lessons" in html.read_text()
    with page.expect_download(timeout=60_000) as dl:
        page.get_by_role("button", name="Saved game (JSON)").click()
    saved = tmp_path / "game.json"
    dl.value.save_as(saved)
    game = json.loads(saved.read_text())
    assert game["months_played"] == 6 and len(game["quarters"]) == 2
    assert game["quarters"][0] == {"engage:citizens": 8.0, "negotiate": 4.0}
    time.sleep(0.5)  # the last redraw
    _width_ok(page, width)
    page.screenshot(path=str(tmp_path / f"training-{width}.png"), full_page=True)
    assert not problems, "\n".join(problems)
    page.close()
