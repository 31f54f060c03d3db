"""The uncertainty commands: JSON shape, one-line errors with exit 2, same seed same numbers."""

from __future__ import annotations

import copy
import json


def _with_uncertainty(small_data):
    data = copy.deepcopy(small_data)
    data["preferences"]["a"]["uncertainty"] = {"weights": {"dirichlet": 20},
                                               "values": {"sd": 0.1},
                                               "reservation": {"low": 0.25, "high": 0.4}}
    return data


def test_robustness_json(cli, write_scenario, small_data) -> None:
    path = write_scenario(_with_uncertainty(small_data))
    r = cli("robustness", path, "--plan", "p2", "--samples", "70000", "--seed", "7",
            "--format", "json")
    assert r.code == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["samples"] == 70000 and d["seed"] == 7 and d["partial"] is False
    assert set(d["accept"]) == {"a", "b"} and 0 <= d["all_accept"] <= 1
    lo, hi = d["all_accept_ci95"]
    assert lo <= d["all_accept"] <= hi
    again = json.loads(cli("robustness", path, "--plan", "p2", "--samples", "70000", "--seed",
                           "7", "--format", "json").stdout)
    assert again == d


def test_robustness_text_and_deterministic_note(cli, small_path) -> None:
    r = cli("robustness", small_path, "--plan", "p2", "--samples", "1000")
    assert r.code == 0, r.stderr
    assert "P(all accept)" in r.stdout and "no party has an uncertainty block" in r.stdout


def test_bad_input_is_one_line_exit_2(cli, small_path) -> None:
    for args, word in [
        (("robustness", small_path, "--plan", "nope"), "no plan 'nope'"),
        (("robustness", small_path, "--plan", "p1", "--samples", "0"), "--samples"),
        (("robustness", small_path, "--plan", "p1", "--workers", "2", "--scheduler",
          "tcp://x:1"), "--workers and --scheduler"),
        (("sensitivity", small_path, "--plan", "p1", "--sobol-n", "1000"), "power of two"),
        (("robust-plan", small_path, "--parties", "zz"), "--parties"),
    ]:
        r = cli(*args)
        assert r.code == 2, (args, r.stdout, r.stderr)
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and word in lines[0] and "fix:" in lines[0], r.stderr
        assert "Traceback" not in r.stderr


def test_sensitivity_and_robust_plan_json(cli, write_scenario, small_data) -> None:
    path = write_scenario(_with_uncertainty(small_data))
    d = json.loads(cli("sensitivity", path, "--plan", "p2", "--samples", "4096", "--sobol-n",
                       "256", "--format", "json").stdout)
    assert d["tornado"] and "smallest_flip" in d
    r = cli("robust-plan", path, "--samples", "20000", "--saa-samples", "60",
            "--replications", "2", "--format", "json")
    assert r.code == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["best"]["all_accept"] == d["all_accept"] and d["replications"]


def test_robust_plan_without_candidates_is_one_line_exit_2(cli, write_scenario,
                                                           small_data) -> None:
    data = _with_uncertainty(small_data)
    data["preferences"]["b"]["red_lines"].append({"issue": "land", "forbid": ["all", "half"]})
    data["plans"] = []
    r = cli("robust-plan", write_scenario(data), "--samples", "1000", "--saa-samples", "20",
            "--replications", "1")
    assert r.code == 2, (r.stdout, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "no candidate package" in lines[0] and "fix:" in lines[0]
    assert "Traceback" not in r.stderr


def test_unreachable_scheduler_fails_with_a_short_connect_timeout(cli, small_path) -> None:  # type: ignore[no-untyped-def]
    from accord.uncertainty.distributed import CONNECT_TIMEOUT

    r = cli("robustness", small_path, "--plan", "p1", "--scheduler", "tcp://127.0.0.1:1")
    assert r.code == 2 and "cannot reach scheduler" in r.stderr
    # Dask reports the timeout it was given: the short one, not its 20 s default.
    assert f"after {CONNECT_TIMEOUT:g} s" in r.stderr and CONNECT_TIMEOUT <= 5


def test_robust_plan_says_each_stage(small_data) -> None:  # type: ignore[no-untyped-def]
    """The progress bar's words come from the stages robust_plan reports, in order."""
    from accord.uncertainty.robust import robust_plan

    from .helpers import scenario

    stages: list[str] = []
    robust_plan(scenario(small_data), samples=2000, saa_samples=50, replications=2,
                time_limit=3.0, phase=stages.append)
    assert stages[:2] == ["optimising: SAA replication 1 of 2 (50 samples, at most 3 s)",
                          "optimising: SAA replication 2 of 2 (50 samples, at most 3 s)"]
    assert stages[2] == "optimising: the Nash package"
    assert stages[-1].startswith("scoring ") and stages[-1].endswith("on 2,000 samples")


def test_robust_plan_defaults_are_short() -> None:
    """The documented example runs on the defaults: a few short optimisations, not 3 x 30 s."""
    import inspect

    from accord.cli.uncertainty import robust_plan_cmd

    params = inspect.signature(robust_plan_cmd).parameters
    assert params["saa_samples"].default == 50 and params["replications"].default == 2
    assert params["replications"].default * params["time_limit"].default <= 10
