"""Genius XML import/export against the shared domains: Genius's utility semantics, tolerant
reading of the faulty originals, refusal of non-linear profiles, and exact round trips."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from shared_data import needs, shared_data

from accord.io import load_scenario, save_scenario
from accord.io.genius import GeniusError, export_genius, import_genius
from accord.model import compile_scenario
from accord.model.compiled import CompiledModel
from accord.solve import solve

DATA = shared_data("genius")
REF_FILE = DATA / "computed_reference_values.json"
REF = json.loads(REF_FILE.read_text()) if REF_FILE.exists() else {"bilateral": {},
                                                                  "multilateral": {}}
CASES = [(k, v) for group in ("bilateral", "multilateral") for k, v in REF[group].items()]
pytestmark = needs("genius", "computed_reference_values.json")


def load_case(key: str, entry: dict) -> tuple[CompiledModel, object]:  # type: ignore[type-arg]
    folder = DATA / key.split(":")[0].split("/")[0]
    scenario = import_genius(folder / entry["domain_file"],
                             [folder / p for p in entry["profiles"]])
    return compile_scenario(scenario), scenario


@pytest.mark.parametrize("key,entry", CASES, ids=[k.split(":")[0] for k, _ in CASES])
def test_reference_values_under_genius_semantics(key: str, entry: dict) -> None:  # type: ignore[type-arg]
    model, _ = load_case(key, entry)
    assert model.size == entry["n_outcomes"]
    nash = solve(model, "nash", individual_rationality=False)
    assert nash.optimal
    product = math.prod(nash.packages[0].utilities.values())
    assert product == pytest.approx(math.prod(entry["nash_d0"]["utility"]), abs=1e-9)
    util = solve(model, "utilitarian", individual_rationality=False)
    assert sum(util.packages[0].utilities.values()) == pytest.approx(
        entry["utilitarian"]["sum"], abs=1e-9)
    egal = solve(model, "egalitarian", individual_rationality=False)
    assert min(egal.packages[0].utilities.values()) == pytest.approx(
        entry["egalitarian"]["min"], abs=1e-9)
    assert list(model.reservation) == pytest.approx([r or 0.0 for r in entry["reservation"]])


@pytest.mark.parametrize("key,entry", CASES, ids=[k.split(":")[0] for k, _ in CASES])
def test_round_trip_keeps_utilities(key: str, entry: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    model, scenario = load_case(key, entry)
    paths, warnings = export_genius(scenario, tmp_path / "out")  # type: ignore[arg-type]
    assert warnings == []
    again = compile_scenario(import_genius(paths[0], paths[1:],
                                           party_ids=list(model.party_ids)))
    assert again.options == model.options
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.integers(0, n, 2000) for n in model.n_options])
    assert np.allclose(again.utilities(x), model.utilities(x), rtol=0, atol=1e-12)
    assert np.allclose(again.reservation, model.reservation)
    # And through the scenario file format.
    save_scenario(scenario, tmp_path / "s.yaml")  # type: ignore[arg-type]
    reread = compile_scenario(load_scenario(tmp_path / "s.yaml"))
    assert np.allclose(reread.utilities(x), model.utilities(x), rtol=0, atol=1e-12)


def test_faulty_originals_are_read_tolerantly() -> None:
    car = import_genius(DATA / "anac2011-Car/adg.xml", [DATA / "anac2011-Car/adg_deal.xml",
                                                        DATA / "anac2011-Car/adg_deal2.xml"])
    assert compile_scenario(car).size == 15625
    sym = DATA / "anac2015-Symposium"
    s = import_genius(sym / "symposium.xml", [sym / "Symposium-Profile1.xml"])
    assert any("Coffee & Thee" in map(str, i.options) for i in s.issues)
    fb = DATA / "anac2012-FlightBooking"
    f = import_genius(fb / "FlightBooking-A-domain.xml", [fb / "FlightBooking-A-prof1.xml"])
    assert compile_scenario(f).size == 36  # Sep4_2011 is listed twice in the domain


def test_price_evaluator_is_refused_by_name() -> None:
    d = DATA / "genius-2ndHandCar"
    with pytest.raises(GeniusError, match="car_dealer.xml.*Price.*price evaluation.*not "
                                          "supported"):
        import_genius(d / "car_domain.xml", [d / "car_dealer.xml"])


def test_nonlinear_profiles_are_refused_by_name() -> None:
    d = DATA / "anac2014-10issues"
    profile = next(p for p in sorted(d.glob("*.xml")) if "profile" in p.name)
    with pytest.raises(GeniusError, match="non-linear utility space.*hyperRectangle.*not "
                                          "supported"):
        import_genius(d / "10issues-domain.xml", [profile])


def test_real_issues_on_a_grid_are_exact_at_grid_points() -> None:
    d = DATA / "genius-SingleRealIssue"
    s = import_genius(d / "single_issue_domain.xml", [d / "buyer_utility.xml"], real_steps=7)
    model = compile_scenario(s)
    grid = [float(o) for o in model.raw_options[0]]
    assert grid == pytest.approx(list(np.linspace(10.0, 40.0, 7)))
    expected = [min(1.0, max(0.0, 1.3333333333 - 0.033333333 * x)) for x in grid]
    assert list(model.utilities(np.arange(7)[:, None])[:, 0]) == pytest.approx(expected,
                                                                               abs=1e-15)
    son = DATA / "genius-SON"
    profiles = sorted(son.glob("son_*.xml"))[:3]
    s2 = import_genius(son / "son_domain.xml", profiles, real_steps=5)
    assert compile_scenario(s2).size == 5 ** 4


def test_cli_import_and_export(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    d = DATA / "anac2010-ItexvsCypress"
    out = tmp_path / "itex.yaml"
    r = cli("import", "genius", d / "ItexvsCypress_domain.xml", d / "ItexvsCypress_Itex.xml",
            d / "ItexvsCypress_Cypress.xml", "-o", out, "--parties", "itex,cypress")
    assert r.code == 0, r.stderr
    s = load_scenario(out)
    assert s.scored_party_ids == ["itex", "cypress"]
    r2 = cli("export", "genius", out, "-o", tmp_path / "xml")
    assert r2.code == 0, r2.stderr
    assert len(list((tmp_path / "xml").glob("*.xml"))) == 3
    bad = cli("import", "genius", DATA / "anac2014-10issues/10issues-domain.xml",
              DATA / "anac2014-10issues/profile-1.xml", "-o", tmp_path / "x.yaml")
    if (DATA / "anac2014-10issues/profile-1.xml").exists():
        assert bad.code == 2 and "not supported" in bad.stderr
        assert len(bad.stderr.strip().splitlines()) == 1
    missing = cli("import", "genius", tmp_path / "none.xml", d / "ItexvsCypress_Itex.xml",
                  "-o", tmp_path / "y.yaml")
    assert missing.code == 2 and "none.xml" in missing.stderr


@pytest.mark.parametrize("folder,domain", [("genius-SingleRealIssue", "single_issue_domain.xml"),
                                           ("genius-2ndHandCar", "car_domain.xml"),
                                           ("genius-SON", "son_domain.xml")])
def test_round_trip_of_real_issue_domains(folder: str, domain: str, tmp_path: Path) -> None:
    d = DATA / folder
    profiles = [p for p in sorted(d.glob("*.xml")) if p.name not in (domain, "car_dealer.xml")
                ][:2]
    scenario = import_genius(d / domain, profiles, real_steps=5)
    model = compile_scenario(scenario)
    paths, _ = export_genius(scenario, tmp_path)
    again = compile_scenario(import_genius(paths[0], paths[1:], list(model.party_ids)))
    x = np.array(np.meshgrid(*[np.arange(n) for n in model.n_options])).reshape(
        model.n_issues, -1).T[:5000]
    # Real grids come back as discrete items; Genius's per-issue rescaling is undone by the
    # weights, up to the common factor the export warns about (none here: best values are 1).
    assert np.allclose(again.utilities(x), model.utilities(x), atol=1e-12)


def test_export_warns_when_genius_cannot_express_a_profile(small_scenario, tmp_path: Path
                                                           ) -> None:  # type: ignore[no-untyped-def]
    data = small_scenario.model_dump()
    data["preferences"]["a"]["values"]["bloc"] = {"join": 0.5, "neutral": 0.0}
    from accord.model import parse_scenario

    scenario, _ = parse_scenario(data)
    paths, warnings = export_genius(scenario, tmp_path)
    assert len(warnings) == 1 and warnings[0].startswith("a:")
    factor = float(warnings[0].rsplit(" ", 1)[1])
    model = compile_scenario(scenario)
    again = compile_scenario(import_genius(paths[0], paths[1:], list(model.party_ids)))
    x = np.array(np.meshgrid(*[np.arange(n) for n in model.n_options])).reshape(3, -1).T
    assert np.allclose(again.utilities(x)[:, 0] * factor, model.utilities(x)[:, 0], atol=1e-6)
    assert np.allclose(again.utilities(x)[:, 1], model.utilities(x)[:, 1], atol=1e-12)
