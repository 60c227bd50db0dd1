"""`record_mutations`: a published record changed at a key, a value, a type or a byte.

For testing verifiers (ours, or a host system's): every mutation is a file that a strict
verifier must refuse or fail, unless it changes only what the spec leaves informational. Used
by the differential test of the library against ``verifier.py``; re-exported from
`random_inspection.strategies`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import attrs
from hypothesis import strategies as st

__all__ = ["RecordMutation", "record_mutations"]

_BOM = b"\xef\xbb\xbf"
#: Values of every JSON type, and the edge cases a hostile editor would try.
_REPLACEMENTS: tuple[Any, ...] = (
    0, 1, -1, 263, 2**53, 10**30, 263.0, 1e400, float("nan"), True, False, None, "", "263",
    "x", "1/3", "2/6", "0.03", " A", "A ", "sha256:" + "0" * 64, "2024-02-30", [], [1], {},
    {"a": 1}, "é", "e\u0301", "\ud800",
)
_TRAILERS = (b"\n", b"\r\n", b" ", b"x", b"{}", b"\x00")


@attrs.frozen
class RecordMutation:
    """A changed record file.

    Attributes:
        description: What was changed, e.g. ``retype $.strata[2].size -> '263'``.
        data: The file's bytes after the change.
    """

    description: str
    data: bytes


def _dumps(value: Any, **options: Any) -> str:
    settings = {"ensure_ascii": False, "sort_keys": True, "separators": (",", ":")}
    return json.dumps(value, **{**settings, **options})


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _paths(item, (*path, index))
    return out


def _shown(path: tuple[Any, ...]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def _tweaks(value: Any) -> list[tuple[str, Any]]:
    """Same-type changes of a value: (name, new value)."""
    if isinstance(value, bool):
        return [("flip", not value)]
    if isinstance(value, int):
        return [("+1", value + 1), ("-1", value - 1), ("x2", value * 2), ("zero", 0)]
    if isinstance(value, str):
        out: list[tuple[str, Any]] = [
            ("append", value + "x"), ("upper", value.upper()), ("lead space", " " + value),
               ("trail space", value + " "), ("empty", ""), ("comma", value + ",")]
        if value:
            out += [("drop last", value[:-1]), ("nfd", value[:-1] + "e\u0301")]
        if "/" in value:
            n, _, d = value.partition("/")
            if n.isdigit() and d.isdigit():
                out.append(("unreduced", f"{2 * int(n)}/{2 * int(d)}"))
        return out
    if isinstance(value, list):
        out = [("append copy", [*value, value[0]] if value else [0]), ("reverse", value[::-1])]
        if value:
            out += [("drop first", value[1:]), ("duplicate first", [value[0], *value])]
        return out
    if isinstance(value, dict):
        out = [("add key", {**value, "comment": "edited"})]
        for key in list(value)[:3]:
            out += [(f"drop {key}", {k: v for k, v in value.items() if k != key}),
                    (f"rename {key}", {(k + "_" if k == key else k): v
                                       for k, v in value.items()})]
        return out
    return [("zero", 0)]


def _set(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return document


def _redigest(document: Any) -> None:
    if isinstance(document, dict) and "record_digest" in document:
        content = {k: v for k, v in document.items() if k != "record_digest"}
        try:
            text = _dumps(content, allow_nan=True)
            document["record_digest"] = "sha256:" + hashlib.sha256(
                text.encode("utf-8", "surrogatepass")).hexdigest()
        except ValueError:
            return


@st.composite
def _value_mutation(draw: st.DrawFn, text: str, redigest: st.SearchStrategy[bool]
                    ) -> RecordMutation:
    document = json.loads(text)
    path = draw(st.sampled_from(_paths(document)))
    node = document
    for part in path:
        node = node[part]
    if draw(st.booleans()):
        name, new = draw(st.sampled_from(_tweaks(node)))
        what = f"{name} {_shown(path)}"
    else:
        new = draw(st.sampled_from(_REPLACEMENTS))
        what = f"retype {_shown(path)} -> {new!r:.40}"
    document = _set(document, path, new)
    forged = draw(redigest)
    if forged:
        _redigest(document)
    body = _dumps(document, allow_nan=True).encode("utf-8", "surrogatepass")
    return RecordMutation(what + (" (digest recomputed)" if forged else ""), body)


@st.composite
def _byte_mutation(draw: st.DrawFn, data: bytes) -> RecordMutation:
    kind = draw(st.sampled_from(["delete", "insert", "replace", "truncate", "append",
                                 "prepend"]))
    at = draw(st.integers(0, max(len(data) - 1, 0)))
    byte = bytes([draw(st.integers(0, 255))])
    if kind == "delete":
        return RecordMutation(f"delete byte {at}", data[:at] + data[at + 1:])
    if kind == "insert":
        return RecordMutation(f"insert {byte!r} at {at}", data[:at] + byte + data[at:])
    if kind == "replace":
        return RecordMutation(f"replace byte {at} by {byte!r}", data[:at] + byte + data[at + 1:])
    if kind == "truncate":
        return RecordMutation(f"truncate at {at}", data[:at])
    if kind == "append":
        tail = draw(st.sampled_from(_TRAILERS))
        return RecordMutation(f"append {tail!r}", data + tail)
    head = draw(st.sampled_from([_BOM, b"\xff\xfe", b" ", b"\n", _BOM + _BOM]))
    return RecordMutation(f"prepend {head!r}", head + data)


@st.composite
def _form_mutation(draw: st.DrawFn, text: str) -> RecordMutation:
    document = json.loads(text)
    kind = draw(st.sampled_from(["indent", "ascii", "unsorted", "duplicate key", "array"]))
    if kind == "indent":
        return RecordMutation("pretty-printed", _dumps(document, indent=1).encode())
    if kind == "ascii":
        return RecordMutation("non-ASCII escaped", _dumps(document, ensure_ascii=True).encode())
    if kind == "unsorted":
        return RecordMutation("keys in reverse order", json.dumps(
            dict(reversed(list(document.items()))), ensure_ascii=False,
            separators=(",", ":")).encode())
    if kind == "array":
        return RecordMutation("wrapped in an array", f"[{text}]".encode())
    key = draw(st.sampled_from(sorted(document)))
    copy = f'"{key}":{_dumps(document[key])},'
    return RecordMutation(f"duplicate key {key}", ("{" + copy + text[1:]).encode())


def record_mutations(record: str | bytes, *,
                     redigest: st.SearchStrategy[bool] | None = None
                     ) -> st.SearchStrategy[RecordMutation]:
    """Mutations of a published record: a value changed within its type or replaced by one
    of another type (anywhere in the record, the digest recomputed or not), a byte deleted,
    inserted, replaced, cut off or added, or the whole re-serialised in a non-canonical form.

    ``redigest`` says whether a value mutation recomputes the record digest, as a careful
    forger would (default: either).
    """
    text = record.decode("utf-8") if isinstance(record, bytes) else record
    data = text.encode("utf-8")
    forging = st.booleans() if redigest is None else redigest
    return st.one_of(_value_mutation(text, forging), _value_mutation(text, forging),
                     _byte_mutation(data), _form_mutation(text))
