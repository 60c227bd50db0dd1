"""CSV and JSON files: encodings, Chinese headers, all-or-nothing loading."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given

from random_inspection import (
    CheckItemList,
    EntityType,
    FileFormatError,
    InspectorDirectory,
    InvalidValueError,
    Scope,
    Target,
    TargetDirectory,
)
from random_inspection.demo import DemoCity
from random_inspection.registry._target_columns import TARGET_FIELDS
from random_inspection.strategies import (
    check_item_lists,
    inspector_directories,
    target_directories,
)

ENCODINGS = ["utf-8", "utf-8-sig", "gb18030"]
HEADER = "统一社会信用代码,主体名称,主体类型,行政区划代码,信用风险分类,上次检查日期\n"


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("headers", ["english", "chinese"])
def test_csv_round_trip(small_city: DemoCity, tmp_path: Path, encoding: str,
                        headers: str) -> None:
    """Write and read back in each encoding and header language: the same directory."""
    path = tmp_path / "targets.csv"
    small_city.targets.to_csv(path, encoding=encoding, headers=headers)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    if headers == "chinese":
        assert "统一社会信用代码".encode(encoding.replace("-sig", "")) in raw
    assert TargetDirectory.from_csv(path) == small_city.targets
    assert TargetDirectory.from_csv(path, encoding=encoding) == small_city.targets


@given(target_directories())
def test_csv_and_json_round_trip_generated(directory: TargetDirectory) -> None:
    """Any valid directory survives CSV and JSON."""
    with tempfile.TemporaryDirectory() as folder:
        csv_path, json_path = Path(folder) / "d.csv", Path(folder) / "d.json"
        directory.to_csv(csv_path, headers="chinese", encoding="gb18030")
        directory.to_json(json_path)
        assert TargetDirectory.from_csv(csv_path) == directory
        assert TargetDirectory.from_json(json_path) == directory


def test_gb18030_file_is_detected(tmp_path: Path) -> None:
    """A spreadsheet export in GB18030 loads without naming the encoding."""
    path = tmp_path / "export.csv"
    path.write_bytes((HEADER + "91140921MA0L2B3C46,定襄县示例有限公司,企业,140921,B类,"
                      "2023/05/06\n").encode("gb18030"))
    d = TargetDirectory.from_csv(path)
    assert d["91140921MA0L2B3C46"].name == "定襄县示例有限公司"


def test_malformed_rows_name_file_line_and_field(tmp_path: Path) -> None:
    """Each bad value is reported with its line and field, and nothing is loaded."""
    path = tmp_path / "bad.csv"
    path.write_text(HEADER
                    + "91140921MA0L2B3C46,甲公司,企业,140921,A,\n"
                    + "91140921MA0L2B3C47,乙公司,企业,140921,A,\n"      # line 3: check char
                    + "91110000600037341L,丙公司,企业,140921,E,\n"      # line 4: class
                    + "91110108MA0000000A,丁公司,企业,140921,B,2023-13-01\n",  # line 5: date
                    encoding="utf-8")
    with pytest.raises(FileFormatError) as info:
        TargetDirectory.from_csv(path)
    error = info.value
    assert error.path == str(path)
    assert [(line, field) for line, field, _ in error.problems] == [
        (3, "id"), (4, "risk_class"), (5, "last_check_date")]
    assert "bad.csv, line 3, field 'id'" in str(error)
    assert isinstance(error, ValueError)


def test_ragged_row_and_duplicates_reported(tmp_path: Path) -> None:
    """A row with the wrong number of cells, and repeated ids, are reported by line."""
    path = tmp_path / "ragged.csv"
    path.write_text(HEADER + "91140921MA0L2B3C46,甲,企业\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match="line 2.*3 cells"):
        TargetDirectory.from_csv(path)
    row = "91140921MA0L2B3C46,甲,企业,140921,A,\n"
    path.write_text(HEADER + row + row, encoding="utf-8")
    with pytest.raises(FileFormatError) as info:
        TargetDirectory.from_csv(path)
    assert [line for line, _, _ in info.value.problems] == [2, 3]


def test_header_problems(tmp_path: Path) -> None:
    """Unknown and missing columns are named; unknown ones can be ignored on request."""
    path = tmp_path / "h.csv"
    path.write_text("统一社会信用代码,主体名称,主体类型,行政区划代码,法定代表人\n"
                    "91140921MA0L2B3C46,甲,企业,140921,张三\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match="法定代表人.*unknown column"):
        TargetDirectory.from_csv(path)
    assert len(TargetDirectory.from_csv(path, unknown_columns="ignore")) == 1
    path.write_text("主体名称,主体类型\n甲,企业\n", encoding="utf-8")
    with pytest.raises(FileFormatError) as info:
        TargetDirectory.from_csv(path)
    assert {field for _, field, _ in info.value.problems} == {"id", "region"}


def test_undecodable_and_missing_files(tmp_path: Path) -> None:
    """Bytes that are neither UTF-8 nor GB18030, and absent files, raise FileFormatError."""
    path = tmp_path / "binary.csv"
    path.write_bytes(HEADER.encode() + b"\x80\x80\xff\xff\n")
    with pytest.raises(FileFormatError, match="line 2.*cannot be decoded"):
        TargetDirectory.from_csv(path)
    with pytest.raises(FileFormatError, match="cannot be read"):
        TargetDirectory.from_csv(tmp_path / "absent.csv")
    with pytest.raises(InvalidValueError, match="encoding"):
        TargetDirectory.from_csv(path, encoding="klingon")


def test_json_tampering_detected(small_city: DemoCity, tmp_path: Path) -> None:
    """A JSON file whose targets no longer match its stored digest is refused."""
    path = tmp_path / "d.json"
    small_city.targets.take(range(20)).to_json(path)
    document = json.loads(path.read_text(encoding="utf-8"))
    document["targets"][0]["risk_class"] = "A" if document["targets"][0]["risk_class"] != "A" \
        else "D"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(FileFormatError, match="altered"):
        TargetDirectory.from_json(path)
    path.write_text(json.dumps({"format": "other"}), encoding="utf-8")
    with pytest.raises(FileFormatError, match="not a target-directory document"):
        TargetDirectory.from_json(path)


def test_write_is_atomic_on_bad_encoding(small_city: DemoCity, tmp_path: Path) -> None:
    """A failed write leaves no partial file behind."""
    path = tmp_path / "out.csv"
    with pytest.raises(InvalidValueError, match="encoding"):
        small_city.targets.take(range(5)).to_csv(path, encoding="ascii")
    assert list(tmp_path.iterdir()) == []


@given(inspector_directories(), check_item_lists())
def test_small_registers_round_trip(inspectors: InspectorDirectory,
                                    items: CheckItemList) -> None:
    """Inspector directories and item lists survive CSV (both header languages) and JSON."""
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        for headers in ("english", "chinese"):
            inspectors.to_csv(base / "i.csv", headers=headers, encoding="gb18030")
            items.to_csv(base / "c.csv", headers=headers)
            assert InspectorDirectory.from_csv(base / "i.csv") == inspectors
            assert CheckItemList.from_csv(base / "c.csv") == items
        inspectors.to_json(base / "i.json")
        items.to_json(base / "c.json")
        assert InspectorDirectory.from_json(base / "i.json") == inspectors
        assert CheckItemList.from_json(base / "c.json") == items


def test_inspector_csv_errors_by_line(tmp_path: Path) -> None:
    """A missing credential number on an active officer is reported with its line."""
    path = tmp_path / "i.csv"
    path.write_text("人员编号,姓名,所属部门,执法证号,状态\n"
                    "XZ1,王伟,市局,1409001,在岗\n"
                    "XZ2,李芳,市局,,在岗\n", encoding="utf-8")
    with pytest.raises(FileFormatError) as info:
        InspectorDirectory.from_csv(path)
    assert [(line, field) for line, field, _ in info.value.problems] == [
        (3, "credential_number")]


@pytest.mark.parametrize("via", ["pandas", "arrow"])
def test_dataframe_round_trip(small_city: DemoCity, via: str) -> None:
    """to_pandas / to_arrow and back give the same directory (optional extras)."""
    d = small_city.targets
    if via == "pandas":
        pytest.importorskip("pandas")
        frame = d.to_pandas()
        assert list(frame.columns)[:3] == ["id", "name", "entity_type"]
        assert str(frame["risk_class"].dtype) == "category"
        assert TargetDirectory.from_pandas(frame) == d
    else:
        pytest.importorskip("pyarrow")
        assert TargetDirectory.from_arrow(d.to_arrow()) == d


def test_from_pandas_validates() -> None:
    """A frame goes through the same validation; a missing column is named."""
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"id": ["91140921MA0L2B3C46"], "name": ["甲"],
                          "entity_type": ["企业"], "region": ["140921"],
                          "risk_class": [None], "last_check_date": [None]})
    d = TargetDirectory.from_pandas(frame)
    assert d["91140921MA0L2B3C46"].risk_class.code == "U"
    with pytest.raises(InvalidValueError, match="region"):
        TargetDirectory.from_pandas(frame.drop(columns=["region"]))


def _with_stray_quote(small_city: DemoCity, path: Path, lines: dict[int, int]) -> None:
    """Write 2000 targets, then open a quote in cell ``lines[line]`` of each given line."""
    small_city.targets.take(range(2000)).to_csv(path)
    rows = path.read_text(encoding="utf-8").splitlines()
    for line, cell in lines.items():
        cells = rows[line - 1].split(",")
        cells[cell] = '"' + cells[cell]
        rows[line - 1] = ",".join(cells)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def test_stray_quote_reported_where_the_record_starts(small_city: DemoCity,
                                                      tmp_path: Path) -> None:
    """An unbalanced quote on line 1002 swallows every later line break; the problem is
    reported on line 1002 (not 2001, where csv.reader stopped), with the cause and the fix."""
    path = tmp_path / "quote.csv"
    _with_stray_quote(small_city, path, {1002: 1})
    with pytest.raises(FileFormatError) as info:
        TargetDirectory.from_csv(path)
    [(line, field, message)] = info.value.problems
    assert (line, field) == (1002, "")
    assert message == ("malformed CSV: unexpected end of data; an unbalanced quote (\") on this "
                       "line swallowed the line breaks up to line 2001. Fix: remove the quote, "
                       "or double it (\"\") inside a quoted cell")


def test_stray_quote_closed_later_is_reported_at_the_start(small_city: DemoCity,
                                                           tmp_path: Path) -> None:
    """A second stray quote on line 1010 closes the first: lines 1002-1010 read as one
    record. Either the csv module stops there, or the record parses and its last cell is
    refused; both are reported at line 1002 with the quote as the likely cause."""
    path = tmp_path / "quote.csv"
    _with_stray_quote(small_city, path, {1002: 9, 1010: 0})
    with pytest.raises(FileFormatError) as info:
        TargetDirectory.from_csv(path)
    assert info.value.problems == ((1002, "", (
        "malformed CSV: ',' expected after '\"'; an unbalanced quote (\") on this line "
        "swallowed the line breaks up to line 1010. Fix: remove the quote, or double it "
        "(\"\") inside a quoted cell")),)
    _with_stray_quote(small_city, path, {1002: 9, 1010: 9})
    with pytest.raises(FileFormatError) as info:
        TargetDirectory.from_csv(path)
    [(line, field, message)] = info.value.problems
    assert (line, field) == (1002, "last_check_date")
    assert "…" in message  # the swallowed lines are not all repeated
    assert message.endswith("(the cell runs over 9 lines: if that is not meant, an unbalanced "
                            "quote (\") at its start swallowed the line breaks)")


def test_header_only_files_load_as_empty_registers(small_city: DemoCity,
                                                   tmp_path: Path) -> None:
    """A header line without rows is an empty register, and an empty directory works
    throughout the registry: digest, files, filters, summaries, lookups, changes, frames."""
    for register, headers in ((TargetDirectory, "统一社会信用代码,主体名称,主体类型,行政区划代码"),
                              (InspectorDirectory, "id,name,department"),
                              (CheckItemList, "code,name,legal_basis,department")):
        path = tmp_path / f"{register.__name__}.csv"
        path.write_text(headers + "\n", encoding="utf-8")
        assert len(register.from_csv(path)) == 0  # type: ignore[attr-defined]
    empty = TargetDirectory.from_csv(tmp_path / "TargetDirectory.csv")
    assert empty == TargetDirectory.from_records([])
    empty.to_csv(tmp_path / "e.csv", headers="chinese")
    empty.to_json(tmp_path / "e.json")
    assert TargetDirectory.from_csv(tmp_path / "e.csv") == empty
    assert TargetDirectory.from_json(tmp_path / "e.json") == empty
    assert len(empty.filter(region_prefixes=["14"], tags_any=["食品经营"], risk_classes=["A"])) == 0
    assert empty.scope_mask(Scope()).shape == (0,)
    assert all(empty.counts(f) == {} and len(empty.column(f)) == 0 for f in TARGET_FIELDS)
    assert empty.positions(["91140921MA0L2B3C46"]).tolist() == [-1]
    assert (empty.rows([]), list(empty), empty.get("X")) == ([], [], None)
    target = small_city.targets.row(0)
    assert empty.diff(small_city.targets.take([0])).added == (target.id,)
    assert empty.with_changes(added=[target]) == small_city.targets.take([0])
    pytest.importorskip("pandas")
    assert TargetDirectory.from_pandas(empty.to_pandas()) == empty


def test_headerless_file_gives_one_problem(small_city: DemoCity, tmp_path: Path) -> None:
    """A file whose first line is data gets one problem naming it, with the header to add
    (listed once), instead of one 'unknown column' per cell."""
    path = tmp_path / "noheader.csv"
    small_city.targets.take(range(50)).to_csv(path)
    path.write_text(path.read_text(encoding="utf-8").split("\n", 1)[1], encoding="utf-8")
    first = small_city.targets.row(0)
    for unknown in ("error", "ignore"):
        with pytest.raises(FileFormatError) as info:
            TargetDirectory.from_csv(path, unknown_columns=unknown)
        [(line, field, message)] = info.value.problems
        assert (line, field) == (1, "")
        assert message.startswith(f"not a header: it looks like a data row ({first.id!r}, "
                                  f"{first.region!r}, ")
        assert ("add the header line: id,name,entity_type,region,industry,registering_office,"
                "supervising_office,risk_class,tags,last_check_date (or in Chinese: "
                "统一社会信用代码,主体名称,主体类型,行政区划代码,") in message
        assert "unknown_columns" not in message
    inspectors = tmp_path / "i.csv"
    inspectors.write_text("XZ00001,王伟,市局,1409001\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match="line 1: not a header.*'XZ00001'.*"
                                              "add the header line: id,name,department,"):
        InspectorDirectory.from_csv(inspectors)


def test_unknown_columns_listed_with_accepted_columns_once(tmp_path: Path) -> None:
    """Each unknown column is named; the accepted columns follow once, every spelling once,
    with a fix a command-line user can apply."""
    path = tmp_path / "h.csv"
    path.write_text("统一社会信用代码,主体名称,主体类型,行政区划代码,法定代表人,注册资本\n"
                    "91140921MA0L2B3C46,甲,企业,140921,张三,100\n", encoding="utf-8")
    with pytest.raises(FileFormatError) as info:
        TargetDirectory.from_csv(path)
    problems = info.value.problems
    assert [(f, m) for _, f, m in problems[:2]] == [("法定代表人", "unknown column"),
                                                  ("注册资本", "unknown column")]
    listing = problems[2][2]
    assert listing.startswith("the accepted columns are id (统一社会信用代码, "
                              "统一社会信用代码/注册号, 信用代码, 注册号, uscc); name (主体名称, ")
    assert listing.endswith("Fix: remove or rename the unknown column(s) "
                            "(library: unknown_columns='ignore')")
    assert str(info.value).count("accepted columns") == 1
    assert "统一社会信用代码/统一社会信用代码" not in str(info.value)


def test_id_messages_use_the_right_article() -> None:
    """'for an enterprise', 'for an individual business', never 'for a enterprise'."""
    for kind in (EntityType.ENTERPRISE, EntityType.INDIVIDUAL_BUSINESS):
        with pytest.raises(InvalidValueError) as info:
            Target(id="91140921MA0L2B3C47", name="甲", entity_type=kind, region="140921")
        assert info.value.problem.endswith(f"for an {kind.label_en}")
        assert info.value.fix.startswith(f"an {kind.label_en} ({kind.label_zh}) needs an 18-")
    with pytest.raises(InvalidValueError) as columns:
        TargetDirectory.from_columns(ids=["91140921MA0L2B3C47"], names=["甲"],
                                     entity_types=["企业"], regions=["140921"])
    assert "identifier for an enterprise" in str(columns.value)
