"""Strict reading of canonical JSON documents (spec §9.1): the bytes as published, or nothing.

`parse_document` turns bytes into plain values without losing what a lenient reader hides:
duplicate keys, numbers with a fraction or exponent, integers too large for every language,
trailing data. `canonical_difference` then says where the bytes differ from the canonical
text of what they hold. The record reader (`AuditRecord.from_json`) builds on both.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ._canonical import canonical_json

__all__ = [
    "MAX_DEPTH",
    "MAX_INTEGER",
    "JSONReadError",
    "NonInteger",
    "ObjectWithDuplicates",
    "canonical_difference",
    "decode_text",
    "parse_document",
]

#: Deepest nesting of arrays and objects read (a record needs 6).
MAX_DEPTH = 64
#: Largest integer a record may hold: 2^53 − 1, exact in every common language.
MAX_INTEGER = 2**53 - 1
_BOM = b"\xef\xbb\xbf"


class JSONReadError(Exception):
    """The bytes are not a JSON document this reader accepts; ``message`` says why."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class NonInteger:
    """A JSON number that is not an integer of at most 2^53 − 1 (kept as its text)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


class ObjectWithDuplicates(dict[str, Any]):
    """A JSON object in which some key occurs more than once (the last value kept).

    Attributes:
        duplicates: The keys that occur more than once.
        occurrences: Every value of each such key, in order.
    """

    duplicates: tuple[str, ...] = ()
    occurrences: dict[str, list[Any]]


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) == len(keys):
        return dict(pairs)
    out = ObjectWithDuplicates(pairs)
    seen: set[str] = set()
    out.duplicates = tuple(sorted({k for k in keys if k in seen or seen.add(k)}))  # type: ignore[func-returns-value]
    out.occurrences = {k: [v for key, v in pairs if key == k] for k in out.duplicates}
    return out


def values_of(value: dict[str, Any], key: str) -> list[Any]:
    """Every value ``key`` has in ``value`` (several if the key was duplicated)."""
    if isinstance(value, ObjectWithDuplicates) and key in value.duplicates:
        return value.occurrences[key]
    return [value[key]] if key in value else []


def _integer(text: str) -> int | NonInteger:
    digits = text.lstrip("-")
    if len(digits) > 16:  # beyond 2^53 (16 digits) whatever the value: never parse huge text
        return NonInteger(text)
    value = int(text)
    return value if abs(value) <= MAX_INTEGER else NonInteger(text)


def _constant(text: str) -> None:
    raise ValueError(f"{text} is not a JSON value")


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_float=NonInteger,
                            parse_int=_integer, parse_constant=_constant)


def decode_text(data: bytes) -> tuple[str, bool]:
    """The text of ``data`` (UTF-8, one leading BOM tolerated) and whether a BOM was there."""
    bom = data.startswith(_BOM)
    body = data[len(_BOM):] if bom else data
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise JSONReadError("the file is UTF-16 (it starts with a UTF-16 byte-order mark): "
                          "save it as UTF-8")
    try:
        return body.decode("utf-8"), bom
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        raise JSONReadError(f"not UTF-8 text (byte {exc.start + 1}, line {line}): save the file "
                          "as UTF-8", line) from None


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def _depth(text: str) -> int:
    """The deepest nesting of brackets outside strings."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        depth += 1 if match.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def parse_document(text: str) -> tuple[Any, str, str]:
    """One JSON value from ``text``, with the text before and after it (white space the
    canonical form does not have, or trailing data).

    Raises `JSONReadError` when ``text`` holds no JSON value within the limits: not JSON,
    ``NaN``/``Infinity``, nesting deeper than `MAX_DEPTH`.
    """
    if _depth(text) > MAX_DEPTH:
        raise JSONReadError(f"nested more than {MAX_DEPTH} levels deep: not a record")
    start = len(text) - len(text.lstrip(" \t\n\r"))
    try:
        value, end = _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as exc:
        raise JSONReadError(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                          exc.lineno) from None
    except (ValueError, RecursionError) as exc:
        raise JSONReadError(f"not valid JSON: {exc}") from None
    return value, text[:start], text[end:]


def canonical_difference(value: Any, text: str) -> str | None:
    """Where ``text`` differs from the canonical JSON of ``value`` (spec §9.1), or ``None``."""
    canonical = canonical_json(value)
    if canonical == text:
        return None
    at = next((k for k, (a, b) in enumerate(zip(canonical, text, strict=False)) if a != b),
              min(len(canonical), len(text)))
    if at == len(canonical):
        return (f"{len(text) - at} character(s) after the end of the record "
                f"({text[at:at + 12]!r}…): remove them")
    line = text[:at].count("\n") + 1
    return (f"not in canonical form from character {at + 1} (line {line}): found "
            f"{text[at:at + 24]!r}, the canonical text has {canonical[at:at + 24]!r}; the file "
            "was edited or re-saved: use the record exactly as published")
