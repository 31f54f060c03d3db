"""Accuracy on real decisions: mean absolute error against DEU III's known outcomes.

The split is fixed (decided before any model was scored): among the issues with an outcome,
in file order, the even positions (0-based) are the development half and the odd ones the
held-out half. Models are built and tuned on the development half only; the held-out half is
scored once here, for the final figures. Our calibrated model is refitted here on the
development half, so the table always shows what the procedure gives, not a stored number.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from accord.forecast import calibrated
from accord.forecast.data import IssueData
from accord.forecast.deu import DeuInfo, find_dataset, load_deu, split
from accord.forecast.models import MODELS, ModelSpec


@dataclass(frozen=True)
class Score:
    model: str
    label: str
    ours: bool
    mae_dev: float
    mae_heldout: float
    n_dev: int
    n_heldout: int


@dataclass(frozen=True)
class Evaluation:
    dataset: str
    source: str
    scores: tuple[Score, ...]
    info: DeuInfo
    calibration: calibrated.Calibration

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "source": self.source,
            "metric": "mean absolute error on the 0-100 scale (lower is better)",
            "split": "issues with an outcome, in file order: even positions (0-based) = "
                     "development, odd = held out",
            "models": [{"model": s.model, "label": s.label, "ours": s.ours,
                        "mae_dev": round(s.mae_dev, 2), "mae_heldout": round(s.mae_heldout, 2),
                        "n_dev": s.n_dev, "n_heldout": s.n_heldout} for s in self.scores],
            "calibration": {"alpha": self.calibration.alpha, "beta": self.calibration.beta,
                            "fitted_on": "development half",
                            "mae_dev": round(self.calibration.mae, 2)},
            "data": {"rows": self.info.rows, "with_outcome": self.info.with_outcome,
                     "capability_row_used": self.info.capability_row,
                     "saliences_filled_with_50": self.info.filled_salience,
                     "unknown_dates": self.info.unknown_dates},
        }


def mae(predict: Any, issues: Sequence[IssueData]) -> float:
    errors = [abs(predict(i) - float(i.outcome)) for i in issues if i.outcome is not None]
    return float(np.mean(errors)) if errors else float("nan")


def evaluate(dataset: str = "deu3", data_dir: str | os.PathLike[str] | None = None,
             models: Sequence[str] | None = None) -> Evaluation:
    """Score every model (or those named) on both halves of the dataset."""
    path = find_dataset(dataset, data_dir)
    table, info = load_deu(path)
    dev, heldout = split(table.issues)
    fit = calibrated.fit(dev)  # the development half only
    specs: list[ModelSpec] = [MODELS[m] for m in (models or list(MODELS))]
    scores = []
    for spec in specs:
        predict = spec.predict
        if spec.name == calibrated.NAME:
            def predict(i: IssueData, a: float = fit.alpha, b: float = fit.beta) -> float:
                return calibrated.forecast(i, a, b)
        scores.append(Score(spec.name, spec.label, spec.ours, mae(predict, dev),
                            mae(predict, heldout), len(dev), len(heldout)))
    return Evaluation(dataset, str(path.resolve()), tuple(scores), info, fit)
