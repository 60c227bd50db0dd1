"""The three registers (一单两库): check items, targets, inspectors; their records and files."""

from ._records import CheckItem, Inspector, Target
from ._registers import CheckItemList, InspectorDirectory, RegisterHealth
from ._scope import Scope
from ._target_columns import ColumnsError
from ._target_directory import DirectoryDiff, TargetDirectory
from ._vocabulary import CheckMethod, EntityType, InspectorStatus, ItemKind, RiskClass

__all__ = [
    "CheckItem",
    "CheckItemList",
    "CheckMethod",
    "ColumnsError",
    "DirectoryDiff",
    "EntityType",
    "Inspector",
    "InspectorDirectory",
    "InspectorStatus",
    "ItemKind",
    "RegisterHealth",
    "RiskClass",
    "Scope",
    "Target",
    "TargetDirectory",
]
