from __future__ import annotations

import struct

import pytest

from accord.model import Scenario
from accord.report import build_figure


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, after checking the signature."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    assert data[12:16] == b"IHDR"
    w, h = struct.unpack(">II", data[16:24])
    return int(w), int(h)


@pytest.mark.parametrize(("width", "height"), [(640, 480), (1201, 777)])
def test_png_has_the_requested_size(fixture_scenario: Scenario, width: int, height: int) -> None:
    data = build_figure(fixture_scenario, plan="p1", width=width, height=height)
    assert png_size(data) == (width, height)
    assert data.endswith(b"IEND\xaeB`\x82")


def test_png_of_the_bundled_case(ukraine: Scenario) -> None:
    data = build_figure(ukraine, plan="us-draft-2025-11-20", parties=["ua", "ru"], width=900,
                        height=600)
    assert png_size(data) == (900, 600)


def test_svg_without_plan(fixture_scenario: Scenario) -> None:
    svg = build_figure(fixture_scenario, width=800, height=400, fmt="svg").decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert 'width="576pt"' in svg and 'height="288pt"' in svg  # 800 x 400 px at 72 pt/in


def test_unknown_plan_and_format(fixture_scenario: Scenario) -> None:
    with pytest.raises(KeyError, match="known plans: p1, p2, p3"):
        build_figure(fixture_scenario, plan="nope")
    with pytest.raises(ValueError, match="png or svg"):
        build_figure(fixture_scenario, fmt="pdf")


def test_missing_glyphs_are_one_plain_line_not_matplotlib_warnings(
        run_cli, small_data, write_scenario) -> None:  # type: ignore[no-untyped-def]
    small_data["plans"][0]["title"] = "Первый 草案"
    out = write_scenario(small_data).parent / "g.png"
    r = run_cli("report", write_scenario(small_data), "-o", out, "--plan", "p1")
    assert r.code == 0, r.stderr
    assert "UserWarning" not in r.stderr and "static.py" not in r.stderr
    glyph_lines = [ln for ln in r.stderr.splitlines() if "no glyph" in ln]
    assert len(glyph_lines) == 1 and "草" in glyph_lines[0]
