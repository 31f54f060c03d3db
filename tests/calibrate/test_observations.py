"""Statements become observations: counting, joint statements, validation and point fit."""

from __future__ import annotations

import copy

import pytest

from accord.calibrate import consistency, observations
from accord.io import load_scenario
from accord.model import ScenarioError, compile_scenario, parse_scenario
from accord.uncertainty import compile_uncertainty

from .helpers import REACTIONS, one_party, scenario

PLANS = {"p": {"x": "hi", "y": "mid"}, "q": {"x": "lo", "y": "lo"}}


def test_latest_counts_and_joint_counts_once_per_party() -> None:
    s = load_scenario(REACTIONS)
    obs = observations(s)
    by = {(o.statement, o.party, o.kind): o for o in obs}
    assert not by[("b-3", "b", "stance")].counted
    assert "superseded by b-4" in by[("b-3", "b", "stance")].not_counted
    assert by[("b-4", "b", "stance")].counted and by[("b-4", "b", "stance")].confidence == 0.75
    assert by[("ac-1", "a", "stance")].counted and by[("ac-1", "c", "stance")].counted
    assert by[("b-1", "b", "stance")].confidence == 0.7  # the basis default
    assert by[("a-2", "a", "stance")].confidence == 0.9  # the default
    assert by[("a-1", "a", "objects_to")].issue == "guard"
    assert not any(o.party == "m" for o in obs)  # no stance, no preferences


def test_later_dated_statement_wins_without_supersedes() -> None:
    data = one_party(PLANS, [
        {"id": "new", "about": "p", "stance": "accepts", "date": "2025-11-22"},
        {"id": "old", "about": "p", "stance": "rejects", "date": "2025-11-20"},
    ])
    obs = {o.statement: o for o in observations(scenario(data))}
    assert obs["new"].counted and not obs["old"].counted
    assert "new" in obs["old"].not_counted


def test_point_fit_says_why() -> None:
    data = one_party(PLANS, [
        {"id": "s1", "about": "p", "stance": "rejects"},  # u = 0.65 >= 0.5: does not fit
        {"id": "s2", "about": "q", "stance": "rejects", "objects_to": ["y"]},
    ], red_lines=[{"issue": "x", "forbid": ["lo"]}])
    s = scenario(data)
    m = compile_scenario(s)
    fits = {(f.observation.statement, f.observation.kind): f
            for f in consistency(s, m, compile_uncertainty(s, m), observations(s))}
    f1 = fits[("s1", "stance")]
    assert not f1.fits and f1.verdict is True and f1.margin == pytest.approx(0.15)
    assert "0.650" in f1.why and "+0.150" in f1.why
    f2 = fits[("s2", "stance")]
    assert f2.fits and "red line on x" in f2.why
    f3 = fits[("s2", "objects_to")]
    assert f3.fits and "half-way" in f3.why


@pytest.mark.parametrize("change, field", [
    ({"stance": "accepts", "about": None}, "about"),
    ({"confidence": 0.5}, "confidence"),
    ({"confidence": 1.2}, "confidence"),
    ({"objects_to": ["nope"]}, "objects_to"),
    ({"supersedes": "ghost"}, "supersedes"),
    ({"supersedes": "s0"}, "supersedes"),
    ({"by": "m"}, "by"),
])
def test_validation_names_the_field(change, field) -> None:
    base = one_party(PLANS, [
        {"id": "s0", "about": "q", "stance": "rejects"},
        {"id": "s1", "about": "p", "stance": "rejects"},
    ])
    base["parties"].append({"id": "m", "name": "M", "role": "mediator"})
    data = copy.deepcopy(base)
    data["statements"][1].update(change)
    if data["statements"][1].get("about") is None:
        data["statements"][1].pop("about")
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(data)
    paths = [p.path for p in exc.value.problems]
    assert ("statements", 1, field) in paths or any(
        p[:3] == ("statements", 1, field) for p in paths), paths


def test_supersedes_an_earlier_statement_of_the_same_pair_is_valid() -> None:
    data = one_party(PLANS, [
        {"id": "s0", "about": "p", "stance": "rejects"},
        {"id": "s1", "about": "p", "stance": "accepts", "supersedes": "s0"},
    ])
    s, _ = parse_scenario(data)
    assert s.statements[1].supersedes == "s0"
    bad = copy.deepcopy(data)
    bad["statements"][0]["supersedes"] = "s1"  # s1 comes later: not an earlier statement
    bad["statements"][1].pop("supersedes")
    with pytest.raises(ScenarioError):
        parse_scenario(bad)


def test_a_stance_on_a_plan_with_open_issues_reads_over_its_completions() -> None:
    """A stance on an open plan is listed, not counted, and read against the completions (it
    used to crash: the open plan was encoded as if it set every issue)."""
    data = one_party({"p": {"x": "hi", "y": "mid"}}, [
        {"id": "yes", "about": "o", "stance": "accepts", "date": "2025-11-20"},
        {"id": "obj", "about": "o", "stance": "rejects", "objects_to": ["x", "y"],
         "date": "2025-11-21", "by": "a"},
    ])
    data["plans"].append({"id": "o", "title": "o", "choices": {"x": "lo"}, "open": ["y"]})
    s = scenario(data)
    model = compile_scenario(s)
    fits = {(f.observation.statement, f.observation.issue): f
            for f in consistency(s, model, compile_uncertainty(s, model), observations(s))}
    assert not any(f.observation.counted for f in fits.values())
    # x lo (0) + y in {lo 0, mid 0.15, hi 0.5}: only y hi reaches the walk-away 0.5.
    yes = fits[("yes", None)]
    assert yes.fits and "accepts in some of its 3 valid completions" in yes.why
    rej = fits[("obj", None)]
    assert rej.fits and "accepts in some" in rej.why
    assert fits[("obj", "x")].fits and "'lo' on x" in fits[("obj", "x")].why
    assert fits[("obj", "y")].fits and "leaves y open" in fits[("obj", "y")].why
