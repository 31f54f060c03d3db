"""Background analyses and on-demand scoring, off the request pool, with bounded concurrency.

Analyses run on a small thread pool (`workers`), or on a Dask cluster when
`ACCORD_DASK_SCHEDULER` names its scheduler (e.g. tcp://10.0.0.5:8786), so a deployment adds
capacity by adding Dask workers; those workers see every party's preferences and must be
trusted like the server. Scoring requests run on their own bounded pool (`compute`), so a
burst of scorings queues there instead of taking every thread that serves cheap pages.

Caps: at most `MAX_PENDING` analyses queued or running (more get 503), each stopped after
`MAX_SECONDS` (at its next progress report locally; by the future's timeout on Dask), and
robustness samples are capped by the API. Jobs a killed server left running are marked
`interrupted` on the next start.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from accord.store import Store
from accord.store.models import utcnow

log = logging.getLogger("accord.web.jobs")

Progress = Callable[[float], None]
JobFunction = Callable[[Progress], dict[str, Any]]
T = TypeVar("T")

MAX_PENDING = 20
"""Analyses queued or running at once; more are refused until some finish."""
MAX_SECONDS = 600.0
"""Longest an analysis may run."""
DASK_ENV = "ACCORD_DASK_SCHEDULER"


class Busy(Exception):
    """Too many analyses are queued; retry later."""


class TimeUp(Exception):
    """The analysis ran longer than MAX_SECONDS."""


def _quiet(fn: JobFunction) -> dict[str, Any]:
    """Run a job on a Dask worker, where the server's progress callback cannot reach."""
    return fn(lambda _fraction: None)


class JobRunner:
    def __init__(self, store: Store, workers: int = 2, compute: int = 2,
                 scheduler: str | None = None, max_seconds: float = MAX_SECONDS):
        self.store = store
        self.max_seconds = max_seconds
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="accord-job")
        self._compute = ThreadPoolExecutor(max_workers=compute,
                                           thread_name_prefix="accord-score")
        self._futures: dict[int, Future[None]] = {}
        self._lock = threading.Lock()
        address = scheduler if scheduler is not None else os.environ.get(DASK_ENV)
        self.dask: Any = None
        if address:
            from dask.distributed import Client

            self.dask = Client(address, set_as_default=False, timeout=30)

    async def compute(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` on the bounded scoring pool, awaiting it from the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self._compute, fn, *args)

    def submit(self, job_id: int, fn: JobFunction) -> None:
        with self._lock:
            if len(self._futures) >= MAX_PENDING:
                raise Busy(f"{MAX_PENDING} analyses are already queued or running")
        fut = self._pool.submit(self._run, job_id, fn)
        with self._lock:
            self._futures[job_id] = fut
        fut.add_done_callback(lambda _f: self._forget(job_id))

    def _forget(self, job_id: int) -> None:
        with self._lock:
            self._futures.pop(job_id, None)

    def _run(self, job_id: int, fn: JobFunction) -> None:
        last = [0.0]
        deadline = time.monotonic() + self.max_seconds

        def progress(fraction: float) -> None:
            now = time.monotonic()
            if now > deadline:
                raise TimeUp(f"the analysis ran longer than {self.max_seconds:.0f} s")
            if now - last[0] >= 0.25 or fraction >= 1.0:  # throttle database writes
                last[0] = now
                self.store.update_job(job_id, progress=max(0.0, min(1.0, float(fraction))))

        self.store.update_job(job_id, status="running", progress=0.05)
        try:
            if self.dask is not None:
                result = self.dask.submit(_quiet, fn, pure=False).result(
                    timeout=self.max_seconds)
            else:
                result = fn(progress)
            self.store.update_job(job_id, status="done", progress=1.0,
                                  result=json.dumps(result), finished_at=utcnow())
        except Exception as exc:  # noqa: BLE001 - a failed analysis is a job state
            log.warning("job %s failed: %s", job_id, exc)
            self.store.update_job(job_id, status="failed", error=f"{type(exc).__name__}: {exc}",
                                  finished_at=utcnow())

    def wait(self, timeout: float = 30.0) -> None:
        """Block until running jobs finish (tests and shutdown)."""
        with self._lock:
            futs = list(self._futures.values())
        for f in futs:
            f.result(timeout=timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._compute.shutdown(wait=False, cancel_futures=True)
        if self.dask is not None:
            self.dask.close()
