"""Every `--format json` is strict JSON (no NaN or Infinity), the solve result says its status
and what its objective is, and the misleading outputs of the review say what they mean."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


def strict_loads(text: str) -> Any:
    """json.loads that refuses NaN, Infinity and -Infinity, as RFC 8259 parsers do."""

    def refuse(word: str) -> Any:
        raise ValueError(f"not strict JSON: {word}")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("engine", ["enumeration", "milp", "dp"])
def test_degenerate_nash_is_strict_json_with_null_objective(cli, small_path: Path,
                                                            engine: str) -> None:
    # a's best package within the red lines is worth 0.8: at d_a = 0.8 no gain is positive.
    r = cli("solve", small_path, "--no-ir", "--disagreement", "a=0.8,b=0", "--engine", engine,
            "--format", "json")
    assert r.code == 0, r.stderr
    doc = strict_loads(r.stdout)
    assert doc["status"] == "optimal" and doc["optimal"] is True
    assert doc["degenerate"] is True
    assert doc["packages"][0]["objective"] is None and doc["packages"][0]["degenerate"]
    assert doc["objective"].startswith("log of the Nash product")


def test_every_engine_reports_the_same_objective(cli, small_path: Path) -> None:
    for method in ("nash", "ks", "egalitarian", "utilitarian"):
        got = {}
        for engine in ("enumeration", "milp", "dp"):
            r = cli("solve", small_path, "-m", method, "--engine", engine, "--format", "json")
            doc = strict_loads(r.stdout)
            got[engine] = (doc["packages"][0]["choices"], doc["packages"][0]["objective"])
        first = got["enumeration"]
        for engine, (choices, obj) in got.items():
            assert choices == first[0], (method, engine)
            assert obj == pytest.approx(first[1], abs=1e-7), (method, engine)


def test_infeasible_status(cli, write_scenario, small_data) -> None:
    small_data["parties"][0]["reservation"] = 0.99
    small_data["parties"][1]["reservation"] = 0.99
    r = cli("solve", write_scenario(small_data), "--format", "json")
    doc = strict_loads(r.stdout)
    assert doc["status"] == "infeasible" and doc["packages"] == []


def test_no_red_lines_says_so_and_lists_crossed_lines(cli, small_path: Path) -> None:
    r = cli("solve", small_path, "-m", "utilitarian", "--no-red-lines", "--no-ir", "--top", "3")
    assert r.code == 0
    assert "RED LINES IGNORED" in r.stdout
    assert "red lines crossed:" in r.stdout
    j = strict_loads(cli("solve", small_path, "-m", "utilitarian", "--no-red-lines", "--no-ir",
                         "--top", "3", "--format", "json").stdout)
    assert j["red_lines_respected"] is False
    crossed = [c for p in j["packages"] for c in p["red_lines_crossed"]]
    # b forbids bloc = join; a forbids land = none: the real red lines, named as such.
    assert all(c in ("b forbids bloc = join", "a forbids land = none") for c in crossed)
    for p in j["packages"]:
        expect = ([("a forbids land = none")] if p["choices"]["land"] == "none" else []) + \
            (["b forbids bloc = join"] if p["choices"]["bloc"] == "join" else [])
        assert p["red_lines_crossed"] == expect


def test_strict_helper_turns_non_finite_into_null() -> None:
    import numpy as np

    from accord.cli.common import dumps

    text = dumps({"a": float("nan"), "b": [np.float64("-inf"), 1.5], "c": np.int64(3)})
    assert strict_loads(text) == {"a": None, "b": [None, 1.5], "c": 3}


def test_frontier_without_feasible_package_gives_the_reason(cli, write_scenario,
                                                            small_data) -> None:
    # a forbids every land option: no package respects the red lines.
    small_data["preferences"]["a"]["red_lines"] = [{"issue": "land",
                                                    "forbid": ["all", "half"]},
                                                   {"issue": "land", "forbid": ["none"]}]
    path = write_scenario(small_data)
    r = cli("frontier", path, "--parties", "a,b")
    assert r.code == 0
    assert "0 Pareto-optimal points" in r.stdout
    assert "every option is behind a red line" in r.stdout and "land" in r.stdout
    doc = strict_loads(cli("frontier", path, "--parties", "a,b", "--format", "json").stdout)
    assert doc["points"] == [] and "red line" in doc["message"]


def test_piped_text_is_not_cut_at_80_columns(run_cli, write_scenario, small_data) -> None:
    small_data["preferences"]["a"]["red_lines"] = [{"issue": "land",
                                                    "forbid": ["all", "half"]},
                                                   {"issue": "land", "forbid": ["none"]}]
    r = run_cli("frontier", write_scenario(small_data), "--parties", "a,b")
    assert r.code == 0
    line = r.stdout.strip().splitlines()[0]
    assert len(line) > 80 and "every option is behind a red line" in line


def test_frontier_output_extension_is_honoured_or_refused(cli, small_path: Path,
                                                          tmp_path: Path) -> None:
    r = cli("frontier", small_path, "-o", tmp_path / "f.json")
    assert r.code == 0
    doc = strict_loads((tmp_path / "f.json").read_text())
    assert doc["points"] and set(doc["parties"]) == {"a", "b"}
    r = cli("frontier", small_path, "-o", tmp_path / "f.txt")
    assert r.code == 2 and ".csv or .json" in r.stderr and not (tmp_path / "f.txt").exists()


def test_import_output_extension_is_refused(cli, tmp_path: Path) -> None:
    out = tmp_path / "x.txt"
    r = cli("import", "genius", tmp_path / "d.xml", tmp_path / "p.xml", "-o", out)
    assert r.code == 2 and ".yaml or .json" in r.stderr and not out.exists()
    r = cli("import", "geniusweb", tmp_path / "d.json", tmp_path / "p.json", "-o", out)
    assert r.code == 2 and ".yaml or .json" in r.stderr
