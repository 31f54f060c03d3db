"""The report on the linked constructs: valid packages only, lifted red lines, open ranges."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from accord.evaluate import analyze
from accord.io import load_scenario
from accord.model import compile_scenario
from accord.report import build_figure, build_report
from accord.report.data import utility_space
from accord.solve.enumerate import all_packages

RIVER = Path(__file__).resolve().parents[2] / "accord" / "scenarios" / "river-basin.yaml"


def test_utility_space_shows_only_valid_packages_and_open_ranges() -> None:
    s = load_scenario(RIVER)
    m = compile_scenario(s)
    a = analyze(s, model=m, find_improvement=False)
    space = utility_space(s, m, a, ["upstream", "downstream"])
    x = all_packages(m)
    valid = m.valid(x)
    assert len(space.points) == int(valid.sum()) and space.invalid == int((~valid).sum())
    expected = np.sort(m.utilities(x[valid])[:, :2], axis=0)
    assert np.array_equal(np.sort(space.points, axis=0), expected)
    lo, hi = space.ranges["framework-draft"]
    draft = next(p for p in a.plans if p.plan_id == "framework-draft")
    up = next(v for v in draft.parties if v.id == "upstream")
    assert up.range is not None and (lo[0], hi[0]) == (up.range.low, up.range.high)
    assert "upstream-offer" not in space.ranges


def test_report_marks_lifted_red_lines_ranges_constraints_and_the_mediator() -> None:
    s = load_scenario(RIVER)
    html = build_report(s)
    assert "lifted where monitoring international and compensation annual" in html
    assert "high-dam-no-seasonal-flow" in html and "Constraints" in html
    assert "0.336–0.750" in html  # upstream's range over the framework draft's completions
    assert "no veto (consent none)" in html  # the interested bank, beside the parties
    assert build_figure(s, plan="framework-draft", fmt="svg").startswith(b"<?xml")


def test_diff_shows_open_versus_set_issues() -> None:
    from accord.report.versions import diff_plans, render_diff_text

    s = load_scenario(RIVER)
    d = diff_plans(s, "framework-draft", "upstream-offer")
    offer = s.plan("upstream-offer").choices
    assert d.opened == [("dam", None, offer["dam"]), ("env_flow", None, offer["env_flow"])]
    j = d.to_dict()
    assert j["open_a"] == ["dam", "env_flow"] and j["open_b"] == []
    assert j["open_changes"][0] == {"issue": "dam", "from": "open", "to": "high"}
    assert "  dam: open -> high" in render_diff_text(d)
    back = diff_plans(s, "upstream-offer", "framework-draft")
    assert back.opened == [("dam", offer["dam"], None), ("env_flow", offer["env_flow"], None)]


def test_sources_cite_constraints_and_red_lines() -> None:
    import copy

    from ruamel.yaml import YAML

    from accord.model import parse_scenario
    from accord.report import provenance

    data = YAML(typ="safe", pure=True).load(RIVER.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["sources"] = [{"id": "src-eia", "outlet": "Impact study", "date": "2026-01-05"}]
    data["constraints"][0]["sources"] = ["src-eia"]
    data["preferences"]["downstream"]["red_lines"][0]["basis"] = ["src-eia"]
    s, _ = parse_scenario(data)
    prov = provenance(s)
    assert prov.uses["src-eia"] == ["red line downstream-high-dam",
                                    "constraint high-dam-no-seasonal-flow"]
    assert prov.rules["constraint high-dam-no-seasonal-flow"] == ["src-eia"]
    assert prov.rules["red line fishers-flow"] == []
