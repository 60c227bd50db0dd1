"""Annual plans (年度抽查计划): tasks, levels and modes, coordination, coverage, execution."""

from ._coverage import CoverageForecast, forecast_coverage
from ._draws import YearDraws, draw_year_targets
from ._files import plan_from_dict, plan_to_dict, read_plan, write_plan
from ._model import VISIT_CAP_PRESETS, AnnualPlan, Level, PlanChange, Task, TaskMode
from ._report import PlanReport, TaskSummary
from ._risk import draw_applies_risk_classification
from ._run import PlanCheckError, PlanRun, TaskRun, Visit, check_plan, run_plan

__all__ = [
    "VISIT_CAP_PRESETS",
    "AnnualPlan",
    "CoverageForecast",
    "Level",
    "PlanChange",
    "PlanCheckError",
    "PlanReport",
    "PlanRun",
    "Task",
    "TaskMode",
    "TaskRun",
    "TaskSummary",
    "Visit",
    "YearDraws",
    "check_plan",
    "draw_applies_risk_classification",
    "draw_year_targets",
    "forecast_coverage",
    "plan_from_dict",
    "plan_to_dict",
    "read_plan",
    "run_plan",
    "write_plan",
]
