"""Plans to and from plain data, JSON and TOML, with English or Chinese field names.

Every key may be given in English or in Chinese (``year`` or ``年度``); values are codes or
labels in either language. Reading validates every task and reports every bad one at once
(`FileFormatError`); nothing is half-loaded. TOML is read with the standard library and
written with ``tomli-w`` (the ``toml`` extra).
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._errors import FileFormatError, InvalidValueError
from ..sampling import ClassWeighted, StratifiedByRisk, design_from_dict
from ._model import AnnualPlan, PlanChange, Task

__all__ = ["plan_from_dict", "plan_to_dict", "read_plan", "write_plan"]

FORMAT = "random-inspection/annual-plan"

PLAN_KEYS = {
    "format": "格式", "name": "名称", "level": "层级", "region": "区划", "year": "年度",
    "filing_deadline": "备案期限", "completion_deadline": "完成期限",
    "coverage_floor": "覆盖率下限", "risk_classification_floor": "风险分类应用率下限",
    "visit_caps": "年度检查次数上限", "version": "版本", "history": "调整记录",
    "tasks": "任务", "top_up": "补充抽查",
}
TASK_KEYS = {
    "code": "编号", "name": "名称", "level": "层级", "mode": "检查模式", "items": "抽查事项",
    "design": "抽取方案", "start": "开始日期", "end": "结束日期", "methods": "检查方式",
    "organising_department": "组织部门", "executing_department": "实施部门",
    "joint_departments": "联合部门", "team_mode": "人员抽取模式",
    "min_officers": "最少执法人员", "leader_department": "组长所在部门",
    "justification": "发起理由", "widened_departments": "增派部门",
    "widened_inspectors": "增派人员",
}
DESIGN_KEYS = {
    "kind": "方式", "preset": "预设比例", "unclassified": "未分类比例", "rates": "抽查比例",
    "minimums": "最少抽取", "maximums": "最多抽取", "weights": "权重", "total": "抽取总数",
    "floor": "下限", "exclude_checked_since": "排除此日后已查", "excluded_ids": "排除对象",
    "scope": "抽查范围",
}
SCOPE_KEYS = {
    "region_prefixes": "区划", "entity_types": "对象类型", "industry_prefixes": "行业",
    "risk_classes": "风险分类", "tags_all": "全部标签", "tags_any": "任一标签",
    "registering_offices": "登记机关", "supervising_offices": "监管所",
}
CHANGE_KEYS = {"version": "版本", "when": "日期", "who": "调整人", "why": "原因",
               "changes": "变更"}


def _english(data: object, keys: Mapping[str, str], where: str) -> dict[str, Any]:
    """``data`` with Chinese keys replaced by English ones; unknown or doubled keys refused."""
    if not isinstance(data, Mapping):
        raise InvalidValueError(where, "", data, "is not a table",
                                "give a table of fields (TOML [table] or a JSON object)")
    back = {zh: en for en, zh in keys.items()}
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = back.get(str(key), str(key))
        if name not in keys:
            raise InvalidValueError(where, str(key), value, "is not a known field",
                                    "use one of: " + ", ".join(f"{en} ({zh})"
                                                               for en, zh in keys.items()))
        if name in out:
            raise InvalidValueError(where, str(key), value, f"gives {name!r} twice",
                                    "give each field once, in English or in Chinese")
        out[name] = value
    return out


def _design(data: object, where: str) -> StratifiedByRisk | ClassWeighted:
    fields = _english(data, DESIGN_KEYS, where)
    fields.setdefault("floor", "0")  # a plan's tasks have no floor of their own by default
    fields["scope"] = _english(fields.get("scope", {}), SCOPE_KEYS, f"{where}.scope")
    preset = fields.pop("preset", None)
    unclassified = fields.pop("unclassified", None)
    if preset is not None:
        if "rates" in fields:
            raise InvalidValueError(where, "preset", preset, "is given together with rates",
                                    "give either a preset or rates")
        extra = {} if unclassified is None else {"unclassified": unclassified}
        frame = {k: v for k, v in fields.items() if k != "kind"}
        return StratifiedByRisk.from_preset(preset, **extra, **frame)
    if unclassified is not None:
        raise InvalidValueError(where, "unclassified", unclassified, "needs a preset",
                                "put the class U rate in rates")
    kind = fields.setdefault("kind", StratifiedByRisk.kind if "rates" in fields
                             else ClassWeighted.kind)
    if kind == StratifiedByRisk.kind and "rates" not in fields:
        raise InvalidValueError(where, "rates", None, "are missing",
                                "give rates = {A = '1%', B = '2%', C = '10%', D = '30%'} or a "
                                "preset")
    if kind == ClassWeighted.kind:
        for key in ("total", "weights"):
            if key not in fields:
                raise InvalidValueError(where, key, None, "is missing",
                                        "a class-weighted design needs total and weights")
    return design_from_dict(fields)


def _task(data: object, where: str) -> Task:
    fields = _english(data, TASK_KEYS, where)
    for key in ("code", "name", "level", "items", "design", "start", "end"):
        if key not in fields:
            raise InvalidValueError(where, key, None, "is missing", f"give the task's {key}")
    fields["design"] = _design(fields["design"], f"{where}.design")
    return Task(**fields)


def _check_format(fields: dict[str, Any]) -> None:
    given = fields.pop("format", FORMAT)
    if given != FORMAT:
        raise InvalidValueError("plan", "format", given, "is not an annual plan",
                                f"set format = {FORMAT!r}")


def plan_from_dict(data: Mapping[str, Any], *, source: str = "plan") -> AnnualPlan:
    """Build a plan from plain data (English or Chinese keys).

    Raises `FileFormatError` listing every bad field of every task at once.
    """
    problems: list[tuple[int, str, str]] = []

    def attempt(where: str, build: Any, *args: Any) -> Any:
        try:
            return build(*args)
        except InvalidValueError as exc:
            problems.append((0, f"{where}.{exc.field}" if exc.field else where,
                             f"{exc.record}: {exc.value!r}: {exc.problem}. Fix: {exc.fix}"))
            return None

    fields = attempt("plan", _english, data, PLAN_KEYS, "plan") or {}
    attempt("plan", _check_format, fields)
    tasks = fields.get("tasks", [])
    if not isinstance(tasks, list):
        problems.append((0, "tasks", "is not a list of task tables ([[tasks]] in TOML)"))
        tasks = []
    fields["tasks"] = [attempt(f"tasks[{k}]", _task, t, f"tasks[{k}]")
                       for k, t in enumerate(tasks)]
    if "top_up" in fields:
        fields["top_up"] = attempt("top_up", _task, fields["top_up"], "top_up")
    changes = fields.get("history", [])
    fields["history"] = [attempt(f"history[{k}]", lambda c: PlanChange(
        **_english(c, CHANGE_KEYS, "history")), c) for k, c in enumerate(changes)]
    plan = None if problems else attempt("plan", lambda: AnnualPlan(**fields))
    if problems or not isinstance(plan, AnnualPlan):
        raise FileFormatError(source, problems, len(problems))
    return plan


def _design_dict(task: Task) -> dict[str, Any]:
    data = task.design.to_dict()
    data["scope"] = {k: v for k, v in data["scope"].items() if v}
    for key in ("minimums", "maximums"):
        if key in data:
            default = 0 if key == "minimums" else None
            data[key] = {c: v for c, v in data[key].items() if v != default}
    return {k: v for k, v in data.items() if v not in (None, {}, [])}


def _task_dict(task: Task) -> dict[str, Any]:
    data = {
        "code": task.code, "name": task.name, "level": task.level.code, "mode": task.mode.code,
        "items": list(task.items), "design": _design_dict(task),
        "start": task.start.isoformat(), "end": task.end.isoformat(),
        "methods": sorted(m.code for m in task.methods),
        "organising_department": task.organising_department,
        "executing_department": task.executing_department,
        "joint_departments": list(task.joint_departments), "team_mode": task.team_mode.code,
        "min_officers": task.min_officers, "leader_department": task.leader_department,
        "justification": task.justification,
        "widened_departments": list(task.widened_departments),
        "widened_inspectors": list(task.widened_inspectors),
    }
    return {k: v for k, v in data.items() if v not in (None, "", [])}


def plan_to_dict(plan: AnnualPlan, *, language: str = "en") -> dict[str, Any]:
    """Plain data for JSON or TOML; ``language="zh"`` writes Chinese field names."""
    assert plan.filing_deadline is not None
    assert plan.completion_deadline is not None
    data: dict[str, Any] = {
        "format": FORMAT, "name": plan.name, "level": plan.level.code, "region": plan.region,
        "year": plan.year, "filing_deadline": plan.filing_deadline.isoformat(),
        "completion_deadline": plan.completion_deadline.isoformat(),
        "coverage_floor": str(plan.coverage_floor),
        "risk_classification_floor": str(plan.risk_classification_floor),
        "visit_caps": {c: v for c, v in plan.visit_caps.to_dict().items() if v is not None},
        "version": plan.version, "history": [c.to_dict() for c in plan.history],
        "tasks": [_task_dict(t) for t in plan.tasks],
    }
    if plan.top_up is not None:
        data["top_up"] = _task_dict(plan.top_up)
    if language == "en":
        return data
    if language != "zh":
        raise InvalidValueError("plan_to_dict", "language", language, "is not supported",
                                "use 'en' or 'zh'")
    return _chinese(data)


def _chinese(data: dict[str, Any]) -> dict[str, Any]:
    def task(t: dict[str, Any]) -> dict[str, Any]:
        design = {DESIGN_KEYS[k]: v for k, v in t["design"].items()}
        if "抽查范围" in design:
            design["抽查范围"] = {SCOPE_KEYS[k]: v for k, v in design["抽查范围"].items()}
        return {TASK_KEYS[k]: (design if k == "design" else v) for k, v in t.items()}

    out = {PLAN_KEYS[k]: v for k, v in data.items()}
    out["任务"] = [task(t) for t in data["tasks"]]
    out["调整记录"] = [{CHANGE_KEYS[k]: v for k, v in c.items()} for c in data["history"]]
    if "top_up" in data:
        out["补充抽查"] = task(data["top_up"])
    return out


def read_plan(path: str | os.PathLike[str]) -> AnnualPlan:
    """Read a plan from ``.toml`` or ``.json`` (UTF-8), validating everything."""
    where = Path(path)
    try:
        text = where.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FileFormatError(str(path), [(0, "", f"cannot be read: {exc}")], 1) from exc
    try:
        data = tomllib.loads(text) if where.suffix.lower() == ".toml" else json.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FileFormatError(str(path), [(0, "", f"not valid TOML: {exc}")], 1) from exc
    except json.JSONDecodeError as exc:
        raise FileFormatError(str(path), [(exc.lineno, "", f"not valid JSON: {exc.msg}")],
                              1) from exc
    return plan_from_dict(data, source=str(path))


def write_plan(plan: AnnualPlan, path: str | os.PathLike[str], *, language: str = "en") -> None:
    """Write a plan as ``.toml`` or ``.json`` (chosen by the suffix), atomically."""
    where = Path(path)
    data = plan_to_dict(plan, language=language)
    if where.suffix.lower() == ".toml":
        try:
            import tomli_w  # type: ignore[import-not-found,unused-ignore]  # noqa: PLC0415
        except ImportError:
            raise InvalidValueError("write_plan", "path", str(path),
                                    "needs the TOML writer tomli-w",
                                    "pip install 'random-inspection[toml]', or write .json"
                                    ) from None
        text = tomli_w.dumps(data)
    elif where.suffix.lower() == ".json":
        text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    else:
        raise InvalidValueError("write_plan", "path", str(path), "has no .toml or .json suffix",
                                "name the file plan.toml or plan.json")
    temporary = where.with_name(where.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(where)
