"""`accord simulate` and `accord tournament` on the small case and the bundled case."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

SMALL = Path(__file__).resolve().parent.parent / "data" / "small.yaml"


def test_simulate_prints_outcome_utilities_and_distances(cli) -> None:
    r = cli("simulate", SMALL, "--strategies", "boulware,conceder", "--seed", "1")
    assert r.code == 0, r.stderr
    assert "agreement in round" in r.stdout
    assert "distance to the Pareto frontier" in r.stdout and "Nash package" in r.stdout


def test_simulate_json_runs_and_summary(cli) -> None:
    r = cli("simulate", SMALL, "--repeat", "3", "--format", "json")
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert len(doc["runs"]) == 3 and doc["summary"]["runs"] == 3
    run = doc["runs"][0]
    assert set(run) >= {"agreement", "choices", "utilities", "rounds"}
    assert set(run["utilities"]) == {"a", "b"}


def test_simulate_writes_trace(cli, tmp_path: Path) -> None:
    out = tmp_path / "trace.jsonl"
    r = cli("simulate", SMALL, "--trace", out)
    assert r.code == 0, r.stderr
    events = [json.loads(line) for line in out.read_text().splitlines()]
    assert events and {"run", "round", "party", "action"} <= set(events[0])


@pytest.mark.parametrize("args, field", [
    (["--strategies", "nope"], "--strategies"),
    (["--protocol", "auction"], "--protocol"),
    (["--parties", "a,zz"], "--parties"),
    (["--rounds", "0"], "--rounds"),
    (["--discount", "1.5"], "--discount"),
    (["--protocol", "single-text", "--mediator", "zz"], "--mediator"),
    (["--protocol", "single-text", "--start", "zz"], "--start"),
    (["--mediator", "m"], "--mediator"),
])
def test_bad_input_is_one_line_exit_2(cli, args: list[str], field: str) -> None:
    r = cli("simulate", SMALL, *args)
    assert r.code == 2
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and field in lines[0] and "fix:" in lines[0]


def test_alternating_refuses_three_parties(cli) -> None:
    r = cli("simulate", "ukraine-2025", "--protocol", "alternating", "--parties", "ua,ru,eu")
    assert r.code == 2 and "stacked" in r.stderr


@pytest.mark.parametrize("args", [
    ["--protocol", "alternating", "--parties", "ua,ru", "--strategies", "boulware,conceder"],
    ["--protocol", "stacked", "--parties", "ua,ru,eu", "--strategies", "pareto"],
])
def test_offer_protocols_run_on_the_bundled_case(cli, args: list[str]) -> None:
    r = cli("simulate", "ukraine-2025", *args, "--rounds", "30", "--seed", "1", "-f", "json")
    assert r.code == 0, r.stderr
    run = json.loads(r.stdout)["runs"][0]
    assert run["rounds"] >= 1 and set(run["utilities"]) >= {"ua", "ru"}


def test_single_text_on_the_bundled_case_shows_drafts_and_objections(cli) -> None:
    r = cli("simulate", "ukraine-2025", "--protocol", "single-text", "--mediator", "us",
            "--seed", "1")
    assert r.code == 0, r.stderr
    assert "opening draft by us" in r.stdout
    assert "vetoes (red line on" in r.stdout
    assert "->" in r.stdout and "final vote:" in r.stdout


def test_tournament_writes_csv_and_summary(cli, tmp_path: Path) -> None:
    out = tmp_path / "results.csv"
    r = cli("tournament", SMALL, "--strategies", "boulware,conceder", "--repeat", "2",
            "-o", out, "--workers", "1")
    assert r.code == 0, r.stderr
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 4 * 2
    assert {"agreement", "rounds", "welfare", "nash_distance", "frontier_distance",
            "utility_1", "utility_2"} <= set(rows[0])
    assert "Tournament summary" in r.stdout


def test_tournament_rejects_unknown_output_format(cli, tmp_path: Path) -> None:
    r = cli("tournament", SMALL, "-o", tmp_path / "x.xlsx")
    assert r.code == 2 and "--output" in r.stderr


def test_discounted_utilities_are_shown_in_text(cli) -> None:  # type: ignore[no-untyped-def]
    import json

    r = cli("simulate", "tests/data/small.yaml", "--discount", "0.9")
    assert r.code == 0 and "discounted" in r.stdout
    j = json.loads(cli("simulate", "tests/data/small.yaml", "--discount", "0.9",
                       "--format", "json").stdout)
    for p, v in j["runs"][0]["discounted"].items():
        assert f"{v:.3f}" in r.stdout, p
    plain = cli("simulate", "tests/data/small.yaml")
    assert "discounted" not in plain.stdout


def test_tournament_says_what_it_runs(cli) -> None:  # type: ignore[no-untyped-def]
    import json

    r = cli("tournament", "tests/data/small.yaml", "--repeat", "2", "--strategies",
            "boulware,conceder,linear", "--format", "json")
    assert r.code == 0
    assert "running 18 negotiations (9 strategy profiles x 2 repeats" in r.stderr
    assert json.loads(r.stdout)["runs"] == 18
