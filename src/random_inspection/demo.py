"""A deterministic synthetic jurisdiction modelled on the seed document's city, 忻州市 (1409).

Its 14 county-level divisions carry their real administrative codes; everything else
(entities, officers, names, codes) is generated and fictional, though every identifier is
valid (USCC check characters, legacy registration numbers) and distinct by construction at
any size up to about 10^8 targets. Used by the demo and the tests.

Example:
    >>> from random_inspection.demo import demo_city
    >>> city = demo_city(n_targets=2_000)
    >>> len(city.targets), len(city.inspectors) > 0
    (2000, True)
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import numpy.typing as npt

from ._errors import InvalidValueError
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
    TargetDirectory,
)
from .registry._identifiers import distinct_registration_numbers, distinct_usccs

__all__ = ["CITY_CODE", "COUNTIES", "DemoCity", "demo_city", "demo_plan", "demo_results"]

if TYPE_CHECKING:
    from .planning import AnnualPlan, PlanRun
    from .results import FollowUpLedger, InspectionResult, ResultBook

CITY_CODE = "140900"
CITY_NAME = "忻州市"
#: County-level divisions of 忻州市 with their administrative division codes.
COUNTIES: dict[str, str] = {
    "140902": "忻府区", "140921": "定襄县", "140922": "五台县", "140923": "代县",
    "140924": "繁峙县", "140925": "宁武县", "140926": "静乐县", "140927": "神池县",
    "140928": "五寨县", "140929": "岢岚县", "140930": "河曲县", "140931": "保德县",
    "140932": "偏关县", "140981": "原平市",
}
# Relative size of each county's market (roughly by population).
_WEIGHTS = np.array([9, 3, 3, 2.5, 3, 1.7, 1.5, 1, 1.2, 0.9, 1.5, 1.6, 0.9, 5])
_INDUSTRIES = {  # GB/T 4754-2017 code: (name word, weight)
    "A01": ("农业", 4), "C13": ("农副食品加工", 3), "C14": ("食品制造", 2), "C15": ("酒业", 1),
    "C27": ("医药", 0.3), "C30": ("建材", 1), "C33": ("金属制品", 1), "E47": ("建筑", 3),
    "F51": ("商贸", 12), "F52": ("零售", 30), "G54": ("运输", 4), "H61": ("宾馆", 3),
    "H62": ("餐饮", 18), "K70": ("房地产", 1), "L72": ("商务服务", 4), "O80": ("家政服务", 6),
    "R88": ("文化传媒", 2),
}
_WORDS = ("鑫源", "晋北", "华泰", "宏达", "顺通", "金山", "福瑞", "永盛", "恒通", "五峰",
          "雁门", "汾源", "德润", "康达", "丰泽", "和信", "聚丰", "瑞祥", "长青", "兴旺")
_SURNAMES = "王李张刘赵杨郭贾高武郝范韩任田胡段梁阎薛"
_GIVEN = ("伟", "芳", "军", "敏", "强", "丽", "磊", "静", "勇", "艳", "杰", "娟", "涛", "明",
          "超", "霞", "鹏", "华", "亮", "红")
# (entity type, share, USCC department and type characters, risk mix A..D,U)
_TYPE_MIX = (
    (EntityType.INDIVIDUAL_BUSINESS, 0.62, "92", (0.05, 0.10, 0.01, 0.002, 0.838)),
    (EntityType.ENTERPRISE, 0.33, "91", (0.40, 0.47, 0.08, 0.03, 0.02)),
    (EntityType.FARMER_COOPERATIVE, 0.04, "93", (0.30, 0.55, 0.10, 0.03, 0.02)),
    (EntityType.OTHER_ORGANISATION, 0.006, "59", (0.0, 0.0, 0.0, 0.0, 1.0)),
    (EntityType.PRODUCT, 0.002, "", (0.0, 0.0, 0.0, 0.0, 1.0)),
    (EntityType.PROJECT, 0.002, "", (0.0, 0.0, 0.0, 0.0, 1.0)),
)
_KIND = {t[0]: k for k, t in enumerate(_TYPE_MIX)}
_TAGS = ("食品经营", "特种设备使用", "网络经营", "药品经营", "重点工业产品")
_SUFFIX = {
    EntityType.INDIVIDUAL_BUSINESS: "店", EntityType.ENTERPRISE: "有限公司",
    EntityType.FARMER_COOPERATIVE: "专业合作社", EntityType.OTHER_ORGANISATION: "协会",
    EntityType.PRODUCT: "批次产品", EntityType.PROJECT: "建设项目",
}


@attrs.frozen
class DemoCity:
    """The three registers of the demo jurisdiction, and the date they describe.

    Attributes:
        check_items: About 20 check items with their legal bases.
        targets: The target directory.
        inspectors: About 600 officers and a few experts across the city and county bureaus.
        as_of: The date the registers describe (the seed document's 25 March 2024).
    """

    check_items: CheckItemList
    targets: TargetDirectory
    inspectors: InspectorDirectory
    as_of: dt.date


def _ids(rng: np.random.Generator, kind: npt.NDArray[np.intp], regions: npt.NDArray[np.str_]
         ) -> npt.NDArray[np.bytes_]:
    """Valid ids, distinct by construction at any size up to about 10^8 targets.

    Each coded row gets a serial number mapped through a random bijection into the code's
    body (`distinct_usccs`, `distinct_registration_numbers`), so no two rows meet whatever
    their heads; about 15% of individual businesses keep a legacy 15-digit 注册号, and
    products and projects carry their row number.
    """
    n = len(kind)
    ids = np.zeros(n, dtype="S19")
    region_bytes = regions.astype("S6").view(np.uint8).reshape(n, 6)
    prefixes = np.array([t[2] for t in _TYPE_MIX], dtype="S2")
    uncoded = np.array([not t[2] for t in _TYPE_MIX])[kind]
    individual = kind == _KIND[EntityType.INDIVIDUAL_BUSINESS]
    legacy = individual & (rng.random(n) < 0.15)  # some still carry the old 注册号
    rows = np.flatnonzero(~uncoded & ~legacy)
    heads = prefixes[kind[rows]].view(np.uint8).reshape(-1, 2)
    ids[rows] = distinct_usccs(np.concatenate([heads, region_bytes[rows]], axis=1), rng=rng)
    rows = np.flatnonzero(legacy)
    ids[rows] = distinct_registration_numbers(region_bytes[rows], rng=rng)
    for row in np.flatnonzero(uncoded).tolist():
        code = _TYPE_MIX[kind[row]][0].code[:4].upper()
        ids[row] = f"{code}-{regions[row]}-{row:07d}".encode()
    return ids


def _offices(county: str) -> list[str]:
    return [f"{COUNTIES[county]}市场监督管理局{k}市场监管所" for k in ("城区", "第一", "第二")]


def _names(county: npt.NDArray[np.intp], word: npt.NDArray[np.int64],
           industry: npt.NDArray[np.intp], kind: npt.NDArray[np.intp]) -> list[str]:
    """Fictional names from a table of every (county, word, industry, type) combination;
    individual businesses carry a number (their row modulo 1000)."""
    places = [name[:-1] for name in COUNTIES.values()]
    trades = [trade for trade, _ in _INDUSTRIES.values()]
    suffixes = [_SUFFIX[t[0]] for t in _TYPE_MIX]
    table = np.array([[[[p + w + t + x for x in suffixes] for t in trades] for w in _WORDS]
                      for p in places], dtype=object)
    numbers = np.array([str(k) for k in range(1000)], dtype=object)
    individual = kind == _KIND[EntityType.INDIVIDUAL_BUSINESS]
    tail = np.where(individual, numbers[np.arange(len(kind)) % 1000], "")
    names: list[str] = (table[county, word, industry, kind] + tail).tolist()
    return names


def _tag_texts(draw: npt.NDArray[np.bool_]) -> list[str]:
    """Each row's tags as ';'-separated text, looked up by the bit pattern of its draws."""
    combos = [";".join(sorted(t for b, t in enumerate(_TAGS) if k >> b & 1))
              for k in range(1 << len(_TAGS))]
    bits = draw.astype(np.int64) @ (1 << np.arange(len(_TAGS)))
    texts: list[str] = np.array(combos, dtype=object)[bits].tolist()
    return texts


def _targets(rng: np.random.Generator, n: int, as_of: dt.date) -> TargetDirectory:
    counties = np.array(list(COUNTIES))
    county = rng.choice(len(counties), size=n, p=_WEIGHTS / _WEIGHTS.sum())
    shares = np.array([t[1] for t in _TYPE_MIX])
    kind = rng.choice(len(_TYPE_MIX), size=n, p=shares / shares.sum())
    codes = np.array(list(_INDUSTRIES))
    iw = np.array([w for _, w in _INDUSTRIES.values()], dtype=float)
    industry = rng.choice(len(codes), size=n, p=iw / iw.sum())
    risk = np.empty(n, dtype=object)
    for k, (_, _, _, mix) in enumerate(_TYPE_MIX):
        rows = np.flatnonzero(kind == k)
        risk[rows] = np.array(["A", "B", "C", "D", "U"])[rng.choice(5, size=len(rows), p=mix)]
    ids = _ids(rng, kind, counties[county])
    names = _names(county, rng.integers(0, len(_WORDS), size=n), industry, kind)
    office = rng.integers(0, 3, size=n)
    tags = _tag_texts(rng.random((n, len(_TAGS))) < np.array([0.25, 0.04, 0.08, 0.02, 0.03]))
    checked = rng.random(n) < 0.35
    days_ago = rng.integers(30, 3 * 365, size=n)
    last = np.where(checked, np.datetime64(as_of, "D") - days_ago.astype("timedelta64[D]"),
                    np.datetime64("NaT", "D"))
    bureaus = np.array([f"{name}市场监督管理局" for name in COUNTIES.values()], dtype=object)
    offices = np.array([_offices(c) for c in COUNTIES], dtype=object)
    return TargetDirectory.from_columns(
        ids=ids, names=names, entity_types=np.array([t[0].code for t in _TYPE_MIX])[kind],
        regions=counties[county], industries=codes[industry],
        registering_offices=bureaus[county], supervising_offices=offices[county, office],
        risk_classes=risk, tags=tags, last_check_dates=last,
    )


def _inspectors(rng: np.random.Generator, n_officers: int, as_of: dt.date
                ) -> InspectorDirectory:
    specialties = ("食品", "特种设备", "药品", "工业产品", "广告", "价格", "计量", "网络交易")
    units: list[tuple[str, str, str]] = [  # department, office, area
        (f"{CITY_NAME}市场监督管理局", office, CITY_CODE[:4])
        for office in ("信用监管科", "食品经营监管科", "特种设备安全监察科",
                       "产品质量安全监督管理科", "价格监督检查和反不正当竞争科",
                       "药品化妆品监管科", "综合行政执法队")
    ]
    for county, county_name in COUNTIES.items():
        department = f"{county_name}市场监督管理局"
        units.append((department, f"{department}执法大队", county))
        units.extend((department, office, county) for office in _offices(county))
    people: list[Inspector] = []
    unit = rng.integers(0, len(units), size=n_officers)
    for k in range(n_officers):
        department, office, area = units[unit[k]]
        status_draw = rng.random()
        status = (InspectorStatus.RETIRED if status_draw < 0.02 else
                  InspectorStatus.TRANSFERRED if status_draw < 0.04 else InspectorStatus.ACTIVE)
        expiry = as_of + dt.timedelta(days=int(rng.integers(-120, 5 * 365)))
        chosen = rng.choice(len(specialties), size=int(rng.integers(0, 3)), replace=False)
        people.append(Inspector(
            id=f"XZ{k + 1:05d}",
            name=_SURNAMES[rng.integers(len(_SURNAMES))]
            + "".join(_GIVEN[g] for g in rng.integers(0, len(_GIVEN), size=rng.integers(1, 3))),
            department=department, office=office, office_area=area,
            post=("科员", "副所长", "所长", "副科长", "科长", "执法队员")[rng.integers(6)],
            credential_number=f"14090024{k + 1:05d}", credential_expiry=expiry,
            specialties=frozenset(specialties[c] for c in chosen), status=status,
        ))
    for k, field in enumerate(("食品", "特种设备", "药品", "工业产品", "计量", "食品")):
        people.append(Inspector(
            id=f"XZE{k + 1:03d}", name=_SURNAMES[k] + "工", department=f"{CITY_NAME}检验检测中心",
            post="高级工程师", specialties=frozenset({field}), is_expert=True,
        ))
    return InspectorDirectory(people)


def _check_items() -> CheckItemList:
    dept = "市场监督管理部门"
    on, written, online, lab = (CheckMethod.ON_SITE, CheckMethod.WRITTEN,
                                CheckMethod.ONLINE_MONITORING, CheckMethod.LABORATORY_TESTING)
    all_types = frozenset({EntityType.ENTERPRISE, EntityType.INDIVIDUAL_BUSINESS,
                           EntityType.FARMER_COOPERATIVE})
    enterprises = frozenset({EntityType.ENTERPRISE, EntityType.FARMER_COOPERATIVE})
    rows = [  # code, name, basis, kind, methods, specialties, types
        ("SJ01", "企业年度报告公示信息的检查", "《企业信息公示暂行条例》", "key", {written, on}, (),
         enterprises),
        ("SJ02", "个体工商户年度报告公示信息的检查", "《促进个体工商户发展条例》", "general",
         {written}, (), {EntityType.INDIVIDUAL_BUSINESS}),
        ("SJ03", "农民专业合作社年度报告公示信息的检查", "《农民专业合作社法》", "general",
         {written}, (), {EntityType.FARMER_COOPERATIVE}),
        ("SJ04", "大型企业逾期未支付中小企业款项年报公示检查", "《保障中小企业款项支付条例》",
         "key", {written}, (), {EntityType.ENTERPRISE}),
        ("SJ05", "食品生产者生产活动的检查", "《食品安全法》", "key", {on, lab}, ("食品",),
         enterprises),
        ("SJ06", "食品经营者经营活动的检查", "《食品安全法》", "key", {on}, ("食品",), all_types),
        ("SJ07", "特种设备使用单位的检查", "《特种设备安全法》", "key", {on}, ("特种设备",),
         all_types),
        ("SJ08", "工业产品生产许可证获证企业的检查", "《工业产品生产许可证管理条例》", "key",
         {on, lab}, ("工业产品",), {EntityType.ENTERPRISE}),
        ("SJ09", "产品质量的监督抽查", "《产品质量法》", "key", {lab}, ("工业产品",),
         {EntityType.ENTERPRISE, EntityType.PRODUCT}),
        ("SJ10", "药品经营企业的检查", "《药品管理法》", "key", {on}, ("药品",),
         {EntityType.ENTERPRISE}),
        ("SJ11", "医疗器械经营企业的检查", "《医疗器械监督管理条例》", "general", {on},
         ("药品",), {EntityType.ENTERPRISE}),
        ("SJ12", "化妆品经营者的检查", "《化妆品监督管理条例》", "general", {on}, ("药品",),
         all_types),
        ("SJ13", "广告发布行为的检查", "《广告法》", "general", {on, online}, ("广告",),
         all_types),
        ("SJ14", "价格行为的检查", "《价格法》", "general", {on, written}, ("价格",), all_types),
        ("SJ15", "计量器具使用的检查", "《计量法》", "general", {on}, ("计量",), all_types),
        ("SJ16", "网络交易经营者的检查", "《电子商务法》", "general", {online}, ("网络交易",),
         all_types),
        ("SJ17", "商标使用行为的检查", "《商标法》", "general", {on}, (), all_types),
        ("SJ18", "登记事项的检查", "《市场主体登记管理条例》", "general", {on, written}, (),
         all_types),
        ("SJ19", "认证活动的检查", "《认证认可条例》", "general", {on, written}, (),
         {EntityType.ENTERPRISE}),
        ("SJ20", "建设工程项目质量相关产品的检查", "《产品质量法》", "general", {on, lab},
         ("工业产品",), {EntityType.PROJECT}),
    ]
    return CheckItemList(
        CheckItem(code=code, name=name, legal_basis=basis, department=dept, kind=ItemKind(kind),
                  methods=frozenset(methods), required_specialties=frozenset(spec),
                  entity_types=frozenset(types))
        for code, name, basis, kind, methods, spec, types in rows
    )


def demo_city(*, n_targets: int = 200_000, n_officers: int = 600, seed: int = 2024,
              as_of: dt.date = dt.date(2024, 3, 25)) -> DemoCity:
    """Generate the demo jurisdiction; the same arguments always give the same registers.

    This is a simulation, so it uses numpy's generator seeded with ``seed`` (not the audited
    draw spec).
    """
    if n_targets < 1 or n_officers < 2:
        raise InvalidValueError("demo_city", "n_targets" if n_targets < 1 else "n_officers",
                                n_targets if n_targets < 1 else n_officers, "is too small",
                                "ask for at least 1 target and 2 officers")
    rng = np.random.default_rng(seed)
    return DemoCity(check_items=_check_items(), targets=_targets(rng, n_targets, as_of),
                    inspectors=_inspectors(rng, n_officers, as_of), as_of=as_of)



def demo_plan() -> AnnualPlan:
    """The demo city's 2024 plan: a province task pushed down to the counties (省抽县查),
    city tasks (one of them 市抽县查, one a joint check with the health commission), three
    county tasks, and a top-up task that runs only if the year falls short of 3%. As filed,
    its rates are forecast to fall short of the floor (the demo revises it).

    Example:
        >>> plan = demo_plan()
        >>> [t.code for t in plan.run_order()][:3]
        ['SX-2024-01', 'XZ-2024-02', 'XZ-2024-01']
    """
    from .planning import AnnualPlan, PlanChange, Task, TaskMode  # noqa: PLC0415  (planning uses demo data)
    from .sampling import ClassWeighted, StratifiedByRisk  # noqa: PLC0415

    city = f"{CITY_NAME}市场监督管理局"
    counties = "各县（市、区）市场监督管理局"
    enterprises = {"entity_types": ["enterprise"]}
    low = {"A": "0.3%", "B": "0.6%", "C": "4%", "D": "12%"}

    def task(code: str, name: str, items: list[str], design: Any, period: str,
             **more: Any) -> Task:
        start, end = period.split("/")
        return Task(code=code, name=name, items=items, design=design,
                    start=dt.date.fromisoformat(start), end=dt.date.fromisoformat(end), **more)

    tasks = [
        task("SX-2024-01", "省局企业年报及款项支付公示信息抽查", ["SJ01", "SJ04"],
             StratifiedByRisk(rates=low, floor=0, scope=enterprises), "2024-05-06/2024-11-29",
             level="province", mode=TaskMode.PROVINCE_DRAWS_COUNTY,
             organising_department="山西省市场监督管理局", executing_department=counties),
        task("XZ-2024-01", "特种设备使用单位抽查", ["SJ07"],
             StratifiedByRisk.from_preset("lindian-2024-low", floor=0, scope={
                 "entity_types": ["enterprise"], "tags_any": ["特种设备使用"]}),
             "2024-06-03/2024-09-30", level="city", mode=TaskMode.CITY_DRAWS_COUNTY,
             organising_department=city, executing_department=counties,
             methods=["on_site"], widened_departments=[f"{CITY_NAME}检验检测中心"]),
        task("XZ-2024-02", "食品经营者部门联合抽查", ["SJ06", "SJ12"],
             StratifiedByRisk(rates={"A": "1%", "B": "2%", "C": "6%", "D": "20%"}, floor=0,
                              scope={"entity_types": ["enterprise"], "tags_any": ["食品经营"]}),
             "2024-06-03/2024-10-31", level="city", organising_department=city,
             executing_department=city,
             joint_departments=[f"{CITY_NAME}卫生健康委员会"], leader_department=city),
        task("XZ-2024-03", "工业产品质量监督抽查", ["SJ08", "SJ09"],
             StratifiedByRisk.from_preset("henan-2021", floor=0, scope={
                 "entity_types": ["enterprise"], "industry_prefixes": ["C"]}),
             "2024-09-02/2024-11-15", level="city", organising_department=city,
             executing_department=city,
             methods=["on_site", "laboratory_testing"], leader_department=city),
    ]
    for code, county, item, name in (("0902", "140902", "SJ15", "计量器具使用抽查"),
                                     ("0921", "140921", "SJ14", "价格行为抽查"),
                                     ("0981", "140981", "SJ13", "广告发布行为抽查")):
        bureau = f"{COUNTIES[county]}市场监督管理局"
        tasks.append(task(f"XZ{code}-2024-01", f"{COUNTIES[county]}{name}", [item],
                          StratifiedByRisk(rates=low, floor=0, scope={
                              "region_prefixes": [county],
                              "entity_types": ["enterprise", "individual_business"]}),
                          "2024-04-22/2024-08-30", level="county",
                          mode=TaskMode.COUNTY_DRAWS_COUNTY,
                          organising_department=bureau, executing_department=bureau,
                          leader_department=bureau))
    top_up = task("XZ-2024-99", "企业覆盖率补充抽查", ["SJ18"],
                  ClassWeighted(total=0, weights={"A": 1, "B": 2, "C": 4, "D": 8}, floor=0,
                                scope=enterprises),
                  "2024-11-01/2024-12-13", level="city", organising_department=city,
                  executing_department=city)
    return AnnualPlan(name=f"{CITY_NAME}2024年度市场监管领域“双随机、一公开”抽查计划",
                      level="city", region=CITY_CODE[:4], year=2024, tasks=tasks, top_up=top_up,
                      history=[PlanChange(version=1, when=dt.date(2024, 3, 25),
                                          who=f"{city}信用监管科", why="filed (备案)")])


#: Chance that an item of a visit finds a problem, by the target's risk class.
_PROBLEM_RATE = {"A": 0.03, "B": 0.08, "C": 0.20, "D": 0.40, "U": 0.10}


def demo_results(year: PlanRun, *, seed: int = 2024) -> tuple[ResultBook, FollowUpLedger]:
    """Simulated results of the demo year, the same for the same year and seed: problems
    more often the higher the risk class, a few unreachable targets, a few results
    published late or entered after the completion deadline, and follow-ups — orders to
    correct, cases opened, referrals — most of them closed. Every result is checked
    against the year's draws (`ResultBook`), as real ones are."""
    from .results import (  # noqa: PLC0415
        FollowUpLedger,
        InspectionResult,
        ItemOutcome,
        ResultBook,
    )

    rng = np.random.default_rng(seed)
    plan = year.plan
    directory = year.runs[0].sample.directory
    runs = {r.task.code: r for r in year.runs}
    finish = plan.completion_deadline or dt.date(plan.year, 12, 20)
    book, ledger = ResultBook(year), FollowUpLedger()
    follow: list[tuple[InspectionResult, str]] = []
    results: list[InspectionResult] = []
    entered_late = set(rng.choice(len(year.visits), size=min(3, len(year.visits)),
                                  replace=False).tolist()) if year.visits else set()
    for number, visit in enumerate(year.visits):
        if visit.team is None:
            continue
        last = min(visit.end, finish)
        span = max((last - visit.start).days, 0)
        check = visit.start + dt.timedelta(days=int(rng.integers(0, span + 1)))
        while check.weekday() >= 5 and check > visit.start:
            check -= dt.timedelta(days=1)
        risk = RiskClass(directory[visit.target_id].risk_class).code
        if rng.random() < 0.02:
            outcomes = [ItemOutcome(i, ["6"]) for i in visit.items]
        else:
            outcomes = []
            for item in visit.items:
                if rng.random() < _PROBLEM_RATE.get(risk, 0.1):
                    codes = ["E"] if rng.random() < 0.4 else ["A", "B" if rng.random() < 0.5
                                                               else "D"]
                else:
                    codes = ["1"]
                outcomes.append(ItemOutcome(item, codes))
        methods = sorted(m.code for c in visit.tasks for m in runs[c].task.methods)
        at = dt.datetime.combine(check, dt.time(17), dt.UTC) + dt.timedelta(
            days=int(rng.integers(0, 4)))
        if number in entered_late:  # three entered after the completion deadline: not done
            at = dt.datetime.combine(finish + dt.timedelta(days=3), dt.time(10), dt.UTC)
        result = InspectionResult.enter(
            target_id=visit.target_id, tasks=visit.tasks, outcomes=outcomes,
            method=methods[0], check_date=check, officers=visit.team.officers,
            leader=visit.team.leader, experts=visit.team.experts, by=visit.team.leader, at=at)
        at += dt.timedelta(hours=2)
        result = result.submit(by=visit.team.leader, at=at)
        at += dt.timedelta(days=int(rng.integers(1, 4)))
        result = result.approve(by="信用监管科审核员", at=at)
        late = rng.random() < 0.04
        on = at.date() + dt.timedelta(days=40 if late else int(rng.integers(1, 6)))
        result = result.publish(by="信用监管科审核员", at=dt.datetime.combine(
            on, dt.time(9), dt.UTC), on=on)
        if "6" in {c.code for c in result.codes}:
            result = result.list_abnormal(on=check + dt.timedelta(
                days=int(rng.integers(3, 20))))
        results.append(result)
        follow += [(result, o.item) for o in result.outcomes
                   if o.problem and "E" not in {c.code for c in o.codes}]
    return book.enter_all(results), _demo_follow_ups(rng, ledger, follow)


def _demo_follow_ups(rng: np.random.Generator, ledger: FollowUpLedger,
                     problems: list[tuple[InspectionResult, str]]) -> FollowUpLedger:
    """A follow-up for each problem not corrected on the spot; most closed."""
    for number, (result, item) in enumerate(problems, start=1):
        roll = rng.random()
        measure, to, recipient = (("order_correction", None, "") if roll < 0.7 else
                                  ("investigation", None, "") if roll < 0.9 else
                                  ("referral", "other_department", "忻州市卫生健康委员会"))
        opened = result.check_date + dt.timedelta(days=int(rng.integers(1, 8)))
        code = f"{result.check_date.year}-{number:05d}"
        ledger = ledger.open(result, item, measure=measure, referral_to=to,
                             recipient=recipient, department="执法稽查科", opened=opened,
                             follow_up_id=code)
        if rng.random() < 0.8:
            ledger = ledger.close(code, on=opened + dt.timedelta(
                days=int(rng.integers(10, 120))), closure="整改到位")
    return ledger
