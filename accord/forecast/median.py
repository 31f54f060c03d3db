"""The weighted median: the position no weighted majority would move away from.

Black (1948), "On the rationale of group decision-making", *Journal of Political Economy*
56(1): 23-34. With single-peaked preferences on one dimension the median voter's position
beats every other in pairwise votes; here each actor votes with weight capability x salience,
as in the median-voter step of Bueno de Mesquita's model.
"""

from __future__ import annotations

import numpy as np

from accord.forecast.data import FloatArray, IssueData

NAME = "median"
LABEL = "Weighted median (Black 1948)"


def weighted_median(x: FloatArray, w: FloatArray) -> float:
    """The position where the cumulative weight first passes half the total; when it lands
    exactly on half, the midpoint between that position and the next (no side is favoured)."""
    if x.size == 0:
        raise ValueError("no positions")
    if float(w.sum()) <= 0:
        w = np.ones_like(x)
    order = np.argsort(x, kind="stable")
    xs, cum = x[order], np.cumsum(w[order])
    half = cum[-1] / 2.0
    k = int(np.searchsorted(cum, half - 1e-12 * cum[-1]))
    if abs(cum[k] - half) <= 1e-12 * cum[-1] and k + 1 < xs.size:
        return float((xs[k] + xs[k + 1]) / 2.0)
    return float(xs[k])


def forecast(issue: IssueData) -> float:
    if issue.n == 0:
        raise ValueError(f"issue {issue.id}: no actor has a position")
    return weighted_median(issue.position, issue.pull())
