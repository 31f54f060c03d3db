from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli import app

from .conftest import FIXTURE  # noqa: TID252

runner = CliRunner()
F = str(FIXTURE)


def run(*args: str) -> tuple[int, str, str]:
    res = runner.invoke(app, list(args))
    assert not isinstance(res.exception, Exception) or isinstance(res.exception, SystemExit), \
        res.exception
    return res.exit_code, res.stdout, res.stderr


def test_report_html_and_png(tmp_path: Path) -> None:
    code, _, err = run("report", F, "-o", str(tmp_path / "r.html"))
    assert code == 0, err
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")
    code, _, err = run("report", F, "--plan", "p2", "--parties", "b,a", "--width", "500",
                       "--height", "300", "-o", str(tmp_path / "p.png"))
    assert code == 0, err
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left


@pytest.mark.parametrize(("args", "message"), [
    (["-o", "x.pdf"], "unknown file type '.pdf'; fix: end the file name in .html, .png or .svg"),
    (["--plan", "nope", "-o", "x.png"], "no plan 'nope' in report-fixture; fix: use one of: p1"),
    (["--parties", "a", "-o", "x.png"], "the utility space has two axes"),
    (["--parties", "a,m", "-o", "x.png"], "--parties: m has no preferences"),
    (["--width", "5", "-o", "x.png"], "--width 5 is out of range"),
])
def test_report_bad_input(tmp_path: Path, args: list[str], message: str) -> None:
    args = [a if a not in ("x.pdf", "x.png") else str(tmp_path / a) for a in args]
    code, out, err = run("report", F, *args)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_missing_scenario_exits_2() -> None:
    code, _, err = run("sources", "no-such-file.yaml")
    assert code == 2 and "no such file" in err


def test_diff_text_json_and_bad_plan() -> None:
    code, out, _ = run("diff", F, "p1", "p2")
    assert code == 0 and out.startswith("Plan diff in report-fixture")
    code, out, _ = run("diff", F, "p1", "p2", "--format", "json")
    assert code == 0 and json.loads(out)["provision_counts"]["changed"] == 2
    code, _, err = run("diff", F, "p1", "zz")
    assert code == 2 and "PLAN_B: no plan 'zz'" in err


def test_sources_text_json_flagged() -> None:
    code, out, _ = run("sources", F)
    assert code == 0 and "5 of 7 provisions flagged" in out
    code, out, _ = run("sources", F, "--format", "json", "--flagged")
    assert code == 0 and len(json.loads(out)["provisions"]) == 5


def test_sources_flagged_counts_against_every_provision() -> None:
    code, out, _ = run("sources", F, "--flagged")
    assert code == 0 and "5 of 7 provisions flagged" in out
    code, out, _ = run("sources", F, "--flagged", "--format", "json")
    summary = json.loads(out)["summary"]
    assert summary["flagged"] == 5 and summary["total"] == 7
