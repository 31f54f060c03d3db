"""The compiled model against a plain-Python oracle on random scenarios.

The oracle reads the validated Scenario's weight and value dicts (and, for normalisation, the
raw file data) and sums by hand: the one place a second evaluation route is allowed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import oracle_utility, packages

from accord.model import Scenario, compile_scenario, option_key, parse_scenario

PROPS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def raw_utility(data: dict[str, Any], pid: str, choices: dict[str, Any]) -> float:
    """Straight from the file data: weights normalised here, missing values worth 0."""
    pref = data["preferences"][pid]
    total = sum(pref["weights"].values())
    out = 0.0
    for iss in data["issues"]:
        table = {str(o): v for o, v in pref["values"].get(iss["id"], {}).items()}
        out += pref["weights"].get(iss["id"], 0) / total * table.get(str(choices[iss["id"]]), 0)
    return out


def oracle_crossed(scenario: Scenario, pid: str, choices: dict[str, Any]) -> set[str]:
    return {
        rl.issue
        for rl in scenario.preferences[pid].red_lines
        if option_key(choices[rl.issue]) in {option_key(o) for o in rl.forbid}
    }


@PROPS
@given(data=st.data())
def test_utilities_equal_plain_python_and_stay_in_unit_interval(data, scenario_dicts):
    raw = data.draw(scenario_dicts(grid=data.draw(st.booleans())))
    scenario, _ = parse_scenario(raw)
    model = compile_scenario(scenario)
    assert list(model.party_ids) == [
        p["id"] for p in raw["parties"] if p["id"] in raw["preferences"]
    ]
    pkgs = packages(scenario)
    x = np.array([model.encode(c) for c in pkgs])
    u = model.utilities(x)
    assert u.shape == (len(pkgs), model.n_parties)
    assert (u >= -1e-12).all() and (u <= 1 + 1e-12).all()
    expected = np.array([[oracle_utility(scenario, p, c) for p in model.party_ids] for c in pkgs])
    np.testing.assert_allclose(u, expected, rtol=0, atol=1e-12)
    from_file = np.array([[raw_utility(raw, p, c) for p in model.party_ids] for c in pkgs])
    np.testing.assert_allclose(u, from_file, rtol=0, atol=1e-9)
    # One package gives a (P,) row equal to its row in the batch.
    k = data.draw(st.integers(0, len(pkgs) - 1))
    np.testing.assert_array_equal(model.utilities(x[k]), u[k])


@PROPS
@given(data=st.data())
def test_red_lines_and_acceptance_equal_plain_python(data, scenario_dicts):
    scenario, _ = parse_scenario(data.draw(scenario_dicts()))
    model = compile_scenario(scenario)
    pkgs = packages(scenario)
    x = np.array([model.encode(c) for c in pkgs])
    within, accepts, u = model.within_red_lines(x), model.accepts(x), model.utilities(x)
    for n, c in enumerate(pkgs):
        for p, pid in enumerate(model.party_ids):
            crossed = oracle_crossed(scenario, pid, c)
            assert within[n, p] == (not crossed)
            assert set(np.asarray(model.issue_ids)[model.violations(x[n])[0, p]]) == crossed
            res = scenario.party(pid).reservation
            assert accepts[n, p] == (not crossed and u[n, p] >= res - 1e-12)


@PROPS
@given(data=st.data())
def test_encode_decode_round_trip_and_flat_layout(data, scenario_dicts):
    scenario, _ = parse_scenario(data.draw(scenario_dicts()))
    model = compile_scenario(scenario)
    c = data.draw(st.sampled_from(packages(scenario)))
    x = model.encode(c)
    assert {i: option_key(o) for i, o in model.decode(x).items()} == {
        i: option_key(o) for i, o in c.items()
    }
    assert (model.encode(model.decode(x)) == x).all()
    # The flat (issue, option) layout used as MILP coefficients gives the same utilities.
    onehot = np.zeros(int(model.offsets[-1]))
    onehot[model.offsets[:-1] + x] = 1.0
    np.testing.assert_allclose(model.flat_table @ onehot, model.utilities(x), atol=1e-12)
    assert model.flat_table.shape == (model.n_parties, sum(len(i.options) for i in scenario.issues))
    assert model.size == len(packages(scenario))


@PROPS
@given(data=st.data())
def test_ideal_is_the_best_package_for_each_party_alone(data, scenario_dicts):
    scenario, _ = parse_scenario(data.draw(scenario_dicts(max_issues=4, max_options=3)))
    model = compile_scenario(scenario)
    for p, pid in enumerate(model.party_ids):
        own_ok = [c for c in packages(scenario) if not oracle_crossed(scenario, pid, c)]
        best_all = max(oracle_utility(scenario, pid, c) for c in packages(scenario))
        best_ok = max(oracle_utility(scenario, pid, c) for c in own_ok)
        assert model.ideal(respect_red_lines=False)[p] == pytest.approx(best_all, abs=1e-12)
        assert model.ideal(respect_red_lines=True)[p] == pytest.approx(best_ok, abs=1e-12)


@PROPS
@given(data=st.data())
def test_restrict_keeps_the_chosen_parties_rows(data, scenario_dicts):
    scenario, _ = parse_scenario(data.draw(scenario_dicts()))
    model = compile_scenario(scenario)
    keep = data.draw(st.lists(st.sampled_from(model.party_ids), min_size=1, unique=True))
    sub = model.restrict(keep)
    idx = [model.party_ids.index(p) for p in keep]
    x = np.array([model.encode(c) for c in packages(scenario)])
    np.testing.assert_array_equal(sub.utilities(x), model.utilities(x)[:, idx])
    np.testing.assert_array_equal(sub.accepts(x), model.accepts(x)[:, idx])


def test_arrays_are_read_only(small_scenario):
    model = compile_scenario(small_scenario)
    for name in (
        "weights",
        "values",
        "padding",
        "reservation",
        "table",
        "n_options",
        "offsets",
    ):
        arr = getattr(model, name)
        with pytest.raises(ValueError):
            arr.flat[0] = arr.flat[0]
    with pytest.raises(AttributeError):
        model.weights = model.weights  # type: ignore[misc]


def test_weights_normalised_and_unweighted_issues_zero(small_data):
    del small_data["preferences"]["b"]["weights"]["cap"]
    scenario, _ = parse_scenario(small_data)
    model = compile_scenario(scenario)
    for p, pid in enumerate(model.party_ids):
        raw = small_data["preferences"][pid]["weights"]
        total = sum(raw.values())
        expected = [raw.get(i, 0) / total for i in model.issue_ids]
        np.testing.assert_allclose(model.weights[p], expected, atol=1e-15)
        assert sum(scenario.preferences[pid].weights.values()) == pytest.approx(1.0)


def test_mediator_without_preferences_is_not_scored(small_scenario):
    model = compile_scenario(small_scenario)
    assert "m" not in model.party_ids
    assert list(model.party_ids) == small_scenario.scored_party_ids == ["a", "b"]


def test_encode_refuses_unknown_and_unset(small_scenario):
    model = compile_scenario(small_scenario)
    with pytest.raises(KeyError, match="unset"):
        model.encode({"land": "all", "cap": "none"})
    with pytest.raises(KeyError, match="not an option"):
        model.encode({"land": "most", "cap": "none", "bloc": "join"})
    assert (
        model.encode({"land": "all", "cap": "600000", "bloc": "join"})
        == model.encode({"land": "all", "cap": 600000, "bloc": "join"})
    ).all()
