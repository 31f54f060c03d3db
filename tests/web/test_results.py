"""Issue 19: result pages (score, solve, robustness) show their tables with party names and
option labels, say which version they were computed on and turn stale after an edit; failed
and interrupted analyses are re-run; the report is viewed in the browser, sandboxed, by
mediators only; delegates' result pages go through the policy's redaction."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from accord.web import results


def _run(world: Any, body: dict[str, Any], who: str = "med") -> int:
    r = world[who].post(f"/api/scenarios/{world.sid}/jobs", json=body)
    assert r.status_code == 202, r.text
    world.wait()
    return int(r.json()["id"])


def _page(world: Any, job: int, who: str = "med") -> str:
    r = world[who].get(f"/scenarios/{world.sid}/jobs/{job}")
    assert r.status_code == 200, r.text
    return html.unescape(r.text)


def _table(page: str, table_id: str) -> list[list[str]]:
    """The cells of one table, tags stripped (enough to read what a person would see)."""
    m = re.search(rf'<table[^>]*id="{table_id}".*?</table>', page, re.S)
    assert m, f"no table {table_id}"
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", m.group(0), re.S)
    return [[" ".join(re.sub(r"<[^>]+>", " ", c).split())
             for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)] for row in rows]


def test_score_page_shows_the_scorecard_with_names(world: Any) -> None:
    job = _run(world, {"kind": "score", "plans": ["p2"]})
    result = world["med"].get(f"/api/scenarios/{world.sid}/jobs/{job}").json()["result"]
    page = _page(world, job)
    rows = _table(page, "scorecard-p2")
    assert rows[0] == ["party", "utility", "walk-away", "margin", "verdict", "reasons",
                       "red lines crossed"]
    by_name = {r[0]: r for r in rows[1:]}
    plan = result["plans"][0]
    for v in plan["parties"]:
        row = by_name[{"ua": "Ukraine", "ru": "Russian Federation",
                       "eu": "European states"}[v["id"]]]
        assert row[1] == f"{v['utility']:.3f}" and row[3] == f"{v['margin']:.3f}"
        assert row[4] == ("accepts" if v["accepts"] else "rejects")
        assert all(reason in row[5] for reason in v["reasons"])
    conc = _table(page, "concessions-p2")
    assert conc[0] == ["party", "Land", "Army cap", "Alliance"]
    assert {r[0] for r in conc[1:]} == {"Ukraine", "Russian Federation", "European states"}
    assert 'id="fresh-badge"' in page and 'id="stale-badge"' not in page


def test_solve_page_compares_packages_with_plans(world: Any) -> None:
    job = _run(world, {"kind": "solve", "method": "nash", "top": 2, "red_lines": False})
    result = world["med"].get(f"/api/scenarios/{world.sid}/jobs/{job}").json()["result"]
    rows = _table(_page(world, job), "solve-compare")
    assert rows[0] == ["issue", "package 1", "package 2", "p1", "p2"]
    land = next(r for r in rows if r[0] == "Land")
    assert land[3:] == ["none", "half"]  # the plans' options, by the issue's name
    assert land[1] == result["solve"]["packages"][0]["choices"]["land"]
    ua = next(r for r in rows if r[0] == "Ukraine")
    assert ua[1] == f"{result['solve']['packages'][0]['utilities']['ua']:.3f}"
    p2 = next(p for p in result["plans"] if p["id"] == "p2")
    assert ua[4] == f"{p2['utilities']['ua']:.3f}"


def test_option_labels_are_shown(world: Any) -> None:
    from accord.io.loader import parse_text

    med = world["med"]
    text = med.get(f"/api/scenarios/{world.sid}/download").text
    text = text.replace("{id: land, name: Land, options: [all, half, none]}",
                        "{id: land, name: Land, options: [all, half, none], "
                        "labels: {half: Half of the contested land}}")
    parse_text(text, "x.yaml")
    assert med.put(f"/api/scenarios/{world.sid}", json={"base_version": 1, "text": text}
                   ).status_code == 200
    job = _run(world, {"kind": "solve", "method": "nash", "top": 1, "red_lines": False})
    rows = _table(_page(world, job), "solve-compare")
    assert next(r for r in rows if r[0] == "Land")[-1] == "Half of the contested land"


def test_robustness_page_on_a_chosen_plan(world: Any) -> None:
    job = _run(world, {"kind": "robustness", "plan": "p1", "samples": 300, "seed": 7})
    data = world["med"].get(f"/api/scenarios/{world.sid}/jobs/{job}").json()
    result = data["result"]
    assert data["params"] == {"samples": 300, "plan": "p1", "seed": 7}
    assert result["plan"] == "p1" and result["samples"] == 300 and result["seed"] == 7
    page = _page(world, job)
    rows = _table(page, "robustness-table")
    ru = next(r for r in rows if r and r[0] == "Russian Federation")
    assert ru[2] == f"{100 * result['accept']['ru']:.1f}%"
    lo, hi = result["accept_ci95"]["ru"]
    assert ru[3] == f"{100 * lo:.1f}% – {100 * hi:.1f}%"
    assert ru[5].startswith(f"{result['utility']['ru']['mean']:.3f} ±")
    hinges = _table(page, "hinges-table")
    assert hinges[0][:2] == ["party", "assumption"]
    assert {r[0] for r in hinges[1:]} <= {"Ukraine", "Russian Federation", "European states"}
    assert result["hangs_on"]["ru"]["party"] == "ru"


def test_edit_makes_results_stale(world: Any) -> None:
    med, sid = world["med"], world.sid
    job = _run(world, {"kind": "score"})
    assert 'id="stale-badge"' not in _page(world, job)
    text = med.get(f"/api/scenarios/{sid}/download").text
    assert med.put(f"/api/scenarios/{sid}", json={"base_version": 1,
                                                  "text": text.replace("First draft", "Draft A")}
                   ).status_code == 200
    page = _page(world, job)
    assert 'id="stale-badge"' in page and "now version 2" in page
    assert 'class="badge stale"' in med.get(f"/scenarios/{sid}").text


def test_interrupted_job_is_rerun_with_its_parameters(world: Any) -> None:
    med, sid, store = world["med"], world.sid, world.app.state.store
    job = _run(world, {"kind": "robustness", "plan": "p2", "samples": 200, "seed": 3})
    done = med.post(f"/api/scenarios/{sid}/jobs/{job}/rerun")
    assert done.status_code == 409  # only failed or interrupted analyses are re-run
    store.update_job(job, status="running")  # as a killed server leaves it
    assert store.interrupt_running_jobs() == 1  # what the next server does on start
    page = _page(world, job)
    assert 'id="rerun-button"' in page and "interrupted" in page
    r = med.post(f"/api/scenarios/{sid}/jobs/{job}/rerun")
    assert r.status_code == 202, r.text
    world.wait()
    new = med.get(f"/api/scenarios/{sid}/jobs/{r.json()['id']}").json()
    assert new["status"] == "done" and new["params"] == {"samples": 200, "plan": "p2",
                                                         "seed": 3}
    assert new["result"]["samples"] == 200 and new["result"]["plan"] == "p2"


@pytest.mark.parametrize("who", ["ua_del", "obs"])
def test_others_may_not_rerun_the_mediators_jobs(world: Any, who: str) -> None:
    med, sid, store = world["med"], world.sid, world.app.state.store
    job = _run(world, {"kind": "solve", "method": "nash"})
    store.update_job(job, status="failed", error="boom")
    med.post(f"/api/scenarios/{sid}/jobs/{job}/publish", json={"published": True})
    r = world[who].post(f"/api/scenarios/{sid}/jobs/{job}/rerun")
    assert r.status_code == 403
    assert 'id="rerun-button"' not in _page(world, job, who)


def test_delegate_reruns_its_own_failed_score(world: Any) -> None:
    sid, store = world.sid, world.app.state.store
    job = _run(world, {"kind": "score"}, "ua_del")
    store.update_job(job, status="failed", error="boom")
    r = world["ua_del"].post(f"/api/scenarios/{sid}/jobs/{job}/rerun")
    assert r.status_code == 202
    world.wait()
    assert world["ua_del"].get(f"/api/scenarios/{sid}/jobs/{r.json()['id']}"
                               ).json()["status"] == "done"


def test_publish_button_says_what_publishing_reveals(world: Any) -> None:
    job = _run(world, {"kind": "score"})
    page = _page(world, job)
    assert 'id="publish-button"' in page
    note = re.search(r'id="publish-note">(.*?)</p>', page, re.S)
    assert note and "reveals every party's utilities" in " ".join(note.group(1).split())
    assert 'id="publish-button"' not in _page(world, _run(world, {"kind": "score"}, "ua_del"),
                                              "ua_del")


def test_report_in_the_browser_is_sandboxed_and_for_mediators(world: Any) -> None:
    sid = world.sid
    r = world["med"].get(f"/scenarios/{sid}/report")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"].startswith("sandbox allow-scripts")
    assert "attachment" not in r.headers.get("content-disposition", "")
    for who in ("ua_del", "ru_del", "eu_del", "obs"):
        r = world[who].get(f"/scenarios/{sid}/report")
        assert r.status_code == 403 and "0.271828" not in r.text
    assert world["outsider"].get(f"/scenarios/{sid}/report").status_code == 404
    anon = world["anon"].get(f"/scenarios/{sid}/report", follow_redirects=False)
    assert anon.status_code == 303 and anon.headers["location"] == "/login"


def test_delegate_result_pages_hold_no_hidden_preference(world: Any,
                                                         markers: dict[str, list[str]]) -> None:
    med, sid = world["med"], world.sid
    jobs = [_run(world, b) for b in ({"kind": "score"}, {"kind": "solve", "method": "nash",
                                                          "top": 2},
                                      {"kind": "robustness", "plan": "p2", "samples": 200})]
    for j in jobs:
        med.post(f"/api/scenarios/{sid}/jobs/{j}/publish", json={"published": True})
    for j in jobs:
        page = _page(world, j, "ua_del")
        assert not [m for p in ("ru", "eu") for m in markers[p] if m in page]
        page = _page(world, j, "obs")
        assert not [m for ms in markers.values() for m in ms if m in page]
    # the delegate's own hinge is there, the others' are not
    rob = world["ua_del"].get(f"/api/scenarios/{sid}/jobs/{jobs[2]}").json()["result"]
    assert set(rob["hangs_on"]) <= {"ua"}
    rows = _table(_page(world, jobs[0], "ua_del"), "scorecard-p1")
    ru = next(r for r in rows if r[0] == "Russian Federation")
    assert ru[2] == "—" and ru[3] == "—" and ru[5] == "—"  # walk-away, margin, reasons


def test_timestamps_carry_their_zone(world: Any) -> None:
    sid = world.sid
    assert world["med"].get(f"/api/scenarios/{sid}/versions").json()[0]["created_at"].endswith(
        "+00:00")
    page = world["med"].get(f"/scenarios/{sid}").text
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", page)
    assert results.when("2026-01-02T03:04:05") == "2026-01-02 03:04 UTC"
    assert results.when("2026-01-02T03:04:05+02:00") == "2026-01-02 01:04 UTC"


def test_scenario_page_has_its_tabs_and_list_search(world: Any) -> None:
    page = world["med"].get(f"/scenarios/{world.sid}").text
    for tab in ("overview", "preferences", "plans", "analyses", "members", "history", "source"):
        assert f'<section class="panel" id="{tab}">' in page and f'href="#{tab}"' in page
    assert "data-gutter" in page and 'id="run-robustness"' in page
    assert 'name="samples"' in page and 'name="seed"' in page and 'name="top"' in page
    # others download the file as filtered for them; their pages hold no YAML (issue 18)
    obs = world["obs"].get(f"/scenarios/{world.sid}").text
    assert 'id="source-download"' in obs and "<textarea" not in obs
    assert 'id="edit-form"' not in obs and 'id="run-score"' not in obs
    assert 'id="scenario-search"' in world["med"].get("/").text


# calibration (issues 15 and 19) --------------------------------------------------------------
NAMES = {"ua": "Ukraine", "ru": "Russian Federation", "eu": "European states"}


def _with_stances(world: Any) -> None:
    from tests.web.conftest import with_stances

    med = world["med"]
    text = with_stances(med.get(f"/api/scenarios/{world.sid}/download").text)
    r = med.put(f"/api/scenarios/{world.sid}", json={"base_version": 1, "text": text})
    assert r.status_code == 200, r.text


def _calibrate(world: Any, samples: int = 2000, seed: int = 3) -> tuple[int, dict[str, Any]]:
    _with_stances(world)
    job = _run(world, {"kind": "calibrate", "samples": samples, "seed": seed})
    data = world["med"].get(f"/api/scenarios/{world.sid}/jobs/{job}").json()
    assert data["status"] == "done", data["error"]
    return job, data


def _pct(x: Any) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _ci(lo_hi: Any) -> str:
    return "—" if lo_hi is None else f"{_pct(lo_hi[0])} – {_pct(lo_hi[1])}"


def _section(page: str) -> str:
    m = re.search(r'<section id="calibrate-results">.*?</section>', page, re.S)
    assert m, "no calibration section"
    return m.group(0)


def test_calibrate_page_tables_match_the_result(world: Any) -> None:
    job, data = _calibrate(world)
    result = data["result"]
    assert data["params"] == {"samples": 2000, "seed": 3}
    assert result["samples"] == 2000 and result["seed"] == 3
    assert set(result["status"]) == {"ua", "ru", "eu"}
    page = _page(world, job)

    obs = _table(page, "observations-table")
    assert obs[0] == ["statement", "party", "plan", "stance", "confidence", "counted", "fits",
                      "why"]
    assert len(obs) - 1 == len(result["observations"]) == 5
    for row, o in zip(obs[1:], result["observations"], strict=True):
        assert row[:6] == [o["statement"], NAMES[o["party"]], o["plan"], o["stance"],
                           f"{o['confidence']:.2f}", "yes" if o["counted"] else "no"]
        assert row[6] == ("yes" if o["fits"] else "no")
        assert row[7] == " ".join(o["why"].split())
    # ru's rejection of p2 contradicts its stated numbers: the table says so
    assert next(r for r in obs if r[0] == "st-ru-p2")[6] == "no"

    acc = _table(page, "calibrate-acceptance")
    assert acc[0] == ["plan", "party", "prior", "95% interval", "posterior", "95% interval",
                      "status"]
    cells = {(r[0], r[1]): r for r in acc[1:]}
    prior, post = result["prior"], result["posterior"]
    assert len(cells) == sum(len(v) for v in prior["accept"].values()) == 6
    for plan, per in prior["accept"].items():
        for pid, q in per.items():
            row = cells[(plan, NAMES[pid])]
            assert row[2] == _pct(q) and row[3] == _ci(prior["accept_ci95"][plan][pid])
            assert row[4] == _pct(post["accept"][plan].get(pid))
            assert row[5] == _ci(post["accept_ci95"][plan].get(pid))
            assert row[6] == result["status"][pid]

    agree = {r[0].split(":")[0]: r for r in _table(page, "calibrate-agreement")[1:]}
    for plan, q in prior["agreement"].items():
        assert agree[plan][1:] == [_pct(q), _pct(post["agreement"][plan])]

    section = _section(page)
    assert set(re.findall(r'<li data-party="(\w+)"', section)) == set(result["revision"])
    text = " ".join(re.sub(r"<[^>]+>", " ", section).split())
    for pid, rev in result["revision"].items():
        words = " ".join(rev["words"].split()).removeprefix(f"{pid}: ")
        assert f"{NAMES[pid]} : {words}" in text
    # the revision explains ru's rejection by moving its walk-away (the RU marker 0.4321)
    assert any(c["field"] == "reservation" and c["from"] == 0.4321
               for c in result["revision"]["ru"]["changes"])

    red = _table(page, "calibrate-red-lines")
    (rid, e), = result["red_lines"].items()
    assert e["owner"] == "ru" and e["probability"] == 0.7
    assert red[1][:6] == [rid, "Russian Federation", "0.700", f"{e['prior']:.3f}",
                          f"{e['posterior']:.3f}", _ci(e["posterior_ci95"])]
    assert "→" in red[1][6]


def test_delegate_sees_only_its_own_party_of_a_published_calibration(
        world: Any, markers: dict[str, list[str]]) -> None:
    job, data = _calibrate(world)
    full = data["result"]
    url = f"/api/scenarios/{world.sid}/jobs/{job}"
    # the mediator's result holds what must not leak: the check below is not vacuous
    assert "0.4321" in world["med"].get(url).text
    assert {o["party"] for o in full["observations"]} == {"ua", "ru", "eu"}
    # unpublished: the delegate does not see the job at all
    assert world["ua_del"].get(url).status_code == 404
    assert world["med"].post(f"{url}/publish", json={"published": True}).status_code == 200

    r = world["ua_del"].get(url)
    assert r.status_code == 200
    assert not [m for p in ("ru", "eu") for m in markers[p] if m in r.text]
    got = r.json()["result"]
    assert [o["statement"] for o in got["observations"]] == \
        [o["statement"] for o in full["observations"] if o["party"] == "ua"]
    assert set(got["revision"]) == {"ua"} and set(got["status"]) == {"ua"}
    for which in ("prior", "posterior"):
        assert got[which]["accept"] == {plan: {"ua": per["ua"]}
                                        for plan, per in full[which]["accept"].items()}
        assert "agreement" not in got[which]  # it multiplies every party's acceptance
    assert got["red_lines"] == {} and set(got["intervals"]) <= {"ua"}
    assert "suggest" not in got
    page = _page(world, job, "ua_del")
    section = _section(page)
    assert "Ukraine" in section
    assert not any(n in section for n in ("Russian Federation", "European states"))
    assert not [m for p in ("ru", "eu") for m in markers[p] if m in page]
    assert {r[1] for r in _table(page, "observations-table")[1:]} == {"Ukraine"}

    # an observer sees that a calibration ran, and nothing of any party's posterior
    obs = world["obs"].get(url)
    assert obs.status_code == 200
    assert not [m for ms in markers.values() for m in ms if m in obs.text]
    o = obs.json()["result"]
    assert o["observations"] == [] and o["revision"] == {} and o["red_lines"] == {}
    assert all(per == {} for which in ("prior", "posterior")
               for per in o[which]["accept"].values())
    assert not any(n in _section(_page(world, job, "obs")) for n in NAMES.values())


def test_calibrate_is_the_mediators_and_needs_stances(world: Any) -> None:
    url = f"/api/scenarios/{world.sid}/jobs"
    r = world["med"].post(url, json={"kind": "calibrate", "samples": 100})
    assert r.status_code == 422 and "stance" in r.json()["detail"]
    _with_stances(world)
    for who in ("ua_del", "obs"):
        assert world[who].post(url, json={"kind": "calibrate"}).status_code == 403
    assert world["med"].post(url, json={"kind": "calibrate", "samples": 100_001}
                             ).status_code == 422
    # the analyses tab offers the form to the mediator only
    assert 'id="run-calibrate"' in world["med"].get(f"/scenarios/{world.sid}").text
    assert 'id="run-calibrate"' not in world["ua_del"].get(f"/scenarios/{world.sid}").text


def test_delegate_saves_preferences_beside_other_parties_stances(world: Any) -> None:
    """Regression: a stance needs a party with preferences, and a delegate's view has only its
    own, so every delegate's save was refused once another party had reacted to a plan."""
    _with_stances(world)
    prefs = world["ua_del"].get(f"/api/scenarios/{world.sid}").json()["scenario"][
        "preferences"]["ua"]
    prefs["weights"]["land"] = 4
    r = world["ua_del"].put(f"/api/scenarios/{world.sid}/preferences/ua",
                            json={"base_version": 2, "preferences": prefs})
    assert r.status_code == 200, r.text
    # the stored text keeps every party's reactions
    text = world["med"].get(f"/api/scenarios/{world.sid}/download").text
    assert "stance: rejects, confidence: 0.75" in text
