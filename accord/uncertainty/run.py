"""The entry points: Monte Carlo on packages or a plan, in this process or on a Dask cluster.

The same call gives the same numbers whatever the executor (see `montecarlo` for why). A
KeyboardInterrupt stops the run and returns what the completed blocks say, marked partial.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from accord.model import CompiledModel, Scenario, compile_scenario
from accord.model.compiled import IntArray
from accord.uncertainty.distributed import Executor, LocalExecutor, chunked
from accord.uncertainty.montecarlo import (
    BlockTally,
    MonteCarloResult,
    block_sizes,
    reduce_tallies,
)
from accord.uncertainty.spec import UncertaintySpec, compile_uncertainty

Progress = Callable[[int, int], None]
"""progress(samples done, samples requested)"""


def monte_carlo(spec: UncertaintySpec, packages: IntArray | Sequence[Sequence[int]],
                samples: int, seed: int, *, labels: Sequence[str] | None = None,
                executor: Executor | None = None, blocks_per_chunk: int | None = None,
                stream: int = 0, progress: Progress | None = None) -> MonteCarloResult:
    """P(each party accepts), P(all accept), utility distributions and red-line binding for
    each package, from `samples` draws of the parties' uncertain preferences."""
    if samples <= 0:
        raise ValueError("samples must be positive")
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    pk = np.atleast_2d(np.asarray(packages, dtype=np.int64))
    names = list(labels) if labels is not None else [f"package-{k}" for k in range(len(pk))]
    ex = executor if executor is not None else LocalExecutor()
    blocks = block_sizes(samples)
    if blocks_per_chunk is None:
        # Local: one block at a time (prompt progress and Ctrl-C). Cluster: a few tasks per
        # worker so the slowest does not hold the rest up, each still seconds long.
        blocks_per_chunk = 1 if ex.workers == 1 and isinstance(ex, LocalExecutor) else \
            max(1, min(8, len(blocks) // (4 * ex.workers)))
    spec.warm(pk)
    done: list[BlockTally] = []
    partial = False

    def on_done(tallies: list[BlockTally]) -> None:
        done.extend(tallies)
        if progress is not None:
            progress(sum(t.n for t in done), samples)

    try:
        ex.run(spec, pk, seed, chunked(blocks, blocks_per_chunk), stream, on_done)
    except KeyboardInterrupt:
        partial = True
    return reduce_tallies(spec, pk, names, done, seed=seed, requested=samples,
                          partial=partial or sum(t.n for t in done) < samples)


def plan_robustness(scenario: Scenario, plan: str, samples: int, seed: int, *,
                    model: CompiledModel | None = None, **kwargs: Any) -> MonteCarloResult:
    """Monte Carlo verdicts on one plan of the scenario."""
    model = model if model is not None else compile_scenario(scenario)
    spec = compile_uncertainty(scenario, model)
    x = model.encode(dict(scenario.plan(plan).choices))
    return monte_carlo(spec, x[None], samples, seed, labels=[plan], **kwargs)
