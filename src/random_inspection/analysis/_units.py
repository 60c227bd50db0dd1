"""The unit tables the estimates are made from: one row per sampled unit (and domain, and
item where the item is a domain), with its design — design label, stratum, N_h, n_h — its
0/1 outcome and its domain columns (`._stratified` documents the columns), built from a
`ResultBook` or from a DataFrame and the draw; and the known domain sizes N_d of the frames.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._errors import InvalidTypeError, InvalidValueError
from ..audit import AuditRecord
from ..registry import RiskClass, TargetDirectory
from ..results import ItemOutcome, ResultBook, ResultCode
from ..sampling import Sample, design_from_dict
from ._extra import pd

__all__ = ["DIRECTORY_DOMAINS", "POOLED", "RESULT_FIELDS", "Columns", "Outcome",
           "add_directory", "binary", "book_units", "directory_field", "domain_sizes",
           "sample_units"]

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


def directory_field(name: str) -> tuple[str, int | None] | None:
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


class Columns:
    """Directory columns of chosen rows, each field read once."""

    def __init__(self, directory: TargetDirectory) -> None:
        self.directory = directory
        self.cache: dict[str, Any] = {}

    def values(self, name: str, rows: Any) -> Any:
        field, digits = directory_field(name) or (name, None)
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


def domain_sizes(draws: Sequence[tuple[str, Sample | AuditRecord, tuple[str, ...]]],
                columns: Columns, by: Sequence[str], item: str | None,
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


def book_units(book: ResultBook, outcome: Outcome, per: str, wanted: Sequence[str] = ()
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


def sample_units(frame: Any, sample: Sample | AuditRecord, id_column: str, outcome: str
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


def binary(units: Any, outcome: object) -> Any:
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


def add_directory(units: Any, columns: Columns, names: Sequence[str]) -> Any:
    wanted = [n for n in names if n not in units.columns and directory_field(n) is not None]
    if wanted:
        rows = columns.rows_of(units["_unit"])
        for name in wanted:
            units[name] = columns.values(name, rows).to_numpy()
    return units
