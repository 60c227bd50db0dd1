"""Plots for auditors' notebooks, in plain matplotlib, labelled in Chinese and English
(extra ``analysis``).

Every function draws on the ``ax`` given, or on a new figure, and returns the `Figure`. No
pyplot state is touched (figures are made with ``matplotlib.figure.Figure``), nothing is
shown: safe on the Agg backend and in a loop. Without a font with Chinese glyphs, labels
are in English only and one `UserWarning` says which package to install (`._fonts`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from .._errors import InvalidTypeError, InvalidValueError
from ..planning import PlanReport, PlanRun
from ..results import ResultBook
from ._extra import pd
from ._fonts import Labels, labels
from ._stratified import ESTIMATE_COLUMNS

__all__ = ["officer_loads", "plot_coverage_by_county", "plot_estimates", "plot_officer_loads",
           "plot_selection_rates"]

_INSIDE, _OUTSIDE, _BAND = "#1f77b4", "#d62728", "#c7d9ea"
_INTERVALS = {"kg": "Korn–Graubard", "wilson": "Wilson", "normal": "normal"}


def _where(function: str) -> str:
    return f"random_inspection.analysis.{function}"


def _axes(ax: Axes | None, rows: int, *, horizontal: bool = False) -> Axes:
    if ax is not None:
        if not isinstance(ax, Axes):
            raise InvalidTypeError(_where("plot"), "ax", ax, "a matplotlib Axes",
                                   "pass ax=None for a new figure, or an Axes of yours")
        return ax
    size = (8, max(3.0, 0.35 * rows + 1.5)) if horizontal else (max(6.0, 0.5 * rows + 2), 4.5)
    return Figure(figsize=size, layout="constrained").add_subplot()


def _style(ax: Axes, text: Labels, *, title: str, x: str, y: str) -> Figure:
    family = text.family
    ax.set_title(title, fontfamily=family)
    ax.set_xlabel(x, fontfamily=family)
    ax.set_ylabel(y, fontfamily=family)
    ax.tick_params(labelfontfamily=family[0])
    if ax.get_legend_handles_labels()[0]:
        ax.legend(prop={"family": family}, fontsize="small")
    figure = ax.get_figure()
    assert isinstance(figure, Figure)
    return figure


def _columns(table: Any, function: str, wanted: Mapping[str, str]) -> None:
    if not isinstance(table, pd.DataFrame):
        raise InvalidTypeError(_where(function), "table", table, "a pandas DataFrame",
                               "give a DataFrame with columns " + ", ".join(wanted.values()))
    missing = [f"{name}={column!r}" for name, column in wanted.items()
               if column not in table.columns]
    if missing:
        raise InvalidValueError(_where(function), "table", list(map(str, table.columns)),
                                "lacks the column(s) " + ", ".join(missing),
                                "add them, or name your columns with these keyword arguments")


def plot_selection_rates(table: Any, *, domain: str = "domain",
                         observed: str = "observed_rate", expected: str = "expected_rate",
                         low: str = "band_low", high: str = "band_high",
                         ax: Axes | None = None) -> Figure:
    """Selection rate by domain against what the design expects (抽中率).

    One shaded bar per domain spans the expected band [``band_low``, ``band_high``] (e.g. a
    fairness table's 95% band over replays), a dash marks ``expected_rate``, and a dot the
    ``observed_rate`` — red when outside the band.

    Parameters
    ----------
    table
        A DataFrame, one row per domain, with the columns ``domain`` (label),
        ``observed_rate``, ``expected_rate``, ``band_low`` and ``band_high`` (shares in
        [0, 1]); other names are given with the keyword arguments.
    """
    wanted = {"domain": domain, "observed": observed, "expected": expected, "low": low,
              "high": high}
    _columns(table, "plot_selection_rates", wanted)
    text = labels()
    ax = _axes(ax, len(table))
    x = np.arange(len(table))
    lo, hi = table[low].to_numpy(float), table[high].to_numpy(float)
    seen = table[observed].to_numpy(float)
    ax.bar(x, hi - lo, bottom=lo, width=0.6, color=_BAND,
           label=text("期望区间", "expected band"))
    ax.scatter(x, table[expected].to_numpy(float), marker="_", s=400, color="black",
               label=text("期望抽中率", "expected rate"), zorder=3)
    outside = (seen < lo) | (seen > hi)
    ax.scatter(x, seen, color=np.where(outside, _OUTSIDE, _INSIDE), zorder=4,
               label=text("实际抽中率", "observed rate"))
    ax.set_xticks(x, [text.value(v, k) for k, v in enumerate(table[domain])],
                  rotation=45 if len(table) > 6 else 0, ha="right" if len(table) > 6 else "center")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    return _style(ax, text, title=text("各组抽中率与期望区间", "Selection rate by domain"),
                  x=text("分组", "domain"), y=text("抽中率", "selection rate"))


def officer_loads(source: PlanRun | ResultBook | Mapping[str, int] | Any) -> Any:
    """Visits per officer (检查人员任务量), as a Series indexed by officer id.

    From a `PlanRun`: every officer of a visit's team (experts not counted), plus, with 0,
    every officer in the inspector directory who could lead a check on the first task's
    start (`InspectorDirectory.officers_on`) but was drawn for none — idle officers are part
    of a fair spread. From a `ResultBook`: the officers recorded on its results. A mapping
    or Series of officer → visits is taken as it is.
    """
    if isinstance(source, PlanRun):
        counts: dict[str, int] = {}
        if source.runs:
            start = min(r.task.start for r in source.runs)
            counts = {i.id: 0 for i in source.runs[0].inspectors.officers_on(start)}
        for visit in source.visits:
            for officer in () if visit.team is None else visit.team.officers:
                counts[officer] = counts.get(officer, 0) + 1
        return pd.Series(counts, name="visits", dtype="int64").sort_index()
    if isinstance(source, ResultBook):
        tally: dict[str, int] = {}
        for result in source:
            for officer in result.officers:
                tally[officer] = tally.get(officer, 0) + 1
        return pd.Series(tally, name="visits", dtype="int64").sort_index()
    if isinstance(source, Mapping | pd.Series):
        return pd.Series(dict(source), name="visits", dtype="int64").sort_index()
    raise InvalidTypeError(_where("officer_loads"), "source", source,
                           "a PlanRun, ResultBook, or mapping of officer → visits",
                           "give the year (run_plan's result) or its ResultBook")


def plot_officer_loads(loads: PlanRun | ResultBook | Mapping[str, int] | Any, *,
                       ax: Axes | None = None) -> Figure:
    """How many officers carry each number of visits (a histogram of `officer_loads`, one
    bar per load from 0 to the maximum), with the mean and the maximum marked."""
    series = officer_loads(loads)
    text = labels()
    values = series.to_numpy(dtype=np.int64)
    counts = np.bincount(values) if len(values) else np.zeros(1, dtype=np.int64)
    ax = _axes(ax, len(counts))
    ax.bar(np.arange(len(counts)), counts, width=0.8, color=_INSIDE,
           label=text("人数", "officers"))
    mean = float(values.mean()) if len(values) else 0.0
    ax.axvline(mean, color="black", linestyle="--",
               label=text(f"平均 {mean:.1f}", f"mean {mean:.1f}"))
    ax.axvline(len(counts) - 1, color=_OUTSIDE, linestyle=":",
               label=text(f"最多 {len(counts) - 1}", f"max {len(counts) - 1}"))
    return _style(ax, text, title=text("检查人员任务量分布", "Officer loads"),
                  x=text("检查户次", "visits per officer"), y=text("人数", "officers"))


def _coverage_table(coverage: Any) -> tuple[Any, float | None]:
    """(county, covered, enterprises) rows and the plan's floor, from what was given."""
    floor: float | None = None
    if isinstance(coverage, PlanRun):
        floor = float(coverage.plan.coverage_floor)
        coverage = coverage.report
    if isinstance(coverage, PlanReport):
        floor = float(coverage.floor)
        coverage = coverage.by_region
    if isinstance(coverage, Mapping):
        coverage = pd.DataFrame([(k, a, b) for k, (a, b) in coverage.items()],
                                columns=["county", "covered", "enterprises"])
    _columns(coverage, "plot_coverage_by_county",
             {"county": "county", "covered": "covered", "enterprises": "enterprises"})
    return coverage, floor


def plot_coverage_by_county(coverage: PlanRun | PlanReport | Mapping[str, tuple[int, int]]
                            | Any, *, floor: float | None = None,
                            names: Mapping[str, str] | None = None,
                            ax: Axes | None = None) -> Figure:
    """Enterprise coverage by county (各县企业覆盖率): one bar per county — red below the
    floor — and the floor as a line (the plan's, else 3%).

    Parameters
    ----------
    coverage
        A `PlanRun` or `PlanReport` (its ``by_region``: divisions one level below the plan),
        a mapping county → (covered, enterprises), or a DataFrame with columns ``county``,
        ``covered`` and ``enterprises``.
    floor
        The floor line; by default the plan's coverage floor, else 0.03.
    names
        County code → name for the tick labels (e.g. `random_inspection.demo.COUNTIES`);
        shown only with a Chinese font.
    """
    table, plan_floor = _coverage_table(coverage)
    line = float(floor if floor is not None else plan_floor if plan_floor is not None
                 else 0.03)
    text = labels()
    ax = _axes(ax, len(table))
    share = (table["covered"] / table["enterprises"].where(table["enterprises"] > 0)).fillna(0)
    x = np.arange(len(table))
    ax.bar(x, share.to_numpy(float), width=0.7,
           color=np.where(share.to_numpy(float) < line, _OUTSIDE, _INSIDE),
           label=text("覆盖率", "coverage"))
    ax.axhline(line, color="black", linestyle="--",
               label=text(f"{line:.0%} 底线", f"{line:.0%} floor"))
    ticks = [f"{c} {names[c]}" if names and c in names and text.font else str(c)
             for c in table["county"]]
    ax.set_xticks(x, ticks, rotation=45, ha="right")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    return _style(ax, text,
                  title=text("各县（市、区）企业抽查覆盖率", "Enterprise coverage by county"),
                  x=text("县（市、区）", "county"), y=text("覆盖率", "coverage"))


def plot_estimates(estimates: Any, *, interval: str = "kg", ax: Axes | None = None) -> Figure:
    """Estimated violation rates (违法违规发现率) with their intervals: one point and error
    bar per row of `estimate_rates`' table, labelled by task and domain.

    Parameters
    ----------
    estimates
        `estimate_rates`' DataFrame (at least ``rate``, ``<interval>_low`` and
        ``<interval>_high``; the other columns before its statistics label the rows).
    interval
        ``"kg"`` (Korn–Graubard, default), ``"wilson"`` or ``"normal"``.
    """
    if interval not in _INTERVALS:
        raise InvalidValueError(_where("plot_estimates"), "interval", interval,
                                "is not an interval of estimate_rates",
                                "use 'kg', 'wilson' or 'normal'")
    low, high = f"{interval}_low", f"{interval}_high"
    _columns(estimates, "plot_estimates", {"rate": "rate", "low": low, "high": high})
    text = labels()
    ax = _axes(ax, len(estimates), horizontal=True)
    keys = [c for c in estimates.columns if c not in ESTIMATE_COLUMNS]
    rows = [" · ".join(text.value(v, k) for v in row) if keys else str(k)
            for k, row in enumerate(estimates[keys].itertuples(index=False))]
    rate = estimates["rate"].to_numpy(float)
    y = np.arange(len(estimates))[::-1]
    errors = np.vstack([rate - estimates[low].to_numpy(float),
                        estimates[high].to_numpy(float) - rate]).clip(min=0)
    level = estimates.attrs.get("level", 0.95)
    ax.errorbar(rate, y, xerr=errors, fmt="o", color=_INSIDE, capsize=3,
                label=text(f"{level:.0%} 置信区间 ({_INTERVALS[interval]})",
                           f"{level:.0%} interval ({_INTERVALS[interval]})"))
    ax.set_yticks(y, rows)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    return _style(ax, text, title=text("违法违规发现率估计", "Estimated violation rates"),
                  x=text("违法违规发现率", "violation rate"), y="")
