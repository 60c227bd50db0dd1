"""Inspector teams: conflicts, recusal and team policy, and `assign_inspectors`."""

from ._assign import Assignment, Team, Unstaffed, assign_inspectors
from ._conflicts import Conflict, ConflictGround, ConflictRegister
from ._policy import CustomRule, DrawMode, TeamPolicy

__all__ = [
    "Assignment",
    "Conflict",
    "ConflictGround",
    "ConflictRegister",
    "CustomRule",
    "DrawMode",
    "Team",
    "TeamPolicy",
    "Unstaffed",
    "assign_inspectors",
]
