"""Fuzzing the reader: whatever the input, a Scenario or a ScenarioError, never a traceback."""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from accord.io import parse_text
from accord.model import Scenario, ScenarioError

ROOT = Path(__file__).resolve().parents[2]
SMALL_TEXT = (ROOT / "tests" / "data" / "small.yaml").read_text("utf-8")
SMALL = YAML(typ="safe", pure=True).load(SMALL_TEXT)
NAMES = st.sampled_from(["fuzz.yaml", "fuzz.json", "fuzz.yml", "<text>"])
FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def must_parse_or_refuse(text: str, name: str) -> None:
    try:
        scenario, warnings = parse_text(text, name)
    except ScenarioError as exc:
        assert exc.problems, "a ScenarioError must say what is wrong"
        for p in exc.problems:
            assert str(p) and "\n" not in p.message
        return
    assert isinstance(scenario, Scenario)
    assert all(w.severity == "warning" for w in warnings)


def to_yaml(data: Any) -> str:
    y = YAML(typ="safe", pure=True)
    y.allow_unicode = True
    buf = io.StringIO()
    y.dump(data, buf)
    return buf.getvalue()


def to_json(data: Any) -> str:
    return json.dumps(data, default=str)  # NaN and Infinity as Python's json writes them


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(
        [
            "scenario",
            "parties",
            "issues",
            "id",
            "a",
            "land",
            "none",
            "600000",
            "0.5",
            "B2",
            "2025-11-20",
            "",
        ]
    )
)
trees = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "scenario",
                    "title",
                    "parties",
                    "issues",
                    "preferences",
                    "plans",
                    "sources",
                    "statements",
                    "id",
                    "name",
                    "options",
                    "weights",
                    "values",
                    "red_lines",
                    "forbid",
                    "issue",
                    "choices",
                    "reservation",
                    "role",
                    "x",
                ]
            )
            | st.text(max_size=6),
            inner,
            max_size=4,
        )
    ),
    max_leaves=25,
)


def deep(depth: int, leaf: Any) -> Any:
    for _ in range(depth):
        leaf = [leaf]
    return leaf


weird = (
    scalars
    | trees
    | st.builds(deep, st.integers(1, 200), scalars)
    | st.sampled_from([1e308, -1e308, 10**400, float("nan"), float("inf"), [], {}, "", True, 0, -1])
)


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += paths(v, (*prefix, i))
    return out


@st.composite
def mutated_scenarios(draw: st.DrawFn) -> Any:
    """tests/data/small.yaml with a few random edits: deletions, wrong types, odd numbers."""
    data = copy.deepcopy(SMALL)
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.sampled_from(paths(data)))
        if not where:
            continue
        parent = data
        for part in where[:-1]:
            parent = parent[part]
        last = where[-1]
        action = draw(st.sampled_from(["delete", "replace", "replace", "wrap", "duplicate"]))
        if action == "delete":
            del parent[last]
        elif action == "replace":
            parent[last] = draw(weird)
        elif action == "wrap":
            parent[last] = deep(draw(st.integers(1, 50)), parent[last])
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
        else:
            parent[last] = [parent[last], parent[last]]
    return data


@FUZZ
@given(raw=st.binary(max_size=300), name=NAMES)
def test_random_bytes(raw: bytes, name: str) -> None:
    must_parse_or_refuse(raw.decode("latin-1"), name)


@FUZZ
@given(text=st.text(max_size=200), name=NAMES)
def test_random_text(text: str, name: str) -> None:
    must_parse_or_refuse(text, name)


@FUZZ
@given(tree=trees, as_json=st.booleans())
def test_random_trees(tree: Any, as_json: bool) -> None:
    must_parse_or_refuse(
        to_json(tree) if as_json else to_yaml(tree), "tree.json" if as_json else "tree.yaml"
    )


@settings(FUZZ, max_examples=150)
@given(data=mutated_scenarios(), as_json=st.booleans())
def test_mutated_scenarios(data: Any, as_json: bool) -> None:
    must_parse_or_refuse(
        to_json(data) if as_json else to_yaml(data), "mut.json" if as_json else "mut.yaml"
    )


@FUZZ
@given(
    lines=st.lists(st.integers(0, SMALL_TEXT.count("\n") - 1), min_size=1, max_size=3),
    junk=st.sampled_from(
        ["", ":", "- ", "  ", "{", "]", "&a *a", "!!python/object:os.system", "\t", "'", "? ", "*x"]
    ),
)
def test_small_yaml_with_lines_broken(lines: list[int], junk: str) -> None:
    text = SMALL_TEXT.splitlines()
    for n in lines:
        text[n] = junk + text[n][len(text[n]) // 2 :]
    must_parse_or_refuse("\n".join(text) + "\n", "broken.yaml")


def test_the_mutation_base_is_valid() -> None:
    scenario, _ = parse_text(to_yaml(SMALL), "small.yaml")
    again, _ = parse_text(to_json(SMALL), "small.json")
    assert scenario.model_dump() == again.model_dump()


def test_nan_where_a_number_belongs_is_refused() -> None:
    data = copy.deepcopy(SMALL)
    data["preferences"]["b"]["values"]["land"]["half"] = float("nan")
    with pytest.raises(ScenarioError):
        parse_text(to_json(data), "nan.json")


def test_deeply_nested_json() -> None:
    must_parse_or_refuse("[" * 100_000 + "]" * 100_000, "deep.json")


def test_recursive_alias() -> None:
    must_parse_or_refuse("&a {x: *a}\n", "loop.yaml")


def test_deeply_nested_yaml() -> None:
    must_parse_or_refuse("[" * 700 + "]" * 700, "deep.yaml")


BOMB = (
    "\n".join(
        ["l0: &l0 [x, x, x, x, x, x, x, x, x]"]
        + [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 8)]
    )
    + "\n"
)


def test_alias_bomb_is_refused() -> None:
    """Refused, not expanded: the timeout only guards against a hang (memory per input
    character is asserted in tests/io/test_loader.py; speed belongs in benchmarks)."""
    code = (
        "import sys; from accord.io import parse_text; from accord.model import "
        "ScenarioError\ntry: parse_text(sys.stdin.read(), 'bomb.yaml')\n"
        "except ScenarioError: pass\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        input=BOMB,
        text=True,
        capture_output=True,
        timeout=60,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr


# --- through the command line ------------------------------------------------------------------


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=mutated_scenarios(), as_json=st.booleans())
def test_cli_never_shows_a_traceback(
    tmp_path_factory: pytest.TempPathFactory, run_cli, data: Any, as_json: bool
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / ("f.json" if as_json else "f.yaml")
    path.write_text(to_json(data) if as_json else to_yaml(data), encoding="utf-8")
    res = run_cli("validate", path)
    assert res.code in (0, 2), res.stderr
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr
    assert (res.code == 0) == ("error:" not in res.stderr)


def test_cli_on_random_bytes(tmp_path: Path, run_cli) -> None:
    path = tmp_path / "noise.yaml"
    path.write_bytes(bytes(range(256)) * 3)
    res = run_cli("validate", path)
    assert res.code == 2 and "Traceback" not in res.stderr
    assert res.stderr.startswith("error:")
