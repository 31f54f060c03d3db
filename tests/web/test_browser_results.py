"""Issue 19 in headless Chromium (Debian's package, driven by Playwright) against a real
`accord serve` process: the mediator runs a score, a robustness run on a chosen plan and
sample count, and a solve; each result page shows its table; an edit of the source makes the
results stale; a robustness run interrupted by a restart (SIGKILL, then a new server on the
same database) is re-run from its page. Screenshots go to out/screenshots/issue19-*.png.
"""

from __future__ import annotations

import json
import os
import re
import signal
from pathlib import Path
from typing import Any

import pytest
from browser_env import ARGS, CHROMIUM
from browser_env import free_port as _free_port
from browser_env import start_server as _start

from accord.store import Store

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("ACCORD_SCREENSHOTS", ROOT / "out" / "screenshots"))
SECRET = Path(__file__).resolve().parent / "data" / "secret.yaml"
PASSWORD = "correct horse battery"
NAMES = ("Ukraine", "Russia")

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _bundled_case() -> Path:
    from accord.io.loader import bundled_dir

    return bundled_dir() / "ukraine-2025.yaml"


def _sign_in(page: Any, base: str, user: str = "med") -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/")


def _finish(page: Any) -> None:
    page.wait_for_url(re.compile(r".*/jobs/\d+$"))
    page.wait_for_selector("body[data-job-done]", timeout=180_000)
    assert page.inner_text("#job-status") == "done", page.inner_text("#job-error")


def _shot(page: Any, name: str, full: bool = True) -> None:
    page.screenshot(path=str(SHOTS / f"issue19-{name}.png"), full_page=full)


def test_results_in_chromium(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set ACCORD_CHROMIUM; .ci/run installs it)")
    if not _bundled_case().exists():
        pytest.skip("the bundled ukraine-2025 case is not installed")
    from argon2 import PasswordHasher
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{tmp_path / 'results.db'}"
    store = Store(url)
    light = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    store.create_user("med", light)
    store.create_user("ua_del", light)
    store.close()
    port, log = _free_port(), tmp_path / "server.log"
    base = f"http://127.0.0.1:{port}"
    proc = _start(url, port, log)
    errors: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            try:
                ctx = browser.new_context(viewport={"width": 1280, "height": 900})
                med = ctx.new_page()
                med.on("pageerror", lambda e: errors.append(str(e)))
                _sign_in(med, base)
                # two scenarios, so the list's search has something to find
                med.set_input_files("#upload-file", str(_bundled_case()))
                med.wait_for_function("document.querySelector("
                                      "'#upload-form textarea[name=text]').value.length > 100")
                med.click("#upload-submit")
                med.wait_for_url(re.compile(r".*/scenarios/\d+$"))
                sid = med.url.rsplit("/", 1)[1]
                status = med.evaluate(
                    "async (t) => (await api('POST', '/api/scenarios', "
                    "{text: t, filename: 'secret.yaml'})).status", SECRET.read_text())
                assert status == 201
                med.goto(f"{base}/")
                med.fill("#scenario-search", "ukraine")
                rows = med.locator("#scenario-list tbody tr:not([hidden])")
                assert rows.count() == 1 and "ukraine" in rows.inner_text().lower()
                _shot(med, "scenario-list-search", full=False)

                # the tabs
                med.goto(f"{base}/scenarios/{sid}")
                assert med.locator("section#overview").is_visible()
                assert not med.locator("section#analyses").is_visible()
                _shot(med, "overview-tab", full=False)
                med.click("#tab-analyses")
                assert med.locator("#run-robustness").is_visible()
                _shot(med, "analyses-tab", full=False)

                # score
                med.click("#run-score-button")
                _finish(med)
                table = med.locator("table.scorecard").first
                assert table.is_visible()
                text = table.inner_text()
                assert all(n in text for n in NAMES), text
                assert "walk-away" in text and "verdict" in text
                assert med.locator("table.concessions").count() >= 1
                assert med.locator("#fresh-badge").is_visible()
                score_url = med.url
                _shot(med, "score")

                # published, the delegate of Ukraine sees the scorecard without the others'
                # walk-aways, margins, reasons and red lines
                med.click("#publish-button")
                med.wait_for_selector("#published-badge")
                db = Store(url)
                try:
                    db.set_member(int(sid), db.user_by_name("ua_del").id, "delegate", "ua",
                                  db.user_by_name("med").id, "ua_del")
                finally:
                    db.close()
                dele = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                dele.on("pageerror", lambda e: errors.append(str(e)))
                _sign_in(dele, base, "ua_del")
                dele.goto(score_url)
                row = dele.locator("table.scorecard").first.locator("tr[data-party=ru] td")
                cells = row.all_inner_texts()
                assert cells[0] == "Russia" and cells[1] != "—"  # its utility is shown
                assert cells[2] == cells[3] == cells[5] == cells[6] == "—"
                own = dele.locator("table.scorecard").first.locator("tr[data-party=ua] td")
                assert own.all_inner_texts()[2] != "—"  # its own walk-away
                assert dele.locator("#publish-button").count() == 0
                _shot(dele, "delegate-score", full=False)
                dele.context.close()

                # robustness on a chosen plan and sample count
                med.goto(f"{base}/scenarios/{sid}#analyses")
                plan = "e3-counter-2025-11-23"
                med.select_option("#run-robustness select[name=plan]", plan)
                med.fill("#run-robustness input[name=samples]", "2000")
                med.fill("#run-robustness input[name=seed]", "5")
                med.click("#run-robustness-button")
                _finish(med)
                assert med.inner_text("#robust-plan") == plan
                rob = med.inner_text("#robustness-table")
                assert all(n in rob for n in NAMES) and "%" in rob
                assert "2000" in med.inner_text("#robustness-results")
                assert med.locator("#hinges-table").is_visible()
                med.wait_for_selector("#plot .main-svg", timeout=30_000)
                _shot(med, "robustness")

                # solve
                med.goto(f"{base}/scenarios/{sid}#analyses")
                med.select_option("#run-solve select[name=method]", "nash")
                med.fill("#run-solve input[name=top]", "2")
                med.uncheck("#run-solve input[name=red_lines]")
                med.click("#run-solve-button")
                _finish(med)
                cmp = med.inner_text("#solve-compare")
                assert "package 1" in cmp and "package 2" in cmp and plan in cmp
                assert all(n in cmp for n in NAMES)
                med.wait_for_selector("#plot .main-svg", timeout=30_000)
                assert any(n in med.inner_text("#plot") for n in NAMES)  # axes by name
                _shot(med, "solve")

                # the report, in the browser
                report = ctx.new_page()
                report.on("pageerror", lambda e: errors.append(str(e)))
                resp = report.goto(f"{base}/scenarios/{sid}/report")
                assert resp is not None and resp.status == 200
                assert resp.headers["content-security-policy"].startswith(
                    "sandbox allow-scripts")
                _shot(report, "report", full=False)
                report.close()

                # an edit of the source makes the results stale
                med.goto(f"{base}/scenarios/{sid}#source")
                area = "#edit-form textarea[name=text]"
                assert med.locator(".editor pre.gutter").is_visible()
                text = med.input_value(area)
                med.fill(area, text.replace("\ntitle: ", "\ntitle: Edited - ", 1))
                med.fill("#edit-form input[name=message]", "retitled")
                _shot(med, "source-editor", full=False)
                med.click("#save-source")
                med.wait_for_function("document.querySelector('#version').textContent === '2'")
                med.goto(score_url)
                assert med.locator("#stale-badge").is_visible()
                assert "now version 2" in med.inner_text("#stale-badge")
                _shot(med, "stale", full=False)

                # a phone
                phone = browser.new_context(viewport={"width": 390, "height": 844},
                                            is_mobile=True, has_touch=True,
                                            storage_state=ctx.storage_state()).new_page()
                phone.on("pageerror", lambda e: errors.append(str(e)))
                phone.goto(score_url)
                width = phone.evaluate("document.documentElement.scrollWidth")
                assert width <= 400, f"the page is {width}px wide on a phone"
                _shot(phone, "phone-score", full=False)
                phone.goto(f"{base}/scenarios/{sid}#analyses")
                wide = phone.evaluate(
                    "[...document.querySelectorAll('body *')].filter(e => "
                    "e.getBoundingClientRect().right > 400 && !e.closest('.scroll, nav'))"
                    ".map(e => e.tagName + '#' + e.id + '.' + e.className).slice(0, 5)")
                assert phone.evaluate("document.documentElement.scrollWidth") <= 400, wide
                _shot(phone, "phone-analyses", full=False)

                # a robustness run interrupted by a restart: ten runs queued ahead of it (the
                # queue holds 20) keep the two workers busy far longer than the moment between
                # submitting it and the kill, so it is still queued or running when killed
                big = {"kind": "robustness", "samples": 100_000, "plan": plan}
                for _ in range(10):
                    assert med.evaluate("async ([u, b]) => (await api('POST', u, b)).status",
                                        [f"/api/scenarios/{sid}/jobs", big]) == 202
                med.goto(f"{base}/scenarios/{sid}#analyses")
                med.select_option("#run-robustness select[name=plan]", plan)
                med.fill("#run-robustness input[name=samples]", "100000")
                med.click("#run-robustness-button")
                med.wait_for_url(re.compile(r".*/jobs/\d+$"))
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
                job_url = med.url
                proc = _start(url, port, log)
                med.goto(job_url)
                assert med.inner_text("#job-status") == "interrupted"
                _shot(med, "interrupted", full=False)
                med.click("#rerun-button")
                med.wait_for_url(lambda u: u != job_url and re.search(r"/jobs/\d+$", u))
                _finish(med)
                assert med.inner_text("#robust-plan") == plan
                params = json.loads(med.text_content("#job-data") or "{}")["params"]
                assert params["samples"] == 100_000 and params["plan"] == plan
                _shot(med, "rerun-done")
            finally:
                browser.close()
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(20)
    assert not errors, errors
    shots = sorted(SHOTS.glob("issue19-*.png"))
    assert len(shots) >= 12 and all(s.stat().st_size > 1000 for s in shots)


def test_calibration_page_in_chromium(tmp_path: Path) -> None:
    """Issue 19: the mediator calibrates from the analyses tab; the page shows the
    observations, the revision in words, and acceptance under the prior and the posterior."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set ACCORD_CHROMIUM; .ci/run installs it)")
    from argon2 import PasswordHasher
    from playwright.sync_api import sync_playwright

    from tests.web.conftest import with_stances

    SHOTS.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{tmp_path / 'calibrate.db'}"
    store = Store(url)
    store.create_user("med", PasswordHasher(time_cost=1, memory_cost=1024,
                                            parallelism=1).hash(PASSWORD))
    store.close()
    port, log = _free_port(), tmp_path / "server.log"
    base = f"http://127.0.0.1:{port}"
    proc = _start(url, port, log)
    errors: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            try:
                med = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                med.on("pageerror", lambda e: errors.append(str(e)))
                _sign_in(med, base)
                sid = med.evaluate(
                    "async (t) => (await api('POST', '/api/scenarios', "
                    "{text: t, filename: 'secret.yaml'})).data.id",
                    with_stances(SECRET.read_text()))
                med.goto(f"{base}/scenarios/{sid}")
                med.click("#tab-analyses")
                med.fill("#run-calibrate input[name=samples]", "5000")
                med.fill("#run-calibrate input[name=seed]", "2")
                med.click("#run-calibrate-button")
                _finish(med)
                obs = med.inner_text("#observations-table")
                assert "st-ru-p2" in obs and "Russian Federation" in obs
                acc = med.inner_text("#calibrate-acceptance")
                assert "Ukraine" in acc and "%" in acc
                assert "walk-away" in med.inner_text("#revision-list")
                assert med.locator("#calibrate-red-lines").is_visible()
                _shot(med, "calibration")
            finally:
                browser.close()
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(20)
    assert not errors, errors
