"""Reading and writing scenarios: YAML/JSON here; Genius and GeniusWeb formats in submodules."""

from accord.io.loader import (
    bundled_names,
    dump_text,
    load_scenario,
    load_with_warnings,
    parse_text,
    resolve,
    save_scenario,
    write_atomic,
)

__all__ = [
    "bundled_names",
    "dump_text",
    "load_scenario",
    "load_with_warnings",
    "parse_text",
    "resolve",
    "save_scenario",
    "write_atomic",
]
