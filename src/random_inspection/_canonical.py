"""Canonical JSON (spec §8): sorted keys, UTF-8, no insignificant space, no floats."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ._errors import InvalidValueError

__all__ = ["canonical_digest", "canonical_json"]


def _no_floats(value: Any, path: str) -> None:
    if isinstance(value, float):
        raise InvalidValueError("canonical JSON", path, value, "is a float",
                                "store exact numbers as integers or 'n/d' text")
    if isinstance(value, dict):
        for key, item in value.items():
            _no_floats(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _no_floats(item, f"{path}[{index}]")


def canonical_json(value: Any) -> str:
    """The one canonical JSON text of a value made of dicts, lists, str, int, bool and None."""
    _no_floats(value, "$")
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False)


def canonical_digest(value: Any) -> str:
    """``"sha256:<hex>"`` of the UTF-8 canonical JSON of ``value``."""
    return "sha256:" + hashlib.sha256(canonical_json(value).encode()).hexdigest()
