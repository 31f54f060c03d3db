"""A Genius or GeniusWeb domain folder is a scenario any command takes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shared_data import needs, shared_data

from accord.io import load_scenario
from accord.model import ScenarioError, compile_scenario

GENIUS = shared_data("genius")
needs_data = needs("genius")

DOMAIN = {"name": "tiny",
          "issuesValues": {"a": {"values": ["x", "y"]}, "b": {"values": ["p", "q"]}}}


def _profile(weights: dict[str, float], utils: dict[str, dict[str, float]]) -> dict:
    return {"LinearAdditiveUtilitySpace": {
        "issueUtilities": {i: {"DiscreteValueSetUtilities": {"valueUtilities": u}}
                           for i, u in utils.items()},
        "issueWeights": weights, "domain": DOMAIN, "name": "p"}}


def test_geniusweb_folder_loads_and_skips_other_json(tmp_path: Path) -> None:
    (tmp_path / "tiny.json").write_text(json.dumps(DOMAIN))
    (tmp_path / "one.json").write_text(json.dumps(_profile(
        {"a": 0.25, "b": 0.75}, {"a": {"x": 1.0, "y": 0.0}, "b": {"p": 0.5, "q": 1.0}})))
    (tmp_path / "two.json").write_text(json.dumps(_profile(
        {"a": 0.5, "b": 0.5}, {"a": {"x": 0.0, "y": 1.0}, "b": {"p": 1.0, "q": 0.0}})))
    (tmp_path / "specials.json").write_text("{}")
    s = load_scenario(tmp_path)
    m = compile_scenario(s)
    assert m.party_ids == ("one", "two")
    u = m.utilities(m.encode({"a": "x", "b": "q"}))
    assert u.tolist() == pytest.approx([0.25 * 1.0 + 0.75 * 1.0, 0.5 * 0.0 + 0.5 * 0.0])


def test_a_folder_without_a_domain_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ScenarioError) as err:
        load_scenario(tmp_path)
    [problem] = err.value.problems
    assert problem.file == str(tmp_path) and "not a Genius or GeniusWeb domain" in str(problem)


@needs_data
def test_genius_folder_skips_uncertain_variants() -> None:
    s = load_scenario(GENIUS / "anac2011-Camera")
    assert s.scored_party_ids == ["camera_buyer_utility", "camera_seller_utility"]


@needs_data
def test_non_linear_folder_names_the_construct() -> None:
    with pytest.raises(ScenarioError) as err:
        load_scenario(GENIUS / "anac2014-10issues")
    assert "hyperRectangle" in str(err.value) and "not supported" in str(err.value)
