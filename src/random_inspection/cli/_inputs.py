"""Reading the input files the commands share."""

from __future__ import annotations

from pathlib import Path

from .._progress import Progress
from ..registry import TargetDirectory
from ..registry._arrow_io import is_parquet

__all__ = ["read_directory"]


def read_directory(path: Path, progress: Progress | None = None) -> TargetDirectory:
    """The target directory in ``path``: a Parquet file (named ``*.parquet`` / ``*.pq``, or
    starting with Parquet's magic bytes) with `TargetDirectory.from_parquet`, else a CSV
    file with `TargetDirectory.from_csv`."""
    if is_parquet(path):
        return TargetDirectory.from_parquet(path)
    return TargetDirectory.from_csv(path, progress=progress)
