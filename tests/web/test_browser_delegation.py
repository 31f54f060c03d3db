"""Issue 18 in headless Chromium (Debian's package, driven by Playwright) against a real
uvicorn server, on SQLite and on PostgreSQL: a delegate who never sees YAML joins through an
invitation and states its preferences through the form, watching its own score change; the
mediator sees the change in the history as a small diff; an observer sees only what it may;
a 409 conflict keeps the delegate's edits. A screenshot of each step goes to out/screenshots/.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_env import ARGS, CHROMIUM

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("ACCORD_SCREENSHOTS", ROOT / "out" / "screenshots"))
SECRET = Path(__file__).resolve().parent / "data" / "secret.yaml"
PASSWORD = "correct horse battery"
# Other parties' confidential numbers and notes in data/secret.yaml.
HIDDEN = ["0.271828", "0.693147", "RU-PARTY-NOTE", "RU-RATIONALE", "0.414213", "EU-RATIONALE"]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(db_url: str) -> Iterator[tuple[str, Any]]:
    import uvicorn
    from argon2 import PasswordHasher

    from accord.web import create_app

    app = create_app(db_url)
    light = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    app.state.store.create_user("med", light)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started
    yield f"http://127.0.0.1:{port}", app
    srv.should_exit = True
    thread.join(10)
    app.state.jobs.shutdown()
    app.state.store.close()


def _invite(med: Any, base: str, sid: str, role: str, party: str | None) -> str:
    med.goto(f"{base}/scenarios/{sid}/members")
    med.select_option("#invite-form select[name=role]", role)
    med.select_option("#invite-form select[name=party]", party or "")
    med.fill("#invite-form input[name=hours]", "24")
    med.click("#invite-form button[type=submit]")
    med.wait_for_function("document.getElementById('invite-url').value.includes('/invite/')")
    return str(med.input_value("#invite-url"))


def _join(page: Any, url: str, name: str) -> None:
    page.goto(url)
    page.fill("#join-new input[name=username]", name)
    page.fill("#join-new input[name=password]", "a long password 1")
    page.click("#join-new button[type=submit]")
    page.wait_for_url(re.compile(r".*/scenarios/\d+$"))


def _cell(page: Any, plan: str, col: str) -> str:
    return str(page.inner_text(f"#preview-table tr[data-plan='{plan}'] td.{col}"))


def _wait_preview(page: Any) -> None:
    page.wait_for_function("document.body.dataset.previewSeq !== undefined && "
                           "document.getElementById('live-status').textContent === "
                           "'preview updated'")


def _set(page: Any, selector: str, value: str) -> None:
    """Type into a field as a person would: the value, then an input event."""
    page.eval_on_selector(selector, "(el, v) => { el.value = v; el.dispatchEvent("
                          "new Event('input', {bubbles: true})); }", value)


def test_delegation_in_chromium(server: tuple[str, Any], db_url: str) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set ACCORD_CHROMIUM; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    base, _app = server
    db = "sqlite" if db_url.startswith("sqlite") else "postgres"
    SHOTS.mkdir(parents=True, exist_ok=True)

    def shot(page: Any, n: int, what: str, full: bool = True) -> None:
        page.screenshot(path=str(SHOTS / f"issue18-{db}-{n:02d}-{what}.png"), full_page=full)

    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            def context_page() -> Any:
                pg = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                pg.on("pageerror", lambda e: errors.append(str(e)))
                return pg

            # the mediator signs in, uploads the case and invites a delegate for ua
            med = context_page()
            med.goto(f"{base}/login")
            med.fill("input[name=username]", "med")
            med.fill("input[name=password]", PASSWORD)
            med.click("#login-form button[type=submit]")
            med.wait_for_url(f"{base}/")
            med.set_input_files("#upload-file", str(SECRET))
            med.wait_for_function(
                "document.querySelector('#upload-form textarea[name=text]').value.length > 100")
            med.click("#upload-submit")
            med.wait_for_url(re.compile(r".*/scenarios/\d+$"))
            sid = med.url.rsplit("/", 1)[1]
            link = _invite(med, base, sid, "delegate", "ua")
            shot(med, 1, "mediator-creates-invitation")

            # the delegate opens the link and signs up: no YAML anywhere on its pages
            dele = context_page()
            dele.goto(link)
            assert "delegate for ua" in dele.inner_text("#invite-role")
            shot(dele, 2, "invitation-page")
            _join(dele, link, "olena")
            assert dele.inner_text("#role") == "delegate for ua"
            assert dele.locator("textarea").count() == 0
            shot(dele, 3, "delegate-joined")
            dele.click("#edit-prefs-ua")
            dele.wait_for_url(re.compile(r".*/preferences/ua$"))
            body = dele.inner_text("body")
            assert "weights:" not in body and "values:" not in body
            assert not any(m in dele.content() for m in HIDDEN)
            before = _cell(dele, "p2", "now")
            shot(dele, 4, "form-as-saved")

            # weights by slider, values in the table, one red line, the walk-away
            for i, w in enumerate(("50", "30", "20")):
                _set(dele, f"input[type=range][data-for='w.{i}']", w)
            assert dele.input_value("input[name='w.0']") == "50"
            assert dele.inner_text(".share[data-i='0']") == "50%"
            assert dele.inner_text("#weight-total") == "100%"
            _set(dele, "input[name='v.0.1']", "0.6")
            _set(dele, "input[name='v.1.1']", "0.5")
            _set(dele, "input[name='v.2.1']", "0.25")
            dele.check("input[name='r.1.2']")  # never accept an army cap of 600000
            dele.evaluate("delete document.body.dataset.previewSeq")
            _set(dele, "#reservation", "0.2")
            _wait_preview(dele)
            edited = _cell(dele, "p2", "edited")
            assert edited.split()[0] != before.split()[0], (before, edited)
            assert "army = 600000" in _cell(dele, "p1", "edited")
            shot(dele, 5, "live-preview")
            dele.click("#save-button")
            dele.wait_for_url(re.compile(r".*\?saved=2$"))
            assert "Saved as version 2" in dele.inner_text("#saved")
            assert _cell(dele, "p2", "now").split()[0] == edited.split()[0]
            shot(dele, 6, "saved-score-changed")

            # the mediator sees the change as a small diff in the history
            med.goto(f"{base}/scenarios/{sid}/history")
            assert "olena" in med.inner_text("#versions")
            med.click("#diff-2")
            med.wait_for_url(re.compile(r".*/diff\?a=1&b=2$"))
            changed = [ln for ln in med.inner_text("pre.diff").splitlines()
                       if ln[:1] in "+-" and ln[:3] not in ("+++", "---")]
            assert 0 < len(changed) <= 30, changed
            assert any("0.2" in ln for ln in changed)
            shot(med, 7, "mediator-history-diff")

            # an observer joins and sees no party's preferences, and no form
            link = _invite(med, base, sid, "observer", None)
            obs = context_page()
            _join(obs, link, "watcher")
            assert obs.inner_text("#role") == "observer"
            assert obs.locator("#edit-prefs-ua").count() == 0
            html = obs.content()
            assert not any(m in html for m in [*HIDDEN, "0.161803", "UA-PARTY-NOTE", "0.2468"])
            shot(obs, 8, "observer-scenario")
            obs.goto(f"{base}/scenarios/{sid}/preferences/ua")
            assert "Not available" in obs.inner_text("main")
            shot(obs, 9, "observer-form-refused")

            # a 409: the mediator saves while the delegate edits; the edits survive
            dele.goto(f"{base}/scenarios/{sid}/preferences/ua")
            dele.fill("#note", "We can live with a smaller army.")
            _set(dele, "input[name='v.1.1']", "0.7")
            status = med.evaluate("""async (sid) => {
                const csrf = document.cookie.match(/accord_csrf=([^;]+)/)[1];
                const text = await (await fetch('/api/scenarios/' + sid + '/download')).text();
                const r = await fetch('/api/scenarios/' + sid, {method: 'PUT',
                  headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf},
                  body: JSON.stringify({base_version: 2,
                                        text: text.replace('Second draft', 'Second draft B')})});
                return r.status; }""", sid)
            assert status == 200
            dele.click("#save-button")
            dele.wait_for_selector("#conflict")
            assert "Second draft B" in dele.inner_text("#conflict")
            assert dele.input_value("#note") == "We can live with a smaller army."
            assert dele.input_value("input[name='v.1.1']") == "0.7"
            shot(dele, 10, "conflict-keeps-edits")
            dele.click("#reapply")
            dele.wait_for_url(re.compile(r".*\?saved=4$"))
            assert dele.input_value("#note") == "We can live with a smaller army."
            shot(dele, 11, "edits-applied-again")

            # members page: the mediator sees who joined by which link and removes the observer
            med.goto(f"{base}/scenarios/{sid}/members")
            assert "olena" in med.inner_text("#invitations")
            row = med.locator("#member-table tr", has_text="watcher")
            row.locator("button", has_text="Remove").click()
            med.wait_for_function("!document.getElementById('member-table')"
                                  ".textContent.includes('watcher')")
            shot(med, 12, "mediator-members-page")
            obs.goto(f"{base}/scenarios/{sid}")
            assert "Not available" in obs.inner_text("main")

            # the delegate changes its password; the administrator then disables it
            dele.goto(f"{base}/account")
            dele.fill("#password-form input[name=current_password]", "a long password 1")
            dele.fill("#password-form input[name=new_password]", "another password 2")
            dele.click("#password-form button[type=submit]")
            dele.wait_for_function("document.querySelector('#password-form .form-status')"
                                   ".textContent.startsWith('Password changed')")
            shot(dele, 13, "delegate-changed-password")
            med.goto(f"{base}/admin/users")
            med.click("#toggle-olena")
            med.wait_for_function("document.getElementById('users').textContent"
                                  ".includes('disabled')")
            shot(med, 14, "admin-disabled-user")
            dele.goto(f"{base}/scenarios/{sid}")
            dele.wait_for_url(f"{base}/login")
        finally:
            browser.close()
    assert not errors, errors
