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
    vs_compromise: tuple[float, float, float] | None = None
    """Held-out MAE minus the compromise model's, with its paired bootstrap 95% interval
    (low, high); None for the compromise model itself."""

    @property
    def beats_compromise(self) -> bool:
        """Significantly better than the compromise model: the whole interval is below 0."""
        return self.vs_compromise is not None and self.vs_compromise[2] < 0


@dataclass(frozen=True)
class Evaluation:
    dataset: str
    source: str
    scores: tuple[Score, ...]
    info: DeuInfo
    calibration: calibrated.Calibration

    @property
    def verdict(self) -> str:
        """The comparison with the compromise model in words, no stronger than the intervals."""
        better = [s.model for s in self.scores if s.beats_compromise]
        if not better:
            return (f"no model beats the {BASELINE} model significantly on the held-out half "
                    f"(every paired bootstrap 95% interval of the MAE difference reaches 0 "
                    f"or above)")
        return (f"significantly better than the {BASELINE} model on the held-out half "
                f"(paired bootstrap 95% interval below 0): {', '.join(better)}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "source": self.source,
            "metric": "mean absolute error on the 0-100 scale (lower is better)",
            "split": "issues with an outcome, in file order: even positions (0-based) = "
                     "development, odd = held out",
            "models": [{"model": s.model, "label": s.label, "ours": s.ours,
                        "mae_dev": round(s.mae_dev, 2), "mae_heldout": round(s.mae_heldout, 2),
                        "n_dev": s.n_dev, "n_heldout": s.n_heldout,
                        "heldout_vs_compromise": None if s.vs_compromise is None else {
                            "mae_difference": round(s.vs_compromise[0], 2),
                            "ci95": [round(s.vs_compromise[1], 2),
                                     round(s.vs_compromise[2], 2)],
                            "significantly_better": s.beats_compromise}}
                       for s in self.scores],
            "comparison": {"baseline": BASELINE, "method": BOOTSTRAP_METHOD,
                           "resamples": RESAMPLES, "seed": SEED,
                           "verdict": self.verdict},
            "calibration": {"alpha": self.calibration.alpha, "beta": self.calibration.beta,
                            "fitted_on": "development half",
                            "mae_dev": round(self.calibration.mae, 2)},
            "data": {"rows": self.info.rows, "with_outcome": self.info.with_outcome,
                     "capability_row_used": self.info.capability_row,
                     "saliences_filled_with_50": self.info.filled_salience,
                     "unknown_dates": self.info.unknown_dates},
        }


BASELINE = "compromise"
RESAMPLES = 10_000
SEED = 20_251_126
BOOTSTRAP_METHOD = ("paired bootstrap over held-out issues (percentile 95% interval of the "
                    "mean difference in absolute error)")


def errors(predict: Any, issues: Sequence[IssueData]) -> np.ndarray:
    """Absolute error per issue with an outcome, in issue order."""
    return np.array([abs(predict(i) - float(i.outcome)) for i in issues
                     if i.outcome is not None], dtype=np.float64)


def mae(predict: Any, issues: Sequence[IssueData]) -> float:
    e = errors(predict, issues)
    return float(np.mean(e)) if e.size else float("nan")


def paired_bootstrap(a: np.ndarray, b: np.ndarray, resamples: int = RESAMPLES,
                     seed: int = SEED) -> tuple[float, float, float]:
    """mean(a - b) and its percentile 95% interval, resampling issues (pairs) with
    replacement (Efron and Tibshirani 1993, ch. 13): both models are scored on the same
    resampled issues, so the interval reflects how much the difference depends on which
    issues happened to be held out. Fixed seed: the same data give the same interval."""
    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    if d.size == 0:
        return float("nan"), float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, d.size, size=(resamples, d.size))
    means = d[idx].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(d.mean()), float(low), float(high)


def evaluate(dataset: str = "deu3", data_dir: str | os.PathLike[str] | None = None,
             models: Sequence[str] | None = None) -> Evaluation:
    """Score every model (or those named) on both halves of the dataset."""
    path = find_dataset(dataset, data_dir)
    table, info = load_deu(path)
    dev, heldout = split(table.issues)
    fit = calibrated.fit(dev)  # the development half only
    specs: list[ModelSpec] = [MODELS[m] for m in (models or list(MODELS))]
    scores = []
    base = errors(MODELS[BASELINE].predict, heldout)
    for spec in specs:
        predict = spec.predict
        if spec.name == calibrated.NAME:
            def predict(i: IssueData, a: float = fit.alpha, b: float = fit.beta) -> float:
                return calibrated.forecast(i, a, b)
        held = errors(predict, heldout)
        versus = None if spec.name == BASELINE else paired_bootstrap(held, base)
        scores.append(Score(spec.name, spec.label, spec.ours, mae(predict, dev),
                            float(np.mean(held)) if held.size else float("nan"), len(dev),
                            len(heldout), versus))
    return Evaluation(dataset, str(path.resolve()), tuple(scores), info, fit)
