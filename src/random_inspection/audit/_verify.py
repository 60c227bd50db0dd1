"""`verify`: replay a recorded draw and report every check that fails."""

from __future__ import annotations

from typing import Any

import attrs

from .._errors import RandomInspectionError, UnknownIdError
from .._gc import gc_paused
from .._version import __version__
from ..assignment._assign import form_teams
from ..assignment._policy import DrawMode, TeamPolicy
from ..registry import InspectorDirectory, TargetDirectory
from ..sampling._designs import design_from_dict
from ..sampling._draw import replay
from ..sampling._record import SPEC_VERSION, AuditRecord

__all__ = ["Check", "VerificationReport", "verify"]


@attrs.frozen
class Check:
    """One verification check: its name, whether it passed, and what was compared."""

    name: str
    ok: bool
    detail: str


@attrs.frozen
class VerificationReport:
    """Every check `verify` made; ``ok`` only when all passed.

    Attributes:
        checks: All checks, in the order made.
    """

    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return all(c.ok for c in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        """The checks that failed."""
        return tuple(c for c in self.checks if not c.ok)

    def __str__(self) -> str:
        lines = [f"{'ok  ' if c.ok else 'FAIL'} {c.name}: {c.detail}" for c in self.checks]
        verdict = "VERIFIED: the record replays exactly" if self.ok else (
            f"NOT VERIFIED: {len(self.failures)} check(s) failed")
        return "\n".join([*lines, verdict])


def _compare(name: str, recorded: Any, replayed: Any, what: str) -> Check:
    if recorded == replayed:
        return Check(name, True, f"{what} match")
    return Check(name, False, f"recorded {_short(recorded)} but replay gives {_short(replayed)}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 160 else text[:157] + "…"


def verify(record: AuditRecord, directory: TargetDirectory, *,
           inspectors: InspectorDirectory | None = None, policy: TeamPolicy | None = None
           ) -> VerificationReport:
    """Replay ``record`` against ``directory`` and check everything, listing each failure.

    Checks: spec version; record digest (for loaded records); directory digest and size;
    that the design can be rebuilt; then the replay's eligibility counts, allocation, and
    each stratum's population, size, seed string and selection in draw order. The library
    version is reported but is not a failure: the spec, not the library, defines the draw.

    A record with teams also needs the ``inspectors`` register and the team ``policy`` (its
    conflicts and rotation data are checked against the digests in the record): every team
    is replayed, and every recorded team is audited for recusal, credential and size
    violations independently of the replay.
    """
    checks = [
        Check("spec_version", record.spec_version == SPEC_VERSION,
              f"record uses spec {record.spec_version}; this library implements {SPEC_VERSION}"),
        Check("library_version", True,
              f"recorded with {record.library_version}, verified with {__version__}"),
    ]
    if record.claimed_digest is not None:
        checks.append(_compare("record_digest", record.claimed_digest, record.digest,
                               "stored and recomputed record digests"))
    checks.append(_compare("directory_digest", record.directory_digest, directory.digest,
                           "directory digests"))
    checks.append(_compare("directory_size", record.directory_size, len(directory),
                           "directory sizes"))
    try:
        design = design_from_dict(record.design)
        allocation, counts, strata, _ = replay(directory, design, record.seed, record.purpose,
                                               record.hash)
    except RandomInspectionError as error:
        checks.append(Check("replay", False, f"the draw cannot be replayed: {error}"))
        return VerificationReport(tuple(checks))
    checks.append(_compare("design", dict(record.design), design.to_dict(),
                           "design as recorded and as rebuilt"))
    checks.append(_compare("eligibility", dict(record.eligibility), counts, "exclusion counts"))
    checks.append(_compare("allocation", dict(record.allocation), allocation.to_dict(),
                           "allocations"))
    recorded = {s.label: s for s in record.strata}
    if set(recorded) != {s.label for s in strata}:
        checks.append(Check("strata", False, f"recorded strata {sorted(recorded)} but the "
                                             f"replay has {[s.label for s in strata]}"))
    for stratum in strata:
        mine = recorded.get(stratum.label)
        if mine is None:
            continue
        for field in ("population", "size", "seed_string"):
            checks.append(_compare(f"stratum {stratum.label} {field}", getattr(mine, field),
                                   getattr(stratum, field), field.replace("_", " ") + "s"))
        checks.append(_selection_check(stratum.label, mine.selected, stratum.selected))
    if record.teams is not None:
        checks.extend(_team_checks(record, directory, inspectors, policy))
    return VerificationReport(tuple(checks))


def _team_checks(record: AuditRecord, directory: TargetDirectory,
                 inspectors: InspectorDirectory | None, policy: TeamPolicy | None
                 ) -> list[Check]:
    teams = dict(record.teams or {})
    if inspectors is None or policy is None:
        return [Check("teams", False, "the record has teams: pass inspectors= and policy= "
                                      "to replay them")]
    checks = [
        _compare("inspector_directory", teams.get("inspector_directory"),
                 {"digest": inspectors.digest, "size": len(inspectors)},
                 "inspector directory digests"),
        _compare("team_policy", teams.get("policy"), policy.to_dict(),
                 "team policies (conflict and rotation data by digest)"),
    ]
    checks.append(_recusal_audit(teams, directory, inspectors, policy))
    try:
        rows = directory.positions(record.selected_ids)
        if (rows < 0).any():
            raise UnknownIdError("TargetDirectory", [i for i, r in zip(
                record.selected_ids, rows.tolist(), strict=True) if r < 0])
        with gc_paused():  # many objects, no cycles: see `gc_paused`
            replayed = form_teams(directory.rows(rows), inspectors, policy, seed=record.seed,
                                  purpose=record.purpose, hash_name=record.hash)
    except RandomInspectionError as error:
        return [*checks, Check("teams", False, f"the teams cannot be replayed: {error}")]
    for key in ("teams", "unstaffed", "cap", "fair_share", "exclusions", "custom_exclusions"):
        checks.append(_compare(f"teams {key}", teams.get(key), replayed[key], key))
    return checks


def _recusal_audit(teams: dict[str, Any], directory: TargetDirectory,
                   inspectors: InspectorDirectory, policy: TeamPolicy) -> Check:
    """Independent of the replay: every recorded team obeys the rules it claims."""
    problems: list[str] = []
    rotation = policy.rotation
    custom = {t: set(ids) for t, ids in dict(teams.get("custom_exclusions", {})).items()}
    for team in teams.get("teams", []):
        target = directory.get(team["target"])
        if target is None:
            problems.append(f"{team['target']}: not in the directory")
            continue
        officers = [inspectors.get(i) for i in team["officers"]]
        if len(set(team["officers"])) < policy.min_officers:
            problems.append(f"{target.id}: fewer than {policy.min_officers} officers")
        conflicts = policy.conflicts.for_target(target.id, policy.check_date)
        for officer_id, officer in zip(team["officers"], officers, strict=True):
            if officer is None or not officer.counts_as_officer(policy.check_date):
                problems.append(f"{target.id}: {officer_id} cannot act as an officer on "
                                f"{policy.check_date}")
            elif officer_id in conflicts:
                problems.append(f"{target.id}: {officer_id} has a declared conflict")
            elif officer_id in rotation.get(target.id, ()):
                problems.append(f"{target.id}: {officer_id} checked it last time")
            elif officer_id in custom.get(target.id, ()):
                problems.append(f"{target.id}: {officer_id} is excluded by a custom rule")
            elif policy.mode is DrawMode.CROSS_OFFICE and officer.office \
                    and officer.office == target.supervising_office:
                problems.append(f"{target.id}: {officer_id} is of its supervising office")
            elif policy.mode is DrawMode.BY_REGION and not (
                    officer.office_area and target.region.startswith(officer.office_area)):
                problems.append(f"{target.id}: {officer_id} does not serve its region")
    if problems:
        return Check("recusal", False, f"{len(problems)} violation(s): " + "; ".join(problems[:5]))
    return Check("recusal", True, f"{len(teams.get('teams', []))} teams obey recusal, "
                                  "credential, mode and size rules")


def _selection_check(label: str, recorded: tuple[str, ...], replayed: tuple[str, ...]) -> Check:
    name = f"stratum {label} selection"
    if recorded == replayed:
        return Check(name, True, f"all {len(replayed)} selections match in draw order")
    first = next((k for k, (a, b) in enumerate(zip(recorded, replayed, strict=False)) if a != b),
                 min(len(recorded), len(replayed)))
    extra = sorted(set(recorded) - set(replayed))
    missing = sorted(set(replayed) - set(recorded))
    return Check(name, False, f"first difference at draw {first + 1}; recorded but not drawn: "
                              f"{_short(extra)}; drawn but not recorded: {_short(missing)}")
