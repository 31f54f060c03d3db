"""JSON inside <script> cannot end its element: a report built from hostile ids and text,
opened from disk in Chromium (where no CSP applies), runs no injected script and still
draws every plot."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from browser_env import ARGS, CHROMIUM

from accord.model import Scenario
from accord.report import build_report
from accord.report.escape import escape_json_text, script_json

INJECT = "</script><script>document.title='PWNED'</script>"
SWALLOW = "<!--<script>"


def _hostile(scenario: Scenario) -> Scenario:
    """Every plan id and title carries script; built past validation, so the escaping is
    tested whatever rule ids follow."""
    renamed = {p.id: f"{p.id}{INJECT}" for p in scenario.plans}
    plans = [p.model_copy(update={
        "id": renamed[p.id], "title": f"{SWALLOW}{p.title}{INJECT}&amp;",
        **({"based_on": renamed.get(p.based_on, p.based_on)}
           if getattr(p, "based_on", None) else {})}) for p in scenario.plans]
    return scenario.model_copy(update={"plans": plans, "title": SWALLOW + scenario.title})


def test_script_json_escapes_and_reads_back_the_same() -> None:
    value = {"a": INJECT + SWALLOW + "&\u2028\u2029"}
    text = script_json(value)
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == value
    assert escape_json_text(json.dumps(value)) == text


def test_no_script_element_of_the_report_holds_an_unescaped_angle(
        fixture_scenario: Scenario) -> None:
    html = build_report(_hostile(fixture_scenario))
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    assert len(scripts) == 2  # plotly.js, then the figures: nothing injected ended one early
    data = scripts[1]
    assert SWALLOW not in data and "<script" not in data and "&amp;" not in data


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(),
                    reason=f"chromium not installed at {CHROMIUM} (set ACCORD_CHROMIUM)")
def test_hostile_report_runs_no_injected_script(tmp_path: Path,
                                               fixture_scenario: Scenario) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    scenario = _hostile(fixture_scenario)
    report = tmp_path / "report.html"
    report.write_text(build_report(scenario), encoding="utf-8")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(report.as_uri(), wait_until="load")
            page.wait_for_selector("body[data-plots-rendered]", timeout=60_000)
            assert page.title() != "PWNED" and dialogs == []
            assert page.get_attribute("body", "data-plots-error") is None
            n_plots = page.locator("div.plot").count()
            assert page.get_attribute("body", "data-plots-rendered") == str(n_plots)
            # the hostile text arrived as text
            assert INJECT in page.evaluate("() => document.body.innerText")
        finally:
            browser.close()
