"""Declared conflicts of interest between inspectors and targets (回避登记)."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Self

import attrs

from .._canonical import canonical_json
from .._errors import DuplicateIdError, InvalidValueError, UnknownIdError
from ..registry import InspectorDirectory, TargetDirectory, _files
from ..registry import _fields as f
from ..registry._identifiers import normalize_id
from ..registry._vocabulary import _Labelled

__all__ = ["Conflict", "ConflictGround", "ConflictRegister"]


class ConflictGround(_Labelled):
    """Why an inspector must step aside for a target (回避事由; 行政处罚法 Art. 43)."""

    RELATIVE = "relative"
    FINANCIAL_INTEREST = "financial_interest"
    FORMER_EMPLOYMENT = "former_employment"
    OTHER = "other"

    _LABELS = enum.nonmember({
        "relative": ("近亲属关系", "relative"),
        "financial_interest": ("经济利益关系", "financial interest"),
        "former_employment": ("曾任职", "former employment"),
        "other": ("其他可能影响公正的关系", "other relation"),
    })
    _ALIASES = enum.nonmember({"relative": ("亲属",), "financial_interest": ("利害关系",),
                               "other": ("其他",)})


def _target_id(value: object) -> str:
    return normalize_id(value) if isinstance(value, str) else value  # type: ignore[return-value]


@attrs.frozen(kw_only=True)
class Conflict:
    """One declared conflict between an inspector and a target.

    Attributes:
        inspector_id: The inspector.
        target_id: The target (normalised like directory ids).
        ground: Why (`ConflictGround`).
        valid_from: First day it applies, or ``None`` (always before).
        valid_until: Last day it applies, or ``None`` (open-ended).
        note: Free text.
    """

    inspector_id: str
    target_id: str = attrs.field(converter=_target_id)
    ground: ConflictGround
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    note: str = ""

    def __attrs_post_init__(self) -> None:
        record = f"Conflict({self.inspector_id!r}, {self.target_id!r})"
        object.__setattr__(self, "inspector_id", f.text(self.inspector_id, record,
                                                        "inspector_id"))
        f.text(self.target_id, record, "target_id")
        object.__setattr__(self, "note", f.text(self.note, record, "note", required=False))
        if not isinstance(self.ground, ConflictGround):
            raise InvalidValueError(record, "ground", self.ground, "is not a ConflictGround",
                                    "use Conflict.from_dict for text")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise InvalidValueError(record, "valid_until", self.valid_until,
                                    f"is before valid_from {self.valid_from}",
                                    "swap the dates or correct one")

    @property
    def key(self) -> tuple[str, str]:
        """(inspector id, target id): at most one declaration per pair."""
        return (self.inspector_id, self.target_id)

    def applies_on(self, day: dt.date) -> bool:
        """Whether the conflict is in force on ``day``."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until)

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> Self:
        """Build from plain values (CSV row or JSON)."""
        record = f"Conflict({row.get('inspector_id')!r}, {row.get('target_id')!r})"
        return cls(inspector_id=row.get("inspector_id", ""), target_id=row.get("target_id", ""),
                   ground=ConflictGround.parse(row.get("ground", ""), record=record),
                   valid_from=f.date(row.get("valid_from"), record, "valid_from"),
                   valid_until=f.date(row.get("valid_until"), record, "valid_until"),
                   note=row.get("note") or "")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {"inspector_id": self.inspector_id, "target_id": self.target_id,
                "ground": self.ground.code,
                "valid_from": self.valid_from.isoformat() if self.valid_from else None,
                "valid_until": self.valid_until.isoformat() if self.valid_until else None,
                "note": self.note}


CONFLICT_HEADERS: dict[str, tuple[str, ...]] = {
    "inspector_id": ("人员编号", "执法人员编号"),
    "target_id": ("统一社会信用代码", "检查对象编号"),
    "ground": ("回避事由", "事由"),
    "valid_from": ("起始日期", "生效日期"),
    "valid_until": ("截止日期", "失效日期"),
    "note": ("备注",),
}


class ConflictRegister:
    """All declared conflicts, at most one per (inspector, target) pair, sorted."""

    __slots__ = ("_by_target", "_conflicts", "_digest")

    def __init__(self, conflicts: Iterable[Conflict] = ()) -> None:
        items = list(conflicts)
        for item in items:
            if not isinstance(item, Conflict):
                raise InvalidValueError("ConflictRegister", "conflicts", item,
                                        "is not a Conflict", "pass Conflict records")
        seen: set[tuple[str, str]] = set()
        dup = sorted({"/".join(c.key) for c in items if c.key in seen or seen.add(c.key)})  # type: ignore[func-returns-value]
        if dup:
            raise DuplicateIdError("ConflictRegister (inspector/target pairs)", dup)
        self._conflicts = tuple(sorted(items, key=lambda c: c.key))
        self._digest: str | None = None
        self._by_target: dict[str, tuple[Conflict, ...]] = {}
        for c in self._conflicts:
            self._by_target[c.target_id] = (*self._by_target.get(c.target_id, ()), c)

    def __len__(self) -> int:
        return len(self._conflicts)

    def __iter__(self) -> Iterator[Conflict]:
        return iter(self._conflicts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConflictRegister) and self._conflicts == other._conflicts

    def __hash__(self) -> int:
        return hash(self._conflicts)

    def for_target(self, target_id: str, on: dt.date) -> dict[str, ConflictGround]:
        """Inspector id → ground of the conflicts with ``target_id`` in force on ``on``."""
        return {c.inspector_id: c.ground for c in self._by_target.get(target_id, ())
                if c.applies_on(on)}

    def involves(self, target_id: str) -> bool:
        """Whether any conflict (in force or not) names ``target_id``."""
        return target_id in self._by_target

    def check_against(self, inspectors: InspectorDirectory, targets: TargetDirectory) -> None:
        """Raise `UnknownIdError` listing every inspector and target id not in the registers."""
        rows = targets.positions([c.target_id for c in self._conflicts]).tolist()
        missing = sorted({f"inspector {c.inspector_id}" for c in self._conflicts
                          if c.inspector_id not in inspectors}
                         | {f"target {c.target_id}"
                            for c, row in zip(self._conflicts, rows, strict=True) if row < 0})
        if missing:
            raise UnknownIdError("ConflictRegister", missing,
                                 "Fix: correct the ids, or add the people and targets to their "
                                 "registers before declaring conflicts.")

    @property
    def digest(self) -> str:
        """``"sha256:<hex>"`` over the canonical JSON lines of the conflicts."""
        if self._digest is None:  # the register never changes: compute once
            h = hashlib.sha256(b"random-inspection/conflict-register/v1\n")
            for c in self._conflicts:
                h.update(canonical_json(c.to_dict()).encode() + b"\n")
            self._digest = "sha256:" + h.hexdigest()
        return self._digest

    @classmethod
    def from_csv(cls, path: _files.PathLike, *, encoding: str | None = None) -> Self:
        """Load a CSV file (English or Chinese headers); all problems reported at once."""
        return cls(_files.load_records(path, CONFLICT_HEADERS,
                                       ("inspector_id", "target_id", "ground"),
                                       Conflict.from_dict, encoding=encoding))

    def to_csv(self, path: _files.PathLike, *, encoding: str = "utf-8",
               headers: str = "english") -> None:
        """Write a CSV file."""
        _files.write_table(path, CONFLICT_HEADERS, [c.to_dict() for c in self._conflicts],
                           encoding=encoding, header_language=headers)
