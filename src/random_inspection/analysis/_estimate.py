"""Violation rates and counts from the year's results, by domain, with design-based variance
and intervals for small domains and rare events (extra ``analysis``).

`estimate_rates` takes a `ResultBook` (the year's draws give every target's stratum and
inclusion probability) or a DataFrame of (target id, outcome) with the `Sample` — or audit
record and directory — that drew the targets. `estimation_frame` shows the units, weights
and outcomes the estimates are made from. The formulas are in `._stratified`, the
intervals in `._intervals`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np

from .._errors import InvalidTypeError, InvalidValueError
from ..audit import AuditRecord
from ..planning import TaskRun
from ..registry import RiskClass, TargetDirectory
from ..results import ItemOutcome, ResultBook, ResultCode
from ..sampling import Sample, design_from_dict
from ._extra import pd
from ._intervals import _level
from ._stratified import ESTIMATE_COLUMNS, estimate_units

__all__ = ["DIRECTORY_DOMAINS", "POOLED", "RESULT_FIELDS", "estimate_rates",
           "estimation_frame"]

#: Domain names read from the target directory (aliases: ``class``, ``county``); a name
#: ``"<field>:<k>"`` takes the first k characters (``"region:4"``: the city, ``"industry:1"``:
#: the GB/T 4754 section).
DIRECTORY_DOMAINS = ("risk_class", "entity_type", "region", "industry", "registering_office",
                     "supervising_office")
_ALIASES = {"class": "risk_class", "county": "region"}
#: The ``task`` value of estimates pooled over the year's tasks (``per="year"``).
POOLED = "all tasks"
_CLASSES = tuple(RiskClass)
Outcome = str | ResultCode | Callable[[ItemOutcome], bool]


def _where(function: str) -> str:
    return f"random_inspection.analysis.{function}"


def _directory_field(name: str) -> tuple[str, int | None] | None:
    """(field, prefix length) of a directory domain name, else None."""
    field, _, digits = name.partition(":")
    field = _ALIASES.get(field, field)
    if field not in DIRECTORY_DOMAINS:
        return None
    if digits and not (digits.isdigit() and int(digits) > 0):
        raise InvalidValueError(_where("estimate_rates"), "by", name,
                                "has a prefix length that is not a positive whole number",
                                "write e.g. 'region:4' for the first four characters")
    return field, int(digits) if digits else None


def _by(by: str | Sequence[str]) -> tuple[str, ...]:
    names = (by,) if isinstance(by, str) else tuple(by)
    if not all(isinstance(n, str) and n for n in names) or len(set(names)) < len(names):
        raise InvalidValueError(_where("estimate_rates"), "by", by,
                                "is not a list of distinct column names",
                                "give e.g. 'risk_class', ['county', 'item'] or () for none")
    return names


class _Columns:
    """Directory columns of chosen rows, each field read once."""

    def __init__(self, directory: TargetDirectory) -> None:
        self.directory = directory
        self.cache: dict[str, Any] = {}

    def values(self, name: str, rows: Any) -> Any:
        field, digits = _directory_field(name) or (name, None)
        if field not in self.cache:
            self.cache[field] = self.directory.column(field)
        values = pd.Series(self.cache[field][rows], dtype="object")
        return values.str[:digits] if digits else values

    def rows_of(self, ids: Any) -> Any:
        """Canonical rows of target ids (searched once each, in sorted order: the search
        runs several times faster on sorted needles)."""
        unique, inverse = np.unique(np.asarray(ids, dtype=str), return_inverse=True)
        return self.directory.positions(unique.tolist())[inverse]


def _frame_mask(sample: Sample | AuditRecord, directory: TargetDirectory) -> Any:
    """Rows (canonical order) of the draw's frame in strata that drew someone."""
    if isinstance(sample, Sample):
        record, eligible = sample.record, sample.inclusion_probabilities > 0
    else:
        record = sample
        eligible, _ = design_from_dict(record.design).eligibility(directory)
    drawn = {s.label for s in record.strata if s.size > 0}
    classes = directory.codes("risk_class")
    mask = eligible & np.isin(classes, [k for k, c in enumerate(_CLASSES) if c.code in drawn])
    counts = np.bincount(classes[mask], minlength=len(_CLASSES))
    for s in record.strata:
        if s.size > 0 and counts[[c.code for c in _CLASSES].index(s.label)] != s.population:
            raise InvalidValueError(_where("estimate_rates"), "directory", repr(directory),
                                    f"gives stratum {s.label} of {record.purpose!r} a "
                                    "population other than the record's "
                                    f"{s.population}", "give the directory the record was "
                                    "drawn from")
    return mask


def _population(draws: Sequence[tuple[str, Sample | AuditRecord, tuple[str, ...]]],
                columns: _Columns, by: Sequence[str], item: str | None,
                design_of: Callable[[str], str]) -> Any:
    """Known domain sizes N_d from the frames of the draws; ``by`` are directory fields and
    ``item``."""
    fields = [n for n in by if n != item]
    directory = columns.directory
    parts = []
    for label, sample, items in draws:
        rows = np.flatnonzero(_frame_mask(sample, directory))
        frame = pd.DataFrame({n: columns.values(n, rows) for n in fields})
        counts = (frame.groupby(fields, observed=True).size().rename("population").reset_index()
                  if fields else pd.DataFrame({"population": [len(rows)]}))
        counts["_design"] = design_of(label)
        if item is not None:
            counts = counts.merge(pd.DataFrame({item: list(items)}), how="cross")
        parts.append(counts)
    keys = ["_design", *by]
    return pd.concat(parts).groupby(keys, observed=True)["population"].sum().reset_index()


def _outcome_function(outcome: Outcome) -> Callable[[ItemOutcome], bool]:
    if callable(outcome):
        return outcome
    if outcome == "problem":
        return lambda o: o.problem
    code = ResultCode.parse(outcome, record=_where("estimate_rates"), field="outcome")
    return lambda o: code in o.codes


#: Columns of the results a `ResultBook`'s unit table can carry (as domains or to show).
RESULT_FIELDS = ("codes", "method", "check_date", "leader", "state")


def _result_value(name: str, result: Any, item: str) -> Any:
    if result is None:
        return None
    if name == "codes":
        found = next((o for o in result.outcomes if o.item == item), None)
        return None if found is None else "+".join(sorted(c.code for c in found.codes))
    if name == "check_date":
        return result.check_date
    if name == "leader":
        return result.leader
    return getattr(result, name).code  # method, state


def _book_units(book: ResultBook, outcome: Outcome, per: str, wanted: Sequence[str] = ()
                ) -> tuple[Any, list[Any]]:
    """Item-level unit table of a year's results: one row per task, target drawn and item
    of the task (NaN outcome where the target has no result yet), with the result columns
    ``wanted`` (of `RESULT_FIELDS`)."""
    of = _outcome_function(outcome)
    results = {(r.target_id, task): r for r in book for task in r.tasks}
    parts: dict[str, list[Any]] = {k: [] for k in ("_design", "_stratum", "_N", "_n", "_unit",
                                                   "item", "_y", *wanted)}
    draws = []
    for run in book.year.runs:
        task = run.task
        draws.append((task.code, run.sample, task.items))
        strata = [s for s in run.sample.record.strata if s.selected]
        ids = [i for s in strata for i in s.selected]
        sizes = [len(s.selected) for s in strata]
        found = [results.get((i, task.code)) for i in ids]
        by_item = [{} if r is None else {o.item: o for o in r.outcomes} for r in found]
        k = len(task.items)
        parts["_design"].append(np.full(len(ids) * k, task.code if per == "task" else POOLED,
                                        dtype=object))
        parts["_stratum"].append(np.tile(np.repeat(
            [f"{task.code}/{s.label}" for s in strata], sizes).astype(object), k))
        parts["_N"].append(np.tile(np.repeat([s.population for s in strata], sizes), k))
        parts["_n"].append(np.tile(np.repeat([s.size for s in strata], sizes), k))
        parts["_unit"].append(np.tile(np.array(ids, dtype=object), k))
        parts["item"].append(np.repeat(np.array(task.items, dtype=object), len(ids)))
        for item in task.items:
            parts["_y"].append(np.array(
                [np.nan if (o := m.get(item)) is None else float(bool(of(o))) for m in by_item],
                dtype=np.float64))
            for name in wanted:
                parts[name].append(np.array([_result_value(name, r, item) for r in found],
                                            dtype=object))
    units = pd.DataFrame({name: np.concatenate(chunks) if chunks else np.array([], dtype=object)
                          for name, chunks in parts.items()})
    if "check_date" in units.columns:
        units["check_date"] = pd.to_datetime(units["check_date"])
    return units, draws


def _sample_units(frame: Any, sample: Sample | AuditRecord, id_column: str, outcome: str
                  ) -> Any:
    """Unit table of one draw and a DataFrame of outcomes by target id."""
    where = _where("estimate_rates")
    if not isinstance(frame, pd.DataFrame):
        raise InvalidTypeError(where, "data", frame, "a ResultBook or a pandas DataFrame",
                               "give the year's ResultBook, or a DataFrame of target ids and "
                               "outcomes with sample=")
    for name, column in (("id_column", id_column), ("outcome", outcome)):
        if not isinstance(column, str) or column not in frame.columns:
            raise InvalidValueError(where, name, column, "is not a column of the DataFrame",
                                    "use one of: " + ", ".join(map(str, frame.columns)))
    record = sample.record if isinstance(sample, Sample) else sample
    sizes = [len(s.selected) for s in record.strata]
    drawn = pd.DataFrame({
        "_design": record.purpose,
        "_stratum": np.repeat([f"{record.purpose}/{s.label}" for s in record.strata], sizes),
        "_N": np.repeat([s.population for s in record.strata], sizes),
        "_n": np.repeat([s.size for s in record.strata], sizes),
        "_unit": np.array(record.selected_ids, dtype=object)})
    given = frame.rename(columns={outcome: "_y"})
    given["_unit"] = np.asarray(given[id_column], dtype=str).astype(object)
    known = pd.Index(drawn["_unit"]).get_indexer(given["_unit"]) >= 0
    stray = sorted(set(given.loc[~known, "_unit"]))
    if stray:
        raise InvalidValueError(where, id_column, stray[:5] + (["…"] if len(stray) > 5 else []),
                                f"names {len(stray)} target(s) the draw {record.purpose!r} "
                                "did not select", "give results of the targets it drew only")
    return drawn.merge(given.drop(columns=[id_column]) if id_column != "_unit" else given,
                       on="_unit", how="left")


def _binary(units: Any, outcome: object) -> Any:
    if pd.api.types.is_bool_dtype(units["_y"]) or pd.api.types.is_float_dtype(units["_y"]):
        y = units["_y"].astype("float64")  # NaN stays NaN (a missing result)
    else:
            y = pd.to_numeric(units["_y"].astype("object").where(units["_y"].notna()),
                          errors="coerce")
    bad = units["_y"].notna() & ~y.isin([0.0, 1.0])
    if bad.any():
        raise InvalidValueError(_where("estimate_rates"), "outcome", outcome,
                                "has values other than 0/1 or True/False, e.g. "
                                f"{units.loc[bad, '_y'].iloc[0]!r}",
                                "give a yes/no column (a rate needs one), NaN where unknown")
    units["_y"] = y.astype("float64")
    return units


def _add_directory(units: Any, columns: _Columns, names: Sequence[str]) -> Any:
    wanted = [n for n in names if n not in units.columns and _directory_field(n) is not None]
    if wanted:
        rows = columns.rows_of(units["_unit"])
        for name in wanted:
            units[name] = columns.values(name, rows).to_numpy()
    return units


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
    units, _ = _book_units(book, outcome, per, RESULT_FIELDS)
    units = _binary(units, outcome)
    units = _add_directory(units, _Columns(book.year.runs[0].sample.directory),
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
        units, draws = _book_units(data, outcome, per,
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
        units = _sample_units(data, sample, id_column, outcome)
        record = sample.record if isinstance(sample, Sample) else sample
        draws = [(record.purpose, sample, ())]
        item = None
    units = _binary(units, outcome)
    given = set(units.columns)  # a column of the results wins over a directory field
    columns = _Columns(frame_directory)
    units = _add_directory(units, columns, names)
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
    known = all(n == item or (n not in given and _directory_field(n) is not None)
                for n in names)
    population = _population(draws, columns, names, item,
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
