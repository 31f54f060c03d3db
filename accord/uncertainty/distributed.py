"""Running Monte Carlo blocks in this process or on a Dask cluster, with the same numbers.

Work is split into chunks of whole blocks (`montecarlo.BLOCK`); a block's samples depend only on
the seed and the block index, and blocks reduce order-free, so the cluster (dask.distributed:
a scheduler and worker processes, local or remote) changes the speed, never the result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from accord.model.compiled import IntArray
from accord.uncertainty.montecarlo import BlockTally, run_blocks
from accord.uncertainty.spec import UncertaintySpec

Chunk = list[tuple[int, int]]
OnDone = Callable[[list[BlockTally]], None]


class Executor(Protocol):
    workers: int

    def run(self, spec: UncertaintySpec, packages: IntArray, seed: int,
            chunks: Sequence[Chunk], stream: int, on_done: OnDone) -> None:
        """Run every chunk, calling on_done with each chunk's tallies as it completes.

        KeyboardInterrupt propagates after outstanding work is cancelled.
        """


class LocalExecutor:
    """This process, one chunk after another."""

    workers = 1

    def run(self, spec: UncertaintySpec, packages: IntArray, seed: int,
            chunks: Sequence[Chunk], stream: int, on_done: OnDone) -> None:
        for chunk in chunks:
            on_done(run_blocks(spec, packages, seed, chunk, stream))


class DaskExecutor:
    """A dask.distributed Client: chunks become tasks, the spec is broadcast once."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.workers = max(1, len(client.scheduler_info().get("workers", {})))

    def run(self, spec: UncertaintySpec, packages: IntArray, seed: int,
            chunks: Sequence[Chunk], stream: int, on_done: OnDone) -> None:
        from distributed import as_completed

        client = self.client
        [spec_f] = client.scatter([spec], broadcast=True, hash=False)
        futures = [client.submit(run_blocks, spec_f, packages, seed, chunk, stream, pure=False)
                   for chunk in chunks]
        try:
            for fut in as_completed(futures):
                on_done(fut.result())
        except BaseException:
            client.cancel(futures)
            raise
        finally:
            del spec_f


CONNECT_TIMEOUT = 3.0
"""Seconds to reach an existing scheduler: a wrong address fails fast, not after 20 s."""


@contextmanager
def dask_executor(workers: int | None = None, scheduler: str | None = None,
                  timeout: float = 20.0, connect_timeout: float = CONNECT_TIMEOUT
                  ) -> Iterator[DaskExecutor]:
    """A Client on an existing scheduler (`tcp://host:8786`, reached within
    `connect_timeout` seconds) or on a new LocalCluster of `workers` single-threaded worker
    processes (started within `timeout`), closed on exit."""
    from distributed import Client, LocalCluster

    if scheduler:
        client = Client(scheduler, timeout=connect_timeout)
        try:
            yield DaskExecutor(client)
        finally:
            client.close()
        return
    cluster = LocalCluster(n_workers=workers or 2, processes=True, threads_per_worker=1,
                           dashboard_address=":0", silence_logs=40)
    client = Client(cluster)
    try:
        client.wait_for_workers(workers or 2, timeout=timeout)
        yield DaskExecutor(client)
    finally:
        client.close()
        cluster.close()


def chunked(blocks: Sequence[tuple[int, int]], per_chunk: int) -> list[Chunk]:
    per_chunk = max(1, per_chunk)
    return [list(blocks[i:i + per_chunk]) for i in range(0, len(blocks), per_chunk)]
