"""Malformed Genius and GeniusWeb files give one GeniusError naming the file, never a crash;
a folder of them is a one-line ScenarioError, and the import commands exit 2 with one line."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.io import load_scenario
from accord.io.genius import GeniusError, import_genius
from accord.io.geniusweb import import_geniusweb
from accord.model import Scenario, ScenarioError

DOMAIN: dict[str, Any] = {
    "name": "tiny",
    "issuesValues": {"a": {"values": ["x", "y"]},
                     "price": {"range": {"low": 10, "high": 30, "step": 10}}},
}
PROFILE: dict[str, Any] = {"LinearAdditiveUtilitySpace": {
    "issueUtilities": {
        "a": {"DiscreteValueSetUtilities": {"valueUtilities": {"x": 1.0, "y": 0.25}}},
        "price": {"numberutils": {"lowValue": 10, "lowUtility": 0.0, "highValue": 30,
                                  "highUtility": 1.0}},
    },
    "issueWeights": {"a": 0.4, "price": 0.6},
    "reservationBid": {"issuevalues": {"a": "y", "price": 20}},
    "domain": DOMAIN,
    "name": "p",
}}

GENIUS_DOMAIN = """<?xml version="1.0" encoding="UTF-8"?>
<negotiation_template><utility_space number_of_issues="2">
<objective index="0" name="root" type="objective" etype="objective">
<issue index="1" name="a" etype="discrete" type="discrete" vtype="discrete">
<item index="1" value="x"/><item index="2" value="y"/></issue>
<issue index="2" name="n" etype="integer" type="integer" vtype="integer" lowerbound="1"
 upperbound="3"/>
</objective></utility_space></negotiation_template>
"""
GENIUS_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<utility_space><objective index="0" name="root" type="objective" etype="objective">
<issue index="1" name="a" etype="discrete" type="discrete" vtype="discrete">
<item index="1" value="x" evaluation="1"/><item index="2" value="y" evaluation="0.5"/></issue>
<issue index="2" name="n" etype="integer" type="integer" vtype="integer" lowerbound="1"
 upperbound="3"><evaluator ftype="linear" offset="0" slope="0.5"/></issue>
<weight index="1" value="0.3"/><weight index="2" value="0.7"/>
</objective><discount_factor value="0.9"/><reservation value="0.2"/></utility_space>
"""


def _write_gw(tmp: Path, profile: Any, domain: Any = DOMAIN) -> tuple[Path, Path]:
    (tmp / "domain.json").write_text(json.dumps(domain))
    (tmp / "prof.json").write_text(json.dumps(profile))
    return tmp / "domain.json", tmp / "prof.json"


def _one_line_error(exc: BaseException, file: Path) -> None:
    msg = str(exc)
    assert "\n" not in msg and str(file.parent) in msg, msg


def _import_or_refuse_gw(tmp: Path, profile: Any, domain: Any = DOMAIN) -> None:
    d, p = _write_gw(tmp, profile, domain)
    for dom in (d, None):
        try:
            s = import_geniusweb(dom, [p, p])
        except GeniusError as exc:
            _one_line_error(exc, p)
        else:
            assert isinstance(s, Scenario)


# --- the reviewed cases ----------------------------------------------------------------------


def _without(path: list[str]) -> dict[str, Any]:
    prof = copy.deepcopy(PROFILE)
    node = prof["LinearAdditiveUtilitySpace"]
    for k in path[:-1]:
        node = node[k]
    del node[path[-1]]
    return prof


def _with(path: list[str], value: Any) -> dict[str, Any]:
    prof = copy.deepcopy(PROFILE)
    node = prof["LinearAdditiveUtilitySpace"]
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    return prof


@pytest.mark.parametrize("profile,pattern", [
    (_without(["issueUtilities", "price", "numberutils", "highUtility"]),
     r"issue 'price': `numberutils` lacks 'highUtility'; fix:"),
    (_with(["issueUtilities", "price"], "linear"), r"issue 'price'.*not an object; fix:"),
    (_with(["issueUtilities", "a", "DiscreteValueSetUtilities"], [1, 2]),
     r"issue 'a'.*`DiscreteValueSetUtilities` is list, not an object"),
    (_with(["issueUtilities", "a", "DiscreteValueSetUtilities", "valueUtilities", "x"], "hi"),
     r"valueUtilities\['x'\] is 'hi', not a number"),
    (_with(["issueWeights", "a"], None), r"issueWeights\['a'\] is None, not a number"),
    (_with(["issueWeights", "a"], -0.5), r"issueWeights\['a'\] is -0.5; fix: give weights"),
    (_with(["reservationBid", "issuevalues", "a"], "z"),
     r"reservationBid value 'z' for issue 'a' is not in the domain; fix: use one of x, y"),
    (_with(["reservationBid", "issuevalues", "price"], 25),
     r"reservationBid value 25 for issue 'price' is not in the domain"),
    (_with(["reservationBid", "issuevalues"], {"b": "x"}), r"reservationBid names issue 'b'"),
    (_with(["reservationBid"], "x"), r"`reservationBid` is str, not an object"),
    (_with(["issueUtilities"], []), r"`issueUtilities` is list, not an object"),
    ({"LinearAdditiveUtilitySpace": 3}, r"`LinearAdditiveUtilitySpace` is int, not an object"),
])
def test_malformed_geniusweb_profile_names_file_element_and_fix(
        tmp_path: Path, profile: dict[str, Any], pattern: str) -> None:
    d, p = _write_gw(tmp_path, profile)
    with pytest.raises(GeniusError, match=pattern) as err:
        import_geniusweb(d, [p, p])
    assert str(err.value).startswith(str(p)) and "\n" not in str(err.value)


@pytest.mark.parametrize("domain,pattern", [
    ({"issuesValues": {"a": "x,y"}}, r"issue 'a'.*not an object"),
    ({"issuesValues": {"a": {"values": "x"}}}, r"`values` is str, not a non-empty list"),
    ({"issuesValues": {"a": {"values": [{"v": 1}]}}}, r"value \{'v': 1\} is not a string"),
    ({"issuesValues": {"a": {"range": {"low": 0, "high": "9", "step": 1}}}},
     r"range 'high' is '9', not a number"),
    ({"issuesValues": {"a": {"range": {"low": 0, "high": 1e9, "step": 1e-3}}}},
     r"more than \d+ values; fix: use a coarser step"),
])
def test_malformed_geniusweb_domain(tmp_path: Path, domain: dict[str, Any],
                                    pattern: str) -> None:
    d, p = _write_gw(tmp_path, PROFILE, domain)
    with pytest.raises(GeniusError, match=pattern) as err:
        import_geniusweb(d, [p])
    assert str(err.value).startswith(str(d))


@pytest.mark.parametrize("root", [[1, 2], "profile", None, {"LinearAdditiveUtilitySpace": []}])
def test_profile_with_a_non_object_root_and_no_domain_file(tmp_path: Path, root: Any) -> None:
    _, p = _write_gw(tmp_path, root)
    with pytest.raises(GeniusError, match=re.escape(str(p))):
        import_geniusweb(None, [p])


def test_a_folder_of_malformed_profiles_is_a_one_line_scenario_error(tmp_path: Path) -> None:
    bad = _without(["issueUtilities", "price", "numberutils", "highUtility"])
    _write_gw(tmp_path, bad)
    (tmp_path / "other.json").write_text(json.dumps(PROFILE))
    with pytest.raises(ScenarioError) as err:
        load_scenario(tmp_path)
    [problem] = err.value.problems
    assert "highUtility" in str(problem) and "\n" not in str(problem)


def test_cli_commands_exit_2_with_one_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = _without(["issueUtilities", "price", "numberutils", "highUtility"])
    d, p = _write_gw(tmp_path, bad)
    r = cli("import", "geniusweb", d, p, p, "-o", tmp_path / "o.yaml")
    assert r.code == 2 and "highUtility" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r2 = cli("solve", tmp_path)
    assert r2.code == 2 and "highUtility" in r2.stderr, r2.stderr
    assert len(r2.stderr.strip().splitlines()) == 1
    (tmp_path / "domain.xml").write_text(GENIUS_DOMAIN)
    (tmp_path / "prof.xml").write_text(GENIUS_PROFILE.replace('slope="0.5"', 'slope="inf"'))
    r3 = cli("import", "genius", tmp_path / "domain.xml", tmp_path / "prof.xml",
             tmp_path / "prof.xml", "-o", tmp_path / "g.yaml")
    assert r3.code == 2 and "slope" in r3.stderr, r3.stderr
    assert len(r3.stderr.strip().splitlines()) == 1


# --- Genius XML ------------------------------------------------------------------------------


@pytest.mark.parametrize("domain,profile,pattern", [
    (GENIUS_DOMAIN, GENIUS_PROFILE.replace('value="0.3"', 'value="nan"'),
     r"<weight value='nan'> is not a finite number"),
    (GENIUS_DOMAIN, GENIUS_PROFILE.replace('value="0.3"', 'value="-0.3"'),
     r"<weight value='-0.3'>.*fix: give weights >= 0"),
    (GENIUS_DOMAIN.replace('upperbound="3"', 'upperbound="inf"'), GENIUS_PROFILE,
     r"<issue upperbound='inf'> is not a finite number"),
    (GENIUS_DOMAIN.replace('upperbound="3"', 'upperbound="1e12"'), GENIUS_PROFILE,
     r"integer issue 'n' has more than \d+ values"),
    (GENIUS_DOMAIN.replace('upperbound="3"', 'upperbound="0"'), GENIUS_PROFILE,
     r"integer issue 'n' has lowerbound 1.0 above upperbound 0.0"),
    (GENIUS_DOMAIN, GENIUS_PROFILE.replace('evaluation="0.5"', 'evaluation="half"'),
     r"<item evaluation='half'> is not a number"),
    (GENIUS_DOMAIN, GENIUS_PROFILE.replace('<reservation value="0.2"/>', "<reservation/>"),
     r"<reservation> lacks attribute 'value'"),
    (GENIUS_DOMAIN, GENIUS_PROFILE.replace('<reservation value="0.2"/>',
                                           '<reservation value="7"/>'),
     r"not valid: .*reservation"),
])
def test_malformed_genius_files(tmp_path: Path, domain: str, profile: str,
                                pattern: str) -> None:
    (tmp_path / "d.xml").write_text(domain)
    (tmp_path / "p.xml").write_text(profile)
    with pytest.raises(GeniusError, match=pattern) as err:
        import_genius(tmp_path / "d.xml", [tmp_path / "p.xml", tmp_path / "p.xml"])
    assert str(tmp_path) in str(err.value) and "\n" not in str(err.value)


# --- fuzz ------------------------------------------------------------------------------------

FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
JUNK = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**12), st.floats(),
                 st.text(max_size=5), st.lists(st.integers(), max_size=3),
                 st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for k, v in enumerate(node):
            out += _paths(v, (*prefix, k))
    return out


def _mutate(doc: Any, data: st.DataObject) -> Any:
    doc = copy.deepcopy(doc)
    for _ in range(data.draw(st.integers(1, 3))):
        paths = _paths(doc)
        path = data.draw(st.sampled_from(paths))
        if not path:
            doc = data.draw(JUNK)
            continue
        parent = doc
        try:
            for k in path[:-1]:
                parent = parent[k]
            if data.draw(st.booleans()) and isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent[path[-1]] = data.draw(JUNK)
        except (KeyError, IndexError, TypeError):
            continue
    return doc


@FUZZ
@given(data=st.data())
def test_fuzzed_geniusweb_profiles_give_only_genius_errors(tmp_path: Path,
                                                           data: st.DataObject) -> None:
    _import_or_refuse_gw(tmp_path, _mutate(PROFILE, data))


@FUZZ
@given(data=st.data())
def test_fuzzed_geniusweb_domains_give_only_genius_errors(tmp_path: Path,
                                                          data: st.DataObject) -> None:
    d, p = _write_gw(tmp_path, PROFILE, _mutate(DOMAIN, data))
    try:
        import_geniusweb(d, [p])
    except GeniusError as exc:
        _one_line_error(exc, d)


ATTR = re.compile(r'(\w+)="([^"]*)"')


@FUZZ
@given(data=st.data())
def test_fuzzed_genius_xml_gives_only_genius_errors(tmp_path: Path,
                                                    data: st.DataObject) -> None:
    texts = [GENIUS_DOMAIN, GENIUS_PROFILE]
    for _ in range(data.draw(st.integers(1, 3))):
        which = data.draw(st.integers(0, 1))
        spots = list(ATTR.finditer(texts[which]))
        m = data.draw(st.sampled_from(spots))
        new = data.draw(st.sampled_from(["", "nan", "inf", "-1", "1e300", "x", "0", "99999999",
                                         "2.5", "drop"]))
        repl = "" if new == "drop" else f'{m.group(1)}="{new}"'
        texts[which] = texts[which][:m.start()] + repl + texts[which][m.end():]
    (tmp_path / "d.xml").write_text(texts[0])
    (tmp_path / "p.xml").write_text(texts[1])
    try:
        import_genius(tmp_path / "d.xml", [tmp_path / "p.xml", tmp_path / "p.xml"])
    except GeniusError as exc:
        _one_line_error(exc, tmp_path / "p.xml")


@pytest.mark.parametrize("swap,named", [
    (('name="a"', 'name="colour"'), "'colour'"),
    (('value="y" evaluation', 'value="zz" evaluation'), "'zz'"),
])
def test_profile_of_another_domain_is_refused_naming_the_foreign_item(
        tmp_path: Path, run_cli: Any, swap: tuple[str, str], named: str) -> None:
    (tmp_path / "d.xml").write_text(GENIUS_DOMAIN)
    (tmp_path / "p.xml").write_text(GENIUS_PROFILE.replace(*swap))
    with pytest.raises(GeniusError, match=named):
        import_genius(tmp_path / "d.xml", [tmp_path / "p.xml"])
    r = run_cli("import", "genius", tmp_path / "d.xml", tmp_path / "p.xml",
                "-o", tmp_path / "out.yaml")
    assert r.code == 2 and named in r.stderr and "not in the domain" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.yaml").exists()


def test_genius_names_become_safe_ids_and_export_writes_the_names_back(tmp_path: Path) -> None:
    from accord.io.genius import export_genius

    domain = GENIUS_DOMAIN.replace('name="a"', 'name="Bread type"')
    profile = GENIUS_PROFILE.replace('name="a"', 'name="Bread type"')
    (tmp_path / "d.xml").write_text(domain)
    (tmp_path / "my profile.xml").write_text(profile)
    s = import_genius(tmp_path / "d.xml", [tmp_path / "my profile.xml"])
    assert s.issues[0].id == "Bread_type" and s.issues[0].name == "Bread type"
    assert s.parties[0].id == "my_profile"
    paths, _ = export_genius(s, tmp_path / "out")
    assert 'name="Bread type"' in paths[0].read_text()
    again = import_genius(paths[0], paths[1:], ["my_profile"])
    assert [(i.id, i.name) for i in again.issues] == [(i.id, i.name) for i in s.issues]
    assert again.preferences["my_profile"].values == s.preferences["my_profile"].values


def test_geniusweb_names_become_safe_ids(tmp_path: Path) -> None:
    domain = copy.deepcopy(DOMAIN)
    domain["issuesValues"]["Bread type"] = domain["issuesValues"].pop("a")
    prof = copy.deepcopy(PROFILE)
    space = prof["LinearAdditiveUtilitySpace"]
    space["domain"] = domain
    space["issueUtilities"]["Bread type"] = space["issueUtilities"].pop("a")
    space["issueWeights"]["Bread type"] = space["issueWeights"].pop("a")
    space["reservationBid"]["issuevalues"]["Bread type"] = \
        space["reservationBid"]["issuevalues"].pop("a")
    d, p = _write_gw(tmp_path, prof, domain)
    s = import_geniusweb(d, [p])
    ids = {i.id: i.name for i in s.issues}
    assert ids["Bread_type"] == "Bread type"
    assert s.parties[0].reservation == pytest.approx(0.4 * 0.25 + 0.6 * 0.5)
