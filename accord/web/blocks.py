"""Replace one party's preferences in a stored scenario text by byte range.

A delegate's save must not touch a byte outside its own block, so that history diffs show only
what the delegate changed and the rest of the file (comments, quoting, line breaks) stays as
the mediator wrote it. A party's block is `preferences[party]` plus that party's own
`reservation`, `capability`, `note` and `basis` under `parties`.

Steps, for YAML and JSON alike (JSON is read with the YAML composer, which gives positions):
1. compose the stored text into nodes with start and end positions;
2. refuse when the block shares a node (a YAML anchor) with the rest of the file;
3. splice the new value into the byte range of `preferences[party]` (or insert the key),
   using the delegate's own text when given, so numbers stay as the delegate wrote them;
   an object is written in the file's own style (`_Emitter`): a mapping or list that was in
   flow style stays in flow style, new small maps and lists of scalars go in flow style when
   the file uses it, keys keep their order and spelling, so a diff shows the changed numbers;
4. set or remove (a null) the party's own fields in place, in the entry's own style;
5. re-parse both texts and refuse unless the data outside the block is unchanged.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from accord.io.loader import read_data
from accord.model import ScenarioError

PARTY_FIELDS = ("reservation", "capability", "note", "basis")
"""A party's own fields under `parties`, part of its delegate's block."""

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


class BlockError(ValueError):
    """The block cannot be replaced on its own; the message says why (a 422)."""


def _compose(text: str) -> MappingNode:
    node = YAML(typ="rt").compose(io.StringIO(text))
    if not isinstance(node, MappingNode):
        raise BlockError("the stored scenario is not a mapping")
    return node


def _get(node: MappingNode, key: str) -> tuple[Node, Node] | None:
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == key:
            return k, v
    return None


def _block_nodes(root: MappingNode, party: str) -> list[Node]:
    """The nodes of the party's block: its preferences value and its own party fields."""
    out: list[Node] = []
    prefs = _get(root, "preferences")
    if prefs is not None and isinstance(prefs[1], MappingNode):
        found = _get(prefs[1], party)
        if found is not None:
            out.append(found[1])
    item = _find_party(root, party)
    if item is not None:
        out += [v for k, v in item.value if getattr(k, "value", None) in PARTY_FIELDS]
    return out


def _reach(node: Node, seen: set[int], stop: set[int] | None = None) -> None:
    stack = [node]
    while stack:
        n = stack.pop()
        if id(n) in seen or (stop is not None and id(n) in stop):
            continue
        seen.add(id(n))
        if isinstance(n, MappingNode):
            for k, v in n.value:
                stack += [k, v]
        elif isinstance(n, SequenceNode):
            stack += list(n.value)


def _check_no_shared_anchors(root: MappingNode, party: str) -> None:
    block = _block_nodes(root, party)
    inside: set[int] = set()
    for n in block:
        _reach(n, inside)
    outside: set[int] = set()
    _reach(root, outside, stop={id(n) for n in block})
    if inside & outside:
        raise BlockError(f"the block of {party!r} shares YAML anchors with the rest of the "
                         "file; ask the mediator to write those values out")


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _trim_end(text: str, start: int, end: int, key_col: int) -> int:
    """Move `end` back over trailing blank lines, and over comments at or left of the key's
    column, which belong to what follows."""
    while end > start:
        end = start + len(text[start:end].rstrip())
        ls = _line_start(text, end - 1) if end > start else start
        line = text[ls:end]
        indent = len(line) - len(line.lstrip(" "))
        if ls > start and line.strip().startswith("#") and indent <= key_col:
            end = ls
            continue
        break
    return end


def _written_lines(written: str | None, is_json_file: bool) -> list[str] | None:
    """The delegate's own text, when it can go in as written."""
    if written is None:
        return None
    lines = written.strip("\n").splitlines()
    if not lines or any(ln.startswith(("---", "...", "%")) or "\t" in ln[:len(ln) -
                                                                        len(ln.lstrip())]
                        for ln in lines):
        return None
    if is_json_file:
        try:
            json.loads(written)
        except ValueError:
            return None
    return lines


def _block_text(prefs: dict[str, Any], written: str | None, indent: int,
                is_json_file: bool, old: Node | None = None, flow: bool = False) -> str:
    """The new value as lines at `indent`, starting on a fresh line (block style), in the
    style of the value it replaces (`old`), or of the file (`flow`) for new parts."""
    lines = _written_lines(written, is_json_file)
    if lines is None:
        lines = _Emitter(flow).block(_py(prefs), old)
    pad = " " * indent
    return "\n".join(pad + ln if ln.strip() else "" for ln in lines)


_SAFE_PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_ .+/-]*$")


def _scalar(value: Any) -> str:
    """A scalar as YAML text: numbers in their shortest form, strings plain when they read
    back as the same string, else quoted."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    text = str(value)
    if _SAFE_PLAIN.match(text) and not text.endswith(" "):
        try:
            back = YAML(typ="safe", pure=True).load(io.StringIO(f"[{text}]"))
        except Exception:  # noqa: BLE001 - anything odd is quoted
            back = None
        if back == [text]:
            return text
    return json.dumps(text, ensure_ascii=False)


def _is_leaf(value: Any) -> bool:
    """A mapping or list holding only scalars and lists of scalars (a flow line)."""
    items = value.values() if isinstance(value, dict) else value
    return all(not isinstance(v, dict | list)
               or (isinstance(v, list) and not any(isinstance(x, dict | list) for x in v))
               for v in items)


def _uses_flow(node: Node) -> bool:
    """Whether any mapping or list under `node` is in flow style."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, MappingNode | SequenceNode):
            if n.flow_style:
                return True
            stack += [x for kv in n.value for x in kv] if isinstance(n, MappingNode) \
                else list(n.value)
    return False


class _Emitter:
    """Writes plain data as YAML lines in the style of the node it replaces: flow stays flow,
    block stays block, keys keep their order and their spelling (`800000:` stays unquoted);
    new parts are in flow style when they are small and the file uses flow style."""

    def __init__(self, flow: bool):
        self.flow = flow

    @staticmethod
    def _old_items(old: Node | None) -> dict[str, tuple[Node, Node]]:
        if not isinstance(old, MappingNode):
            return {}
        return {str(k.value): (k, v) for k, v in old.value if isinstance(k, ScalarNode)}

    def _ordered(self, value: dict[Any, Any], old: Node | None) -> list[Any]:
        """The keys in the old node's order, new keys after them in their own order."""
        rank = {name: i for i, name in enumerate(self._old_items(old))}
        return sorted(value, key=lambda k: rank.get(str(k), len(rank)))

    def _key(self, key: Any, old: Node | None) -> str:
        found = self._old_items(old).get(str(key))
        if found is not None and isinstance(found[0], ScalarNode) and found[0].style is None \
                and found[0].value == str(key):
            return str(found[0].value)  # as the file spells it (the loader reads both alike)
        if isinstance(key, str) and _scalar(key) == key:
            return key
        return _scalar(key)

    def _in_flow(self, value: Any, old: Node | None) -> bool:
        if isinstance(old, MappingNode | SequenceNode) and \
                isinstance(old, MappingNode) == isinstance(value, dict):
            return bool(old.flow_style)
        return self.flow and _is_leaf(value)

    def inline(self, value: Any, old: Node | None = None) -> str:
        """A value on one line (flow style for collections)."""
        if isinstance(value, dict):
            items = self._old_items(old)
            return "{" + ", ".join(
                f"{self._key(k, old)}: "
                + self.inline(value[k], items.get(str(k), (None, None))[1])
                for k in self._ordered(value, old)) + "}"
        if isinstance(value, list):
            olds = old.value if isinstance(old, SequenceNode) else []
            return "[" + ", ".join(self.inline(v, olds[i] if i < len(olds) else None)
                                   for i, v in enumerate(value)) + "]"
        return _scalar(value)

    def block(self, value: Any, old: Node | None = None) -> list[str]:
        """A mapping or list as block lines at column 0."""
        lines: list[str] = []
        if isinstance(value, dict):
            items = self._old_items(old)
            for k in self._ordered(value, old):
                v, sub = value[k], items.get(str(k), (None, None))[1]
                head = f"{self._key(k, old)}:"
                if isinstance(v, dict | list) and v and not self._in_flow(v, sub):
                    lines.append(head)
                    step = 2
                    if isinstance(sub, MappingNode | SequenceNode) and not sub.flow_style:
                        step = max(sub.start_mark.column - items[str(k)][0].start_mark.column,
                                   1 if isinstance(v, dict) else 0)
                    lines += [" " * step + ln for ln in self.block(v, sub)]
                else:
                    lines.append(f"{head} {self.inline(v, sub)}")
            return lines
        olds = old.value if isinstance(old, SequenceNode) else []
        for i, v in enumerate(value):
            sub = olds[i] if i < len(olds) else None
            if isinstance(v, dict | list) and v and not self._in_flow(v, sub):
                inner = self.block(v, sub)
                lines += ["- " + inner[0]] + ["  " + ln for ln in inner[1:]]
            else:
                lines.append(f"- {self.inline(v, sub)}")
        return lines


def _inline_text(prefs: dict[str, Any], written: str | None, indent: int,
                 is_json_file: bool) -> str:
    """The new value for a flow position: the delegate's JSON as written, else JSON."""
    lines = _written_lines(written, True) if written is not None else None
    if lines is None:
        lines = json.dumps(_py(prefs), indent=2, ensure_ascii=False,
                           default=str).splitlines()
    pad = " " * indent
    return "\n".join([lines[0]] + [pad + ln for ln in lines[1:]])


def _key(party: str, is_json: bool) -> str:
    return party if not is_json and _PLAIN_KEY.match(party) else json.dumps(party)


def _splice(text: str, root: MappingNode, party: str, prefs: dict[str, Any],
            written: str | None, is_json: bool) -> str:
    pref = _get(root, "preferences")
    flow = _uses_flow(root)
    if pref is not None and isinstance(pref[1], MappingNode):
        pnode = pref[1]
        found = _get(pnode, party)
        if found is not None:
            key, value = found
            col = key.start_mark.column
            block = (not is_json and isinstance(value, MappingNode) and not value.flow_style
                     and value.start_mark.line > key.start_mark.line)
            if block:
                start = text.find("\n", key.end_mark.index) + 1
                end = _trim_end(text, start, value.end_mark.index, col)
                new = _block_text(prefs, written, value.start_mark.column, is_json, value,
                                  flow)
                return text[:start] + new + text[end:]
            start, end = value.start_mark.index, value.end_mark.index
            line = text[_line_start(text, start):start]
            line_indent = len(line) - len(line.lstrip(" "))
            if not is_json and written is None:
                return text[:start] + _Emitter(True).inline(_py(prefs), value) + text[end:]
            return text[:start] + _inline_text(prefs, written, line_indent, is_json) + text[end:]
        if pnode.value and not pnode.flow_style and not is_json:
            last_key, last_value = pnode.value[-1]
            col = last_key.start_mark.column
            end = _trim_end(text, last_value.start_mark.index, last_value.end_mark.index, col)
            new = (f"\n{' ' * col}{_key(party, False)}:\n"
                   + _block_text(prefs, written, col + 2, False, None, flow))
            return text[:end] + new + text[end:]
        close = pnode.end_mark.index - 1
        if text[close] != "}":
            raise BlockError("the preferences mapping cannot be extended in place")
        sep = ", " if pnode.value else ""
        indent = pnode.start_mark.column + 2
        entry = f"{_key(party, True)}: " + _inline_text(prefs, written if is_json else None,
                                                       indent, True)
        return text[:close] + sep + entry + text[close:]
    if pref is not None:
        raise BlockError("`preferences` is not a mapping")
    if is_json:
        close = root.end_mark.index - 1
        while close > 0 and text[close] != "}":
            close -= 1
        entry = (f',\n  "preferences": {{{json.dumps(party)}: '
                 + _inline_text(prefs, written, 4, True) + "}\n")
        head = text[:close].rstrip()
        return head + entry + text[close:]
    if root.flow_style:
        raise BlockError("the scenario is one flow mapping; it cannot be extended in place")
    tail = "" if text.endswith("\n") else "\n"
    return (text + tail + f"preferences:\n  {_key(party, False)}:\n"
            + _block_text(prefs, written, 4, False, None, flow) + "\n")


def _find_party(root: MappingNode, party: str) -> MappingNode | None:
    """The party's own entry under `parties`, or None."""
    parties = _get(root, "parties")
    if parties is not None and isinstance(parties[1], SequenceNode):
        for item in parties[1].value:
            if isinstance(item, MappingNode):
                pid = _get(item, "id")
                if pid is not None and getattr(pid[1], "value", None) == party:
                    return item
    return None


def _party_node(root: MappingNode, party: str) -> MappingNode:
    item = _find_party(root, party)
    if item is None:
        raise BlockError(f"no party {party!r} under `parties`")
    return item


def _splice_field(text: str, root: MappingNode, party: str, key: str, value: Any,
                  is_json: bool) -> str:
    """Set one of the party's own fields, as the delegate wrote it (JSON is a YAML flow
    scalar or sequence, so one rendering serves both formats)."""
    item = _party_node(root, party)
    found = _get(item, key)
    if value is None:
        return _remove_field(text, item, key) if found is not None else text
    rendered = (json.dumps(_py(value), ensure_ascii=False) if is_json
                else _Emitter(True).inline(_py(value), found[1] if found else None))
    if found is not None:
        k, v = found
        start = v.start_mark.index
        end = _trim_end(text, start, v.end_mark.index, k.start_mark.column)
        if start == end:  # an empty value (`note:`): write after the colon
            start = end = k.end_mark.index + 1
            rendered = " " + rendered
        return text[:start] + rendered + text[end:]
    name = json.dumps(key) if is_json else key
    last_key, last_value = item.value[-1]
    if item.flow_style or is_json:
        end = last_value.end_mark.index
        return text[:end] + f", {name}: {rendered}" + text[end:]
    col = last_key.start_mark.column
    end = _trim_end(text, last_value.start_mark.index, last_value.end_mark.index, col)
    return text[:end] + f"\n{' ' * col}{name}: {rendered}" + text[end:]


def _remove_field(text: str, item: MappingNode, key: str) -> str:
    """The text without `key` and its value in the party's entry, in flow or block style."""
    pairs = item.value
    i = next(n for n, (k, _) in enumerate(pairs) if getattr(k, "value", None) == key)
    k, v = pairs[i]
    if i == 0:  # up to the next key: `- note: x\n  id: a` becomes `- id: a`
        if len(pairs) == 1:
            raise BlockError(f"the party's entry holds only {key!r}; it cannot be removed")
        return text[:k.start_mark.index] + text[pairs[1][0].start_mark.index:]
    if item.flow_style:  # `, key: value` after the previous value
        pv = pairs[i - 1][1]
        return text[:pv.end_mark.index] + text[v.end_mark.index:]
    start = _line_start(text, k.start_mark.index)
    if text[start:k.start_mark.index].strip():
        raise BlockError(f"{key!r} shares its line with another key; write it on its own line")
    end = _trim_end(text, v.start_mark.index, max(v.end_mark.index, k.end_mark.index + 1),
                    k.start_mark.column)
    stop = text.find("\n", end)
    return text[:start] + (text[stop + 1:] if stop >= 0 else "")


def _outside(data: Any, party: str) -> Any:
    """The scenario data without the party's block."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    prefs = out.get("preferences")
    if isinstance(prefs, dict):
        out["preferences"] = {k: v for k, v in prefs.items() if k != party}
        if not out["preferences"]:
            out.pop("preferences")
    parties = out.get("parties")
    if isinstance(parties, list):
        out["parties"] = [
            {k: v for k, v in p.items() if k not in PARTY_FIELDS}
            if isinstance(p, dict) and p.get("id") == party else p for p in parties]
    return out


def replace_preferences(text: str, fmt: str, party: str, prefs: dict[str, Any],
                        written: str | None = None,
                        fields: dict[str, Any] | None = None) -> str:
    """`text` with `preferences[party]` replaced by `prefs` and every other byte kept.

    `written` is the delegate's own text of `prefs`, used as written when it fits the file.
    `fields` sets the party's own `reservation`, `capability`, `note` or `basis` too; a
    None removes that field from the party's entry.
    Raises BlockError when the block cannot be replaced alone.
    """
    is_json = fmt == "json"
    name = f"scenario.{'json' if is_json else 'yaml'}"
    root = _compose(text)
    _check_no_shared_anchors(root, party)
    new = _splice(text, root, party, prefs, written, is_json)
    for key, value in (fields or {}).items():
        if key not in PARTY_FIELDS:
            raise BlockError(f"{key!r} is not one of the party's own fields: "
                             + ", ".join(PARTY_FIELDS))
        new = _splice_field(new, _compose(new), party, key, value, is_json)
    try:
        before, _ = read_data(text, name)
        after, _ = read_data(new, name)
    except ScenarioError as exc:
        raise BlockError("the preferences cannot be placed in the file: "
                         + str(exc.problems[0])) from None
    if _outside(after, party) != _outside(before, party):
        raise BlockError(f"the new preferences of {party!r} would change the file outside "
                         "their block (YAML anchors?); write them without anchors")
    got = (after.get("preferences") or {}).get(party) if isinstance(after, dict) else None
    if _normal(got) != _normal(prefs):
        raise BlockError(f"the preferences of {party!r} did not read back as given")
    entry = next((p for p in after.get("parties", []) if isinstance(p, dict)
                  and p.get("id") == party), {})
    for key, value in (fields or {}).items():
        if value is None and key in entry:
            raise BlockError(f"the {key} of {party!r} could not be removed")
        if value is not None and _normal(entry.get(key)) != _normal(value):
            raise BlockError(f"the {key} of {party!r} did not read back as given")
    return new


def _py(obj: Any) -> Any:
    """Plain Python types (the loader may hand back ruamel's float and int subclasses)."""
    if isinstance(obj, dict):
        return {_py(k): _py(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_py(v) for v in obj]
    if isinstance(obj, bool) or obj is None:
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj)
    return str(obj) if isinstance(obj, str) else obj


def _normal(obj: Any) -> Any:
    """Plain data compared as JSON (YAML's integer keys become strings)."""
    if isinstance(obj, dict):
        return {str(k): _normal(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_normal(v) for v in obj]
    return obj if obj is None or isinstance(obj, bool | int | float | str) else str(obj)


__all__ = ["PARTY_FIELDS", "BlockError", "replace_preferences"]
