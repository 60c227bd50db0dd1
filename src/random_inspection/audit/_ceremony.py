"""The seed ceremony's rules (spec §17): commit to everything a draw depends on, then make the
seed; every draw attempt is journaled and numbered.

Pure functions over journal entries: `commitment` builds what a ceremony fixes before any seed
exists; `contribution_commitment` is what a contributor publishes before revealing;
`ceremony_state` folds a ceremony's entries; `check_record_ceremony` checks a record against
a journal. The workspace (``random_inspection.store``) appends the entries.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from .._canonical import canonical_digest
from .._errors import InvalidValueError
from ..assignment._substitute import TeamState
from ..registry import _fields as f
from ..sampling import Seed
from ..sampling._seed import MIN_DECIMAL, MIN_HEX
from ._journal import Entry

__all__ = [
    "CEREMONY_KINDS",
    "CeremonyState",
    "ceremony_note",
    "ceremony_state",
    "changes_of",
    "check_contribution",
    "check_record_ceremony",
    "commitment",
    "contribution_commitment",
    "seed_of",
    "team_change_note",
]

#: The journal kinds a ceremony's state is made of (spec §17).
CEREMONY_KINDS = ("ceremony_opened", "seed_committed", "seed_revealed", "reveal_refused",
                  "draw_attempt", "teams_drawn")
_CONTRIBUTION = re.compile(r"[0-9A-Fa-f]+")
_SALT = re.compile(r"[0-9a-f]{32,128}")


def commitment(*, purpose: str, spec_version: str, hash_name: str, design: Mapping[str, Any],
               directory: Mapping[str, Any], contributors: Sequence[str],
               registers: Mapping[str, str | None] | None = None,
               team_policy: Mapping[str, Any] | None = None,
               plan: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What a ceremony fixes before any seed exists (spec §17.1): the task's purpose, the spec
    and hash, the design, the directory (digest and size), the other registers' digests, the
    team policy, the plan version, and the contributors in the order their contributions
    will be joined."""
    names = [f.text(c, "ceremony", "contributors") for c in contributors]
    if not names or len(set(names)) < len(names):
        raise InvalidValueError("ceremony", "contributors", list(contributors),
                                "must name at least one contributor, each once",
                                "list the parties who will contribute to the seed")
    return {"purpose": purpose, "spec_version": spec_version, "hash": hash_name,
            "design": dict(design), "directory": dict(directory),
            "registers": dict(registers or {}), "team_policy": team_policy,
            "plan": None if plan is None else dict(plan), "contributors": names}


def check_contribution(contribution: object) -> str:
    """Spec §17.2: a contribution is one group of digits or hex characters that meets §2's
    length rule on its own (20 decimal digits or 32 hex characters), so the seed is
    unpredictable while any one contributor is honest, and any joined seed is valid."""
    if not isinstance(contribution, str) or not _CONTRIBUTION.fullmatch(contribution):
        raise InvalidValueError("ceremony", "contribution", contribution,
                                "is not digits or hex characters",
                                "give dice digits, e.g. '31415926535897932384'")
    body = contribution
    if len(body) < (MIN_DECIMAL if body.isdigit() else MIN_HEX):
        raise InvalidValueError("ceremony", "contribution", contribution,
                                f"is too short ({len(body)} characters): each contribution "
                                f"needs {MIN_DECIMAL} decimal digits or {MIN_HEX} hex "
                                "characters on its own", "roll more dice")
    return contribution


def contribution_commitment(contribution: str, salt: str) -> str:
    """Spec §17.2: ``sha256:`` ‖ hex SHA-256 of ``contribution ‖ ":" ‖ salt`` (UTF-8)."""
    if not isinstance(contribution, str) or not _CONTRIBUTION.fullmatch(contribution):
        raise InvalidValueError("ceremony", "contribution", contribution,
                                "is not digits or hex characters",
                                "give dice digits, e.g. '31415926535897932384'")
    if not isinstance(salt, str) or not _SALT.fullmatch(salt):
        raise InvalidValueError("ceremony", "salt", salt,
                                "is not 32-128 lower-case hex characters",
                                "use a random salt, e.g. secrets.token_hex(16)")
    return "sha256:" + hashlib.sha256(f"{contribution}:{salt}".encode()).hexdigest()


def seed_of(contributors: Sequence[str], contributions: Mapping[str, str]) -> Seed:
    """Spec §17.3: the revealed contributions joined in the committed order."""
    if len(contributors) == 1:
        return Seed(contributions[contributors[0]])
    return Seed.combine({name: contributions[name] for name in contributors})


@attrs.frozen
class CeremonyState:
    """A ceremony as its journal entries show it.

    Attributes:
        purpose: The task's purpose (one ceremony open per purpose at a time).
        opened: The ``ceremony_opened`` entry's sequence number.
        commitment: The committed content; ``commitment_digest`` its digest.
        committed: Contributor → the commitment they published.
        revealed: Contributor → their revealed contribution.
        attempts: Record digests of the draws made in this ceremony, by attempt number.
        replaces: The record digest this ceremony's draw replaces, and why (or ``None``).
    """

    purpose: str
    opened: int
    commitment: Mapping[str, Any]
    commitment_digest: str
    committed: Mapping[str, str]
    revealed: Mapping[str, str]
    attempts: Mapping[int, str]
    replaces: tuple[str, str] | None

    @property
    def contributors(self) -> list[str]:
        """The contributors, in the committed order."""
        return list(self.commitment["contributors"])

    @property
    def phase(self) -> str:
        """``committing``, ``revealing``, ``ready`` (every contribution revealed) or
        ``drawn``."""
        if self.attempts:
            return "drawn"
        if len(self.committed) < len(self.contributors):
            return "committing"
        return "ready" if len(self.revealed) == len(self.contributors) else "revealing"

    @property
    def seed(self) -> Seed:
        """The task's seed (only when every contribution is revealed)."""
        if self.phase not in ("ready", "drawn"):
            raise InvalidValueError("ceremony", "seed", self.purpose,
                                    f"does not exist yet (the ceremony is {self.phase})",
                                    "wait until every contributor has committed and revealed")
        return seed_of(self.contributors, self.revealed)


def _span(entries: Iterable[Entry], purpose: str, opened: int | None) -> list[Entry]:
    """The entries of one ceremony of ``purpose``: its ``ceremony_opened`` entry (the one at
    ``opened``, else the last) and the entries of that purpose after it, up to the next
    ``ceremony_opened`` of the purpose. Empty when there is no such ceremony."""
    span: list[Entry] = []
    for entry in entries:
        if not entry.payload or entry.payload.get("ceremony") != purpose:
            continue
        if entry.kind == "ceremony_opened":
            if span and opened is not None:
                break  # the chosen ceremony ends where the next one opens
            if opened is None or entry.seq == opened:
                span = [entry]
        elif span:
            span.append(entry)
    return span


def ceremony_state(entries: Iterable[Entry], purpose: str, opened: int | None = None
                   ) -> CeremonyState | None:
    """The last ceremony of ``purpose`` (or the one opened at ``opened``) from the journal."""
    span = _span(entries, purpose, opened)
    if not span:
        return None
    first = span[0].payload or {}
    committed: dict[str, str] = {}
    revealed: dict[str, str] = {}
    attempts: dict[int, str] = {}
    for entry in span[1:]:
        payload = entry.payload or {}
        if entry.kind == "seed_committed":
            committed[payload["contributor"]] = payload["commitment"]
        elif entry.kind == "seed_revealed":
            revealed[payload["contributor"]] = payload["contribution"]
        elif entry.kind == "draw_attempt":
            attempts[payload["attempt"]] = payload["record_digest"]
    return CeremonyState(
        purpose=purpose, opened=span[0].seq, commitment=first["commitment"],
        commitment_digest=first["commitment_digest"], committed=committed, revealed=revealed,
        attempts=attempts,
        replaces=(first["replaces"], first["reason"]) if first.get("replaces") else None)


#: Spec §17.5: the kinds whose payloads a journal may not withhold.
PUBLISHED = (*CEREMONY_KINDS, "team_changed", "team_substituted")
_MALFORMED = (KeyError, TypeError, ValueError, AttributeError, IndexError)


def ceremony_note(record: Any, entries: Sequence[Entry]) -> str:
    """Spec §17.5: the ceremony check's line — ``"FAIL: "`` and its problems, or that it
    holds, with every other ceremony of the task that never drew and, when a later attempt
    replaced this draw, which one and why."""
    try:
        problems = check_record_ceremony(record, entries)
        if problems:
            return "FAIL: " + "; ".join(problems)
        note = "committed before the seed, seed from the reveals, attempt journaled"
        others = _others(entries, record.purpose, record.ceremony["opened"])
        if others:
            note += "; " + others
        later = [e for e in entries if e.kind == "draw_attempt"
                 and _payload(e)["ceremony"] == record.purpose
                 and _payload(e)["attempt"] > record.ceremony["attempt"]]
        if later:
            last = _payload(later[-1])
            note += (f"; REPLACED: attempt {last['attempt']} (journal entry {later[-1].seq}) "
                     f"is the task's draw now, because: {last['reason']}")
    except _MALFORMED as error:
        return f"FAIL: the journal's ceremony entries are malformed ({error!r:.120})"
    return note


def _payload(entry: Entry) -> Mapping[str, Any]:
    return entry.payload or {}


def _others(entries: Sequence[Entry], purpose: str, own: int) -> str:
    """Spec §17.5: the other ceremonies of ``purpose`` that never drew, each with how many
    contributions it revealed, as text ("" when there are none)."""
    spans: list[list[Any]] = []
    for entry in entries:
        payload = _payload(entry)
        if payload.get("ceremony") != purpose:
            continue
        if entry.kind == "ceremony_opened":
            spans.append([entry.seq, 0, len(payload["commitment"]["contributors"]), False])
        elif spans and entry.kind == "seed_revealed":
            spans[-1][1] += 1
        elif spans and entry.kind == "draw_attempt":
            spans[-1][3] = True
    found = [span for span in spans if not span[3] and span[0] != own]
    if not found:
        return ""
    return (f"{len(found)} other ceremony(ies) of this task never drew: " + ", ".join(
        f"entry {seq} ({shown} of {of} contributions revealed"
        + (": its seed was known)" if shown == of else
           ": the last contributor knew its seed)" if shown == of - 1 and of > 1 else ")")
        for seq, shown, of, _ in found))


def team_change_note(record: Any, entries: Sequence[Entry]) -> str | None:
    """Spec §17.5: the record's team changes, listed — or, prefixed ``"FAIL: "``, what
    replaying them over the drawn teams (with its substitutes, §12.9) breaks (``None`` when
    there are none)."""
    if record.teams is None:
        return None
    ours = changes_of(record, entries)
    changes = [e for e in ours if e.kind == "team_changed"]
    if not changes:
        return None
    try:
        problems = _team_change_problems(record.teams, ours)
    except _MALFORMED as error:
        problems = [f"the journal's team changes are malformed ({error!r:.120})"]
    if problems:
        return "FAIL: " + "; ".join(problems)
    described = []
    for entry in changes:
        payload = _payload(entry)
        gone = ",".join(payload["change"]["remove"])
        came = ", ".join(" ".join(a) for a in payload["change"]["add"])
        described.append(f"entry {entry.seq}, target {payload['target']}: -{gone} "
                         f"+{came} because {payload['reason']}")
    return f"{len(changes)} team change(s) after the draw: " + "; ".join(described)


def changes_of(record: Any, entries: Sequence[Entry]) -> list[Entry]:
    """The record's ``team_changed`` and ``team_substituted`` entries, in journal order."""
    return [e for e in entries if e.kind in ("team_changed", "team_substituted")
            and _payload(e)["record_digest"] == record.digest]


def _team_change_problems(section: Mapping[str, Any], ours: Sequence[Entry]) -> list[str]:
    """The team changes replayed over the drawn teams, with the substitutes drawn between
    them (spec §12.9; their own check is `substitutes_note`): what the changes break."""
    teams = {t["target"]: t for t in section["teams"]}
    least = section["policy"]["min_officers"]
    department = section["policy"]["leader_department"]
    now: dict[str, TeamState] = {}
    problems = []
    for entry in ours:
        payload, seq = _payload(entry), entry.seq
        target = payload["target"]
        if target not in teams:
            if entry.kind == "team_changed":
                problems.append(f"entry {seq} changes the team of {target}, which has none")
            continue
        team = now.setdefault(target, TeamState.drawn(teams[target]))
        if entry.kind == "team_substituted":
            team.substitute(payload["leaving"], payload["substitute"], department)
            continue
        problems += [f"entry {seq} {p}" for p in team.pick(payload["change"])]
        if len(team.officers) < least:
            problems.append(f"entry {seq} leaves {target} with {len(team.officers)} "
                            f"officer(s), fewer than the policy's {least}")
        if team.leader not in team.officers:
            problems.append(f"entry {seq} leaves {target} without a leader")
    return problems


def check_record_ceremony(record: Any, entries: Sequence[Entry]) -> list[str]:
    """Spec §17.5: the problems of a record's ceremony against the journal (empty: none).
    The chain is checked first (§16.3), so every payload given is of its kind."""
    withheld = [e for e in entries if e.kind in PUBLISHED and e.payload is None]
    if withheld:
        return [f"the journal withholds the payload of entry {e.seq} ({e.kind}): a "
                "ceremony's entries, team changes and substitutes must be published"
                for e in withheld]
    section = record.ceremony
    if section is None:
        return ["the record names no ceremony, so the journal cannot vouch for its seed"]
    opened = next((e for e in entries if e.seq == section["opened"]), None)
    if opened is None or opened.kind != "ceremony_opened":
        return [f"the journal has no ceremony_opened entry at {section['opened']}"]
    purpose = _payload(opened)["ceremony"]
    fixed = _payload(opened)["commitment"]
    mine = _span(entries, purpose, opened.seq)[1:]
    problems = []
    if _payload(opened)["commitment_digest"] != section["commitment_digest"] or \
            canonical_digest(fixed) != section["commitment_digest"]:
        problems.append("the commitment differs from the journal's")
    expected = {"purpose": record.purpose, "spec_version": record.spec_version,
                "hash": record.hash, "design": dict(record.design),
                "directory": {"digest": record.directory_digest, "size": record.directory_size}}
    problems += [f"the record's {key} is not the one committed" for key, value in expected.items()
                 if fixed.get(key) != value]
    if record.teams is not None and fixed.get("team_policy") is not None \
            and fixed["team_policy"] != record.teams["policy"]:
        problems.append("the record's team policy is not the one committed")
    commits = {_payload(e)["contributor"]: e for e in mine if e.kind == "seed_committed"}
    reveals = [e for e in mine if e.kind == "seed_revealed"]
    if commits and reveals and reveals[0].seq < max(e.seq for e in commits.values()):
        problems.append("a contribution was revealed before every contributor had committed")
    for entry in reveals:
        payload = _payload(entry)
        made = "sha256:" + hashlib.sha256(
            f"{payload['contribution']}:{payload['salt']}".encode()).hexdigest()
        name = payload["contributor"]
        if name not in commits or made != _payload(commits[name])["commitment"]:
            problems.append(f"{name}'s revealed contribution does not match the commitment")
    revealed = {_payload(e)["contributor"]: _payload(e)["contribution"] for e in reveals}
    names = fixed["contributors"]
    if set(revealed) != set(names):
        problems.append("not every contribution is revealed: its seed does not exist")
    else:
        expected_seed = {"value": "-".join(revealed[n] for n in names),
                         "provenance": "combined" if len(names) > 1 else "ceremony",
                         "parties": list(names) if len(names) > 1 else []}
        if record.seed.to_dict() != expected_seed:
            problems.append("the record's seed is not the one the revealed contributions make")
    return problems + _draw_problems(record, entries, opened, mine)


def _draw_problems(record: Any, entries: Sequence[Entry], opened: Entry,
                   mine: Sequence[Entry]) -> list[str]:
    """Spec §17.5: the record's draw attempt, the draws before it, and its teams."""
    section, purpose = record.ceremony, _payload(opened)["ceremony"]
    problems = []
    draw_digest = record.draw_digest() if record.teams is not None else record.digest
    if not any(e.kind == "draw_attempt" and _payload(e)["attempt"] == section["attempt"]
               and _payload(e)["record_digest"] == draw_digest for e in mine):
        problems.append(f"the journal has no draw attempt {section['attempt']} of this record")
    earlier = [_payload(e)["record_digest"] for e in entries if e.kind == "draw_attempt"
               and _payload(e)["ceremony"] == purpose and e.seq < opened.seq]
    if len(earlier) != section["attempt"] - 1:
        problems.append(f"attempt {section['attempt']}, but the journal shows {len(earlier)} "
                        "earlier draw(s) of this task")
    replaces = _payload(opened)["replaces"], _payload(opened)["reason"]
    if earlier and replaces[0] != earlier[-1]:
        problems.append("the ceremony does not name the draw it replaces and why")
    if (section["replaces"], section["reason"]) != (replaces if earlier else (None, None)):
        problems.append("the record's replaces/reason are not the ceremony's")
    teams = [e.seq for e in entries if e.kind == "teams_drawn"
             and _payload(e)["draw_digest"] == draw_digest]
    if len(teams) > 1:
        problems.append(f"teams were drawn {len(teams)} times for this draw (entries "
                        + ", ".join(map(str, teams)) + ")")
    if record.teams is not None and not any(
            e.kind == "teams_drawn" and _payload(e)["record_digest"] == record.digest
            for e in entries):
        problems.append("the journal has no teams_drawn entry for this record")
    return problems
