"""The README's tour of ukraine-2025 quotes computed numbers; each one is recomputed here.

The README marks its numbers with `<!-- readme-numbers: NAME -->` blocks. If an assumption in
the case changes, these tests fail until the README is regenerated from the commands it names.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from accord import analyze, compile_scenario, load
from accord.calibrate import calibrate
from accord.io.loader import scenario_to_data
from accord.model import parse_scenario
from accord.solve import solve

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text("utf-8")
RECORD = ROOT / "docs" / "ukraine-2025-calibration.txt"
PARTIES = ("ua", "ru", "us", "eu")


def _block(name: str) -> str:
    m = re.search(rf"<!-- readme-numbers: {name} -->\n(.*?)<!-- /readme-numbers -->", README,
                  re.S)
    assert m, f"README has no readme-numbers block {name!r}"
    return m.group(1)


def _rows(name: str) -> dict[str, list[str]]:
    """Markdown table rows of a block: first cell (plan id) -> the other cells."""
    out = {}
    for line in _block(name).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) > 1 and re.match(r"^[a-z0-9]+(-[a-z0-9]+)+", cells[0]):
            out[cells[0].split()[0]] = cells[1:]
    return out


@pytest.fixture(scope="module")
def case() -> Any:
    return load("ukraine-2025")


def test_scorecard_table_is_what_analyze_computes(case: Any) -> None:
    rows = _rows("analyze")
    result = analyze(case, find_improvement=False, references=False)
    assert set(rows) == {p.plan_id for p in result.plans}
    for plan in result.plans:
        by = {v.id: v for v in plan.parties}
        want = []
        for pid in PARTIES:
            v = by[pid]
            if v.range is None:
                want.append(f"{v.utility:.3f} {'accepts' if v.accepts else 'rejects'}")
            else:
                want.append(f"{v.range.low:.3f} to {v.range.high:.3f}, accepts in {v.verdict}")
        assert rows[plan.plan_id] == want, plan.plan_id
        if plan.open:
            assert f"{plan.plan_id} ({len(plan.open)} issues open)" in _block("analyze")
    walk = {p.id: p.reservation for p in case.parties}
    assert (f"Walk-aways: Ukraine {walk['ua']:.2f}, Russia {walk['ru']:.2f}, the US "
            f"{walk['us']:.2f}") in README


def test_no_package_and_no_completion_respects_every_red_line(case: Any) -> None:
    model = compile_scenario(case)
    assert solve(model, "nash").status == "infeasible"
    for pid in ("us-ua-20pt-2025-12-23", "geneva-2025-11-24"):
        plan = case.plan(pid)
        fixed = model.encode({k: v for k, v in plan.choices.items() if k not in plan.open},
                             missing=-1)
        assert solve(model, "nash", fixed=fixed).status == "infeasible", pid
    assert "no package respects every red line: on issue 'donbas'" in README


def test_what_if_snippet_runs_and_its_comment_is_its_result() -> None:
    code = re.search(r"```python\n(.*?)```", _block("what-if"), re.S)
    assert code
    scope: dict[str, Any] = {}
    exec(code.group(1), scope)  # the README's own snippet, as a reader would run it
    nash = scope["nash"]
    comment = " ".join(ln.lstrip("# ") for ln in code.group(1).splitlines()
                       if ln.startswith("#"))
    for issue in ("donbas", "referendum", "security_guarantee", "guarantee_ratification",
                  "nato_membership"):
        assert f"{issue} {nash.choices[issue]}" in comment, issue
    assert f"ua {nash.utilities['ua']:.3f}, ru {nash.utilities['ru']:.3f}" in comment


def _unrevised(case: Any) -> Any:
    """The case as it stood before the one hindsight revision (the US walk-away 0.30)."""
    data = scenario_to_data(case)
    us = next(p for p in data["parties"] if p["id"] == "us")
    assert "REVISED IN HINDSIGHT" in us["note"] and "0.30 -> 0.20" in us["note"]
    us["reservation"] = 0.30
    return parse_scenario(data)[0]


def test_calibration_table_is_the_record_on_the_unrevised_assumptions(case: Any) -> None:
    rows = _rows("calibrate")
    d = calibrate(_unrevised(case), samples=1_000_000, seed=1).to_dict()
    assert "--samples 1000000 --seed 1" in README
    assert set(rows) == set(d["prior"]["accept"])
    record = RECORD.read_text("utf-8")
    for plan, cells in rows.items():
        want = [f"{d['prior']['accept'][plan][p]:.3f} -> {d['posterior']['accept'][plan][p]:.3f}"
                for p in PARTIES]
        want.append(f"{d['prior']['agreement'][plan]:.3f} -> "
                    f"{d['posterior']['agreement'][plan]:.3f}")
        assert cells == want, plan
        # the record kept in docs/ shows the same row
        line = next(ln for ln in record.splitlines()
                    if ln.startswith("│") and f" {plan} " in ln and "->" in ln)
        assert [c.strip() for c in line.strip("│┃ ").split("│")[1:]] == want, plan
    counted = [o for o in d["observations"] if o["counted"] and "issue" not in o]
    assert len(counted) == 5 and "so five reactions count" in README
    assert all(o["fits"] for o in d["observations"] if o["counted"] and "issue" in o)
    misfits = [o for o in counted if not o["fits"]]
    assert [(o["party"], o["plan"]) for o in misfits] == [("eu", "us-draft-2025-11-20")]
