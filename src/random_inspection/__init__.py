"""random_inspection: reproducible, publicly verifiable 双随机、一公开 spot-check draws.

The public names are re-exported here; everything else is private or lives in its stage's
package (``random_inspection.registry``, …). Hypothesis strategies are in
``random_inspection.strategies`` (needs the ``strategies`` extra); the demo jurisdiction is in
``random_inspection.demo``.
"""

from ._errors import (
    DuplicateIdError,
    FileFormatError,
    InvalidTypeError,
    InvalidValueError,
    OutputExistsError,
    RandomInspectionError,
    UnknownIdError,
)
from ._version import __version__
from .assignment import (
    Assignment,
    Conflict,
    ConflictGround,
    ConflictRegister,
    CustomRule,
    DrawMode,
    DrawUnit,
    Team,
    TeamPolicy,
    Unstaffed,
    assign_inspectors,
)
from .audit import SPEC_VERSION, AuditRecord, VerificationReport, verify
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

__all__ = [
    "PRESETS",
    "SPEC_VERSION",
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
    "OutputExistsError",
    "RandomInspectionError",
    "RegisterHealth",
    "RiskClass",
    "Sample",
    "Scope",
    "Seed",
    "StratifiedByRisk",
    "Target",
    "TargetDirectory",
    "Team",
    "TeamPolicy",
    "UnknownIdError",
    "Unstaffed",
    "VerificationReport",
    "__version__",
    "assign_inspectors",
    "draw_targets",
    "verify",
]
