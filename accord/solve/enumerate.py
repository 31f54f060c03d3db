"""Vectorised enumeration of the package space, in bounded-memory chunks.

The exact engine for spaces up to about 10^7 packages: packages are decoded from their
mixed-radix index (issue 0 most significant), evaluated with the compiled model in chunks.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from accord.model.compiled import CompiledModel, IntArray

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


def allowed_options(model: CompiledModel, respect_red_lines: bool = True) -> list[IntArray]:
    """Per issue, the option indices no scored party forbids (all options if not respecting)."""
    if not respect_red_lines:
        return [np.arange(n) for n in model.n_options]
    ok = np.asarray(~model.forbidden.any(axis=0))
    return [np.flatnonzero(ok[i, : model.n_options[i]]) for i in range(model.n_issues)]
