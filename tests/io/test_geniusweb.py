"""GeniusWeb JSON import: the four ANAC 2020 domains against reference values, reservation
bids, and refusal of other profile types."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from shared_data import needs, shared_data

from accord.io.genius import GeniusError
from accord.io.geniusweb import import_geniusweb
from accord.model import compile_scenario
from accord.solve import solve

DATA = shared_data("genius")
REF_FILE = DATA / "computed_reference_values.json"
REF = json.loads(REF_FILE.read_text())["bilateral_geniusweb"] if REF_FILE.exists() else {}
pytestmark = needs("genius", "computed_reference_values.json")


@pytest.mark.parametrize("key", sorted(REF))
def test_reference_values(key: str) -> None:
    entry = REF[key]
    d = DATA / key
    model = compile_scenario(import_geniusweb(d / entry["domain_file"],
                                              [d / p for p in entry["profiles"]]))
    assert model.size == entry["n_outcomes"]
    assert list(model.reservation) == pytest.approx(entry["reservation_bid_utility"], abs=1e-12)
    free = solve(model, "nash", individual_rationality=False)
    assert math.prod(free.packages[0].utilities.values()) == pytest.approx(
        entry["nash_d0"]["product"], abs=1e-12)
    for engine in ("enumeration", "milp"):
        rational = solve(model, "nash", engine=engine)
        assert list(rational.packages[0].utilities.values()) == pytest.approx(
            entry["nash_d_rv"]["utility"], abs=1e-9)


def test_domain_embedded_in_profile_and_bad_types(tmp_path: Path) -> None:
    d = DATA / "anl2023-geniusweb/domain00"
    prof = json.loads((d / "profileA.json").read_text())
    prof["LinearAdditiveUtilitySpace"]["domain"] = json.loads((d / "domain00.json").read_text())
    (tmp_path / "a.json").write_text(json.dumps(prof))
    s = import_geniusweb(None, [tmp_path / "a.json"])
    assert len(s.issues) == 5
    (tmp_path / "sog.json").write_text(json.dumps({"SumOfGroupsUtilitySpace": {}}))
    with pytest.raises(GeniusError, match="SumOfGroupsUtilitySpace.*not supported"):
        import_geniusweb(d / "domain00.json", [tmp_path / "sog.json"])


def test_numeric_issues_use_number_utilities(tmp_path: Path) -> None:
    domain = {"name": "n", "issuesValues": {"price": {"range": {"low": 1000, "high": 3000,
                                                                "step": 500}}}}
    prof = {"LinearAdditiveUtilitySpace": {"issueWeights": {"price": 1.0}, "issueUtilities": {
        "price": {"NumberValueSetUtilities": {"lowValue": 1000, "lowUtility": 0.4,
                                              "highValue": 3000, "highUtility": 0.9}}}}}
    (tmp_path / "d.json").write_text(json.dumps(domain))
    (tmp_path / "p.json").write_text(json.dumps(prof))
    model = compile_scenario(import_geniusweb(tmp_path / "d.json", [tmp_path / "p.json"]))
    assert model.raw_options[0] == (1000, 1500, 2000, 2500, 3000)
    assert list(model.values[0, 0, :5]) == pytest.approx([0.4, 0.525, 0.65, 0.775, 0.9])
