"""The workspace in headless Chromium (Debian's package, driven by Playwright) against a real
uvicorn server: sign in, upload the bundled case, a delegate edits its own preferences, the
mediator runs the Nash solver and sees the plot. Screenshots go to out/screenshots/."""

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
PASSWORD = "correct horse battery"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _bundled_case() -> Path:
    from accord.io.loader import bundled_dir

    path = bundled_dir() / "ukraine-2025.yaml"
    return path if path.exists() else ROOT / "tests" / "data" / "small.yaml"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    import uvicorn
    from argon2 import PasswordHasher

    from accord.web import create_app

    app = create_app(f"sqlite:///{tmp_path / 'browser.db'}")
    light = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    for name in ("med", "ua_del"):
        app.state.store.create_user(name, light)
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
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)
    app.state.jobs.shutdown()
    app.state.store.close()


def _sign_in(page: Any, base: str, user: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert page.inner_text("#whoami") == user


def test_workspace_in_chromium(server: str) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set ACCORD_CHROMIUM; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    case = _bundled_case()
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            med = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            med.on("pageerror", lambda e: errors.append(str(e)))
            _sign_in(med, server, "med")
            med.screenshot(path=str(SHOTS / "01-signed-in.png"))

            # upload the bundled case
            med.set_input_files("#upload-file", str(case))
            med.wait_for_function(
                "document.querySelector('#upload-form textarea[name=text]').value.length > 100")
            med.click("#upload-submit")
            med.wait_for_url(re.compile(r".*/scenarios/\d+$"))
            sid = med.url.rsplit("/", 1)[1]
            assert med.inner_text("#version") == "1"
            med.screenshot(path=str(SHOTS / "02-uploaded.png"), full_page=False)

            # invite the delegate of the first party; it joins with its existing account
            party = "ua" if case.name.startswith("ukraine") else "a"
            med.goto(f"{server}/scenarios/{sid}/members")
            med.select_option("#invite-form select[name=role]", "delegate")
            med.select_option("#invite-form select[name=party]", party)
            med.click("#invite-form button[type=submit]")
            med.wait_for_function(
                "document.getElementById('invite-url').value.includes('/invite/')")
            link = med.input_value("#invite-url")

            # the delegate edits its own party's preferences in the advanced (YAML) tab,
            # and sees no other party's
            dele = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            dele.on("pageerror", lambda e: errors.append(str(e)))
            _sign_in(dele, server, "ua_del")
            dele.goto(link)
            dele.click("#join-signed-in button[type=submit]")
            dele.wait_for_url(re.compile(r".*/scenarios/\d+$"))
            assert dele.inner_text("#role") == f"delegate for {party}"
            assert dele.locator("#edit-prefs-" + party).count() == 1
            dele.goto(f"{server}/scenarios/{sid}/preferences/{party}?tab=yaml")
            area = "#prefs-yaml textarea"
            text = dele.input_value(area)
            lines = text.splitlines()
            at = lines.index("weights:") + 1
            key = lines[at].split(":")[0]
            lines[at] = f"{key}: 0.987"
            dele.fill(area, "\n".join(lines) + "\n")
            dele.click("#prefs-yaml button[type=submit]")
            dele.wait_for_function("document.querySelector('#version').textContent === '2'")
            assert "0.987" in dele.input_value(area) or key in dele.input_value(area)
            dele.screenshot(path=str(SHOTS / "03-delegate-edited.png"))

            # the mediator runs the Nash solver and sees the plot
            med.goto(f"{server}/scenarios/{sid}#analyses")
            assert med.inner_text("#version") == "2"
            med.select_option("#run-solve select[name=method]", "nash")
            # the bundled case's red lines leave no package all accept: show the best anyway
            med.uncheck("#run-solve input[name=red_lines]")
            med.click("#run-solve-button")
            med.wait_for_url(re.compile(r".*/jobs/\d+$"))
            med.wait_for_selector("body[data-job-done]", timeout=120_000)
            assert med.inner_text("#job-status") == "done", med.inner_text("#job-error")
            med.wait_for_selector("#plot .main-svg", timeout=30_000)
            legend = " ".join(med.locator("#plot .legendtext").all_text_contents())
            assert "nash solution" in legend and "plans" in legend
            med.screenshot(path=str(SHOTS / "04-nash-plot.png"), full_page=True)

            # the history shows both versions, with the delegate as author of the second
            med.goto(f"{server}/scenarios/{sid}/history")
            assert "ua_del" in med.inner_text("#versions")
            med.screenshot(path=str(SHOTS / "05-history.png"))
        finally:
            browser.close()
    assert not errors, errors
    assert all((SHOTS / f).stat().st_size > 1000 for f in
               ("01-signed-in.png", "02-uploaded.png", "03-delegate-edited.png",
                "04-nash-plot.png"))
