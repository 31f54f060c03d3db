"""The DEU III loader: its quirks (GDP row, missing saliences, garbled dates) and the split."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from accord.forecast.data import ForecastDataError
from accord.forecast.deu import (
    ACTORS,
    MISSING_SALIENCE,
    REPO_DATA_DIR,
    data_dirs,
    find_dataset,
    load_deu,
    parse_date,
    split,
)

SHARED = REPO_DATA_DIR
HAVE_DEU = (SHARED / "deu3" / "deu3.csv").is_file()
HEAD = ["prnrnmc", "isnrnmc", "prnr", "prname", "isnr", "type", "council", "proc", "counvte",
        "proccde", "issues", "intro", "finact", *(f"p{a}" for a in ACTORS),
        *(f"s{a}" for a in ACTORS), "rp", "out"]


def row(isnr: str, pos: dict[str, str], sal: dict[str, str], out: str = "50", rp: str = "0",
        intro: str = '"26-01-00"', finact: str = "1930-05-01") -> list[str]:
    r = {h: "" for h in HEAD}
    r.update({"isnr": f'"{isnr}"', "prname": '"documents"', "proc": '"COD"',
              "counvte": '"QMV"', "intro": intro, "finact": finact, "rp": rp, "out": out})
    r.update({f"p{k}": v for k, v in pos.items()})
    r.update({f"s{k}": v for k, v in sal.items()})
    return [r[h] for h in HEAD]


def write(tmp_path: Path, rows: list[list[str]], cap_row: bool = True) -> Path:
    lines = ["\t".join(f'"{h}"' for h in HEAD)]
    if cap_row:
        cap = {h: "" for h in HEAD}
        cap.update({f"p{a}": f'"{1 + k / 10:g}"' for k, a in enumerate(ACTORS)})
        lines.append("\t".join(cap[h] for h in HEAD))
    lines += ["\t".join(r) for r in rows]
    path = tmp_path / "deu.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_capability_row_is_read_not_an_issue(tmp_path: Path) -> None:
    path = write(tmp_path, [row("i1", {"com": "100", "de": "0"}, {"com": "80", "de": "20"})])
    table, info = load_deu(path)
    assert info.capability_row and info.rows == 1 and len(table.issues) == 1
    issue = table.issues[0]
    assert issue.actors == ("com", "de")
    assert issue.capability.tolist() == [1.0, 1 + ACTORS.index("de") / 10]


def test_without_capability_row_everyone_counts_one(tmp_path: Path) -> None:
    path = write(tmp_path, [row("i1", {"com": "100", "de": "0"}, {"com": "80", "de": "20"})],
                 cap_row=False)
    table, info = load_deu(path)
    assert not info.capability_row
    assert table.issues[0].capability.tolist() == [1.0, 1.0]


def test_missing_salience_is_fifty_and_missing_position_drops_the_actor(tmp_path: Path
                                                                         ) -> None:
    path = write(tmp_path, [row("i1", {"com": "100", "fr": "40"}, {"com": "80", "it": "30"})])
    table, info = load_deu(path)
    issue = table.issues[0]
    assert issue.actors == ("com", "fr")  # Italy has a salience but no position
    assert issue.salience.tolist() == [80.0, MISSING_SALIENCE]
    assert info.filled_salience == 1


def test_rows_without_outcome_are_left_out_but_counted(tmp_path: Path) -> None:
    path = write(tmp_path, [row("a", {"com": "1"}, {}), row("b", {"com": "2"}, {}, out=""),
                            row("c", {"com": "3"}, {}, rp="")])
    table, info = load_deu(path)
    assert [i.id for i in table.issues] == ["a", "c"]
    assert info.rows == 3 and info.with_outcome == 2
    assert table.issues[1].reference is None and table.issues[0].reference == 0.0
    everything, _ = load_deu(path, only_with_outcome=False)
    assert len(everything.issues) == 3


@pytest.mark.parametrize(("text", "date"), [
    ("1930-05-01", dt.date(2001, 5, 30)),  # dd-mm-yy read as yy-mm-dd
    ("2029-10-08", dt.date(2008, 10, 29)),
    ("2014-07-04", dt.date(2004, 7, 14)),
    ("26-01-00", dt.date(2000, 1, 26)),
    ("17-04-96", dt.date(1996, 4, 17)),
    ("02-02-2016", dt.date(2016, 2, 2)),
    ("999", None),
    ("", None),
    ("2031-02-30", None),
])
def test_dates(text: str, date: dt.date | None) -> None:
    assert parse_date(text) == date


def test_dates_land_in_meta(tmp_path: Path) -> None:
    path = write(tmp_path, [row("i", {"com": "1"}, {}, finact="999")])
    table, info = load_deu(path)
    assert table.issues[0].meta["intro"] == "2000-01-26"
    assert table.issues[0].meta["finact"] == ""
    assert info.unknown_dates == 1


def test_bad_cell_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, [row("i", {"com": "lots"}, {})])
    with pytest.raises(ForecastDataError) as exc:
        load_deu(path)
    assert exc.value.file == str(path)
    assert exc.value.field == "line 3, column pcom"


def test_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("isnr\tout\n1\t2\n", encoding="utf-8")
    with pytest.raises(ForecastDataError) as exc:
        load_deu(path)
    assert exc.value.field == "header" and "proc" in exc.value.problem


def test_unknown_dataset_and_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ForecastDataError, match="not a known dataset"):
        find_dataset("deu9")
    with pytest.raises(ForecastDataError) as exc:
        find_dataset("deu3", tmp_path)
    assert "--data-dir" in exc.value.fix


def test_split_alternates(tmp_path: Path) -> None:
    path = write(tmp_path, [row(str(k), {"com": "1"}, {}, out="" if k == 2 else "5")
                            for k in range(6)])
    table, _ = load_deu(path)
    dev, held = split(table.issues)
    # Row "2" has no outcome, so it does not count when alternating.
    assert [i.id for i in dev] == ["0", "3", "5"] and [i.id for i in held] == ["1", "4"]


@pytest.mark.skipif(not HAVE_DEU, reason="shared DEU III file not present")
def test_the_real_file() -> None:
    table, info = load_deu(find_dataset("deu3", SHARED))
    assert (info.rows, info.with_outcome, len(table.issues)) == (364, 353, 353)
    assert info.capability_row and info.filled_salience == 54
    first = table.issues[0]
    assert first.id == "d00032i1" and first.outcome == 100.0
    de = first.actors.index("de")
    assert first.capability[de] == 4.1 and first.capability[first.actors.index("com")] == 4.1
    dev, held = split(table.issues)
    assert (len(dev), len(held)) == (177, 176)
    assert dev[0] is first and held[0] is table.issues[1]
    dated = [i for i in table.issues if i.meta["intro"] and i.meta["finact"]]
    assert all(i.meta["intro"] <= i.meta["finact"] for i in dated)  # decoded dates in order
    assert min(i.meta["intro"] for i in dated) >= "1996"


def test_search_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACCORD_FORECAST_DATA", raising=False)
    assert data_dirs() == [REPO_DATA_DIR]
    assert REPO_DATA_DIR.parts[-3:] == ("shared", "data", "forecasting")
    monkeypatch.setenv("ACCORD_FORECAST_DATA", str(tmp_path / "env"))
    assert data_dirs() == [tmp_path / "env", REPO_DATA_DIR]
    assert data_dirs(tmp_path) == [tmp_path]  # an explicit folder is the only one
    (tmp_path / "env" / "deu3").mkdir(parents=True)
    (tmp_path / "env" / "deu3" / "deu3.csv").write_text("x")
    assert find_dataset("deu3") == tmp_path / "env" / "deu3" / "deu3.csv"
    with pytest.raises(ForecastDataError) as exc:
        find_dataset("deu3", tmp_path / "nowhere")
    assert str(REPO_DATA_DIR) not in exc.value.problem


@pytest.mark.skipif(not (SHARED / "deu3" / "deu3.csv").is_file(), reason="no shared data")
def test_found_beside_the_checkout_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACCORD_FORECAST_DATA", raising=False)
    monkeypatch.chdir("/")  # not relative to the working directory
    assert find_dataset("deu3") == REPO_DATA_DIR / "deu3" / "deu3.csv"
