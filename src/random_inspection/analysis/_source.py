"""What an analysis starts from: a `Sample`, an `AuditRecord` with its directory, or a design
with a directory — resolved once to the directory, the design, the purpose and the hash."""

from __future__ import annotations

import attrs

from .._errors import InvalidTypeError, InvalidValueError
from ..registry import TargetDirectory
from ..sampling import AuditRecord, ClassWeighted, Design, Sample, StratifiedByRisk
from ..sampling import design_from_dict as _design_from_dict
from ..sampling._rivest import hash_function
from ..sampling._seed import check_purpose

__all__ = ["DrawSource", "Source", "resolve"]

#: Anything an analysis function accepts as the draw it looks at.
Source = Sample | AuditRecord | StratifiedByRisk | ClassWeighted

#: The purpose used for replays of a bare design (no record, so no purpose of its own).
DEFAULT_PURPOSE = "analysis/replay"


@attrs.frozen
class DrawSource:
    """A draw's inputs, resolved: the directory drawn from, the design, the stream purpose
    and the hash; ``record`` is the published record when there is one."""

    directory: TargetDirectory
    design: Design
    purpose: str
    hash_name: str
    record: AuditRecord | None


def resolve(source: object, directory: TargetDirectory | None, where: str, *,
            purpose: str | None = None, hash_name: str | None = None) -> DrawSource:
    """The `DrawSource` of ``source`` (see `Source`), checking the directory against the
    record's digest; ``purpose`` and ``hash_name`` override the record's."""
    record: AuditRecord | None = None
    if isinstance(source, Sample):
        record, directory = source.record, source.directory
        design = _design_from_dict(record.design)
    elif isinstance(source, AuditRecord):
        if not isinstance(directory, TargetDirectory):
            raise InvalidTypeError(where, "directory", directory, "the TargetDirectory the "
                                   "record was drawn from",
                                   "load the published directory file with "
                                   "TargetDirectory.from_csv(path) and pass it")
        if directory.digest != source.directory_digest:
            raise InvalidValueError(where, "directory", directory.digest,
                                    f"is not the directory the record was drawn from "
                                    f"({source.directory_digest})",
                                    "pass the directory file whose digest the record names")
        record = source
        design = _design_from_dict(source.design)
    elif isinstance(source, StratifiedByRisk | ClassWeighted):
        if not isinstance(directory, TargetDirectory):
            raise InvalidTypeError(where, "directory", directory, "a TargetDirectory",
                                   "pass the directory the design draws from")
        design = source
    else:
        raise InvalidTypeError(where, "source", source,
                               "a Sample, an AuditRecord (with its directory) or a design "
                               "(with a directory)",
                               "e.g. draw_targets(...) gives a Sample; AuditRecord.read(path) "
                               "reads a published record")
    label = purpose if purpose is not None else (
        record.purpose if record is not None else DEFAULT_PURPOSE)
    name = hash_name if hash_name is not None else (
        record.hash if record is not None else "sha256")
    hash_function(name)  # refuse an unknown or unavailable hash before any work
    return DrawSource(directory, design, check_purpose(label), name, record)
