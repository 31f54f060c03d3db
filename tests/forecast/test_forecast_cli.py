"""`accord forecast`: text and JSON output, the evaluation table, one-line errors."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from accord.forecast.deu import REPO_DATA_DIR

SHARED = REPO_DATA_DIR
HAVE_DEU = (SHARED / "deu3" / "deu3.csv").is_file()


def test_scenario_text(cli: Any, small_path: Path) -> None:
    res = cli("forecast", str(small_path))
    assert res.code == 0, res.stderr
    assert "Land [land]: 'half'" in res.stdout
    assert "Mediator (m)" in res.stdout and "pull" in res.stdout


def test_scenario_json_and_markdown(cli: Any, small_path: Path) -> None:
    res = cli("forecast", str(small_path), "--model", "median", "--format", "json")
    data = json.loads(res.stdout)
    assert data["model"] == "median" and len(data["issues"]) == 3
    assert data["issues"][0]["pulls"][0]["name"] in {"Alpha", "Beta"}
    md = cli("forecast", str(small_path), "--format", "markdown", "--issue", "cap")
    assert md.code == 0 and "## Army cap (`cap`)" in md.stdout and "| actor |" in md.stdout


def test_actor_table_with_bdm_rounds(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "actors.csv"
    path.write_bytes(b"Actor,Capability,Position,Salience\r"
                     b"Netherlands,0.08,4,80\rBelgium,0.08,7,40\rLuxembourg,0.03,4,20\r"
                     b"Germany,0.16,4,80\rFrance,0.16,10,60\rItaly,0.16,10,60\r"
                     b"UK,0.16,10,90\rIreland,0.05,7,10\rDenmark,0.05,4,100\rGreece,0.08,7,70")
    res = cli("forecast", str(path), "--model", "bdm")
    assert res.code == 0, res.stderr
    assert "round 1: median 8.42" in res.stdout
    assert "Belgium compromises with France" in res.stdout
    data = json.loads(cli("forecast", str(path), "--model", "bdm", "-f", "json").stdout)
    assert [r["median"] for r in data["issues"][0]["bdm_rounds"]][:3] == pytest.approx(
        [8.4159, 9.6109, 9.962], abs=1e-3)


@pytest.mark.parametrize(("args", "needle"), [
    (("forecast",), "nothing to forecast"),
    (("forecast", "--dataset", "deu9", "--evaluate"), "not a known dataset"),
    (("forecast", "--dataset", "deu3"), "needs --evaluate"),
    (("forecast", "x.yaml", "--dataset", "deu3", "--evaluate"),
     "--dataset deu3 scores the models on a dataset"),
    (("forecast", "x.yaml", "--evaluate"), "--evaluate scores the models on a dataset with "
                                           "known outcomes, so it takes no scenario"),
    (("forecast", "--dataset", "nope", "--evaluate"), "use one of: deu3"),
    (("forecast", "missing.csv"), "missing.csv: file: does not exist"),
    (("forecast", "no-such-scenario"), "no such file"),
    (("forecast", "tests/data/small.yaml", "--model", "oracle"), "no such model"),
    (("forecast", "tests/data/small.yaml", "--issue", "nope"), "unknown issue nope"),
])
def test_bad_input_exits_2_with_one_line(cli: Any, args: tuple[str, ...], needle: str) -> None:
    res = cli(*args)
    assert res.code == 2
    assert needle in res.stderr and "Traceback" not in res.stderr
    assert res.stderr.startswith("error: ")


def test_bad_table_names_file_field_and_fix(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("Actor,Capability,Position,Salience\nA,1,x,50\n")
    res = cli("forecast", str(path))
    assert res.code == 2
    assert res.stderr.strip() == (f"error: {path}: line 2, Position: 'x' is not a number; "
                                  "fix: write a number")


def test_missing_data_dir(cli: Any, tmp_path: Path) -> None:
    res = cli("forecast", "--evaluate", "--data-dir", str(tmp_path))
    assert res.code == 2 and "--data-dir" in res.stderr


@pytest.mark.skipif(not HAVE_DEU, reason="shared DEU III file not present")
def test_evaluation_table(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # The two dynamic models take seconds on 353 issues; their per-issue code is tested
    # elsewhere, so the table is checked here with the three fast models.
    ev = importlib.import_module("accord.forecast.evaluate")
    from accord.forecast.models import MODELS

    fast = {k: MODELS[k] for k in ("compromise", "median", "calibrated")}
    monkeypatch.setattr(ev, "MODELS", fast)
    res = cli("forecast", "--dataset", "deu3", "--evaluate", "--data-dir", str(SHARED),
              "--format", "json")
    assert res.code == 0, res.stderr
    data = json.loads(res.stdout)
    rows = {m["model"]: m for m in data["models"]}
    assert set(rows) == set(fast)
    assert all((m["n_dev"], m["n_heldout"]) == (177, 176) for m in rows.values())
    assert 22 <= rows["compromise"]["mae_dev"] <= 25  # the known level, about 23
    assert rows["compromise"]["mae_dev"] == pytest.approx(23.99, abs=0.01)
    assert (data["calibration"]["alpha"], data["calibration"]["beta"]) == (0.25, 3.0)
    assert rows["calibrated"]["mae_dev"] < rows["compromise"]["mae_dev"]
    assert data["data"]["capability_row_used"] and data["data"]["with_outcome"] == 353


@pytest.mark.skipif(not HAVE_DEU, reason="shared DEU III file not present")
def test_evaluation_text_and_markdown(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    ev = importlib.import_module("accord.forecast.evaluate")
    from accord.forecast.models import MODELS

    monkeypatch.setattr(ev, "MODELS", {"compromise": MODELS["compromise"]})
    text = cli("forecast", "--evaluate", "--data-dir", str(SHARED))
    assert text.code == 0 and "MAE held-out" in text.stdout and "177/176" in text.stdout
    md = cli("forecast", "--evaluate", "--data-dir", str(SHARED), "-f", "markdown")
    assert "| model | MAE dev | MAE held-out | vs compromise [95% CI] | N (dev/held-out) |" \
        in md.stdout


@pytest.mark.skipif(not HAVE_DEU, reason="shared DEU III file not present")
def test_evaluation_gives_paired_bootstrap_intervals_and_honest_words(
        cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    ev = importlib.import_module("accord.forecast.evaluate")
    from accord.forecast.models import MODELS

    fast = {k: MODELS[k] for k in ("compromise", "median", "calibrated")}
    monkeypatch.setattr(ev, "MODELS", fast)
    res = cli("forecast", "--evaluate", "--data-dir", str(SHARED), "--format", "json")
    data = json.loads(res.stdout)
    rows = {m["model"]: m for m in data["models"]}
    assert rows["compromise"]["heldout_vs_compromise"] is None
    cal = rows["calibrated"]["heldout_vs_compromise"]
    lo, hi = cal["ci95"]
    assert lo < cal["mae_difference"] < hi and lo < 0 < hi  # the documented interval
    assert cal["mae_difference"] == pytest.approx(
        rows["calibrated"]["mae_heldout"] - rows["compromise"]["mae_heldout"], abs=0.011)
    assert data["comparison"]["verdict"].startswith("no model beats the compromise model "
                                                    "significantly")
    text = cli("forecast", "--evaluate", "--data-dir", str(SHARED))
    assert "no model beats the compromise model significantly" in " ".join(text.stdout.split())
    assert "[-0.14, +3.65]" in text.stdout


@pytest.mark.skipif(not HAVE_DEU, reason="shared DEU III file not present")
def test_evaluate_scores_every_model_by_default(tmp_path: Path) -> None:
    """All five models on the first ten issues (a cut-down copy keeps this fast)."""
    from accord.forecast import MODELS, evaluate

    lines = (SHARED / "deu3" / "deu3.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "deu3").mkdir()
    (tmp_path / "deu3" / "deu3.csv").write_text("\n".join(lines[:12]) + "\n",
                                                encoding="utf-8")
    result = evaluate("deu3", tmp_path)
    assert [s.model for s in result.scores] == list(MODELS)
    assert all((s.n_dev, s.n_heldout) == (5, 5) for s in result.scores)
    assert result.to_dict()["models"][-1]["ours"] is True


def test_data_dir_help_lists_the_search_order(cli: Any) -> None:
    res = cli("forecast", "--help")
    text = " ".join(res.stdout.split())
    for needle in ("--data-dir", "ACCORD_FORECAST_DATA", "../shared/data/forecasting",
                   "source checkout only"):
        assert needle in text, needle


def test_scenario_problems_are_one_line_each(cli: Any, tmp_path: Path) -> None:
    res = cli("forecast", str(tmp_path / "nope.yaml"))
    assert res.code == 2 and "Traceback" not in res.stderr
    assert res.stderr.startswith("error: ") and len(res.stderr.strip().splitlines()) == 1
    res = cli("forecast", str(tmp_path / "nope.csv"))
    assert res.code == 2 and "does not exist" in res.stderr


def test_json_continuum_string_is_one_line(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('{"question_id": "Q", "continuum": "Tariffs", "actors": ['
                    '{"id": "a", "position": 4, "salience": 80, "capability": 1}]}')
    res = cli("forecast", str(path))
    assert res.code == 2 and "Traceback" not in res.stderr
    assert res.stderr.strip().splitlines() == [
        f"error: {path}: continuum: 'Tariffs' is not an object; "
        'fix: give {"label": "...", ...} or leave it out']
