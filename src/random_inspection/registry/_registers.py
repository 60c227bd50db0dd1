"""The small registers: `InspectorDirectory` and `CheckItemList` (plain tuples of records)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar, Generic, Self, TypeVar

import attrs

from .._errors import DuplicateIdError, InvalidTypeError, UnknownIdError
from . import _fields as f
from . import _files
from ._records import CheckItem, Inspector
from ._target_directory import DirectoryDiff

__all__ = ["CheckItemList", "InspectorDirectory", "RegisterHealth"]

R = TypeVar("R", Inspector, CheckItem)


class _Register(Generic[R]):
    """An immutable register of records kept sorted by key, with a canonical digest."""

    _record_type: ClassVar[type[Any]]
    _key: ClassVar[str]
    _kind: ClassVar[str]
    _headers: ClassVar[dict[str, tuple[str, ...]]]
    _required: ClassVar[tuple[str, ...]]
    __slots__ = ("_digest", "_index", "_records")

    def __init__(self, records: Iterable[R] = ()) -> None:
        """Build from records in any order; duplicate keys raise `DuplicateIdError`, anything
        but a collection of the register's records (e.g. dicts) `InvalidTypeError`."""
        name = type(self).__name__
        items: list[R] = f.record_list(self._record_type, records, name)
        keys = [getattr(r, self._key) for r in items]
        seen: set[str] = set()
        dup = {k for k in keys if k in seen or seen.add(k)}  # type: ignore[func-returns-value]
        if dup:
            raise DuplicateIdError(name, sorted(dup))
        self._records: tuple[R, ...] = tuple(sorted(items, key=lambda r: getattr(r, self._key)))
        self._index: dict[str, R] = {getattr(r, self._key): r for r in self._records}
        self._digest: str | None = None

    @classmethod
    def from_records(cls, records: Iterable[R]) -> Self:
        """Same as the constructor, named like the other registers' constructors."""
        return cls(records)

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[R]:
        return iter(self._records)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._index

    def __getitem__(self, key: str) -> R:
        self._check_key(key, f"{type(self).__name__}[]")
        try:
            return self._index[key]
        except KeyError:
            raise UnknownIdError(type(self).__name__, [key]) from None

    def get(self, key: str) -> R | None:
        """The record with this key, or ``None``."""
        self._check_key(key, f"{type(self).__name__}.get")
        return self._index.get(key)

    def _check_key(self, key: object, where: str) -> None:
        if not isinstance(key, str):
            raise InvalidTypeError(where, self._key, key, f"one {self._key} as str",
                                   "pass the key as text")

    @property
    def records(self) -> tuple[R, ...]:
        """All records, sorted by key."""
        return self._records

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, _Register)
        return self._records == other._records

    def __hash__(self) -> int:
        return hash(self._records)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {len(self)} records, {self.digest[:23]}…>"

    def to_dicts(self) -> list[dict[str, Any]]:
        """Every record as plain values, sorted by key."""
        return [r.to_dict() for r in self._records]

    @property
    def digest(self) -> str:
        """``"sha256:<hex>"`` over the canonical JSON lines of the records (docs/spec)."""
        if self._digest is None:
            h = hashlib.sha256(f"random-inspection/{self._kind}/v1\n".encode())
            for item in self.to_dicts():
                line = json.dumps(item, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                h.update(line.encode() + b"\n")
            self._digest = "sha256:" + h.hexdigest()
        return self._digest

    def with_changes(self, *, added: Iterable[R] = (), removed: Iterable[str] = (),
                     changed: Iterable[R] = ()) -> Self:
        """A new snapshot; unknown removed/changed keys and re-added keys are listed at once."""
        where = f"{type(self).__name__}.with_changes"
        added = f.record_list(self._record_type, added, where, argument="added")
        changed = f.record_list(self._record_type, changed, where, argument="changed")
        removed = f.id_texts(removed, where, "removed")
        changed_keys = [getattr(r, self._key) for r in changed]
        missing = [k for k in removed + changed_keys if k not in self._index]
        if missing:
            raise UnknownIdError(f"{type(self).__name__}.with_changes", sorted(set(missing)))
        present = [getattr(r, self._key) for r in added if getattr(r, self._key) in self._index]
        if present:
            raise DuplicateIdError(f"{type(self).__name__}.with_changes (added keys already "
                                   "present)", present)
        drop = set(removed) | set(changed_keys)
        return type(self)([r for r in self._records if getattr(r, self._key) not in drop]
                          + added + changed)

    def diff(self, newer: Self) -> DirectoryDiff:
        """Keys added, removed and changed going from ``self`` to ``newer``."""
        old, new = self._index, newer._index
        return DirectoryDiff(
            added=tuple(sorted(new.keys() - old.keys())),
            removed=tuple(sorted(old.keys() - new.keys())),
            changed=tuple(sorted(k for k in old.keys() & new.keys() if old[k] != new[k])),
        )

    @classmethod
    def from_csv(cls, path: _files.PathLike, *, encoding: str | None = None,
                 unknown_columns: str = "error") -> Self:
        """Load a CSV file with English or Chinese headers; all problems reported at once."""
        return cls(_files.load_records(path, cls._headers, cls._required,
                                       cls._record_type.from_dict, encoding=encoding,
                                       unknown_columns=unknown_columns))

    def to_csv(self, path: _files.PathLike, *, encoding: str = "utf-8",
               headers: str = "english", overwrite: bool = True) -> None:
        """Write a CSV file (``headers`` 'english' or 'chinese'), whole or not at all;
        ``overwrite=False`` refuses an existing file with `OutputExistsError`."""
        _files.write_table(path, self._headers, self.to_dicts(), encoding=encoding,
                           header_language=headers, overwrite=overwrite)

    @classmethod
    def from_json(cls, path: _files.PathLike) -> Self:
        """Load a JSON document written by `to_json`."""
        document = _files.read_json(path, cls._kind)
        return cls(_files.json_records(path, document, "records", cls._record_type.from_dict))

    def to_json(self, path: _files.PathLike, *, overwrite: bool = True) -> None:
        """Write a JSON document with every record and the digest (whole or not at all;
        ``overwrite=False`` refuses an existing file with `OutputExistsError`)."""
        _files.write_json(path, {"format": f"random-inspection/{self._kind}", "version": 1,
                                 "digest": self.digest, "records": self.to_dicts()},
                          overwrite=overwrite)


@attrs.frozen
class RegisterHealth:
    """Findings of `InspectorDirectory.health_check` (ids sorted).

    Attributes:
        on: The date checked against.
        expired: Active officers whose credential expired before ``on``: they cannot be drawn.
        expiring: Active officers whose credential expires within the warning window.
        no_expiry_recorded: Active officers with a credential number but no expiry date.
        not_active: Inspectors transferred or retired.
        officers_available: How many inspectors can be drawn as officers on ``on``.
    """

    on: dt.date
    expired: tuple[str, ...]
    expiring: tuple[str, ...]
    no_expiry_recorded: tuple[str, ...]
    not_active: tuple[str, ...]
    officers_available: int

    @property
    def ok(self) -> bool:
        """No expired credential, none expiring soon and none without an expiry date."""
        return not (self.expired or self.expiring or self.no_expiry_recorded)


class InspectorDirectory(_Register[Inspector]):
    """The inspector directory (执法检查人员名录库): officers and experts, sorted by id."""

    _record_type = Inspector
    _key = "id"
    _kind = "inspector-directory"
    _headers = _files.INSPECTOR_HEADERS
    _required = ("id", "name", "department")
    __slots__ = ()

    def officers_on(self, on: dt.date) -> tuple[Inspector, ...]:
        """Inspectors who can count as officers of a check on ``on`` (see `Inspector`)."""
        on = f.date_argument(on, "InspectorDirectory.officers_on", "on")
        return tuple(i for i in self._records if i.counts_as_officer(on))

    def experts(self) -> tuple[Inspector, ...]:
        """Active technical experts."""
        return tuple(i for i in self._records if i.is_expert and i.status.code == "active")

    def health_check(self, on: dt.date, *, warn_days: int = 90) -> RegisterHealth:
        """List credential problems as of ``on`` (expired, expiring within ``warn_days``, …)."""
        on = f.date_argument(on, "InspectorDirectory.health_check", "on")
        active = [i for i in self._records if i.status.code == "active" and not i.is_expert]
        horizon = on + dt.timedelta(days=warn_days)
        exp = [(i.id, i.credential_expiry) for i in active if i.credential_number]
        return RegisterHealth(
            on=on,
            expired=tuple(k for k, d in exp if d is not None and d < on),
            expiring=tuple(k for k, d in exp if d is not None and on <= d < horizon),
            no_expiry_recorded=tuple(k for k, d in exp if d is None),
            not_active=tuple(i.id for i in self._records if i.status.code != "active"),
            officers_available=len(self.officers_on(on)),
        )


class CheckItemList(_Register[CheckItem]):
    """The spot-check item list (随机抽查事项清单), sorted by code."""

    _record_type = CheckItem
    _key = "code"
    _kind = "check-item-list"
    _headers = _files.ITEM_HEADERS
    _required = ("code", "name", "legal_basis", "department")
    __slots__ = ()

    def key_items(self) -> tuple[CheckItem, ...]:
        """Items of kind KEY (重点检查事项)."""
        return tuple(i for i in self._records if i.kind.code == "key")

    def require(self, codes: Iterable[str]) -> tuple[CheckItem, ...]:
        """The items with these codes, in the order given; every unknown code is listed in one
        `UnknownIdError`. A single code must still be a list: ``require(["SJ05"])``."""
        codes = f.id_texts(codes, "CheckItemList.require", "codes")
        missing = [c for c in codes if c not in self._index]
        if missing:
            raise UnknownIdError("CheckItemList", missing,
                                 "Fix: add the items to the check-item list, or correct the codes.")
        return tuple(self._index[c] for c in codes)

