"""The core commands: list, schema, validate, analyze (JSON, markdown, text), help, exit codes.

The bundled ukraine-2025 case is checked for shape and for verdicts that follow from its
numbers: each party's utility and accept verdict are recomputed from the raw YAML.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from accord.io import bundled_names, load_scenario

ROOT = Path(__file__).resolve().parents[2]
UKRAINE = ROOT / "accord" / "scenarios" / "ukraine-2025.yaml"
PLAN_IDS = ["us-draft-2025-11-20", "e3-counter-2025-11-23", "geneva-2025-11-24",
            "us-ua-20pt-2025-12-23"]
needs_ukraine = pytest.mark.skipif(not UKRAINE.exists(), reason="ukraine-2025 not bundled yet")


def raw_yaml(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text("utf-8"))


def oracle_scores(raw: dict[str, Any], choices: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Utility and verdict of each party with preferences, straight from the file's numbers."""
    out = {}
    for party in raw["parties"]:
        pref = raw["preferences"].get(party["id"])
        if pref is None:
            continue
        total = sum(pref["weights"].values())
        u = 0.0
        for issue, w in pref["weights"].items():
            table = {str(o): v for o, v in pref["values"][issue].items()}
            if w:
                u += w / total * table[str(choices[issue])]
        lines = [
            rl["issue"]
            for rl in pref.get("red_lines", [])
            if str(choices[rl["issue"]]) in {str(o) for o in rl["forbid"]}
            and not (rl.get("unless") and all(
                str(choices[i]) in {str(o) for o in opts} for i, opts in rl["unless"].items()))
        ]
        reservation = party.get("reservation") or 0.0
        out[party["id"]] = {
            "utility": u,
            "reservation": reservation,
            "red_lines": lines,
            "accepts": not lines and u >= reservation - 1e-12,
        }
    return out


# --- list, schema, help --------------------------------------------------------------------------


def test_list_json_names_every_bundled_scenario(cli):
    res = cli("list", "--format", "json")
    assert res.code == 0, res.stderr
    rows = json.loads(res.stdout)
    assert [r["name"] for r in rows] == bundled_names()
    for r in rows:
        s = load_scenario(r["name"])
        assert (r["title"], r["issues"], r["parties"], r["plans"]) == (
            s.title,
            len(s.issues),
            len(s.parties),
            len(s.plans),
        )


def test_list_text(cli):
    res = cli("list")
    assert res.code == 0
    for name in bundled_names():
        assert name in res.stdout


def test_schema_is_a_json_schema_of_the_format(cli):
    res = cli("schema")
    assert res.code == 0
    doc = json.loads(res.stdout)
    assert doc["$schema"].startswith("https://json-schema.org/")
    assert doc["type"] == "object"
    for key in ("scenario", "title", "parties", "issues", "preferences", "plans", "sources"):
        assert key in doc["properties"], key
    assert {"scenario", "title", "parties", "issues"} <= set(doc["required"])
    assert doc.get("additionalProperties") is False
    # Every reference resolves inside the document.
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc)
    assert refs
    for ref in refs:
        assert ref.startswith("#/$defs/") and ref.split("/")[-1] in doc["$defs"], ref
    party = doc["$defs"]["Party"]["properties"]
    assert set(party["role"]["enum"]) == {"party", "mediator", "stakeholder"}


def test_schema_accepts_the_test_scenario(cli, small_data):
    jsonschema = pytest.importorskip("jsonschema")
    doc = json.loads(cli("schema").stdout)
    jsonschema.Draft202012Validator.check_schema(doc)
    jsonschema.validate(json.loads(json.dumps(small_data, default=str)), doc)


def test_help_shows_examples_and_exit_codes(cli):
    res = cli("--help")
    assert res.code == 0
    assert "Examples" in res.stdout and "accord analyze" in res.stdout
    assert "Exit codes" in res.stdout and "2" in res.stdout
    for command in ("list", "validate", "analyze", "schema"):
        assert command in res.stdout
    sub = cli("analyze", "--help")
    assert sub.code == 0 and "Examples" in sub.stdout and "--format" in sub.stdout


# --- analyze on the small test case ---------------------------------------------------------------


def test_analyze_json_has_the_documented_keys(cli, small_path):
    res = cli("analyze", small_path, "--format", "json")
    assert res.code == 0, res.stderr
    doc = json.loads(res.stdout)
    raw = raw_yaml(small_path)
    assert doc["scenario"] == raw["scenario"]
    assert [p["id"] for p in doc["plans"]] == [p["id"] for p in raw["plans"]]
    for plan, raw_plan in zip(doc["plans"], raw["plans"], strict=True):
        expected = oracle_scores(raw, raw_plan["choices"])
        assert [v["id"] for v in plan["parties"]] == list(expected)
        for v in plan["parties"]:
            e = expected[v["id"]]
            assert set(v) >= {"id", "utility", "reservation", "accepts", "reasons"}
            assert v["utility"] == pytest.approx(e["utility"], abs=1e-6)
            assert v["reservation"] == e["reservation"]
            assert v["accepts"] is e["accepts"]
            assert isinstance(v["reasons"], list) and v["reasons"]
            assert all(isinstance(r, str) for r in v["reasons"])
        assert set(plan["concessions"]) == set(expected)
        assert isinstance(plan["pareto_efficient"], bool)
        imp = plan["improvement"]
        if plan["pareto_efficient"]:
            assert imp is None
        else:
            assert set(imp) >= {"choices", "utilities"}
            assert set(imp["choices"]) == {i["id"] for i in raw["issues"]}
            got = oracle_scores(raw, imp["choices"])
            for pid, u in imp["utilities"].items():
                assert u == pytest.approx(got[pid]["utility"], abs=1e-6)


def test_mediator_without_preferences_is_not_scored(cli, small_path):
    doc = json.loads(cli("analyze", small_path, "--format", "json").stdout)
    for plan in doc["plans"]:
        assert "m" not in [v["id"] for v in plan["parties"]]


def test_analyze_one_plan(cli, small_path):
    doc = json.loads(cli("analyze", small_path, "--plan", "p2", "--format", "json").stdout)
    assert [p["id"] for p in doc["plans"]] == ["p2"]


def test_analyze_markdown(cli, small_path):
    res = cli("analyze", small_path, "--format", "markdown")
    assert res.code == 0, res.stderr
    raw = raw_yaml(small_path)
    assert res.stdout.startswith(f"# {raw['title']}")
    for plan in raw["plans"]:
        assert f"## {plan['id']}: {plan['title']}" in res.stdout
        for pid, e in oracle_scores(raw, plan["choices"]).items():
            name = next(p["name"] for p in raw["parties"] if p["id"] == pid)
            verdict = "accepts" if e["accepts"] else "rejects"
            assert any(
                line.startswith(f"| {name} | {e['utility']:.3f} |") and verdict in line
                for line in res.stdout.splitlines()
            ), (name, verdict)


def test_analyze_text(cli, small_path):
    res = cli("analyze", small_path)
    assert res.code == 0, res.stderr
    raw = raw_yaml(small_path)
    for plan in raw["plans"]:
        assert plan["id"] in res.stdout
    assert "Alpha" in res.stdout and "Beta" in res.stdout


def test_unknown_plan_is_one_line_exit_2(cli, small_path):
    res = cli("analyze", small_path, "--plan", "nope")
    assert res.code == 2
    assert "Traceback" not in res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "nope" in lines[0] and "p1" in lines[0]


def test_unknown_scenario_exits_2(cli):
    res = cli("analyze", "no-such-scenario-anywhere")
    assert res.code == 2 and "no such file" in res.stderr


def test_help_reaches_the_real_entry_point(run_cli):
    res = run_cli("--help")
    assert res.code == 0 and "Exit codes" in res.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("analyze", "tests/data/small.yaml", "--format", "pdf"),
        ("analyze", "tests/data/small.yaml", "--bogus"),
        ("no-such-command",),
    ],
)
def test_usage_errors_exit_2(cli, args):
    res = cli(*args)
    assert "Traceback" not in res.stderr
    assert res.code == 2, res.stderr
    assert "internal error" not in res.stderr
    assert res.stderr.startswith("error: ")


def test_invalid_file_exits_2_through_the_real_entry_point(run_cli, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("scenario: x\ntitle: y\nparties: []\nissues: []\n", encoding="utf-8")
    res = run_cli("analyze", path)
    assert res.code == 2 and "Traceback" not in res.stderr
    assert "issues" in res.stderr and "parties" in res.stderr


# --- the bundled November 2025 case -------------------------------------------------------------


@pytest.fixture(scope="module")
def ukraine_json() -> dict[str, Any]:
    import subprocess
    import sys

    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from accord.cli import main; main()",
            "analyze",
            "ukraine-2025",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout)


@needs_ukraine
def test_ukraine_validates(cli):
    res = cli("validate", "ukraine-2025")
    assert res.code == 0, res.stderr
    assert "error:" not in res.stderr
    assert "ukraine-2025" in bundled_names()


@needs_ukraine
def test_ukraine_shape():
    raw = raw_yaml(UKRAINE)
    assert raw["scenario"] == "ukraine-2025"
    issue_ids = [i["id"] for i in raw["issues"]]
    assert len(issue_ids) >= 12 and len(set(issue_ids)) == len(issue_ids)
    roles = {p["id"]: p["role"] for p in raw["parties"]}
    assert roles == {"ua": "party", "ru": "party", "us": "mediator", "eu": "stakeholder"}
    assert {"ua", "ru", "eu"} <= set(raw["preferences"])
    assert [p["id"] for p in raw["plans"]] == PLAN_IDS
    sources = {s["id"] for s in raw["sources"]}
    for plan in raw["plans"]:
        # every issue is either chosen or left open (bracketed), never both
        assert set(plan["choices"]) | set(plan.get("open", [])) == set(issue_ids), plan["id"]
        assert not set(plan["choices"]) & set(plan.get("open", [])), plan["id"]
        assert plan.get("provisions"), plan["id"]
        for prov in plan["provisions"]:
            assert set(prov.get("sources", [])) <= sources
    for pid, pref in raw["preferences"].items():
        assert pref.get("basis") or next(p for p in raw["parties"] if p["id"] == pid).get(
            "basis"
        ), f"{pid}'s numbers must rest on cited statements"


@needs_ukraine
def test_ukraine_every_provision_has_sources():
    raw = raw_yaml(UKRAINE)
    unsourced = [
        (plan["id"], prov.get("point"))
        for plan in raw["plans"]
        for prov in plan["provisions"]
        if not prov.get("sources")
    ]
    assert unsourced == []


@needs_ukraine
def test_ukraine_covers_the_main_points():
    text = " ".join(
        f"{i['id']} {i['name']} {i.get('description', '')}" for i in raw_yaml(UKRAINE)["issues"]
    ).lower()
    for topic in (
        "crimea",
        "donetsk",
        "luhansk",
        "zaporizhzhia",
        "kherson",
        "demilitar",
        "army",
        "nato",
        "foreign troops",
        "guarantee",
        "aggression",
        "sanction",
        "frozen",
        "election",
        "amnesty",
        "nuclear",
    ):
        assert topic in text, topic


@needs_ukraine
def test_ukraine_verdicts_follow_from_the_numbers(ukraine_json):
    raw = raw_yaml(UKRAINE)
    assert ukraine_json["scenario"] == "ukraine-2025"
    assert [p["id"] for p in ukraine_json["plans"]] == PLAN_IDS
    for plan, raw_plan in zip(ukraine_json["plans"], raw["plans"], strict=True):
        if raw_plan.get("open"):
            _check_open_plan(raw, raw_plan, plan)
            continue
        expected = oracle_scores(raw, raw_plan["choices"])
        assert [v["id"] for v in plan["parties"]] == list(expected)
        assert "us" in expected  # an interested mediator is scored (issue 16)
        for v in plan["parties"]:
            e = expected[v["id"]]
            assert v["utility"] == pytest.approx(e["utility"], abs=1e-6), (plan["id"], v["id"])
            assert v["accepts"] is e["accepts"], (plan["id"], v["id"])
            assert sorted(r["issue"] for r in v["red_lines_crossed"]) == sorted(e["red_lines"])
        assert isinstance(plan["pareto_efficient"], bool)
        assert plan["improvement"] is None or set(plan["improvement"]) >= {"choices", "utilities"}


def _check_open_plan(raw: dict[str, Any], raw_plan: dict[str, Any],
                     plan: dict[str, Any]) -> None:
    """An open plan's ranges and three-valued verdicts, by brute force over its completions
    (constraints: AND across issues, OR within)."""
    import itertools

    options = {i["id"]: i["options"] for i in raw["issues"]}
    open_ = raw_plan["open"]
    scores: list[dict[str, dict[str, Any]]] = []
    for combo in itertools.product(*(options[i] for i in open_)):
        choices = {**raw_plan["choices"], **dict(zip(open_, combo, strict=True))}
        if any(all(str(choices[i]) in {str(o) for o in opts} for i, opts in c["forbid"].items())
               for c in raw.get("constraints", [])):
            continue
        scores.append(oracle_scores(raw, choices))
    assert plan["completions"] == len(scores)
    for v in plan["parties"]:
        us = [sc[v["id"]]["utility"] for sc in scores]
        acc = [sc[v["id"]]["accepts"] for sc in scores]
        assert v["utility"]["low"] == pytest.approx(min(us), abs=1e-3), (plan["id"], v["id"])
        assert v["utility"]["high"] == pytest.approx(max(us), abs=1e-3), (plan["id"], v["id"])
        verdict = "all" if all(acc) else "some" if any(acc) else "none"
        assert v["accepts"] == verdict, (plan["id"], v["id"])

