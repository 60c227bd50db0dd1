"""Results read from the spreadsheets counties fill in (`read_results`): one row per target
and item, the rows of one target and tasks forming one visit's result, every result entered
as a clerk enters it and checked against the year's draws — all or nothing.

The columns (Chinese headers, English accepted; trimmed, case-insensitive) are `RESULT_COLUMNS`.
Cells holding several values separate them with 、 ， , ; or +. Visit-level cells (method,
date, team, 录入人, 检查情况说明) may be given on one row of the visit only — as vertically
merged cells leave them — but where several rows give them they must agree. A visit none of
whose rows gives a result, method, date or 录入人 is not filled in yet and is skipped (a
template from `write_results_template` lists every drawn visit).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from .._errors import InvalidTypeError, InvalidValueError
from ..planning import Visit
from ..registry import CheckMethod, _files
from ..registry._identifiers import normalize_id
from . import _sheets
from ._book import ResultBook
from ._codes import ResultCode, check_codes
from ._model import InspectionResult, ItemOutcome

__all__ = ["RESULT_COLUMNS", "read_results"]

#: Each field's accepted header spellings; the first is the one written.
RESULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "target_id": ("统一社会信用代码", "统一社会信用代码/注册号", "信用代码", "注册号", "uscc",
                  "target"),
    "name": ("企业名称", "主体名称", "检查对象名称", "名称"),
    "tasks": ("任务编号", "抽查任务编号", "任务代码", "task"),
    "item": ("抽查事项", "抽查事项编码", "事项编码", "检查事项"),
    "item_name": ("事项名称", "抽查事项名称"),
    "codes": ("检查结果", "检查结果代码", "结果代码", "result"),
    "method": ("检查方式", "抽查方式"),
    "check_date": ("检查日期", "抽查日期", "检查时间", "date"),
    "officers": ("执法人员", "检查人员", "执法检查人员"),
    "leader": ("组长", "检查组长"),
    "experts": ("专家", "专业技术人员"),
    "remarks": ("备注",),
    "visit_remarks": ("检查情况说明", "检查情况"),
    "entered_by": ("录入人", "录入人员", "填报人"),
}
REQUIRED = ("target_id", "tasks", "item", "codes", "method", "check_date", "officers",
            "leader", "entered_by")
#: Fields that belong to the visit, not the row.
VISIT_FIELDS = ("method", "check_date", "officers", "leader", "experts", "visit_remarks",
                "entered_by")
_FILLED_IN = ("codes", "method", "check_date", "entered_by")
_WANTED = {_sheets.header_key(s): field for field, spellings in RESULT_COLUMNS.items()
           for s in (field, *spellings)}


def _spellings(kind: Iterable[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for member in kind:
        aliases = type(member)._aliases().get(member.code, ())
        for spelling in (member.code, member.name, member.label_zh, member.label_en, *aliases):
            found.setdefault(_sheets.header_key(spelling), member)
    return found


_CODES: dict[str, ResultCode] = _spellings(ResultCode)
_METHODS: dict[str, CheckMethod] = _spellings(CheckMethod)
#: Labels that contain a separator (公示信息隐瞒真实情况、弄虚作假): read whole before splitting.
_JOINED = sorted((k for k in _CODES if _sheets.split(k) != [k]), key=len, reverse=True)
_CODES_FIX = ("give codes (1, A, B, C, D, 3, 4, 5, G, E, 8, 6, 7, F, 9, 10, 11, 12) or their "
              "Chinese labels, several separated by 、 or +, e.g. A+B")


def _codes(value: object) -> frozenset[ResultCode]:
    key = _sheets.header_key(_sheets.text(value))
    if not key:
        raise _sheets.CellProblem(value, "is empty", _CODES_FIX)
    if key not in _CODES:
        for label in _JOINED:
            key = key.replace(label, "+" + _CODES[label].code.casefold() + "+")
    tokens = [key] if key in _CODES else _sheets.split(key)
    if any(t not in _CODES for t in tokens):
        typed = _sheets.split(unicodedata.normalize("NFKC", _sheets.text(value)))
        unknown = next((t for t in typed if _sheets.header_key(t) not in _CODES), "")
        raise _sheets.CellProblem(value, f"{unknown!r} is not a result code" if unknown
                                  else "is not a combination of result codes", _CODES_FIX)
    try:
        return check_codes([_CODES[t] for t in tokens], field="检查结果")
    except InvalidValueError as exc:
        raise _sheets.CellProblem(value, exc.problem, exc.fix) from None


def _method(value: object) -> CheckMethod:
    found = _METHODS.get(_sheets.header_key(_sheets.text(value)))
    if found is None:
        raise _sheets.CellProblem(value, "is not a check method", "use one of: " + ", ".join(
            f"{m.label_zh} ({m.code})" for m in CheckMethod))
    return found


def _ids(value: object) -> tuple[str, ...]:
    ids: list[str] = []
    for part in [value] if isinstance(value, int | float) else _sheets.split(
            _sheets.text(value), spaces=True):
        ids.append(unicodedata.normalize("NFKC", _sheets.identifier(part)[0]))
    if len({i.casefold() for i in ids}) < len(ids):
        raise _sheets.CellProblem(value, "names someone twice", "give each id once")
    return tuple(ids)


def _one_id(value: object) -> str:
    ids = _ids(value)
    if len(ids) != 1:
        raise _sheets.CellProblem(value, "is not one id", "give the leader's id alone")
    return ids[0]


def _text(value: object) -> str:
    return _sheets.text(value)


_PARSERS: dict[str, Callable[[object], Any]] = {
    "tasks": lambda v: tuple(_sheets.split(unicodedata.normalize("NFKC", _sheets.text(v)),
                                           spaces=True)),
    "item": lambda v: unicodedata.normalize("NFKC", _sheets.text(v)).split()[0],
    "codes": _codes, "method": _method, "officers": _ids, "leader": _one_id,
    "experts": _ids, "remarks": _text, "visit_remarks": _text, "entered_by": _text,
}


@attrs.frozen
class _Row:
    """One filled-in row, its cells read (``None``: blank or unreadable)."""

    line: int
    values: dict[str, Any]
    failed: frozenset[str]

    @property
    def bad(self) -> bool:
        """Whether a cell of the row could not be read."""
        return bool(self.failed)

    def __getitem__(self, field: str) -> Any:
        return self.values.get(field)


def _read_row(line: int, cells: tuple[Any, ...], *, fields: dict[int, str],
              epoch: dt.datetime, names: dict[str, str], problems: list[tuple[int, str, str]]
              ) -> _Row:
    values: dict[str, Any] = {}
    failed: set[str] = set()
    for position, field in fields.items():
        cell = cells[position] if position < len(cells) else None
        if field in ("name", "item_name") or _sheets.text(cell) == "":
            continue
        try:
            if field == "target_id":
                shown, numeric = _sheets.identifier(cell, uscc=True)
                values[field], values["numeric_id"] = normalize_id(shown), numeric
            elif field == "check_date":
                values[field] = _sheets.date(cell, epoch)
            else:
                values[field] = _PARSERS[field](cell)
        except _sheets.CellProblem as exc:
            problems.append((line, names[field], exc.message()))
            failed.add(field)
    for field in ("target_id", "tasks", "item"):
        if field not in values and field not in failed:
            problems.append((line, names[field], "is empty: every row names the target, "
                             "the task(s) and the item"))
            failed.add(field)
    return _Row(line, values, frozenset(failed))


def _rows(lines: Iterable[int]) -> str:
    shown = sorted(set(lines))
    return ("row " if len(shown) == 1 else "rows ") + ", ".join(map(str, shown))


class _Visit:
    """The rows of one target and tasks, checked into one result."""

    def __init__(self, rows: list[_Row], book: ResultBook, names: dict[str, str],
                 problems: list[tuple[int, str, str]]) -> None:
        self.rows, self.book, self.names, self.problems = rows, book, names, problems
        self.first = rows[0].line

    def problem(self, line: int, field: str, value: object, problem: str, fix: str) -> None:
        self.problems.append((line, self.names.get(field, RESULT_COLUMNS[field][0]),
                              _files.value_problem(value, problem, fix)))

    def result(self, at: dt.datetime) -> InspectionResult | None:
        """The visit's result, or ``None`` with its problems recorded."""
        visit = self._visit()
        if visit is None:
            return None
        outcomes = self._outcomes(visit)
        values = {field: self._visit_value(field) for field in VISIT_FIELDS}
        if outcomes is None or any(r.bad for r in self.rows) or any(
                values[f] is None for f in REQUIRED if f in VISIT_FIELDS):
            return None
        team = self.book.team_of(visit)
        known = [*team.officers, *team.experts] if team is not None else []
        officers, experts = (tuple(_known(i, known) for i in values[f] or ())
                             for f in ("officers", "experts"))
        try:
            result = InspectionResult.enter(
                target_id=visit.target_id, tasks=visit.tasks, outcomes=outcomes,
                method=values["method"], check_date=values["check_date"], officers=officers,
                leader=_known(values["leader"], known), experts=experts,
                remarks=values["visit_remarks"] or "", by=values["entered_by"], at=at)
        except InvalidValueError as exc:
            field = {"outcomes": "codes", "remarks": "visit_remarks"}.get(exc.field, exc.field)
            self.problem(self.first, field if field in RESULT_COLUMNS else "target_id", exc.value,
                         exc.problem, exc.fix)
            return None
        try:
            self.book.check(result)
        except InvalidValueError as exc:
            field = exc.field
            if field == "officers" and team is not None:
                field = ("officers" if set(result.officers) != set(team.officers) else
                         "leader" if result.leader != team.leader else "experts")
            self.problem(self.first, field, exc.value, exc.problem, exc.fix)
            return None
        return result

    def _visit(self) -> Visit | None:
        row = self.rows[0]
        target, lines = row["target_id"], _rows(r.line for r in self.rows)
        numeric = " (the cell was a number: if the code had leading zeros or letters, " \
                  "format the column as Text and enter it again)" if row["numeric_id"] else ""
        visits = self.book.visits_of(target)
        if not visits:
            known = any(target in d for d in {id(r.sample.directory): r.sample.directory
                                              for r in self.book.year.runs}.values())
            self.problem(self.first, "target_id", target,
                         ("was not drawn by any task of the year" if known
                          else "is not in the target directory") + f" ({lines}){numeric}",
                         "enter results only for drawn targets: check the code against the "
                         "draw list (a target that turns out closed keeps its draw: code 7, "
                         "9–12)")
            return None
        given = {t.casefold() for t in row["tasks"]}
        for visit in visits:
            if {t.casefold() for t in visit.tasks} == given:
                return visit
        self.problem(self.first, "tasks", "+".join(row["tasks"]),
                     f"are not the task(s) of a visit to {target} ({lines})",
                     "give all the tasks of the visit, e.g. "
                     + "; ".join("+".join(v.tasks) for v in visits))
        return None

    def _outcomes(self, visit: Visit) -> list[ItemOutcome] | None:
        items = {i.casefold(): i for i in visit.items}
        seen: dict[str, int] = {}
        outcomes: list[ItemOutcome] = []
        for row in self.rows:
            item = items.get(row["item"].casefold())
            if item is None:
                self.problem(row.line, "item", row["item"], "is not an item of this visit",
                             "its items are " + ", ".join(visit.items))
            elif item in seen:
                self.problem(row.line, "item", row["item"], f"is given twice for this visit "
                             f"(also on row {seen[item]})", "keep one row per item")
            else:
                seen[item] = row.line
                if row["codes"] is None and "codes" not in row.failed:
                    self.problem(row.line, "codes", "", "is empty", _CODES_FIX)
                elif row["codes"] is not None:
                    try:
                        outcomes.append(ItemOutcome(item, row["codes"], row["remarks"] or ""))
                    except InvalidValueError as exc:
                        self.problem(row.line, "remarks", exc.value, exc.problem, exc.fix)
        missing = [i for i in visit.items if i not in seen]
        if missing:
            self.problem(self.first, "item", ", ".join(missing), "the visit lacks item(s)",
                         "add a row for each item of the visit: " + ", ".join(visit.items))
        return outcomes if len(outcomes) == len(visit.items) else None

    def _visit_value(self, field: str) -> Any:
        given = [(r.line, r[field]) for r in self.rows if r[field] is not None]
        if not given:
            if field in REQUIRED and not any(field in r.failed for r in self.rows):
                self.problem(self.first, field, "", f"is empty on every row of the visit "
                             f"({_rows(r.line for r in self.rows)})",
                             "fill it in (once per visit is enough)")
            return None
        line, value = given[0]
        same = _comparable(value)
        for other, v in given[1:]:
            if _comparable(v) != same:
                self.problem(other, field, _shown(v), f"differs from row {line} of the same visit "
                             f"({_shown(value)})", "give the visit one value on all its rows")
                return None
        return value


def _comparable(value: Any) -> Any:
    if isinstance(value, tuple):
        return frozenset(v.casefold() for v in value)
    return value.casefold() if isinstance(value, str) else value


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return "、".join(value)
    if isinstance(value, CheckMethod):
        return value.label_zh
    return str(value)


def _known(given: str, known: Iterable[str]) -> str:
    """An id as the drawn team spells it (ids typed in another case still match)."""
    return next((k for k in known if k.casefold() == given.casefold()), given)


def _content(result: InspectionResult) -> tuple[Any, ...]:
    """What a county fills in of a result (not its review history)."""
    return (result.target_id, frozenset(result.tasks), frozenset(
        (o.item, o.codes, o.remarks) for o in result.outcomes), result.method,
        result.check_date, result.officers, result.leader, result.experts, result.remarks)


def read_results(path: _files.PathLike, book: ResultBook, *, at: dt.datetime,
                 sheet: str | None = None, encoding: str | None = None) -> ResultBook:
    """Results filled in by counties, entered into a copy of ``book``.

    Parameters
    ----------
    path
        A ``.xlsx`` workbook (extra ``xlsx``) or a CSV file (UTF-8, with or without BOM, or
        GB18030), one row per target and item; the columns are `RESULT_COLUMNS`.
    book
        The year's results so far; it is not changed.
    at
        When the results are entered (an aware datetime): each is made with
        `InspectionResult.enter` by its row's 录入人 at this time.
    sheet
        The workbook's sheet (default: the first with a header row of results).
    encoding
        A CSV file's encoding (default: UTF-8, else GB18030).

    Returns
    -------
    ResultBook
        ``book`` with the file's results entered, each checked by `ResultBook.check`. A
        visit whose result is already in ``book`` with the same content is left as it is.

    Raises
    ------
    FileFormatError
        Naming every bad row — sheet, row number as the spreadsheet shows it, column and
        fix; nothing is entered.
    """
    if not isinstance(book, ResultBook):
        raise InvalidTypeError("read_results", "book", book, "a ResultBook",
                               "give the year's results: ResultBook(year)")
    if not isinstance(at, dt.datetime) or at.utcoffset() is None:
        raise InvalidValueError("read_results", "at", at, "is not a time with a time zone",
                                "give an aware datetime, e.g. datetime.now(datetime.UTC)")
    table = _sheets.read_sheet(path, sheet=sheet, encoding=encoding, wanted=_WANTED)
    index, fields, names = _sheets.find_header(
        table, _WANTED, _files.accepted_columns(RESULT_COLUMNS),
        [(f, RESULT_COLUMNS[f][0]) for f in REQUIRED])
    problems: list[tuple[int, str, str]] = []
    groups: dict[tuple[str, frozenset[str]], list[_Row]] = {}
    for line, cells in table.rows[index + 1:]:
        row = _read_row(line, cells, fields=fields, epoch=table.epoch, names=names,
                        problems=problems)
        if row["target_id"] is not None and row["tasks"] is not None:
            key = row["target_id"], frozenset(t.casefold() for t in row["tasks"])
            groups.setdefault(key, []).append(row)
    results = []
    for rows in groups.values():
        if all(r[f] is None for r in rows for f in _FILLED_IN) and not any(r.bad for r in rows):
            continue  # a template's visit not filled in yet
        result = _Visit(rows, book, names, problems).result(at)
        if result is not None:
            results.append((rows[0].line, result))
    new = []
    for line, result in results:
        stored = book.result_of(result.target_id, result.tasks[0])
        if stored is None:
            new.append(result)
        elif _content(stored) != _content(result):
            problems.append((line, names["target_id"], _files.value_problem(
                result.target_id, f"has a result in the book already (entered by "
                f"{stored.entered_by}, {stored.state.label_zh}), different from this one",
                "correct the stored result through its review (amend, return) instead")))
    if problems:
        raise table.error(sorted(problems, key=lambda p: p[0]))
    return book.enter_all(new)
