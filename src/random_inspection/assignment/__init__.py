"""Inspector teams: conflicts, recusal and team policy, `assign_inspectors`, and substitutes
drawn after the draw (`draw_substitute`)."""

from ._assign import Assignment, JoinedVisit, Team, Unstaffed, assign_inspectors
from ._conflicts import Conflict, ConflictGround, ConflictRegister
from ._policy import CustomRule, DrawMode, DrawUnit, TeamPolicy
from ._substitute import NoSubstituteError, Substitution, draw_substitute

__all__ = [
    "Assignment",
    "Conflict",
    "ConflictGround",
    "ConflictRegister",
    "CustomRule",
    "DrawMode",
    "DrawUnit",
    "JoinedVisit",
    "NoSubstituteError",
    "Substitution",
    "Team",
    "TeamPolicy",
    "Unstaffed",
    "assign_inspectors",
    "draw_substitute",
]
