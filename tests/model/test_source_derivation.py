"""`derived_from` on a source: copies of one document, checked when the file is read."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli import app
from accord.io import parse_text
from accord.model import ScenarioError

SMALL = (Path(__file__).resolve().parent.parent / "data" / "small.yaml").read_text("utf-8")
ORIGINAL = "  - {id: s1, outlet: Example News, date: 2025-11-20, reliability: B2}\n"


def with_sources(extra: str) -> str:
    assert SMALL.count(ORIGINAL) == 1
    return SMALL.replace(ORIGINAL, ORIGINAL + extra)


def test_copies_resolve_to_the_document_at_the_end_of_the_chain() -> None:
    scenario, _ = parse_text(with_sources(
        "  - {id: leak, outlet: Leaked text, kind: document}\n"
        "  - {id: copy, outlet: Paper, derived_from: leak}\n"
        "  - {id: copy2, outlet: Blog, derived_from: copy}\n"))
    assert scenario.source("copy").derived_from == "leak"
    assert scenario.original_document("copy2") == "leak"
    assert scenario.original_document("copy") == "leak"
    assert scenario.original_document("leak") is None
    assert scenario.original_document("s1") is None


@pytest.mark.parametrize(("extra", "says"), [
    ("  - {id: copy, outlet: Paper, derived_from: nowhere}\n", "unknown source 'nowhere'"),
    ("  - {id: copy, outlet: Paper, derived_from: copy}\n", "loops back"),
    ("  - {id: x, outlet: X, derived_from: y}\n  - {id: y, outlet: Y, derived_from: x}\n",
     "loops back"),
])
def test_bad_derivations_are_refused(extra: str, says: str) -> None:
    with pytest.raises(ScenarioError) as err:
        parse_text(with_sources(extra))
    assert says in str(err.value) and "derived_from" in str(err.value)


def test_cli_names_the_field_and_the_fix_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(with_sources("  - {id: copy, outlet: Paper, derived_from: nowhere}\n"),
                    "utf-8")
    res = CliRunner().invoke(app, ["validate", str(path)])
    assert res.exit_code == 2
    assert "Traceback" not in res.output + res.stderr
    assert "derived_from" in res.stderr and "list that document under `sources:`" in res.stderr
    assert "bad.yaml:" in res.stderr and ": sources: " in res.stderr  # file, line and field
