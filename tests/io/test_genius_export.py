"""Genius export keeps verdicts: when Genius must rescale a profile, the reservation scales too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from accord.io.genius import export_genius, import_genius
from accord.model import compile_scenario, parse_scenario


def _rescaled(small_data: dict[str, Any], reservation: float) -> Any:
    data = small_data
    data["preferences"]["a"]["values"]["bloc"] = {"join": 0.5, "neutral": 0.0}
    data["parties"][0]["reservation"] = reservation
    for prefs in data["preferences"].values():
        prefs.pop("red_lines", None)  # Genius has no red lines; compare utility verdicts only
    scenario, _ = parse_scenario(data)
    return scenario


@pytest.mark.parametrize("reservation", [0.3, 0.55, 0.7])
def test_accept_verdicts_survive_the_round_trip(small_data: dict[str, Any], tmp_path: Path,
                                                reservation: float) -> None:
    scenario = _rescaled(small_data, reservation)
    model = compile_scenario(scenario)
    paths, warnings = export_genius(scenario, tmp_path)
    again = compile_scenario(import_genius(paths[0], paths[1:], list(model.party_ids)))
    x = np.array(np.meshgrid(*[np.arange(n) for n in model.n_options])).reshape(3, -1).T
    before, after = model.accepts(x), again.accepts(x)
    assert (before == after).all()
    factor = float(warnings[0].rsplit(" ", 1)[1])
    assert again.reservation[0] == pytest.approx(reservation / factor)
    assert "reservation is written as" in warnings[0]


def test_reservation_above_the_scaled_best_is_clipped_to_1(small_data: dict[str, Any],
                                                           tmp_path: Path) -> None:
    scenario = _rescaled(small_data, 0.95)
    paths, warnings = export_genius(scenario, tmp_path)
    again = import_genius(paths[0], paths[1:], ["a", "b"])
    assert again.party("a").reservation == 1.0
    assert "clipped to 1" in warnings[0]


def test_export_refuses_to_drop_red_lines_unless_lossy(cli, small_path: Path,  # type: ignore[no-untyped-def]
                                                       tmp_path: Path) -> None:
    r = cli("export", "genius", small_path, "-o", tmp_path / "x")
    assert r.code == 2 and "change who accepts" in r.stderr and "--lossy" in r.stderr
    assert not list(tmp_path.rglob("*.xml"))
    r = cli("export", "genius", small_path, "-o", tmp_path / "x", "--lossy")
    assert r.code == 0
    assert "red lines left out (a: 1 red line(s); b: 1 red line(s))" in r.stderr
    meta = [ln for ln in r.stderr.splitlines() if ln.startswith("warning: left out")]
    assert len(meta) == 1
    assert "2 plans" in meta[0] and "1 sources" in meta[0] and "(m)" in meta[0]


def test_export_without_red_lines_needs_no_flag(cli, small_data: dict[str, Any],  # type: ignore[no-untyped-def]
                                                write_scenario, tmp_path: Path) -> None:
    for prefs in small_data["preferences"].values():
        prefs.pop("red_lines", None)
    r = cli("export", "genius", write_scenario(small_data), "-o", tmp_path / "x")
    assert r.code == 0 and "red line" not in r.stderr
