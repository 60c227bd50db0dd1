"""How teams are formed: draw mode, recusal rules and team rules (one `TeamPolicy`)."""

from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from .._canonical import canonical_json
from .._errors import InvalidValueError, UnknownIdError
from ..registry import CheckItem, CheckItemList, Inspector, Target
from ..registry import _fields as f
from ..registry._fields import records_of
from ..registry._identifiers import normalize_id
from ..registry._vocabulary import _Labelled
from ._conflicts import ConflictRegister

__all__ = ["CustomRule", "DrawMode", "DrawUnit", "TeamPolicy", "previous_inspectors_digest"]


def previous_inspectors_digest(previous: Mapping[str, Any]) -> str:
    """Spec §12.8: SHA-256 of the canonical JSON of {target id: [inspector ids]}."""
    return "sha256:" + hashlib.sha256(canonical_json(previous).encode()).hexdigest()


@functools.lru_cache(maxsize=8)
def _rotation_digest(previous: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    """`previous_inspectors_digest` of a policy's stored rotation data, computed once per
    data set (a policy's record section is made by every draw and every verification)."""
    return previous_inspectors_digest({t: list(ids) for t, ids in previous})


class DrawMode(_Labelled):
    """How the pool of inspectors for a target is formed (抽取模式)."""

    WHOLE_POOL = "whole_pool"
    BY_REGION = "by_region"
    CROSS_OFFICE = "cross_office"

    _LABELS = enum.nonmember({
        "whole_pool": ("全局混合", "whole pool"),
        "by_region": ("区域定向", "by region"),
        "cross_office": ("所所交叉", "across offices"),
    })


class DrawUnit(_Labelled):
    """What is drawn for a target (抽取单元): officers one by one, or a pre-formed group."""

    PERSON = "person"
    GROUP = "group"

    _LABELS = enum.nonmember({
        "person": ("按人抽取", "by person"),
        "group": ("按组抽取", "by pre-formed group"),
    })


def _rule_name(value: object) -> str:
    return f.text(value, "CustomRule", "name")


@attrs.frozen
class CustomRule:
    """A recusal rule of the caller's own: ``applies(inspector, target)`` True means recuse.

    Its exclusions are written into the audit record as data (rule → target → inspectors),
    so a verifier without the code can still replay the draw.

    Attributes:
        name: The rule's name (single-line text), unique within a policy.
        applies: The predicate.
    """

    name: str = attrs.field(converter=_rule_name)
    applies: Callable[[Inspector, Target], bool] = attrs.field(eq=False)

    @classmethod
    def recorded(cls, name: str, exclusions: Mapping[str, Any]) -> CustomRule:
        """The rule as a record shows it: it recuses exactly the recorded inspectors
        (``exclusions``: target id → inspector ids)."""
        table = {target: frozenset(ids) for target, ids in exclusions.items()}
        return cls(name, lambda inspector, target: inspector.id in table.get(target.id, ()))


def _rotation(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if isinstance(value, tuple) and all(  # the stored form, as `attrs.evolve` passes it back
            isinstance(p, tuple) and len(p) == 2 and isinstance(p[1], tuple) for p in value):
        value = dict(value)
    if not isinstance(value, Mapping):
        raise InvalidValueError("TeamPolicy", "previous_inspectors", value, "is not a mapping",
                                "pass {target id: [inspector ids of its previous check]}")
    for target, ids in value.items():
        if not isinstance(target, str) or isinstance(ids, str) or not all(
                isinstance(i, str) for i in ids):
            raise InvalidValueError("TeamPolicy", "previous_inspectors", {target: ids},
                                    "is not a target id with a list of inspector ids",
                                    "pass {target id: [inspector ids of its previous check]}")
    out: dict[str, tuple[str, ...]] = {}
    for target, ids in value.items():
        key = normalize_id(target)
        if key in out:
            raise InvalidValueError("TeamPolicy", "previous_inspectors", target,
                                    f"is the target {key} again (ids are compared upper case, "
                                    "without surrounding spaces)", "give each target once")
        out[key] = tuple(sorted(set(ids)))
    return tuple(sorted(out.items()))


def _mode(value: str | DrawMode) -> DrawMode:
    return DrawMode.parse(value, record="TeamPolicy", field="mode")


def _unit(value: str | DrawUnit) -> DrawUnit:
    return DrawUnit.parse(value, record="TeamPolicy", field="unit")


def _rules(value: Iterable[CustomRule]) -> tuple[CustomRule, ...]:
    return tuple(value)


def _items(value: Any) -> tuple[CheckItem, ...]:
    items = records_of(CheckItem, value, "TeamPolicy", "items")
    codes = [i.code for i in items]
    if len(set(codes)) < len(codes):
        raise InvalidValueError("TeamPolicy", "items", codes, "names an item twice",
                                "give each check item once")
    return items


def _department(value: object) -> str | None:
    return None if value is None else f.text(value, "TeamPolicy", "leader_department")


#: Executing levels (spec §12.11): the level's division-code length.
EXECUTING_LEVELS = {"city": 4, "county": 6}


def _executing_level(value: object) -> str | None:
    if value is None:
        return None
    code = getattr(value, "code", value)  # a planning Level passes as its code
    if code not in EXECUTING_LEVELS:
        raise InvalidValueError("TeamPolicy", "executing_level", value, "is not a level that "
                                "executes checks", "use 'county' (省抽县查, 市抽县查), 'city', or "
                                "None for no restriction")
    return str(code)


def _widened_departments(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidValueError("TeamPolicy", "widened_departments", value, "is not a list",
                                "give department names, e.g. ['忻州市检验检测中心']")
    return tuple(sorted({f.label(v, "TeamPolicy", "widened_departments") for v in value}))


def _widened_inspectors(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidValueError("TeamPolicy", "widened_inspectors", value, "is not a list",
                                "give inspector ids, e.g. ['XZE002']")
    out = set()
    for v in value:
        code = f.text(v, "TeamPolicy", "widened_inspectors")
        if any(c.isspace() for c in code):
            raise InvalidValueError("TeamPolicy", "widened_inspectors", v, "contains spaces",
                                    "give inspector ids as the register spells them")
        out.add(code)
    return tuple(sorted(out))


@attrs.frozen(kw_only=True)
class TeamPolicy:
    """Everything that decides who may inspect which target, and how teams are formed.

    Attributes:
        check_date: The day of the checks: credentials must be valid then, and conflicts in
            force then apply.
        mode: `DrawMode`: whole pool (全局混合); by region (区域定向: only officers whose office
            area is a prefix of the target's region); across offices (所所交叉: never a target
            supervised by one's own office).
        unit: `DrawUnit`: officers drawn one by one (按人抽取), or pre-formed groups
            (`Inspector.group`, 执法检查小组) drawn as a unit (按组抽取): a group is eligible
            only if the mode allows all its officers and none is recused, and its officers
            with valid credentials (at least ``min_officers``) form the team.
        min_officers: Officers with valid credentials per team; at least two (行政处罚法 Art. 42).
        leader_department: If set, every team includes an officer of this (executing)
            department, who leads it.
        cap: Hard limit of targets per officer; ``None`` lets the fair cap rise only as far as
            the constraints force.
        conflicts: Declared conflicts (`ConflictRegister`).
        previous_inspectors: Rotation: target id → inspectors of its previous check, who may
            not check it again.
        custom_rules: The caller's own recusal rules.
        items: The task's check items; teams must cover their required specialties, with
            experts added where the officers do not (1+X: all items in one visit).
        add_experts: Whether to add experts for uncovered specialties.
        executing_level: ``"county"`` or ``"city"`` when a bureau of that level inspects what
            a higher level drew (省抽县查, 市抽县查): officers and experts must then belong to
            the bureau of the target's county (city), i.e. their office area lies within it
            (spec §12.11). ``None``: no such restriction.
        widened_departments: With an executing level, departments whose people are also
            eligible wherever they serve (e.g. a city's inspection centre's experts).
        widened_inspectors: With an executing level, inspector ids also eligible.
    """

    check_date: dt.date
    mode: DrawMode = attrs.field(default=DrawMode.WHOLE_POOL, converter=_mode)
    unit: DrawUnit = attrs.field(default=DrawUnit.PERSON, converter=_unit)
    min_officers: int = 2
    leader_department: str | None = attrs.field(default=None, converter=_department)
    cap: int | None = None
    conflicts: ConflictRegister = attrs.field(factory=ConflictRegister)
    previous_inspectors: tuple[tuple[str, tuple[str, ...]], ...] = attrs.field(
        factory=dict, converter=_rotation)
    custom_rules: tuple[CustomRule, ...] = attrs.field(default=(), converter=_rules)
    items: tuple[CheckItem, ...] = attrs.field(default=(), converter=_items)
    add_experts: bool = True
    executing_level: str | None = attrs.field(default=None, converter=_executing_level)
    widened_departments: tuple[str, ...] = attrs.field(default=(),
                                                       converter=_widened_departments)
    widened_inspectors: tuple[str, ...] = attrs.field(default=(), converter=_widened_inspectors)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.check_date, dt.date) or isinstance(self.check_date, dt.datetime):
            raise InvalidValueError("TeamPolicy", "check_date", self.check_date, "is not a date",
                                    "pass a datetime.date")
        if isinstance(self.min_officers, bool) or not isinstance(self.min_officers, int) \
                or self.min_officers < 2:
            raise InvalidValueError("TeamPolicy", "min_officers", self.min_officers,
                                    "must be a whole number of at least 2",
                                    "inspections need two officers with valid credentials")
        if self.cap is not None and (isinstance(self.cap, bool) or not isinstance(self.cap, int)
                                     or self.cap < 1):
            raise InvalidValueError("TeamPolicy", "cap", self.cap, "is not a positive count",
                                    "give the most targets one officer may take, or None")
        if not isinstance(self.conflicts, ConflictRegister):
            raise InvalidValueError("TeamPolicy", "conflicts", self.conflicts,
                                    "is not a ConflictRegister", "pass ConflictRegister(...)")
        names = [r.name for r in self.custom_rules]
        if len(set(names)) != len(names) or not all(isinstance(r, CustomRule)
                                                     for r in self.custom_rules):
            raise InvalidValueError("TeamPolicy", "custom_rules", names,
                                    "need distinct names and CustomRule objects",
                                    "wrap each predicate in CustomRule(name, function)")
        if self.executing_level is None and (self.widened_departments
                                             or self.widened_inspectors):
            field = "widened_departments" if self.widened_departments else "widened_inspectors"
            raise InvalidValueError("TeamPolicy", field, getattr(self, field),
                                    "widens nothing without an executing level",
                                    "set executing_level='county' (or 'city'), or drop it")

    @classmethod
    def from_record(cls, data: Mapping[str, Any], *, conflicts: ConflictRegister | None = None,
                    previous_inspectors: Mapping[str, Any] | None = None, items: Any = (),
                    custom_exclusions: Mapping[str, Any] | None = None) -> TeamPolicy:
        """Rebuild the policy recorded in an audit record's team section (``data`` is its
        ``policy``), given the data sets it names by digest.

        The digests are not checked here: `verify` compares the rebuilt policy with the
        record and reports a mismatch as a failed check. Custom rules are rebuilt from the
        record's ``custom_exclusions`` (spec 1.1: rule → target → inspectors) with
        `CustomRule.recorded`; records of spec 1 do not say which rule excluded whom.
        """
        rules: list[CustomRule] = []
        for name in data.get("custom_rules", []):
            if custom_exclusions is None:
                raise InvalidValueError("TeamPolicy.from_record", "custom_rules",
                                        data["custom_rules"],
                                        "cannot be rebuilt from a spec 1 record",
                                        "verify in Python with the same CustomRule objects")
            rules.append(CustomRule.recorded(name, custom_exclusions.get(name, {})))
        by_code = {i.code: i for i in items}
        missing = [c for c in data.get("items", []) if c not in by_code]
        if missing:
            raise UnknownIdError("check-item list", missing,
                                 "Fix: pass the check-item list the teams were drawn with.")
        return cls(check_date=dt.date.fromisoformat(data["check_date"]), mode=data["mode"],
                   unit=data.get("unit", "person"), min_officers=data["min_officers"],
                   leader_department=data["leader_department"], cap=data["cap"],
                   conflicts=conflicts or ConflictRegister(),
                   previous_inspectors=previous_inspectors or {}, custom_rules=rules,
                   items=[by_code[c] for c in data.get("items", [])],
                   add_experts=data["add_experts"],
                   executing_level=data.get("executing_level"),
                   widened_departments=data.get("widened_departments", ()),
                   widened_inspectors=data.get("widened_inspectors", ()))

    def serves(self, person: Inspector, target: Target) -> bool:
        """Whether ``person`` belongs to the bureau executing the check of ``target`` (spec
        §12.11): always True without an executing level."""
        if self.executing_level is None:
            return True
        width = EXECUTING_LEVELS[self.executing_level]
        area = person.office_area
        return (len(area) >= width and area[:width] == target.region[:width]) \
            or person.department in self.widened_departments \
            or person.id in self.widened_inspectors

    @property
    def rotation(self) -> dict[str, frozenset[str]]:
        """Target id → inspectors of its previous check."""
        return {t: frozenset(ids) for t, ids in self.previous_inspectors}

    def to_dict(self) -> dict[str, Any]:
        """Plain values for the audit record (data sets by digest, spec §12.8)."""
        return {
            "check_date": self.check_date.isoformat(),
            "mode": self.mode.code,
            "unit": self.unit.code,
            "min_officers": self.min_officers,
            "leader_department": self.leader_department,
            "cap": self.cap,
            "conflicts_digest": self.conflicts.digest,
            "previous_inspectors_digest": _rotation_digest(self.previous_inspectors),
            "custom_rules": [r.name for r in self.custom_rules],
            "items": [i.code for i in self.items],
            "items_digest": CheckItemList(self.items).digest,
            "add_experts": self.add_experts,
        } | ({} if self.executing_level is None else {
            "executing_level": self.executing_level,
            "widened_departments": list(self.widened_departments),
            "widened_inspectors": list(self.widened_inspectors)})
