"""Shared fixtures for the report tests: the fixture scenario, and the bundled case if present."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.io import bundled_names, load_scenario
from accord.model import Scenario

HERE = Path(__file__).parent
FIXTURE = HERE / "fixture.yaml"


@pytest.fixture(scope="session")
def fixture_scenario() -> Scenario:
    return load_scenario(FIXTURE)


@pytest.fixture(scope="session")
def ukraine() -> Scenario:
    if "ukraine-2025" not in bundled_names():
        pytest.skip("the bundled scenario ukraine-2025 is not installed")
    return load_scenario("ukraine-2025")
