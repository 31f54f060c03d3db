from __future__ import annotations

import re

from accord.model import Scenario
from accord.report import build_report


def test_report_is_self_contained(fixture_scenario: Scenario) -> None:
    html = build_report(fixture_scenario)
    # The markup fetches nothing from elsewhere (the browser test checks the scripts too).
    markup = re.sub(r"<script>.*?</script>", "", html, flags=re.S)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", markup)
    assert "<script src" not in html and "<link rel=\"stylesheet\"" not in html
    assert "Plotly.newPlot" in html and html.count("<script>") == 2
    for section in ("summary", "plots", "plans", "timeline", "solver", "assumptions",
                    "provenance", "sources"):
        assert f'<section id="{section}">' in html
    assert "ASSUMPTIONS, NOT FACTS" in html
    assert html.count('class="plot"') == 3 + len(fixture_scenario.plans)


def test_report_escapes_scenario_text(fixture_scenario: Scenario) -> None:
    hostile = fixture_scenario.model_copy(update={"title": "<script>alert(1)</script>"})
    html = build_report(hostile)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_report_lists_provenance_and_solver(fixture_scenario: Scenario) -> None:
    html = build_report(fixture_scenario)
    assert "officially denied" in html and "rests on a single outlet" in html
    assert "Kalai-Smorodinsky" in html
    assert ("proven optimal" in html) or ("solver not available" in html)


def test_an_open_plan_gets_no_empty_concessions_figure() -> None:
    """Concessions are defined for one package; a plan with open issues has a range, so its
    heat map would be empty (it used to be drawn blank)."""
    from accord.io import load_scenario

    s = load_scenario("river-basin")
    html = build_report(s)
    open_plans = [p.id for p in s.plans if p.open]
    assert open_plans
    for p in s.plans:
        assert (f"fig-concessions-{p.id}" in html) is (p.id not in open_plans), p.id
