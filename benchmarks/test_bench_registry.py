"""Registry benchmarks: building directories from columns and CSV, digest, memory.

Peers in the same run: pandas building the same table (categoricals for codes), and pandas'
CSV reader on the same file. Run with ``make bench``; quote medians and ratios.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from random_inspection import TargetDirectory


def _pandas_frame(columns: dict[str, Any]) -> pd.DataFrame:
    frame = pd.DataFrame({
        "id": columns["ids"], "name": columns["names"],
        "entity_type": pd.Categorical(columns["entity_types"]),
        "region": pd.Categorical(columns["regions"]),
        "risk_class": pd.Categorical(columns["risk_classes"]),
        "industry": pd.Categorical(columns["industries"]),
    })
    frame = frame.sort_values("id").set_index("id")
    assert frame.index.is_unique
    return frame


@pytest.mark.benchmark(group="build-1e6")
def test_build_columns_1e6(benchmark: Any, columns_1e6: dict[str, Any]) -> None:
    """TargetDirectory.from_columns at 10^6 (validation, USCC checks, sort by id)."""
    d = benchmark.pedantic(TargetDirectory.from_columns, kwargs=columns_1e6, rounds=3)
    names = int(d._cols.names.nbytes)
    benchmark.extra_info["bytes_per_target_without_names"] = (d.nbytes - names) / len(d)
    benchmark.extra_info["bytes_per_target_with_names"] = d.nbytes / len(d)
    assert len(d) == len(columns_1e6["ids"])


@pytest.mark.benchmark(group="build-1e6")
def test_peer_pandas_frame_1e6(benchmark: Any, columns_1e6: dict[str, Any]) -> None:
    """Peer: pandas DataFrame with categoricals, sorted and indexed by id (no validation)."""
    frame = benchmark.pedantic(_pandas_frame, args=(columns_1e6,), rounds=3)
    benchmark.extra_info["bytes_per_row_deep"] = frame.memory_usage(deep=True).sum() / len(frame)


@pytest.mark.benchmark(group="build-1e7")
def test_build_columns_1e7(benchmark: Any, columns_1e7: dict[str, Any]) -> None:
    """TargetDirectory.from_columns at 10^7."""
    d = benchmark.pedantic(TargetDirectory.from_columns, kwargs=columns_1e7, rounds=2)
    names = int(d._cols.names.nbytes)
    benchmark.extra_info["bytes_per_target_without_names"] = (d.nbytes - names) / len(d)
    benchmark.extra_info["bytes_per_target_with_names"] = d.nbytes / len(d)


@pytest.mark.benchmark(group="build-1e7")
def test_peer_pandas_frame_1e7(benchmark: Any, columns_1e7: dict[str, Any]) -> None:
    """Peer: pandas at 10^7."""
    benchmark.pedantic(_pandas_frame, args=(columns_1e7,), rounds=2)


@pytest.fixture(scope="module")
def csv_1e6(columns_1e6: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The million-row directory written as CSV with Chinese headers."""
    path = tmp_path_factory.mktemp("csv") / "targets.csv"
    TargetDirectory.from_columns(**columns_1e6).to_csv(path, headers="chinese")
    return path


@pytest.mark.benchmark(group="csv-1e6")
def test_from_csv_1e6(benchmark: Any, csv_1e6: Path) -> None:
    """TargetDirectory.from_csv at 10^6 (decode, parse, validate, sort)."""
    d = benchmark.pedantic(TargetDirectory.from_csv, args=(csv_1e6,), rounds=3)
    assert len(d) > 0


@pytest.mark.benchmark(group="csv-1e6")
def test_peer_pandas_read_csv_1e6(benchmark: Any, csv_1e6: Path) -> None:
    """Peer: pandas.read_csv of the same file (parse only, no validation)."""
    benchmark.pedantic(pd.read_csv, args=(csv_1e6,), kwargs={"dtype": str}, rounds=3)


@pytest.mark.benchmark(group="digest-1e6")
def test_digest_1e6(benchmark: Any, columns_1e6: dict[str, Any]) -> None:
    """The canonical digest of a 10^6 directory (computed fresh each round)."""
    d = TargetDirectory.from_columns(**columns_1e6)

    def fresh_digest() -> str:
        d._digest = None
        return d.digest

    benchmark.pedantic(fresh_digest, rounds=3)
