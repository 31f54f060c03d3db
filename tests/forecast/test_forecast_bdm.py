"""Bueno de Mesquita's model reproduces Scholz, Calbert and Smith's (2011) Table 2.

Their Table 2 prints, for the BDM (1994) emission-standards example with Q = 1, the median
and mean voter positions after each of 8 rounds, to one decimal. A printed figure p matches
our value v when v lies in [p - 0.05, p + 0.1): the figure is then v rounded or truncated.
"""

from __future__ import annotations

import numpy as np
import pytest

from accord.forecast import bdm
from accord.forecast.data import IssueData
from accord.forecast.deu import REPO_DATA_DIR
from accord.forecast.tables import load_table

EXAMPLES = REPO_DATA_DIR / "bdm-examples"
PUBLISHED_MEDIAN = (8.4, 9.9, 9.9, 9.9, 9.9, 7.4, 8.8, 9.6)
PUBLISHED_MEAN = (7.4, 7.5, 7.6, 7.3, 7.3, 7.4, 7.5, 7.6)
# Our rounds, pinned (regression): median and mean after each round.
OURS_MEDIAN = (8.41593, 9.61086, 9.96198, 9.96198, 9.96198, 7.47205, 8.82459, 9.67113)
OURS_MEAN = (7.46131, 7.55250, 7.59014, 7.35813, 7.34917, 7.41488, 7.51046, 7.57245)

ACTORS = ("Netherlands", "Belgium", "Luxembourg", "Germany", "France", "Italy", "UK",
          "Ireland", "Denmark", "Greece")


def emission_issue() -> IssueData:
    """BDM (1994) Table 1 as reproduced by Scholz et al. (2011) Table 1, typed in here so
    the test does not depend on the shared data folder."""
    return IssueData(
        id="emissions", name="Emission standards", actors=ACTORS,
        position=np.array([4, 7, 4, 4, 10, 10, 10, 7, 4, 7], dtype=float),
        salience=np.array([80, 40, 20, 80, 60, 60, 90, 10, 100, 70], dtype=float),
        capability=np.array([0.08, 0.08, 0.03, 0.16, 0.16, 0.16, 0.16, 0.05, 0.05, 0.08]),
        low=4, high=10)


def printed_as(value: float, printed: float) -> bool:
    return printed - 0.05 <= value < printed + 0.1


@pytest.fixture(scope="module")
def run() -> bdm.BDMRun:
    return bdm.simulate(emission_issue())


def test_initial_median_and_mean(run: bdm.BDMRun) -> None:
    assert run.initial_median == 7.0
    assert run.initial_mean == pytest.approx(7.38996, abs=1e-4)


def test_eight_rounds_pinned(run: bdm.BDMRun) -> None:
    assert len(run.rounds) == 8
    assert [r.median for r in run.rounds] == pytest.approx(OURS_MEDIAN, abs=1e-4)
    assert [r.mean for r in run.rounds] == pytest.approx(OURS_MEAN, abs=1e-4)


def test_published_means_all_rounds(run: bdm.BDMRun) -> None:
    for r, printed in zip(run.rounds, PUBLISHED_MEAN, strict=True):
        assert printed_as(r.mean, printed), (r.round, r.mean, printed)


def test_one_rounding_convention_reproduces_the_stated_count(run: bdm.BDMRun) -> None:
    ours = [r.median for r in run.rounds] + [r.mean for r in run.rounds]
    printed = list(PUBLISHED_MEDIAN) + list(PUBLISHED_MEAN)
    hits = sum(bdm.as_printed(v) == p for v, p in zip(ours, printed, strict=True))
    assert (hits, len(printed)) == bdm.REPRODUCED
    assert bdm.PRINTED == "truncated to one decimal"


def test_published_medians_all_rounds_but_the_second(run: bdm.BDMRun) -> None:
    matched = [printed_as(r.median, p) for r, p in zip(run.rounds, PUBLISHED_MEDIAN,
                                                        strict=True)]
    assert matched == [True, False, True, True, True, True, True, True]
    # The one deviation, documented in accord.forecast.bdm: round 2 prints 9.9, we get 9.61;
    # round 3's 9.96 is Belgium's compromise from exactly 9.61.
    assert run.rounds[1].median == pytest.approx(9.61086, abs=1e-4)


def test_round_one_moves(run: bdm.BDMRun) -> None:
    moves = {m.actor: m for m in run.rounds[0].moves}
    assert set(moves) == {"Belgium", "Luxembourg", "Ireland"}
    assert moves["Belgium"].kind == "compromise" and moves["Belgium"].toward == "France"
    assert moves["Belgium"].after == pytest.approx(8.41593, abs=1e-4)
    assert moves["Luxembourg"].kind == "confrontation" and moves["Luxembourg"].after == 7.0
    assert moves["Ireland"].after == 4.0
    assert "compromises with France" in moves["Belgium"].describe()


def test_round_four_belgium_turns_to_the_netherlands(run: bdm.BDMRun) -> None:
    belgium = next(m for m in run.rounds[3].moves if m.actor == "Belgium")
    assert belgium.toward == "Netherlands"
    assert belgium.after == pytest.approx(4.80088, abs=1e-4)


def test_risk_exponents_in_range(run: bdm.BDMRun) -> None:
    for r in run.rounds:
        assert np.all((r.risk >= 0.5 - 1e-12) & (r.risk <= 2 + 1e-12))


def test_printed_equation_31_reading_does_not_replicate() -> None:
    """The per-pair denominator of eq. 31 as printed misses the published round 1."""
    other = bdm.simulate(emission_issue(), bdm.BDMSettings(denominator="pair"))
    assert not printed_as(other.rounds[0].median, PUBLISHED_MEDIAN[0])


def test_mirror_image_scale_mirrors_the_run(run: bdm.BDMRun) -> None:
    """No direction on the scale is favoured: flipping positions flips every round."""
    issue = emission_issue()
    flipped = issue.with_positions(14.0 - issue.position)
    mirrored = bdm.simulate(flipped)
    assert [14.0 - r.median for r in mirrored.rounds] == pytest.approx(
        [r.median for r in run.rounds], abs=1e-9)


def test_consensus_needs_no_rounds() -> None:
    issue = emission_issue().with_positions(np.full(10, 6.0))
    out = bdm.simulate(issue)
    assert out.rounds == () and out.forecast == 6.0


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="shared forecasting data not present")
@pytest.mark.parametrize("name", ["ExampleActors.csv", "bdm1994-emission-standards.json"])
def test_shared_files_give_the_same_rounds(name: str) -> None:
    """The CSV (CR line endings) and the JSON fixture load to the same example."""
    table = load_table(EXAMPLES / name)
    out = bdm.simulate(table.issues[0])
    assert [r.median for r in out.rounds] == pytest.approx(OURS_MEDIAN, abs=1e-4)
