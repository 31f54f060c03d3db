"""The shared reference data is found relative to the checkout or through $ACCORD_SHARED_DATA,
never through one machine's absolute path, and its absence is a visible skip."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from shared_data import ENV, ROOT, needs, shared_data


def test_no_test_or_benchmark_hard_codes_a_machine_path() -> None:
    pattern = re.compile(r"""["'](/work|/home|/Users|C:\\)[/\\]""")
    offenders = [str(p.relative_to(ROOT)) for folder in ("tests", "benchmarks")
                 for p in sorted((ROOT / folder).rglob("*.py"))
                 if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_environment_variable_names_the_data_folder(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    monkeypatch.setenv(ENV, str(tmp_path))
    assert shared_data("genius") == tmp_path / "genius"
    mark = needs("genius")
    assert mark.args == (True,)
    assert ENV in mark.kwargs["reason"] and str(tmp_path / "genius") in mark.kwargs["reason"]
    (tmp_path / "genius").mkdir()
    assert needs("genius").args == (False,)


def test_default_is_beside_the_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    assert shared_data() == ROOT.parent / "shared" / "data"
