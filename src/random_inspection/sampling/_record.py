"""`AuditRecord`: everything needed to replay and check one draw, as canonical JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Self

import attrs

from .._canonical import canonical_digest, canonical_json
from .._errors import FileFormatError, InvalidValueError
from ._seed import Seed

__all__ = ["SPEC_VERSION", "AuditRecord", "StratumDraw"]

#: Version of the draw spec (docs/spec/draw-spec-v1.md) this library implements.
SPEC_VERSION = "1"
FORMAT = "random-inspection/audit-record"


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
    selected: tuple[str, ...] = attrs.field(converter=tuple)

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
        eligibility: How many targets each rule left out.
        allocation: The allocation's plain values, with every adjustment and why.
        strata: Each stratum's population, size, seed string and selection in draw order.
        teams: The inspector teams (spec §12), once `assign_inspectors` has run.
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
    eligibility: Mapping[str, int]
    allocation: Mapping[str, Any]
    strata: tuple[StratumDraw, ...]
    teams: Mapping[str, Any] | None = None
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
        """Read a record; structural problems raise `FileFormatError`. The stored digest is
        kept as `claimed_digest` for `verify` to check, not trusted."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FileFormatError(source, [(exc.lineno, "", f"not valid JSON: {exc.msg}")],
                                  1) from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise FileFormatError(source, [(0, "format", f"not an audit record (expected "
                                            f"\"format\": \"{FORMAT}\")")], 1)
        try:
            return cls(
                spec_version=str(data["spec_version"]),
                library_version=str(data["library_version"]),
                hash=str(data["hash"]),
                seed=Seed.from_dict(data["seed"]),
                purpose=data["purpose"],
                directory_digest=data["directory"]["digest"],
                directory_size=int(data["directory"]["size"]),
                design=data["design"],
                eligibility=data["eligibility"],
                allocation=data["allocation"],
                strata=tuple(StratumDraw(s["label"], int(s["population"]), int(s["size"]),
                                         s["seed_string"], s["selected"])
                             for s in data["strata"]),
                teams=data.get("teams"),
                claimed_digest=data.get("record_digest"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            detail = exc.args[0] if isinstance(exc, KeyError) else exc
            if isinstance(exc, InvalidValueError):
                detail = str(exc)
            raise FileFormatError(source, [(0, "", f"malformed audit record: {detail}")],
                                  1) from None
