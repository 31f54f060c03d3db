"""The compromise model: the capability x salience weighted mean of the actors' positions.

Achen (2006), "Institutional realism and bargaining models", in Thomson, Stokman, Achen and
König (eds), *The European Union Decides*, Cambridge UP, ch. 4. It is the benchmark to beat:
on the DEU data it has matched or beaten far more elaborate models (Thomson et al. 2006).
"""

from __future__ import annotations

import numpy as np

from accord.forecast.data import IssueData

NAME = "compromise"
LABEL = "Compromise model (Achen 2006)"


def forecast(issue: IssueData) -> float:
    """Sum of c_i s_i x_i over sum of c_i s_i, with `IssueData.pull`'s fallbacks (capability,
    then equal weights, when every weight is zero: no one cares, so no one pulls harder)."""
    if issue.n == 0:
        raise ValueError(f"issue {issue.id}: no actor has a position")
    return float(np.average(issue.position, weights=issue.pull()))
