"""Run folders: a command's outputs, appearing together or not at all, with a manifest.

Every command that writes (``draw``, ``assign``, ``plan --out``, ``demo``) writes one folder:
its files are written into a hidden temporary folder beside it, a ``manifest.json`` listing
every file with its SHA-256 digest is added, and the folder is renamed into place (spec §15).
An interrupted run leaves the previous state or the whole new folder, never a fragment under
the final name. An existing folder is replaced only when asked (``overwrite``, the command
line's ``--force``), and only if it is a run folder (it has a manifest): a folder of other
files is never deleted.

`check_run_folder` reads a manifest back: the listed files must be present with their
digests, and no other file may be there; `verify` of a folder does this first.

Example:
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "run"
    >>> with run_folder(out, command="example") as run:
    ...     _ = (run.path / "note.txt").write_text("hello", encoding="utf-8")
    >>> check_run_folder(out).problems
    ()
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs

from ._atomic import staged_folder
from ._canonical import canonical_json
from ._errors import FileFormatError, InvalidValueError, OutputExistsError
from ._version import __version__

__all__ = ["MANIFEST", "RunFolder", "Staging", "check_run_folder", "find_run_folder",
           "run_folder"]

MANIFEST = "manifest.json"
FORMAT = "random-inspection/run-manifest"


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return "sha256:" + h.hexdigest()


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and p.name != MANIFEST)


@attrs.define
class Staging:
    """An open run folder: write files under ``path``; name the audit records in
    ``records`` (paths relative to ``path``)."""

    path: Path
    records: list[str] = attrs.field(factory=list)


def _command_of(manifest: Path) -> str:
    """The command a manifest names (``?`` when it cannot be read)."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "?"
    command = data.get("command") if isinstance(data, dict) else None
    return command if isinstance(command, str) else "?"


@contextmanager
def run_folder(path: str | os.PathLike[str], *, command: str, overwrite: bool = False,
               **facts: Any) -> Iterator[Staging]:
    """A temporary folder for a run's outputs, renamed to ``path`` with its manifest when the
    block ends cleanly (see the module docstring). ``facts`` (seed, purpose, plan digest…)
    are stored in the manifest."""
    target = Path(path)
    if os.path.lexists(target):
        if not overwrite:
            raise OutputExistsError(str(target))
        if not target.is_dir() or not (target / MANIFEST).is_file():
            raise InvalidValueError(
                "output", "folder", str(target), "exists and is not a folder a command of this "
                "library wrote (it has no manifest.json), so it is not replaced",
                "choose a new folder (--out), or move that one away")
        earlier = _command_of(target / MANIFEST)
        if earlier != command:
            raise InvalidValueError(
                "output", "folder", str(target), f"holds the output of `{earlier}`, not of "
                f"`{command}`: overwriting replaces only an earlier output of the same "
                "command", "choose a new folder (--out), or move that one away")
    with staged_folder(target, overwrite=overwrite) as stage:
        staging = Staging(stage)
        yield staging
        files = _files(stage)
        missing = [name for name in staging.records if name not in files]
        if missing:
            raise InvalidValueError("output", "records", missing, "were not written",
                                    "write every record before the run folder closes")
        manifest = {
            "format": FORMAT, "version": 1, "run_id": uuid.uuid4().hex, "command": command,
            "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            "library_version": __version__, **facts,
            "files": {name: _digest(stage / name) for name in files},
            "records": sorted(staging.records),
        }
        (stage / MANIFEST).write_text(canonical_json(manifest), encoding="utf-8")


@attrs.frozen
class RunFolder:
    """What a run folder's manifest says, and what is wrong with the folder.

    Attributes:
        folder: The run folder (where ``manifest.json`` is).
        manifest: The manifest's content.
        records: The audit record files it lists, as paths.
        problems: Files missing, changed or not listed; empty when the folder is as written.
    """

    folder: Path
    manifest: Mapping[str, Any]
    records: tuple[Path, ...]
    problems: tuple[str, ...]


def find_run_folder(path: str | os.PathLike[str]) -> Path | None:
    """The run folder ``path`` is, or is inside (its parent), or ``None``."""
    given = Path(path)
    for folder in (given, given.parent) if given.is_dir() else (given.parent,):
        if (folder / MANIFEST).is_file():
            return folder
    return None


def check_run_folder(folder: str | os.PathLike[str]) -> RunFolder:
    """Read ``folder``'s manifest and compare every file with it (spec §15)."""
    root = Path(folder)
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8-sig"))
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ValueError(f"not a run manifest (no \"format\": \"{FORMAT}\")")
        listed = manifest["files"]
        records = manifest["records"]
        if not isinstance(listed, dict) or not isinstance(records, list):
            raise ValueError("'files' must be an object and 'records' a list")
    except (OSError, ValueError, KeyError) as error:
        raise FileFormatError(str(root / MANIFEST), [(0, "", f"cannot be read: {error}")],
                              1) from None
    problems = []
    present = set(_files(root))
    for name, digest in sorted(listed.items()):
        if name not in present:
            problems.append(f"{name}: listed in the manifest but missing")
        elif _digest(root / name) != digest:
            problems.append(f"{name}: changed since the run (its digest differs from the "
                            "manifest's)")
    problems += [f"{name}: not in the manifest (not written by this run)"
                 for name in sorted(present - set(listed))]
    problems += [f"{name}: listed as a record but not as a file" for name in records
                 if name not in listed]
    return RunFolder(root, manifest, tuple(root / r for r in records if r in listed),
                     tuple(problems))
