"""`verify`: replay a recorded draw and report every check, with one verdict (spec §10)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs

from .._errors import FileFormatError, InvalidTypeError, RandomInspectionError, UnknownIdError
from .._gc import gc_paused
from .._progress import Progress, Reporter
from .._version import __version__
from ..assignment._assign import JoinedVisit, form_teams
from ..assignment._conflicts import ConflictRegister
from ..assignment._policy import DrawMode, TeamPolicy, previous_inspectors_digest
from ..registry import CheckItemList, InspectorDirectory, TargetDirectory
from ..sampling._designs import design_from_dict
from ..sampling._draw import replay
from ..sampling._record import SPEC_VERSIONS, AuditRecord, RecordFormatError
from ..sampling._rivest import hash_function
from ._ceremony import ceremony_note, team_change_note
from ._journal import Entry, check_chain
from ._legacy import allocation_v1, eligibility_v1, teams_v1
from ._substitutes import substitutes_note

__all__ = ["Check", "Verdict", "VerificationReport", "needed_inputs", "verify"]

Verdict = Literal["verified", "not verified", "cannot check"]


@attrs.frozen
class Check:
    """One verification check.

    Attributes:
        name: What was checked, e.g. ``stratum B selection``.
        ok: Whether it passed.
        detail: What was compared, or the first difference.
        needs: For a check that could not be made, the input it needs (``inspectors``,
            ``policy``, ``sm3``…); empty otherwise.
    """

    name: str
    ok: bool
    detail: str
    needs: str = ""


@attrs.frozen
class VerificationReport:
    """Every check `verify` made, and the verdict they give.

    Attributes:
        checks: All checks, in the order made.
    """

    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        """Whether every check passed (the record is verified)."""
        return all(c.ok for c in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        """The checks that did not pass (failed, or could not be made)."""
        return tuple(c for c in self.checks if not c.ok)

    @property
    def verdict(self) -> Verdict:
        """``verified``; ``not verified`` when some check failed (whatever else is missing);
        ``cannot check`` when none failed but some could not be made for want of an input."""
        if self.ok:
            return "verified"
        return "not verified" if any(not c.needs for c in self.failures) else "cannot check"

    @property
    def exit_code(self) -> int:
        """0 verified, 1 not verified, 2 cannot check (the command line's codes)."""
        return {"verified": 0, "not verified": 1, "cannot check": 2}[self.verdict]

    def __str__(self) -> str:
        lines = [f"{'ok  ' if c.ok else 'NEED' if c.needs else 'FAIL'} {c.name}: {c.detail}"
                 for c in self.checks]
        if self.verdict == "verified":
            verdict = "VERIFIED: the record replays exactly"
        elif self.verdict == "not verified":
            failed = sum(1 for c in self.failures if not c.needs)
            verdict = f"NOT VERIFIED: {failed} check(s) failed"
        else:
            verdict = ("CANNOT CHECK: an input is missing or unreadable: "
                       + ", ".join(sorted({c.needs for c in self.failures})))
        return "\n".join([*lines, verdict])


def needed_inputs(record: AuditRecord, given: Collection[str]) -> list[str]:
    """The inputs a record's teams need that are not in ``given`` (spec §10.3).

    Names: ``inspectors`` (the inspector directory), ``items`` (the check-item list, when the
    policy names items), ``conflicts`` (when the policy's conflict register is not empty),
    ``previous_inspectors`` (when its previous-inspector data is not empty), and
    ``custom_rules`` for a spec 1 record whose rules cannot be rebuilt from its data.
    """
    if record.teams is None:
        return []
    policy = record.teams["policy"]
    wanted = {
        "inspectors": True,
        "items": bool(policy["items"]),
        "conflicts": policy["conflicts_digest"] != ConflictRegister().digest,
        "previous_inspectors": policy["previous_inspectors_digest"]
        != previous_inspectors_digest({}),
        "custom_rules": record.spec_version == "1" and bool(policy["custom_rules"]),
    }
    return [name for name, needed in wanted.items() if needed and name not in given]


#: What to pass for each input `needed_inputs` names (the command line's options).
INPUT_OPTIONS = {
    "inspectors": "--inspectors (the inspector directory CSV)",
    "items": "--item-list (the check-item list CSV)",
    "conflicts": "--conflicts (the conflict register CSV)",
    "previous_inspectors": "--previous (the previous inspectors JSON)",
    "custom_rules": "the custom rules' code (a spec 1 record does not say which rule "
                    "excluded whom: verify it in Python with the rules)",
}


def verify_file(path: str | Path, directory: TargetDirectory, *,
                inspectors: InspectorDirectory | None = None,
                items: CheckItemList | None = None, conflicts: ConflictRegister | None = None,
                previous_inspectors: Mapping[str, Any] | None = None,
                journal: Sequence[Entry] | None = None, journal_head: str | None = None,
                progress: Progress | None = None) -> VerificationReport:
    """Read a published record file strictly and verify it: what ``random-inspection verify``
    and ``verifier.py`` do, with the same verdict (spec §10).

    The registers are those given (``None`` when not given): a record whose teams need one
    that is missing gets the verdict ``cannot check``, naming it. A file that is not a record
    of a spec version this library checks also gives ``cannot check``; a record that was
    altered (§10.1) gives ``not verified`` with the JSON path of the first problem.
    """
    try:
        record = AuditRecord.read(path)
    except RecordFormatError as error:
        _, where, problem = error.problems[0]
        return VerificationReport((Check("record_format", False,
                                         f"{where}: {problem} (spec §9)"),))
    except FileFormatError as error:
        return VerificationReport((Check("record", False, str(error), needs="record"),))
    given = {name for name, value in (("inspectors", inspectors), ("items", items),
                                      ("conflicts", conflicts),
                                      ("previous_inspectors", previous_inspectors))
             if value is not None}
    needs = needed_inputs(record, given)
    if record.teams is None or needs:
        report = verify(record, directory, journal=journal, journal_head=journal_head,
                        progress=progress)
        if not needs:
            return report
        wanted = "; ".join(INPUT_OPTIONS[n] for n in needs)
        return _replace_teams_check(report, Check(
            "teams", False, f"the record has teams: pass {wanted}", needs=", ".join(needs)),
            wanted)
    try:
        policy = TeamPolicy.from_record(
            record.teams["policy"], conflicts=conflicts, previous_inspectors=previous_inspectors,
            items=items or CheckItemList(), custom_exclusions=None
            if record.spec_version == "1" else record.teams["custom_exclusions"])
    except RandomInspectionError as error:  # an item not in the list, a bad rotation entry
        wanted = "previous_inspectors" \
            if getattr(error, "field", "") == "previous_inspectors" else "items"
        return _replace_teams_check(verify(record, directory, journal=journal,
                                           journal_head=journal_head), Check(
            "teams", False, f"cannot rebuild the team policy: {error}", needs=wanted))
    return verify(record, directory, inspectors=inspectors, policy=policy, journal=journal,
                  journal_head=journal_head, progress=progress)


def _replace_teams_check(report: VerificationReport, check: Check,
                         wanted: str = "") -> VerificationReport:
    """``report`` with ``check`` as its teams check; a substitutes check that could not be
    made for want of the registers names them too (``wanted``: the options to pass)."""
    checks = [c for c in report.checks if c.name != "teams"]
    if wanted:
        checks = [attrs.evolve(c, detail=f"the journal has substitutes drawn after the draw: "
                               f"pass {wanted}", needs=check.needs)
                  if c.name == "substitutes" and c.needs else c for c in checks]
    return VerificationReport((*checks, check))


def _compare(name: str, recorded: Any, replayed: Any, what: str) -> Check:
    if recorded == replayed:
        return Check(name, True, f"{what} match")
    return Check(name, False, f"recorded {_short(recorded)} but replay gives {_short(replayed)}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 160 else text[:157] + "…"


def verify(record: AuditRecord, directory: TargetDirectory, *,
           inspectors: InspectorDirectory | None = None, policy: TeamPolicy | None = None,
           journal: Sequence[Entry] | None = None, journal_head: str | None = None,
           progress: Progress | None = None) -> VerificationReport:
    """Replay ``record`` against ``directory`` and check everything, listing each failure.

    Checks (spec §10): spec version; record digest (for loaded records); directory digest
    and size; that the design is valid and canonical; then the replay's eligibility counts,
    allocation, and each stratum's population, size, seed string and selection in draw order.
    Records of spec 1 and 1.1 are checked, each in its own form. The library version is
    reported but is not a failure: the spec, not the library, defines the draw.

    A record with teams also needs the ``inspectors`` register and the team ``policy`` (its
    conflicts and rotation data are checked against the digests in the record): every team
    is replayed, and every recorded team is audited for recusal, credential and size
    violations independently of the replay. Without them those checks cannot be made and the
    verdict is ``cannot check`` (unless something else failed).

    With the workspace ``journal`` (its entries, e.g. `read_jsonl` of an export) the chain is
    checked (spec §16.3) — against ``journal_head``, the head published earlier, when given —
    and so is the record's seed ceremony (§17.5): committed before the seed, the seed made
    from the reveals, the attempt journaled, other ceremonies of the task, a later re-draw,
    the team changes, and the substitutes (§12.9), drawn again from ``inspectors`` and
    ``policy``.
    """
    if not isinstance(record, AuditRecord):
        raise InvalidTypeError("verify", "record", record, "an AuditRecord",
                               "read the file with AuditRecord.read(path), or its text with "
                               "AuditRecord.from_json(text); verify_file(path, …) does both")
    if not isinstance(directory, TargetDirectory):
        raise InvalidTypeError("verify", "directory", directory, "a TargetDirectory",
                               "load the published file with TargetDirectory.from_csv(path)")
    if inspectors is not None and not isinstance(inspectors, InspectorDirectory):
        raise InvalidTypeError("verify", "inspectors", inspectors, "an InspectorDirectory",
                               "load it with InspectorDirectory.from_csv(path)")
    if policy is not None and not isinstance(policy, TeamPolicy):
        raise InvalidTypeError("verify", "policy", policy, "a TeamPolicy",
                               "rebuild it with TeamPolicy.from_record(record.teams['policy'], …)")
    legacy = record.spec_version == "1"
    checks = [
        Check("spec_version", record.spec_version in SPEC_VERSIONS,
              f"record of spec {record.spec_version}; this library checks spec "
              + " and ".join(SPEC_VERSIONS)),
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
        hash_function(record.hash)
    except RandomInspectionError as error:
        checks.append(Check("hash", False, f"cannot replay: {error}", needs=record.hash))
        return VerificationReport(tuple(checks))
    try:
        design = design_from_dict(record.design)
    except RandomInspectionError as error:
        checks.append(Check("design", False, f"not a valid design: {error}"))
        return VerificationReport(tuple(checks))
    checks.append(_compare("design", dict(record.design), design.to_dict(),
                           "design as recorded and as rebuilt"))
    try:
        allocation, counts, strata, _ = replay(directory, design, record.seed, record.purpose,
                                               record.hash, progress=progress)
    except RandomInspectionError as error:
        checks.append(Check("replay", False, f"the draw cannot be replayed: {error}"))
        return VerificationReport(tuple(checks))
    expected_allocation = allocation.to_dict()
    if legacy:
        counts = eligibility_v1(counts, record.design)
        expected_allocation = allocation_v1(expected_allocation, record.design)
    checks.append(_compare("eligibility", dict(record.eligibility), counts, "exclusion counts"))
    checks.append(_compare("allocation", dict(record.allocation), expected_allocation,
                           "allocations"))
    recorded = {s.label: s for s in record.strata}
    for stratum in strata:
        mine = recorded.get(stratum.label)
        if mine is None:
            checks.append(Check(f"stratum {stratum.label}", False, "missing from the record"))
            continue
        for field in ("population", "size", "seed_string"):
            checks.append(_compare(f"stratum {stratum.label} {field}", getattr(mine, field),
                                   getattr(stratum, field), field.replace("_", " ") + "s"))
        checks.append(_selection_check(stratum.label, mine.selected, stratum.selected))
    if record.teams is not None:
        report = Reporter(progress)
        report.start("replaying teams")
        checks.extend(_team_checks(record, directory, inspectors, policy))
        report.finish()
    if journal is not None:
        checks.extend(_journal_checks(record, journal, journal_head,
                                      registers=(directory, inspectors, policy)))
    return VerificationReport(tuple(checks))


def _journal_checks(record: AuditRecord, journal: Sequence[Entry], head: str | None, *,
                    registers: tuple[TargetDirectory, InspectorDirectory | None,
                                     TeamPolicy | None]) -> list[Check]:
    chain = check_chain(journal, head=head)
    if chain.signatures.startswith("not checked"):
        return [Check("journal", False, f"the chain holds signatures: {chain.signatures}",
                      needs="the sign extra (cryptography)")]
    if not chain.ok:
        return [Check("journal", False, str(chain))]
    note = ceremony_note(record, journal)
    ceremony = Check("ceremony", not note.startswith("FAIL: "), note.removeprefix("FAIL: "))
    checks = [Check("journal", True, str(chain)), ceremony]
    changes = team_change_note(record, journal) if ceremony.ok else None
    if changes is not None:
        checks.append(Check("team changes", not changes.startswith("FAIL: "),
                            changes.removeprefix("FAIL: ")))
    drawn = substitutes_note(record, journal, *registers) if ceremony.ok else None
    if drawn is not None:
        status, detail, needs = drawn
        checks.append(Check("substitutes", status == "ok", detail, needs=needs))
    return checks


def _team_checks(record: AuditRecord, directory: TargetDirectory,
                 inspectors: InspectorDirectory | None, policy: TeamPolicy | None
                 ) -> list[Check]:
    teams = dict(record.teams or {})
    if inspectors is None or policy is None:
        return [Check("teams", False, "the record has teams: they are replayed from the "
                                      "inspector directory and the team policy",
                      needs="inspectors" if inspectors is None else "policy")]
    expected_policy = policy.to_dict()
    if record.spec_version == "1":
        expected_policy.pop("items_digest")
    checks = [
        _compare("inspector_directory", teams.get("inspector_directory"),
                 {"digest": inspectors.digest, "size": len(inspectors)},
                 "inspector directory digests"),
        _compare("team_policy", teams.get("policy"), expected_policy,
                 "team policies (conflict, rotation and item data by digest)"),
    ]
    checks.append(_recusal_audit(teams, directory, inspectors, policy,
                                 legacy=record.spec_version == "1"))
    try:
        rows = directory.positions(record.selected_ids)
        if (rows < 0).any():
            raise UnknownIdError("TargetDirectory", [i for i, r in zip(
                record.selected_ids, rows.tolist(), strict=True) if r < 0])
        joined = [JoinedVisit(j["target"], j["visit_of"]["purpose"],
                              j["visit_of"]["record_digest"], j["officers"], j["leader"],
                              j["inherited_experts"]) for j in teams.get("joined", ())]
        with gc_paused():  # many objects, no cycles: see `gc_paused`
            replayed = form_teams(directory.rows(rows), inspectors, policy, seed=record.seed,
                                  purpose=record.purpose, hash_name=record.hash,
                                  earlier_visits=teams.get("earlier_visits", {}),
                                  joined=joined)
    except RandomInspectionError as error:
        return [*checks, Check("teams", False, f"the teams cannot be replayed: {error}")]
    if record.spec_version == "1":
        replayed = teams_v1(replayed)
    for key in ("teams", "unstaffed", "cap", "fair_share", "exclusions", "custom_exclusions"):
        checks.append(_compare(f"teams {key}", teams.get(key), replayed[key], key))
    if "joined" in teams:
        checks.append(_compare("teams joined", teams["joined"], replayed.get("joined"),
                               "joined visits' added experts"))
        earlier = teams.get("earlier_visits", {})
        own = [j["target"] for j in teams["joined"]
               if set(earlier.get(j["target"], ())) & {*j["officers"], *j["inherited_experts"]}]
        if own:
            checks.append(Check("teams earlier_visits", False,
                                f"the earlier visits of {_short(own)} name people of the "
                                "visit they join, which is not an earlier one (spec §12.10)"))
    return checks


def _recorded_custom(teams: dict[str, Any], legacy: bool) -> dict[str, set[str]]:
    """Target id → inspectors the record says custom rules excluded."""
    if legacy:
        return {t: set(ids) for t, ids in teams.get("custom_exclusions", {}).items()}
    out: dict[str, set[str]] = {}
    for by_target in teams.get("custom_exclusions", {}).values():
        for target, ids in by_target.items():
            out.setdefault(target, set()).update(ids)
    return out


def _recusal_audit(teams: dict[str, Any], directory: TargetDirectory,
                   inspectors: InspectorDirectory, policy: TeamPolicy, *, legacy: bool
                   ) -> Check:
    """Independent of the replay: every recorded team obeys the rules it claims."""
    problems: list[str] = []
    rotation = policy.rotation
    earlier = teams.get("earlier_visits", {})
    custom = _recorded_custom(teams, legacy)
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
            elif officer_id in earlier.get(target.id, ()):
                problems.append(f"{target.id}: {officer_id} inspected it earlier this year")
            elif not policy.serves(officer, target):
                problems.append(f"{target.id}: {officer_id} is not of the executing "
                                f"{policy.executing_level} bureau")
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
