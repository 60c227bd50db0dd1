"""`AuditRecord`: everything needed to replay and check one draw, as canonical JSON."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Self

import attrs

from .._canonical import canonical_digest, canonical_json
from .._errors import FileFormatError, InvalidValueError
from .._schema import SchemaChecker
from .._strict_json import (
    JSONReadError,
    canonical_difference,
    decode_text,
    parse_document,
    values_of,
)
from ._seed import Seed

__all__ = ["FORMAT", "SPEC_VERSION", "SPEC_VERSIONS", "AuditRecord", "RecordFormatError",
           "StratumDraw", "record_schema"]

#: Version of the draw spec (docs/spec/draw-spec.md) this library draws with.
SPEC_VERSION = "1.1"
#: Versions of the draw spec whose records this library reads and verifies.
SPEC_VERSIONS = ("1", "1.1")
FORMAT = "random-inspection/audit-record"


def record_schema() -> dict[str, Any]:
    """The published JSON Schema of audit records (``docs/spec/record.schema.json``)."""
    text = resources.files("random_inspection").joinpath("record.schema.json").read_text(
        encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


_CHECKER: SchemaChecker | None = None


def _checker() -> SchemaChecker:
    global _CHECKER  # noqa: PLW0603  (loaded once, on first use)
    if _CHECKER is None:
        _CHECKER = SchemaChecker(record_schema())
    return _CHECKER


class RecordFormatError(FileFormatError):
    """A file that is an audit record but not a valid canonical one (spec §9): a key, type or
    value the format does not allow, or bytes that are not the canonical text. Such a record
    was altered after it was made (or made by a faulty tool): it does not verify.

    Attributes:
        json_path: Where the first problem is, e.g. ``$.strata[2].size``.
    """

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.json_path = problems[0][0]
        super().__init__(source, [(0, where, message) for where, message in problems],
                         len(problems))


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key in sorted(value):
            yield f"{path} (key {key!r})", key
            yield from _strings(value[key], f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _rule_problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Spec §9.2: the rules of a record that its schema cannot state."""
    problems = []
    for where, text in _strings(data, "$"):
        if not text.isascii() and not _encodable(text):
            problems.append((where, "holds an unpaired surrogate (not Unicode text)"))
        elif not text.isascii() and not unicodedata.is_normalized("NFC", text):
            problems.append((where, f"{text!r} is not in Unicode normal form NFC"))
    dates = [("$.design.exclude_checked_since", data["design"].get("exclude_checked_since"))]
    if "teams" in data:
        dates.append(("$.teams.policy.check_date", data["teams"]["policy"]["check_date"]))
    for where, text in dates:
        if text is not None:
            try:
                dt.date.fromisoformat(text)
            except ValueError:
                problems.append((where, f"{text!r} is not a calendar date"))
    try:  # the length rule, and one group per party of a combined seed
        Seed.from_dict(data["seed"])
    except InvalidValueError as error:
        problems.append((f"$.seed.{error.field}", error.problem))
    return problems


def read_record_data(data: bytes, source: str = "record") -> dict[str, Any]:
    """The plain content of a record file, read strictly (spec §9.1-9.2).

    Raises `FileFormatError` when the bytes are not an audit record at all (not UTF-8, not
    JSON, not an object with the record ``format``) or are of a spec version not in
    `SPEC_VERSIONS`: such input cannot be checked. Raises `RecordFormatError` when they are a
    record but not a valid canonical one: such a record does not verify.
    """
    try:
        text, _ = decode_text(data)
        value, _, _ = parse_document(text)  # white space around it: not canonical
    except JSONReadError as failure:
        hint = ""
        if not data.lstrip().startswith((b"{", b"[", b"\xef")) and len(data) < 300:
            hint = " (is it a file name? use AuditRecord.read(path))"
        raise FileFormatError(source, [(failure.line, "", failure.message + hint)], 1) from None
    if not isinstance(value, dict) or FORMAT not in values_of(value, "format"):
        raise FileFormatError(source, [(0, "format", "not an audit record (an audit record is "
                                        f"a JSON object with \"format\": \"{FORMAT}\")")], 1)
    version = value.get("spec_version")
    if isinstance(version, str) and version not in SPEC_VERSIONS:
        raise FileFormatError(source, [(0, "spec_version", (
            f"the record is of draw spec {version!r}; this verifier checks spec "
            f"{', '.join(SPEC_VERSIONS)}: use a verifier that implements {version!r}"))], 1)
    problems = _checker().problems(value) or _rule_problems(value)
    if problems:
        raise RecordFormatError(source, problems)
    difference = canonical_difference(value, text)
    if difference is not None:
        raise RecordFormatError(source, [("$", difference)])
    return value


def _id_tuple(ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(ids)  # a tuple already is returned as it is (no copy)


@attrs.frozen
class StratumDraw:
    """One stratum of a recorded draw.

    Attributes:
        label: The stratum (risk-class code).
        population: Eligible targets in it (N_h).
        size: Targets drawn (n_h).
        seed_string: The stream's seed string (spec §3), so anyone can rerun Rivest's sampler.
        selected: Ids drawn, in draw order.
    """

    label: str
    population: int
    size: int
    seed_string: str
    selected: tuple[str, ...] = attrs.field(converter=_id_tuple)

    def to_dict(self) -> dict[str, Any]:
        """Plain values."""
        return {"label": self.label, "population": self.population, "size": self.size,
                "seed_string": self.seed_string, "selected": list(self.selected)}


@attrs.frozen(kw_only=True, eq=True, hash=False)
class AuditRecord:
    """The public record of one draw (canonical JSON: sorted keys, UTF-8, no floats).

    Attributes:
        spec_version: Draw-spec version used.
        library_version: Version of this library that made the draw (informational).
        hash: The spec's hash function: ``"sha256"`` or ``"sm3"``.
        seed: The seed, with its provenance.
        purpose: The task's purpose label (separates the streams of tasks sharing a seed).
        directory_digest: Digest of the whole target directory drawn from.
        directory_size: Its number of targets.
        design: The design's plain values (scope, exclusions, floor, rates…).
        eligibility: How many targets each rule left out (spec §6.2).
        allocation: The allocation's plain values, with every adjustment and why.
        strata: Each stratum's population, size, seed string and selection in draw order.
        teams: The inspector teams (spec §12), once `assign_inspectors` has run.
        ceremony: The seed ceremony the draw was made in (spec §17.4): the commitment's
            digest, the journal entry that opened it, the attempt number, and the draw it
            replaces with the reason; ``None`` for a draw made outside a workspace.
        claimed_digest: The record digest found in a loaded JSON text (``None`` when built in
            memory); `verify` checks it against the content.
    """

    spec_version: str
    library_version: str
    hash: str
    seed: Seed
    purpose: str
    directory_digest: str
    directory_size: int
    design: Mapping[str, Any]
    eligibility: Mapping[str, Any]
    allocation: Mapping[str, Any]
    strata: tuple[StratumDraw, ...]
    teams: Mapping[str, Any] | None = None
    ceremony: Mapping[str, Any] | None = None
    claimed_digest: str | None = attrs.field(default=None, eq=False)

    @property
    def selected_ids(self) -> tuple[str, ...]:
        """Every selected id: strata in class order, each in draw order."""
        return tuple(i for s in self.strata for i in s.selected)

    def content(self) -> dict[str, Any]:
        """The plain content that the record digest covers."""
        content = {
            "format": FORMAT,
            "spec_version": self.spec_version,
            "library_version": self.library_version,
            "hash": self.hash,
            "seed": self.seed.to_dict(),
            "purpose": self.purpose,
            "directory": {"digest": self.directory_digest, "size": self.directory_size},
            "design": dict(self.design),
            "eligibility": dict(self.eligibility),
            "allocation": dict(self.allocation),
            "strata": [s.to_dict() for s in self.strata],
        }
        if self.teams is not None:
            content["teams"] = dict(self.teams)
        if self.ceremony is not None:
            content["ceremony"] = dict(self.ceremony)
        return content

    def draw_digest(self) -> str:
        """The digest this record had before teams were added (the target draw alone)."""
        return attrs.evolve(self, teams=None).digest

    @property
    def digest(self) -> str:
        """``"sha256:<hex>"`` of the canonical JSON of `content`."""
        return canonical_digest(self.content())

    def to_json(self) -> str:
        """Canonical JSON of the content plus ``"record_digest"``."""
        return canonical_json({**self.content(), "record_digest": self.digest})

    @classmethod
    def from_json(cls, text: str | bytes, *, source: str = "record") -> Self:
        """Read a record from its published bytes (or their text), strictly (spec §9).

        Raises `FileFormatError` for input that is not an audit record of a supported spec
        version, `RecordFormatError` for a record that was altered (unknown or duplicate
        keys, wrong types, non-canonical bytes, trailing data). The stored digest is kept as
        `claimed_digest` for `verify` to check, not trusted.
        """
        if isinstance(text, str):
            data = text.encode("utf-8", "surrogatepass")
        elif isinstance(text, bytes | bytearray):
            data = bytes(text)
        else:
            raise InvalidValueError("AuditRecord.from_json", "text", type(text).__name__,
                                    "is not the record's text or bytes",
                                    "pass the file's content, or use AuditRecord.read(path)")
        return cls.from_data(read_record_data(data, source))

    @classmethod
    def read(cls, path: str | Path) -> Self:
        """Read a record file (see `from_json`)."""
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise FileFormatError(str(path), [(0, "", f"cannot be read: {error.strerror}")],
                                  1) from None
        return cls.from_json(data, source=str(path))

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        """Build from the plain content of a record already read by `read_record_data`."""
        return cls(
            spec_version=data["spec_version"], library_version=data["library_version"],
            hash=data["hash"], seed=Seed.from_dict(data["seed"]), purpose=data["purpose"],
            directory_digest=data["directory"]["digest"],
            directory_size=data["directory"]["size"], design=data["design"],
            eligibility=data["eligibility"], allocation=data["allocation"],
            strata=tuple(StratumDraw(s["label"], s["population"], s["size"],
                                     s["seed_string"], s["selected"]) for s in data["strata"]),
            teams=data.get("teams"), ceremony=data.get("ceremony"),
            claimed_digest=data["record_digest"])
