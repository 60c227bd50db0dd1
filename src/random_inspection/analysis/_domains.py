"""Domains of targets for fairness tables: regions at each level, industry, offices, entity
type, risk class and tags, each as cells (one per target) and a cell → domain incidence."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np
import numpy.typing as npt

from .._errors import InvalidValueError
from ..registry import EntityType, RiskClass, TargetDirectory

__all__ = ["DOMAIN_FIELDS", "Domains", "domains_of"]

#: Domain fields a fairness table can group by: name → (Chinese, English) label.
DOMAIN_FIELDS: dict[str, tuple[str, str]] = {
    "province": ("省级", "province (region, 2 digits)"),
    "city": ("地市", "city (region, 4 digits)"),
    "county": ("区县", "county (region, 6 digits)"),
    "industry": ("行业", "industry (GB/T 4754 code)"),
    "supervising_office": ("监管机构", "supervising office"),
    "registering_office": ("登记机关", "registering office"),
    "entity_type": ("主体类型", "entity type"),
    "risk_class": ("风险分类", "risk class"),
    "tag": ("标签", "tag"),
}
_REGION_DIGITS = {"province": 2, "city": 4, "county": 6}
NONE_LABEL = "(空)"


@attrs.frozen(eq=False)
class Domains:
    """The domains of one field over a directory.

    Attributes:
        field: The field (a key of `DOMAIN_FIELDS`).
        names: Each domain's value (a code, a prefix, an office, a tag).
        labels: Each domain's label for people (Chinese where the vocabulary has one).
        cells: Per target in canonical order, its cell (a value of the field; for tags, a
            combination of tags).
        incidence: Cells × domains, 1.0 where the cell lies in the domain. Domains are a
            partition for every field except ``tag``, where a target carries 0-n tags.
    """

    field: str
    names: tuple[str, ...]
    labels: tuple[str, ...]
    cells: npt.NDArray[np.intp]
    incidence: npt.NDArray[np.float64]

    @property
    def title(self) -> str:
        """``区县 (county)``-style heading for tables and verdicts."""
        zh, en = DOMAIN_FIELDS[self.field]
        return f"{zh} ({en.split(' (')[0]})"

    def counts(self, per_target: npt.NDArray[np.int64] | npt.NDArray[np.float64]
               ) -> npt.NDArray[np.float64]:
        """Sum a per-target quantity (canonical order) over each domain."""
        per_cell = np.bincount(self.cells, weights=per_target.astype(float),
                               minlength=self.incidence.shape[0])
        result: npt.NDArray[np.float64] = per_cell @ self.incidence
        return result


def _categorical(directory: TargetDirectory, field: str
                 ) -> tuple[npt.NDArray[np.intp], tuple[str, ...]]:
    columns = directory._cols
    name = "region" if field in _REGION_DIGITS else "tags" if field == "tag" else field
    column = getattr(columns, name)
    return column.codes.astype(np.intp), tuple(column.categories)


def domains_of(directory: TargetDirectory, field: str) -> Domains:
    """The `Domains` of ``field`` (a key of `DOMAIN_FIELDS`) over ``directory``."""
    if field not in DOMAIN_FIELDS:
        raise InvalidValueError("analysis", "by", field, "is not a domain field",
                                "use one of: " + ", ".join(DOMAIN_FIELDS))
    if field in ("entity_type", "risk_class"):
        kind: Sequence[EntityType] | Sequence[RiskClass] = (
            tuple(EntityType) if field == "entity_type" else tuple(RiskClass))
        codes = directory.codes(field).astype(np.intp)
        return _partition(field, codes, [m.code for m in kind], [m.label_zh for m in kind])
    codes, categories = _categorical(directory, field)
    if field == "tag":
        tags = sorted({t for combo in categories for t in combo.split(";") if t})
        position = {t: k for k, t in enumerate(tags)}
        incidence = np.zeros((max(len(categories), 1), len(tags)))
        for k, combo in enumerate(categories):
            for tag in filter(None, combo.split(";")):
                incidence[k, position[tag]] = 1.0
        return Domains(field, tuple(tags), tuple(tags), codes, incidence)
    values = list(categories)
    if field in _REGION_DIGITS:
        values = [v[:_REGION_DIGITS[field]] for v in values]
    return _partition(field, codes, values, [v or NONE_LABEL for v in values])


def _partition(field: str, codes: npt.NDArray[np.intp], values: Sequence[str],
               labels: Sequence[str]) -> Domains:
    """Domains that partition the targets: one per distinct value that occurs."""
    used = np.unique(codes) if len(codes) else np.zeros(0, dtype=np.intp)
    names = sorted({values[k] for k in used.tolist()})
    position = {v: k for k, v in enumerate(names)}
    label_of = dict(zip(values, labels, strict=True))
    incidence = np.zeros((max(len(values), 1), len(names)))
    for k, value in enumerate(values):
        if value in position:
            incidence[k, position[value]] = 1.0
    return Domains(field, tuple(names), tuple(label_of[v] for v in names), codes, incidence)
