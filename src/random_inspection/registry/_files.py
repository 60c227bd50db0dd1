"""Reading and writing register files: CSV (UTF-8, UTF-8 with BOM, GB18030) and JSON.

Headers may be English (the attribute names) or the usual Chinese column names of provincial
platform exports. Loading is all-or-nothing: every problem is reported with file, line and
field, and nothing is returned when any is found.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Sized
from pathlib import Path
from typing import Any, TypeVar

from .._atomic import open_atomic, write_atomic
from .._errors import FileFormatError, InvalidValueError
from .._progress import Progress, Reporter
from .._text import a_or_an
from ._vocabulary import CheckMethod, EntityType, InspectorStatus, ItemKind, _Labelled

R = TypeVar("R")
PathLike = str | os.PathLike[str]

#: Accepted header spellings per field; the first Chinese one is written with headers="chinese".
TARGET_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("统一社会信用代码", "统一社会信用代码/注册号", "信用代码", "注册号", "uscc"),
    "name": ("主体名称", "企业名称", "名称", "检查对象名称"),
    "entity_type": ("主体类型", "市场主体类型", "检查对象类型", "type"),
    "region": ("行政区划代码", "行政区划", "所属区域", "区域代码"),
    "industry": ("行业代码", "国民经济行业代码", "行业"),
    "registering_office": ("登记机关",),
    "supervising_office": ("管辖单位", "监管机关", "管辖机关"),
    "risk_class": ("信用风险分类", "风险分类", "信用风险分类结果", "风险等级"),
    "tags": ("标签", "个性化标注", "标注"),
    "last_check_date": ("上次检查日期", "最近检查日期", "上次抽查日期"),
}
INSPECTOR_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("人员编号", "工号", "编号"),
    "name": ("姓名",),
    "department": ("所属部门", "部门", "单位"),
    "office": ("科室", "所属科室", "所属机构"),
    "office_area": ("辖区", "辖区代码", "管辖区域"),
    "post": ("职务", "岗位"),
    "credential_number": ("执法证号", "执法证件号", "执法证编号"),
    "credential_expiry": ("执法证有效期至", "有效期至", "证件有效期"),
    "specialties": ("业务专长", "专长"),
    "is_expert": ("是否专家", "专业技术人员"),
    "status": ("状态", "人员状态"),
    "group": ("执法小组", "检查小组", "小组"),
}
ITEM_HEADERS: dict[str, tuple[str, ...]] = {
    "code": ("事项编码", "抽查事项编码", "编码"),
    "name": ("抽查事项", "事项名称", "检查事项"),
    "legal_basis": ("检查依据", "法律依据", "抽查依据"),
    "department": ("实施主体", "责任部门", "部门"),
    "kind": ("事项类别", "事项类型", "类别"),
    "methods": ("检查方式", "抽查方式"),
    "required_specialties": ("所需专长", "专业要求"),
    "entity_types": ("检查对象类型", "抽查对象", "对象类型"),
}


def decode(path: PathLike, data: bytes, encoding: str | None) -> str:
    """Decode file bytes: the given encoding, else UTF-8 (with or without BOM), else GB18030."""
    candidates = [encoding] if encoding else ["utf-8-sig", "gb18030"]
    failures: list[str] = []
    first_line = 0
    for candidate in candidates:
        try:
            return data.decode(candidate)
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            first_line = first_line or line
            failures.append(f"{candidate} fails at line {line}")
        except LookupError as exc:
            raise InvalidValueError("file", "encoding", encoding, "is not a known encoding",
                                    "use 'utf-8', 'utf-8-sig' or 'gb18030'") from exc
    raise FileFormatError(str(path), [(first_line, "", "cannot be decoded (" + "; ".join(failures)
                                       + "): save the file as UTF-8 or GB18030")], 1)


def accepted_columns(headers: Mapping[str, tuple[str, ...]]) -> str:
    """Every field with its accepted header spellings, each spelling once."""
    parts = []
    for field, aliases in headers.items():
        spellings = dict.fromkeys(a for a in aliases if a.casefold() != field.casefold())
        parts.append(f"{field} ({', '.join(spellings)})" if spellings else field)
    return "; ".join(parts)


#: Cells that are data, not a header: ids, codes, division codes, dates, numbers.
_DATA_CELL = re.compile(r"\d{4,}|[0-9A-Z]{15,18}|[A-Z]{1,4}[-_]?\d{2,}|"
                        r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?")


def _not_a_header(header: Sequence[str], lookup: Mapping[str, str],
                  headers: Mapping[str, tuple[str, ...]], required: Sequence[str]) -> str | None:
    """Why the first line is a data row rather than a header, or ``None`` if it may be one."""
    cells = [c.strip() for c in header]
    if any(c.casefold() in lookup for c in cells):
        return None
    data = [c for c in cells if _DATA_CELL.fullmatch(c)]
    if not data:
        return None
    shown = ", ".join(repr(c) for c in data[:3])
    return (f"not a header: it looks like a data row ({shown}); add the header "
            f"line: {','.join(headers)} (or in Chinese: "
            f"{','.join(a[0] for a in headers.values())}), one name per column in the order "
            f"of the data; required: {', '.join(required)}")


def _header_fields(path: PathLike, header: Sequence[str],
                   headers: Mapping[str, tuple[str, ...]], required: Sequence[str],
                   unknown_columns: str) -> list[str | None]:
    """The field of each column (``None`` for an ignored one); every header problem raised
    at once, with the accepted columns listed once."""
    lookup = {alias.casefold(): field for field, aliases in headers.items()
              for alias in (field, *aliases)}
    not_header = _not_a_header(header, lookup, headers, required)
    if not_header:
        raise FileFormatError(str(path), [(1, "", not_header)], 1)
    fields: list[str | None] = []
    problems: list[tuple[int, str, str]] = []
    for name in header:
        field = lookup.get(name.strip().casefold())
        if field is None and unknown_columns == "error" and name.strip():
            problems.append((1, name, "unknown column"))
        if field is not None and field in fields:
            problems.append((1, name, f"a second column for {field!r}; keep one"))
        fields.append(field)
    if any(message == "unknown column" for _, _, message in problems):
        problems.append((1, "", "the accepted columns are " + accepted_columns(headers)
                         + ". Fix: remove or rename the unknown column(s) "
                         "(library: unknown_columns='ignore')"))
    for field in required:
        if field not in fields:
            problems.append((1, field, f"required column missing (header {field!r} or "
                                       f"{headers[field][0]!r})"))
    if problems:
        raise FileFormatError(str(path), problems, len(problems))
    return fields


class _BadRecordError(Exception):
    """A record the csv module could not read; ``problem`` is ready for `FileFormatError`."""

    def __init__(self, problem: tuple[int, str, str]) -> None:
        super().__init__(problem[2])
        self.problem = problem


_QUOTE_FIX = "Fix: remove the quote, or double it (\"\") inside a quoted cell"


def _records(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts on (``reader.line_num`` is where it ends: a
    quoted cell may run over several lines)."""
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            end = reader.line_num
            message = f"malformed CSV: {exc}"
            if end > start:
                message += (f"; an unbalanced quote (\") on this line swallowed the line "
                            f"breaks up to line {end}. {_QUOTE_FIX}")
            else:
                message += ". Fix: put the whole cell in quotes and double the quotes inside it"
            raise _BadRecordError((start, "", message)) from None
        yield start, row


def read_table(path: PathLike, headers: Mapping[str, tuple[str, ...]], required: Sequence[str],
               *, encoding: str | None = None, unknown_columns: str = "error",
               progress: Progress | None = None,
               ) -> tuple[dict[str, list[str]], list[int]]:
    """Read a CSV (or tab-separated) file into columns keyed by field, and each row's line.

    A file with a header line and no rows gives empty columns. Lines are 1-based, count the
    header, and name where each record starts.
    """
    if unknown_columns not in ("error", "ignore"):
        raise InvalidValueError("read", "unknown_columns", unknown_columns, "is not an option",
                                "use 'error' or 'ignore'")
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise FileFormatError(str(path), [(0, "", f"cannot be read: {exc.strerror}")], 1) from exc
    report = Reporter(progress)
    report.start(f"reading {Path(path).name}", data.count(b"\n"))
    text = decode(path, data, encoding)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records = _records(reader)
    problems: list[tuple[int, str, str]] = []
    try:
        _, header = next(records)
    except StopIteration:
        raise FileFormatError(str(path), [(1, "", "the file is empty: a header line is needed")],
                              1) from None
    except _BadRecordError as exc:
        raise FileFormatError(str(path), [exc.problem], 1) from None
    fields = _header_fields(path, header, headers, required, unknown_columns)
    columns: dict[str, list[str]] = {f: [] for f in fields if f is not None}
    lines: list[int] = []
    try:
        for start, row in records:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                problems.append((start, "", _cell_count_problem(row, len(header), start,
                                                                reader.line_num)))
                continue
            lines.append(start)
            for field, cell in zip(fields, row, strict=True):
                if field is not None:
                    columns[field].append(cell)
            if not len(lines) & 0xFFFF:
                report.advance(start)
    except _BadRecordError as exc:
        problems.append(exc.problem)
    if problems:
        raise FileFormatError(str(path), problems, len(problems))
    report.finish()
    return columns, lines


def _cell_count_problem(row: Sequence[str], expected: int, start: int, end: int) -> str:
    message = f"has {len(row)} cells, the header has {expected}"
    if end > start:
        message += (f"; the record runs on to line {end}: an unbalanced quote (\") on this line "
                    f"swallowed the line breaks. {_QUOTE_FIX}")
    return message


def value_problem(value: object, problem: str, fix: str) -> str:
    """A bad cell's message for a file problem: its value (shortened), what is wrong, the fix;
    a cell that runs over several lines points at the likely unbalanced quote."""
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:60] + "…" + shown[-10:]
    message = f"{shown}: {problem}. Fix: {fix}"
    if isinstance(value, str) and "\n" in value:
        message += (f" (the cell runs over {value.count(chr(10)) + 1} lines: if that is not "
                    "meant, an unbalanced quote (\") at its start swallowed the line breaks)")
    return message


def load_records(path: PathLike, headers: Mapping[str, tuple[str, ...]], required: Sequence[str],
                 build: Callable[[Mapping[str, str]], R], *, encoding: str | None = None,
                 unknown_columns: str = "error") -> list[R]:
    """Read a CSV file of small records, one `build` call per row; all problems at once."""
    columns, lines = read_table(path, headers, required, encoding=encoding,
                                unknown_columns=unknown_columns)
    records: list[R] = []
    problems: list[tuple[int, str, str]] = []
    for index, line in enumerate(lines):
        row = {field: values[index] for field, values in columns.items()}
        try:
            records.append(build(row))
        except InvalidValueError as exc:
            problems.append((line, exc.field, value_problem(exc.value, exc.problem, exc.fix)))
    if problems:
        raise FileFormatError(str(path), problems, len(problems))
    return records


def cell(value: Any) -> str:
    """A plain value as CSV cell text: lists joined by ';', booleans true/false, None ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return str(value)


#: Enum-valued fields written with their Chinese labels under Chinese headers.
CHINESE_VALUES: dict[str, type[_Labelled]] = {
    "entity_type": EntityType, "entity_types": EntityType, "status": InspectorStatus,
    "kind": ItemKind, "methods": CheckMethod,
}


def _zh(field: str, value: Any) -> Any:
    kind = CHINESE_VALUES.get(field)
    if kind is None or value in (None, ""):
        return value
    if isinstance(value, list):
        return [kind(v).label_zh for v in value]
    return kind(value).label_zh


def write_table(path: PathLike, headers: Mapping[str, tuple[str, ...]],
                rows: Iterable[Mapping[str, Any]], *, encoding: str = "utf-8",
                header_language: str = "english", overwrite: bool = True,
                progress: Progress | None = None) -> None:
    """Write plain-value rows as CSV; ``header_language`` is 'english' or 'chinese'.

    Under Chinese headers, entity types, statuses, item kinds and methods are written with
    their Chinese labels (which every reader here accepts); risk classes stay A-D / U. The
    file appears whole or not at all (`open_atomic`); ``overwrite=False`` refuses an existing
    file with `OutputExistsError`.
    """
    if header_language not in ("english", "chinese"):
        raise InvalidValueError("write", "headers", header_language, "is not an option",
                                "use 'english' or 'chinese'")
    names = list(headers)
    shown = names if header_language == "english" else [headers[n][0] for n in names]
    chinese = header_language == "chinese"
    try:
        with open_atomic(path, "w", encoding=encoding, newline="",
                         overwrite=overwrite) as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(shown)
            report = Reporter(progress)
            report.start(f"writing {Path(path).name}",
                         len(rows) if isinstance(rows, Sized) else None)
            for done, row in enumerate(rows, start=1):
                writer.writerow([cell(_zh(n, row[n]) if chinese else row[n]) for n in names])
                if not done & 0x3FFF:
                    report.advance(done)
            report.finish()
    except (LookupError, UnicodeEncodeError) as exc:
        raise InvalidValueError("write", "encoding", encoding, f"cannot write: {exc}",
                                "use 'utf-8', 'utf-8-sig' or 'gb18030'") from exc


def read_json(path: PathLike, kind: str) -> dict[str, Any]:
    """Read a register JSON document and check its ``format`` and ``version``."""
    try:
        document = json.loads(decode(path, Path(path).read_bytes(), "utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise FileFormatError(str(path), [(exc.lineno, "", f"not valid JSON: {exc.msg}")],
                              1) from exc
    except OSError as exc:
        raise FileFormatError(str(path), [(0, "", f"cannot be read: {exc.strerror}")], 1) from exc
    if not isinstance(document, dict) or document.get("format") != f"random-inspection/{kind}":
        raise FileFormatError(str(path), [(1, "format", f"not {a_or_an(kind)} document (expected "
                                           f"\"format\": \"random-inspection/{kind}\")")], 1)
    if document.get("version") != 1:
        raise FileFormatError(str(path), [(1, "version", f"unsupported version "
                                           f"{document.get('version')!r}; this library reads 1")],
                              1)
    return document


def write_json(path: PathLike, document: Mapping[str, Any], *, overwrite: bool = True) -> None:
    """Write a JSON document (UTF-8, Chinese kept readable, stable key order), whole or not
    at all (`write_atomic`); ``overwrite=False`` refuses an existing file."""
    text = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    write_atomic(path, text.encode("utf-8"), overwrite=overwrite)


def json_records(path: PathLike, document: Mapping[str, Any], key: str,
                 build: Callable[[Mapping[str, Any]], R]) -> list[R]:
    """Build records from ``document[key]``; every bad entry reported, by position."""
    entries = document.get(key)
    if not isinstance(entries, list):
        raise FileFormatError(str(path), [(1, key, f"missing list {key!r}")], 1)
    records: list[R] = []
    problems: list[tuple[int, str, str]] = []
    for index, entry in enumerate(entries):
        try:
            if not isinstance(entry, dict):
                raise InvalidValueError(f"{key}[{index}]", key, entry, "is not an object",
                                        "give each record as a JSON object")
            records.append(build(entry))
        except InvalidValueError as exc:
            problems.append((0, exc.field,
                             f"entry {index}: {exc.value!r}: {exc.problem}. Fix: {exc.fix}"))
    if problems:
        raise FileFormatError(str(path), problems, len(problems))
    return records

