"""Stakeholder forecasting: where would a multi-stakeholder process settle each issue?

Models (one module each, each citing its source): the compromise model (Achen 2006), the
weighted median (Black 1948), Bueno de Mesquita's expected-utility model (1994, as
reconstructed by Scholz, Calbert and Smith 2011), a probabilistic spatial model in the spirit
of KTAB's SMP, and our calibrated compromise. Data: a scenario (`from_scenario`), an actor
table (`load_table`: KTAB CSV/XML, BDM CSV, JSON) or the DEU III dataset (`load_deu`).

    from accord.forecast import forecast_source
    result = forecast_source("ukraine-2025")          # TableForecast, explained per issue
    evaluate("deu3").scores                           # MAE on the development/held-out halves
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from accord.forecast.data import ActorTable, ForecastDataError, IssueData, from_scenario
from accord.forecast.deu import find_dataset, load_deu, split
from accord.forecast.evaluate import Evaluation, Score, evaluate
from accord.forecast.explain import IssueForecast, TableForecast, explain_issue, explain_table
from accord.forecast.models import DEFAULT_MODEL, MODELS, ModelSpec, predict
from accord.forecast.tables import is_actor_table, load_table


def load_source(source: str | os.PathLike[str]) -> ActorTable:
    """An actor table file, or else a scenario (path or bundled name) turned into one.

    Raises ForecastDataError for a bad table (or a .csv/.xml path that does not exist) and
    ScenarioError for a bad scenario; the scenario's warnings become the table's warnings.
    """
    path = Path(source)
    if path.exists() and is_actor_table(path):
        return load_table(path)
    if path.suffix.lower() in (".csv", ".xml") and not path.exists():
        raise ForecastDataError(str(source), "file", "does not exist", "check the path")
    from accord.io import load_with_warnings

    scenario, problems = load_with_warnings(source)
    table = from_scenario(scenario)
    # One line each, without the severity word (the caller shows them as warnings).
    found = tuple(str(replace(p, severity="error")) for p in problems)
    return replace(table, warnings=(*table.warnings, *found))


def forecast_source(source: str | os.PathLike[str], model: str = DEFAULT_MODEL
                    ) -> TableForecast:
    return explain_table(load_source(source), model)


__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "ActorTable",
    "Evaluation",
    "ForecastDataError",
    "IssueData",
    "IssueForecast",
    "ModelSpec",
    "Score",
    "TableForecast",
    "evaluate",
    "explain_issue",
    "explain_table",
    "find_dataset",
    "forecast_source",
    "from_scenario",
    "is_actor_table",
    "load_deu",
    "load_source",
    "load_table",
    "predict",
    "split",
]
