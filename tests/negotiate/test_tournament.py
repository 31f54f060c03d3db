"""Tournaments are reproducible whatever the number of worker processes."""

from __future__ import annotations

from pathlib import Path

from accord.negotiate import tournament
from accord.negotiate.tournament import profiles

SMALL = str(Path(__file__).resolve().parent.parent / "data" / "small.yaml")


def test_same_rows_with_one_or_two_workers() -> None:
    kw = dict(repeat=2, seeds=(0, 1), rounds=30)
    a = tournament([SMALL], ["pareto", "tit-for-tat"], workers=1, **kw)  # type: ignore[arg-type]
    b = tournament([SMALL], ["pareto", "tit-for-tat"], workers=2, **kw)  # type: ignore[arg-type]
    assert a.rows == b.rows
    assert len(a.rows) == 4 * 2 * 2
    assert {r["profile"] for r in a.rows} == {"pareto/pareto", "pareto/tit-for-tat",
                                             "tit-for-tat/pareto", "tit-for-tat/tit-for-tat"}


def test_summary_aggregates_rows() -> None:
    res = tournament([SMALL], ["boulware", "conceder"], repeat=3, workers=1)
    by = {e["profile"]: e for e in res.summary}
    rows = [r for r in res.rows if r["profile"] == "boulware/conceder"]
    assert by["boulware/conceder"]["runs"] == 3
    assert by["boulware/conceder"]["agreement_rate"] == sum(r["agreement"] for r in rows) / 3


def test_profiles_are_ordered_pairs_or_multisets() -> None:
    assert len(profiles(["a", "b", "c"], 2)) == 9
    assert len(profiles(["a", "b"], 3)) == 4
