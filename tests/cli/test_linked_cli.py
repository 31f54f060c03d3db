"""The linked constructs on the command line: schema, validate, analyze, solve --complete, and
one-line errors for bad input (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

EXAMPLE = Path(__file__).resolve().parents[2] / "accord" / "scenarios" / "river-basin.yaml"


def _data() -> Any:
    return YAML(typ="safe", pure=True).load(EXAMPLE.read_text(encoding="utf-8"))


def test_schema_covers_the_linked_keys(cli):
    jsonschema = pytest.importorskip("jsonschema")
    doc = json.loads(cli("schema").stdout)
    assert "constraints" in doc["properties"]
    defs = doc["$defs"]
    assert {"id", "unless", "probability"} <= set(defs["RedLine"]["properties"])
    assert "consent" in defs["Party"]["properties"]
    assert "open" in defs["Plan"]["properties"]
    assert "presented" in json.dumps(defs["Plan"]["properties"]["status"])
    jsonschema.validate(json.loads(json.dumps(_data(), default=str)), doc)


def test_analyze_json_reports_consent_blocks_and_ranges(cli):
    res = cli("analyze", "river-basin", "--format", "json", "--no-improvement")
    assert res.code == 0, res.stderr
    plans = {p["id"]: p for p in json.loads(res.stdout)["plans"]}
    draft = plans["framework-draft"]
    assert draft["open"] == ["dam", "env_flow"] and draft["agreement"] in ("all", "some", "none")
    for v in draft["parties"]:
        assert set(v["utility"]) == {"low", "high"}
        assert v["accepts"] in ("all", "some", "none")
    offer = {v["id"]: v for v in plans["upstream-offer"]["parties"]}
    assert offer["bank"]["consent"] == "none" and offer["bank"]["blocks"] is False
    assert offer["fishers"]["consent"] == ["env_flow"]
    assert plans["press-summary"]["coherent"] is False


def test_solve_complete_fixes_the_plan_and_says_why(cli):
    res = cli("solve", "river-basin", "--complete", "framework-draft", "--format", "json")
    assert res.code == 0, res.stderr
    out = json.loads(res.stdout)
    fixed = {k: v for k, v in _data()["plans"][0]["choices"].items()}
    assert all(out["packages"][0]["choices"][k] == v for k, v in fixed.items())
    assert out["engine_reason"] and out["space"]
    assert out["parties"] == ["upstream", "downstream"]  # the bargaining set
    assert set(out["verdicts"][0]) == {"upstream", "downstream", "fishers", "bank"}


def test_solve_complete_needs_open_issues(cli):
    res = cli("solve", "river-basin", "--complete", "upstream-offer")
    assert res.code == 2 and "leaves no issue open" in res.stderr


@pytest.mark.parametrize(("edit", "field"), [
    (lambda d: d["preferences"]["downstream"]["red_lines"][0].update(probability=2),
     "probability"),
    (lambda d: d["constraints"][0]["forbid"].update(dam=["giant"]), "constraints[0].forbid"),
    (lambda d: d["plans"][0].update(open=["dam", "share"]), "plans[0].open"),
])
def test_bad_linked_input_is_one_line_exit_2(cli, tmp_path, edit, field):
    data = _data()
    edit(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data, default=str), encoding="utf-8")
    res = cli("validate", path)
    assert res.code == 2 and "Traceback" not in res.stderr
    errors = [line for line in res.stderr.splitlines() if ": error" in line or field in line]
    assert errors and any(field in line for line in errors), res.stderr
