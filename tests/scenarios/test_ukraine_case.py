"""The bundled ukraine-2025 case: each correction C1-C9 of issue 16 pinned to the file.

The facts are in ../shared/reference/plan-facts-2025-12-to-2026-03.md, section A. These tests
read the case as written (raw YAML, for what the analyst wrote) and as loaded (for what
`accord diff` and `accord sources` make of it), so a regression in either shows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from accord.io import load_scenario
from accord.model import Scenario
from accord.report.provenance import provenance
from accord.report.versions import diff_plans

CASE = Path(__file__).resolve().parents[2] / "accord" / "scenarios" / "ukraine-2025.yaml"
US, E3, GENEVA = "us-draft-2025-11-20", "e3-counter-2025-11-23", "geneva-2025-11-24"


@pytest.fixture(scope="module")
def raw() -> Any:
    return YAML(typ="safe", pure=True).load(CASE.read_text("utf-8"))


@pytest.fixture(scope="module")
def case() -> Scenario:
    return load_scenario(CASE)


def _statement(case: Scenario, sid: str) -> Any:
    return next(st for st in case.statements if st.id == sid)


def _provisions(case: Scenario, plan: str, point: str) -> list[Any]:
    return [p for p in case.plan(plan).provisions if str(p.point) == point]


# --- C1 ---------------------------------------------------------------------------------------

def test_c1_alaska_remark_is_peskovs_and_the_two_non_confirmations_are_split(
        case: Scenario) -> None:
    ids = {st.id for st in case.statements}
    assert "st-zakharova-peskov-2025-11-21" not in ids
    peskov = _statement(case, "st-peskov-2025-11-19")
    zakharova = _statement(case, "st-zakharova-2025-11-19")
    assert peskov.speaker == "Dmitry Peskov" and "Anchorage" in peskov.text
    assert zakharova.speaker == "Maria Zakharova"
    assert "Alaska" not in zakharova.text.split("(")[0]
    assert "Anchorage" not in zakharova.text
    for st in (peskov, zakharova):
        assert st.date is not None and dt.date(2025, 11, 19) <= st.date <= dt.date(2025, 11, 20)
        assert st.kind == "non-confirmation" and st.by == "ru"
    urls = {case.source(s).url for s in peskov.sources}
    assert "rbc.ru/politics/19/11/2025/691de2d49a79474cb352bce9" in urls


# --- C2 ---------------------------------------------------------------------------------------

def test_c2_geneva_drops_the_amnesty(case: Scenario) -> None:
    assert case.plan(US).choices["amnesty"] == "full-amnesty-no-claims"
    assert case.plan(GENEVA).choices["amnesty"] == "accountability-preserved"
    (prov,) = _provisions(case, GENEVA, "26")
    assert prov.issue == "amnesty" and "Stefanishyna" in prov.text
    urls = {case.source(s).url for s in prov.sources}
    assert "newsukraine.rbc.ua/news/ukraine-removes-amnesty-clause-from-us-peace-1764244874.html" \
        in urls
    p26 = next(p for p in provenance(case).for_plan(GENEVA) if p.point == "26")
    assert [s.id for s in p26.statements] == ["st-stefanishyna-2025-11-27"]


# --- C3 ---------------------------------------------------------------------------------------

def test_c3_e3_deletes_point_3_and_rewrites_point_4(case: Scenario) -> None:
    assert case.plan(US).choices["nato_russia"] == "non-enlargement-and-dialogue"
    assert case.plan(E3).choices["nato_russia"] == "dialogue-only"
    (p3,) = _provisions(case, E3, "3")
    (p4,) = _provisions(case, E3, "4")
    assert p3.issue == p4.issue == "nato_russia"
    assert p3.text.startswith("Deleted") and "once the peace agreement is signed" in p4.text
    changed = {c.key: c.status for c in diff_plans(case, US, E3).provisions}
    assert changed["3"] == changed["4"] == "changed"


# --- C4 ---------------------------------------------------------------------------------------

def test_c4_article_5_modelled_guarantee_belongs_to_the_us_package(case: Scenario) -> None:
    opt = "article-5-modelled-us-discretion"
    assert opt in case.issue("security_guarantee").options
    us, geneva = case.plan(US).choices, case.plan(GENEVA).choices
    assert us["security_guarantee"] == geneva["security_guarantee"] == opt
    assert us["guarantee_duration"] == geneva["guarantee_duration"] == 10
    assert us["guarantee_ratification"] == "executive-commitment"
    (draft,) = _provisions(case, US, "guarantee-draft")
    assert draft.issue == "security_guarantee"
    assert "10 years" in draft.text and "President decides" in draft.text
    # The E3 asked for a plain Article-5-like guarantee, which is a different option.
    assert case.plan(E3).choices["security_guarantee"] == "article-5-like"


# --- C5 ---------------------------------------------------------------------------------------

def test_c5_e3_territory_is_a_negotiation_from_the_line_not_a_freeze(case: Scenario) -> None:
    e3 = case.plan(E3).choices
    assert e3["donbas"] == "swaps-from-line" and e3["kherson_zaporizhzhia"] == "swaps-from-line"
    assert not str(e3["donbas"]).startswith("frozen")
    sources = {s for p in case.plan(E3).provisions if p.issue == "donbas" for s in p.sources}
    assert "src-reportaz-2025-11-24" in sources
    assert case.source("src-reportaz-2025-11-24").url == (
        "report.az/en/other-countries/europeans-propose-changes-to-us-ukraine-plan-with-higher-"
        "army-cap")


# --- C6 ---------------------------------------------------------------------------------------

def test_c6_points_10_and_21_use_the_texts_sub_letters_so_diff_pairs_them(
        case: Scenario) -> None:
    (b,) = _provisions(case, US, "10b")
    (d,) = _provisions(case, US, "10d")
    assert b.issue == "security_guarantee" and "invades Russia" in b.text
    assert d.issue == "weapons_limits" and "Moscow" in d.text
    us_21 = sorted((str(p.point), p.issue) for p in case.plan(US).provisions
                   if str(p.point).startswith("21"))
    assert us_21 == [("21a", "crimea"), ("21a", "donbas"), ("21b", "kherson_zaporizhzhia"),
                     ("21c", "other_occupied_areas"), ("21d", "dmz"), ("21d", "donbas")]
    for other in (E3, GENEVA):
        status = {c.key: c.status for c in diff_plans(case, US, other).provisions}
        for key in ("21a/crimea", "21a/donbas", "21b", "21d/donbas", "21d/dmz"):
            assert status[key] == "changed", (other, key)
        assert not any(k.startswith(("10", "21")) and v in ("added", "removed")
                       for k, v in status.items() if k not in ("10",)), (other, status)


# --- C7 ---------------------------------------------------------------------------------------

def test_c7_one_tass_source_for_the_rbc_summary_and_peskov(case: Scenario) -> None:
    tass = [s for s in case.sources if s.url and "2047809" in s.url]
    assert [s.url for s in tass] == ["tass.com/politics/2047809"]
    uses = provenance(case).uses[tass[0].id]
    assert "statement st-peskov-2025-11-24" in uses and f"{GENEVA}#6" in uses


# --- C8 ---------------------------------------------------------------------------------------

def test_c8_axios_published_the_outline_on_18_november(case: Scenario) -> None:
    (origin,) = _provisions(case, US, "origin")
    assert "evening of 18 Nov (US time)" in origin.text
    assert "19 Nov" not in origin.text


# --- C9 ---------------------------------------------------------------------------------------

def test_c9_copies_of_the_leaked_text_are_one_source(case: Scenario) -> None:
    doc = case.source("src-doc-us-28pt")
    assert doc.kind == "document"
    copies = [s.id for s in case.sources if s.derived_from == doc.id]
    assert {"src-straitstimes-2025-11-21", "src-liga-28points", "src-newspravda-2025-11-20",
            "src-statement-1084362"} <= set(copies)
    prov = {(p.plan_id, p.point, p.issue): p for p in provenance(case).provisions}
    # 10(a) is carried by three outlets, all copying the one leak: one line of evidence.
    # (Phase B moved 10(a) to its own issue, the US's payment for its guarantee.)
    p10a = prov[(US, "10a", "guarantee_payment")]
    assert len({s.outlet for s in p10a.sources}) == 3
    assert p10a.corroboration == 1 and "single-document" in p10a.flags
    # 21(a) also rests on TASS's compilation of pre-publication reporting: two lines.
    p21a = prov[(US, "21a", "crimea")]
    assert p21a.corroboration == 2 and not {"single-source", "single-document"} & set(
        p21a.flags)
    for p in provenance(case).for_plan(US):
        assert sum(o.startswith("copies of") for o in p.outlets) <= 1


# --- the rest of section A and the issue's format requirements ----------------------------------

@pytest.mark.parametrize(("sid", "date"), [
    ("st-rubio-2025-11-19", "2025-11-19"), ("st-rubio-2025-11-22", "2025-11-22"),
    ("st-rubio-2025-11-23", "2025-11-23"), ("st-e3-call-2025-11-21", "2025-11-21"),
    ("st-driscoll-abudhabi-2025-11-24", "2025-11-24"), ("st-coalition-2025-11-25", "2025-11-25"),
    ("st-peskov-mayhem-2025-11-25", "2025-11-25")])
def test_section_a_statements_are_in_with_dates_and_sources(case: Scenario, sid: str,
                                                             date: str) -> None:
    st = _statement(case, sid)
    assert st.date == dt.date.fromisoformat(date) and st.sources


def test_weights_sum_to_one_as_written(raw: Any) -> None:
    for pid, pref in raw["preferences"].items():
        assert sum(pref["weights"].values()) == pytest.approx(1.0, abs=1e-9), pid


def test_every_weighted_issue_has_a_note_and_every_party_number_a_basis(raw: Any) -> None:
    for pid, pref in raw["preferences"].items():
        missing = [i for i, w in pref["weights"].items() if w > 0 and i not in pref["notes"]]
        assert missing == [], pid
    for party in raw["parties"]:
        assert party["basis"], party["id"]
        assert "Capability" in party["note"], party["id"]
        if party["id"] in raw["preferences"]:
            assert "Uncertainty" in party["note"], party["id"]


def test_december_options_exist_and_every_party_values_them(raw: Any) -> None:
    issues = {i["id"]: [str(o) for o in i["options"]] for i in raw["issues"]}
    assert "fez-reciprocal-referendum" in issues["donbas"]
    assert {"three-way-operation", "us-ukraine-venture"} <= set(issues["znpp"])
    assert {"guarantee_duration", "guarantee_ratification", "referendum", "monitoring"} <= \
        set(issues)
    # Every party that weighs an issue values all its options; the US (an interested
    # mediator) weighs only the four interests the 28-point text wrote in for it.
    for pid, pref in raw["preferences"].items():
        for iid in ("donbas", "znpp", "guarantee_duration", "guarantee_ratification",
                    "referendum", "monitoring", "guarantee_payment"):
            if iid in pref["weights"]:
                assert {str(o) for o in pref["values"][iid]} == set(issues[iid]), (pid, iid)
    assert {pid for pid, pref in raw["preferences"].items()
            if "donbas" in pref["weights"]} == {"ua", "ru", "eu"}


def test_the_case_says_where_the_record_ends(case: Scenario) -> None:
    assert case.note is not None and "4 March 2026" in case.note
    assert case.description is not None and "4 March 2026" in case.description
    assert max(p.date for p in case.plans if p.date) <= dt.date(2026, 3, 4)
    assert max(st.date for st in case.statements if st.date) <= dt.date(2026, 3, 4)
