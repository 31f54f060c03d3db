"""Open the HTML report in headless Chromium: the plots render and nothing leaves the machine.

Needs Debian's chromium (/usr/bin/chromium or $ACCORD_CHROMIUM); Playwright's own browser
download is not used. Skips, saying why, only when no chromium is installed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from browser_env import ARGS, CHROMIUM

from accord.io import bundled_names, load_scenario
from accord.report import build_report

from .conftest import FIXTURE  # noqa: TID252

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason=f"chromium not installed at {CHROMIUM} (set ACCORD_CHROMIUM)"),
]


def test_report_renders_offline(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    ref = "ukraine-2025" if "ukraine-2025" in bundled_names() else FIXTURE
    scenario = load_scenario(ref)
    report = tmp_path / "report.html"
    report.write_text(build_report(scenario), encoding="utf-8")
    requests: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(report.as_uri(), wait_until="load")
            page.wait_for_selector("body[data-plots-rendered]", timeout=60_000)
            assert page.get_attribute("body", "data-plots-error") is None
            n_plots = page.locator("div.plot").count()
            # one concessions heat map per plan that sets every issue (open plans have none)
            assert n_plots == 3 + sum(not p.open for p in scenario.plans)
            assert page.get_attribute("body", "data-plots-rendered") == str(n_plots)
            # Every plot drew an SVG with content; heat maps also paint an image or canvas.
            drawn = page.evaluate("""() => Array.from(document.querySelectorAll('div.plot'))
                .map(d => { const s = d.querySelector('svg.main-svg');
                            const r = s ? s.getBoundingClientRect() : {width: 0, height: 0};
                            return [d.id, s ? s.querySelectorAll('path, rect, image').length : 0,
                                    r.width, r.height,
                                    d.querySelectorAll('.heatmaplayer image, canvas').length];
                          })""")
            for fid, marks, width, height, painted in drawn:
                assert marks > 0 and width > 100 and height > 100, (fid, marks, width, height)
                if fid.startswith("fig-concessions-"):
                    assert painted > 0, f"{fid}: heat map not painted"
            points = page.locator("#fig-utility-space .scatterlayer .point").count()
            assert points > 0
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=False)
            assert shot.stat().st_size > 10_000
            plot_shot = tmp_path / "utility-space.png"
            page.locator("#fig-utility-space").screenshot(path=str(plot_shot))
            print(f"\nscreenshots of the report: {shot} {plot_shot}", file=sys.__stdout__)
            assert errors == [], errors
        finally:
            browser.close()
    foreign = [u for u in requests if not u.startswith(("file://", "data:"))]
    assert foreign == [], f"the report made network requests: {foreign}"
    assert any(u.startswith("file://") for u in requests)
