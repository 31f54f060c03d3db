"""Per-party discount factors, single-text validation and opening draft, and the tournament's
reuse of `summarize` and `write_atomic`."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from accord.model import compile_scenario, parse_scenario
from accord.negotiate import party_discounts, simulate, single_text, summarize, tournament
from accord.negotiate.single_text import opening_draft

tournament_mod = importlib.import_module("accord.negotiate.tournament")
SMALL = Path(__file__).resolve().parent.parent / "data" / "small.yaml"


def _scenario(data: dict[str, Any]) -> Any:
    scenario, _ = parse_scenario(data)
    return scenario


# --- per-party discount -----------------------------------------------------------------------


def test_party_discounts_come_from_the_scenario_unless_overridden(small_data) -> None:  # type: ignore[no-untyped-def]
    small_data["parties"][0]["discount"] = 0.5
    s = _scenario(small_data)
    m = compile_scenario(s).restrict(["b", "a"])
    assert party_discounts(m, s).tolist() == [1.0, 0.5]
    assert party_discounts(m, s, 0.9).tolist() == [0.9, 0.9]
    assert party_discounts(m, s, {"b": 0.8}).tolist() == [0.8, 0.5]
    assert party_discounts(m).tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="not in the negotiation"):
        party_discounts(m, s, {"zz": 0.5})
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        party_discounts(m, s, 0.0)


def test_offer_protocols_discount_each_party_by_its_own_factor(small_data) -> None:  # type: ignore[no-untyped-def]
    plain = compile_scenario(_scenario(small_data)).restrict(["a", "b"])
    base = simulate(plain, "alternating", rounds=20, seed=1)
    assert base.agreement and base.discounted == base.utilities
    small_data["parties"][0]["discount"] = 0.3
    s = _scenario(small_data)
    m = compile_scenario(s).restrict(["a", "b"])
    r = simulate(m, "alternating", rounds=20, seed=1, scenario=s)
    # a's time pressure changes the run (the base agreement is below a's walk-away once
    # discounted at its round), and b, which has no factor, does not discount.
    assert (r.agreement, r.rounds, r.choices) != (base.agreement, base.rounds, base.choices)
    if r.agreement:
        t = (r.rounds - 1) / 19
        assert r.discounted["a"] == pytest.approx(r.utilities["a"] * 0.3**t)
        assert r.discounted["b"] == r.utilities["b"]
        assert r.discounted["a"] >= 0.3 - 1e-12
    # An explicit discount overrides every party's own.
    again = simulate(m, "alternating", rounds=20, seed=1, scenario=s, discount=1.0)
    assert (again.agreement, again.rounds, again.choices) == (base.agreement, base.rounds,
                                                              base.choices)


def test_single_text_final_vote_uses_each_partys_discount(small_data) -> None:  # type: ignore[no-untyped-def]
    small_data["parties"][0]["reservation"] = 0.4
    s0 = _scenario(small_data)
    assert simulate(compile_scenario(s0).restrict(["a", "b"]), "single-text", rounds=20).agreement
    small_data["parties"][0]["discount"] = 0.01
    s = _scenario(small_data)
    m = compile_scenario(s).restrict(["a", "b"])
    r = simulate(m, "single-text", rounds=20, scenario=s)
    assert not r.agreement
    assert r.trace[-1]["votes"] == {"a": False, "b": True}
    assert simulate(m, "single-text", rounds=20, scenario=s, discount=1.0).agreement


def test_cli_simulate_uses_the_scenarios_discount_unless_given(cli, small_data, tmp_path: Path  # type: ignore[no-untyped-def]
                                                              ) -> None:
    small_data["parties"][0]["discount"] = 0.5
    path = tmp_path / "d.json"
    path.write_text(json.dumps(small_data, default=str))
    r = cli("simulate", path, "--seed", "1", "--format", "json")
    assert r.code == 0, r.stderr
    run = json.loads(r.stdout)["runs"][0]
    assert run["agreement"] and run["discounted"]["a"] < run["utilities"]["a"]
    assert run["discounted"]["b"] == run["utilities"]["b"]
    r2 = cli("simulate", path, "--seed", "1", "--format", "json", "--discount", "1")
    assert r2.code == 0, r2.stderr
    assert "discounted" not in json.loads(r2.stdout)["runs"][0]


def test_tournament_uses_the_scenarios_discount_unless_given(small_data, tmp_path: Path  # type: ignore[no-untyped-def]
                                                            ) -> None:
    small_data["parties"][0]["discount"] = 0.3
    path = tmp_path / "d.json"
    path.write_text(json.dumps(small_data, default=str))
    kw: dict[str, Any] = dict(repeat=1, rounds=20, workers=1)
    own = tournament([str(path)], ["boulware", "conceder"], **kw).rows
    flat = tournament([str(path)], ["boulware", "conceder"], discount=1.0, **kw).rows
    plain = tournament([str(SMALL)], ["boulware", "conceder"], **kw).rows
    key = [(r["agreement"], r["rounds"], r["choices"]) for r in own]
    assert key != [(r["agreement"], r["rounds"], r["choices"]) for r in flat]
    assert ([(r["agreement"], r["rounds"], r["choices"]) for r in flat]
            == [(r["agreement"], r["rounds"], r["choices"]) for r in plain])


# --- single text ------------------------------------------------------------------------------


@pytest.mark.parametrize("rounds", [0, -3])
def test_single_text_needs_at_least_one_round(small_scenario, rounds: int) -> None:  # type: ignore[no-untyped-def]
    m = compile_scenario(small_scenario).restrict(["a", "b"])
    with pytest.raises(ValueError, match="rounds must be .*at least 1"):
        single_text(m, rounds=rounds)


def test_opening_draft_ignores_zero_weight_parties_and_respects_red_lines() -> None:
    data = {
        "scenario": "z", "title": "zero weights",
        "parties": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}],
        "issues": [{"id": "x", "name": "X", "options": ["o1", "o2", "o3"]},
                   {"id": "y", "name": "Y", "options": ["p", "q"]}],
        "preferences": {
            "a": {"weights": {"x": 1, "y": 1},
                  "values": {"x": {"o1": 0, "o2": 0.2, "o3": 1}, "y": {"p": 1, "q": 0.5}}},
            # b gives x no weight, and forbids q on y.
            "b": {"weights": {"y": 1}, "values": {"y": {"p": 0, "q": 1}},
                  "red_lines": [{"issue": "y", "forbid": ["q"]}]},
        },
    }
    m = compile_scenario(_scenario(data))
    x = opening_draft(m, None)
    assert m.decode(x) == {"x": "o3", "y": "p"}
    assert m.within_red_lines(x)[0].all()
    # A plan's choices are kept as given.
    assert m.decode(opening_draft(m, {"y": "q"})) == {"x": "o3", "y": "q"}


# --- tournament reuses summarize and write_atomic ----------------------------------------------


def test_tournament_summary_is_summarize_of_each_group() -> None:
    res = tournament([str(SMALL)], ["boulware", "conceder"], repeat=3, rounds=30, workers=1)
    entry = next(e for e in res.summary if e["profile"] == "boulware/conceder")
    g = tournament_mod.Group(str(SMALL), 0, ("a", "b"), "alternating", ("boulware", "conceder"),
                             1, 3, (0,), 30, None)
    model = compile_scenario(tournament_mod._prepared(str(SMALL), ("a", "b"))[0]).restrict(
        ["a", "b"])
    from accord.negotiate import reference, score

    ref = reference(model)
    runs = [score(simulate(model, "alternating", ["boulware", "conceder"], rounds=30,
                           seed=tournament_mod.run_seed(0, 0, 1, k)), ref) for k in range(3)]
    assert entry == tournament_mod.summary_entry(g, summarize(runs))
    assert entry["agreements"] == sum(r.agreement for r in runs)


def test_write_rows_goes_through_write_atomic(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Path, Any]] = []
    real = tournament_mod.write_atomic

    def spy(path: Path, content: Any) -> None:
        calls.append((Path(path), content))
        real(path, content)

    monkeypatch.setattr(tournament_mod, "write_atomic", spy)
    rows = [{"a": 1, "b": "x"}, {"a": 2, "c": np.float64(0.5)}]
    out = tmp_path / "r.csv"
    tournament_mod.write_rows(rows, out)
    assert [p for p, _ in calls] == [out]
    assert out.read_text().splitlines() == ["a,b,c", "1,x,", "2,,0.5"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv"]
