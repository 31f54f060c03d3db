"""Reading and writing scenario files (YAML or JSON), keeping line numbers for error messages.

A scenario is named by a path or by the name of a bundled scenario (`accord list`).
Writes are atomic: a temporary file in the same folder, then a rename, so a failure never
leaves a half-written scenario behind.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from accord.model.problems import Path as FieldPath
from accord.model.problems import Problem, ScenarioError
from accord.model.scenario import Scenario
from accord.model.validate import parse_scenario

BUNDLED_SUFFIXES = (".yaml", ".yml", ".json")


def bundled_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "scenarios"


def bundled_names() -> list[str]:
    d = bundled_dir()
    if not d.is_dir():
        return []
    return sorted(p.stem for p in d.iterdir() if p.suffix in BUNDLED_SUFFIXES)


def resolve(ref: str | os.PathLike[str]) -> Path:
    """A path as given if it exists, else the bundled scenario of that name."""
    path = Path(ref)
    if path.exists():
        return path
    for suffix in BUNDLED_SUFFIXES:
        candidate = bundled_dir() / f"{ref}{suffix}"
        if candidate.exists():
            return candidate
    names = ", ".join(bundled_names()) or "none"
    raise ScenarioError([Problem(
        "no such file, and no bundled scenario of that name",
        f"give a path to a .yaml/.json file or one of: {names}", file=str(ref))])


MAX_NODES = 200_000
"""More values than any real scenario has: YAML aliases can expand a small file enormously."""


class _Walk:
    """Guards for converting a YAML tree: alias cycles and alias bombs are refused."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.nodes = 0
        self.open: set[int] = set()

    def enter(self, node: Any) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ScenarioError([Problem(
                "the file expands to too many values (nested YAML aliases?)",
                "write the values out instead of repeating anchors", file=self.name)])
        if id(node) in self.open:
            raise ScenarioError([Problem(
                "a YAML alias refers to itself", "remove the `*alias` inside its own `&anchor`",
                file=self.name)])


def _plain(node: Any, path: FieldPath, lines: dict[FieldPath, int],
           walk: _Walk | None = None) -> Any:
    """ruamel's commented nodes to plain Python, recording each field's line (1-based)."""
    walk = walk if walk is not None else _Walk("<text>")
    walk.enter(node)
    if isinstance(node, CommentedMap):
        walk.open.add(id(node))
        out = {}
        for key, value in node.items():
            k = key if isinstance(key, str | int | float | bool) else str(key)
            sub = (*path, k if isinstance(k, str) else str(k))
            with contextlib.suppress(KeyError, TypeError, AttributeError):
                lines[sub] = node.lc.key(key)[0] + 1
            out[k] = _plain(value, sub, lines, walk)
        walk.open.discard(id(node))
        return out
    if isinstance(node, CommentedSeq):
        walk.open.add(id(node))
        out_l = []
        for i, value in enumerate(node):
            sub = (*path, i)
            with contextlib.suppress(KeyError, TypeError, AttributeError, IndexError):
                lines[sub] = node.lc.item(i)[0] + 1
            out_l.append(_plain(value, sub, lines, walk))
        walk.open.discard(id(node))
        return out_l
    if hasattr(node, "isoformat") or node is None or isinstance(node, bool | int | float):
        return node
    return str(node)


def _locator(lines: dict[FieldPath, int]) -> Any:
    def locate(path: FieldPath) -> int | None:
        p = tuple(str(x) if not isinstance(x, int) else x for x in path)
        while p:
            if p in lines:
                return lines[p]
            p = p[:-1]
        return lines.get(())

    return locate


def _unique_keys(name: str) -> Any:
    """A json hook refusing duplicate keys, which json would otherwise silently overwrite."""

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise ScenarioError([Problem(
                    f"duplicate key {key!r} in one JSON object", "keep one of the two", file=name)])
            out[key] = value
        return out

    return hook


class _DatesAsText(RoundTripConstructor):
    """Dates stay text while reading, so validation parses them with the rest and an invalid
    one (`2026-13-45`) is reported at its field and line, not as a YAML syntax error."""


_DatesAsText.add_constructor("tag:yaml.org,2002:timestamp", RoundTripConstructor.construct_yaml_str)


def read_data(text: str, name: str) -> tuple[Any, dict[FieldPath, int]]:
    """Parse YAML or JSON text into plain data plus a map of field path -> line."""
    lines: dict[FieldPath, int] = {}
    if name.endswith(".json"):
        try:
            data = json.loads(text, object_pairs_hook=_unique_keys(name))
        except json.JSONDecodeError as exc:
            raise ScenarioError([Problem(
                f"invalid JSON: {exc.msg} (column {exc.colno})",
                "fix the JSON syntax at that place", file=name, line=exc.lineno)]) from None
        except RecursionError:
            raise ScenarioError([Problem(
                "invalid JSON: nested too deeply", "flatten the structure", file=name)]) from None
    yaml = YAML(typ="rt")
    yaml.Constructor = _DatesAsText
    yaml.allow_duplicate_keys = False
    try:
        node = yaml.load(io.StringIO(text))
    except MarkedYAMLError as exc:
        if name.endswith(".json"):
            return data, lines
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = (exc.problem or exc.context or "syntax error").strip()
        raise ScenarioError([Problem(
            f"invalid YAML: {what}",
            "fix the YAML syntax at that line (indentation, quotes, colons)",
            file=name, line=line)]) from None
    except (YAMLError, ValueError, TypeError, RecursionError) as exc:
        if name.endswith(".json"):
            return data, lines
        raise ScenarioError([Problem(
            f"invalid YAML: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
            "fix the YAML syntax", file=name)]) from None
    top_line = getattr(getattr(node, "lc", None), "line", None)
    if isinstance(top_line, int):
        lines[()] = top_line + 1
    try:
        plain = _plain(node, (), lines, _Walk(name))
    except RecursionError:
        raise ScenarioError([Problem(
            "the file is nested too deeply", "flatten the structure", file=name)]) from None
    return (data if name.endswith(".json") else plain), lines


def parse_text(text: str, name: str = "<text>") -> tuple[Scenario, list[Problem]]:
    """Validate scenario text (YAML or JSON); raises ScenarioError with every problem."""
    data, lines = read_data(text, name)
    return parse_scenario(data, file=name, locate=_locator(lines))


def load_with_warnings(ref: str | os.PathLike[str]) -> tuple[Scenario, list[Problem]]:
    path = resolve(ref)
    shown = str(ref) if Path(ref).exists() else str(path.name)
    if path.is_dir():
        from accord.io.folders import load_folder

        return load_folder(path), []
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError([Problem(
            f"cannot read the file: {exc.strerror or exc}",
            "check the path and its permissions", file=shown)]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem(
            f"not UTF-8 text (byte {exc.start})", "save the file as UTF-8", file=shown)]) from None
    if "\x00" in text:
        raise ScenarioError([Problem("binary data, not a text file",
                                     "give a YAML or JSON scenario file", file=shown)])
    return parse_text(text, shown)


def load_scenario(ref: str | os.PathLike[str]) -> Scenario:
    """A validated scenario from a path or a bundled name (raises ScenarioError)."""
    return load_with_warnings(ref)[0]


def scenario_to_data(scenario: Scenario) -> dict[str, Any]:
    """Plain data in the file format, omitting empty defaults."""
    return scenario.model_dump(mode="json", exclude_none=True, exclude_defaults=True)


def dump_text(scenario: Scenario | dict[str, Any], fmt: str = "yaml") -> str:
    data = scenario_to_data(scenario) if isinstance(scenario, Scenario) else scenario
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    buf = io.StringIO()
    yaml.dump(data, buf)
    return buf.getvalue()


def _readable_mode() -> int:
    """0o666 less the umask: what `open()` would give (mkstemp gives 0o600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(path: str | os.PathLike[str], content: str | bytes) -> None:
    """Write text or bytes so that readers see the old file or the new one, never half."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _readable_mode())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_scenario(scenario: Scenario, path: str | os.PathLike[str]) -> None:
    fmt = "json" if str(path).endswith(".json") else "yaml"
    write_atomic(path, dump_text(scenario, fmt))
