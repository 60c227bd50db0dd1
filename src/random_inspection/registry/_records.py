"""The records of the three registers (一单两库): check items, targets and inspectors.

Each record is a frozen, keyword-only attrs class. The constructor takes typed values (enums,
dates, sets) and validates them; ``from_dict`` reads the plain strings and lists found in CSV
rows and JSON, with Chinese or English spellings, and ``to_dict`` writes them back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sized
from typing import Any, Self

import attrs

from .._errors import InvalidValueError
from .._text import a_or_an
from . import _fields as f
from ._identifiers import ID_RULES, id_problem, normalize_id
from ._vocabulary import CheckMethod, EntityType, InspectorStatus, ItemKind, RiskClass

__all__ = ["CheckItem", "Inspector", "Target"]


def _frozen_set(value: object) -> object:
    # A bare string would silently become a set of characters; keep it for the validator.
    if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
        return value
    return frozenset(value)


def _id(value: object) -> str:
    return normalize_id(value) if isinstance(value, str) else value  # type: ignore[return-value]


def _require_type(record: str, field: str, value: object, kind: type, fix: str) -> None:
    if not isinstance(value, kind):
        raise InvalidValueError(record, field, value, f"not {a_or_an(kind.__name__)}", fix)


def _require_members(record: str, field: str, value: object, kind: type, fix: str) -> None:
    _require_type(record, field, value, frozenset, "pass a set (or list) of values")
    assert isinstance(value, frozenset)
    for item in value:
        _require_type(record, field, item, kind, fix)


def _optional(row: Mapping[str, Any], key: str) -> Any:
    """An optional value of a plain row: missing or ``None`` is ``""`` (any other value,
    e.g. a numpy array of tags, is kept for the validator; ``or ""`` would test its truth)."""
    value = row.get(key)
    return "" if value is None else value


def _or_default(value: object, default: object) -> object:
    """``default`` for a missing or empty value (``None``, ``""``, an empty list or array)."""
    empty = value is None or (isinstance(value, Sized) and len(value) == 0)
    return default if empty else value


def _date_text(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _sorted(values: frozenset[str]) -> list[str]:
    return sorted(values)


@attrs.frozen(kw_only=True)
class Target:
    """An entry of the target directory (检查对象名录库).

    Attributes:
        id: Unified social credit code (统一社会信用代码); individual businesses may instead
            have a 15-digit legacy registration number (注册号); products and projects carry
            their own code. Normalised (full-width → ASCII, trimmed, upper case).
        name: Registered name (主体名称).
        entity_type: What the entry is (`EntityType`).
        region: Administrative division code of its location (行政区划代码), 6, 9 or 12 digits.
        industry: GB/T 4754 industry code (行业代码), or ``""``.
        registering_office: The registering authority (登记机关), or ``""``.
        supervising_office: The office that supervises it (管辖单位), or ``""``.
        risk_class: Credit-risk class (信用风险分类); unrated entities are ``UNCLASSIFIED``.
        tags: Free labels set by the department (个性化标注).
        last_check_date: Date of its last spot check (上次检查日期), or ``None``.
    """

    id: str = attrs.field(converter=_id)
    name: str
    entity_type: EntityType
    region: str
    industry: str = ""
    registering_office: str = ""
    supervising_office: str = ""
    risk_class: RiskClass = RiskClass.UNCLASSIFIED
    tags: frozenset[str] = attrs.field(factory=frozenset, converter=_frozen_set)
    last_check_date: dt.date | None = None

    def __attrs_post_init__(self) -> None:
        record = f"Target(id={self.id!r})"
        _require_type(record, "id", self.id, str, "pass the code as a str")
        _require_type(
            record, "entity_type", self.entity_type, EntityType,
            "pass an EntityType, or use Target.from_dict for text",
        )
        problem = id_problem(self.id, self.entity_type)
        if problem:
            raise InvalidValueError(
                record, "id", self.id, f"{problem} for {a_or_an(self.entity_type.label_en)}",
                f"{a_or_an(self.entity_type.label_en)} ({self.entity_type.label_zh}) needs "
                f"{ID_RULES[self.entity_type]}",
            )
        _require_type(
            record, "risk_class", self.risk_class, RiskClass,
            "pass a RiskClass, or use Target.from_dict for text",
        )
        _require_members(record, "tags", self.tags, str, "tags are str labels")
        if self.last_check_date is not None:
            _require_type(record, "last_check_date", self.last_check_date, dt.date, "pass a date")
            f.date(self.last_check_date, record, "last_check_date")
        for name, value in (
            ("name", f.text(self.name, record, "name")),
            ("region", f.region(self.region, record)),
            ("industry", f.industry(self.industry, record)),
            ("registering_office", f.text(self.registering_office, record,
                                          "registering_office", required=False)),
            ("supervising_office", f.text(self.supervising_office, record,
                                          "supervising_office", required=False)),
            ("tags", frozenset(f.label(t, record, "tags") for t in self.tags)),
        ):
            object.__setattr__(self, name, value)

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> Self:
        """Build a target from plain values (text, lists), as found in CSV rows and JSON.

        Keys are the attribute names; enums accept codes and Chinese or English labels; dates
        accept ISO and common Chinese spreadsheet forms; tags accept a list or ';'-separated text.
        """
        ident = row.get("id", "")
        record = f"Target(id={ident!r})"
        return cls(
            id=f.text(ident, record, "id"),
            name=row.get("name", ""),
            entity_type=EntityType.parse(row.get("entity_type", ""), record=record),
            region=row.get("region", ""),
            industry=_optional(row, "industry"),
            registering_office=_optional(row, "registering_office"),
            supervising_office=_optional(row, "supervising_office"),
            risk_class=RiskClass.parse(_optional(row, "risk_class"), record=record),
            tags=f.label_set(_optional(row, "tags"), record, "tags"),
            last_check_date=f.date(row.get("last_check_date"), record, "last_check_date"),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values; ``Target.from_dict(t.to_dict()) == t``."""
        return {
            "id": self.id,
            "name": self.name,
            "entity_type": self.entity_type.code,
            "region": self.region,
            "industry": self.industry,
            "registering_office": self.registering_office,
            "supervising_office": self.supervising_office,
            "risk_class": self.risk_class.code,
            "tags": _sorted(self.tags),
            "last_check_date": self.last_check_date.isoformat() if self.last_check_date else None,
        }


@attrs.frozen(kw_only=True)
class Inspector:
    """An entry of the inspector directory (执法检查人员名录库).

    An expired credential is a state, not an error: such an officer stays in the register but
    cannot be drawn for checks after the expiry date (`counts_as_officer`).

    Attributes:
        id: Staff identifier, unique in the register.
        name: Full name.
        department: The department the inspector belongs to (所属部门).
        office: The office (科室 / 市场监管所), or ``""``.
        office_area: Region code prefix of the area the office covers, or ``""``.
        post: Post or rank (职务), or ``""``.
        credential_number: Enforcement credential number (执法证号); required for an active
            officer who is not an expert.
        credential_expiry: Last day the credential is valid, or ``None`` if none is recorded.
        specialties: Fields of expertise (业务专长), e.g. ``{"食品", "特种设备"}``.
        is_expert: A technical expert (专业技术人员): may join a team, never counts toward
            the two officers.
        status: Employment status; only ``ACTIVE`` inspectors can be drawn.
        group: The pre-formed inspection group (执法检查小组) the inspector belongs to, or
            ``""``; groups are drawn as a unit when a `TeamPolicy` has ``unit="group"``.
    """

    id: str
    name: str
    department: str
    office: str = ""
    office_area: str = ""
    post: str = ""
    credential_number: str = ""
    credential_expiry: dt.date | None = None
    specialties: frozenset[str] = attrs.field(factory=frozenset, converter=_frozen_set)
    is_expert: bool = False
    status: InspectorStatus = InspectorStatus.ACTIVE
    group: str = ""

    def __attrs_post_init__(self) -> None:
        record = f"Inspector(id={self.id!r})"
        _require_type(record, "is_expert", self.is_expert, bool, "pass True or False")
        _require_type(record, "status", self.status, InspectorStatus,
                      "pass an InspectorStatus, or use Inspector.from_dict for text")
        _require_members(record, "specialties", self.specialties, str, "specialties are str")
        if self.credential_expiry is not None:
            _require_type(record, "credential_expiry", self.credential_expiry, dt.date,
                          "pass a date")
            f.date(self.credential_expiry, record, "credential_expiry")
        ident = f.text(self.id, record, "id")
        if any(c.isspace() for c in ident):
            raise InvalidValueError(record, "id", self.id, "contains spaces", "remove the spaces")
        values = {
            "id": ident,
            "name": f.text(self.name, record, "name"),
            "department": f.text(self.department, record, "department"),
            "office": f.text(self.office, record, "office", required=False),
            "office_area": f.region_prefix(self.office_area, record, "office_area",
                                           required=False),
            "post": f.text(self.post, record, "post", required=False),
            "credential_number": f.text(self.credential_number, record, "credential_number",
                                        required=False),
            "specialties": frozenset(f.label(s, record, "specialties") for s in self.specialties),
            "group": f.text(self.group, record, "group", required=False),
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)
        officer = self.status is InspectorStatus.ACTIVE and not self.is_expert
        if officer and not self.credential_number:
            raise InvalidValueError(
                record, "credential_number", self.credential_number,
                "an active enforcement officer has no credential number (执法证号)",
                "enter the credential number, or mark the person as an expert or not active",
            )

    def counts_as_officer(self, on: dt.date) -> bool:
        """Whether this inspector can be one of the (at least two) officers of a check on ``on``.

        True for an active non-expert whose credential has not expired by that date.
        """
        return (
            self.status is InspectorStatus.ACTIVE
            and not self.is_expert
            and bool(self.credential_number)
            and (self.credential_expiry is None or self.credential_expiry >= on)
        )

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> Self:
        """Build an inspector from plain values (text, lists), as found in CSV rows and JSON."""
        ident = row.get("id", "")
        record = f"Inspector(id={ident!r})"
        return cls(
            id=ident,
            name=row.get("name", ""),
            department=row.get("department", ""),
            office=_optional(row, "office"),
            office_area=_optional(row, "office_area"),
            post=_optional(row, "post"),
            credential_number=_optional(row, "credential_number"),
            credential_expiry=f.date(row.get("credential_expiry"), record, "credential_expiry"),
            specialties=f.label_set(_optional(row, "specialties"), record, "specialties"),
            is_expert=f.boolean(row.get("is_expert", False), record, "is_expert"),
            status=InspectorStatus.parse(row.get("status") or "active", record=record),
            group=_optional(row, "group"),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values; ``Inspector.from_dict(i.to_dict()) == i``."""
        return {
            "id": self.id,
            "name": self.name,
            "department": self.department,
            "office": self.office,
            "office_area": self.office_area,
            "post": self.post,
            "credential_number": self.credential_number,
            "credential_expiry": _date_text(self.credential_expiry) or None,
            "specialties": _sorted(self.specialties),
            "is_expert": self.is_expert,
            "status": self.status.code,
            "group": self.group,
        }


_DEFAULT_ITEM_TYPES = frozenset(
    {EntityType.ENTERPRISE, EntityType.INDIVIDUAL_BUSINESS, EntityType.FARMER_COOPERATIVE}
)


@attrs.frozen(kw_only=True)
class CheckItem:
    """An entry of the spot-check item list (随机抽查事项清单).

    Attributes:
        code: Item code, unique in the list.
        name: Item name (抽查事项).
        legal_basis: The law or regulation that authorises the check (检查依据).
        department: The department responsible (实施主体).
        kind: Key item (重点检查事项) or general item (一般检查事项).
        methods: Allowed check methods (检查方式), at least one.
        required_specialties: Specialties an inspection team must cover for this item.
        entity_types: Entity types the item applies to (检查对象类型), at least one.
    """

    code: str
    name: str
    legal_basis: str
    department: str
    kind: ItemKind = ItemKind.GENERAL
    methods: frozenset[CheckMethod] = attrs.field(
        factory=lambda: frozenset({CheckMethod.ON_SITE}), converter=_frozen_set
    )
    required_specialties: frozenset[str] = attrs.field(factory=frozenset, converter=_frozen_set)
    entity_types: frozenset[EntityType] = attrs.field(
        default=_DEFAULT_ITEM_TYPES, converter=_frozen_set
    )

    def __attrs_post_init__(self) -> None:
        record = f"CheckItem(code={self.code!r})"
        _require_type(record, "kind", self.kind, ItemKind, "pass an ItemKind")
        _require_members(record, "methods", self.methods, CheckMethod, "pass CheckMethod members")
        _require_members(record, "entity_types", self.entity_types, EntityType,
                         "pass EntityType members")
        _require_members(record, "required_specialties", self.required_specialties, str,
                         "specialties are str")
        for field, members in (("methods", self.methods), ("entity_types", self.entity_types)):
            if not members:
                raise InvalidValueError(record, field, members, "is empty", "give at least one")
        code = f.text(self.code, record, "code")
        if any(c.isspace() for c in code):
            raise InvalidValueError(record, "code", self.code, "contains spaces",
                                    "remove the spaces")
        values = {
            "code": code,
            "name": f.text(self.name, record, "name"),
            "legal_basis": f.text(self.legal_basis, record, "legal_basis"),
            "department": f.text(self.department, record, "department"),
            "required_specialties": frozenset(
                f.label(s, record, "required_specialties") for s in self.required_specialties
            ),
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> Self:
        """Build an item from plain values (text, lists), as found in CSV rows and JSON."""
        code = row.get("code", "")
        record = f"CheckItem(code={code!r})"
        methods = _or_default(row.get("methods"), "on_site")
        types = _or_default(row.get("entity_types"), sorted(t.code for t in _DEFAULT_ITEM_TYPES))
        return cls(
            code=code,
            name=row.get("name", ""),
            legal_basis=row.get("legal_basis", ""),
            department=row.get("department", ""),
            kind=ItemKind.parse(row.get("kind") or "general", record=record),
            methods=f.enum_set(CheckMethod, methods, record, "methods", required=True),
            required_specialties=f.label_set(_optional(row, "required_specialties"), record,
                                             "required_specialties"),
            entity_types=f.enum_set(EntityType, types, record, "entity_types", required=True),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values; ``CheckItem.from_dict(c.to_dict()) == c``."""
        return {
            "code": self.code,
            "name": self.name,
            "legal_basis": self.legal_basis,
            "department": self.department,
            "kind": self.kind.code,
            "methods": sorted(m.code for m in self.methods),
            "required_specialties": _sorted(self.required_specialties),
            "entity_types": sorted(t.code for t in self.entity_types),
        }
