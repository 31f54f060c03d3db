"""Where the shared reference data (../shared/data beside the checkout) lives, for tests and
benchmarks alike: one helper, so no file hard-codes a machine's path.

$ACCORD_SHARED_DATA, when set, names the `data` folder; else ../shared/data beside the
repository checkout. A test needing a data set that is absent is skipped with a reason that
says what is missing and how to provide it (pytest counts and lists it: `-rs` is on).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ENV = "ACCORD_SHARED_DATA"
ROOT = Path(__file__).resolve().parent.parent


def shared_data(*parts: str) -> Path:
    """The path of `parts` under the shared data folder (which may not exist)."""
    env = os.environ.get(ENV)
    base = Path(env) if env else ROOT.parent / "shared" / "data"
    return base.joinpath(*parts)


def missing_reason(path: Path) -> str:
    return (f"shared data set {path} is not present: set {ENV} to the folder holding "
            f"genius/ and forecasting/, or put ../shared/data beside the checkout")


def needs(*parts: str) -> pytest.MarkDecorator:
    """A skip marker for tests that need `shared_data(*parts)`, with a visible reason."""
    path = shared_data(*parts)
    return pytest.mark.skipif(not path.exists(), reason=missing_reason(path))
