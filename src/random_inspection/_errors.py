"""The exception hierarchy: one root, each class also deriving from the builtin it resembles."""

from __future__ import annotations

import errno
from collections.abc import Sequence

__all__ = [
    "DuplicateIdError",
    "FileFormatError",
    "InvalidTypeError",
    "InvalidValueError",
    "OutputExistsError",
    "RandomInspectionError",
    "StoreError",
    "UnknownIdError",
    "require_types",
]


class RandomInspectionError(Exception):
    """Root of every error this library raises on purpose."""


class InvalidValueError(RandomInspectionError, ValueError):
    """A field of a record or an argument has a value the library cannot accept.

    Attributes:
        record: Which record or argument holds the value, e.g. ``Target(id='9114…')``.
        field: The field or argument name.
        value: The offending value as given.
        fix: What to do instead.
    """

    def __init__(self, record: str, field: str, value: object, problem: str, fix: str) -> None:
        self.record = record
        self.field = field
        self.value = value
        self.problem = problem
        self.fix = fix
        super().__init__(f"{record}: field {field!r} = {value!r}: {problem}. Fix: {fix}")


def _shown(value: object, limit: int = 120) -> str:
    """``repr(value)``, shortened in the middle beyond ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 20] + " … " + text[-17:]


class InvalidTypeError(RandomInspectionError, TypeError):
    """An argument has a type the library cannot use: a dict where a record belongs, one
    string where a list of ids belongs (its characters would be taken as ids), ….

    Attributes:
        where: The function or method, e.g. ``TargetDirectory.from_records``.
        argument: The argument name.
        value: The offending value as given (the element at fault, for a collection).
        expected: What the argument takes, e.g. ``"Target records"``.
        fix: What to do instead.
    """

    def __init__(self, where: str, argument: str, value: object, expected: str,
                 fix: str) -> None:
        self.where = where
        self.argument = argument
        self.value = value
        self.expected = expected
        self.fix = fix
        super().__init__(f"{where}: argument {argument!r} = {_shown(value)} "
                         f"({type(value).__name__}): expected {expected}. Fix: {fix}")


class DuplicateIdError(RandomInspectionError, ValueError):
    """A register was given the same id more than once.

    Attributes:
        register: The register's name.
        ids: Every duplicated id, sorted.
    """

    def __init__(self, register: str, ids: Sequence[str]) -> None:
        self.register = register
        self.ids = tuple(sorted(ids))
        shown = ", ".join(self.ids[:50]) + (" …" if len(self.ids) > 50 else "")
        super().__init__(
            f"{register}: {len(self.ids)} id(s) occur more than once: {shown}. "
            "Fix: keep one row per id (merge or remove the duplicates)."
        )


class UnknownIdError(RandomInspectionError, KeyError):
    """An id was looked up or referenced but is not in the register.

    Attributes:
        register: The register's name.
        ids: Every unknown id, sorted.
    """

    def __init__(self, register: str, ids: Sequence[str], fix: str = "") -> None:
        self.register = register
        self.ids = tuple(sorted(ids))
        shown = ", ".join(self.ids[:50]) + (" …" if len(self.ids) > 50 else "")
        self.message = (
            f"{register}: {len(self.ids)} id(s) not in the register: {shown}. "
            + (fix or "Fix: check the id, or add the record to the register first.")
        )
        super().__init__(self.message)

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.message


class FileFormatError(RandomInspectionError, ValueError):
    """A file could not be loaded; nothing from it was kept.

    Attributes:
        path: The file.
        problems: ``(line, field, message)`` triples, at most ``limit`` of them; ``line`` is
            1-based and counts the header line (0 when not line-based, e.g. JSON);
            ``field`` is ``""`` when the whole line or file is at fault.
        total: How many problems were found in all.
        sheet: For a workbook, the sheet read (``""`` otherwise); ``line`` is then the row
            number as the spreadsheet program shows it, and ``field`` the column's header.
        unit: What ``line`` counts: ``"line"`` (text files), ``"row"`` (a workbook's rows,
            or a Parquet file's data rows, 1-based).
    """

    limit = 20

    def __init__(self, path: str, problems: Sequence[tuple[int, str, str]], total: int,
                 *, sheet: str = "", unit: str = "") -> None:
        self.path = path
        self.problems = tuple(problems[: self.limit])
        self.total = total
        self.sheet = sheet
        self.unit = unit or ("row" if sheet else "line")
        where = f"{path}, sheet {sheet!r}" if sheet else path
        lines = [
            f"  {where}"
            + (f", {self.unit} {line}" if line else "")
            + (f", field {field!r}" if field else "")
            + f": {message}"
            for line, field, message in self.problems
        ]
        more = f"\n  … and {total - len(self.problems)} more" if total > len(self.problems) else ""
        super().__init__(
            f"{path}: {total} problem(s); nothing was loaded:\n" + "\n".join(lines) + more
        )


class OutputExistsError(RandomInspectionError, FileExistsError):
    """An output file or folder exists and replacing it was not asked for; nothing was
    written.

    Attributes:
        path: The existing file or folder.
        errno: ``errno.EEXIST``.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"{path} already exists; nothing was written. Fix: pass --force to "
                         "replace it (library: overwrite=True)")
        self.errno = errno.EEXIST  # as the builtin would have it (the message stays ours)


class StoreError(RandomInspectionError):
    """The workspace store failed (a full disk, a read-only workspace, a lost connection, a
    schema this library does not know, no workspace where one was expected). The operation
    that raised it changed nothing, unless the message says its outcome is unknown.

    Attributes:
        location: The workspace (a folder, or a PostgreSQL URL without its password).
        problem: What went wrong.
        fix: What to do about it.
    """

    def __init__(self, location: str, problem: str, fix: str) -> None:
        self.location = location
        self.problem = problem
        self.fix = fix
        super().__init__(f"workspace {location}: {problem}. Fix: {fix}")


def require_types(where: str, arguments: dict[str, tuple[object, type, str]]) -> None:
    """Raise `InvalidTypeError` for the first argument that is not of its type.

    ``arguments``: name → (value, expected type, how to make one).
    """
    for name, (value, kind, fix) in arguments.items():
        if not isinstance(value, kind):
            raise InvalidTypeError(where, name, value, f"{_article(kind.__name__)}", fix)


def _article(name: str) -> str:
    return ("an " if name[0] in "AEIOU" else "a ") + name
