"""Violation rates and counts from the year's results, by domain, with design-based variance
and intervals for small domains and rare events (extra ``analysis``).

`estimate_rates` takes a `ResultBook` (the year's draws give every target's stratum and
inclusion probability) or a DataFrame of (target id, outcome) with the `Sample` — or audit
record and directory — that drew the targets. `estimation_frame` shows the units, weights
and outcomes the estimates are made from. The formulas are in `._stratified`, the
intervals in `._intervals`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from .._errors import InvalidTypeError, InvalidValueError
from ..audit import AuditRecord
from ..planning import TaskRun
from ..registry import TargetDirectory
from ..results import ResultBook
from ..sampling import Sample
from ._intervals import _level
from ._stratified import ESTIMATE_COLUMNS, estimate_units
from ._units import (
    DIRECTORY_DOMAINS,
    POOLED,
    RESULT_FIELDS,
    Columns,
    Outcome,
    add_directory,
    binary,
    book_units,
    directory_field,
    domain_sizes,
    sample_units,
)

__all__ = ["DIRECTORY_DOMAINS", "POOLED", "RESULT_FIELDS", "estimate_rates",
           "estimation_frame"]


def _where(function: str) -> str:
    return f"random_inspection.analysis.{function}"


def _by(by: str | Sequence[str]) -> tuple[str, ...]:
    names = (by,) if isinstance(by, str) else tuple(by)
    if not all(isinstance(n, str) and n for n in names) or len(set(names)) < len(names):
        raise InvalidValueError(_where("estimate_rates"), "by", by,
                                "is not a list of distinct column names",
                                "give e.g. 'risk_class', ['county', 'item'] or () for none")
    return names


def estimation_frame(book: ResultBook, *, outcome: Outcome = "problem",
                     per: Literal["task", "year"] = "task") -> Any:
    """The units the estimates of ``book`` are made from: one row per task, target it drew
    and item of the task, with the stratum, its population and sample, the weight, the
    outcome and the result's columns, and the target's directory fields.

    Columns: ``task``, ``target_id``, ``stratum`` (risk class), ``population`` (N_h),
    ``drawn`` (n_h), ``with_result`` (r_h), ``inclusion_probability`` (n_h/N_h, the record's
    π), ``weight`` (N_h/r_h: 1/π when no result is missing), ``item``, ``outcome`` (NaN
    without a result), ``codes``, ``method``, ``check_date``, ``leader``, ``state``, and
    every field of `DIRECTORY_DOMAINS`.
    """
    _check_book(book, "estimation_frame")
    units, _ = book_units(book, outcome, per, RESULT_FIELDS)
    units = binary(units, outcome)
    units = add_directory(units, Columns(book.year.runs[0].sample.directory),
                           DIRECTORY_DOMAINS)
    with_result = (units[units["_y"].notna()].groupby("_stratum")["_unit"].nunique()
                   .reindex(units["_stratum"]).fillna(0).astype("int64").to_numpy())
    units["task"] = units["_stratum"].str.rpartition("/")[0]
    units["stratum"] = units["_stratum"].str.rpartition("/")[2]
    units["with_result"] = with_result
    units["inclusion_probability"] = units["_n"] / units["_N"]
    units["weight"] = units["_N"] / units["with_result"].where(units["with_result"] > 0)
    units = units.rename(columns={"_unit": "target_id", "_N": "population", "_n": "drawn",
                                  "_y": "outcome"})
    return units[["task", "target_id", "stratum", "population", "drawn", "with_result",
                  "inclusion_probability", "weight", "item", "outcome", "codes", "method",
                  "check_date", "leader", "state", *DIRECTORY_DOMAINS]]


def _check_book(book: object, function: str) -> None:
    if not isinstance(book, ResultBook):
        raise InvalidTypeError(_where(function), "book", book, "a ResultBook",
                               "give the year's results: ResultBook(year).enter_all(...)")


def estimate_rates(data: ResultBook | Any, *, by: str | Sequence[str] = (),
                   outcome: Outcome = "problem", per: Literal["task", "year"] = "task",
                   sample: Sample | TaskRun | AuditRecord | None = None,
                   directory: TargetDirectory | None = None, id_column: str = "target_id",
                   level: float = 0.95) -> Any:
    """Horvitz–Thompson and Hájek estimates of the violation rate (违法违规发现率) and count
    by domain, with design-based standard errors and normal, Wilson and Korn–Graubard
    intervals.

    The design is the one that drew the targets: stratified simple random sampling without
    replacement by risk class, each stratum's population N_h and size n_h taken from the
    audit record (π_h = n_h/N_h). Formulas: `random_inspection.analysis._stratified`.

    Parameters
    ----------
    data
        A `ResultBook` of the year, or a DataFrame with a target-id column and an outcome
        column (0/1 or bool, NaN where unknown) for the targets of ``sample``.
    by
        Domain names: directory fields (`DIRECTORY_DOMAINS`; ``class`` and ``county`` are
        aliases, ``"region:4"`` takes a prefix), ``item`` (each item of a task is an outcome
        of its own for every target drawn), or any column of the DataFrame — for a
        `ResultBook`, ``method``, ``leader``, ``state`` or ``codes``.
    outcome
        What counts as a violation. For a `ResultBook`: ``"problem"`` (default): an item
        whose result codes include a problem code (``ItemOutcome.problem``: ``A`` and its
        sub-codes, ``E`` corrected on order, ``8`` serious non-cooperation; not ``1``, nor
        the codes that say the business could not be checked — ``6``, ``7``, ``F``,
        ``9``–``12``); a result code (``"6"``: the item carries that code); or a function of
        an `ItemOutcome`. A target counts as a violation for a task when any item of that
        task does (the items other tasks added to a merged visit do not count).
        For a DataFrame: the name of its 0/1 column.
    per
        For a `ResultBook`. ``"task"`` (default): estimates per task, each target with the
        π of the task that drew it, for that task's items. A target drawn by several tasks
        of the year is a unit of each (its outcome for each task's items, that draw's π);
        the first draw's π is never used for another task's items. ``"year"``: one
        pooled estimate over the year's (task, target) pairs — strata (task, class), so a
        target in two tasks' frames counts twice in the population; the rate is per check
        opportunity.
    sample, directory
        For a DataFrame: the `Sample` (or `TaskRun`) that drew the targets, or its
        `AuditRecord` with the directory it was drawn from.
    id_column
        The DataFrame's target-id column.
    level
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        One row per task (or ``"all tasks"``) and domain, columns ``task``, the ``by``
        names, then: ``n`` targets with a result in the domain; ``violations`` among them;
        ``missing`` targets drawn without a result (reweighted within their stratum,
        assuming results missing at random within it); ``population`` N_d (known from the
        directory for directory domains and items, else NaN); ``population_estimate`` N̂_d;
        ``total`` Ŷ_d (HT count of violations) and ``total_se``; ``rate_ht`` = Ŷ_d/N_d and
        ``rate_ht_se``; ``rate`` = Ŷ_d/N̂_d (Hájek) and ``rate_se``; ``n_effective``
        (p̂(1−p̂)/v̂); ``df`` (n − strata in the domain); ``normal_low/high``,
        ``wilson_low/high``, ``kg_low/high`` (Korn–Graubard) for ``rate``;
        ``single_result_strata`` (strata with one result: no within-stratum variance, so
        its score is centred on the design's mean — conservative) and
        ``population_without_results`` (N of strata that drew targets none of which has a
        result: not covered by the estimate). ``frame.attrs`` holds ``level``, ``per`` and
        ``outcome``.

    References: Horvitz & Thompson (1952); Hájek (1971); Särndal, Swensson & Wretman (1992)
    §3.7, §5.8; Wilson (1927); Korn & Graubard (1998).

    Example:
        >>> from random_inspection.demo import demo_city, demo_plan, demo_results
        >>> from random_inspection.planning import run_plan
        >>> city = demo_city(n_targets=3000, n_officers=60)
        >>> year = run_plan(demo_plan(), city.targets, city.inspectors, city.check_items,
        ...                 seed="31415926535897932384")
        >>> rates = estimate_rates(demo_results(year)[0], by="class")
        >>> list(rates.columns[:6])
        ['task', 'class', 'n', 'violations', 'missing', 'population']
    """
    level = _level(level, _where("estimate_rates"))
    names = _by(by)
    if per not in ("task", "year"):
        raise InvalidValueError(_where("estimate_rates"), "per", per, "is not a choice",
                                "use 'task' (one estimate per task) or 'year' (pooled)")
    if isinstance(data, ResultBook):
        units, draws = book_units(data, outcome, per,
                                   [n for n in RESULT_FIELDS if n in names])
        frame_directory = data.year.runs[0].sample.directory
        item: str | None = "item" if "item" in names else None
    else:
        if isinstance(sample, TaskRun):
            sample = sample.sample
        if isinstance(sample, AuditRecord):
            if not isinstance(directory, TargetDirectory):
                raise InvalidTypeError(_where("estimate_rates"), "directory", directory,
                                       "a TargetDirectory", "give the directory the record "
                                       "was drawn from")
            if directory.digest != sample.directory_digest:
                raise InvalidValueError(_where("estimate_rates"), "directory",
                                        directory.digest, "is not the directory the record "
                                        f"was drawn from ({sample.directory_digest})",
                                        "load that directory")
            frame_directory = directory
        elif isinstance(sample, Sample):
            frame_directory = sample.directory
        else:
            raise InvalidTypeError(_where("estimate_rates"), "sample", sample,
                                   "a Sample, TaskRun or AuditRecord",
                                   "give the draw the targets came from (with a record, "
                                   "also directory=)")
        if not isinstance(outcome, str):
            raise InvalidValueError(_where("estimate_rates"), "outcome", outcome,
                                    "is not a column name", "name the DataFrame's 0/1 column")
        units = sample_units(data, sample, id_column, outcome)
        record = sample.record if isinstance(sample, Sample) else sample
        draws = [(record.purpose, sample, ())]
        item = None
    units = binary(units, outcome)
    given = set(units.columns)  # a column of the results wins over a directory field
    columns = Columns(frame_directory)
    units = add_directory(units, columns, names)
    absent = [n for n in names if n not in units.columns]
    if absent:
        shown = [c for c in units.columns if not str(c).startswith("_")]
        raise InvalidValueError(_where("estimate_rates"), "by", absent,
                                "are neither directory fields nor columns of the results",
                                "use " + ", ".join([*DIRECTORY_DOMAINS, "class", "county",
                                                    *shown]))
    # One row per unit and domain: a target's outcome for a task is 1 when any of its rows
    # (the task's items) is 1.
    if units.duplicated(["_design", "_unit", *names]).any():
        units = (units.groupby(["_design", "_stratum", "_N", "_n", "_unit", *names],
                               sort=False, observed=True, dropna=False)["_y"].max()
                 .reset_index())
    pooled = per == "year" and isinstance(data, ResultBook)
    known = all(n == item or (n not in given and directory_field(n) is not None)
                for n in names)
    population = domain_sizes(draws, columns, names, item,
                             (lambda _: POOLED) if pooled else (lambda label: label)
                             ) if known else None
    replicates = ["item"] if "item" in names else []
    estimates = estimate_units(units, names, replicates, population, level=level)
    estimates = estimates.rename(columns={"_design": "task"})
    order = {label: k for k, (label, _, _) in enumerate(draws)}
    estimates = (estimates.assign(_order=estimates["task"].map(order).fillna(-1))
                 .sort_values(["_order", *names], kind="stable").drop(columns="_order")
                 .reset_index(drop=True))
    estimates = estimates[["task", *names, *ESTIMATE_COLUMNS]]
    estimates.attrs.update(level=level, per=per, outcome=outcome if isinstance(outcome, str)
                           else getattr(outcome, "__name__", repr(outcome)))
    return estimates
