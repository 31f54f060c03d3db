"""CLI commands for this feature; registered by accord.cli."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this feature's commands to the app."""
