"""Results written out: the template counties fill in (`write_results_template`, read back by
`read_results`) and the public notice for the enterprise credit publicity system
(`write_notice`), each as ``.xlsx`` (openpyxl, extra ``xlsx``) or CSV (UTF-8 with BOM, so
Excel opens it), whole or not at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .._atomic import open_atomic, write_atomic
from .._errors import InvalidTypeError, InvalidValueError, OutputExistsError
from ..registry import CheckItemList, CheckMethod, TargetDirectory
from ..registry import _fields as f
from ._book import ResultBook
from ._codes import ResultCode, ReviewState
from ._exchange import RESULT_COLUMNS
from ._model import InspectionResult

__all__ = ["write_notice", "write_results_template"]

PathLike = str | os.PathLike[str]

_ORDER = {code: index for index, code in enumerate(ResultCode)}
#: The template's columns, in order.
TEMPLATE_FIELDS = ("target_id", "name", "tasks", "item", "item_name", "codes", "method",
                   "check_date", "officers", "leader", "experts", "remarks", "visit_remarks",
                   "entered_by")
#: Template columns kept as text in a workbook, so a spreadsheet program does not turn an
#: 18-digit code into a number.
_TEXT_FIELDS = frozenset({"target_id", "tasks", "item", "codes", "officers", "leader",
                          "experts", "entered_by"})
NOTICE_HEADER = ("统一社会信用代码", "企业名称", "抽查事项", "检查结果", "检查日期",
                 "检查实施机关", "公示日期")


def sorted_codes(codes: Iterable[ResultCode]) -> list[ResultCode]:
    """Codes in the platform's order (1, A and its sub-codes, E, 8, then status codes)."""
    return sorted(codes, key=_ORDER.__getitem__)


def _format(path: PathLike, format: str | None) -> str:
    chosen = format or Path(path).suffix.lstrip(".").casefold()
    if chosen not in ("xlsx", "csv"):
        raise InvalidValueError("write", "format", format or Path(path).suffix,
                                "is not a format written here",
                                "name the file .xlsx or .csv, or pass format='xlsx' or 'csv'")
    return chosen


def _width(value: object) -> int:
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


#: What a spreadsheet reading a CSV cell takes for the start of a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object, *, formula_safe: bool) -> object:
    """A CSV cell: dates in ISO form; with ``formula_safe``, text a spreadsheet would run
    as a formula (a firm name beginning ``=``, ``+``, ``-``, ``@``) prefixed with ``'``, the
    spreadsheets' own mark for text, so a published file cannot run anything when opened."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if formula_safe and isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _write(path: PathLike, chosen: str, header: Sequence[str], rows: list[list[Any]], *,
           sheet_name: str, title: str = "", text_columns: Iterable[int] = (),
           notes: Sequence[Sequence[str]] = (), overwrite: bool,
           formula_safe: bool = False) -> None:
    """Write a table as CSV (UTF-8 with BOM) or as a workbook with a title row merged across
    the columns, a bold header, frozen panes, fitted widths and date cells. Workbook cells
    are always text where they look like formulas; CSV cells are neutralised with
    ``formula_safe`` (files for the public; a template read back stays verbatim)."""
    if chosen == "csv":
        with open_atomic(path, "w", encoding="utf-8-sig", newline="",
                         overwrite=overwrite) as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(header)
            writer.writerows([csv_cell(v, formula_safe=formula_safe) for v in row]
                             for row in rows)
        return
    try:
        from openpyxl import Workbook  # noqa: PLC0415  (optional dependency)
        from openpyxl.styles import Alignment, Font, PatternFill  # noqa: PLC0415
        from openpyxl.utils import get_column_letter  # noqa: PLC0415
    except ImportError as error:  # pragma: no cover
        raise ImportError("writing .xlsx needs openpyxl: pip install "
                          "'random-inspection[xlsx]'") from error
    if not overwrite and os.path.lexists(path):  # refused before the work, as open_atomic does
        raise OutputExistsError(str(path))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = sheet_name
    top = 1
    if title:
        sheet.cell(1, 1, title).font = Font(bold=True, size=14)
        sheet.cell(1, 1).alignment = Alignment(horizontal="center")
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
        top = 2
    for column, name in enumerate(header, start=1):
        cell = sheet.cell(top, column, name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    text = set(text_columns)
    for offset, row in enumerate(rows, start=top + 1):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(offset, column, value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula stays text
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif column - 1 in text:
                cell.number_format = "@"
    for column, name in enumerate(header, start=1):
        widest = max([_width(name), *(_width(r[column - 1]) for r in rows if r[column - 1])])
        sheet.column_dimensions[get_column_letter(column)].width = min(max(widest, 8), 60) + 2
    sheet.freeze_panes = f"A{top + 1}"
    if notes:
        extra = book.create_sheet("填写说明")
        for line in notes:
            extra.append(list(line))
        extra.column_dimensions["A"].width = 16
        extra.column_dimensions["B"].width = 60
    data = io.BytesIO()
    book.save(data)
    write_atomic(path, data.getvalue(), overwrite=overwrite)


def _names(book: ResultBook, directory: TargetDirectory | None) -> TargetDirectory | None:
    if directory is not None and not isinstance(directory, TargetDirectory):
        raise InvalidTypeError("write", "directory", directory, "a TargetDirectory",
                               "give the target directory, or leave it out")
    return directory or (book.year.runs[0].sample.directory if book.year.runs else None)


def _items(items: CheckItemList | None) -> CheckItemList | None:
    if items is not None and not isinstance(items, CheckItemList):
        raise InvalidTypeError("write", "items", items, "a CheckItemList",
                               "give the check-item list, or leave it out")
    return items


def in_visit_order(book: ResultBook) -> list[InspectionResult]:
    """The book's results in the order of the year's visits."""
    order = {(v.target_id, v.tasks[0]): k for k, v in enumerate(book.year.visits)}
    return [r for _, r in sorted(book.results.items(), key=lambda kv: order.get(kv[0], 0))]


def write_results_template(book: ResultBook, path: PathLike, *,
                           directory: TargetDirectory | None = None,
                           items: CheckItemList | None = None, format: str | None = None,
                           overwrite: bool = False) -> None:
    """The sheet counties fill in: one row per staffed visit of the year and item, the
    target, tasks, item and drawn team filled in, and the visit's result where ``book``
    has one. `read_results` reads it back (visits not filled in are skipped).

    Parameters
    ----------
    book
        The year's results so far.
    path
        A ``.xlsx`` file (a title row, text-formatted id columns so that codes stay text, a
        sheet 填写说明 with the result codes) or ``.csv`` (UTF-8 with BOM).
    directory, items
        Where the names come from (default: the directory drawn from; item codes only).
    format
        ``"xlsx"`` or ``"csv"`` (default: by the suffix).
    overwrite
        Replace an existing file (default: `OutputExistsError`).
    """
    chosen = _format(path, format)
    names, item_list = _names(book, directory), _items(items)
    rows: list[list[Any]] = []
    for visit in book.year.visits:
        team = book.team_of(visit)
        if team is None:
            continue
        result = book.result_of(visit.target_id, visit.tasks[0])
        target = names.get(visit.target_id) if names is not None else None
        outcomes = {o.item: o for o in result.outcomes} if result is not None else {}
        for item in visit.items:
            known = item_list.get(item) if item_list is not None else None
            outcome = outcomes.get(item)
            values: dict[str, Any] = {
                "target_id": visit.target_id, "name": target.name if target else "",
                "tasks": "+".join(visit.tasks), "item": item,
                "item_name": known.name if known else "",
                "officers": "、".join(team.officers), "leader": team.leader,
                "experts": "、".join(team.experts)}
            if result is not None and outcome is not None:
                values |= {
                    "codes": "+".join(c.code for c in sorted_codes(outcome.codes)),
                    "method": result.method.label_zh, "check_date": result.check_date,
                    "officers": "、".join(result.officers), "leader": result.leader,
                    "experts": "、".join(result.experts), "remarks": outcome.remarks,
                    "visit_remarks": result.remarks, "entered_by": result.entered_by}
            rows.append([values.get(field, "") for field in TEMPLATE_FIELDS])
    _write(path, chosen, [RESULT_COLUMNS[field][0] for field in TEMPLATE_FIELDS], rows,
           sheet_name="检查结果", title=f"{book.year.plan.year}年度“双随机、一公开”抽查结果录入表",
           text_columns=[k for k, field in enumerate(TEMPLATE_FIELDS) if field in _TEXT_FIELDS],
           notes=_NOTES, overwrite=overwrite)


_NOTES = (
    ("填写说明", "每个检查对象的每个抽查事项一行；同一对象、同一任务编号的各行为一次检查。"),
    ("检查结果", "填代码或中文名称，多个用“+”或“、”分隔，如 A+B。"),
    *((code.code, code.label_zh) for code in ResultCode),
    ("检查方式", "、".join(m.label_zh for m in CheckMethod)),
    ("检查日期", "如 2024-06-03、2024/6/3 或 2024年6月3日。"),
    ("执法人员", "人员编号，多个用“、”分隔；组长须为执法人员之一。"),
)


def write_notice(book: ResultBook, path: PathLike, *, organ: str,
                 directory: TargetDirectory | None = None, items: CheckItemList | None = None,
                 format: str | None = None, overwrite: bool = False) -> None:
    """The public notice of the year's published results (抽查检查结果公示), one row per
    result and item: 统一社会信用代码, 企业名称, 抽查事项, 检查结果 (the codes' Chinese
    labels), 检查日期, 检查实施机关 and 公示日期.

    Parameters
    ----------
    book
        The year's results; only published ones are written.
    path
        A ``.xlsx`` file (bold header, fitted widths, date cells) or ``.csv`` (UTF-8 with BOM,
        so Excel opens it), written whole or not at all. Text that a spreadsheet would take
        for a formula is kept text (a CSV cell gets a leading ``'``).
    organ
        The inspecting authority (检查实施机关), e.g. ``"忻州市市场监督管理局"``.
    directory
        Where the names come from (default: the directory drawn from).
    items
        The check-item list: 抽查事项 then reads "code name" (default: the code alone).
    format
        ``"xlsx"`` or ``"csv"`` (default: by the suffix).
    overwrite
        Replace an existing file (default: `OutputExistsError`).
    """
    chosen = _format(path, format)
    organ = f.text(organ, "write_notice", "organ")
    names, item_list = _names(book, directory), _items(items)
    rows: list[list[Any]] = []
    for result in in_visit_order(book):
        if result.state is not ReviewState.PUBLISHED:
            continue
        target = names.get(result.target_id) if names is not None else None
        for outcome in result.outcomes:
            known = item_list.get(outcome.item) if item_list is not None else None
            rows.append([result.target_id, target.name if target else "",
                         f"{outcome.item} {known.name}" if known else outcome.item,
                         "；".join(c.label_zh for c in sorted_codes(outcome.codes)),
                         result.check_date, organ, result.published_on])
    _write(path, chosen, NOTICE_HEADER, rows, sheet_name="抽查检查结果公示", text_columns=[0],
           overwrite=overwrite, formula_safe=True)
