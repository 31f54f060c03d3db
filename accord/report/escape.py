"""JSON that is safe inside an HTML <script> element.

Inside <script>, the HTML parser ends the element at `</script`, and `<!--` followed by
`<script` switches it into a state where the real `</script>` no longer ends it: text from a
plan id or a note could close the element and run as script, or swallow the page. JSON
allows every character in a string to be written as a \\u escape, so `<`, `>` and `&` (and the
JavaScript line separators U+2028 and U+2029) are escaped wherever they occur; the browser
reads back exactly the same values. Every JSON placed in a <script> goes through here: the
HTML report and the web pages alike.
"""

from __future__ import annotations

import json
from typing import Any

_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
            "\u2028": "\\u2028", "\u2029": "\\u2029"}
_TABLE = str.maketrans(_ESCAPES)


def escape_json_text(text: str) -> str:
    """A JSON text with < > & (and U+2028/9) escaped; valid JSON holds them only in strings."""
    return text.translate(_TABLE)


def script_json(obj: Any, **kw: Any) -> str:
    """`obj` as JSON, safe to place inside <script>."""
    return escape_json_text(json.dumps(obj, **kw))


__all__ = ["escape_json_text", "script_json"]
