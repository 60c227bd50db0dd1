"""Register snapshots as bytes, and back, bit-identical (the same digest).

The target directory is stored as its internal numpy columns in one ``.npz`` (no Python
objects: loaded with ``allow_pickle=False``), compressed with zlib at level 1: far quicker than
its CSV both ways. The small registers are stored as exactly the lines their digest hashes
(spec §13: ``random-inspection/<kind>/v1`` and one canonical JSON line per entry). A snapshot
that does not rebuild the register it was saved as is refused (`DamagedSnapshotError`).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from typing import Any

import attrs
import numpy as np

from .._canonical import canonical_json
from .._errors import InvalidTypeError
from ..assignment import Conflict, ConflictRegister
from ..registry import CheckItem, CheckItemList, Inspector, InspectorDirectory, TargetDirectory

__all__ = ["KINDS", "DamagedSnapshotError", "Register", "Snapshot", "restore", "snapshot"]

Register = TargetDirectory | InspectorDirectory | CheckItemList | ConflictRegister

#: Register kinds as the journal names them (the digests' preambles, spec §13).
KINDS: dict[type[Any], str] = {
    TargetDirectory: "target-directory",
    InspectorDirectory: "inspector-directory",
    CheckItemList: "check-item-list",
    ConflictRegister: "conflict-register",
}
COLUMNS_FORMAT = "npz+zlib/v1"
LINES_FORMAT = "jsonl/v1"


class DamagedSnapshotError(ValueError):
    """Stored bytes that do not rebuild the register saved under that digest."""


@attrs.frozen
class Snapshot:
    """A register as stored: kind, digest, number of entries, format and bytes."""

    kind: str
    digest: str
    size: int
    format: str
    data: bytes


def kind_of(register: object) -> str:
    """The register's kind; anything else raises `InvalidTypeError`."""
    for cls, kind in KINDS.items():
        if isinstance(register, cls):
            return kind
    raise InvalidTypeError("Workspace.save_register", "register", register,
                           "a TargetDirectory, InspectorDirectory, CheckItemList or "
                           "ConflictRegister", "load the register first, e.g. "
                           "TargetDirectory.from_csv(path)")


def _lines(kind: str, entries: list[dict[str, Any]]) -> bytes:
    head = f"random-inspection/{kind}/v1\n"
    return (head + "".join(canonical_json(e) + "\n" for e in entries)).encode()


def snapshot(register: Register) -> Snapshot:
    """The bytes to store for ``register``."""
    kind = kind_of(register)
    if isinstance(register, TargetDirectory):
        buffer = io.BytesIO()
        arrays: dict[str, Any] = register._to_arrays()  # plain arrays: no pickles
        np.savez(buffer, **arrays)
        data = zlib.compress(buffer.getbuffer(), 1)
        return Snapshot(kind, register.digest, len(register), COLUMNS_FORMAT, data)
    if isinstance(register, ConflictRegister):
        entries = [c.to_dict() for c in register]
    else:
        entries = register.to_dicts()
    data = _lines(kind, entries)
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    if digest != register.digest:  # the spec's lines and the register disagree: never store
        raise DamagedSnapshotError(f"the {kind}'s lines hash to {digest}, not its digest "
                              f"{register.digest}")
    return Snapshot(kind, register.digest, len(register), LINES_FORMAT, data)


def _columns(data: bytes) -> TargetDirectory:
    try:
        with np.load(io.BytesIO(zlib.decompress(data)), allow_pickle=False) as arrays:
            return TargetDirectory._from_arrays({name: arrays[name] for name in arrays.files})
    except (zlib.error, zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError) as error:
        raise DamagedSnapshotError(f"its columns cannot be read ({error})") from None


def _records(kind: str, data: bytes) -> Register:
    try:
        head, *lines = data.decode().splitlines()
        entries = [json.loads(line) for line in lines]
    except (UnicodeDecodeError, ValueError) as error:
        raise DamagedSnapshotError(f"its lines cannot be read ({error})") from None
    if head != f"random-inspection/{kind}/v1":
        raise DamagedSnapshotError(f"its first line is {head[:80]!r}, not the {kind}'s")
    if kind == "inspector-directory":
        return InspectorDirectory([Inspector.from_dict(e) for e in entries])
    if kind == "check-item-list":
        return CheckItemList([CheckItem.from_dict(e) for e in entries])
    return ConflictRegister([Conflict.from_dict(e) for e in entries])


def restore(kind: str, format: str, digest: str, data: bytes) -> Register:
    """The register stored as ``data``; `DamagedSnapshotError` unless it has ``digest``."""
    if format == COLUMNS_FORMAT and kind == "target-directory":
        register: Register = _columns(data)
    elif format == LINES_FORMAT and kind in KINDS.values():
        if "sha256:" + hashlib.sha256(data).hexdigest() != digest:
            raise DamagedSnapshotError("its bytes do not hash to its digest")
        try:
            register = _records(kind, data)
        except (ValueError, KeyError, TypeError) as error:
            raise DamagedSnapshotError(f"its entries are not valid ({error})") from None
    else:
        raise DamagedSnapshotError(f"it is a {kind!r} in format {format!r}, which this library "
                              "does not read")
    if register.digest != digest:
        raise DamagedSnapshotError(f"it rebuilds a register of digest {register.digest}")
    return register
