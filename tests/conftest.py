"""Shared fixtures: the small test scenario and two ways to run the command line."""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SMALL = DATA / "small.yaml"


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


def _load_yaml(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


@pytest.fixture
def small_path() -> Path:
    return SMALL


@pytest.fixture
def small_data() -> dict[str, Any]:
    """tests/data/small.yaml as plain data (a fresh copy per test, free to mutate)."""
    return copy.deepcopy(_load_yaml(SMALL.read_text(encoding="utf-8")))


@pytest.fixture
def small_scenario():
    from accord.io import load_scenario

    return load_scenario(SMALL)


def dump_yaml(data: Any) -> str:
    y = YAML(typ="safe", pure=True)
    y.default_flow_style = False
    buf = io.StringIO()
    y.dump(data, buf)
    return buf.getvalue()


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    """Write plain data (or text) as a scenario file; `.json` names are written as JSON."""

    def write(data: Any, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        if isinstance(data, str):
            text = data
        elif name.endswith(".json"):
            text = json.dumps(data, indent=2, default=str)
        else:
            text = dump_yaml(data)
        path.write_text(text, encoding="utf-8")
        return path

    return write


def run_cli(*args: str | Path, timeout: float = 120) -> CliResult:
    """The real entry point in a fresh interpreter (exit code, stdout, stderr)."""
    proc = subprocess.run(
        [sys.executable, "-c", "from accord.cli import main; main()", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(name="run_cli")
def run_cli_fixture() -> Callable[..., CliResult]:
    """`run_cli` as a fixture, for test modules (importlib mode cannot import conftest)."""
    return run_cli


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., CliResult]:
    """`accord.cli.main` in this process (fast); an escaping exception fails the test."""
    from accord.cli import main

    def run(*args: str | Path) -> CliResult:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["accord", *map(str, args)])
        monkeypatch.chdir(ROOT)
        with pytest.raises(SystemExit) as exc:
            main()
        out = capsys.readouterr()
        code = exc.value.code
        return CliResult(
            code if isinstance(code, int) else (0 if code is None else 1), out.out, out.err
        )

    return run
