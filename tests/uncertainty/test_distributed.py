"""The Dask path on a real LocalCluster of two worker processes matches the local run exactly."""

from __future__ import annotations

import copy
import os

import pytest

from accord.model import compile_scenario
from accord.uncertainty import BLOCK, compile_uncertainty, monte_carlo
from accord.uncertainty.distributed import DaskExecutor, dask_executor

from .helpers import scenario

pytest.importorskip("distributed")


def test_two_worker_processes_match_local_exactly(small_data) -> None:
    data = copy.deepcopy(small_data)
    data["preferences"]["a"]["uncertainty"] = {"weights": {"dirichlet": 30},
                                               "values": {"sd": 0.15},
                                               "reservation": {"low": 0.2, "high": 0.5}}
    data["preferences"]["b"]["uncertainty"] = {"values": {"sd": 0.1},
                                               "reservation": {"low": 0.25, "high": 0.45}}
    # uncertain red lines draw on their own slots: identical on the cluster too
    data["preferences"]["a"]["red_lines"][0]["probability"] = 0.6
    data["preferences"]["b"]["red_lines"][0]["probability"] = 0.8
    data["plans"].append({"id": "crossing", "title": "crossing",
                          "choices": {"land": "none", "cap": 600000, "bloc": "join"}})
    s = scenario(data)
    m = compile_scenario(s)
    spec = compile_uncertainty(s, m)
    pk = [m.encode(dict(p.choices)) for p in s.plans]
    n = 5 * BLOCK + 77
    local = monte_carlo(spec, pk, n, seed=42).to_dict()
    with dask_executor(workers=2) as ex:
        assert isinstance(ex, DaskExecutor) and ex.workers == 2
        pids = ex.client.run(os.getpid)
        assert len(set(pids.values())) == 2 and os.getpid() not in pids.values()
        remote = monte_carlo(spec, pk, n, seed=42, executor=ex, blocks_per_chunk=1).to_dict()
    assert remote == local
