"""Shared fixtures: the small test scenario and two ways to run the command line."""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from sqlalchemy import create_engine

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


def _scenario_dicts(
    grid: bool = True,
    max_parties: int = 4,
    max_issues: int = 5,
    max_options: int = 4,
    mediator: bool = True,
):
    """A hypothesis strategy of random scenarios as plain dicts (the file format).

    `grid`: weights are small integers and values tenths, so distinct utilities differ by far
    more than any solver tolerance; otherwise any floats in range.
    """
    from hypothesis import strategies as st

    weight = st.integers(0, 5) if grid else st.floats(0, 10, allow_subnormal=False)
    number = st.integers(0, 10).map(lambda k: k / 10) if grid else st.floats(0, 1)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        issues = []
        for i in range(draw(st.integers(1, max_issues))):
            k = draw(st.integers(1, max_options))
            numeric = draw(st.booleans())
            opts: list[Any] = (
                [100_000 * (j + 1) for j in range(k)] if numeric else [f"o{j}" for j in range(k)]
            )
            issues.append(
                {
                    "id": f"i{i}",
                    "name": f"Issue {i}",
                    "options": opts,
                    **({"kind": "numeric"} if numeric else {}),
                }
            )

        def written(option: Any) -> Any:  # numbers may be written as strings elsewhere
            return str(option) if isinstance(option, int) and draw(st.booleans()) else option

        parties, prefs = [], {}
        for p in range(draw(st.integers(2, max_parties))):
            pid = f"p{p}"
            weights = {iss["id"]: draw(weight) for iss in issues if draw(st.integers(0, 4))}
            if not any(w > 0 for w in weights.values()):
                weights[issues[draw(st.integers(0, len(issues) - 1))]["id"]] = 1
            values = {}
            for iss in issues:
                if weights.get(iss["id"], 0) > 0 or draw(st.booleans()):
                    values[iss["id"]] = {written(o): draw(number) for o in iss["options"]}
            red_lines = []
            for iss in issues:
                k = len(iss["options"])
                if k >= 2 and draw(st.integers(0, 3)) == 0:
                    forbid = draw(
                        st.lists(
                            st.sampled_from(iss["options"]), min_size=1, max_size=k - 1, unique=True
                        )
                    )
                    red_lines.append({"issue": iss["id"], "forbid": [written(o) for o in forbid]})
            parties.append(
                {"id": pid, "name": f"Party {p}", "role": "party", "reservation": draw(number)}
            )
            prefs[pid] = {"weights": weights, "values": values, "red_lines": red_lines}
        if mediator and draw(st.booleans()):
            parties.insert(
                draw(st.integers(0, len(parties))),
                {"id": "med", "name": "Mediator", "role": "mediator"},
            )
        plans = [
            {
                "id": f"plan{k}",
                "title": f"Plan {k}",
                "choices": {
                    iss["id"]: written(draw(st.sampled_from(iss["options"]))) for iss in issues
                },
            }
            for k in range(draw(st.integers(1, 2)))
        ]
        return {
            "scenario": "random",
            "title": "Random scenario",
            "parties": parties,
            "issues": issues,
            "preferences": prefs,
            "plans": plans,
        }

    return build()


@pytest.fixture(scope="session")
def scenario_dicts() -> Callable[..., Any]:
    """Factory of hypothesis strategies of random scenario dicts; draw with `st.data()`."""
    return _scenario_dicts


# --- databases: every storage test runs on a real SQLite file and a real PostgreSQL ----
PG_ENV = "ACCORD_TEST_POSTGRES_URL"


def reset_postgres(url: str) -> None:
    """An empty database: drop every table (and Alembic's version table) left by a test."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'accord.db'}"
        return
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set, so there is no PostgreSQL server to test against "
                    "(.ci/run starts one)")
    reset_postgres(url)
    yield url
