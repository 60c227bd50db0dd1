"""Files and folders that appear whole or not at all.

Every output is first written under a temporary name in the same folder, flushed and
``fsync``-ed, then renamed into place with `os.replace` (atomic on POSIX and Windows within a
file system), and the folder is ``fsync``-ed on POSIX so the rename itself survives a power
cut. On any exception, ``KeyboardInterrupt`` included, the temporary file or folder is
removed and the exception re-raised: a reader sees the old file, the new file, or nothing.

Without ``overwrite``, an existing output is never replaced: `OutputExistsError` is raised
before anything is written (and again at the rename, if the output appeared meanwhile).

Temporary names start with ``.`` and end with ``.partial`` (``.targets.csv.k3j9x.partial``),
so they are hidden in listings and easy to recognise after a crash.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import shutil
import stat
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, Any, Literal, overload

from ._errors import InvalidValueError, OutputExistsError

__all__ = ["open_atomic", "staged_folder", "write_atomic"]

PathLike = str | os.PathLike[str]


def _read_umask() -> int:
    mask = os.umask(0o022)  # the only portable way to read it is to set it
    os.umask(mask)
    return mask


#: Read once, at import, so no later call changes the process umask even for an instant.
_UMASK = _read_umask()


def _temporary_name(target: Path) -> dict[str, Any]:
    return {"dir": target.parent, "prefix": f".{target.name}.", "suffix": ".partial"}


def _refuse_existing(target: Path, overwrite: bool) -> None:
    if not overwrite and os.path.lexists(target):
        raise OutputExistsError(str(target))


def _fsync_folder(folder: Path) -> None:
    """Make the renames in ``folder`` durable (POSIX; Windows cannot open a folder)."""
    if os.name != "posix":
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):  # some file systems cannot sync a folder
            os.fsync(handle)
    finally:
        os.close(handle)


def _new_file_mode(target: Path) -> int:
    """The replaced file's permissions, else those a plain ``open`` would give."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return 0o666 & ~_UMASK


def _place(temporary: str, target: Path, overwrite: bool) -> None:
    """Rename the finished temporary file to ``target``."""
    if overwrite:
        os.replace(temporary, target)
        return
    try:
        os.link(temporary, target)  # refuses an existing target: no window between check and act
    except FileExistsError:
        raise OutputExistsError(str(target)) from None
    except OSError:  # no hard links on this file system: check, then rename
        _refuse_existing(target, overwrite=False)
        os.replace(temporary, target)
        return
    os.unlink(temporary)


def _check_mode(mode: str, encoding: str | None, newline: str | None) -> None:
    """Refuse bad arguments before a temporary file exists (so no descriptor can leak)."""
    if mode not in ("w", "wb"):
        raise InvalidValueError("open_atomic", "mode", mode, "is not a write mode",
                                "use 'w' (text) or 'wb' (bytes)")
    if mode == "wb" and (encoding is not None or newline is not None):
        raise InvalidValueError("open_atomic", "encoding", encoding,
                                "binary mode takes no encoding or newline", "leave them out")
    if encoding is not None:
        codecs.lookup(encoding)  # LookupError for an unknown encoding


@overload
def open_atomic(path: PathLike, mode: Literal["w"] = "w", *, encoding: str | None = None,
                newline: str | None = None, overwrite: bool = True
                ) -> AbstractContextManager[IO[str]]: ...


@overload
def open_atomic(path: PathLike, mode: Literal["wb"], *, encoding: None = None,
                newline: None = None, overwrite: bool = True
                ) -> AbstractContextManager[IO[bytes]]: ...


@contextlib.contextmanager
def open_atomic(path: PathLike, mode: str = "w", *, encoding: str | None = None,
                newline: str | None = None, overwrite: bool = True) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on a clean exit it replaces ``path``.

    Parameters
    ----------
    path
        The file to write.
    mode
        ``"w"`` (text, with ``encoding`` and ``newline`` as for `open`) or ``"wb"``.
    overwrite
        Replace an existing file (its permissions are kept). ``False`` raises
        `OutputExistsError` if ``path`` exists, before anything is written.

    The temporary file is flushed, ``fsync``-ed and renamed into place; on any exception in
    the block, ``KeyboardInterrupt`` included, it is removed and ``path`` is untouched.

    Example:
        >>> import pathlib, tempfile
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> with open_atomic(folder / "out.csv", encoding="utf-8", newline="") as handle:
        ...     _ = handle.write("id,name\\n")
        >>> sorted(p.name for p in folder.iterdir())
        ['out.csv']
    """
    _check_mode(mode, encoding, newline)
    target = Path(path)
    _refuse_existing(target, overwrite)
    descriptor, temporary = tempfile.mkstemp(**_temporary_name(target))
    try:
        with os.fdopen(descriptor, mode, encoding=encoding, newline=newline) as handle:
            os.chmod(temporary, _new_file_mode(target))  # mkstemp made it private (0o600)
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        _place(temporary, target, overwrite)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_folder(target.parent)


def write_atomic(path: PathLike, data: bytes, *, overwrite: bool = True) -> None:
    """Write ``data`` to ``path`` whole or not at all (see `open_atomic`)."""
    with open_atomic(path, "wb", overwrite=overwrite) as handle:
        handle.write(data)


def _fsync_tree(folder: Path) -> None:
    """``fsync`` every file and folder under ``folder``, so the rename publishes data."""
    for root, _, files in os.walk(folder):
        for name in files:
            handle = os.open(Path(root) / name, os.O_RDONLY)
            try:
                os.fsync(handle)
            finally:
                os.close(handle)
        _fsync_folder(Path(root))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def _swap_in(stage: Path, target: Path, overwrite: bool) -> None:
    """Rename ``stage`` to ``target``, replacing an existing ``target`` if ``overwrite``."""
    if not os.path.lexists(target):
        os.rename(stage, target)
        return
    if not overwrite:
        raise OutputExistsError(str(target))
    aside = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.old")
    os.rename(target, aside)
    try:
        os.rename(stage, target)
    except BaseException:
        os.rename(aside, target)  # put the previous folder back
        raise
    _remove(aside)


@contextlib.contextmanager
def staged_folder(path: PathLike, *, overwrite: bool = False) -> Iterator[Path]:
    """A temporary folder beside ``path``, renamed to ``path`` when the block ends cleanly.

    Write every output file of a run into the yielded folder: ``path`` then appears with
    all of them or not at all. On any exception, ``KeyboardInterrupt`` included, the
    temporary folder (same parent, named ``.<name>.<random>.partial``) is deleted.

    With ``overwrite=False`` (the default) an existing ``path`` raises `OutputExistsError`
    before anything is created. With ``overwrite=True`` an existing ``path`` is replaced in
    three steps: it is renamed aside to ``.<name>.<random>.old``, the new folder is renamed
    to ``path``, and the old one is deleted. This is **not a single atomic step**: between
    the two renames ``path`` does not exist. If the second rename fails or is interrupted by
    an exception, the old folder is renamed back. If the process dies between the renames
    (power cut, ``kill -9``), the previous folder survives as ``.<name>.<random>.old`` and
    the new one as ``.<name>.<random>.partial``, both beside ``path``: rename either to
    ``path`` by hand. A failure while deleting the old folder leaves it as ``.….old``; the
    new folder is already in place.

    Example:
        >>> import pathlib, tempfile
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "run"
        >>> with staged_folder(out) as folder:
        ...     _ = (folder / "record.json").write_text("{}", encoding="utf-8")
        >>> sorted(p.name for p in out.iterdir())
        ['record.json']
    """
    target = Path(path)
    _refuse_existing(target, overwrite)
    stage = Path(tempfile.mkdtemp(**_temporary_name(target)))
    try:
        os.chmod(stage, 0o777 & ~_UMASK)  # mkdtemp made it private (0o700)
        yield stage
        _fsync_tree(stage)
        _swap_in(stage, target, overwrite)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    _fsync_folder(target.parent)
