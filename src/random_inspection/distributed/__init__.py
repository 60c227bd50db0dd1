"""The directory as a Parquet dataset partitioned by id range, computed on Dask.

For directories too large for one process (a nation's 10^8 market entities): the targets are
kept as Parquet files, one per id range, with a manifest (`write_dataset` from a
`TargetDirectory`, `sort_dataset` from an Arrow table or Parquet files in any order); the
directory digest, a design's eligibility counts and the draw itself run as one task per
partition on a Dask cluster — a laptop's `distributed.LocalCluster` or any other — or, for
small data, in this process. The draw's `AuditRecord` is the one `draw_targets` makes from the
same directory, byte for byte, so `verify` and ``verifier.py`` check it unchanged.

Needs the ``dask`` extra (``pip install 'random-inspection[dask]'``: pyarrow, dask and
distributed); without a Dask client, only pyarrow.

Example:
    >>> import tempfile, pathlib
    >>> from random_inspection import StratifiedByRisk, draw_targets
    >>> from random_inspection.demo import demo_city
    >>> city = demo_city(n_targets=1_000)
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "targets"
    >>> dataset = write_dataset(city.targets, folder, rows_per_partition=300)
    >>> dataset_digest(dataset) == city.targets.digest
    True
    >>> design = StratifiedByRisk.from_preset("henan-2021")
    >>> record = draw_from_dataset(dataset, design, seed="31415926535897932384",
    ...                            purpose="2024/demo/1")
    >>> record.to_json() == draw_targets(city.targets, design, seed="31415926535897932384",
    ...                                  purpose="2024/demo/1").record.to_json()
    True
"""

from ._compute import DatasetEligibility, dataset_digest, dataset_eligibility, draw_from_dataset
from ._dataset import (
    DATASET_FORMAT,
    DATASET_VERSION,
    DatasetError,
    Partition,
    TargetDataset,
    write_dataset,
)
from ._sort import sort_dataset

__all__ = [
    "DATASET_FORMAT",
    "DATASET_VERSION",
    "DatasetEligibility",
    "DatasetError",
    "Partition",
    "TargetDataset",
    "dataset_digest",
    "dataset_eligibility",
    "draw_from_dataset",
    "sort_dataset",
    "write_dataset",
]
