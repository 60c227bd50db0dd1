"""CSV and JSON files: encodings, Chinese headers, all-or-nothing loading."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given

from random_inspection import (
    CheckItemList,
    FileFormatError,
    InspectorDirectory,
    InvalidValueError,
    TargetDirectory,
)
from random_inspection.demo import DemoCity
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
