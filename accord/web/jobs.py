"""Background analyses: a small thread pool, progress and results written to the store.

Threads (not processes) because the analyses spend their time in numpy and the HiGHS MILP
solver, which release the GIL, and because a thread can hand back progress cheaply. Two
workers keep the server responsive on a small machine: requests are served by the event loop
and its own thread pool while jobs run. Jobs a killed server left running are marked
`interrupted` on the next start.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from accord.store import Store
from accord.store.models import utcnow

log = logging.getLogger("accord.web.jobs")

Progress = Callable[[float], None]
JobFunction = Callable[[Progress], dict[str, Any]]


class JobRunner:
    def __init__(self, store: Store, workers: int = 2):
        self.store = store
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="accord-job")
        self._futures: dict[int, Future[None]] = {}
        self._lock = threading.Lock()

    def submit(self, job_id: int, fn: JobFunction) -> None:
        fut = self._pool.submit(self._run, job_id, fn)
        with self._lock:
            self._futures[job_id] = fut
        fut.add_done_callback(lambda _f: self._forget(job_id))

    def _forget(self, job_id: int) -> None:
        with self._lock:
            self._futures.pop(job_id, None)

    def _run(self, job_id: int, fn: JobFunction) -> None:
        last = [0.0]

        def progress(fraction: float) -> None:
            now = time.monotonic()
            if now - last[0] >= 0.25 or fraction >= 1.0:  # throttle database writes
                last[0] = now
                self.store.update_job(job_id, progress=max(0.0, min(1.0, float(fraction))))

        self.store.update_job(job_id, status="running", progress=0.05)
        try:
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
