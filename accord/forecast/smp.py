"""A probabilistic spatial model in the spirit of KTAB's Spatial Model of Politics (SMP).

Wise, Lester, Efird et al. (KAPSARC, 2015-2016), "KTAB: the KAPSARC Toolkit for Behavioral
Analysis", and Efird, Lester and Wise (2016), *Journal of East Asian Studies* 16: 117-145.
This is our own compact re-implementation of its main ideas, not a port of KTAB's code:

- Actors keep fixed ideal points (their stated positions) and advocate positions that move.
  Actor k values an outcome y at u_k(y) = 1 - |y - ideal_k| / range.
- Proportional voting: between advocated positions a and b, k casts c_k s_k (u_k(a) - u_k(b))
  votes; a's coalition strength is the sum of the votes for it, and a beats b with the
  "Linear" probability S_a / (S_a + S_b) (or "Quartic": fourth powers).
- Probabilistic Condorcet election (Markov PCE): the outcome is a random walk over the
  advocated positions that moves from b to a with probability P(a beats b) / (m - 1); its
  stationary distribution is the chance of each position winning, and the forecast is its mean.
- Bargaining: actors advocating the same position act as one bloc. Each round every bloc
  proposes to the bloc whose bargain raises its members' expected utility most; a bargain puts
  both blocs at the probability-weighted point p_a a + p_b b. Bargains go ahead in order of
  the total capability x salience weighted gain they bring all actors, while it is positive
  and neither bloc has moved this round. Rounds stop when no bargain goes ahead.

Simplifications against KTAB, for speed and clarity: one dimension at a time; no risk
attitudes (KTAB's BigR adjustments); deterministic state transitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from accord.forecast.data import FloatArray, IssueData

NAME = "smp"
LABEL = "Spatial model with Markov PCE (in the spirit of KTAB SMP)"


@dataclass(frozen=True)
class SMPSettings:
    victory: Literal["linear", "quartic"] = "linear"
    rounds: int = 10
    bargaining: bool = True


@dataclass(frozen=True)
class SMPRun:
    issue: IssueData
    positions: FloatArray  # final advocated positions per actor
    options: FloatArray  # distinct final positions
    chances: FloatArray  # probability each option wins
    rounds: int

    @property
    def forecast(self) -> float:
        return float(self.chances @ self.options)


def _victory(util: FloatArray, w: FloatArray, power: float) -> FloatArray:
    """P[a, b]: chance that option a beats option b; util[k, o] is k's utility of option o."""
    diff = util[:, :, None] - util[:, None, :]  # diff[k, a, b]
    strength = (w[:, None, None] * np.clip(diff, 0.0, None)).sum(axis=0)
    sa, sb = strength ** power, strength.T ** power
    total = sa + sb
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(total > 0, sa / total, 0.5)
    return np.asarray(p)


def pce(options: FloatArray, ideals: FloatArray, w: FloatArray, span: float,
        power: float = 1.0) -> FloatArray:
    """Markov PCE: the stationary chance of each option winning."""
    m = options.size
    if m == 1:
        return np.ones(1)
    util = 1.0 - np.abs(options[None, :] - ideals[:, None]) / span
    p = _victory(util, w, power)
    move = p.T / (m - 1)  # move[b, a] = P(a beats b) / (m - 1)
    np.fill_diagonal(move, 0.0)
    np.fill_diagonal(move, 1.0 - move.sum(axis=1))
    # Stationary pi: pi (move - I) = 0, sum pi = 1.
    a = np.vstack([move.T - np.eye(m), np.ones((1, m))])
    rhs = np.zeros(m + 1)
    rhs[-1] = 1.0
    pi = np.linalg.lstsq(a, rhs, rcond=None)[0]
    pi = np.clip(pi, 0.0, None)
    return np.asarray(pi / pi.sum())


def _state(positions: FloatArray) -> tuple[FloatArray, np.ndarray]:
    options, bloc = np.unique(positions, return_inverse=True)
    return options, bloc


def _expected(positions: FloatArray, ideals: FloatArray, w: FloatArray, span: float,
              power: float) -> FloatArray:
    """Each actor's expected utility of the PCE outcome when actors advocate `positions`."""
    options, _ = _state(positions)
    chances = pce(options, ideals, w, span, power)
    util = 1.0 - np.abs(options[None, :] - ideals[:, None]) / span
    return np.asarray(util @ chances)


def simulate(issue: IssueData, settings: SMPSettings | None = None) -> SMPRun:
    settings = settings or SMPSettings()
    if issue.n == 0:
        raise ValueError(f"issue {issue.id}: no actor has a position")
    ideals = issue.position.astype(np.float64)
    w = issue.pull()
    span = issue.span if issue.span > 0 else float(ideals.max() - ideals.min())
    power = 4.0 if settings.victory == "quartic" else 1.0
    x = ideals.copy()
    done = 0
    if span > 0 and settings.bargaining:
        for _ in range(settings.rounds):
            if not _bargain_round(x, ideals, w, span, power):
                break
            done += 1
    options, _ = _state(x)
    chances = pce(options, ideals, w, span if span > 0 else 1.0, power)
    return SMPRun(issue, x, options, chances, done)


def _bargain_round(x: FloatArray, ideals: FloatArray, w: FloatArray, span: float,
                   power: float) -> bool:
    """One round of bloc bargaining, updating x in place; False when nothing changed."""
    options, bloc = _state(x)
    m = options.size
    if m < 2:
        return False
    now = _expected(x, ideals, w, span, power)
    util = 1.0 - np.abs(options[None, :] - ideals[:, None]) / span
    p = _victory(util, w, power)
    proposals: list[tuple[float, int, int, float]] = []
    for a in range(m):
        best: tuple[float, float, int, float] | None = None
        for b in range(m):
            if a == b:
                continue
            point = float(p[a, b] * options[a] + p[b, a] * options[b])
            trial = x.copy()
            trial[(bloc == a) | (bloc == b)] = point
            gain = _expected(trial, ideals, w, span, power) - now
            own = float((w * gain)[bloc == a].sum())
            if own > 1e-12 and (best is None or own > best[0]):
                best = (own, float((w * gain).sum()), b, point)
        if best is not None:
            proposals.append((best[1], a, best[2], best[3]))
    moved: set[int] = set()
    changed = False
    for support, a, b, point in sorted(proposals, key=lambda t: (-t[0], t[1], t[2])):
        if support <= 1e-12 or a in moved or b in moved:
            continue
        x[(bloc == a) | (bloc == b)] = point
        moved.update((a, b))
        changed = True
    return changed


def forecast(issue: IssueData, settings: SMPSettings | None = None) -> float:
    return simulate(issue, settings).forecast
