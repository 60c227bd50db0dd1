"""Hypothesis strategies for the library's values (needs the ``strategies`` extra).

Following Hypothesis' API style: plural nouns, keyword-only arguments, ``min_size`` /
``max_size`` for collections, and `hypothesis.errors.InvalidArgument` for bad arguments.
Every generated value is valid: identifiers carry correct check characters, and directories
have unique ids.

Example:
    >>> from hypothesis import given
    >>> from random_inspection.strategies import target_directories
    >>> @given(target_directories(max_size=5))
    ... def test_len(directory):
    ...     assert len(directory) <= 5
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

try:
    from hypothesis import strategies as st
    from hypothesis.errors import InvalidArgument
except ImportError as error:  # pragma: no cover
    raise ImportError(
        "random_inspection.strategies needs Hypothesis: pip install 'random-inspection[strategies]'"
    ) from error

import attrs

from ._errors import InvalidValueError
from ._mutations import RecordMutation, record_mutations
from .assignment import (
    Conflict,
    ConflictGround,
    ConflictRegister,
    DrawMode,
    DrawUnit,
    TeamPolicy,
)
from .demo import COUNTIES
from .planning import VISIT_CAP_PRESETS, AnnualPlan, Level, PlanRun, Task, TaskMode
from .registry import (
    CheckItem,
    CheckItemList,
    CheckMethod,
    EntityType,
    Inspector,
    InspectorDirectory,
    InspectorStatus,
    ItemKind,
    RiskClass,
    Target,
    TargetDirectory,
)
from .registry._fields import PROVINCE_CODES, region
from .registry._identifiers import (
    USCC_ALPHABET,
    registration_check_digit,
    uscc_check_character,
)
from .results import InspectionResult, ItemOutcome, ResultCode
from .sampling import ClassWeighted, Seed, StratifiedByRisk

__all__ = [
    "RecordMutation",
    "check_item_lists",
    "check_items",
    "class_weighted_designs",
    "conflict_registers",
    "designs",
    "inspection_results",
    "inspector_directories",
    "inspectors",
    "purposes",
    "record_mutations",
    "region_codes",
    "registration_numbers",
    "result_codes",
    "seeds",
    "stratified_designs",
    "target_directories",
    "targets",
    "team_policies",
    "usccs",
]

_RATED = (RiskClass.A, RiskClass.B, RiskClass.C, RiskClass.D)
#: Default region codes: the demo city's counties.
DEFAULT_REGIONS = ("140902", "140921", "140922", "140981", "140925")
DEFAULT_TAGS = ("食品经营", "特种设备使用", "网络经营", "药品经营")
DEFAULT_SPECIALTIES = ("食品", "特种设备", "药品", "工业产品")
_OFFICES = ("", "城区所", "第一所", "第二所")
_HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
_NAMES = st.text(alphabet=st.one_of(_HAN, st.sampled_from("ABCXYZ0123（）·")), min_size=1,
                 max_size=16).map(str.strip).filter(bool)
_DATES = st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2026, 12, 31))


def _choices(name: str, values: Sequence[object] | None, default: Sequence[object]
             ) -> list[object]:
    chosen = list(default if values is None else values)
    if not chosen:
        raise InvalidArgument(f"{name}={values!r} must not be empty")
    return chosen


def _check_sizes(min_size: int, max_size: int | None) -> None:
    if min_size < 0:
        raise InvalidArgument(f"min_size={min_size} must be at least 0")
    if max_size is not None and max_size < min_size:
        raise InvalidArgument(f"max_size={max_size} must be at least min_size={min_size}")


def _check_regions(name: str, regions: Sequence[object], *, lengths: tuple[int, ...]) -> None:
    """InvalidArgument unless every region is a valid division code of one of ``lengths``."""
    for code in regions:
        if not (isinstance(code, str) and len(code) in lengths):
            raise InvalidArgument(f"{name}={regions!r} must be division codes of "
                                  f"{' or '.join(map(str, lengths))} digits")
        try:
            region(code, "strategy", name)
        except InvalidValueError as error:
            raise InvalidArgument(f"{name}: {code!r} {error.problem}") from None


@st.composite
def _region_code(draw: st.DrawFn, provinces: list[str], lengths: list[int]) -> str:
    length = draw(st.sampled_from(lengths))
    province = draw(st.sampled_from(provinces))
    city = draw(st.integers(0, 99))
    county = 0 if city == 0 else draw(st.integers(0, 99))
    township = draw(st.integers(0, 999))
    village = 0 if township == 0 else draw(st.integers(0, 999))
    return f"{province}{city:02d}{county:02d}{township:03d}{village:03d}"[:length]


def region_codes(*, provinces: Sequence[str] | None = None,
                 lengths: Sequence[int] = (6, 9, 12)) -> st.SearchStrategy[str]:
    """Valid administrative division codes (the rules of ``Target.region``): an existing
    province part, ``'00'`` county part under a ``'00'`` city part, ``'000'`` village part
    under a ``'000'`` township part; ``lengths`` from 6 (county), 9 (township), 12 (village).
    """
    chosen = _choices("provinces", provinces, sorted(PROVINCE_CODES))
    if not set(chosen) <= PROVINCE_CODES:
        raise InvalidArgument(f"provinces={provinces!r} must be province codes such as '14'")
    if not lengths or not set(lengths) <= {6, 9, 12}:
        raise InvalidArgument(f"lengths={lengths!r} must be taken from 6, 9 and 12")
    return _region_code([str(p) for p in chosen], sorted(set(lengths)))


@st.composite
def _uscc(draw: st.DrawFn, regions: list[object], type_prefixes: list[object]) -> str:
    head = f"{draw(st.sampled_from(type_prefixes))}{draw(st.sampled_from(regions))}"
    body = draw(st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9))
    return head + body + uscc_check_character(head + body)


def usccs(*, regions: Sequence[str] | None = None, type_prefixes: Sequence[str] | None = None
          ) -> st.SearchStrategy[str]:
    """Valid unified social credit codes (GB 32100-2015) for the given 6-digit regions.

    ``type_prefixes`` are the first two characters (registration authority and entity type,
    e.g. ``"91"`` enterprise, ``"92"`` individual business, ``"93"`` farmer cooperative).
    """
    regs = _choices("regions", regions, DEFAULT_REGIONS)
    prefixes = _choices("type_prefixes", type_prefixes, ("91", "92", "93"))
    _check_regions("regions", regs, lengths=(6,))
    if any(not (isinstance(p, str) and len(p) == 2 and p.isdigit()) for p in prefixes):
        raise InvalidArgument(f"type_prefixes={type_prefixes!r} must be 2-digit strings")
    return _uscc(regs, prefixes)


@st.composite
def _regno(draw: st.DrawFn, regions: list[object]) -> str:
    body = f"{draw(st.sampled_from(regions))}{draw(st.integers(0, 10**8 - 1)):08d}"
    return body + registration_check_digit(body)


def registration_numbers(*, regions: Sequence[str] | None = None) -> st.SearchStrategy[str]:
    """Valid 15-digit legacy registration numbers (ISO 7064 MOD 11,10)."""
    regs = _choices("regions", regions, DEFAULT_REGIONS)
    _check_regions("regions", regs, lengths=(6,))
    return _regno(regs)


@st.composite
def _target(draw: st.DrawFn, types: list[object], classes: list[object], regions: list[object],
            tags: list[object]) -> Target:
    kind = draw(st.sampled_from(types))
    assert isinstance(kind, EntityType)
    region = draw(st.sampled_from(regions))
    assert isinstance(region, str)
    if kind in (EntityType.PRODUCT, EntityType.PROJECT):
        ident = draw(st.from_regex(r"[A-Z][A-Z0-9\-]{0,12}", fullmatch=True))
    elif kind is EntityType.INDIVIDUAL_BUSINESS:  # ids carry the county part of the region
        ident = draw(st.one_of(usccs(regions=[region[:6]], type_prefixes=["92"]),
                               registration_numbers(regions=[region[:6]])))
    else:
        prefix = {EntityType.ENTERPRISE: "91", EntityType.FARMER_COOPERATIVE: "93"}.get(kind,
                                                                                       "59")
        ident = draw(usccs(regions=[region[:6]], type_prefixes=[prefix]))
    return Target(
        id=ident, name=draw(_NAMES), entity_type=kind, region=region,
        industry=draw(st.sampled_from(["", "C13", "F52", "H62", "E47"])),
        registering_office=draw(st.sampled_from(["", "市局", "县局"])),
        supervising_office=draw(st.sampled_from(_OFFICES)),
        risk_class=draw(st.sampled_from(classes)),  # type: ignore[arg-type]
        tags=draw(st.frozensets(st.sampled_from(tags), max_size=2)),
        last_check_date=draw(st.none() | _DATES),
    )


def targets(*, entity_types: Sequence[EntityType] | None = None,
            risk_classes: Sequence[RiskClass] | None = None,
            regions: Sequence[str] | None = None,
            tags: Sequence[str] | None = None) -> st.SearchStrategy[Target]:
    """Valid `Target` records drawn from the given types, classes, regions (6, 9 or 12-digit
    division codes; see `region_codes`) and tag pool."""
    types = _choices("entity_types", entity_types, list(EntityType))
    classes = _choices("risk_classes", risk_classes, list(RiskClass))
    if not all(isinstance(t, EntityType) for t in types):
        raise InvalidArgument(f"entity_types={entity_types!r} must be EntityType members")
    if not all(isinstance(c, RiskClass) for c in classes):
        raise InvalidArgument(f"risk_classes={risk_classes!r} must be RiskClass members")
    regs = _choices("regions", regions, DEFAULT_REGIONS)
    _check_regions("regions", regs, lengths=(6, 9, 12))
    return _target(types, classes, regs, list(DEFAULT_TAGS if tags is None else tags) or [""])


def target_directories(*, min_size: int = 0, max_size: int | None = 40,
                       entity_types: Sequence[EntityType] | None = None,
                       risk_classes: Sequence[RiskClass] | None = None,
                       regions: Sequence[str] | None = None,
                       ) -> st.SearchStrategy[TargetDirectory]:
    """`TargetDirectory` values with unique ids and ``min_size`` to ``max_size`` targets."""
    _check_sizes(min_size, max_size)
    return st.lists(targets(entity_types=entity_types, risk_classes=risk_classes,
                            regions=regions),
                    min_size=min_size, max_size=max_size, unique_by=lambda t: t.id
                    ).map(TargetDirectory.from_records)


@st.composite
def _inspector(draw: st.DrawFn, experts: bool | None, valid_on: dt.date | None) -> Inspector:
    expert = draw(st.booleans()) if experts is None else experts
    status = (InspectorStatus.ACTIVE if valid_on is not None
              else draw(st.sampled_from(list(InspectorStatus))))
    has_credential = not expert or draw(st.booleans())
    dates = _DATES if valid_on is None else st.dates(min_value=valid_on,
                                                     max_value=dt.date(2035, 12, 31))
    return Inspector(
        id=draw(st.from_regex(r"[A-Z]{2}[0-9]{3,6}", fullmatch=True)),
        name=draw(_NAMES),
        department=draw(st.sampled_from(["市局", "定襄县局", "原平市局"])),
        office=draw(st.sampled_from(_OFFICES)),
        office_area=draw(st.sampled_from(["", "1409", *DEFAULT_REGIONS])),
        credential_number=draw(st.from_regex(r"[0-9]{8,13}", fullmatch=True))
        if has_credential else "",
        credential_expiry=draw(st.none() | dates) if has_credential else None,
        specialties=draw(st.frozensets(st.sampled_from(DEFAULT_SPECIALTIES), max_size=2)),
        is_expert=expert,
        status=status,
        group=draw(st.sampled_from(["", "", "第一组", "第二组", "第三组"])),
    )


def inspectors(*, experts: bool | None = None, valid_on: dt.date | None = None
               ) -> st.SearchStrategy[Inspector]:
    """Valid `Inspector` records; ``experts`` True/False fixes the expert flag; with
    ``valid_on`` every inspector is active and any credential is valid on that date."""
    if experts is not None and not isinstance(experts, bool):
        raise InvalidArgument(f"experts={experts!r} must be None, True or False")
    if valid_on is not None and not isinstance(valid_on, dt.date):
        raise InvalidArgument(f"valid_on={valid_on!r} must be a date")
    return _inspector(experts, valid_on)


def inspector_directories(*, min_size: int = 0, max_size: int | None = 20,
                          experts: bool | None = None, valid_on: dt.date | None = None
                          ) -> st.SearchStrategy[InspectorDirectory]:
    """`InspectorDirectory` values with unique ids (arguments as for `inspectors`)."""
    _check_sizes(min_size, max_size)
    return st.lists(inspectors(experts=experts, valid_on=valid_on), min_size=min_size,
                    max_size=max_size, unique_by=lambda i: i.id).map(InspectorDirectory)


def check_items(*, codes: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[CheckItem]:
    """Valid `CheckItem` records; ``codes`` is a strategy for the item code."""
    code_strategy = st.from_regex(r"[A-Z]{2}[0-9]{2,4}", fullmatch=True) if codes is None \
        else codes
    if not isinstance(code_strategy, st.SearchStrategy):
        raise InvalidArgument(f"codes={codes!r} must be a strategy")
    return st.builds(
        CheckItem,
        code=code_strategy, name=_NAMES, legal_basis=_NAMES.map(lambda s: f"《{s}》"),
        department=st.sampled_from(["市场监督管理部门", "信用监管科"]),
        kind=st.sampled_from(list(ItemKind)),
        methods=st.frozensets(st.sampled_from(list(CheckMethod)), min_size=1),
        required_specialties=st.frozensets(st.sampled_from(DEFAULT_SPECIALTIES), max_size=2),
        entity_types=st.frozensets(st.sampled_from(list(EntityType)), min_size=1),
    )


def check_item_lists(*, min_size: int = 0, max_size: int | None = 20
                     ) -> st.SearchStrategy[CheckItemList]:
    """`CheckItemList` values with unique codes."""
    _check_sizes(min_size, max_size)
    return st.lists(check_items(), min_size=min_size, max_size=max_size,
                    unique_by=lambda i: i.code).map(CheckItemList)


def seeds() -> st.SearchStrategy[Seed]:
    """Valid seeds: 20-40 decimal digits, or 32-64 hex characters."""
    return st.one_of(
        st.text(alphabet="0123456789", min_size=20, max_size=40),
        st.text(alphabet="0123456789abcdef", min_size=32, max_size=64),
    ).map(Seed)


def purposes() -> st.SearchStrategy[str]:
    """Valid purpose labels, e.g. ``2024/忻州市/task-03``."""
    part = st.text(alphabet=st.one_of(_HAN, st.sampled_from("abcxyz0123-_")), min_size=1,
                   max_size=8)
    return st.lists(part, min_size=1, max_size=3).map("/".join)


_RATES = st.sampled_from(["0", "1/100", "3/100", "1/10", "1/3", "1/2", "1"])


def stratified_designs(*, floors: st.SearchStrategy[str] | None = None
                       ) -> st.SearchStrategy[StratifiedByRisk]:
    """`StratifiedByRisk` designs over all entity types, with random rates and floors.

    ``floors`` is a strategy for the coverage floor (default: '0', '3/100' or '1/10'). Designs
    whose floor cannot be met on a given directory raise when drawn; filter with ``assume``.
    """
    floor_strategy = st.sampled_from(["0", "3/100", "1/10"]) if floors is None else floors
    if not isinstance(floor_strategy, st.SearchStrategy):
        raise InvalidArgument(f"floors={floors!r} must be a strategy")
    return st.builds(
        StratifiedByRisk,
        rates=st.fixed_dictionaries(dict.fromkeys(RiskClass, _RATES)),
        minimums=st.fixed_dictionaries({}, optional={c: st.integers(0, 3) for c in RiskClass}),
        floor=floor_strategy,
        scope=st.just({"entity_types": []}),
    )


def class_weighted_designs(*, max_total: int = 10) -> st.SearchStrategy[ClassWeighted]:
    """`ClassWeighted` designs over all entity types with totals up to ``max_total``."""
    if max_total < 0:
        raise InvalidArgument(f"max_total={max_total} must be at least 0")
    return st.builds(
        ClassWeighted,
        total=st.integers(0, max_total),
        weights=st.fixed_dictionaries({c: st.sampled_from(["0", "1", "2", "5", "10"])
                                       for c in RiskClass}),
        floor=st.just("0"),
        scope=st.just({"entity_types": []}),
    )


_TIED_RATES = st.sampled_from(["0", "1/20", "1/5", "1/2"])
_TIED_WEIGHTS = st.sampled_from(["0", "1", "2"])


@st.composite
def _designs(draw: st.DrawFn, kinds: list[object], equal: bool | None
             ) -> StratifiedByRisk | ClassWeighted:
    kind = draw(st.sampled_from(kinds))
    values = _TIED_RATES if kind == "stratified" else _TIED_WEIGHTS
    if equal if equal is not None else draw(st.booleans()):
        same = draw(values.filter(lambda v: v != "0"))
        table = {**dict.fromkeys(_RATED, same), RiskClass.UNCLASSIFIED: draw(values)}
    else:
        table = {c: draw(values) for c in RiskClass}
    classes = draw(st.none() | st.frozensets(st.sampled_from(list(RiskClass)), min_size=1))
    scope = {"entity_types": [], "risk_classes": sorted(c.code for c in classes or ())}
    if kind == "stratified":
        return StratifiedByRisk(rates=table, floor="0", scope=scope)
    return ClassWeighted(total=draw(st.integers(0, 10)), weights=table, floor="0", scope=scope)


def designs(*, kinds: Sequence[str] | None = None, equal: bool | None = None
            ) -> st.SearchStrategy[StratifiedByRisk | ClassWeighted]:
    """Designs as the risk-classification rule sees them: ``"stratified"``
    (`StratifiedByRisk`) or ``"weighted"`` (`ClassWeighted`, total up to 10) over all
    entity types, floor 0, with rates or weights drawn from a few values so that classes
    often tie and some are 0, and sometimes a ``risk_classes`` scope.

    ``equal=True`` gives classes A-D one positive rate or weight (class U any); ``False``
    draws each class's value independently (they may still tie); ``None`` either. A
    weighted design's total may exceed the targets it can draw: cap it before drawing.
    """
    chosen = _choices("kinds", kinds, ["stratified", "weighted"])
    if not set(chosen) <= {"stratified", "weighted"}:
        raise InvalidArgument(f"kinds={kinds!r} must name 'stratified' or 'weighted'")
    if equal is not None and not isinstance(equal, bool):
        raise InvalidArgument(f"equal={equal!r} must be True, False or None")
    return _designs(chosen, equal)


@st.composite
def _conflicts(draw: st.DrawFn, inspectors: InspectorDirectory, targets: TargetDirectory,
               max_size: int) -> ConflictRegister:
    people = [i.id for i in inspectors]
    ids = targets.ids.tolist()
    if not people or not ids:
        return ConflictRegister()
    pairs = draw(st.lists(st.tuples(st.sampled_from(people), st.sampled_from(ids)),
                          max_size=max_size, unique=True))
    conflicts = []
    for inspector_id, target_id in pairs:
        start = draw(st.none() | _DATES)
        end = draw(st.none() | st.dates(min_value=start or dt.date(2015, 1, 1),
                                        max_value=dt.date(2026, 12, 31)))
        conflicts.append(Conflict(inspector_id=inspector_id, target_id=target_id,
                                  ground=draw(st.sampled_from(list(ConflictGround))),
                                  valid_from=start, valid_until=end))
    return ConflictRegister(conflicts)


def conflict_registers(*, inspectors: InspectorDirectory, targets: TargetDirectory,
                       max_size: int = 20) -> st.SearchStrategy[ConflictRegister]:
    """Registers of conflicts between the given inspectors and targets (valid ids only)."""
    if not isinstance(inspectors, InspectorDirectory) or not isinstance(targets,
                                                                        TargetDirectory):
        raise InvalidArgument("inspectors= and targets= must be the registers themselves")
    if max_size < 0:
        raise InvalidArgument(f"max_size={max_size} must be at least 0")
    return _conflicts(inspectors, targets, max_size)


@st.composite
def _policies(draw: st.DrawFn, inspectors: InspectorDirectory, targets: TargetDirectory,
              check_date: dt.date | None) -> TeamPolicy:
    ids = targets.ids.tolist()
    people = [i.id for i in inspectors]
    rotation = {}
    if ids and people:
        for target_id in draw(st.lists(st.sampled_from(ids), max_size=5, unique=True)):
            rotation[target_id] = draw(st.lists(st.sampled_from(people), max_size=2))
    departments = sorted({i.department for i in inspectors})
    return TeamPolicy(
        check_date=draw(_DATES) if check_date is None else check_date,
        mode=draw(st.sampled_from(list(DrawMode))),
        unit=draw(st.sampled_from(list(DrawUnit))),
        min_officers=draw(st.integers(2, 3)),
        leader_department=draw(st.none() | st.sampled_from(departments)) if departments
        else None,
        cap=draw(st.none() | st.integers(1, 4)),
        conflicts=draw(conflict_registers(inspectors=inspectors, targets=targets)),
        previous_inspectors=rotation,
    )


def team_policies(*, inspectors: InspectorDirectory, targets: TargetDirectory,
                  check_date: dt.date | None = None) -> st.SearchStrategy[TeamPolicy]:
    """Team policies over the given registers: any mode and unit (person or group), size 2-3,
    optional leader rule and cap, random conflicts and rotation; ``check_date`` fixes the
    date of the checks."""
    if not isinstance(inspectors, InspectorDirectory) or not isinstance(targets,
                                                                        TargetDirectory):
        raise InvalidArgument("inspectors= and targets= must be the registers themselves")
    return _policies(inspectors, targets, check_date)


_PLAN_RATES = st.sampled_from(["0", "1/100", "1/50", "1/20", "1/5"])


def _plan_design(draw: st.DrawFn, scope: Mapping[str, object], *, weighted: bool
                 ) -> StratifiedByRisk | ClassWeighted:
    if weighted:
        return ClassWeighted(total=draw(st.integers(0, 30)), floor="0", scope=scope,
                             weights={c: draw(st.sampled_from(["1", "2", "5"]))
                                      for c in RiskClass})
    return StratifiedByRisk(rates={c: draw(_PLAN_RATES) for c in RiskClass}, floor="0",
                            scope=scope)


@st.composite
def _annual_plans(draw: st.DrawFn, items: CheckItemList, region: str, counties: list[str],
                  *, year: int, sizes: tuple[int, int], top_up: bool | None,
                  widened: list[str]) -> AnnualPlan:
    min_tasks, max_tasks = sizes
    usable = sorted(i.code for i in items if EntityType.ENTERPRISE in i.entity_types)
    levels = [Level.PROVINCE, Level.CITY, Level.COUNTY]
    tasks: list[Task] = []
    for k in range(draw(st.integers(min_tasks, max_tasks))):
        level = draw(st.sampled_from(levels))
        regions = [draw(st.sampled_from(counties))] if level is Level.COUNTY else []
        scope = {"entity_types": ["enterprise"], "region_prefixes": regions}
        start = draw(st.dates(dt.date(year, 1, 1), dt.date(year, 11, 30)))
        end = min(start + dt.timedelta(days=draw(st.integers(0, 150))), dt.date(year, 12, 20))
        codes = draw(st.lists(st.sampled_from(usable), min_size=1, max_size=2, unique=True))
        executing = draw(st.sampled_from(["市局", "县局"]))
        task = Task(code=f"T{k + 1:02d}", name=f"任务{k + 1}", level=level, items=codes,
                    design=_plan_design(draw, scope, weighted=draw(st.booleans())),
                    start=start, end=end, executing_department=executing,
                    mode=draw(st.sampled_from([TaskMode.SAME_LEVEL, *(
                        m for m in TaskMode if m.drawing_level is level)])),
                    joint_departments=draw(st.sampled_from([[], ["卫健委"]])))
        if task.county_executes and widened:
            chosen = draw(st.lists(st.sampled_from(widened), max_size=len(widened),
                                   unique=True))
            task = attrs.evolve(task, widened_departments=tuple(chosen))
        tasks.append(task)
    tasks = [attrs.evolve(t, justification="确有必要") if any(
        h.level.rank < t.level.rank and set(h.items) & set(t.items) and h.start <= t.end
        and t.start <= h.end for h in tasks) else t for t in tasks]
    with_top_up = draw(st.booleans()) if top_up is None else top_up
    extra = None
    if with_top_up:
        extra = Task(code="TOP", name="补充抽查", level=Level.CITY, items=[usable[0]],
                     design=_plan_design(draw, {"entity_types": ["enterprise"]}, weighted=True),
                     start=dt.date(year, 11, 1), end=dt.date(year, 12, 15))
    caps = draw(st.sampled_from([*VISIT_CAP_PRESETS, {"A": 1, "B": 1, "C": 2}]))
    return AnnualPlan(name="计划", level=Level.CITY, region=region, year=year, tasks=tasks,
                      visit_caps=caps, top_up=extra)


def annual_plans(*, items: CheckItemList, region: str = "1409",
                 counties: Sequence[str] | None = None, year: int = 2024, min_tasks: int = 1,
                 max_tasks: int = 5, top_up: bool | None = None,
                 widened_departments: Sequence[str] = ()
                 ) -> st.SearchStrategy[AnnualPlan]:
    """City plans over enterprises: tasks of every level and mode, stratified or weighted
    designs, overlapping periods and items, joint checks, visit caps; ``top_up`` True or
    False forces the top-up task (default: either). ``items`` must hold an item for
    enterprises; ``counties`` default to the demo city's. 省抽县查 and 市抽县查 tasks widen
    their teams to some of ``widened_departments`` (none, some or all)."""
    if not any(EntityType.ENTERPRISE in i.entity_types for i in items):
        raise InvalidArgument("items= needs at least one item that applies to enterprises")
    if not 0 <= min_tasks <= max_tasks:
        raise InvalidArgument(f"need 0 <= min_tasks={min_tasks} <= max_tasks={max_tasks}")
    chosen = list(counties) if counties is not None else [
        c for c in COUNTIES if c.startswith(region)]
    if not chosen or not all(c.startswith(region) and len(c) == 6 for c in chosen):
        raise InvalidArgument(f"counties={counties!r} must be 6-digit codes within {region}")
    _check_regions("counties", chosen, lengths=(6,))
    if isinstance(widened_departments, str):
        raise InvalidArgument("widened_departments= is a list of department names")
    return _annual_plans(items, region, chosen, year=year, sizes=(min_tasks, max_tasks),
                         top_up=top_up, widened=sorted(set(widened_departments)))


# --- results ------------------------------------------------------------------------------

_ALONE_CODES = ("1", "6", "7", "F", "9", "10", "11", "12")
_SUB_CODES = ("B", "C", "D", "3", "4", "5", "G")


@st.composite
def _result_codes(draw: st.DrawFn) -> frozenset[ResultCode]:
    kind = draw(st.sampled_from(("alone", "problem", "corrected")))
    if kind == "alone":
        return frozenset({ResultCode(draw(st.sampled_from(_ALONE_CODES)))})
    codes = {"E"} if kind == "corrected" else {"A"}
    codes |= draw(st.sets(st.sampled_from(_SUB_CODES), max_size=3)) if "A" in codes else set()
    codes |= draw(st.sets(st.sampled_from(("E", "8") if "A" in codes else ("8",)),
                          max_size=1))
    return frozenset(ResultCode(c) for c in codes)


def result_codes() -> st.SearchStrategy[frozenset[ResultCode]]:
    """Valid result-code sets of one item: a stand-alone code (1, 6, 7, F, 9–12), or A
    with sub-codes, E and 8 in the combinations the hierarchy allows."""
    return _result_codes()


@st.composite
def _inspection_results(draw: st.DrawFn, year: PlanRun, by: str, status: bool
                        ) -> InspectionResult:
    visits = [v for v in year.visits if v.team is not None]
    visit = draw(st.sampled_from(visits))
    assert visit.team is not None
    codes = draw(result_codes().filter(
        lambda c: status or not (c & {ResultCode(x) for x in ("6", "7", "9", "10", "11",
                                                              "12")})))
    whole = next((c for c in codes if c.code in ("6", "7", "9", "10", "11", "12")), None)
    outcomes = [ItemOutcome(i, {whole} if whole else draw(result_codes().filter(
        lambda c: not c & {ResultCode(x) for x in ("6", "7", "9", "10", "11", "12")})))
        for i in visit.items]
    runs = {r.task.code: r for r in year.runs}
    methods = sorted({m for c in visit.tasks for m in runs[c].task.methods},
                     key=lambda m: m.code) or list(CheckMethod)
    check = draw(st.dates(min_value=visit.start, max_value=visit.end))
    at = dt.datetime.combine(check, dt.time(18), dt.UTC) + dt.timedelta(
        days=draw(st.integers(0, 30)))
    return InspectionResult.enter(
        target_id=visit.target_id, tasks=visit.tasks, outcomes=outcomes,
        method=draw(st.sampled_from(methods)), check_date=check,
        officers=visit.team.officers, leader=visit.team.leader, experts=visit.team.experts,
        by=by, at=at)


def inspection_results(*, year: PlanRun, by: str = "录入员", status: bool = True
                       ) -> st.SearchStrategy[InspectionResult]:
    """Results of visits of ``year`` (a `PlanRun` with at least one staffed visit), as
    entered: valid codes per item (a status code such as 6 on every item of its visit when
    ``status``), a method of the visit's tasks, a date in its window, the drawn team."""
    if not isinstance(year, PlanRun) or not any(v.team is not None for v in year.visits):
        raise InvalidArgument("year= must be a PlanRun with at least one staffed visit")
    return _inspection_results(year, by, status)
