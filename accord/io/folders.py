"""A Genius or GeniusWeb domain folder read as a scenario, so any command takes a folder.

Genius folders hold one domain file (root `negotiation_template`) and utility-space files
(root `utility_space`); the ANAC 2017-2019 preference-uncertainty variants
(`type="UNCERTAIN"`) repeat a base profile and are skipped. GeniusWeb folders hold a domain
JSON (with `issuesValues`) and LinearAdditive profiles; other JSON (e.g. `specials.json`) is
ignored. Files are taken in name order, so party ids are stable.
"""

from __future__ import annotations

import json
from pathlib import Path

from accord.model.problems import Problem, ScenarioError
from accord.model.scenario import Scenario


def _fail(folder: Path, message: str, hint: str) -> ScenarioError:
    return ScenarioError([Problem(message, hint, file=str(folder))])


def _genius_files(folder: Path) -> tuple[Path | None, list[Path]]:
    from accord.io.genius import GeniusError, parse_xml

    domain, profiles = None, []
    for path in sorted(folder.glob("*.xml")):
        try:
            root = parse_xml(path)
        except GeniusError:
            continue
        if root.tag == "negotiation_template":
            domain = path
        elif root.tag == "utility_space" and root.get("type", "").upper() != "UNCERTAIN":
            profiles.append(path)
    return domain, profiles


def _geniusweb_files(folder: Path) -> tuple[Path | None, list[Path]]:
    domain, profiles = None, []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError, RecursionError):
            continue
        if isinstance(data, dict) and "issuesValues" in data:
            domain = path
        elif isinstance(data, dict) and "LinearAdditiveUtilitySpace" in data:
            profiles.append(path)
    return domain, profiles


def load_folder(folder: Path) -> Scenario:
    """The scenario of a Genius or GeniusWeb domain folder (raises ScenarioError)."""
    from accord.io.genius import GeniusError, import_genius
    from accord.io.geniusweb import import_geniusweb

    try:
        domain, profiles = _geniusweb_files(folder)
        if profiles:
            return import_geniusweb(domain, profiles, scenario_id=folder.name)
        domain, profiles = _genius_files(folder)
        if domain is not None and profiles:
            return import_genius(domain, profiles, scenario_id=folder.name)
    except GeniusError as exc:
        msg = str(exc)
        hint = "" if "fix:" in msg else "see `accord import --help` to pick files by hand"
        raise _fail(folder, msg, hint) from None
    raise _fail(folder, "a folder, but not a Genius or GeniusWeb domain (no domain file with "
                "profiles)", "give a scenario file, or a folder with a domain and its profiles")
