"""random_inspection: reproducible, publicly verifiable 双随机、一公开 spot-check draws.

The public names are re-exported here; everything else is private or lives in its stage's
package (``random_inspection.registry``, …). Hypothesis strategies are in
``random_inspection.strategies`` (needs the ``strategies`` extra); the demo jurisdiction is in
``random_inspection.demo``.

The stages are imported when a name is first used (PEP 562), so that ``import
random_inspection`` is quick and the command line can take charge of Ctrl-C before the
numerical stack loads.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._errors import (
    DuplicateIdError,
    FileFormatError,
    InvalidTypeError,
    InvalidValueError,
    OutputExistsError,
    RandomInspectionError,
    StoreError,
    UnknownIdError,
)
from ._version import __version__

if TYPE_CHECKING:
    from .assignment import (
        Assignment,
        Conflict,
        ConflictGround,
        ConflictRegister,
        CustomRule,
        DrawMode,
        DrawUnit,
        NoSubstituteError,
        Substitution,
        Team,
        TeamPolicy,
        Unstaffed,
        assign_inspectors,
        draw_substitute,
    )
    from .audit import (
        SPEC_VERSION,
        SPEC_VERSIONS,
        AuditRecord,
        RecordFormatError,
        VerificationReport,
        verify,
    )
    from .registry import (
        CheckItem,
        CheckItemList,
        CheckMethod,
        ColumnsError,
        DirectoryDiff,
        EntityType,
        Inspector,
        InspectorDirectory,
        InspectorStatus,
        ItemKind,
        RegisterHealth,
        RiskClass,
        Scope,
        Target,
        TargetDirectory,
    )
    from .sampling import (
        PRESETS,
        Allocation,
        ClassWeighted,
        Sample,
        Seed,
        StratifiedByRisk,
        draw_targets,
    )

#: Public name → the module that defines it, imported on first use.
_LAZY = {
    "Allocation": ".sampling",
    "Assignment": ".assignment",
    "AuditRecord": ".audit",
    "CheckItem": ".registry",
    "CheckItemList": ".registry",
    "CheckMethod": ".registry",
    "ClassWeighted": ".sampling",
    "ColumnsError": ".registry",
    "Conflict": ".assignment",
    "ConflictGround": ".assignment",
    "ConflictRegister": ".assignment",
    "CustomRule": ".assignment",
    "DirectoryDiff": ".registry",
    "DrawMode": ".assignment",
    "DrawUnit": ".assignment",
    "EntityType": ".registry",
    "Inspector": ".registry",
    "InspectorDirectory": ".registry",
    "InspectorStatus": ".registry",
    "ItemKind": ".registry",
    "NoSubstituteError": ".assignment",
    "PRESETS": ".sampling",
    "RecordFormatError": ".audit",
    "RegisterHealth": ".registry",
    "RiskClass": ".registry",
    "SPEC_VERSION": ".audit",
    "SPEC_VERSIONS": ".audit",
    "Sample": ".sampling",
    "Scope": ".registry",
    "Seed": ".sampling",
    "StratifiedByRisk": ".sampling",
    "Substitution": ".assignment",
    "Target": ".registry",
    "TargetDirectory": ".registry",
    "Team": ".assignment",
    "TeamPolicy": ".assignment",
    "Unstaffed": ".assignment",
    "VerificationReport": ".audit",
    "assign_inspectors": ".assignment",
    "draw_substitute": ".assignment",
    "draw_targets": ".sampling",
    "verify": ".audit",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'random_inspection' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "PRESETS",
    "SPEC_VERSION",
    "SPEC_VERSIONS",
    "Allocation",
    "Assignment",
    "AuditRecord",
    "CheckItem",
    "CheckItemList",
    "CheckMethod",
    "ClassWeighted",
    "ColumnsError",
    "Conflict",
    "ConflictGround",
    "ConflictRegister",
    "CustomRule",
    "DirectoryDiff",
    "DrawMode",
    "DrawUnit",
    "DuplicateIdError",
    "EntityType",
    "FileFormatError",
    "Inspector",
    "InspectorDirectory",
    "InspectorStatus",
    "InvalidTypeError",
    "InvalidValueError",
    "ItemKind",
    "NoSubstituteError",
    "OutputExistsError",
    "RandomInspectionError",
    "RecordFormatError",
    "RegisterHealth",
    "RiskClass",
    "Sample",
    "Scope",
    "Seed",
    "StoreError",
    "StratifiedByRisk",
    "Substitution",
    "Target",
    "TargetDirectory",
    "Team",
    "TeamPolicy",
    "UnknownIdError",
    "Unstaffed",
    "VerificationReport",
    "__version__",
    "assign_inspectors",
    "draw_substitute",
    "draw_targets",
    "verify",
]
