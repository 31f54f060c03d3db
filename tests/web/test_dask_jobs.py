"""With ACCORD_DASK_SCHEDULER set, analyses run on that Dask cluster (a real local one here),
not in the server process; the result comes back to the store as usual."""

from __future__ import annotations

import os
from typing import Any

import pytest


def test_jobs_run_on_the_dask_cluster(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    distributed = pytest.importorskip("dask.distributed")
    from tests.web.conftest import SECRET, Api, make_app

    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        monkeypatch.setenv("ACCORD_DASK_SCHEDULER", cluster.scheduler_address)
        app = make_app(db_url)
        try:
            runner = app.state.jobs
            assert runner.dask is not None
            med = Api(app, "med")
            sid = med.post("/api/scenarios", json={"text": SECRET.read_text(),
                                                   "filename": "secret.yaml"}).json()["id"]
            ran_on: list[Any] = []
            for kind, body in (("robustness", {"samples": 200}), ("score", {})):
                job = med.post(f"/api/scenarios/{sid}/jobs", json={"kind": kind, **body})
                assert job.status_code == 202, job.text
                runner.wait(120)
                got = med.get(f"/api/scenarios/{sid}/jobs/{job.json()['id']}").json()
                assert got["status"] == "done", got
                assert got["result"]
            # the cluster's worker did the work: it holds task records, this process ran none
            ran_on = runner.dask.run(lambda dask_worker: len(dask_worker.state.log))
            assert ran_on and all(n > 0 for n in ran_on.values())
            assert os.getpid() not in runner.dask.run(lambda: os.getpid()).values()
        finally:
            app.state.jobs.shutdown()
            app.state.store.close()
