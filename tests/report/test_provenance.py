from __future__ import annotations

from accord.model import Scenario
from accord.report.provenance import Grade, SourceRef, independent_outlets, provenance


def _src(outlet: str, citing: str | None = None) -> SourceRef:
    return SourceRef(outlet.lower(), outlet, citing, None, None, "report", None, None)


def test_grade_parsing_and_thresholds() -> None:
    assert Grade.parse("B2") == Grade("B", "2") and Grade.parse("B2").adequate
    assert Grade.parse("c3").adequate
    assert Grade.parse("D3").low and Grade.parse("B4").low and Grade.parse("F6").low
    assert not Grade.parse(None).graded and not Grade.parse(None).low


def test_outlets_repeating_another_listed_outlet_do_not_corroborate() -> None:
    assert independent_outlets([_src("Wire"), _src("Echo", "Wire"), _src("Paper")]) == \
        ["Wire", "Paper"]
    # Two outlets both citing an unlisted wire still count apart (the count is of outlets).
    assert independent_outlets([_src("A", "Axios"), _src("B", "Axios")]) == ["A", "B"]
    assert independent_outlets([_src("A"), _src("a ")]) == ["A"]


def _copy(outlet: str, original: str | None) -> SourceRef:
    return SourceRef(outlet.lower(), outlet, None, None, None, "report", None, None, original)


def test_copies_of_one_document_count_once() -> None:
    copies = [_copy("Paper", "leak"), _copy("Blog", "leak"), _copy("Wire", "leak")]
    assert independent_outlets(copies, {"leak": "Leaked text"}) == ["copies of Leaked text"]
    # An outlet reporting on its own stands beside the document, however many copies there are.
    assert independent_outlets([*copies, _copy("Agency", None)], {"leak": "Leaked text"}) == \
        ["copies of Leaked text", "Agency"]
    # Copies of two different documents are two lines of evidence.
    assert len(independent_outlets([_copy("Paper", "leak"), _copy("Blog", "memo")])) == 2


def test_flags_and_statements(fixture_scenario: Scenario) -> None:
    prov = provenance(fixture_scenario)
    by = {(p.plan_id, p.point): p for p in prov.provisions}
    assert by[("p1", "1")].corroboration == 2
    assert by[("p1", "1")].flags == ["not-confirmed"]
    assert by[("p1", "2")].flags == ["single-source", "low-reliability-only", "denied"]
    assert [s.id for s in by[("p1", "2")].statements] == ["st-deny"]
    assert by[("p1", "3")].flags == []  # one good source is enough to clear the grade flag
    assert by[("p1", "4")].flags == ["no-source"]
    assert by[("p2", "5")].flags == ["single-source", "ungraded"]
    assert [s.id for s in prov.plan_statements["p2"]] == ["st-whole"]
    assert [s.id for s in prov.other_statements] == ["st-general"]
    assert prov.uses["s-official"] == ["p2#5", "statement st-deny", "assumptions on a"]
    d = prov.to_dict()
    assert d["summary"] == {"provisions": 7, "total": 7, "flagged": 5, "by_flag": {
        "no-source": 1, "single-source": 3, "single-document": 0, "low-reliability-only": 1,
        "ungraded": 1, "denied": 1, "not-confirmed": 1}}
