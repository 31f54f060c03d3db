"""A plain `pip install` (no extras) from a wheel, in a fresh virtualenv outside the checkout:
every command works, or says in one line (exit 2) which extra to install; the unshipped
forecast dataset says where to get it and how to point accord at it.

Slow (it builds a wheel and installs the dependencies), but part of `make test`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

COMMANDS = [
    ("validate", "ukraine-2025"),
    ("list",),
    ("schema",),
    ("analyze", "small.yaml"),
    ("analyze", "small.yaml", "--format", "json"),
    ("solve", "small.yaml"),
    ("frontier", "small.yaml", "-o", "f.csv"),
    ("simulate", "small.yaml"),
    ("tournament", "small.yaml", "--repeat", "1", "--strategies", "boulware,conceder",
     "--workers", "1"),
    ("robustness", "small.yaml", "--plan", "p1", "-n", "1000"),
    ("robustness", "small.yaml", "--plan", "p1", "-n", "1000", "--workers", "1"),
    ("sensitivity", "small.yaml", "--plan", "p1", "-n", "64", "--sobol-n", "64"),
    ("robust-plan", "small.yaml", "-n", "1000", "--saa-samples", "20", "--replications", "1"),
    ("report", "ukraine-2025", "-o", "r.html"),
    ("report", "small.yaml", "-o", "r.png"),
    ("sources", "ukraine-2025"),
    ("diff", "small.yaml", "p1", "p2"),
    ("forecast", "small.yaml"),
    ("forecast", "--dataset", "deu3", "--evaluate"),
    ("export", "genius", "small.yaml", "-o", "genius-out", "--lossy"),
    ("serve", "--port", "1"),
]


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv outside the checkout holding accord's wheel and its required dependencies
    only; returns its bin folder."""
    where = tmp_path_factory.mktemp("plain")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(where / "wheel"), str(ROOT)], check=True, capture_output=True)
    venv.create(where / "venv", with_pip=True)
    wheel = next((where / "wheel").glob("accord-*.whl"))
    pip = subprocess.run([str(where / "venv" / "bin" / "python"), "-m", "pip", "install", "-q",
                          str(wheel)], capture_output=True, text=True)
    if pip.returncode != 0:
        pytest.skip(f"cannot install the wheel's dependencies here (no package index?): "
                    f"{pip.stderr.strip().splitlines()[-1:]}")
    return where / "venv" / "bin"


@pytest.mark.slow
@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a)[:40])
def test_command_works_or_names_its_extra(plain: Path, tmp_path: Path,
                                          args: tuple[str, ...]) -> None:
    (tmp_path / "small.yaml").write_bytes((ROOT / "tests" / "data" / "small.yaml").read_bytes())
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "ACCORD_FORECAST_DATA", "VIRTUAL_ENV")}
    r = subprocess.run([str(plain / "accord"), *args], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=300)
    assert "internal error" not in r.stderr and "Traceback" not in r.stderr, r.stderr
    if args[0] == "serve":  # port 1 is refused; a missing web extra is said first
        assert r.returncode == 2
        assert "pip install 'accord[web]'" in r.stderr
        return
    if r.returncode == 0:
        return
    assert r.returncode == 2, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, r.stderr
    if args[0] == "forecast":
        assert "get deu3.csv from" in lines[0] and "--data-dir" in lines[0]
        assert str(plain.parent) not in lines[0]  # no path inside the virtualenv
    else:
        assert "pip install 'accord[" in lines[0], lines[0]
