"""`export genius` refuses to drop what changes who accepts, unless --lossy."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from accord.io import load_scenario
from accord.io.genius import genius_dropped
from accord.model import compile_scenario, parse_scenario
from accord.solve.enumerate import all_packages

RIVER = Path(__file__).resolve().parents[2] / "accord" / "scenarios" / "river-basin.yaml"


def test_river_basin_lists_every_kind_of_dropped_content() -> None:
    dropped = genius_dropped(load_scenario(RIVER))
    text = "\n".join(dropped)
    for needle in ("conditional uncertain red line downstream-high-dam", "fishers-flow",
                   "upstream:dam:0", "constraint high-dam-no-seasonal-flow",
                   "constraint loan-needs-independent-monitoring", "consent of fishers (env_flow)",
                   "consent of bank (none)"):
        assert needle in text, needle


def test_a_red_line_that_never_decides_is_not_counted(small_data: dict[str, Any]) -> None:
    data = copy.deepcopy(small_data)
    data["preferences"]["b"].pop("red_lines")
    data["parties"][0]["reservation"] = 0.6  # a's packages with land: none reach 0.5 at most
    s, _ = parse_scenario(data)
    m = compile_scenario(s)
    x = all_packages(m)
    crossing = ~m.within_red_lines(x)[:, 0]
    assert (m.utilities(x)[crossing, 0] < 0.6).all()  # so dropping it changes no verdict
    assert genius_dropped(s) == []
    data["parties"][0]["reservation"] = 0.3
    s2, _ = parse_scenario(data)
    [line] = genius_dropped(s2)
    assert "red line a:land:0" in line


def test_cli_refuses_then_lists_with_lossy(cli, tmp_path: Path) -> None:  # type: ignore

    r = cli("export", "genius", RIVER, "-o", tmp_path / "x")
    assert r.code == 2 and "--lossy" in r.stderr
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("error: ")]
    assert len(errors) == 1
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "x").exists()
    ok = cli("export", "genius", RIVER, "-o", tmp_path / "x", "--lossy")
    assert ok.code == 0, ok.stderr
    left = [ln for ln in ok.stderr.splitlines() if ln.startswith("left out: ")]
    assert len(left) == len(genius_dropped(load_scenario(RIVER)))
    assert len(list((tmp_path / "x").glob("*.xml"))) == 5
