"""A small, deterministic YAML writer for rule files: no dependency, stable output.

Mappings keep their insertion order; multi-line strings (PromQL) become literal blocks; other
strings are plain when that is unambiguous, else single-quoted, or double-quoted (JSON escapes,
valid YAML) when they hold a single quote and no double quote, or a control character.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

# Starts with a letter, `_`, `(` or `/` (no YAML indicator, no number); printable ASCII after.
_PLAIN = re.compile(r"[A-Za-z_(/][ -~]*")
_PRINTABLE = re.compile(r"[ -~]*")
_DURATION = re.compile(r"[0-9]+[smhdwy]")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}


def dump(data: Mapping[str, Any], header: str = "") -> str:
    """`data` as a YAML document, after `header` (comment lines, `# ` added)."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines += _mapping(data, 0)
    return "\n".join(lines) + "\n"


def scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if not isinstance(value, str):
        raise TypeError(f"cannot write {type(value).__name__} as YAML")
    if _DURATION.fullmatch(value) or (
        _PLAIN.fullmatch(value)
        and not value.endswith((" ", ":"))
        and ": " not in value
        and " #" not in value
        and value.lower() not in _RESERVED
    ):
        return value
    if _PRINTABLE.fullmatch(value) and not ("'" in value and '"' not in value):
        return "'" + value.replace("'", "''") + "'"
    return json.dumps(value)


def _mapping(data: Mapping[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for key, value in data.items():
        head = f"{pad}{scalar(key)}:"
        if isinstance(value, Mapping) and value:
            out += [head, *_mapping(value, indent + 2)]
        elif isinstance(value, list | tuple) and value:
            out += [head, *_sequence(value, indent + 2)]
        elif isinstance(value, str) and "\n" in value:
            out += [f"{head} {_block_indicator(value)}", *_block(value, indent + 2)]
        elif isinstance(value, Mapping):
            out.append(f"{head} {{}}")
        elif isinstance(value, list | tuple):
            out.append(f"{head} []")
        else:
            out.append(f"{head} {scalar(value)}")
    return out


def _sequence(items: Sequence[Any], indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for item in items:
        if isinstance(item, Mapping) and item:
            lines = _mapping(item, indent + 2)
            out += [f"{pad}- {lines[0].lstrip()}", *lines[1:]]
        elif isinstance(item, str) and "\n" in item:
            raise ValueError("multi-line strings in sequences are not supported")
        else:
            out.append(f"{pad}- {scalar(item)}")
    return out


def _block_indicator(text: str) -> str:
    if text[:1] in (" ", "\n"):
        raise ValueError(f"a literal block cannot start with whitespace: {text[:20]!r}")
    return "|" if text.endswith("\n") and not text.endswith("\n\n") else "|-"


def _block(text: str, indent: int) -> list[str]:
    pad = " " * indent
    return [f"{pad}{line}" if line else "" for line in text.removesuffix("\n").split("\n")]
