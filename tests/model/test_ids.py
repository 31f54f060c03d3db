"""One id syntax for scenarios, parties, issues, plans, sources and statements, checked by
validation; option values stay free; no id can make a command write outside its output path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.model import ScenarioError, parse_scenario
from accord.model.ids import ID_PATTERN, is_id, safe_id


@pytest.mark.parametrize("where,bad", [
    (("scenario",), "../../x"),
    (("parties", 0, "id"), "../../x"),
    (("parties", 1, "id"), "a/b"),
    (("issues", 0, "id"), "Bread type"),
    (("plans", 0, "id"), ".."),
    (("sources", 0, "id"), ""),
])
def test_bad_ids_are_validation_errors(small_data: dict[str, Any], where: tuple[Any, ...],
                                       bad: str) -> None:
    node: Any = small_data
    for part in where[:-1]:
        node = node[part]
    node[where[-1]] = bad
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(small_data)
    text = str(exc.value)
    assert f"id {bad!r} is not a valid id" in text
    assert any(p.path == where for p in exc.value.problems)


def test_option_values_stay_free(small_data: dict[str, Any]) -> None:
    small_data["issues"][0]["options"] = ["all of it / 100%", "half", "none"]
    small_data["preferences"]["a"]["values"]["land"] = {"all of it / 100%": 1, "half": 0.5,
                                                        "none": 0}
    small_data["preferences"]["b"]["values"]["land"] = {"all of it / 100%": 0, "half": 0.6,
                                                        "none": 1}
    small_data["plans"][1]["choices"]["land"] = "all of it / 100%"
    parse_scenario(small_data)


def test_ids_with_every_allowed_character(small_data: dict[str, Any]) -> None:
    small_data["plans"][0]["id"] = "us-draft_2025.11:20"
    small_data["plans"][1]["based_on"] = "us-draft_2025.11:20"
    parse_scenario(small_data)


@given(st.text(max_size=60))
def test_safe_id_always_gives_a_valid_unique_id(name: str) -> None:
    first = safe_id(name)
    assert is_id(first)
    assert is_id(safe_id(name, [first])) and safe_id(name, [first]) != first


def test_safe_id_of_a_genius_name() -> None:
    assert safe_id("Bread type") == "Bread_type"
    assert ID_PATTERN.fullmatch("Bread_type")


def test_export_cannot_write_outside_its_folder(small_scenario: Any, tmp_path: Path) -> None:
    from accord.io.genius import GeniusError, export_genius

    # A Scenario built by hand skips validation: the exporter still refuses the path.
    evil = small_scenario.model_copy(update={"scenario": "../../evil"})
    out = tmp_path / "a" / "b"
    out.mkdir(parents=True)
    with pytest.raises(GeniusError, match="not a valid id"):
        export_genius(evil, out)
    assert list(tmp_path.rglob("*.xml")) == []


def test_cli_export_of_a_traversing_id_fails_validation(cli, write_scenario, small_data,
                                                        tmp_path: Path) -> None:
    small_data["scenario"] = "../../x"
    out = tmp_path / "deep" / "er"
    out.mkdir(parents=True)
    r = cli("export", "genius", write_scenario(small_data), "-o", out)
    assert r.code == 2 and "is not a valid id" in r.stderr
    assert list(tmp_path.rglob("*.xml")) == []
