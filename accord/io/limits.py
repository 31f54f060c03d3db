"""The loader's limits, in one place for the command line and the web workspace.

Why each one exists:

- `MAX_TEXT_CHARS` is checked before any parsing, so an oversized file is refused at once
  with a size message (parsing 9 MB of YAML takes about 20 s).
- YAML aliases let a small file name the same value many times. The loader converts the YAML
  tree into plain data, so every alias becomes a copy: without a bound on characters, a 1 MB
  file of aliases to one long string expands to gigabytes. The expanded data is therefore
  bounded twice, by values (`max_nodes`) and by characters of text (`max_chars`), and both
  bounds grow with the input, so parsing costs memory proportional to the input:
  at most `EXPANSION` characters and `NODES_PER_CHAR` values per input character (plus a
  small allowance for tiny files). With about 100 bytes per Python value and at most 4 bytes
  per character, an accepted text of n characters expands to at most about
  `n * (4 * EXPANSION + 100 * NODES_PER_CHAR)` bytes, i.e. 132 n: 264 MB at the 2 MB cap.
"""

from __future__ import annotations

MAX_TEXT_CHARS = 2_000_000
"""Largest scenario text accepted, in characters (about 25 times the bundled case)."""

MAX_NODES = 200_000
"""Most values a scenario may expand to, whatever its size."""

MAX_EXPANDED_CHARS = 16_000_000
"""Most characters of text a scenario may expand to through aliases, whatever its size."""

EXPANSION = 8
"""Aliases may expand the text to at most this many times the input's characters."""

NODES_PER_CHAR = 1
"""At most this many values per input character (a plain file has fewer than 0.5)."""

SMALL_ALLOWANCE = 4096
"""Added to the proportional bounds so that tiny files using anchors are not refused."""


def max_nodes(text_chars: int) -> int:
    """Values a text of `text_chars` characters may expand to."""
    return min(MAX_NODES, NODES_PER_CHAR * text_chars + SMALL_ALLOWANCE)


def max_chars(text_chars: int) -> int:
    """Characters of keys and strings a text of `text_chars` characters may expand to."""
    return min(MAX_EXPANDED_CHARS, EXPANSION * text_chars + SMALL_ALLOWANCE)


def size_text(n: int) -> str:
    """A byte or character count for a message: 8.8 MB, 120 kB, 512 bytes."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    if n >= 1_000:
        return f"{n / 1_000:.0f} kB"
    return f"{n} bytes"


__all__ = ["EXPANSION", "MAX_EXPANDED_CHARS", "MAX_NODES", "MAX_TEXT_CHARS", "NODES_PER_CHAR",
           "SMALL_ALLOWANCE", "max_chars", "max_nodes", "size_text"]
