"""One test per validation rule: the field path named, the YAML line, exit code 2, no traceback.

Each case edits tests/data/small.yaml as text, so the expected line is found independently:
the line on which the edited snippet sits.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from accord.io import load_with_warnings, parse_text
from accord.model import ScenarioError
from accord.model.problems import format_path

SMALL_TEXT = (Path(__file__).resolve().parent.parent / "data" / "small.yaml").read_text("utf-8")
STATEMENTS = (
    "statements:\n  - {id: st1, by: a, kind: reaction, about: p1, text: Said no., sources: [s1]}\n"
)
UNCERTAINTY = "    uncertainty: {weights: {dirichlet: 50}, values: {sd: 0.1}}\n"


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} should occur once"
    return text.replace(old, new)


def line_of(text: str, snippet: str) -> int:
    hits = [n for n, line in enumerate(text.splitlines(), 1) if snippet in line]
    assert len(hits) == 1, f"{snippet!r} should sit on exactly one line, found {hits}"
    return hits[0]


def with_extras(text: str) -> str:
    """small.yaml plus a statement and an uncertainty block, so those rules can be broken."""
    text = text + STATEMENTS
    return edit(
        text,
        "    red_lines:\n      - {issue: land",
        UNCERTAINTY + "    red_lines:\n      - {issue: land",
    )


def errors_of(path: Path) -> list:
    with pytest.raises(ScenarioError) as exc:
        load_with_warnings(path)
    assert exc.value.problems, "a ScenarioError must carry at least one error"
    return exc.value.problems


def assert_rejected(cli, path: Path, field: str, line: int | None, words: tuple[str, ...] = ()):
    """The CLI exits 2 naming file, line and field; the API reports the same problem."""
    res = cli("validate", path)
    assert res.code == 2, res.stderr
    assert "Traceback" not in res.stderr
    where = f"{path}:{line}: " if line is not None else f"{path}"
    hits = [
        ln
        for ln in res.stderr.splitlines()
        if ln.startswith("error: ") and where in ln and f" {field}: " in ln
    ]
    assert hits, f"no error line naming {where} and {field}:\n{res.stderr}"
    assert all("fix:" in h for h in hits), "every error says how to fix it"
    for w in words:
        assert any(w in h for h in hits), f"{w!r} not in {hits}"
    problems = [p for p in errors_of(path) if format_path(p.path) == field]
    assert problems, f"no problem at {field}"
    if line is not None:
        assert any(p.line == line for p in problems)
    assert all(p.file == str(path) for p in problems)


# (case id, [(old, new) edits], field path, snippet on the expected line, words in the message)
CASES = [
    # duplicate ids
    (
        "dup-party",
        [("{id: b, name: Beta", "{id: a, name: Beta")],
        "parties[1].id",
        "{id: a, name: Beta",
        ("duplicate", "'a'"),
    ),
    (
        "dup-issue",
        [("{id: bloc, name: Alliance", "{id: land, name: Alliance")],
        "issues[2].id",
        "{id: land, name: Alliance",
        ("duplicate", "'land'"),
    ),
    (
        "dup-plan",
        [("  - id: p2\n", "  - id: p1  # again\n"), ("    based_on: p1\n", "")],
        "plans[1].id",
        "# again",
        ("duplicate", "'p1'"),
    ),
    (
        "dup-source",
        [("reliability: B2}\n", "reliability: B2}\n  - {id: s1, outlet: Twice}\n")],
        "sources[1].id",
        "{id: s1, outlet: Twice}",
        ("duplicate", "'s1'"),
    ),
    # unknown ids, everywhere they can appear
    (
        "unknown-party-prefs",
        [("  b:\n    weights", "  zz:\n    weights")],
        "preferences.zz",
        "  zz:",
        ("unknown party", "'zz'"),
    ),
    (
        "unknown-issue-weight",
        [("{land: 5, cap: 3, bloc: 2}", "{land: 5, cap: 3, bloc: 2, ghost: 1}")],
        "preferences.a.weights.ghost",
        "ghost: 1",
        ("unknown issue", "'ghost'"),
    ),
    (
        "unknown-issue-values",
        [
            (
                "      bloc: {join: 1, neutral: 0}\n",
                "      bloc: {join: 1, neutral: 0}\n      ghost: {x: 1}\n",
            )
        ],
        "preferences.a.values.ghost",
        "ghost: {x: 1}",
        ("unknown issue",),
    ),
    (
        "unknown-option-values",
        [("{all: 1, half: 0.5, none: 0}", "{all: 1, half: 0.5, none: 0, most: 0.7}")],
        "preferences.a.values.land.most",
        "most: 0.7",
        ("'most'", "not an option"),
    ),
    (
        "unknown-issue-red-line",
        [("{issue: land, forbid: [none]}", "{issue: ghost, forbid: [none]}")],
        "preferences.a.red_lines[0].issue",
        "{issue: ghost",
        ("unknown issue",),
    ),
    (
        "red-line-unknown-option",
        [("{issue: land, forbid: [none]}", "{issue: land, forbid: [nothing]}")],
        "preferences.a.red_lines[0].forbid[0]",
        "forbid: [nothing]",
        ("'nothing'", "not an option"),
    ),
    (
        "unknown-issue-choice",
        [
            (
                "{land: half, cap: 800000, bloc: neutral}",
                "{land: half, cap: 800000, bloc: neutral, ghost: x}",
            )
        ],
        "plans[1].choices.ghost",
        "ghost: x",
        ("unknown issue",),
    ),
    (
        "unknown-option-choice",
        [("cap: 800000, bloc: neutral}", "cap: 800000, bloc: aligned}")],
        "plans[1].choices.bloc",
        "bloc: aligned",
        ("'aligned'",),
    ),
    (
        "unknown-issue-provision",
        [("{point: 1, issue: land,", "{point: 1, issue: ghost,")],
        "plans[0].provisions[0].issue",
        "issue: ghost",
        ("unknown issue",),
    ),
    (
        "unknown-source-provision",
        [("Beta., sources: [s1]}", "Beta., sources: [s9]}")],
        "plans[0].provisions[0].sources[0]",
        "sources: [s9]",
        ("unknown source", "'s9'"),
    ),
    (
        "unknown-based-on",
        [("based_on: p1", "based_on: p0")],
        "plans[1].based_on",
        "based_on: p0",
        ("unknown plan", "'p0'"),
    ),
    (
        "unknown-source-party-basis",
        [("reservation: 0.3}\n  - {id: b", "reservation: 0.3, basis: [s9]}\n  - {id: b")],
        "parties[0].basis[0]",
        "basis: [s9]",
        ("unknown source",),
    ),
    (
        "unknown-source-red-line-basis",
        [("{issue: land, forbid: [none]}", "{issue: land, forbid: [none], basis: [s9]}")],
        "preferences.a.red_lines[0].basis[0]",
        "basis: [s9]",
        ("unknown source",),
    ),
    (
        "unknown-source-pref-basis",
        [("    weights: {land: 5,", "    basis: [s9]\n    weights: {land: 5,")],
        "preferences.a.basis[0]",
        "basis: [s9]",
        ("unknown source",),
    ),
    (
        "unknown-source-statement",
        [("text: Said no., sources: [s1]}", "text: Said no., sources: [s9]}")],
        "statements[0].sources[0]",
        "sources: [s9]",
        ("unknown source",),
    ),
    (
        "unknown-plan-statement",
        [("about: p1,", "about: p7,")],
        "statements[0].about",
        "about: p7",
        ("unknown plan",),
    ),
    (
        "unknown-issue-uncertainty",
        [("values: {sd: 0.1}}", "values: {sd: 0.1, issues: {ghost: 0.1}}}")],
        "preferences.a.uncertainty.values.issues.ghost",
        "ghost: 0.1",
        ("unknown issue",),
    ),
    (
        "unknown-issue-notes",
        [("    weights: {land: 5,", "    notes: {ghost: why}\n    weights: {land: 5,")],
        "preferences.a.notes.ghost",
        "ghost: why",
        ("unknown issue",),
    ),
    # options, weights, values
    (
        "empty-options",
        [("options: [join, neutral]", "options: []")],
        "issues[2].options",
        "options: []",
        ("no options",),
    ),
    (
        "duplicate-option",
        [("options: [join, neutral]", "options: [join, neutral, join]")],
        "issues[2].options",
        "options: [join, neutral, join]",
        ("listed 2 times",),
    ),
    (
        "negative-weight",
        [("{land: 5, cap: 3, bloc: 2}", "{land: 5, cap: 3, bloc: -2}")],
        "preferences.a.weights.bloc",
        "bloc: -2",
        ("negative",),
    ),
    (
        "all-zero-weights",
        [("{land: 5, cap: 3, bloc: 2}", "{land: 0, cap: 0, bloc: 0}")],
        "preferences.a.weights",
        "{land: 0, cap: 0, bloc: 0}",
        ("zero",),
    ),
    (
        "no-weights",
        [("{land: 5, cap: 3, bloc: 2}", "{}")],
        "preferences.a.weights",
        "weights: {}",
        ("no weights",),
    ),
    (
        "value-above-one",
        [("half: 0.5,", "half: 1.5,")],
        "preferences.a.values.land.half",
        "half: 1.5",
        ("outside [0, 1]",),
    ),
    (
        "value-below-zero",
        [("{none: 0, 800000: 0.5", "{none: -0.25, 800000: 0.5")],
        "preferences.b.values.cap.none",
        "none: -0.25",
        ("outside [0, 1]",),
    ),
    (
        "missing-value",
        [("{all: 1, half: 0.5, none: 0}", "{all: 1, none: 0}")],
        "preferences.a.values.land",
        "{all: 1, none: 0}",
        ("'half'",),
    ),
    (
        "weighted-issue-without-values",
        [("      bloc: {join: 1, neutral: 0}\n", "")],
        "preferences.a.values",
        None,
        ("'bloc'", "no values"),
    ),
    # plans
    (
        "plan-leaves-issue-unset",
        [("{land: half, cap: 800000, bloc: neutral}", "{land: half, cap: 800000}")],
        "plans[1].choices",
        "{land: half, cap: 800000}",
        ("bloc", "unset"),
    ),
    # parties
    (
        "reservation-above-one",
        [
            (
                "{id: a, name: Alpha, role: party, reservation: 0.3}",
                "{id: a, name: Alpha, role: party, reservation: 1.3}",
            )
        ],
        "parties[0].reservation",
        "reservation: 1.3",
        ("outside [0, 1]",),
    ),
    (
        "reservation-negative",
        [
            (
                "{id: b, name: Beta, role: party, reservation: 0.3}",
                "{id: b, name: Beta, role: party, reservation: -0.1}",
            )
        ],
        "parties[1].reservation",
        "reservation: -0.1",
        ("outside [0, 1]",),
    ),
    (
        "capability-outside",
        [
            (
                "{id: m, name: Mediator, role: mediator}",
                "{id: m, name: Mediator, role: mediator, capability: 2}",
            )
        ],
        "parties[2].capability",
        "capability: 2",
        ("outside [0, 1]",),
    ),
    (
        "red-line-forbids-everything",
        [("{issue: land, forbid: [none]}", "{issue: land, forbid: [none, half, all]}")],
        "preferences.a.red_lines[0].forbid",
        "forbid: [none, half, all]",
        ("every option",),
    ),
    # sources
    (
        "bad-reliability-grade",
        [("reliability: B2", "reliability: Z9")],
        "sources[0].reliability",
        "reliability: Z9",
        ("Admiralty",),
    ),
    (
        "bad-reliability-lowercase",
        [("reliability: B2", "reliability: b2")],
        "sources[0].reliability",
        "reliability: b2",
        ("Admiralty",),
    ),
    (
        "bad-reliability-length",
        [("reliability: B2", "reliability: B23")],
        "sources[0].reliability",
        "reliability: B23",
        ("Admiralty",),
    ),
    # uncertainty specifications
    (
        "dirichlet-zero",
        [("dirichlet: 50", "dirichlet: 0")],
        "preferences.a.uncertainty.weights.dirichlet",
        "dirichlet: 0",
        ("positive",),
    ),
    (
        "dirichlet-negative",
        [("dirichlet: 50", "dirichlet: -3")],
        "preferences.a.uncertainty.weights.dirichlet",
        "dirichlet: -3",
        ("positive",),
    ),
    (
        "sd-too-large",
        [("values: {sd: 0.1}}", "values: {sd: 0.7}}")],
        "preferences.a.uncertainty.values.sd",
        "sd: 0.7",
        ("outside",),
    ),
    (
        "sd-negative-per-issue",
        [("values: {sd: 0.1}}", "values: {sd: 0.1, issues: {land: -0.1}}}")],
        "preferences.a.uncertainty.values.land",
        "land: -0.1",
        ("outside",),
    ),
    (
        "reservation-interval-reversed",
        [(UNCERTAINTY, UNCERTAINTY.replace("}}\n", "}, reservation: {low: 0.5, high: 0.4}}\n"))],
        "preferences.a.uncertainty.reservation",
        "reservation: {low: 0.5",
        ("low <= high",),
    ),
    (
        "reservation-interval-outside",
        [(UNCERTAINTY, UNCERTAINTY.replace("}}\n", "}, reservation: {low: 0.2, high: 1.4}}\n"))],
        "preferences.a.uncertainty.reservation",
        "high: 1.4",
        ("within [0, 1]",),
    ),
    # structure (pydantic)
    (
        "wrong-type",
        [("reservation: 0.3}\n  - {id: b", "reservation: high}\n  - {id: b")],
        "parties[0].reservation",
        "reservation: high",
        ("number",),
    ),
    (
        "missing-required-field",
        [("title: A small two-party test case\n", "")],
        "title",
        None,
        ("required",),
    ),
    (
        "unknown-field",
        [("    based_on: p1\n", "    based_om: p1\n")],
        "plans[1].based_om",
        "based_om: p1",
        ("not a known field",),
    ),
    ("bad-role", [("role: mediator}", "role: referee}")], "parties[2].role", "role: referee", ()),
    (
        "bad-date",
        [("date: 2025-11-23\n", "date: 23/11/2025\n")],
        "plans[1].date",
        "date: 23/11/2025",
        (),
    ),
]


@pytest.mark.parametrize(
    ("edits", "field", "snippet", "words"), [pytest.param(*c[1:], id=c[0]) for c in CASES]
)
def test_rule(cli, tmp_path, edits, field, snippet, words):
    text = with_extras(SMALL_TEXT)
    for old, new in edits:
        text = edit(text, old, new)
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    line = line_of(text, snippet) if snippet is not None else None
    assert_rejected(cli, path, field, line, words)


def test_the_base_of_every_case_is_valid(tmp_path):
    """The edits above break a file that is fine without them."""
    path = tmp_path / "ok.yaml"
    path.write_text(with_extras(SMALL_TEXT), encoding="utf-8")
    scenario, _ = load_with_warnings(path)
    assert scenario.statements[0].about == "p1"
    assert scenario.preferences["a"].uncertainty is not None


def test_duplicate_statement_id(cli, tmp_path):
    text = with_extras(SMALL_TEXT) + "  - {id: st1, by: b, kind: reaction, text: Again.}\n"
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    assert_rejected(cli, path, "statements[1].id", line_of(text, "text: Again."), ("duplicate",))


def test_unknown_party_in_statement(cli, tmp_path):
    text = edit(with_extras(SMALL_TEXT), "by: a,", "by: zz,")
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    assert_rejected(cli, path, "statements[0].by", line_of(text, "by: zz"), ("unknown party",))


@pytest.mark.parametrize("bad", [".nan", ".inf"])
def test_non_finite_weight(cli, tmp_path, bad):
    text = edit(SMALL_TEXT, "{land: 5, cap: 3, bloc: 2}", f"{{land: 5, cap: 3, bloc: {bad}}}")
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    assert_rejected(cli, path, "preferences.a.weights.bloc", line_of(text, f"bloc: {bad}"))


def test_weights_overflowing_their_sum(tmp_path):
    text = edit(SMALL_TEXT, "{land: 5, cap: 3, bloc: 2}", "{land: 1e308, cap: 1e308, bloc: 0}")
    try:
        scenario, _ = parse_text(text, "big.yaml")
    except ScenarioError:
        return  # rejecting the file is a fine answer too
    w = scenario.preferences["a"].weights
    assert all(math.isfinite(v) for v in w.values())
    assert math.isclose(sum(w.values()), 1.0)
    assert math.isclose(w["land"], 0.5)


def test_nan_dirichlet(cli, tmp_path):
    text = edit(with_extras(SMALL_TEXT), "dirichlet: 50", "dirichlet: .nan")
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    assert_rejected(
        cli, path, "preferences.a.uncertainty.weights.dirichlet", line_of(text, "dirichlet: .nan")
    )


def test_non_finite_values_and_reservations_are_rejected(tmp_path):
    text = edit(SMALL_TEXT, "half: 0.5,", "half: .nan,")
    text = edit(
        text,
        "name: Beta, role: party, reservation: 0.3",
        "name: Beta, role: party, reservation: .inf",
    )
    with pytest.raises(ScenarioError) as exc:
        parse_text(text, "bad.yaml")
    fields = {format_path(p.path) for p in exc.value.problems}
    assert {"preferences.a.values.land.half", "parties[1].reservation"} <= fields


def test_one_mistake_one_line(tmp_path):
    text = edit(SMALL_TEXT, "options: [all, half, none]", "options: [[1, 2], half, none]")
    with pytest.raises(ScenarioError) as exc:
        parse_text(text, "bad.yaml")
    fields = [format_path(p.path) for p in exc.value.problems]
    assert fields.count("issues[0].options[0]") == 1, fields


# --- unreadable files, syntax, not a mapping -------------------------------------------------


def test_directory(cli, tmp_path):
    # A folder is read as a Genius/GeniusWeb domain; an empty one says it is neither.
    d = tmp_path / "a-directory.yaml"
    d.mkdir()
    res = cli("validate", d)
    assert res.code == 2 and "Traceback" not in res.stderr
    assert f"{d}" in res.stderr and "not a Genius or GeniusWeb domain" in res.stderr


def test_missing_file(cli, tmp_path):
    missing = tmp_path / "nope.yaml"
    res = cli("validate", missing)
    assert res.code == 2 and "Traceback" not in res.stderr
    assert f"{missing}" in res.stderr and "no such file" in res.stderr


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="root reads files whatever their permissions",
)
def test_permission_denied(cli, tmp_path):
    path = tmp_path / "locked.yaml"
    path.write_text(SMALL_TEXT, encoding="utf-8")
    path.chmod(0)
    try:
        res = cli("validate", path)
    finally:
        path.chmod(0o644)
    assert res.code == 2 and "Traceback" not in res.stderr
    assert "cannot read" in res.stderr


def test_not_utf8(cli, tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(SMALL_TEXT.replace("Alpha", "Alph\xe9").encode("latin-1"))
    res = cli("validate", path)
    assert res.code == 2 and "Traceback" not in res.stderr and "UTF-8" in res.stderr


def test_invalid_yaml(cli, tmp_path):
    text = edit(SMALL_TEXT, "note: Numbers are made up for tests.", "note: Numbers: are made up")
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    assert_rejected(
        cli, path, "(top level)", line_of(text, "note: Numbers: are"), ("invalid YAML",)
    )


def test_duplicate_yaml_key(cli, tmp_path):
    text = edit(
        SMALL_TEXT,
        "title: A small two-party test case\n",
        "title: A small two-party test case\ntitle: Again\n",
    )
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    res = cli("validate", path)
    assert res.code == 2 and "Traceback" not in res.stderr and "invalid YAML" in res.stderr


def test_invalid_json(cli, tmp_path, small_data):
    text = json.dumps(small_data, indent=2, default=str)
    lines = text.splitlines()
    k = next(n for n, ln in enumerate(lines) if '"title"' in ln)
    lines[k] = lines[k].rstrip(",")  # drop a comma: the next line is then unexpected
    path = tmp_path / "bad.json"
    path.write_text("\n".join(lines), encoding="utf-8")
    res = cli("validate", path)
    assert res.code == 2 and "Traceback" not in res.stderr
    # json reports the line where it expected the comma: the line after the edited one.
    assert f"{path}:{k + 2}: (top level): invalid JSON" in res.stderr


@pytest.mark.parametrize(
    ("text", "kind"),
    [("- a\n- b\n", "a list"), ("just words\n", "a single text value"),
     ("", "nothing (the file is empty)"), ("42\n", "a single number")],
)
def test_not_a_mapping(cli, tmp_path, text, kind):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    res = cli("validate", path)
    assert res.code == 2 and "Traceback" not in res.stderr
    [err] = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert "(top level)" in err and "not a mapping" in err and kind in err


def test_json_list_is_not_a_mapping(cli, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("[1, 2]", encoding="utf-8")
    res = cli("validate", path)
    assert res.code == 2 and "not a mapping" in res.stderr


def test_not_a_mapping_has_a_line(tmp_path):
    with pytest.raises(ScenarioError) as exc:
        parse_text("- a\n- b\n", "bad.yaml")
    assert exc.value.problems[0].line == 1


# --- all at once; warnings ----------------------------------------------------------------------


def test_all_errors_at_once(cli, tmp_path):
    text = edit(SMALL_TEXT, "half: 0.5,", "half: 1.5,")
    text = edit(text, "based_on: p1", "based_on: p0")
    text = edit(text, "reliability: B2", "reliability: Q")
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    res = cli("validate", path)
    assert res.code == 2 and "Traceback" not in res.stderr
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    expected = {
        "preferences.a.values.land.half": line_of(text, "half: 1.5"),
        "plans[1].based_on": line_of(text, "based_on: p0"),
        "sources[0].reliability": line_of(text, "reliability: Q"),
    }
    assert len(errors) == 3, errors
    for field, line in expected.items():
        assert sum(f"{path}:{line}: {field}: " in e for e in errors) == 1, (field, errors)


def test_pydantic_and_semantic_errors_both_reported_in_one_pass(tmp_path):
    """Structural errors stop before semantics; still every structural error is listed."""
    text = edit(SMALL_TEXT, "reservation: 0.3}\n  - {id: b", "reservation: x}\n  - {id: b")
    text = edit(text, "title: First draft", "title: [not, text]")
    with pytest.raises(ScenarioError) as exc:
        parse_text(text, "bad.yaml")
    fields = {format_path(p.path) for p in exc.value.problems}
    assert {"parties[0].reservation", "plans[0].title"} <= fields


def best_within_own_red_lines(data: dict, pid: str) -> float:
    """Oracle for the warning: a party's best utility within its own red lines."""
    pref = data["preferences"][pid]
    total = sum(pref["weights"].values())
    best = 0.0
    for issue in data["issues"]:
        w = pref["weights"].get(issue["id"], 0) / total
        forbidden = {
            str(o)
            for rl in pref.get("red_lines", [])
            if rl["issue"] == issue["id"]
            for o in rl["forbid"]
        }
        vals = [
            v for o, v in pref["values"].get(issue["id"], {}).items() if str(o) not in forbidden
        ]
        best += w * max(vals, default=0.0)
    return best


def test_warning_is_not_fatal(cli, write_scenario, small_data):
    small_data["preferences"]["a"]["red_lines"] = [{"issue": "land", "forbid": ["none", "all"]}]
    best = best_within_own_red_lines(small_data, "a")
    small_data["parties"][0]["reservation"] = round(best + 0.1, 3)
    path = write_scenario(small_data)
    res = cli("validate", path)
    assert res.code == 0, res.stderr
    assert "Traceback" not in res.stderr and "error:" not in res.stderr
    warn = [
        ln for ln in res.stderr.splitlines() if "warning:" in ln and "parties[0].reservation" in ln
    ]
    assert len(warn) == 1 and f"{best:.3f}" in warn[0]
    _, warnings = load_with_warnings(path)
    assert [format_path(w.path) for w in warnings if w.severity == "warning"].count(
        "parties[0].reservation"
    ) == 1


def test_reachable_reservation_gives_no_warning(write_scenario, small_data):
    best = best_within_own_red_lines(small_data, "a")
    small_data["parties"][0]["reservation"] = round(best - 0.05, 3)
    _, warnings = load_with_warnings(write_scenario(small_data))
    assert not [w for w in warnings if format_path(w.path) == "parties[0].reservation"]


def test_missing_reservation_warns(cli, write_scenario, small_data):
    del small_data["parties"][0]["reservation"]
    res = cli("validate", write_scenario(small_data))
    assert res.code == 0
    assert any(
        "warning:" in ln and "parties[0].reservation" in ln for ln in res.stderr.splitlines()
    )


# --- formats: JSON like YAML; options matched as written --------------------------------------


def test_json_loads_like_yaml(write_scenario, small_data, small_scenario, cli):
    path = write_scenario(small_data, "small.json")
    scenario, _ = load_with_warnings(path)
    assert scenario.model_dump() == small_scenario.model_dump()
    assert cli("validate", path).code == 0


def test_json_errors_name_the_field(cli, write_scenario, small_data):
    small_data["parties"][1]["reservation"] = 2.5
    path = write_scenario(small_data, "bad.json")
    assert_rejected(cli, path, "parties[1].reservation", None, ("outside [0, 1]",))


def test_numbers_and_strings_match_as_written(small_scenario):
    from accord.model import compile_scenario

    text = edit(
        SMALL_TEXT,
        "{land: half, cap: 800000, bloc: neutral}",
        '{land: half, cap: "800000", bloc: neutral}',
    )
    text = edit(
        text, "cap: {none: 1, 800000: 0.6, 600000: 0}", 'cap: {none: 1, "800000": 0.6, 600000.0: 0}'
    )
    scenario, _ = parse_text(text, "quoted.yaml")
    model, ref = compile_scenario(scenario), compile_scenario(small_scenario)
    p2 = model.encode(scenario.plan("p2").choices)
    assert (p2 == ref.encode(small_scenario.plan("p2").choices)).all()
    assert (model.utilities(p2) == ref.utilities(p2)).all()


def test_case_matters_in_option_names(tmp_path):
    text = edit(SMALL_TEXT, "cap: 800000, bloc: neutral}", "cap: 800000, bloc: Neutral}")
    with pytest.raises(ScenarioError) as exc:
        parse_text(text, "bad.yaml")
    assert [format_path(p.path) for p in exc.value.problems] == ["plans[1].choices.bloc"]


def test_boolean_options_match_as_written():
    text = edit(SMALL_TEXT, "options: [join, neutral]", "options: [true, false]")
    text = edit(text, "bloc: {join: 1, neutral: 0}", "bloc: {true: 1, false: 0}")
    text = edit(text, "bloc: {join: 0, neutral: 1}", "bloc: {true: 0, false: 1}")
    text = edit(text, "forbid: [join]", "forbid: [true]")
    text = text.replace("bloc: neutral}", "bloc: false}")
    scenario, _ = parse_text(text, "bool.yaml")
    assert scenario.issue("bloc").options == [True, False]
