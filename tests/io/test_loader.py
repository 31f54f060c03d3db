"""Reading and writing scenario files: names, paths, encodings, round trips, atomic writes."""

from __future__ import annotations

import json

import pytest

from accord.io import (
    bundled_names,
    dump_text,
    load_scenario,
    load_with_warnings,
    parse_text,
    resolve,
    save_scenario,
    write_atomic,
)
from accord.io.loader import bundled_dir
from accord.model import ScenarioError
from accord.model.problems import format_path


def test_bundled_names_are_the_files_in_the_scenarios_folder():
    files = sorted(
        p.stem for p in bundled_dir().iterdir() if p.suffix in (".yaml", ".yml", ".json")
    )
    assert bundled_names() == files
    for name in bundled_names():
        assert resolve(name).stem == name
        assert load_scenario(name).scenario  # every bundled scenario loads


def test_a_path_wins_over_a_bundled_name(tmp_path, monkeypatch, small_path):
    if not bundled_names():
        pytest.skip("no bundled scenario")
    name = bundled_names()[0]
    (tmp_path / name).write_text(small_path.read_text("utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_scenario(name).scenario == "small"


def test_unknown_name_lists_the_bundled_ones():
    with pytest.raises(ScenarioError) as exc:
        resolve("surely-not-a-scenario")
    msg = str(exc.value)
    assert "surely-not-a-scenario" in msg
    for name in bundled_names():
        assert name in msg


def test_load_by_path_and_by_str(small_path):
    assert load_scenario(small_path) == load_scenario(str(small_path))


def test_byte_order_mark_is_accepted(tmp_path, small_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + small_path.read_bytes())
    assert load_scenario(path) == load_scenario(small_path)


def test_binary_file_is_refused(tmp_path):
    path = tmp_path / "bin.yaml"
    path.write_bytes(b"scenario: x\x00\x01")
    with pytest.raises(ScenarioError, match="binary"):
        load_scenario(path)


def test_problems_carry_file_and_line(tmp_path, small_path):
    text = small_path.read_text("utf-8").replace("half: 0.5,", "half: 7,")
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    line = next(n for n, ln in enumerate(text.splitlines(), 1) if "half: 7" in ln)
    with pytest.raises(ScenarioError) as exc:
        load_with_warnings(path)
    [p] = exc.value.problems
    assert (p.file, p.line, format_path(p.path)) == (
        str(path),
        line,
        "preferences.a.values.land.half",
    )
    assert str(p).startswith(f"{path}:{line}: preferences.a.values.land.half: ")


def test_missing_field_points_at_its_parent(small_path):
    text = small_path.read_text("utf-8").replace(
        "  - {id: m, name: Mediator, role: mediator}", "  - {id: m, role: mediator}"
    )
    line = next(n for n, ln in enumerate(text.splitlines(), 1) if "{id: m, role" in ln)
    with pytest.raises(ScenarioError) as exc:
        parse_text(text, "x.yaml")
    [p] = exc.value.problems
    assert format_path(p.path) == "parties[2].name" and p.line == line


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_dump_and_parse_round_trip(small_scenario, fmt):
    text = dump_text(small_scenario, fmt)
    again, _ = parse_text(text, f"round.{fmt}")
    assert again == small_scenario


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_save_and_load_round_trip(tmp_path, small_scenario, suffix):
    path = tmp_path / f"out{suffix}"
    save_scenario(small_scenario, path)
    if suffix == ".json":
        json.loads(path.read_text("utf-8"))
    assert load_scenario(path) == small_scenario
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary left behind


def test_write_atomic_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "s.yaml"
    path.write_text("old", encoding="utf-8")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("accord.io.loader.os.replace", boom)
    with pytest.raises(OSError):
        write_atomic(path, "new")
    assert path.read_text("utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["s.yaml"]


def test_write_atomic_creates_folders(tmp_path):
    path = tmp_path / "a" / "b" / "s.yaml"
    write_atomic(path, "text")
    assert path.read_text("utf-8") == "text"


def test_json_without_json_suffix_is_read_as_yaml(tmp_path, small_data, small_scenario):
    path = tmp_path / "scenario.txt"
    path.write_text(json.dumps(small_data, default=str), encoding="utf-8")
    assert load_scenario(path) == small_scenario


def test_shown_name_is_the_path_given(tmp_path, small_path):
    path = tmp_path / "x.yaml"
    path.write_text(
        small_path.read_text("utf-8").replace("reservation: 0.3}", "reservation: 9}", 1),
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    assert all(p.file == str(path) for p in exc.value.problems)


def test_ruamel_types_do_not_leak(small_path):
    """The model holds plain Python values, not ruamel's commented scalars."""
    s = load_scenario(small_path)
    cap = s.issue("cap").options
    assert [type(o) for o in cap] == [str, int, int]
    assert type(s.parties[0].reservation) is float
    assert type(s.plans[0].date).__name__ == "date"


def test_json_duplicate_keys_are_refused(tmp_path):
    from accord.io import load_scenario
    from accord.model import ScenarioError

    path = tmp_path / "dup.json"
    path.write_text('{"scenario": "x", "title": "a", "title": "b", "parties": [], "issues": []}')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "duplicate key 'title'" in str(err.value)


def test_invalid_date_names_field_and_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from accord.io import load_scenario
    from accord.model import ScenarioError

    path = tmp_path / "d.yaml"
    path.write_text("scenario: x\ntitle: t\nparties:\n  - {id: a, name: A}\nissues:\n"
                    "  - {id: i, name: I, options: [p, q]}\nplans:\n  - id: pl\n    title: T\n"
                    "    date: 2026-13-45\n    choices: {i: p}\n")
    try:
        load_scenario(path)
    except ScenarioError as exc:
        (problem,) = exc.problems
        assert problem.line == 10 and "plans[0].date" in str(problem)
        assert "YAML syntax" not in str(problem)
    else:
        raise AssertionError("an invalid date must not load")
