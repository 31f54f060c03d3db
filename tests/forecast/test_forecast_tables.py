"""Actor tables: KTAB CSV and XML, the BDM CSV, JSON; and one-line errors for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.forecast.data import ForecastDataError
from accord.forecast.deu import REPO_DATA_DIR
from accord.forecast.tables import is_actor_table, load_table

SHARED = REPO_DATA_DIR
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="shared data not present")

KTAB = ("Two dims; scen 2,Scenario-0002;Combined, 3, 2, \n"
        "Actor,Description,Influence,Policy Position,Policy Salience,"
        "Competitive Position,Competitive Salience, \n"
        "XJ,Xi Jinping,                 100.0,30,24.0,20,48.0, \n"
        "LK,Li Keqiang,                  60.2,45,44.7,65,41.3, \n"
        "ZG,Zhang Gaoli,                 35.0,30,28.9,15,65.1, \n")


def test_ktab_csv_two_dimensions(tmp_path: Path) -> None:
    path = tmp_path / "k.csv"
    path.write_text(KTAB, encoding="utf-8")
    table = load_table(path)
    assert table.kind == "ktab-csv" and table.name == "Two dims; scen 2"
    assert [i.id for i in table.issues] == ["policy", "competitive"]
    comp = table.issues[1]
    assert comp.actors == ("XJ", "LK", "ZG") and comp.actor_names[0] == "Xi Jinping"
    assert comp.position.tolist() == [20, 65, 15]
    assert comp.salience.tolist() == [48.0, 41.3, 65.1]
    assert comp.capability.tolist() == [100.0, 60.2, 35.0]
    assert (comp.low, comp.high) == (0.0, 100.0)


def test_ktab_csv_count_mismatch(tmp_path: Path) -> None:
    path = tmp_path / "k.csv"
    path.write_text(KTAB.replace(", 3, 2,", ", 4, 2,"), encoding="utf-8")
    with pytest.raises(ForecastDataError) as exc:
        load_table(path)
    assert "says 4 actors but 3 rows follow" in exc.value.problem


def test_ktab_csv_bad_number_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "k.csv"
    path.write_text(KTAB.replace("45,44.7", "high,44.7"), encoding="utf-8")
    with pytest.raises(ForecastDataError) as exc:
        load_table(path)
    assert exc.value.field == "line 4, Policy Position"


def test_bdm_csv_with_cr_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_bytes(b"Actor,Capability,Position,Salience\rA,0.5,4,80\rB,0.5,10,40")
    table = load_table(path)
    issue = table.issues[0]
    assert table.kind == "bdm-csv" and issue.actors == ("A", "B")
    assert (issue.low, issue.high) == (4.0, 10.0) and issue.salience.tolist() == [80, 40]


def test_bdm_csv_saliences_on_zero_one_are_rescaled(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("Actor,Capability,Position,Salience\nA,1,4,0.8\nB,1,10,0.4\n")
    table = load_table(path)
    assert table.issues[0].salience.tolist() == pytest.approx([80, 40])
    assert "scaled to 0-100" in table.warnings[0]


@pytest.mark.parametrize(("text", "field"), [
    ("Actor,Position\nA,1\n", "header"),
    ("Actor,Capability,Position,Salience\nA,1,4,180\n", "line 2 salience"),
    ("Actor,Capability,Position,Salience\nA,-1,4,80\n", "line 2 capability"),
    ("Actor,Capability,Position,Salience\nA,1,4,80\nA,1,5,80\n", "actor 'A'"),
    ("Actor,Capability,Position,Salience\nA,1,nan,80\n", "line 2, Position"),
])
def test_bdm_csv_errors(tmp_path: Path, text: str, field: str) -> None:
    path = tmp_path / "b.csv"
    path.write_text(text)
    with pytest.raises(ForecastDataError) as exc:
        load_table(path)
    assert exc.value.field == field and exc.value.file == str(path) and exc.value.fix


XML = """\ufeff<?xml version="1.0" encoding="UTF-8"?>
<Scenario><name>T</name>
 <ModelParameters><VictoryProbModel>Quartic</VictoryProbModel></ModelParameters>
 <Dimensions><dName>One</dName><dName>Two</dName></Dimensions>
 <Actors>
  <Actor><name>A</name><capability>10</capability>
   <Position><dCoord></dCoord><dCoord>40</dCoord></Position>
   <Salience><dSal>30</dSal><dSal>20</dSal></Salience></Actor>
  <Actor><name>B</name><capability>20</capability>
   <Position><dCoord>15</dCoord><dCoord>60</dCoord></Position>
   <Salience><dSal>25</dSal><dSal>35</dSal></Salience></Actor>
 </Actors></Scenario>"""


def test_ktab_xml_with_bom_and_an_empty_coordinate(tmp_path: Path) -> None:
    path = tmp_path / "s.xml"
    path.write_bytes(XML.encode("utf-8"))
    table = load_table(path)
    one, two = table.issues
    assert one.actors == ("B",) and "A: no position on One" in one.skipped[0]
    assert two.actors == ("A", "B") and two.position.tolist() == [40, 60]
    assert table.params["VictoryProbModel"] == "Quartic"
    assert any("empty dCoord" in w for w in table.warnings)


def test_reform_priorities_xml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rp.xml"
    path.write_text("<Scenario><govBudget>1</govBudget></Scenario>")
    with pytest.raises(ForecastDataError, match="Reform-Priorities"):
        load_table(path)


def test_broken_xml(tmp_path: Path) -> None:
    path = tmp_path / "x.xml"
    path.write_text("<Scenario>")
    with pytest.raises(ForecastDataError, match="well-formed"):
        load_table(path)


def test_json_actors_with_modes(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('{"question_id": "Q", "actors": ['
                    '{"id": "a", "position": {"mode": 4}, "salience": 80, "capability": 1},'
                    '{"id": "b", "position": 10, "salience": {"mode": 40}, "capability": 2}]}')
    assert is_actor_table(path)
    issue = load_table(path).issues[0]
    assert issue.position.tolist() == [4, 10] and issue.salience.tolist() == [80, 40]


def test_scenario_json_is_not_an_actor_table(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{"scenario": "x", "actors": []}')
    assert not is_actor_table(path)


def test_unknown_suffix(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("x")
    with pytest.raises(ForecastDataError, match="unknown suffix"):
        load_table(path)


@needs_shared
def test_shared_ktab_files_load() -> None:
    policy = load_table(SHARED / "ktab" / "SOE-Policy.csv").issues
    assert len(policy) == 1 and policy[0].n == 26
    assert len(load_table(SHARED / "ktab" / "SOE-Pol-Comp.csv").issues) == 2
    assert len(load_table(SHARED / "ktab" / "dummyData_3Dim.csv").issues) == 3
    xml = load_table(SHARED / "ktab" / "smpExample.xml")
    assert [i.n for i in xml.issues] == [4, 5, 5]
    cases = load_table(SHARED / "ktab" / "ktab-china-2014-outcomes.json").issues
    assert [i.n for i in cases] == [26, 34]


@pytest.mark.parametrize("continuum", ['"Tariffs"', "[1, 2]", "3"])
def test_json_continuum_must_be_an_object(tmp_path: Path, continuum: str) -> None:
    path = tmp_path / "a.json"
    path.write_text('{"question_id": "Q", "continuum": ' + continuum + ', "actors": ['
                    '{"id": "a", "position": 4, "salience": 80, "capability": 1}]}')
    with pytest.raises(ForecastDataError) as exc:
        load_table(path)
    assert exc.value.field == "continuum" and "not an object" in exc.value.problem
    path.write_text('{"question_id": "Q", "continuum": {"label": "Tariffs"}, "actors": ['
                    '{"id": "a", "position": 4, "salience": 80, "capability": 1}]}')
    assert load_table(path).issues[0].name == "Tariffs"
