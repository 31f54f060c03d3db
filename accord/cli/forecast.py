"""`accord forecast`: where a multi-stakeholder process would settle, and how well that works."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from accord.cli.common import (
    Format,
    console,
    emit_json,
    err_console,
    fail,
    report_scenario_error,
)
from accord.forecast import (
    DEFAULT_MODEL,
    MODELS,
    Evaluation,
    ForecastDataError,
    TableForecast,
    evaluate,
    explain_table,
    load_source,
)
from accord.forecast.deu import DATASETS, ENV_DATA_DIR, REPO_DATA_DIR
from accord.forecast.evaluate import BOOTSTRAP_METHOD, RESAMPLES, SEED, Score
from accord.model import ScenarioError


def register(app: typer.Typer) -> None:
    """Add this feature's commands to the app."""
    app.command("forecast")(forecast_cmd)


def forecast_cmd(
    source: Annotated[str | None, typer.Argument(
        help="Scenario (file or bundled name) or actor table (.csv KTAB/BDM, .xml KTAB SMP, "
             ".json).")] = None,
    model: Annotated[str, typer.Option(
        "--model", "-m", help=f"Model whose forecast is explained ({', '.join(MODELS)}); "
                              "all are shown.")] = DEFAULT_MODEL,
    dataset: Annotated[str | None, typer.Option(
        "--dataset", help=f"A dataset with known outcomes: {', '.join(DATASETS)}.")] = None,
    do_evaluate: Annotated[bool, typer.Option(
        "--evaluate", help="Score every model on the dataset's development and held-out "
                           "halves.")] = False,
    data_dir: Annotated[Path | None, typer.Option(
        "--data-dir", help="Folder holding the datasets (deu3/deu3.csv). Searched in this "
                           f"order: this option when given (then only it); else ${ENV_DATA_DIR} "
                           "when set; then, in a source checkout only, "
                           f"../shared/data/forecasting beside it ({REPO_DATA_DIR}).")] = None,
    issue: Annotated[list[str] | None, typer.Option(
        "--issue", "-i", help="Issue id (repeatable); all by default.")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="text, json or markdown")
                   ] = Format.text,
) -> None:
    """Forecast each issue from the stakeholders' positions, saliences and capabilities,
    and say who pulls where with what weight; or score the models on real EU decisions.

    Examples:

      accord forecast ukraine-2025

      accord forecast actors.csv --model bdm

      accord forecast --dataset deu3 --evaluate --format json
    """
    try:
        if do_evaluate or dataset:
            if source:
                given = f"--dataset {dataset}" if dataset else "--evaluate"
                fail(f"{given} scores the models on a dataset with known outcomes, so it takes "
                     f"no scenario or actor table (got {source})",
                     f"drop {source} to evaluate (accord forecast --dataset "
                     f"{dataset or 'deu3'} --evaluate), or drop {given} to forecast {source}")
            if not do_evaluate:
                fail(f"--dataset {dataset} needs --evaluate",
                     f"run: accord forecast --dataset {dataset} --evaluate")
            name = dataset or "deu3"
            _show_evaluation(evaluate(name, data_dir), fmt)
            return
        if model not in MODELS:
            fail(f"--model {model}: no such model", f"use one of: {', '.join(MODELS)}")
        if not source:
            fail("nothing to forecast", "give a scenario (e.g. ukraine-2025), an actor table, "
                 "or --dataset deu3 --evaluate")
        table = load_source(source)
        result = explain_table(table, model, issue)
    except ScenarioError as exc:
        report_scenario_error(exc)
    except ForecastDataError as exc:
        fail(f"{exc.file}: {exc.field}: {exc.problem}", exc.fix)
    except KeyError as exc:
        fail(str(exc.args[0]), "see the ids above, or leave --issue out")
    for w in table.warnings:
        err_console.print(f"warning: {w}", markup=False)
    if fmt == Format.json:
        emit_json(result.to_dict())
    elif fmt == Format.markdown:
        _markdown(result)
    else:
        _text(result)


def _text(result: TableForecast) -> None:
    spec = MODELS[result.model]
    console.print(f"Forecast for {result.table.name} ({result.table.source}), "
                  f"explained by the {spec.label}", markup=False, highlight=False)
    for note in result.notes:
        _para(note, indent="")
    for f in result.issues:
        i = f.issue
        console.print()
        models = ", ".join(f"{k} {v:.3g}" for k, v in f.by_model.items())
        console.print(f"{i.name} [{i.id}]: {f.place}", markup=False, highlight=False,
                      style="bold")
        _para(f"forecast {f.forecast:.1f} on {i.low:g}-{i.high:g}; all models: {models}")
        cols = ["actor", *(["wants"] if i.options else []), "position", "salience",
                "capability", "pull"]
        table = Table(box=None, padding=(0, 1), pad_edge=False)
        for c in cols:
            table.add_column(c, overflow="fold")
        for p in f.pulls:
            table.add_row(p.name, *([p.place] if i.options else []), f"{p.position:.3g}",
                          f"{p.salience:.0f}", f"{p.capability:g}", f"{p.share:.0%}")
        console.print(table)
        _para(f.text)
        if f.bdm_run is not None:
            for r in f.bdm_run.rounds:
                moves = "; ".join(m.describe() for m in r.moves)
                _para(f"round {r.round}: median {r.median:.2f}, mean {r.mean:.2f}"
                      f"{'; ' + moves if moves else ''}", indent="    ")


def _para(text: str, indent: str = "  ") -> None:
    width = max(40, min(console.width, 100))
    console.print(textwrap.fill(text, width=width, initial_indent=indent,
                                subsequent_indent=indent), markup=False, highlight=False)


def _markdown(result: TableForecast) -> None:
    lines = [f"# Forecast: {result.table.name}", "",
             f"Model explained: {MODELS[result.model].label}.", ""]
    lines += [f"- {n}" for n in result.notes]
    for f in result.issues:
        i = f.issue
        lines += ["", f"## {i.name} (`{i.id}`): {f.place}", "",
                  "All models: " + ", ".join(f"{k} {v:.0f}" for k, v in f.by_model.items()),
                  "", "| actor | wants | salience | capability | pull |",
                  "|---|---|---:|---:|---:|"]
        lines += [f"| {p.name} | {p.place} | {p.salience:.0f} | {p.capability:g} | "
                  f"{p.share:.0%} |" for p in f.pulls]
        lines += ["", f.text]
    print("\n".join(lines))


def _show_evaluation(ev: Evaluation, fmt: Format) -> None:
    if fmt == Format.json:
        emit_json(ev.to_dict())
        return
    head = (f"Accuracy on {ev.dataset} ({ev.info.with_outcome} EU decisions with a known "
            f"outcome): mean absolute error on the 0-100 scale, lower is better.")
    foot = (f"Split: even rows (0-based, among issues with an outcome) develop, odd rows are "
            f"held out. Ours (*) fitted on the development half only: capability^"
            f"{ev.calibration.alpha:g} x salience^{ev.calibration.beta:g}.")
    verdict = (f"Versus the compromise model (held-out MAE difference, negative is better; "
               f"{BOOTSTRAP_METHOD}, {RESAMPLES} resamples, seed {SEED}): "
               f"{ev.verdict}.")
    if fmt == Format.markdown:
        lines = [head, "", "| model | MAE dev | MAE held-out | vs compromise [95% CI] | "
                 "N (dev/held-out) |", "|---|---:|---:|---:|---:|"]
        lines += [f"| {s.model}{' *' if s.ours else ''} | {s.mae_dev:.2f} | "
                  f"{s.mae_heldout:.2f} | {_versus(s)} | {s.n_dev}/{s.n_heldout} |"
                  for s in ev.scores]
        print("\n".join([*lines, "", verdict, "", foot]))
        return
    _para(head, indent="")
    table = Table("model", "MAE dev", "MAE held-out", "vs compromise [95% CI]",
                  "N (dev/held-out)", box=None, padding=(0, 2), pad_edge=False)
    for s in ev.scores:
        table.add_row(s.model + (" *" if s.ours else ""), f"{s.mae_dev:.2f}",
                      f"{s.mae_heldout:.2f}", _versus(s), f"{s.n_dev}/{s.n_heldout}")
    console.print(table)
    _para(verdict, indent="")
    for s in ev.scores:
        _para(f"{s.model}: {s.label}", indent="")
    _para(foot, indent="")


def _versus(s: Score) -> str:
    if s.vs_compromise is None:
        return "(baseline)"
    d, lo, hi = s.vs_compromise
    return f"{d:+.2f} [{lo:+.2f}, {hi:+.2f}]"
