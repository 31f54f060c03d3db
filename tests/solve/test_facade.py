"""The facade other features code against: analysis extras, the legacy max-min gain, CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from accord.evaluate import analyze
from accord.solve import solve


def test_analysis_extras_distance_and_moves(small_scenario) -> None:  # type: ignore[no-untyped-def]
    result = analyze(small_scenario, references=True)
    model = result.model
    nash = solve(model, "nash").packages[0]
    for score in result.plans:
        extra = score.extras["nash"]
        u_plan = model.utilities(model.encode(small_scenario.plan(score.plan_id).choices))
        for k, p in enumerate(model.party_ids):
            assert extra["distance"][p] == nash.utilities[p] - u_plan[k]
        plan_choices = small_scenario.plan(score.plan_id).choices
        moved = {m["issue"] for m in extra["moves"]}
        assert moved == {i for i in model.issue_ids
                         if str(plan_choices[i]) != str(nash.choices[i])}
        assert "ks" in score.extras
        assert any("Nash" in line for line in score.extras["notes"])
    # p1 has a provision on land, which the Nash package moves.
    p1 = next(s for s in result.plans if s.plan_id == "p1")
    land = next(m for m in p1.extras["nash"]["moves"] if m["issue"] == "land")
    assert land["provisions"] == [1]


def test_cli_solve_json_and_text(cli, small_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("solve", small_path, "--method", "ks", "--top", "2", "--format", "json")
    assert r.code == 0, r.stderr
    data = json.loads(r.stdout)
    assert {"method", "engine", "optimal", "gap", "seconds", "packages"} <= set(data)
    assert data["method"] == "ks" and data["optimal"] is True and len(data["packages"]) == 2
    assert set(data["packages"][0]) >= {"choices", "utilities"}
    text = cli("solve", small_path, "--method", "ks")
    assert text.code == 0
    first = data["packages"][0]
    assert "proven optimal: yes" in text.stdout
    for issue, option in first["choices"].items():
        assert issue in text.stdout and str(option) in text.stdout.replace(",", "")
    gain = cli("solve", small_path, "-m", "maxmin-gain", "--from", "p2", "-f", "json")
    assert gain.code == 0 and json.loads(gain.stdout)["method"] == "maxmin-gain"


def test_cli_bad_input_is_one_line_exit_2(cli, small_path: Path) -> None:  # type: ignore[no-untyped-def]
    for args in (["--parties", "a,zz"], ["-m", "maxmin-gain"], ["-m", "maxmin-gain", "--from",
                                                                "nope"],
                 ["--from", "p1"], ["--disagreement", "a=x,b=0"], ["--disagreement", "a=0.1"]):
        r = cli("solve", small_path, *args)
        assert r.code == 2, args
        assert r.stderr.startswith("error: ") and "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
    missing = cli("solve", "no-such-file.yaml")
    assert missing.code == 2 and "no-such-file.yaml" in missing.stderr


def test_cli_frontier_csv(cli, small_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "front.csv"
    r = cli("frontier", small_path, "--parties", "a,b", "-o", out)
    assert r.code == 0, r.stderr
    rows = list(csv.DictReader(out.open()))
    assert rows and set(rows[0]) == {"a", "b", "land", "cap", "bloc"}
    assert [float(x["a"]) for x in rows] == sorted(float(x["a"]) for x in rows)


def test_cli_no_agreement_zone(cli, write_scenario, small_data) -> None:  # type: ignore[no-untyped-def]
    for p in small_data["parties"]:
        if p["id"] in ("a", "b"):
            p["reservation"] = 0.75
    path = write_scenario(small_data)
    r = cli("solve", path, "-f", "json")
    assert r.code == 0
    data = json.loads(r.stdout)
    assert data["feasible"] is False and data["packages"] == []
    assert "cannot be met together" in data["message"]
