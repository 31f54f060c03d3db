"""The report's "What the reactions tell us" section: present with stances, absent without."""

from __future__ import annotations

from pathlib import Path

from accord.io import load_scenario
from accord.model import Scenario
from accord.report import build_report

REACTIONS = Path(__file__).resolve().parent.parent / "calibrate" / "data" / "reactions.yaml"


def test_section_shows_fit_revision_and_acceptance() -> None:
    html = build_report(load_scenario(REACTIONS))
    assert '<section id="reactions">' in html and "What the reactions tell us" in html
    assert 'href="#reactions"' in html
    assert "superseded by b-4" in html  # an uncounted statement says why
    assert "b: walk-away 0.450 -&gt; 0.400" in html  # the smallest revision in words
    assert "does not fit" in html and "before &rarr; after" in html


def test_no_section_without_stances(fixture_scenario: Scenario) -> None:
    assert not any(st.stance for st in fixture_scenario.statements)
    html = build_report(fixture_scenario)
    assert '<section id="reactions">' not in html and 'href="#reactions"' not in html
