"""Every kind of report, opened in headless Chromium (Playwright): no console errors, no
horizontal overflow on a 420 px wide screen, and every figure with a caption and alt
text. Chromium is found as tests/_browser.py says; without it these tests skip, except
under CI=true, where they fail (.ci/run installs it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from _browser import chromium_or_skip, launched
from commonfuture.cli._app import app
from conftest import GENERIC

runner = CliRunner()

SMALL = f"""
name = "{{name}}"
scenario = "{GENERIC.as_posix()}"
design = "{{design}}"
samples = 4
replicates = 1
seed = 2
outputs = ["members_end", "value_created"]
overrides = {{{{ months = 6, "population.counts.citizens" = 60 }}}}

[[factors]]
path = "leadership.alignment"
range = [0.1, 0.9]
levels = 2

[[factors]]
path = "leadership.arbitration"
range = [0.1, 0.9]
levels = 2
"""


def invoke(*args) -> None:
    r = runner.invoke(app, [str(a) for a in args])
    assert r.exit_code == 0, r.output


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    chromium_or_skip()  # no browser: skip before the reports are built
    d = tmp_path_factory.mktemp("reports")
    invoke("run", GENERIC, "-r", 2, "-o", d / "run", "--set", "months=12")
    for name, a in (("strong", 0.8), ("weak", 0.2)):
        invoke(
            "run",
            GENERIC,
            "-r",
            1,
            "-o",
            d / "runs" / name,
            "--set",
            "months=6",
            "--set",
            f"leadership.alignment={a}",
        )
    invoke("experiment", "stages", "-r", 2, "--scale", "0.2", "-o", d / "patterns")
    (d / "grid.toml").write_text(SMALL.format(name="grid", design="grid"))
    invoke("sweep", d / "grid.toml", "-o", d / "sweep", "-w", 1)
    (d / "sobol.toml").write_text(SMALL.format(name="sobol", design="sobol"))
    invoke("sensitivity", d / "sobol.toml", "-o", d / "sensitivity", "-w", 1)
    invoke("cascades", "-o", d / "cascades", "--n", 200, "--trials", 2)
    pages = {}
    for kind in ("run", "runs", "patterns", "sweep", "sensitivity", "cascades"):
        invoke("report", d / kind)
        pages[kind] = d / kind / "report.html"
    return pages


@pytest.fixture(scope="module")
def browser():
    with launched(chromium_or_skip()) as b:
        yield b


KINDS = ("run", "runs", "patterns", "sweep", "sensitivity", "cascades")


@pytest.mark.parametrize("kind", KINDS)
def test_report_opens_cleanly_at_420px(browser, reports, kind):
    page = browser.new_page(viewport={"width": 420, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(reports[kind].resolve().as_uri())
    page.wait_for_load_state("load")
    assert page.evaluate("document.body.dataset.kind") == kind
    assert not problems, problems
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 420, f"{kind}: page is {width} px wide at a 420 px viewport"
    figures = page.evaluate(
        """() => [...document.images].map(img => ({
            alt: img.getAttribute('alt') || '',
            caption: img.closest('figure')?.querySelector('figcaption')?.innerText || '',
            loaded: img.complete && img.naturalWidth > 0,
            inside: img.getBoundingClientRect().right <= 420 + 1,
        }))"""
    )
    assert figures, f"{kind}: no figures"
    for f in figures:
        assert f["alt"].strip() and f["alt"] != "figure", f
        assert f["caption"].strip(), f
        assert f["loaded"] and f["inside"], f
    page.close()
