"""Arrow tables and Parquet files: zero-copy where the layout allows, the same directory
back, foreign files with Chinese or English column names, errors by file, row and field."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given

from random_inspection import (
    FileFormatError,
    InvalidValueError,
    OutputExistsError,
    TargetDirectory,
)
from random_inspection.demo import DemoCity
from random_inspection.strategies import target_directories

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

A = "91140921MA0L2B3C46"
B = "91110000600037341L"


def _address(array: np.ndarray) -> int:
    return int(array.__array_interface__["data"][0])


def test_to_arrow_shares_the_directory_memory(small_city: DemoCity) -> None:
    """Names, codes and dates are Arrow buffers over the directory's own arrays."""
    d = small_city.targets
    table = d.to_arrow()
    cols = d._cols
    assert table.column_names == ["id", "name", "entity_type", "region", "industry",
                                  "registering_office", "supervising_office", "risk_class",
                                  "tags", "last_check_date"]
    names = table.column("name").chunk(0)
    assert names.type == pa.string()  # uint32 offsets under 2 GiB are valid int32 ones
    assert names.buffers()[2].address == _address(cols.names)
    assert names.buffers()[1].address == _address(cols.name_offsets)
    kinds = table.column("entity_type").chunk(0)
    assert pa.types.is_dictionary(kinds.type)
    assert kinds.indices.buffers()[1].address == _address(cols.entity_type)
    assert table.column("region").chunk(0).indices.buffers()[1].address == _address(
        cols.region.codes)
    dates = table.column("last_check_date").chunk(0)
    assert dates.type == pa.date32()
    assert dates.buffers()[1].address == _address(cols.last_check)
    assert table.column("id").to_pylist() == d.ids.tolist()
    assert table.column("name").to_pylist() == d.column("name").tolist()
    expected = [t.last_check_date for t in d]
    assert dates.to_pylist() == expected


@given(target_directories(max_size=30))
def test_arrow_and_parquet_round_trip(directory: TargetDirectory) -> None:
    """Any directory comes back equal from its Arrow table (also with every column plain
    ``large_string`` text) and from its Parquet file."""
    table = directory.to_arrow()
    assert TargetDirectory.from_arrow(table) == directory
    text = pa.table({name: directory.column(name).tolist() for name in table.column_names},
                    schema=pa.schema([(name, pa.large_string()) for name in table.column_names]))
    assert TargetDirectory.from_arrow(text) == directory
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "d.parquet"
        directory.to_parquet(path)
        assert TargetDirectory.from_parquet(path) == directory
        assert pq.read_schema(path).names == directory.to_arrow().column_names


def test_pandas_made_tables_load(small_city: DemoCity) -> None:
    """A table made by pyarrow from the pandas frame (timestamps, categoricals) loads."""
    pytest.importorskip("pandas")
    d = small_city.targets
    assert TargetDirectory.from_arrow(pa.Table.from_pandas(d.to_pandas())) == d


def test_foreign_parquet_with_chinese_columns(tmp_path: Path) -> None:
    """A Parquet file written elsewhere: Chinese column names, integer region codes, plain
    strings, nulls in optional columns, timestamp dates, tags as lists; extra columns are
    refused unless ignored, as in CSV files."""
    table = pa.table({
        "统一社会信用代码": [A, B.lower()],
        "主体名称": ["甲有限公司", " 乙公司 "],
        "主体类型": ["企业", "enterprise"],
        "行政区划代码": pa.array([140921, 140922], pa.int64()),
        "信用风险分类": ["B类", None],
        "标签": pa.array([["食品经营", "重点"], None], pa.list_(pa.string())),
        "上次检查日期": pa.array([dt.datetime(2023, 5, 6), None], pa.timestamp("ms")),
        "法定代表人": ["张三", "李四"],
    })
    path = tmp_path / "export.parquet"
    pq.write_table(table, path)
    with pytest.raises(FileFormatError, match="法定代表人"):
        TargetDirectory.from_parquet(path)
    d = TargetDirectory.from_parquet(path, unknown_columns="ignore")
    first, second = d[A], d[B]
    assert (first.risk_class.code, first.tags) == ("B", {"食品经营", "重点"})
    assert (first.last_check_date, first.region) == (dt.date(2023, 5, 6), "140921")
    assert (second.name, second.risk_class.code, second.tags) == ("乙公司", "U", frozenset())
    assert second.last_check_date is None


def test_parquet_errors_name_file_row_and_field(tmp_path: Path) -> None:
    """Bad values are reported by file, data row (1-based) and field; duplicates by every
    row holding them; nothing is loaded."""
    path = tmp_path / "bad.parquet"
    pq.write_table(pa.table({
        "id": [A, A[:-1] + "7", B], "name": ["甲", "乙", "丙"],
        "entity_type": ["企业", "企业", "企业"], "region": ["140921", "140921", "140921"],
        "risk_class": ["A", "A", "E"],
    }), path)
    with pytest.raises(FileFormatError) as info:
        TargetDirectory.from_parquet(path)
    assert [(row, field) for row, field, _ in info.value.problems] == [(2, "id"),
                                                                       (3, "risk_class")]
    assert "bad.parquet, row 3, field 'risk_class': 'E'" in str(info.value)
    pq.write_table(pa.table({"id": [A, B, A], "name": ["甲", "乙", "丙"],
                             "entity_type": ["企业"] * 3, "region": ["140921"] * 3}), path)
    with pytest.raises(FileFormatError) as info:
        TargetDirectory.from_parquet(path)
    assert [(row, field) for row, field, _ in info.value.problems] == [(1, "id"), (3, "id")]
    pq.write_table(pa.table({"id": [A], "name": ["甲"]}), path)
    with pytest.raises(FileFormatError, match="'entity_type'.*column missing"):
        TargetDirectory.from_parquet(path)


def test_unreadable_parquet_files(tmp_path: Path) -> None:
    """A missing file and a file that is not Parquet raise `FileFormatError`."""
    with pytest.raises(FileFormatError, match="cannot be read"):
        TargetDirectory.from_parquet(tmp_path / "absent.parquet")
    path = tmp_path / "t.parquet"
    path.write_text("id,name\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match="not a Parquet file"):
        TargetDirectory.from_parquet(path)


def test_to_parquet_is_atomic(small_city: DemoCity, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    """An existing file is kept with overwrite=False; a failed write leaves the old file and
    no temporary file behind."""
    d = small_city.targets.take(range(10))
    path = tmp_path / "d.parquet"
    d.to_parquet(path)
    before = path.read_bytes()
    with pytest.raises(OutputExistsError):
        small_city.targets.to_parquet(path, overwrite=False)

    def fail(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", fail)
    with pytest.raises(OSError, match="disk full"):
        small_city.targets.to_parquet(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.parquet"]


def test_from_arrow_checks_columns() -> None:
    """Missing and (on request) unknown columns are named, with the accepted names."""
    table = pa.table({"id": [A], "name": ["甲"], "entity_type": ["企业"]})
    with pytest.raises(InvalidValueError,
                       match=r"'region' = \['id', 'name', 'entity_type'\]: column missing"):
        TargetDirectory.from_arrow(table)
    table = table.append_column("region", pa.array(["140921"])).append_column(
        "note", pa.array(["x"]))
    assert len(TargetDirectory.from_arrow(table)) == 1
    with pytest.raises(InvalidValueError, match="note"):
        TargetDirectory.from_arrow(table, unknown_columns="error")
    with pytest.raises(InvalidValueError, match="unknown_columns"):
        TargetDirectory.from_arrow(table, unknown_columns="drop")
