"""`draw_targets`: the verifiable target draw, and its result `Sample`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from .._errors import InvalidTypeError, InvalidValueError, UnknownIdError
from .._progress import Progress, Reporter
from .._version import __version__
from ..registry import RiskClass, TargetDirectory
from ._allocation import Allocation
from ._designs import ClassWeighted, Design, StratifiedByRisk
from ._record import SPEC_VERSION, AuditRecord, StratumDraw
from ._rivest import hash_function, rivest_integer, rivest_positions
from ._seed import Seed, check_purpose, stratum_seed_string

__all__ = ["Sample", "draw_targets"]

CLASSES = tuple(RiskClass)
ROUNDING_LABEL = "rounding"


@attrs.frozen(eq=False)
class Sample:
    """The result of `draw_targets`: selection, exact inclusion probabilities, audit record.

    Attributes:
        record: The audit record (publish it with the directory).
        allocation: Stratum sizes and every adjustment.
        directory: The directory drawn from.
    """

    record: AuditRecord
    allocation: Allocation
    directory: TargetDirectory
    _stratum: npt.NDArray[np.int8]  # per canonical row: class index, or -1 if not eligible

    @property
    def selected_ids(self) -> tuple[str, ...]:
        """Selected ids: strata in class order, each in draw order."""
        return self.record.selected_ids

    @property
    def inclusion_probabilities(self) -> npt.NDArray[np.float64]:
        """Every target's inclusion probability, aligned with ``directory.ids`` (floats for
        analysis; `inclusion_probability` gives the exact value)."""
        table = np.array([float(s.inclusion_probability) for s in self.allocation.strata] + [0.0])
        result: npt.NDArray[np.float64] = table[self._stratum]
        return result

    def inclusion_probability(self, target_id: str) -> Fraction:
        """The exact inclusion probability of one target (0 if out of scope or excluded)."""
        row = self.directory._row_of(target_id)
        if row < 0:
            raise UnknownIdError("Sample", [target_id])
        stratum = int(self._stratum[row])
        return Fraction(0) if stratum < 0 else self.allocation.strata[stratum].inclusion_probability

    def selected(self) -> TargetDirectory:
        """The selected targets as a directory."""
        return self.directory.take(self.directory.positions(self.selected_ids))


def _seed(value: object) -> Seed:
    if isinstance(value, Seed):
        return value
    return Seed(value)  # the converter refuses ints, floats and short text


def no_eligible_target(size: int, design: Design, counts: Mapping[str, Any], *,
                       where: str = "draw_targets", source: str = "directory"
                       ) -> InvalidValueError:
    """Why nothing can be drawn from ``size`` targets, in words (spec §6.4: an empty frame
    has no draw); ``counts`` is the record's eligibility section. Shared by every way of
    drawing (``where`` names the function, ``source`` what it drew from)."""
    if not size:
        return InvalidValueError(where, source, "0 targets",
                                 "is empty (only a header line?): there is nothing to draw",
                                 f"load the {source} that lists the targets")
    parts = [f"{counts['out_of_scope']:,} out of scope"]
    if counts["checked_since"] is not None:
        parts.append(f"{counts['checked_since']:,} checked since "
                     f"{design.exclude_checked_since}")
    parts += [f"{n:,} listed as {reason!r}" for reason, n in counts["excluded_ids"].items()]
    scope = {k: v for k, v in design.scope.to_dict().items() if v}
    return InvalidValueError(where, "design", f"scope {scope}",
                             f"leaves none of the {size:,} targets eligible ("
                             + ", ".join(parts) + ")",
                             "widen the scope (e.g. other entity types or regions) or relax "
                             "the exclusions")


def _check_arguments(directory: object, design: object) -> None:
    if not isinstance(directory, TargetDirectory):
        fix = ("load the file with TargetDirectory.from_csv(path)"
               if isinstance(directory, str | os.PathLike) else
               "build it with TargetDirectory.from_pandas(frame)"
               if type(directory).__name__ == "DataFrame" else
               "build it with TargetDirectory.from_records(targets) or from_columns(...)")
        raise InvalidTypeError("draw_targets", "directory", directory, "a TargetDirectory", fix)
    if not isinstance(design, StratifiedByRisk | ClassWeighted):
        raise InvalidTypeError("draw_targets", "design", design,
                               "a StratifiedByRisk or ClassWeighted design",
                               "e.g. StratifiedByRisk.from_preset('henan-2021'), or "
                               "design_from_dict(record.design)")


def _id_texts(ids: npt.NDArray[np.bytes_]) -> tuple[str, ...]:
    """Ids as text: one line each (ids are ASCII without NUL or line breaks, NUL-padded to
    the array's width), decoded and split in one pass each."""
    if not len(ids):
        return ()
    width = ids.dtype.itemsize
    lines = np.empty((len(ids), width + 1), dtype=np.uint8)
    lines[:, :width] = ids.view(np.uint8).reshape(len(ids), width)
    lines[:, width] = ord("\n")
    text = lines.tobytes().replace(b"\0", b"").decode("ascii")
    return tuple(text.split("\n")[:-1])


def replay(directory: TargetDirectory, design: Design, seed: Seed, purpose: str,
           hash_name: str = "sha256", *, progress: Progress | None = None
           ) -> tuple[Allocation, dict[str, Any], tuple[StratumDraw, ...], npt.NDArray[np.int8]]:
    """Run the draw spec: eligibility, allocation, and each stratum's Rivest sample."""
    eligible, counts = design.eligibility(directory)
    classes = directory.codes("risk_class")
    stratum = classes.astype(np.int8)  # a copy: class index, or -1 where not eligible
    np.putmask(stratum, ~eligible, -1)
    mask = np.empty(len(stratum), dtype=bool)  # one buffer for every class's mask

    def members(k: int) -> npt.NDArray[np.intp]:
        return np.flatnonzero(np.equal(stratum, k, out=mask))

    populations = {c.code: int(np.count_nonzero(np.equal(stratum, k, out=mask)))
                   for k, c in enumerate(CLASSES)}
    if not any(populations.values()):
        raise no_eligible_target(len(directory), design, counts)
    rounding = stratum_seed_string(seed, purpose, ROUNDING_LABEL)
    allocation = design.allocate(
        populations, lambda: Fraction(rivest_integer(rounding, 1, hash_name), 2**256))
    strata = []
    report = Reporter(progress)
    report.start("drawing targets", allocation.total)
    for k, (c, share) in enumerate(zip(CLASSES, allocation.strata, strict=True)):
        seed_string = stratum_seed_string(seed, purpose, c.code)
        population = populations[c.code]
        if not share.size:
            picked = np.zeros(0, dtype=np.intp)
        elif share.size == population:  # certainty stratum: whole, canonical order, no hashing
            picked = members(k)
        else:
            positions = rivest_positions(seed_string, population, share.size, hash_name)
            picked = members(k)[positions]
        strata.append(StratumDraw(c.code, population, share.size, seed_string,
                                  _id_texts(directory.ids_at(picked))))
        report.advance(sum(s.size for s in strata))
    report.finish()
    return allocation, counts, tuple(strata), stratum


def draw_targets(directory: TargetDirectory, design: Design, *, seed: Seed | str,
                 purpose: str, hash: str = "sha256", progress: Progress | None = None
                 ) -> Sample:
    """Draw the targets of one task, reproducibly and verifiably.

    Parameters
    ----------
    directory
        The whole published target directory; the design's scope selects within it.
    design
        `StratifiedByRisk` or `ClassWeighted`, with scope, exclusions and floor.
    seed
        The public seed (a `Seed`, or its string); numbers are refused.
    purpose
        The task's label, e.g. ``"2024/忻州市/task-03"``; one seed can serve many tasks.
    hash
        ``"sha256"`` (default, Rivest's sampler) or ``"sm3"`` (GB/T 32905, same construction).
    progress
        Optional callback ``progress(stage, done, total)`` (see `random_inspection._progress`).

    Returns
    -------
    Sample
        Selected ids in draw order, exact inclusion probabilities, and the `AuditRecord`.

    Example
    -------
    >>> from random_inspection import StratifiedByRisk, verify
    >>> from random_inspection.demo import demo_city
    >>> city = demo_city(n_targets=2_000)
    >>> design = StratifiedByRisk.from_preset("henan-2021")
    >>> sample = draw_targets(city.targets, design, seed="31415926535897932384",
    ...                       purpose="2024/demo/1")
    >>> verify(sample.record, city.targets).ok
    True
    """
    _check_arguments(directory, design)
    seed_value = _seed(seed)
    label = check_purpose(purpose)
    hash_function(hash)  # refuse an unknown or unavailable hash before any work
    allocation, counts, strata, stratum = replay(directory, design, seed_value, label, hash,
                                                 progress=progress)
    record = AuditRecord(
        spec_version=SPEC_VERSION, library_version=__version__, hash=hash, seed=seed_value,
        purpose=label,
        directory_digest=directory.digest, directory_size=len(directory),
        design=design.to_dict(), eligibility=counts, allocation=allocation.to_dict(),
        strata=strata)
    return Sample(record, allocation, directory, stratum)

