"""`--format markdown` is offered only by the commands that write Markdown."""

from __future__ import annotations

import pytest

S = "tests/data/small.yaml"


@pytest.mark.parametrize("args", [
    ("solve", S), ("frontier", S), ("simulate", S), ("tournament", S),
    ("robustness", S, "--plan", "p1"), ("sensitivity", S, "--plan", "p1"),
    ("robust-plan", S), ("sources", S), ("diff", S, "p1", "p2"), ("list",),
])
def test_markdown_is_refused_where_not_written(cli, args: tuple[str, ...]) -> None:
    r = cli(*args, "--format", "markdown")
    assert r.code == 2 and "markdown" in r.stderr
    assert "markdown" not in cli(args[0], "--help").stdout


@pytest.mark.parametrize("args", [("analyze", S), ("forecast", S)])
def test_markdown_is_written_where_offered(cli, args: tuple[str, ...]) -> None:
    r = cli(*args, "--format", "markdown")
    assert r.code == 0
    assert any(line.startswith(("#", "|")) for line in r.stdout.splitlines())
