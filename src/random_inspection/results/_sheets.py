"""The cells of a spreadsheet or CSV file as counties fill them in: rows with the row number
a spreadsheet program shows, the header row found under any title rows, and cells read as
text, lists, dates and ids the way spreadsheet programs leave them (Excel serial numbers,
date cells, 2024/6/3 and 2024年6月3日, ids turned into numbers, full-width digits).

Workbooks are read with openpyxl in read-only mode (extra ``xlsx``); CSV files in the
encodings the registers accept (UTF-8, UTF-8 with BOM, GB18030).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from .._errors import FileFormatError, InvalidValueError
from ..registry import _files

__all__ = ["CellProblem", "Sheet", "find_header", "read_sheet"]

_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
#: How many rows above the header a sheet may have (titles, notes, blank rows).
_HEADER_SEARCH = 30
#: Excel's 1900 date system covers serials up to 9999-12-31.
_MAX_SERIAL = 2_958_465


class CellProblem(Exception):  # noqa: N818  (a message carrier, caught within the package)
    """A cell that cannot be read: what is wrong and the fix."""

    def __init__(self, value: object, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.value = value
        self.problem = problem
        self.fix = fix

    def message(self) -> str:
        """The value, the problem and the fix, as a file problem says them."""
        return _files.value_problem(self.value, self.problem, self.fix)


@attrs.frozen
class Sheet:
    """The non-empty rows of one sheet (or CSV file).

    Attributes:
        path: The file.
        name: The sheet's name (``""`` for CSV).
        rows: ``(row number as shown, cells)`` for every row with a non-blank cell.
        epoch: The workbook's date system (1900 or 1904) for serial numbers.
    """

    path: str
    name: str
    rows: tuple[tuple[int, tuple[Any, ...]], ...]
    epoch: dt.datetime = dt.datetime(1899, 12, 30)

    def error(self, problems: Sequence[tuple[int, str, str]]) -> FileFormatError:
        """Every problem of this sheet as one `FileFormatError`."""
        return FileFormatError(self.path, problems, len(problems), sheet=self.name)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_sheet(path: _files.PathLike, *, sheet: str | None, encoding: str | None,
               wanted: Mapping[str, str]) -> Sheet:
    """The sheet to read: a CSV file, or a workbook's ``sheet`` (default: the first sheet
    with a header row of ``wanted``, a header spelling → field mapping)."""
    suffix = Path(path).suffix.casefold()
    if suffix in _TEXT_SUFFIXES:
        if sheet is not None:
            raise InvalidValueError("read_results", "sheet", sheet, "is for workbooks",
                                    "leave sheet out for a CSV file")
        return _csv_sheet(path, encoding)
    if suffix in _WORKBOOK_SUFFIXES:
        return _workbook_sheet(path, sheet, wanted)
    fix = ("save it as .xlsx (Excel 97-2003 .xls files are not read)" if suffix == ".xls"
           else "give a .xlsx workbook or a .csv file")
    raise FileFormatError(str(path), [(0, "", f"is not a workbook or CSV file: {fix}")], 1)


def _csv_sheet(path: _files.PathLike, encoding: str | None) -> Sheet:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise FileFormatError(str(path), [(0, "", f"cannot be read: {exc.strerror}")], 1) from exc
    text = _files.decode(path, data, encoding)
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, tuple[Any, ...]]] = []
    try:
        for line, row in _files._records(reader):
            if not all(_blank(c) for c in row):
                rows.append((line, tuple(row)))
    except _files._BadRecordError as exc:
        raise FileFormatError(str(path), [exc.problem], 1) from None
    return Sheet(str(path), "", tuple(rows))


def _workbook_sheet(path: _files.PathLike, sheet: str | None, wanted: Mapping[str, str]
                    ) -> Sheet:
    try:
        import openpyxl  # noqa: PLC0415  (optional dependency)
    except ImportError as error:  # pragma: no cover
        raise ImportError("reading .xlsx needs openpyxl: pip install "
                          "'random-inspection[xlsx]'") from error
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError as exc:
        raise FileFormatError(str(path), [(0, "", "cannot be read: no such file")], 1) from exc
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise FileFormatError(str(path), [(0, "", f"is not an xlsx workbook ({exc}); save it "
                                           "from the spreadsheet program as .xlsx, or as "
                                           "CSV with a .csv name")], 1) from exc
    try:
        names = book.sheetnames
        if sheet is not None and sheet not in names:
            raise FileFormatError(str(path), [(0, "", f"has no sheet {sheet!r}: its sheets are "
                                               + ", ".join(repr(n) for n in names))], 1)
        read = []
        for name in [sheet] if sheet is not None else names:
            worksheet = book[name]
            if not hasattr(worksheet, "iter_rows"):
                continue  # a chart sheet
            worksheet.reset_dimensions()  # some writers store a wrong used range
            rows = tuple((number, tuple(cells)) for number, cells in
                         enumerate(worksheet.iter_rows(values_only=True), start=1)
                         if not all(_blank(c) for c in cells))
            found = Sheet(str(path), name, rows, book.epoch)
            if sheet is not None or _header_row(found, wanted) is not None:
                return found
            read.append(found)
    finally:
        book.close()
    raise FileFormatError(str(path), [(0, "", "no sheet has a header row of results (e.g. "
                                       + ", ".join(list(wanted)[:4]) + ", …); sheets: "
                                       + ", ".join(repr(s.name) for s in read))], 1)


# --- the header ------------------------------------------------------------------------------

def header_key(value: object) -> str:
    """A header cell as looked up: NFKC, trimmed, case-folded, inner spaces removed."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"\s+", "", text).casefold()


def _header_row(sheet: Sheet, wanted: Mapping[str, str]) -> int | None:
    """The index in ``sheet.rows`` of the header: among the first rows, the one naming the
    most known columns (at least two: a merged title cell is not a header)."""
    best, best_count = None, 1
    for index, (_, cells) in enumerate(sheet.rows[:_HEADER_SEARCH]):
        count = len({wanted[k] for c in cells if (k := header_key(c)) in wanted})
        if count > best_count:
            best, best_count = index, count
    return best


def find_header(sheet: Sheet, wanted: Mapping[str, str], accepted: str,
                required: Sequence[tuple[str, str]]) -> tuple[int, dict[int, str], dict[str, str]]:
    """The header's index in ``sheet.rows``, each known column's field by position, and each
    field's header as written; every header problem raised at once.

    ``wanted`` maps header keys (`header_key`) to fields, ``accepted`` lists the accepted
    columns for the message, ``required`` holds ``(field, header to write)`` pairs.
    """
    index = _header_row(sheet, wanted)
    if index is None:
        raise sheet.error([(sheet.rows[0][0] if sheet.rows else 0, "",
                            "no header row found among the first rows: the columns are "
                            + accepted)])
    line, cells = sheet.rows[index]
    fields: dict[int, str] = {}
    names: dict[str, str] = {}
    problems: list[tuple[int, str, str]] = []
    for position, cell in enumerate(cells):
        if _blank(cell):
            continue
        shown = str(cell).strip()
        field = wanted.get(header_key(cell))
        if field is None:
            problems.append((line, shown, "unknown column"))
        elif field in names:
            problems.append((line, shown, f"a second column for {field} (the first is "
                                          f"{names[field]!r}): keep one"))
        else:
            fields[position] = field
            names[field] = shown
    if any(message == "unknown column" for _, _, message in problems):
        problems.append((line, "", "the accepted columns are " + accepted + ". Fix: remove "
                         "or rename the unknown column(s)"))
    problems += [(line, header, "required column missing") for field, header in required
                 if field not in names]
    for number, row in sheet.rows[index + 1:]:
        stray = next((p for p, cell in enumerate(row) if not _blank(cell)
                      and (p >= len(cells) or _blank(cells[p]))), None)
        if stray is not None:
            problems.append((number, f"column {_letter(stray)}",
                             f"{row[stray]!r} stands in a column without a header: give the "
                             "column a header, or clear the cell"))
    if problems:
        raise sheet.error(problems)
    return index, fields, names


def _letter(position: int) -> str:
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# --- cells -----------------------------------------------------------------------------------

#: Separators between several values in one cell: 、 ， , ; ； + (full-width ones too).
_SEPARATORS = re.compile(r"[、，,;；+＋\n]+")
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d*)?[eE][+-]?\d+")


def text(value: object) -> str:
    """A cell as trimmed text: numbers without a spurious ``.0``, dates as YYYY-MM-DD."""
    if _blank(value):
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return unicodedata.normalize("NFC", str(value)).strip()


def split(value: str, *, spaces: bool = False) -> list[str]:
    """The values of a cell holding several (separated by 、 ， , ; ； + or, for ids, spaces)."""
    parts = _SEPARATORS.split(value)
    if spaces:
        parts = [p for part in parts for p in part.split()]
    return [p.strip() for p in parts if p.strip()]


def identifier(value: object, *, uscc: bool = False) -> tuple[str, bool]:
    """An id cell as text, and whether the spreadsheet had made it a number. A number that
    lost digits (Excel keeps 15 significant digits) raises `CellProblem`."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and (not value.is_integer() or abs(value) >= 1e15):
            raise _mangled(value, uscc)
        return str(int(value)), True
    shown = text(value)
    if _SCIENTIFIC.fullmatch(unicodedata.normalize("NFKC", shown)):
        raise _mangled(shown, uscc)
    return shown, False


def _mangled(value: object, uscc: bool) -> CellProblem:
    what = "the unified social credit code" if uscc else "the id"
    return CellProblem(value, f"{what} was turned into a number by the spreadsheet program "
                       "(scientific notation keeps 15 digits: the last ones are lost)",
                       "format the column as Text (Format Cells → Text, or type an apostrophe "
                       "before the code, '91140902…) and enter the code again, e.g. copied "
                       "from the target directory; a CSV opened in Excel must be imported with "
                       "the column set to Text (Data → From Text/CSV)")


_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                        r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_DATE_FIX = "give the day as 2024-06-03 (or 2024/6/3, 2024年6月3日), or as a date cell"


def date(value: object, epoch: dt.datetime) -> dt.date:
    """A date cell: a date or datetime cell, an Excel serial number, or text."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _serial(value, epoch)
    shown = unicodedata.normalize("NFKC", text(value))
    if re.fullmatch(r"\d{5}(?:\.0+)?", shown):  # a serial that reached a CSV file
        return _serial(float(shown), epoch)
    found = _DATE_TEXT.fullmatch(shown) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", shown)
    if found is None:
        raise CellProblem(value, "is not a date", _DATE_FIX)
    try:
        return dt.date(*(int(part) for part in found.groups()))
    except ValueError:
        raise CellProblem(value, "is not a day of the calendar", _DATE_FIX) from None


def _serial(value: float, epoch: dt.datetime) -> dt.date:
    """An Excel serial number's day: in the 1900 system, serial 60 is the 29 February 1900
    that Lotus 1-2-3 invented and Excel kept, so earlier serials count from 31 December."""
    if not 1 <= value <= _MAX_SERIAL or (epoch.year < 1904 and int(value) == 60):
        raise CellProblem(value, "is a number, not a date", _DATE_FIX)
    days = int(value)
    if epoch.year >= 1904:
        return epoch.date() + dt.timedelta(days=days)
    return dt.date(1899, 12, 30 if days > 60 else 31) + dt.timedelta(days=days)
