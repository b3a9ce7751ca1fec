"""Docs that match the code: generated references are up to date, links resolve."""

from __future__ import annotations

import re
from pathlib import Path

from commonfuture.scenario.reference import render

ROOT = Path(__file__).resolve().parents[1]


def test_scenario_reference_is_up_to_date():
    committed = (ROOT / "docs" / "scenario-reference.md").read_text()
    assert committed == render(), "regenerate: python -m commonfuture.scenario.reference"


def test_readme_links_resolve():
    text = (ROOT / "README.md").read_text()
    for target in re.findall(r"\]\(([^)#]+)\)", text):
        if target.startswith("http"):
            continue
        assert (ROOT / target).exists(), target


def test_readme_opens_with_the_two_commands():
    head = (ROOT / "README.md").read_text().split("\n\n")[1]
    assert "make demo" in head and "make test" in head


def test_odd_tables_of_measures_and_parameters_are_generated_from_the_code():
    from commonfuture.docs import render

    committed = (ROOT / "docs" / "ODD.md").read_text()
    assert committed == render(committed), "regenerate: python -m commonfuture.docs"


def test_every_docs_page_is_in_the_sites_navigation():
    nav = (ROOT / "mkdocs.yml").read_text()
    pages = [
        p.relative_to(ROOT / "docs").as_posix()
        for p in (ROOT / "docs").rglob("*.md")
        if not p.relative_to(ROOT / "docs").as_posix().startswith("api/")
    ]
    missing = [p for p in pages if f": {p}" not in nav]
    assert not missing, f"pages not in mkdocs.yml nav: {missing}"
