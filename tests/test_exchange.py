"""Results exchanged with spreadsheets: the fill-in sheets counties return (xlsx and CSV),
read all or nothing with every bad row named; the public notice; DataFrames."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import attrs
import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from random_inspection import FileFormatError, InvalidTypeError, InvalidValueError
from random_inspection._errors import OutputExistsError
from random_inspection.demo import DemoCity, demo_plan, demo_results
from random_inspection.planning import PlanRun, run_plan
from random_inspection.results import (
    FollowUpLedger,
    InspectionResult,
    ItemOutcome,
    ResultBook,
    ReviewState,
    _sheets,
    ledger_frame,
    read_results,
    results_frame,
    write_notice,
    write_results_template,
)
from random_inspection.results._publicity import csv_cell

SEED = "31415926535897932384"
AT = dt.datetime(2024, 12, 1, 9, tzinfo=dt.UTC)
DATA = Path(__file__).parent / "data" / "exchange"
HEADER = ["统一社会信用代码", "企业名称", "任务编号", "抽查事项", "检查结果", "检查方式",
          "检查日期", "执法人员", "组长", "专家", "备注", "录入人"]


@pytest.fixture(scope="module")
def year(small_city: DemoCity) -> PlanRun:
    return run_plan(demo_plan(), small_city.targets, small_city.inspectors,
                    small_city.check_items, seed=SEED)


@pytest.fixture(scope="module")
def simulated(year: PlanRun) -> tuple[ResultBook, FollowUpLedger]:
    return demo_results(year)


def content(result: InspectionResult) -> dict[str, Any]:
    """Everything a county fills in of a result."""
    return {"tasks": set(result.tasks), "method": result.method,
            "outcomes": {o.item: (o.codes, o.remarks) for o in result.outcomes},
            "check_date": result.check_date, "officers": set(result.officers),
            "leader": result.leader, "experts": set(result.experts), "remarks": result.remarks,
            "entered_by": result.entered_by}


def contents(results: Any) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r.target_id, "+".join(sorted(r.tasks))): content(r) for r in results}


def rows_of(result: InspectionResult) -> list[dict[str, Any]]:
    """A result as a county types it: one row per item."""
    return [{"统一社会信用代码": result.target_id, "任务编号": "+".join(result.tasks),
             "抽查事项": o.item, "检查结果": "+".join(sorted(c.code for c in o.codes)),
             "检查方式": result.method.label_zh, "检查日期": result.check_date,
             "执法人员": "、".join(result.officers), "组长": result.leader,
             "专家": "、".join(result.experts), "录入人": result.entered_by}
            for o in result.outcomes]


def county_workbook(path: Path, rows: list[dict[str, Any]], header: list[str] = HEADER) -> Path:
    """A workbook as a county returns it: a merged title row, then the header on row 2."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "检查结果"
    sheet["A1"] = "2024年度抽查结果"
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(h) for h in header])
    book.save(path)
    return path


def two_item_result(book: ResultBook) -> InspectionResult:
    return next(r for r in book if len(r.outcomes) == 2 and r.experts)


# --- round trips ----------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_the_template_round_trip(year: PlanRun, simulated: tuple[ResultBook, FollowUpLedger],
                                 small_city: DemoCity, tmp_path: Path, suffix: str) -> None:
    """The demo year's results written to the fill-in sheet and read into an empty book are
    the same results, each entered by its 录入人 at the given time."""
    book = simulated[0]
    path = tmp_path / f"template{suffix}"
    write_results_template(book, path, items=small_city.check_items)
    read = read_results(path, ResultBook(year), at=AT)
    assert contents(read) == contents(book)
    assert len(read) == len(book) > 0
    assert {(r.state, r.entered_at) for r in read} == {(ReviewState.ENTERED, AT)}


def test_a_template_read_into_its_own_book_changes_nothing(
        simulated: tuple[ResultBook, FollowUpLedger], tmp_path: Path) -> None:
    """Visits already in the book with the same content are kept as stored (history too);
    a different one is refused."""
    book = simulated[0]
    path = tmp_path / "t.csv"
    write_results_template(book, path)
    again = read_results(path, book, at=AT)
    assert dict(again.results) == dict(book.results)
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    rows[1][rows[0].index("检查情况说明")] = "补充：现场已拍照"
    path.write_text("\n".join(",".join(row) for row in rows), encoding="utf-8-sig")
    with pytest.raises(FileFormatError, match="has a result in the book already"):
        read_results(path, book, at=AT)


def test_visits_not_filled_in_are_skipped(year: PlanRun, simulated: tuple[ResultBook, Any],
                                          tmp_path: Path) -> None:
    """A template of an empty book lists every staffed visit with its team; read back
    unfilled it enters nothing; one visit filled in enters that one."""
    path = tmp_path / "empty.csv"
    write_results_template(ResultBook(year), path)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    staffed = [v for v in year.visits if v.team is not None]
    assert len(lines) == 1 + sum(len(v.items) for v in staffed)
    assert len(read_results(path, ResultBook(year), at=AT)) == 0
    result = next(iter(simulated[0]))
    filled = tmp_path / "one.xlsx"
    county_workbook(filled, rows_of(result))
    assert contents(read_results(filled, ResultBook(year), at=AT)) == contents([result])


def test_a_workbook_saved_by_libreoffice(year: PlanRun,
                                         simulated: tuple[ResultBook, Any]) -> None:
    """The committed workbook LibreOffice wrote (merged title rows, date cells, a date merged
    down a visit, serials and text dates, labels, full-width digits, trailing formatted
    rows) reads as the demo year's results."""
    path = DATA / "county_results.xlsx"
    with zipfile.ZipFile(path) as archive:
        assert b"LibreOffice" in archive.read("docProps/app.xml")
    read = read_results(path, ResultBook(year), at=AT)
    assert contents(read) == contents(simulated[0])
    with pytest.raises(FileFormatError, match="no sheet '结果'"):
        read_results(path, ResultBook(year), at=AT, sheet="结果")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_the_registers_encodings_with_english_headers(
        year: PlanRun, simulated: tuple[ResultBook, Any], tmp_path: Path,
        encoding: str) -> None:
    """CSV is read in UTF-8 (with or without BOM) and GB18030; English headers in any case,
    with spaces around them, are accepted."""
    result = two_item_result(simulated[0])
    english = {"统一社会信用代码": " TARGET_ID ", "任务编号": "Tasks", "抽查事项": "item",
               "检查结果": "Codes", "检查方式": "method", "检查日期": "Check_Date",
               "执法人员": "officers", "组长": "Leader", "专家": "experts",
               "录入人": "entered_by"}
    lines = [",".join(english.values())]
    lines += [",".join(f'"{v.isoformat() if isinstance(v, dt.date) else v}"'
                       for v in row.values()) for row in rows_of(result)]
    path = tmp_path / "r.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n\r\n").encode(encoding))
    assert contents(read_results(path, ResultBook(year), at=AT)) == contents([result])


# --- cells as spreadsheet programs leave them -----------------------------------------------

@pytest.mark.parametrize("value", [dt.datetime(2024, 6, 3), dt.date(2024, 6, 3), 45446,
                                   45446.0, "45446", "2024-06-03", "2024/6/3", " 2024.6.3 ",
                                   "2024年6月3日", "２０２４年６月３日", "20240603",
                                   "2024-06-03 00:00:00"])
def test_dates_in_every_form(value: object) -> None:
    """Date cells, Excel serial numbers (as numbers or text), and text in the usual forms
    (full-width digits too) all read as 3 June 2024."""
    assert _sheets.date(value, dt.datetime(1899, 12, 30)) == dt.date(2024, 6, 3)


def test_dates_in_the_1904_system_and_bad_dates() -> None:
    """A Mac workbook's serials count from 1904; impossible days and numbers that are no
    date are refused with the forms accepted."""
    assert _sheets.date(43_984, dt.datetime(1904, 1, 1)) == dt.date(2024, 6, 3)
    for bad, problem in [("2024-02-30", "not a day"), ("June 3", "not a date"),
                         (-5, "not a date"), (60, "not a date")]:
        with pytest.raises(_sheets.CellProblem, match=problem) as caught:
            _sheets.date(bad, dt.datetime(1899, 12, 30))
        assert "2024年6月3日" in caught.value.fix


def test_ids_turned_into_numbers() -> None:
    """An id Excel made a number is read back when no digit was lost; a USCC in scientific
    notation (a number cell, or its text in a CSV) is refused with how to fix it."""
    assert _sheets.identifier(10023) == ("10023", True)
    assert _sheets.identifier(10023.0) == ("10023", True)
    assert _sheets.identifier(" 91140902A8LCA4TABD ") == ("91140902A8LCA4TABD", False)
    for mangled in (9.11409021234568e17, "9.11409E+17", "9.11409e+17"):
        with pytest.raises(_sheets.CellProblem, match="turned into a number") as caught:
            _sheets.identifier(mangled, uscc=True)
        assert "Text" in caught.value.fix


# --- bad rows -------------------------------------------------------------------------------

def _bad(book: ResultBook, small_city: DemoCity, kind: str
         ) -> tuple[list[dict[str, Any]], int, str, str]:
    """The two rows of a good visit spoiled one way: rows, bad row, column, message part."""
    result = two_item_result(book)
    rows = rows_of(result)
    visit = book.visit_of(result)
    undrawn = next(t.id for t in small_city.targets if not book.visits_of(t.id))
    stranger = next(i.id for i in small_city.inspectors if i.id not in result.officers
                    and not i.is_expert)
    changes: dict[str, tuple[int, str, object, int, str]] = {
        # kind: (row index, column, value, bad row on the sheet, message part)
        "unknown target": (0, "统一社会信用代码", "91140902MA0000000X", 3,
                           "not in the target directory"),
        "not drawn": (0, "统一社会信用代码", undrawn, 3, "was not drawn"),
        "not a visit": (0, "任务编号", "XZ-2024-99", 3, "not the task(s) of a visit"),
        "item not in visit": (1, "抽查事项", "SJ99", 4, "not an item of this visit"),
        "item twice": (1, "抽查事项", rows[0]["抽查事项"], 4, "given twice"),
        "bad code": (1, "检查结果", "A+Z", 4, "'Z' is not a result code"),
        "contradictory codes": (1, "检查结果", "1+A", 4, "combines 1"),
        "orphan sub-code": (1, "检查结果", "B", 4, "without A"),
        "empty codes": (1, "检查结果", None, 4, "is empty"),
        "bad method": (0, "检查方式", "电话抽查", 3, "not a check method"),
        "outside the window": (0, "检查日期", visit.end + dt.timedelta(days=1), 3,
                               "outside the visit's window"),
        "not a date": (1, "检查日期", "2024-13-01", 4, "not a day of the calendar"),
        "two dates": (1, "检查日期", result.check_date + dt.timedelta(days=1), 4,
                      "differs from row 3"),
        "another team": (0, "执法人员", f"{result.leader}、{stranger}", 3,
                         "not the team drawn"),
        "another leader": (0, "组长", next(o for o in result.officers
                                          if o != result.leader), 3, "not the team drawn"),
        "one officer": (0, "执法人员", result.leader, 3, "fewer than two officers"),
        "mangled USCC": (0, "统一社会信用代码", 9.11409021234568e17, 3,
                         "turned into a number"),
    }
    if kind == "missing item":
        return rows[:1], 3, "抽查事项", "lacks item"
    index, column, value, line, message = changes[kind]
    for position, row in enumerate(rows):
        if position == index or (column in VISIT_COLUMNS and kind not in ROW_KINDS):
            row[column] = value  # a visit's value: on all its rows
    return rows, line, column, message


VISIT_COLUMNS = {"检查方式", "检查日期", "执法人员", "组长"}
ROW_KINDS = {"two dates", "not a date"}
KINDS = ["unknown target", "not drawn", "not a visit", "item not in visit", "item twice",
         "missing item", "bad code", "contradictory codes", "orphan sub-code", "empty codes",
         "bad method", "outside the window", "not a date", "two dates", "another team",
         "another leader", "one officer", "mangled USCC"]


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_bad_row_is_named(year: PlanRun, simulated: tuple[ResultBook, Any],
                                       small_city: DemoCity, tmp_path: Path,
                                       kind: str) -> None:
    """Each kind of bad row gives its sheet, the row as the spreadsheet shows it, the column
    by its header, and a fix; nothing is loaded."""
    rows, line, column, message = _bad(simulated[0], small_city, kind)
    good = next(r for r in simulated[0] if r.target_id != rows[0]["统一社会信用代码"]
                and len(r.outcomes) == 1)
    path = county_workbook(tmp_path / "bad.xlsx", rows + rows_of(good))
    book = ResultBook(year)
    with pytest.raises(FileFormatError) as caught:
        read_results(path, book, at=AT)
    error = caught.value
    assert error.sheet == "检查结果"
    found = [p for p in error.problems if p[0] == line and p[1] == column]
    assert found, error.problems
    assert message in found[0][2]
    assert "Fix:" in found[0][2]
    assert f"sheet '检查结果', row {line}, field '{column}'" in str(error)
    assert len(book) == 0


def test_several_bad_rows_are_all_listed(year: PlanRun, simulated: tuple[ResultBook, Any],
                                         tmp_path: Path) -> None:
    """A file with several bad rows names each of them, and nothing is entered even for
    its good rows."""
    results = [r for r in simulated[0] if len(r.outcomes) == 1][:4]
    rows = [row for r in results for row in rows_of(r)]
    rows[0]["检查结果"] = "X"
    rows[2]["检查日期"] = "someday"
    rows[3]["组长"] = "XZ99999"
    path = tmp_path / "several.csv"
    lines = [",".join(HEADER)] + [",".join(
        str(row.get(h) if row.get(h) is not None else "") for h in HEADER) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="gb18030")
    with pytest.raises(FileFormatError) as caught:
        read_results(path, ResultBook(year), at=AT)
    assert [(p[0], p[1]) for p in caught.value.problems] == [
        (2, "检查结果"), (4, "检查日期"), (5, "组长")]
    assert caught.value.total == 3
    assert "line 2" in str(caught.value)  # a CSV file has lines, not a sheet


def test_header_problems(year: PlanRun, simulated: tuple[ResultBook, Any],
                         tmp_path: Path) -> None:
    """An unknown column is refused with the accepted columns listed; a missing required
    column is named; a sheet without a header row says what the columns are."""
    rows = rows_of(next(iter(simulated[0])))
    path = county_workbook(tmp_path / "h.xlsx", rows, [*HEADER, "联系电话"])
    with pytest.raises(FileFormatError, match="unknown column") as caught:
        read_results(path, ResultBook(year), at=AT)
    assert "the accepted columns are target_id (统一社会信用代码" in str(caught.value)
    path = county_workbook(tmp_path / "m.xlsx", rows, [h for h in HEADER if h != "组长"])
    with pytest.raises(FileFormatError, match="'组长': required column missing"):
        read_results(path, ResultBook(year), at=AT)
    path = tmp_path / "none.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match="no header row found"):
        read_results(path, ResultBook(year), at=AT)
    with pytest.raises(FileFormatError, match=r"save it as \.xlsx"):
        read_results(tmp_path / "old.xls", ResultBook(year), at=AT)


def test_arguments_are_checked(year: PlanRun, tmp_path: Path) -> None:
    """The book must be a ResultBook and the entry time aware."""
    path = county_workbook(tmp_path / "e.xlsx", [])
    with pytest.raises(InvalidTypeError):
        read_results(path, year, at=AT)  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="time zone"):
        read_results(path, ResultBook(year), at=dt.datetime(2024, 12, 1))


# --- the public notice ----------------------------------------------------------------------

def _half_published(book: ResultBook) -> ResultBook:
    """The demo results, every other one taken back to its entry (not published)."""
    results = {key: attrs.evolve(r, history=r.history[:1]) if k % 2 else r
               for k, (key, r) in enumerate(book.results.items())}
    return attrs.evolve(book, results=results)


def test_the_notice_as_csv(simulated: tuple[ResultBook, Any], small_city: DemoCity,
                           tmp_path: Path) -> None:
    """Only published results, one row per item, with the codes' Chinese labels; the CSV
    starts with a BOM so Excel opens it as UTF-8; an existing file is not replaced unless
    asked."""
    book = _half_published(simulated[0])
    published = [r for r in book if r.state is ReviewState.PUBLISHED]
    path = tmp_path / "notice.csv"
    write_notice(book, path, organ="忻州市市场监督管理局")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "统一社会信用代码,企业名称,抽查事项,检查结果,检查日期,检查实施机关,公示日期"
    assert len(lines) - 1 == sum(len(r.outcomes) for r in published)
    assert {line.split(",")[0] for line in lines[1:]} == {r.target_id for r in published}
    first = published[0]
    cells = lines[1].split(",")
    assert cells[:3] == [first.target_id, small_city.targets[first.target_id].name,
                         first.outcomes[0].item]
    assert set(cells[3].split("；")) == {c.label_zh for c in first.outcomes[0].codes}
    assert cells[4:] == [first.check_date.isoformat(), "忻州市市场监督管理局",
                         str(first.published_on)]
    problems = next(line for line in lines if "发现问题待后续处理；" in line)
    assert problems  # A comes before its sub-codes, as the platform lists them
    with pytest.raises(OutputExistsError):
        write_notice(book, path, organ="另一机关")
    assert path.read_bytes() == data
    write_notice(book, path, organ="另一机关", overwrite=True)
    assert "另一机关" in path.read_text(encoding="utf-8-sig")
    assert [p.name for p in tmp_path.iterdir()] == ["notice.csv"]


def test_the_notice_as_xlsx(simulated: tuple[ResultBook, Any], small_city: DemoCity,
                            tmp_path: Path) -> None:
    """The workbook reads back with openpyxl: a bold header, dates as dates, item code and
    name, widths set; the format may be given apart from the suffix."""
    book = _half_published(simulated[0])
    path = tmp_path / "notice.out"
    write_notice(book, path, organ="忻州市市场监督管理局", items=small_city.check_items,
                 format="xlsx")
    with path.open("rb") as handle:  # openpyxl goes by the suffix, so give it the bytes
        sheet = openpyxl.load_workbook(handle).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["统一社会信用代码", "企业名称", "抽查事项"]
    assert all(c.font.b for c in sheet[1])
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    published = [r for r in book if r.state is ReviewState.PUBLISHED]
    assert len(rows) == sum(len(r.outcomes) for r in published)
    assert all(isinstance(r[4], dt.datetime) and isinstance(r[6], dt.datetime) for r in rows)
    item = small_city.check_items[published[0].outcomes[0].item]
    assert rows[0][2] == f"{item.code} {item.name}"
    assert rows[0][4].date() == published[0].check_date
    assert sheet.column_dimensions["A"].width >= 18
    with pytest.raises(InvalidValueError, match="format"):
        write_notice(book, tmp_path / "n.ods", organ="x")


# --- DataFrames -----------------------------------------------------------------------------

def test_the_frames(year: PlanRun, simulated: tuple[ResultBook, FollowUpLedger]) -> None:
    """One row per result and item with its state, dates and team; one per follow-up; empty
    ones keep their columns and types."""
    book, ledger = simulated
    empty = results_frame(ResultBook(year))
    assert len(empty) == 0
    assert str(empty["check_date"].dtype).startswith("datetime64")
    assert list(ledger_frame(FollowUpLedger()).columns)[:2] == ["id", "target_id"]
    frame = results_frame(book)
    assert len(frame) == sum(len(r.outcomes) for r in book)
    assert set(frame["state"].astype(str)) == {"published"}
    assert str(frame["check_date"].dtype).startswith("datetime64")
    assert str(frame["entered_at"].dt.tz) == "UTC"
    assert frame["problem"].sum() == sum(o.problem for r in book for o in r.outcomes)
    first = next(iter(book))
    row = frame.iloc[0]
    assert (row["target_id"], row["leader"]) == (first.target_id, first.leader)
    follow = ledger_frame(ledger)
    assert list(follow["id"]) == sorted(e.id for e in ledger)
    assert int(follow["is_open"].sum()) == sum(e.is_open for e in ledger)
    assert follow["closed"].isna().sum() == sum(e.is_open for e in ledger)


# --- property -------------------------------------------------------------------------------

_REMARKS = st.text(st.characters(categories=("L", "N", "P", "S", "Zs")), max_size=12)


@given(data=st.data())
def test_generated_results_survive_the_fill_in_sheet(year: PlanRun,
                                                     data: st.DataObject) -> None:
    """Generated results, remarks included, written to the fill-in sheet (xlsx or CSV) and
    read back are the same results."""
    from random_inspection.strategies import inspection_results  # noqa: PLC0415

    results = data.draw(st.lists(inspection_results(year=year), min_size=1, max_size=4,
                                 unique_by=lambda r: (r.target_id, r.tasks)))
    book = ResultBook(year)
    for result in results:
        outcomes = [ItemOutcome(o.item, o.codes, data.draw(_REMARKS)) for o in result.outcomes]
        book = book.enter(attrs.evolve(result, outcomes=outcomes, remarks=data.draw(_REMARKS)))
    suffix = data.draw(st.sampled_from([".xlsx", ".csv"]))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"r{suffix}"
        write_results_template(book, path)
        read = read_results(path, ResultBook(year), at=AT)
    assert contents(read) == contents(book)


def test_the_csv_notice_cannot_run_a_formula(simulated: tuple[ResultBook, Any],
                                             tmp_path: Path) -> None:
    """Text a spreadsheet would run (CSV injection: a hostile name or organ beginning with
    =, +, -, @) is written with a leading apostrophe in the public CSV; other cells are
    untouched."""
    book = _half_published(simulated[0])
    path = tmp_path / "notice.csv"
    hostile = '=HYPERLINK("http://example.invalid","点此")'
    write_notice(book, path, organ=hostile)
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))[1:]
    assert rows
    assert {row[5] for row in rows} == {"'" + hostile}
    assert all(not row[0].startswith("'") for row in rows)
    for start in ("=", "+", "-", "@"):
        assert csv_cell(start + "1", formula_safe=True) == "'" + start + "1"
        assert csv_cell(start + "1", formula_safe=False) == start + "1"
    assert csv_cell("忻州市", formula_safe=True) == "忻州市"
    assert csv_cell(dt.date(2024, 5, 6), formula_safe=True) == "2024-05-06"
