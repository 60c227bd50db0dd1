"""Masks over a directory's rows: the jurisdiction's enterprises, a set of ids."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from ..registry import EntityType, Scope, TargetDirectory
from ._model import AnnualPlan

__all__ = ["enterprise_mask", "id_mask"]


def enterprise_mask(plan: AnnualPlan, directory: TargetDirectory) -> npt.NDArray[np.bool_]:
    """The jurisdiction's enterprises (the denominator of the coverage rate)."""
    return directory.scope_mask(Scope(region_prefixes=[plan.region],
                                      entity_types=[EntityType.ENTERPRISE]))


def id_mask(directory: TargetDirectory, ids: Iterable[str]) -> npt.NDArray[np.bool_]:
    """Mask of the directory's rows (canonical order) whose id is in ``ids``; ids not in
    the directory are ignored. One binary search per id (`TargetDirectory.positions`), not a
    sort of the whole directory: the forecast calls this once per replay."""
    mask = np.zeros(len(directory), dtype=np.bool_)
    rows = directory.positions(list(ids))
    mask[rows[rows >= 0]] = True
    return mask
