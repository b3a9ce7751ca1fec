"""The documentation site (make docs): builds with warnings as errors, README as home,
the tutorial as a page (run at build time), an API page per main module generated from
the docstrings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = (
    "simulation scenario model parameters outputs population micro meso macro experiments "
    "patterns report mesa dashboard"
).split()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def test_home_is_the_readme(site):
    home = (site / "index.html").read_text()
    assert "runs the three Edinburgh cases" in home  # the README's first lines
    # README links into docs/ point at the site's pages
    assert 'href="ODD.html"' in home and 'href="docs/' not in home
    assert (site / "benchmarks" / "index.html").is_file() and (site / "LICENSE").is_file()


def test_api_pages_are_generated_from_the_docstrings(site):
    for name in MODULES:
        page = (site / "api" / f"{name}.html").read_text()
        assert f"commonfuture.{name}" in page, name
    sim = (site / "api" / "simulation.html").read_text()
    assert "Advance one month; return its measures" in sim  # Run.step's docstring
    assert ":func:" not in sim and ":class:" not in sim  # Sphinx roles shown as code
    mesa = (site / "api" / "mesa.html").read_text()
    assert "drive it unchanged:</p>" in mesa  # reST's "::" before the example


def test_tutorial_is_a_page_linking_to_pages(site):
    page = (site / "tutorial.html").read_text()
    assert "Tutorial: commonfuture for researchers" in page
    assert "members this month, per replicate: [" in page  # run at build time: outputs shown
    assert 'href="calibration.html"' in page and 'href="calibration.md"' not in page
