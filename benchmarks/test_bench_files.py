"""File benchmarks at 10^6 targets: CSV through pyarrow and the standard library, Parquet,
Arrow tables.

Peers in the same run: pyarrow's own ``read_csv`` / ``write_csv`` and Parquet reader and
writer of the same data, and pandas' CSV reader and writer. Goals (issue 17): ``from_csv``
with the extra within 5x pyarrow's ``read_csv`` of the same file, validation included;
``to_csv`` under 1 s. Run with ``make bench``; quote medians and ratios.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from random_inspection import TargetDirectory

pa = pytest.importorskip("pyarrow")
pcsv = pytest.importorskip("pyarrow.csv")
pq = pytest.importorskip("pyarrow.parquet")


@pytest.fixture(scope="module")
def directory_1e6(columns_1e6: dict[str, Any]) -> TargetDirectory:
    """The million-target directory."""
    return TargetDirectory.from_columns(**columns_1e6)


@pytest.fixture(scope="module")
def files_1e6(directory_1e6: TargetDirectory, tmp_path_factory: pytest.TempPathFactory
              ) -> dict[str, Path]:
    """The directory as a CSV file (Chinese headers, as provinces export them) and as a
    Parquet file."""
    folder = tmp_path_factory.mktemp("files")
    paths = {"csv": folder / "targets.csv", "parquet": folder / "targets.parquet"}
    directory_1e6.to_csv(paths["csv"], headers="chinese")
    directory_1e6.to_parquet(paths["parquet"])
    return paths


# --- reading CSV ---------------------------------------------------------------------------

@pytest.mark.benchmark(group="files-read-csv-1e6")
def test_from_csv_pyarrow_1e6(benchmark: Any, files_1e6: dict[str, Path],
                              directory_1e6: TargetDirectory) -> None:
    """from_csv(engine='pyarrow'): parse, validate, sort (goal: within 5x read_csv)."""
    d = benchmark.pedantic(TargetDirectory.from_csv, args=(files_1e6["csv"],),
                           kwargs={"engine": "pyarrow"}, rounds=5)
    assert d == directory_1e6


@pytest.mark.benchmark(group="files-read-csv-1e6")
def test_from_csv_python_1e6(benchmark: Any, files_1e6: dict[str, Path]) -> None:
    """from_csv(engine='python'): the standard-library path."""
    d = benchmark.pedantic(TargetDirectory.from_csv, args=(files_1e6["csv"],),
                           kwargs={"engine": "python"}, rounds=2)
    assert len(d) > 0


@pytest.mark.benchmark(group="files-read-csv-1e6")
def test_peer_pyarrow_read_csv_1e6(benchmark: Any, files_1e6: dict[str, Path]) -> None:
    """Peer: pyarrow.csv.read_csv of the same file (parse only, types inferred)."""
    table = benchmark.pedantic(pcsv.read_csv, args=(files_1e6["csv"],), rounds=5)
    assert table.num_rows > 0


@pytest.mark.benchmark(group="files-read-csv-1e6")
def test_peer_pandas_read_csv_strings_1e6(benchmark: Any, files_1e6: dict[str, Path]) -> None:
    """Peer: pandas.read_csv of the same file, every column as text (parse only)."""
    benchmark.pedantic(pd.read_csv, args=(files_1e6["csv"],), kwargs={"dtype": str},
                       rounds=3)


# --- writing CSV ---------------------------------------------------------------------------

@pytest.mark.benchmark(group="files-write-csv-1e6")
def test_to_csv_pyarrow_1e6(benchmark: Any, directory_1e6: TargetDirectory,
                            tmp_path: Path) -> None:
    """to_csv(engine='pyarrow'), Chinese headers (goal: under 1 s)."""
    benchmark.pedantic(directory_1e6.to_csv, args=(tmp_path / "out.csv",),
                       kwargs={"headers": "chinese", "engine": "pyarrow"}, rounds=5)


@pytest.mark.benchmark(group="files-write-csv-1e6")
def test_to_csv_python_1e6(benchmark: Any, directory_1e6: TargetDirectory,
                           tmp_path: Path) -> None:
    """to_csv(engine='python'): the standard-library writer (the same bytes)."""
    benchmark.pedantic(directory_1e6.to_csv, args=(tmp_path / "out.csv",),
                       kwargs={"headers": "chinese", "engine": "python"}, rounds=1)


@pytest.mark.benchmark(group="files-write-csv-1e6")
def test_peer_pyarrow_write_csv_1e6(benchmark: Any, directory_1e6: TargetDirectory,
                                    tmp_path: Path) -> None:
    """Peer: pyarrow.csv.write_csv of the directory's Arrow table (dictionaries decoded)."""
    table = directory_1e6.to_arrow()
    plain = pa.table({name: (column.cast(column.type.value_type)
                             if pa.types.is_dictionary(column.type) else column)
                      for name, column in zip(table.column_names, table.columns,
                                              strict=True)})
    benchmark.pedantic(pcsv.write_csv, args=(plain, str(tmp_path / "out.csv")), rounds=5)


@pytest.mark.benchmark(group="files-write-csv-1e6")
def test_peer_pandas_to_csv_1e6(benchmark: Any, directory_1e6: TargetDirectory,
                                tmp_path: Path) -> None:
    """Peer: pandas DataFrame.to_csv of the directory's frame."""
    frame = directory_1e6.to_pandas()
    benchmark.pedantic(frame.to_csv, args=(tmp_path / "out.csv",), kwargs={"index": False},
                       rounds=2)


# --- Parquet and Arrow -----------------------------------------------------------------------

@pytest.mark.benchmark(group="files-parquet-1e6")
def test_from_parquet_1e6(benchmark: Any, files_1e6: dict[str, Path],
                          directory_1e6: TargetDirectory) -> None:
    """from_parquet: read, validate, sort."""
    d = benchmark.pedantic(TargetDirectory.from_parquet, args=(files_1e6["parquet"],),
                           rounds=5)
    assert d == directory_1e6


@pytest.mark.benchmark(group="files-parquet-1e6")
def test_to_parquet_1e6(benchmark: Any, directory_1e6: TargetDirectory, tmp_path: Path) -> None:
    """to_parquet (atomic, zstd)."""
    benchmark.pedantic(directory_1e6.to_parquet, args=(tmp_path / "out.parquet",), rounds=5)


@pytest.mark.benchmark(group="files-parquet-1e6")
def test_peer_pyarrow_read_parquet_1e6(benchmark: Any, files_1e6: dict[str, Path]) -> None:
    """Peer: pyarrow.parquet.read_table of the same file (no validation)."""
    benchmark.pedantic(pq.read_table, args=(files_1e6["parquet"],), rounds=5)


@pytest.mark.benchmark(group="files-arrow-1e6")
def test_to_arrow_1e6(benchmark: Any, directory_1e6: TargetDirectory) -> None:
    """to_arrow: buffers over the directory's arrays."""
    table = benchmark.pedantic(directory_1e6.to_arrow, rounds=5)
    assert table.num_rows == len(directory_1e6)


@pytest.mark.benchmark(group="files-arrow-1e6")
def test_from_arrow_1e6(benchmark: Any, directory_1e6: TargetDirectory) -> None:
    """from_arrow of to_arrow: validate and sort."""
    table = directory_1e6.to_arrow()
    d = benchmark.pedantic(TargetDirectory.from_arrow, args=(table,), rounds=3)
    assert d == directory_1e6


@pytest.mark.benchmark(group="files-arrow-1e6")
def test_peer_from_columns_1e6(benchmark: Any, columns_1e6: dict[str, Any]) -> None:
    """Peer: from_columns of the raw columns (the validation every reader ends in)."""
    benchmark.pedantic(TargetDirectory.from_columns, kwargs=columns_1e6, rounds=3)
