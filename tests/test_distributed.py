"""random_inspection.distributed: a directory as a Parquet dataset partitioned by id range;
its digest, eligibility counts and draw equal the single-machine ones, on any partitioning,
in this process and on a real `LocalCluster`; broken datasets raise `DatasetError`."""

from __future__ import annotations

import datetime as dt
import doctest
import json
import tempfile
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import random_inspection.distributed
from random_inspection import (
    InvalidTypeError,
    RandomInspectionError,
    StratifiedByRisk,
    TargetDirectory,
    draw_targets,
    verify,
)
from random_inspection.distributed import (
    DatasetError,
    TargetDataset,
    dataset_digest,
    dataset_eligibility,
    draw_from_dataset,
    sort_dataset,
    write_dataset,
)
from random_inspection.registry._identifiers import USCC_ALPHABET, complete_usccs
from random_inspection.sampling import Design
from random_inspection.strategies import (
    class_weighted_designs,
    designs,
    purposes,
    seeds,
    stratified_designs,
    target_directories,
)

SEED = "31415926535897932384"
ANY_DESIGN = st.one_of(designs(), stratified_designs(), class_weighted_designs(max_total=12))


@st.composite
def _with_exclusions(draw: st.DrawFn, directory: TargetDirectory) -> Design:
    """A design, sometimes excluding listed ids (some in the directory, some not) and
    targets checked since a date, so that every count of the record is exercised."""
    design = draw(ANY_DESIGN)
    ids = directory.ids.tolist()
    if ids and draw(st.booleans()):
        listed = {
            "drawn by 2024/province/1": [*draw(st.lists(st.sampled_from(ids), max_size=5)),
                                         "91140921MA0L2B3C46"],
            "joint task": draw(st.lists(st.sampled_from(ids), max_size=5)),
        }
        design = attrs.evolve(design, excluded_ids=listed)
    if draw(st.booleans()):
        design = attrs.evolve(design, exclude_checked_since=draw(
            st.dates(dt.date(2019, 1, 1), dt.date(2025, 1, 1))))
    return design


def _single(directory: TargetDirectory, design: Design, seed: Any, purpose: str
            ) -> str | type[Exception]:
    try:
        return draw_targets(directory, design, seed=seed, purpose=purpose).record.to_json()
    except RandomInspectionError as error:
        return type(error)


def _distributed(dataset: TargetDataset, design: Design, seed: Any, purpose: str,
                 client: object = "local") -> str | type[Exception]:
    try:
        return draw_from_dataset(dataset, design, seed=seed, purpose=purpose,
                                 client=client).to_json()
    except RandomInspectionError as error:
        return type(error)


@given(directory=target_directories(max_size=30), data=st.data(),
       rows=st.sampled_from([1, 2, 3, 5, 8, 1000]), seed=seeds(), purpose=purposes())
def test_dataset_digest_counts_and_record_equal_the_directory(
        directory: TargetDirectory, data: st.DataObject, rows: int, seed: Any,
        purpose: str) -> None:
    design = data.draw(_with_exclusions(directory))
    with tempfile.TemporaryDirectory() as folder:
        dataset = write_dataset(directory, Path(folder) / "d", rows_per_partition=rows)
        assert [p.rows for p in dataset.partitions] == [
            min(rows, len(directory) - lo) for lo in range(0, len(directory), rows)]
        assert dataset_digest(dataset, client="local") == directory.digest
        eligible, counts = design.eligibility(directory)
        found = dataset_eligibility(dataset, design, client="local")
        assert found.counts == counts
        classes = directory.codes("risk_class")
        assert found.populations == {c: int((eligible & (classes == k)).sum())
                                     for k, c in enumerate("ABCDU")}
        assert _distributed(dataset, design, seed, purpose) == _single(
            directory, design, seed, purpose)


@settings(max_examples=10)
@given(directory=target_directories(min_size=1, max_size=25), data=st.data(),
       files=st.integers(1, 4), rows=st.sampled_from([1, 3, 7, 100]))
def test_sorting_any_order_and_spelling_gives_the_same_digest(
        directory: TargetDirectory, data: st.DataObject, files: int, rows: int) -> None:
    table = directory.to_arrow()
    order = data.draw(st.permutations(range(len(directory))))
    ids = [data.draw(st.sampled_from([i, i.lower(), f" {i} "])) for i in directory.ids.tolist()]
    table = table.set_column(0, "id", pa.array(ids, pa.large_string())).take(pa.array(order))
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in"
        source.mkdir()
        step = -(-len(directory) // files)
        for k, lo in enumerate(range(0, len(directory), step)):
            pq.write_table(table.slice(lo, step), source / f"export-{k}.parquet")
        dataset = sort_dataset(source, Path(folder) / "d", rows_per_partition=rows,
                               client="local")
        assert dataset.rows == len(directory)
        firsts = [p.first_id.encode() for p in dataset.partitions]
        assert firsts == sorted(firsts)
        assert dataset_digest(dataset, client="local") == directory.digest
        table_dataset = sort_dataset(table, Path(folder) / "t", rows_per_partition=rows)
        assert dataset_digest(table_dataset, client="local") == directory.digest


def test_module_examples_run() -> None:
    failed, tried = doctest.testmod(random_inspection.distributed)
    assert tried
    assert not failed
    import random_inspection.distributed._dataset as module  # noqa: PLC0415

    failed, tried = doctest.testmod(module)
    assert tried
    assert not failed


def test_record_verifies_against_the_directory(small_city: Any, tmp_path: Path) -> None:
    design = StratifiedByRisk.from_preset("henan-2021")
    dataset = write_dataset(small_city.targets, tmp_path / "d", rows_per_partition=401)
    record = draw_from_dataset(dataset, design, seed=SEED, purpose="2024/dataset/1",
                               client="local")
    assert verify(record, small_city.targets).ok
    reopened = TargetDataset.open(tmp_path / "d")
    assert reopened == dataset
    assert draw_from_dataset(str(tmp_path / "d"), design, seed=SEED, purpose="2024/dataset/1",
                             client="local") == record


def test_sorting_reads_chinese_column_names_and_refuses_unknown_ones(small_city: Any,
                                                                     tmp_path: Path) -> None:
    """Parquet exports with the CSV files' Chinese column names sort into the same directory;
    a column that is no field is refused (never silently dropped), unless told to ignore."""
    table = small_city.targets.to_arrow()
    chinese = {"id": "统一社会信用代码", "name": "主体名称", "risk_class": "信用风险分类",
               "last_check_date": "上次检查日期"}
    pq.write_table(table.rename_columns([chinese.get(c, c) for c in table.column_names]),
                   tmp_path / "zh.parquet")
    sorted_zh = sort_dataset(tmp_path / "zh.parquet", tmp_path / "zh", rows_per_partition=700,
                             client="local")
    assert dataset_digest(sorted_zh, client="local") == small_city.targets.digest
    misspelt = table.rename_columns([{"risk_class": "riskclass"}.get(c, c)
                                     for c in table.column_names])
    pq.write_table(misspelt, tmp_path / "typo.parquet")
    with pytest.raises(DatasetError) as caught:
        sort_dataset(tmp_path / "typo.parquet", tmp_path / "typo", client="local")
    assert "riskclass" in str(caught.value)
    assert "unknown column" in str(caught.value)
    assert not (tmp_path / "typo").exists()
    ignored = sort_dataset(tmp_path / "typo.parquet", tmp_path / "typo", client="local",
                           unknown_columns="ignore")
    assert ignored.rows == len(small_city.targets)


def test_a_partition_replaced_during_the_draw_stops_it(small_city: Any, tmp_path: Path) -> None:
    """A file swapped for another of the same length between the scan and the fetch is an
    error: the record can never carry one directory's digest and another's ids."""
    dataset = write_dataset(small_city.targets, tmp_path / "d", rows_per_partition=500)
    other = pq.read_table(dataset.file(dataset.partitions[3]))
    assert other.num_rows == dataset.partitions[0].rows

    def swap(stage: str, done: int, total: int | None) -> None:
        if stage == "sampling strata" and done == 0:
            pq.write_table(other, dataset.file(dataset.partitions[0]))

    with pytest.raises(DatasetError, match="changed between the scan and the fetch"):
        draw_from_dataset(dataset, StratifiedByRisk.from_preset("henan-2021"), seed=SEED,
                          purpose="2024/dataset/1", client="local", progress=swap)


# --- broken datasets ---------------------------------------------------------------------------


@pytest.fixture
def dataset(small_city: Any, tmp_path: Path) -> TargetDataset:
    return write_dataset(small_city.targets, tmp_path / "d", rows_per_partition=1000)


def _manifest(dataset: TargetDataset) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((dataset.path / "manifest.json").read_text("utf-8"))
    return data


def _rewrite(dataset: TargetDataset, data: dict[str, Any]) -> None:
    (dataset.path / "manifest.json").write_text(json.dumps(data), "utf-8")


def _raises(path: Path, *, field: str, words: str) -> pytest.ExceptionInfo[DatasetError]:
    with pytest.raises(DatasetError) as caught:
        TargetDataset.open(path)
    assert caught.value.problems[0][1] == field
    assert words in str(caught.value)
    return caught


def test_overlapping_ranges_are_refused(dataset: TargetDataset) -> None:
    data = _manifest(dataset)
    data["partitions"][1]["first_id"] = data["partitions"][0]["last_id"]
    _rewrite(dataset, data)
    caught = _raises(dataset.path, field="partitions[1].first_id", words="overlap")
    assert caught.value.path.endswith("manifest.json")


def test_ranges_out_of_order_are_refused(dataset: TargetDataset) -> None:
    data = _manifest(dataset)
    data["partitions"][0], data["partitions"][1] = data["partitions"][1], data["partitions"][0]
    _rewrite(dataset, data)
    _raises(dataset.path, field="partitions[1].first_id", words="out of order")


def test_a_missing_file_is_named(dataset: TargetDataset) -> None:
    dataset.file(dataset.partitions[2]).unlink()
    caught = _raises(dataset.path, field="", words="is missing")
    assert caught.value.path.endswith(dataset.partitions[2].file)
    with pytest.raises(DatasetError, match="is missing"):
        dataset_digest(dataset, client="local")  # an already opened dataset: at the read


def test_a_manifest_that_differs_from_the_files_is_refused(dataset: TargetDataset) -> None:
    data = _manifest(dataset)
    data["partitions"][0]["rows"] += 1
    data["rows"] += 1
    _rewrite(dataset, data)
    _raises(dataset.path, field="rows", words="the manifest says")
    data["partitions"][0]["rows"] -= 1
    data["rows"] -= 1
    data["partitions"][0]["last_id"] = data["partitions"][0]["last_id"][:-1] + "0"
    _rewrite(dataset, data)
    _raises(dataset.path, field="id", words="the manifest says")


def test_a_manifest_with_a_wrong_total_or_format_is_refused(dataset: TargetDataset) -> None:
    data = _manifest(dataset)
    _rewrite(dataset, {**data, "rows": 7})
    _raises(dataset.path, field="rows", words="sum of the partitions")
    _rewrite(dataset, {**data, "format": "something-else"})
    _raises(dataset.path, field="format", words="not a target dataset")
    (dataset.path / "manifest.json").unlink()
    _raises(dataset.path, field="", words="write_dataset or sort_dataset")


def test_a_file_rewritten_out_of_order_is_refused(dataset: TargetDataset) -> None:
    path = dataset.file(dataset.partitions[1])
    table = pq.read_table(path)
    pq.write_table(table.take(pa.array(np.arange(table.num_rows)[::-1])), path,
                   write_statistics=False)
    TargetDataset.open(dataset.path)  # without statistics the metadata cannot tell
    with pytest.raises(DatasetError, match="not in canonical order") as caught:
        dataset_digest(dataset, client="local")
    assert caught.value.path == str(path)


def test_duplicates_across_input_files_are_found(small_city: Any, tmp_path: Path) -> None:
    table = small_city.targets.to_arrow()
    (tmp_path / "in").mkdir()
    pq.write_table(table, tmp_path / "in" / "a.parquet")
    pq.write_table(table.slice(10, 1), tmp_path / "in" / "b.parquet")
    twice = small_city.targets.ids[10]
    with pytest.raises(DatasetError, match=twice):
        sort_dataset(tmp_path / "in", tmp_path / "d", rows_per_partition=500, client="local")
    assert not (tmp_path / "d").exists()


def test_wrong_arguments_name_the_fix(dataset: TargetDataset) -> None:
    with pytest.raises(InvalidTypeError, match="write_dataset"):
        draw_from_dataset(42, StratifiedByRisk.from_preset("henan-2021"),  # type: ignore[arg-type]
                          seed=SEED, purpose="p", client="local")
    with pytest.raises(InvalidTypeError, match="design_from_dict"):
        draw_from_dataset(dataset, {"rates": {}}, seed=SEED, purpose="p",  # type: ignore[arg-type]
                          client="local")
    with pytest.raises(InvalidTypeError, match="LocalCluster"):
        dataset_digest(dataset, client=3)
    with pytest.raises(InvalidTypeError, match="sort_dataset"):
        write_dataset(dataset, "x")  # type: ignore[arg-type]


# --- a real LocalCluster at 10^6 -------------------------------------------------------------


def _million(n: int = 10**6, seed: int = 7) -> dict[str, Any]:
    """``n`` valid rows as Arrow-ready columns (vectorised USCCs, as benchmarks/conftest)."""
    rng = np.random.default_rng(seed)
    alphabet = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
    regions = np.array(["140902", "140921", "140922", "140923", "140924", "140981"])
    head = np.frombuffer("".join("91" + r for r in regions).encode(), np.uint8).reshape(-1, 8)
    body = alphabet[rng.integers(0, 31, size=(n, 9))]
    ids = np.unique(complete_usccs(np.concatenate(
        [head[rng.integers(0, len(regions), size=n)], body], axis=1)))
    n = len(ids)
    rng.shuffle(ids)  # the exports come in any order
    return {
        "id": ids.astype(str), "name": np.char.add("企业", np.arange(n).astype(str)),
        "entity_type": np.full(n, "enterprise"),
        "region": regions[rng.integers(0, len(regions), size=n)],
        "industry": np.array(["C13", "F52", "H62"])[rng.integers(0, 3, size=n)],
        "risk_class": np.array(list("ABCDU"))[
            rng.choice(5, size=n, p=[0.4, 0.45, 0.1, 0.03, 0.02])],
        "last_check_date": np.where(rng.random(n) < 0.3, None, np.datetime64("2023-01-01")
                                    + rng.integers(0, 700, size=n).astype("timedelta64[D]")),
    }


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_local_cluster_draws_the_same_record_at_a_million(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    columns = _million()
    source = tmp_path / "exports"
    source.mkdir()
    table = pa.table({k: pa.array(v.tolist() if k == "last_check_date" else v)
                      for k, v in columns.items()})
    for k in range(4):
        pq.write_table(table.slice(k * 250_000, 250_000), source / f"export-{k}.parquet")
    directory = TargetDirectory.from_columns(
        ids=columns["id"], names=columns["name"], entity_types=columns["entity_type"],
        regions=columns["region"], industries=columns["industry"],
        risk_classes=columns["risk_class"], last_check_dates=columns["last_check_date"])
    design = StratifiedByRisk.from_preset(
        "henan-2021", excluded_ids={"drawn by 2024/province/1": directory.ids[::997].tolist()},
        exclude_checked_since=dt.date(2024, 6, 1))
    expected = draw_targets(directory, design, seed=SEED, purpose="2024/nation/1").record
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        dataset = sort_dataset(source, tmp_path / "d", rows_per_partition=200_000,
                               client=client)
        assert len(dataset.partitions) >= 4
        record = draw_from_dataset(dataset, design, seed=SEED, purpose="2024/nation/1",
                                   client=client)
    assert record.to_json() == expected.to_json()
    drawn = sum(len(s.selected) for s in record.strata)
    assert drawn >= record.allocation["floor_count"] > 20_000
