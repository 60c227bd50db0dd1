"""The risk-classification indicator (风险分类应用率) over the checks drawn: the rule, in one
place (`draw_applies_risk_classification`), used by the plan report, the forecast and the
results' indicators alike."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

import attrs
import numpy as np

from .._errors import require_types
from ..registry import RiskClass, TargetDirectory
from ..sampling import AuditRecord, Design, StratifiedByRisk, design_from_dict

__all__ = ["RATED_CLASSES", "classes_in_scope", "draw_applies_risk_classification"]

CLASSES = tuple(RiskClass)
#: The classes a draw can treat differently: A-D. Class U (unclassified) never counts.
RATED_CLASSES = (RiskClass.A, RiskClass.B, RiskClass.C, RiskClass.D)


def classes_in_scope(design: Design, directory: TargetDirectory) -> frozenset[RiskClass]:
    """The classes A-D with at least one target in the design's scope, its ``risk_classes``
    criterion set aside (exclusion lists and the repeat-check window are not applied)."""
    mask = directory.scope_mask(attrs.evolve(design.scope, risk_classes=()))
    present = np.unique(directory.codes("risk_class")[mask]).tolist()
    return frozenset(CLASSES[k] for k in present if CLASSES[k] in RATED_CLASSES)


def draw_applies_risk_classification(record: AuditRecord, directory: TargetDirectory) -> bool:
    """Whether a target draw applied the credit-risk classification (凡随机抽查必风险分类).

    Every check drawn counts toward the indicator with its task's verdict, so the indicator
    is the share of drawn (task, target) pairs whose draw applied it. A draw applies the
    classification when its design treated classes differently, judged from its record
    (design and allocation) and the directory it was drawn from:

    1. **Different probabilities.** Two of the classes A-D that had eligible targets got
       different inclusion probabilities. A class's probability is the rate the design
       used (``effective_rate``, after any floor scaling, capped at 1) for a stratified
       design, and its exact π for a class-weighted one; rounding sizes up to whole
       targets (n = ⌈rate × N⌉) is not a difference in treatment. A stratum whose size a
       per-class minimum or maximum changed is compared by its actual probability n / N.
    2. **A class excluded by design.** A class A-D that the design leaves out — omitted
       from a ``risk_classes`` scope, or given rate (and minimum) 0 or weight 0 — while the
       task's scope holds targets of that class otherwise (``risk_classes`` set aside).

    **Single-class draws.** A task that draws only class D (or any one class) applies the
    classification when the classification made it so: its scope is restricted to D, or
    the other classes have rate or weight 0, while targets of other classes are in its scope.
    It does not apply it when the frame merely happened to hold only class D: equal rates
    would have drawn the same, so the classification made no difference.

    **Class U.** Unclassified targets never make a draw apply the classification: neither
    a rate for U that differs from the others nor U's exclusion counts.

    Parameters
    ----------
    record
        The draw's audit record (``sample.record`` or a task's record of a year).
    directory
        The target directory the record was drawn from (its scope decides rule 2).
    """
    require_types("draw_applies_risk_classification", {
        "record": (record, AuditRecord, "pass sample.record or AuditRecord.read(path)"),
        "directory": (directory, TargetDirectory,
                      "pass the directory the record was drawn from")})
    design = design_from_dict(record.design)
    return applies(design, record.allocation, classes_in_scope(design, directory))


def _resized(adjustments: Iterable[Any]) -> set[str]:
    """Labels of the strata whose size a minimum or maximum changed (codes of spec 2, or
    the text of spec-1 records)."""
    out = set()
    for note in adjustments:
        if isinstance(note, Mapping):
            if note.get("code") in {"minimum", "maximum"}:
                out.add(str(note.get("label")))
        elif isinstance(note, str):
            label, _, rest = note.partition(": ")
            if rest.startswith(("raised to the minimum", "capped at the maximum")):
                out.add(label)
    return out


def _excluded_by_design(design: Design, cls: RiskClass) -> bool:
    """Whether the design leaves the class out: scope or a zero rate or weight."""
    scoped = design.scope.risk_classes
    if scoped and cls not in scoped:
        return True
    if isinstance(design, StratifiedByRisk):
        return design.rates[cls] == 0 and not design.minimums[cls]
    return design.weights[cls] == 0


def applies(design: Design, allocation: Mapping[str, Any], in_scope: frozenset[RiskClass]
            ) -> bool:
    """The rule of `draw_applies_risk_classification` on a parsed design, the allocation's
    plain values (``record.allocation``) and `classes_in_scope` (computed once per task
    when the forecast replays a year many times)."""
    strata = {s["label"]: s for s in allocation["strata"]}
    resized = _resized(allocation.get("adjustments", ()))
    used: set[Fraction] = set()
    for cls in RATED_CLASSES:
        stratum = strata[cls.code]
        if not stratum["population"]:
            continue
        exact = not isinstance(design, StratifiedByRisk) or cls.code in resized
        used.add(Fraction(stratum["inclusion_probability" if exact else "effective_rate"]))
    if len(used) > 1:
        return True
    return any(_excluded_by_design(design, cls) for cls in in_scope)
