"""The preference form without JavaScript (plain form posts), on SQLite and PostgreSQL: what
is saved is the delegate's own block with the numbers as typed; the preview scores the plans
on the edited numbers; a 409 keeps the edits and shows what changed; nobody else gets in."""

from __future__ import annotations

import difflib
import io
import re
from typing import Any

from ruamel.yaml import YAML

# data/secret.yaml: issues land (all, half, none), army (none, 800000, 600000), bloc (join,
# neutral). The delegate of ua types these numbers into the form.
WEIGHTS = {"land": 50, "army": 30, "bloc": 20}
VALUES = {"land": {"all": 1, "half": 0.6, "none": 0},
          "army": {"none": 1, "800000": 0.5, "600000": 0},
          "bloc": {"join": 1, "neutral": 0.25}}
ISSUES = [("land", ["all", "half", "none"]), ("army", ["none", "800000", "600000"]),
          ("bloc", ["join", "neutral"])]
PLANS = {"p1": {"land": "none", "army": "600000", "bloc": "neutral"},
         "p2": {"land": "half", "army": "800000", "bloc": "neutral"}}


def _fields(csrf: str, base: int, red: tuple[str, str] = ("army", "600000"),
            reservation: str = "0.2", note: str = "Our position, kept short.",
            action: str = "save", **override: str) -> dict[str, str]:
    f = {"csrf_token": csrf, "base_version": str(base), "action": action,
         "reservation": reservation, "note": note}
    for i, (iid, opts) in enumerate(ISSUES):
        f[f"w.{i}"] = str(WEIGHTS[iid])
        for j, o in enumerate(opts):
            f[f"v.{i}.{j}"] = str(VALUES[iid][o])
            if (iid, o) == red or (iid, o) == ("land", "none"):
                f[f"r.{i}.{j}"] = "on"
    f.update(override)
    return f


def _oracle(plan: str) -> float:
    """Weighted sum of the typed numbers, by hand (weights normalised)."""
    total = sum(WEIGHTS.values())
    return sum(WEIGHTS[i] / total * VALUES[i][o] for i, o in PLANS[plan].items())


def _form(world: Any, who: str = "ua_del", party: str = "ua") -> str:
    return f"/scenarios/{world.sid}/preferences/{party}"


def _load(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(io.StringIO(text))


def test_form_saves_only_the_delegates_block_as_typed(world: Any) -> None:
    ua, med = world["ua_del"], world["med"]
    page = ua.get(_form(world))
    assert page.status_code == 200 and "0.161803" in page.text and "UA-PARTY-NOTE" in page.text
    before = med.get(f"/api/scenarios/{world.sid}/download").text
    r = ua.client.post(_form(world), data=_fields(ua.csrf, 1), follow_redirects=False)
    assert r.status_code == 303, r.text
    assert r.headers["location"].endswith("?saved=2")
    after = med.get(f"/api/scenarios/{world.sid}/download").text
    old, new = _load(before), _load(after)
    mine = new["preferences"]["ua"]
    assert mine["weights"] == WEIGHTS and all(isinstance(w, int) for w in mine["weights"].values())
    assert {k: {str(o): v for o, v in t.items()} for k, t in mine["values"].items()} == VALUES
    lines = {r["issue"]: r for r in mine["red_lines"]}
    assert lines["land"]["forbid"] == ["none"] and lines["land"]["note"].startswith("UA-REDLINE")
    assert lines["army"]["forbid"] == [600000]
    assert mine["rationale"] == old["preferences"]["ua"]["rationale"]  # kept, not in the form
    ua_party = next(p for p in new["parties"] if p["id"] == "ua")
    assert ua_party["reservation"] == 0.2 and ua_party["note"] == "Our position, kept short."
    # every other part is as it was, comments included
    for key in ("issues", "plans", "title"):
        assert new[key] == old[key]
    assert new["preferences"]["ru"] == old["preferences"]["ru"]
    assert new["preferences"]["eu"] == old["preferences"]["eu"]
    assert [p for p in new["parties"] if p["id"] != "ua"] == \
        [p for p in old["parties"] if p["id"] != "ua"]
    assert "RU-COMMENT-SECRET-6060" in after
    # the file keeps its layout: the diff is the delegate's lines and nothing else
    changed = [ln for ln in difflib.unified_diff(before.splitlines(), after.splitlines(),
                                                 lineterm="", n=0)
               if ln[:1] in "+-" and ln[:3] not in ("+++", "---")]
    assert 0 < len(changed) <= 20, changed
    assert not any(("RU-" in ln or "EU-" in ln or "draft" in ln) for ln in changed)
    saved = ua.get(_form(world) + "?saved=2").text
    assert 'id="saved"' in saved and 'value="0.6"' in saved
    # the advanced tab shows the block as stored: 50, not a normalised 0.5
    advanced = ua.get(_form(world) + "?tab=yaml").text
    assert "land: 50\n" in advanced and "RU-" not in advanced


def test_preview_scores_the_edited_numbers(world: Any) -> None:
    ua = world["ua_del"]
    r = ua.client.post(_form(world) + "/preview", data=_fields(ua.csrf, 1, action="preview"))
    assert r.status_code == 200, r.text
    rows = {p["id"]: p for p in r.json()["plans"]}
    assert r.json()["problems"] == []
    for plan in PLANS:
        assert abs(rows[plan]["edited"]["utility"] - _oracle(plan)) < 1e-6
    # p1 gives land = none, one of ua's red lines: refused whatever its utility
    assert not rows["p1"]["edited"]["accepts"] and rows["p1"]["edited"]["red_lines"]
    assert rows["p2"]["edited"]["accepts"] == (_oracle("p2") >= 0.2)
    # after saving, "as saved" is what the preview showed
    assert ua.client.post(_form(world), data=_fields(ua.csrf, 1),
                          follow_redirects=False).status_code == 303
    again = ua.client.post(_form(world) + "/preview", data=_fields(ua.csrf, 2))
    for p in again.json()["plans"]:
        assert p["now"] == rows[p["id"]]["edited"]
    # the no-JavaScript preview button renders the same numbers in the page
    page = ua.client.post(_form(world), data=_fields(ua.csrf, 2, action="preview"))
    assert page.status_code == 200 and f"{_oracle('p2'):.3f}" in page.text


def test_bad_numbers_come_back_as_typed(world: Any) -> None:
    ua = world["ua_del"]
    r = ua.client.post(_form(world), data=_fields(ua.csrf, 1, **{"v.0.1": "1.5",
                                                                  "w.1": "lots"}))
    assert r.status_code == 422
    assert "outside 0 to 1" in r.text and "is not a number" in r.text
    assert 'value="1.5"' in r.text and 'value="lots"' in r.text
    assert world["med"].get(f"/api/scenarios/{world.sid}").json()["version"] == 1


def test_conflict_keeps_the_edits_and_shows_what_changed(world: Any) -> None:
    ua, med = world["ua_del"], world["med"]
    text = med.get(f"/api/scenarios/{world.sid}/download").text
    r = med.put(f"/api/scenarios/{world.sid}",
                json={"base_version": 1, "text": text.replace("Second draft", "Second draft B")})
    assert r.status_code == 200
    r = ua.client.post(_form(world), data=_fields(ua.csrf, 1, note="typed before the clash"))
    assert r.status_code == 409
    assert 'id="conflict"' in r.text and "Second draft B" in r.text
    assert "typed before the clash" in r.text and 'value="0.6"' in r.text
    assert re.search(r'name="base_version" value="2"', r.text)
    assert "Apply my edits to version 2" in r.text
    assert not any(m in r.text for m in ("RU-", "EU-RATIONALE", "0.271828"))
    # applying them again lands on top of the mediator's change
    r = ua.client.post(_form(world), data=_fields(ua.csrf, 2, note="typed before the clash"),
                       follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("?saved=3")
    final = _load(med.get(f"/api/scenarios/{world.sid}/download").text)
    assert final["plans"][1]["title"] == "Second draft B"
    assert final["preferences"]["ua"]["weights"] == WEIGHTS


def test_only_the_partys_editors_get_the_form(world: Any, markers: dict[str, list[str]]
                                              ) -> None:
    url = _form(world)
    for who, status in (("ru_del", 403), ("eu_del", 403), ("obs", 403), ("outsider", 404)):
        r = world[who].get(url)
        assert r.status_code == status, who
        assert not any(m in r.text for m in markers["ua"])
        p = world[who].client.post(url, data=_fields(world[who].csrf, 1))
        assert p.status_code == status and world[who].client.post(
            url + "/preview", data=_fields(world[who].csrf, 1)).status_code == status
    assert world["anon"].client.get(url, follow_redirects=False).status_code == 303
    own = world["ua_del"].get(url).text
    assert not any(m in own for m in markers["ru"] + markers["eu"])
    assert world["med"].get(url).status_code == 200
    # the YAML editor is the "advanced" tab
    assert "prefs-yaml" in world["ua_del"].get(url + "?tab=yaml").text
    assert "prefs-yaml" not in own


def test_form_posts_need_the_csrf_token(world: Any) -> None:
    ua = world["ua_del"]
    data = _fields("", 1)
    r = ua.client.post(_form(world), data=data)
    assert r.status_code == 403 and "CSRF" in r.text
    r = ua.client.post(_form(world), data={**data, "csrf_token": "forged"})
    assert r.status_code == 403
    assert world["med"].get(f"/api/scenarios/{world.sid}").json()["version"] == 1


def test_api_sets_walk_away_and_note(world: Any) -> None:
    ua = world["ua_del"]
    prefs = {"weights": WEIGHTS, "values": VALUES}
    r = ua.put(f"/api/scenarios/{world.sid}/preferences/ua",
               json={"base_version": 1, "preferences": prefs,
                     "party_fields": {"reservation": 0.25, "note": None}})
    assert r.status_code == 200, r.text
    mine = next(p for p in ua.get(f"/api/scenarios/{world.sid}").json()["scenario"]["parties"]
                if p["id"] == "ua")
    assert mine["reservation"] == 0.25 and "note" not in mine
    r = ua.put(f"/api/scenarios/{world.sid}/preferences/ua",
               json={"base_version": 2, "preferences": prefs,
                     "party_fields": {"reservation": 3}})
    assert r.status_code == 422


def test_a_base_version_from_the_future_is_a_conflict_not_a_crash(world: Any) -> None:
    ua = world["ua_del"]
    r = ua.client.post(_form(world), data=_fields(ua.csrf, 99))
    assert r.status_code == 409 and 'id="conflict"' in r.text
    assert re.search(r'name="base_version" value="1"', r.text)


def test_score_for_gives_a_range_for_a_plan_with_open_issues() -> None:
    """The form's preview scores every plan; an open plan's utility is a range (it crashed
    calling float() on it, which broke the form for the bundled ukraine-2025)."""
    from accord.evaluate import analyze
    from accord.io import load_scenario
    from accord.web.prefs_form import score_for

    s = load_scenario("river-basin")
    rows = score_for(s, "upstream")
    for plan in analyze(s, None, find_improvement=False).plans:
        v = next(p for p in plan.parties if p.id == "upstream")
        row = rows[plan.plan_id]
        if plan.open:
            assert v.range is not None
            assert abs(row["utility"] - v.range.low) < 1e-6
            assert abs(row["high"] - v.range.high) < 1e-6
            assert row["verdict"] == v.verdict and row["accepts"] is (v.verdict == "all")
        else:
            assert abs(row["utility"] - v.utility) < 1e-6 and "verdict" not in row


def test_a_delegates_view_of_a_case_with_stances_is_valid_and_keeps_only_its_own() -> None:
    """A delegate sees only its party's numbers, so other parties' stances (readings of their
    reactions) go too; left in, the view failed validation ("a stance needs a party with
    preferences") and the delegate could not save its preferences on ukraine-2025."""
    import json

    from accord.io import load_scenario
    from accord.io.loader import scenario_to_data
    from accord.model import parse_scenario
    from accord.web.policy import DELEGATE, OBSERVER, Viewer, filter_scenario

    full = load_scenario("ukraine-2025")
    assert any(st.stance and "ru" in st.by_parties for st in full.statements)
    for viewer in (Viewer(1, "d", DELEGATE, "ua"), Viewer(2, "o", OBSERVER)):
        view = filter_scenario(full, viewer)
        parse_scenario(json.loads(json.dumps(scenario_to_data(view), default=str)))
        own = {st.id for st in full.statements
               if st.stance and any(p in view.preferences for p in st.by_parties)}
        assert {st.id for st in view.statements if st.stance} == own
        assert all(st.text == f.text for st, f in zip(view.statements, full.statements,
                                                        strict=True))
    assert own == set() and any(
        st.stance for st in filter_scenario(full, Viewer(1, "d", DELEGATE, "ua")).statements)
