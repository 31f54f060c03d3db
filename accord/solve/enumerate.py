"""Vectorised enumeration of the package space, in bounded-memory chunks.

The exact engine for spaces up to about 10^7 packages: packages are decoded from their
mixed-radix index (issue 0 most significant), evaluated with the compiled model in chunks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from accord.model.compiled import CompiledModel, FloatArray, IntArray
from accord.solve.base import Problem

ENUMERATION_LIMIT = 10_000_000
DEFAULT_CHUNK = 1 << 18


def decode_indices(model: CompiledModel, index: IntArray) -> IntArray:
    """(N,) package numbers -> (N, I) option indices."""
    radices = model.n_options
    out = np.empty((index.shape[0], model.n_issues), dtype=np.int64)
    rest = index.astype(np.int64, copy=True)
    for i in range(model.n_issues - 1, -1, -1):
        out[:, i] = rest % radices[i]
        rest //= radices[i]
    return out


def encode_indices(model: CompiledModel, packages: IntArray) -> IntArray:
    """(N, I) option indices -> (N,) package numbers (inverse of decode_indices)."""
    x = np.asarray(packages, dtype=np.int64).reshape(-1, model.n_issues)
    out = np.zeros(x.shape[0], dtype=np.int64)
    for i in range(model.n_issues):
        out = out * model.n_options[i] + x[:, i]
    return out


def chunks(model: CompiledModel, chunk: int = DEFAULT_CHUNK) -> Iterator[tuple[int, IntArray]]:
    """Yield (first package number, (n, I) packages) over the whole space."""
    size = model.size
    if size > np.iinfo(np.int64).max:
        raise ValueError(f"{size:.3g} packages cannot be enumerated; use the MILP engine")
    for start in range(0, size, chunk):
        stop = min(size, start + chunk)
        yield start, decode_indices(model, np.arange(start, stop, dtype=np.int64))


def all_packages(model: CompiledModel, limit: int = ENUMERATION_LIMIT) -> IntArray:
    """Every package as an (N, I) array; refuses spaces above `limit`."""
    if model.size > limit:
        raise ValueError(f"{model.size:.3g} packages exceed the enumeration limit {limit:.3g}")
    return decode_indices(model, np.arange(model.size, dtype=np.int64))


def iter_subspace(allowed: list[IntArray], chunk: int = DEFAULT_CHUNK) -> Iterator[IntArray]:
    """Yield (n, I) packages over the product of the allowed options per issue."""
    radices = np.array([len(a) for a in allowed], dtype=np.int64)
    size = 1
    for r in radices.tolist():
        size *= int(r)
    if size == 0:
        return
    if size > np.iinfo(np.int64).max:
        raise ValueError(f"{size:.3g} packages cannot be enumerated; use the MILP engine")
    n_issues = len(allowed)
    for start in range(0, size, chunk):
        rest = np.arange(start, min(size, start + chunk), dtype=np.int64)
        out = np.empty((rest.shape[0], n_issues), dtype=np.int64)
        for i in range(n_issues - 1, -1, -1):
            out[:, i] = allowed[i][rest % radices[i]]
            rest //= radices[i]
        yield out


def _order(primary: FloatArray, secondary: FloatArray) -> IntArray:
    """Indices best first: primary (to 1e-9) descending, then secondary descending."""
    p = np.where(np.isfinite(primary), np.round(np.where(np.isfinite(primary), primary, 0.0), 9),
                 -np.inf)
    return np.lexsort((-secondary, -p))


def top_k(problem: Problem, score: Callable[[FloatArray], tuple[FloatArray, FloatArray]],
          k: int, chunk: int = DEFAULT_CHUNK) -> tuple[IntArray, FloatArray, FloatArray]:
    """The k best feasible packages by (primary, secondary) = score(utilities): exact."""
    m = problem.model
    best_x = np.empty((0, m.n_issues), dtype=np.int64)
    best_p = np.empty(0)
    best_s = np.empty(0)
    for x in problem.packages(chunk):
        u = m.utilities(x)
        ok = problem.feasible_mask(u)
        if not ok.any():
            continue
        x, u = x[ok], u[ok]
        prim, sec = score(u)
        # Keep the chunk's own k best, then merge (the earlier, lower-numbered first on ties).
        if x.shape[0] > k:
            part = _order(prim, sec)[:k]
            x, prim, sec = x[part], prim[part], sec[part]
        cx = np.concatenate([best_x, x])
        cp = np.concatenate([best_p, prim])
        cs = np.concatenate([best_s, sec])
        keep = _order(cp, cs)[:k]
        best_x, best_p, best_s = cx[keep], cp[keep], cs[keep]
    return best_x, best_p, best_s


def max_utilities(problem: Problem, chunk: int = DEFAULT_CHUNK) -> FloatArray | None:
    """(P,) each party's best utility over the feasible set; None if the set is empty."""
    m = problem.model
    best = np.full(m.n_parties, -np.inf)
    for x in problem.packages(chunk):
        u = m.utilities(x)
        ok = problem.feasible_mask(u)
        if ok.any():
            best = np.maximum(best, u[ok].max(axis=0))
    return best if np.isfinite(best).all() else None


def best_min_slack(problem: Problem, chunk: int = DEFAULT_CHUNK
                   ) -> Callable[[list[int]], float | None]:
    """For the infeasibility report: max over packages of min_{p in group}(u_p - floor_p)."""
    m = problem.model
    cache: dict[tuple[int, ...], float | None] = {}

    def slack(group: list[int]) -> float | None:
        key = tuple(group)
        if key not in cache:
            val = -np.inf
            for x in problem.packages(chunk):
                u = m.utilities(x)[:, group]
                val = max(val, float((u - problem.floor[group]).min(axis=1).max()))
            cache[key] = None if not np.isfinite(val) else val
        return cache[key]

    return slack
