"""`accord calibrate`: the JSON shape, the readable report, the revised file, one-line errors."""

from __future__ import annotations

import json

from accord.io import load_scenario

from .helpers import REACTIONS, one_party

PLANS = {"p": {"x": "hi", "y": "lo"}, "q": {"x": "mid", "y": "mid"}}


def test_json_shape(cli) -> None:
    r = cli("calibrate", REACTIONS, "--samples", "20000", "--seed", "1", "--suggest", "2",
            "--budget", "30", "--format", "json")
    assert r.code == 0, r.stderr
    d = json.loads(r.stdout)
    for key in ("scenario", "seed", "samples", "effective_samples", "observations", "revision",
                "prior", "posterior", "red_lines", "suggest"):
        assert key in d
    assert d["seed"] == 1 and d["samples"] == 20000
    assert set(d["effective_samples"]) == {"a", "b"}  # c has no uncertainty block
    o = d["observations"][0]
    assert {"statement", "party", "plan", "stance", "confidence", "counted", "fits",
            "why"} <= set(o)
    assert set(d["revision"]["b"]) >= {"feasible", "changes", "distance", "conflict"}
    for part in ("prior", "posterior"):
        assert set(d[part]) == {"accept", "accept_ci95", "agreement"}
        assert set(d[part]["accept"]) == {"draft-1", "draft-2", "counter"}
    assert len(d["suggest"]) == 2
    s = d["suggest"][0]
    assert set(s) >= {"choices", "information_gain", "accept"} and s["information_gain"] >= 0
    assert d["search"]["heuristic"] is True
    again = cli("calibrate", REACTIONS, "--samples", "20000", "--seed", "1", "--suggest", "2",
                "--budget", "30", "--format", "json")
    assert json.loads(again.stdout) == d


def test_text_and_markdown(cli) -> None:
    r = cli("calibrate", REACTIONS, "--samples", "5000")
    assert r.code == 0, r.stderr
    for word in ("Observations", "Smallest revision", "b: walk-away 0.450 -> 0.400",
                 "prior -> posterior", "independent"):
        assert word in r.stdout, word
    md = cli("calibrate", REACTIONS, "--samples", "5000", "--format", "markdown")
    assert md.code == 0 and md.stdout.startswith("## What the reactions tell us")


def test_write_revised(cli, tmp_path) -> None:
    out = tmp_path / "revised.yaml"
    r = cli("calibrate", REACTIONS, "--samples", "2000", "--write-revised", out)
    assert r.code == 0, r.stderr
    s = load_scenario(out)
    assert s.scenario == "reactions-revised" and s.note is not None and "REVISED" in s.note
    assert s.party("b").reservation == 0.4
    # Everything else is as it was.
    orig = load_scenario(REACTIONS)
    assert s.preferences["a"] == orig.preferences["a"] and s.plans == orig.plans


def test_no_uncertainty_exits_0_and_says_why(cli, write_scenario) -> None:
    path = write_scenario(one_party(PLANS, [{"id": "s", "about": "p", "stance": "rejects"}]))
    r = cli("calibrate", path, "--samples", "1000")
    assert r.code == 0, r.stderr
    assert "posterior skipped" in r.stdout


def test_bad_input_is_one_line_exit_2(cli, write_scenario) -> None:
    no_stance = one_party(PLANS, [])
    no_stance["statements"] = [{"id": "s", "by": "a", "kind": "reaction", "text": "t"}]
    bad_conf = one_party(PLANS, [{"id": "s", "about": "p", "stance": "rejects",
                                  "confidence": 2}])
    for args, word in [
        ((write_scenario(no_stance, "a.yaml"),), "no statement has a stance"),
        ((write_scenario(bad_conf, "b.yaml"),), "statements[0].confidence"),
        ((REACTIONS, "--samples", "0"), "--samples"),
        ((REACTIONS, "--suggest", "-1"), "--suggest"),
    ]:
        r = cli("calibrate", *args)
        assert r.code == 2, (args, r.stdout, r.stderr)
        lines = [ln for ln in r.stderr.splitlines() if ln.startswith("error")]
        assert len(lines) == 1 and word in lines[0], r.stderr
        assert "Traceback" not in r.stderr


def test_robustness_posterior(cli) -> None:
    args = ("robustness", REACTIONS, "--plan", "draft-2", "--samples", "20000", "--seed", "4",
            "--format", "json")
    plain = json.loads(cli(*args).stdout)
    r = cli(*args, "--posterior")
    assert r.code == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["posterior"] is True and d["label"] == "draft-2"
    # The prior column is the plain robustness run (same seed, same draws).
    assert d["prior"]["accept"] == {p: round(v, 6) for p, v in plain["accept"].items()}
    # b's acceptance of draft-2 (stated: rejects) rises after it said it accepts.
    assert d["accept"]["b"] > d["prior"]["accept"]["b"]
    assert set(d["effective_samples"]) == {"a", "b"}
    text = cli("robustness", REACTIONS, "--plan", "draft-2", "--samples", "2000", "--posterior")
    assert text.code == 0 and "conditioned on the reactions" in text.stdout


def test_text_reads_a_stance_on_an_open_plan_without_counting_it(cli, write_scenario) -> None:
    """The readable report says how an uncounted reaction reads, not only why it is not
    counted: for an open plan, against its completions."""
    data = one_party(PLANS, [{"id": "on-o", "about": "o", "stance": "accepts"},
                             {"id": "on-p", "about": "p", "stance": "accepts"}],
                     uncertainty={"weights": {"dirichlet": 50}})
    data["plans"].append({"id": "o", "title": "o", "choices": {"x": "lo"}, "open": ["y"]})
    r = cli("calibrate", write_scenario(data, "open.yaml"), "--samples", "2000")
    assert r.code == 0, r.stderr
    line = next(ln for ln in r.stdout.splitlines() if ln.strip().startswith("on-o:"))
    assert "not counted (the plan leaves y open" in line
    assert "accepts in some of its 3 valid completions" in line
