"""A small JSON Schema (2020-12) checker for the published record schema.

The record's schema (``record.schema.json``, also at ``docs/spec/``) is the one description
of a record's keys and types; the library reads it with this checker so that what it refuses
and what the schema refuses are the same by construction (the tests also run the
``jsonschema`` package over the same inputs). Only the keywords the schema uses are known:
``$ref`` (to ``#/$defs/…``), ``type``, ``const``, ``enum``, ``pattern``, ``minLength``,
``maxLength``, ``minimum``, ``maximum``, ``minItems``, ``maxItems``, ``uniqueItems``,
``prefixItems``, ``items``, ``properties``, ``required``, ``additionalProperties``,
``propertyNames``, ``allOf``, ``anyOf``, ``if``/``then``/``else``; annotations are ignored.
Any other keyword is an error, so the schema cannot silently outgrow the checker.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from ._strict_json import NonInteger, ObjectWithDuplicates

__all__ = ["SchemaChecker"]

_ANNOTATIONS = {"$schema", "$id", "$comment", "$defs", "title", "description", "examples",
                "default"}
_KNOWN = {"$ref", "type", "const", "enum", "pattern", "minLength", "maxLength", "minimum",
          "maximum", "minItems", "maxItems", "uniqueItems", "prefixItems", "items",
          "properties", "required", "additionalProperties", "propertyNames", "allOf", "anyOf", "if",
          "then", "else"} | _ANNOTATIONS


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, NonInteger):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _shown(value: Any) -> str:
    kind = _kind(value)
    if kind in ("array", "object"):
        return f"an {kind}" if kind == "array" else "an object"
    if kind == "number":
        return f"the number {value.text}" + (
            " (an integer larger than 2^53 - 1)" if value.text.lstrip("-").isdigit() else "")
    text = repr(value) if kind == "string" else str(value).lower() if kind == "boolean" else (
        "null" if value is None else str(value))
    return f"the {kind} {text if len(text) <= 60 else text[:57] + '…'}"


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else \
        f"{path}[{key!r}]"


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    """The pattern with ECMA-262's ``$`` (the end only; Python's also matches before a final
    line break)."""
    return re.compile(re.sub(r"(?<!\\)\$", r"\\Z", pattern))


class SchemaChecker:
    """Check plain JSON values against a schema; `problems` lists (path, message) pairs in
    document order (object keys in code-point order), the first being the one to report."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self._check_keywords(schema)

    def _check_keywords(self, node: Any) -> None:
        if isinstance(node, Mapping):
            unknown = set(node) - _KNOWN
            if unknown and not {"properties", "$defs"} & set(node):
                raise ValueError(f"schema keyword(s) {sorted(unknown)} not supported")
            for key, value in node.items():
                if key in ("properties", "$defs"):
                    for item in value.values():
                        self._check_keywords(item)
                elif key not in ("const", "enum", "required"):
                    self._check_keywords(value)
        elif isinstance(node, list):
            for item in node:
                self._check_keywords(item)

    def problems(self, value: Any, path: str = "$") -> list[tuple[str, str]]:
        """Every (path, message) where ``value`` breaks the schema, in document order."""
        return list(self._check(self.schema, value, path))

    def _resolve(self, ref: str) -> Mapping[str, Any]:
        node: Any = self.schema
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        return node  # type: ignore[no-any-return]

    def _valid(self, schema: Any, value: Any) -> bool:
        return next(iter(self._check(schema, value, "$")), None) is None

    def _check(self, schema: Any, value: Any, path: str) -> Iterator[tuple[str, str]]:
        if schema is True:
            return
        if schema is False:
            yield path, "is not allowed here"
            return
        if "$ref" in schema:
            yield from self._check(self._resolve(schema["$ref"]), value, path)
        kind = _kind(value)
        expected = schema.get("type")
        if expected is not None:
            allowed = [expected] if isinstance(expected, str) else expected
            if kind not in allowed:
                names = " or ".join("an integer" if t == "integer" else
                                    f"an {t}" if t in ("object", "array") else
                                    "null" if t == "null" else f"a {t}" for t in allowed)
                yield path, f"expected {names}, found {_shown(value)}"
                return
        if "const" in schema and not (value == schema["const"] and kind == _kind(schema["const"])):
            yield path, f"must be {schema['const']!r}, found {_shown(value)}"
            return
        if "enum" in schema and not any(value == e and kind == _kind(e) for e in schema["enum"]):
            yield path, (f"must be one of {', '.join(map(repr, schema['enum']))}; found "
                         f"{_shown(value)}")
            return
        if kind == "string":
            yield from self._string(schema, value, path)
        elif kind == "integer":
            if "minimum" in schema and value < schema["minimum"]:
                yield path, f"must be at least {schema['minimum']}, found {value}"
            if "maximum" in schema and value > schema["maximum"]:
                yield path, f"must be at most {schema['maximum']}, found {value}"
        elif kind == "array":
            yield from self._array(schema, value, path)
        elif kind == "object":
            yield from self._object(schema, value, path)
        for part in schema.get("allOf", ()):
            yield from self._check(part, value, path)
        if "anyOf" in schema:
            found = [list(self._check(part, value, path)) for part in schema["anyOf"]]
            if all(found):  # none fits: report the branch that is not just null
                yield from next((f for f, part in zip(found, schema["anyOf"], strict=True)
                                 if part != {"type": "null"}), found[0])
        if "if" in schema:
            branch = schema.get("then") if self._valid(schema["if"], value) else schema.get("else")
            if branch is not None:
                yield from self._check(branch, value, path)

    def _string(self, schema: Mapping[str, Any], value: str, path: str
                ) -> Iterator[tuple[str, str]]:
        if "minLength" in schema and len(value) < schema["minLength"]:
            yield path, ("must not be empty" if schema["minLength"] == 1 else
                         f"must have at least {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            yield path, f"has {len(value)} characters; at most {schema['maxLength']} allowed"
        if "pattern" in schema and not _regex(schema["pattern"]).search(value):  # ECMA "$"
            rule = schema.get("description") or f"the pattern {schema['pattern']}"
            yield path, f"{_shown(value)} does not match {rule}"

    def _array(self, schema: Mapping[str, Any], value: list[Any], path: str
               ) -> Iterator[tuple[str, str]]:
        if "minItems" in schema and len(value) < schema["minItems"]:
            yield path, f"has {len(value)} item(s); at least {schema['minItems']} needed"
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            yield path, f"has {len(value)} item(s); at most {schema['maxItems']} allowed"
        if schema.get("uniqueItems"):
            seen: set[tuple[str, Any]] = set()
            for index, item in enumerate(value):
                key = (_kind(item), item if isinstance(item, str | int | bool) or item is None
                       else repr(item))
                if key in seen:
                    yield _child(path, index), f"repeats an earlier item ({_shown(item)})"
                    break
                seen.add(key)
        prefix = schema.get("prefixItems", [])
        if not prefix and self._all_plain_strings(schema.get("items"), value):
            return  # a long list of ids: every item fits, checked in one pass
        for index, item in enumerate(value):
            if index < len(prefix):
                yield from self._check(prefix[index], item, _child(path, index))
            elif "items" in schema:
                if schema["items"] is False:
                    yield _child(path, index), "is one item too many"
                    break
                yield from self._check(schema["items"], item, _child(path, index))

    def _all_plain_strings(self, items: Any, value: list[Any]) -> bool:
        """Whether ``items`` is a plain string schema (a ``$ref`` to type and pattern only)
        that every item of ``value`` fits."""
        if not isinstance(items, Mapping) or set(items) != {"$ref"}:
            return False
        target = self._resolve(items["$ref"])
        if target.get("type") != "string" or set(target) - {"type", "pattern", "description"}:
            return False
        search = _regex(target.get("pattern", "")).search
        return all(type(item) is str and search(item) for item in value)

    def _object(self, schema: Mapping[str, Any], value: dict[str, Any], path: str
                ) -> Iterator[tuple[str, str]]:
        properties = schema.get("properties", {})
        if isinstance(value, ObjectWithDuplicates):
            for key in value.duplicates:
                yield _child(path, key), "occurs more than once in this object"
        missing = [k for k in schema.get("required", ()) if k not in value]
        if missing:
            yield path, "is missing " + ", ".join(map(repr, missing))
        extra = schema.get("additionalProperties", True)
        names = schema.get("propertyNames")
        for key in sorted(value):
            where = _child(path, key)
            if names is not None:
                problem = next(iter(self._check(names, key, where)), None)
                if problem is not None:
                    yield where, f"is not an allowed key: {problem[1]}"
                    continue
            if key in properties:
                yield from self._check(properties[key], value[key], where)
            elif extra is False:
                known = ", ".join(sorted(properties))
                yield where, f"is not a key of this object (it has only: {known})"
            elif extra is not True:
                yield from self._check(extra, value[key], where)
