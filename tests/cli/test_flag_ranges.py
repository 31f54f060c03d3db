"""Every numeric flag is range-checked: a bad value exits 2 with a one-line error, never an
internal error (exit 1)."""

from __future__ import annotations

import pytest

S = "tests/data/small.yaml"


@pytest.mark.parametrize("args", [
    ("simulate", S, "--seed", "-1"),
    ("simulate", S, "--seed", str(2**32)),
    ("tournament", S, "--seed", "-1"),
    ("sensitivity", S, "--plan", "p1", "--seed", "-1"),
    ("robustness", S, "--plan", "p1", "--seed", "-1"),
    ("robust-plan", S, "--seed", "-1"),
    ("solve", S, "--parties", ""),
    ("solve", S, "--parties", ","),
    ("frontier", S, "--parties", ""),
    ("simulate", S, "--parties", ""),
    ("robust-plan", S, "--parties", ""),
    ("solve", S, "--disagreement", "union=5"),
    ("solve", S, "--disagreement", "a=5,b=0"),
    ("solve", S, "--disagreement", "a=nan,b=0"),
    ("solve", S, "--time-limit", "-1"),
    ("solve", S, "--time-limit", "0"),
    ("solve", S, "--time-limit", "nan"),
    ("robust-plan", S, "--time-limit", "0"),
    ("solve", S, "--top", "0"),
    ("solve", S, "--top", "-1"),
    ("sensitivity", S, "--plan", "p1", "--top", "0"),
    ("sensitivity", S, "--plan", "p1", "--samples", "0"),
    ("robustness", S, "--plan", "p1", "--samples", "0"),
    ("robustness", S, "--plan", "p1", "--workers", "0"),
    ("robust-plan", S, "--replications", "0"),
    ("robust-plan", S, "--saa-samples", "0"),
    ("simulate", S, "--rounds", "0"),
    ("simulate", S, "--repeat", "0"),
    ("simulate", S, "--discount", "1.5"),
    ("tournament", S, "--workers", "0"),
])
def test_out_of_range_flag_exits_2(cli, args: tuple[str, ...]) -> None:
    r = cli(*args)
    assert r.code == 2, (r.code, r.stderr)
    assert r.stderr.startswith("error: ") and "internal error" not in r.stderr
