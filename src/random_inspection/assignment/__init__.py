"""Inspector teams: conflicts, recusal and team policy, and `assign_inspectors`."""

from ._assign import Assignment, Team, Unstaffed, assign_inspectors
from ._conflicts import Conflict, ConflictGround, ConflictRegister
from ._policy import CustomRule, DrawMode, DrawUnit, TeamPolicy

__all__ = [
    "Assignment",
    "Conflict",
    "ConflictGround",
    "ConflictRegister",
    "CustomRule",
    "DrawMode",
    "DrawUnit",
    "Team",
    "TeamPolicy",
    "Unstaffed",
    "assign_inspectors",
]
