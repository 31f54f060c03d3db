"""Golden files pin `accord diff` and `accord sources` for the bundled case.

Regenerate after an intended change (then review the git diff of tests/report/golden/):

    ACCORD_UPDATE_GOLDEN=1 .venv/bin/pytest tests/report/test_golden.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli import app
from accord.model import Scenario

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("ACCORD_UPDATE_GOLDEN") == "1"

PAIRS = [("us-draft-2025-11-20", "e3-counter-2025-11-23"),
         ("us-draft-2025-11-20", "geneva-2025-11-24"),
         ("e3-counter-2025-11-23", "geneva-2025-11-24")]


def check(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"{path} is missing; run ACCORD_UPDATE_GOLDEN=1 pytest {__file__}")
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} differs from the golden file; if the change is intended, regenerate with "
        "ACCORD_UPDATE_GOLDEN=1")


def cli(*args: str) -> str:
    """What `accord ARGS` prints on stdout, exactly."""
    res = CliRunner().invoke(app, list(args))
    assert res.exit_code == 0, res.stderr
    return res.stdout


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_diff_golden(ukraine: Scenario, a: str, b: str) -> None:
    check(f"diff-{a}--{b}.txt", cli("diff", "ukraine-2025", a, b))
    out = cli("diff", "ukraine-2025", a, b, "--format", "json")
    json.loads(out)
    check(f"diff-{a}--{b}.json", out)


def test_sources_golden(ukraine: Scenario) -> None:
    check("sources-ukraine-2025.txt", cli("sources", "ukraine-2025"))
    out = cli("sources", "ukraine-2025", "--format", "json")
    json.loads(out)
    check("sources-ukraine-2025.json", out)
