"""The seed ceremony in a workspace (spec §17): open (commit to every input), contributors
commit and reveal, draw — each step a journal entry, checked against the ones before.

Example (a workspace ``ws``, a directory, a design)::

    state = open_ceremony(ws, purpose="2024/忻州市/task-03", design=design,
                          directory=directory, contributors=["甲", "乙"], actor="信用监管科")
    print(commitment_text(state))                  # publish it before any seed exists
    commit_contribution(ws, purpose=…, contributor="甲", commitment=…)   # each contributor
    reveal_contribution(ws, purpose=…, contributor="甲", contribution="…", salt="…")
    sample = draw_in_ceremony(ws, purpose=…, actor="信用监管科")
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

import attrs

from .._canonical import canonical_digest
from .._errors import InvalidValueError, StoreError
from ..assignment import Assignment, ConflictRegister, TeamPolicy, assign_inspectors
from ..assignment._assign import assignment_from_section
from ..audit._ceremony import (
    CEREMONY_KINDS,
    CeremonyState,
    ceremony_state,
    check_contribution,
    commitment,
    contribution_commitment,
)
from ..audit._journal import Signer
from ..registry import CheckItemList, InspectorDirectory, TargetDirectory
from ..sampling import SPEC_VERSION, Design, Sample, design_from_dict, draw_targets
from ..sampling._rivest import hash_function
from ..sampling._seed import check_purpose
from ._workspace import Workspace

__all__ = [
    "assign_in_ceremony",
    "ceremony_of",
    "commit_contribution",
    "commitment_text",
    "committed_teams",
    "draw_in_ceremony",
    "drawn_in_ceremony",
    "open_ceremony",
    "reveal_contribution",
    "teams_in_ceremony",
]


_COMMITMENT = re.compile(r"sha256:[0-9a-f]{64}")
_REGISTER_LABELS = {"inspector_directory": "执法检查人员名录库 inspector directory",
                    "check_item_list": "随机抽查事项清单 check-item list",
                    "conflict_register": "回避登记 conflict register"}


def _purpose_problem(label: str) -> str | None:
    """Why a purpose could pass for another one (invisible or control characters,
    compatibility forms, Latin mixed with Cyrillic or Greek letters), or ``None``."""
    odd = [c for c in label if c != " " and (unicodedata.category(c)[0] in "CZ"
                                             or c.isspace())]
    if odd:
        return ("holds invisible or control characters ("
                + ", ".join(f"U+{ord(c):04X}" for c in odd) + ")")
    folded = unicodedata.normalize("NFKC", label)
    if folded != label:
        return f"holds full-width or compatibility characters (write it {folded!r})"
    scripts = {unicodedata.name(c, "").split(" ")[0] for c in label if c.isalpha()}
    if len(scripts & {"LATIN", "CYRILLIC", "GREEK"}) > 1:
        return "mixes Latin letters with Cyrillic or Greek ones that look alike"
    return None


def _skeleton(label: str) -> str:
    return unicodedata.normalize("NFKC", label).casefold()


def ceremony_of(ws: Workspace, purpose: str) -> CeremonyState:
    """The last ceremony opened for ``purpose``; `InvalidValueError` if there is none."""
    state = ceremony_state(ws.journal(kinds=CEREMONY_KINDS), purpose)
    if state is None:
        raise InvalidValueError("ceremony", "purpose", purpose, "has no ceremony",
                                "open one first: ceremony open")
    return state


def _draws(ws: Workspace, purpose: str) -> list[str]:
    return [e.payload["record_digest"] for e in ws.journal(kinds=("draw_attempt",))
            if e.kind == "draw_attempt" and e.payload and e.payload["ceremony"] == purpose]


def open_ceremony(ws: Workspace, *, purpose: str, design: Design, directory: TargetDirectory,
                  contributors: Sequence[str], actor: str, hash: str = "sha256",
                  inspectors: InspectorDirectory | None = None,
                  items: CheckItemList | None = None, conflicts: ConflictRegister | None = None,
                  team_policy: TeamPolicy | None = None, plan: Any = None,
                  reason: str | None = None, signer: Signer | None = None) -> CeremonyState:
    """Commit, before any seed exists, to every input of a task's draw (spec §17.1).

    The registers are saved in the workspace (each once). A task drawn before can be opened
    again only with a ``reason``, and the new draw then replaces the last one; a ceremony not
    yet drawn is abandoned by opening a new one, again only with a ``reason`` (a contributor
    lost a salt): verifying the eventual draw with the journal shows every abandoned
    ceremony and whether its seed was already known.
    """
    label = check_purpose(purpose)
    problem = _purpose_problem(label)
    if problem is not None:
        raise InvalidValueError("ceremony", "purpose", label, problem,
                                "name the task in plain characters, as the plan does")
    known = {str(e.payload.get("ceremony") or e.payload.get("purpose"))
             for e in ws.journal(kinds=("ceremony_opened", "record_stored")) if e.payload}
    alike = sorted(p for p in known if p != label and _skeleton(p) == _skeleton(label))
    if alike:
        raise InvalidValueError("ceremony", "purpose", label,
                                f"differs only in case or form from the task {alike[0]!r} "
                                "in this workspace",
                                "use that task's exact label (a re-draw then needs a reason)")
    hash_function(hash)
    earlier = _draws(ws, label)
    current = ceremony_state(ws.journal(kinds=CEREMONY_KINDS), label)
    in_progress = current is not None and current.phase != "drawn"
    abandons = current.opened if current is not None and in_progress else None
    if current is not None and in_progress and not (reason and reason.strip()):
        raise InvalidValueError("ceremony", "purpose", label,
                                f"has a ceremony in progress (opened at entry {current.opened},"
                                f" {current.phase})", "finish it (commit, reveal, draw), or "
                                "abandon it by opening a new one with a reason (it is "
                                "published, and verifying the draw shows it)")
    if earlier and not (reason and reason.strip()):
        raise InvalidValueError("ceremony", "reason", reason,
                                f"is needed: {label} was drawn before ({len(earlier)} "
                                "draw(s)); a new draw replaces the last one",
                                "give the reason for drawing again (it is published)")
    registers: dict[str, str | None] = {"inspector_directory": None, "check_item_list": None,
                                        "conflict_register": None}
    if team_policy is not None:
        if inspectors is None:
            raise InvalidValueError("ceremony", "inspectors", None,
                                    "are needed with a team policy",
                                    "give the inspector directory the teams are drawn from")
        if conflicts is None:
            conflicts = team_policy.conflicts
        if team_policy.items and items is None:
            raise InvalidValueError("ceremony", "items", None,
                                    "are needed: the team policy names check items",
                                    "give the check-item list the items come from")
    ws.save_register(directory, actor=actor, signer=signer)
    for key, register in (("inspector_directory", inspectors), ("check_item_list", items),
                          ("conflict_register", conflicts)):
        if register is not None:
            registers[key] = ws.save_register(register, actor=actor, signer=signer)
    if plan is not None:
        ws.save_plan(plan, actor=actor, signer=signer)
    fixed = commitment(
        purpose=label, spec_version=SPEC_VERSION, hash_name=hash, design=design.to_dict(),
        directory={"digest": directory.digest, "size": len(directory)},
        contributors=contributors, registers=registers,
        team_policy=None if team_policy is None else team_policy.to_dict(),
        plan=None if plan is None else {"digest": plan.digest, "version": plan.version})
    ws.append("ceremony_opened", {
        "ceremony": label, "commitment": fixed, "commitment_digest": canonical_digest(fixed),
        "replaces": earlier[-1] if earlier else None, "abandons": abandons,
        "reason": reason.strip() if (earlier or abandons) and reason else None},
        actor=actor, signer=signer)
    return ceremony_of(ws, label)


def commitment_text(state: CeremonyState) -> str:
    """The public commitment to publish before the seed is made (Chinese and English)."""
    fixed = state.commitment
    registers = fixed["registers"]
    lines = [f"抽查任务随机种子承诺 seed ceremony commitment — {fixed['purpose']}",
             f"  commitment digest 承诺摘要: {state.commitment_digest}",
             f"  journal entry 日志序号: {state.opened}",
             f"  draw spec 规范版本: {fixed['spec_version']}, hash {fixed['hash']}",
             f"  target directory 检查对象名录库: {fixed['directory']['digest']} "
             f"({fixed['directory']['size']:,} targets)"]
    lines += [f"  {_REGISTER_LABELS[name]}: {digest}" for name, digest in registers.items()
              if digest]
    policy = fixed.get("team_policy")
    if policy:
        lines.append(f"  team policy 检查组规则: check date {policy['check_date']}, mode "
                     f"{policy['mode']}, unit {policy['unit']}, {policy['min_officers']}+ "
                     "officers" + (f", items {', '.join(policy['items'])}"
                                   if policy["items"] else ""))
    if fixed.get("plan"):
        lines.append(f"  plan 年度计划: version {fixed['plan']['version']}, "
                     f"{fixed['plan']['digest']}")
    if state.replaces:
        lines.append(f"  replaces 替换: {state.replaces[0]} because 原因: {state.replaces[1]}")
    lines.append("  contributors, in order 种子贡献方（按序）: " + ", ".join(fixed["contributors"]))
    return "\n".join(lines)


def commit_contribution(ws: Workspace, *, purpose: str, contributor: str, commitment: str,
                        signer: Signer | None = None) -> None:
    """A contributor's commitment (spec §17.2), journaled under the contributor's name."""
    state = ceremony_of(ws, purpose)
    if contributor not in state.contributors:
        raise InvalidValueError("ceremony", "contributor", contributor,
                                "is not a contributor of this ceremony",
                                "the contributors are: " + ", ".join(state.contributors))
    if state.phase != "committing":
        raise InvalidValueError("ceremony", "commit", contributor,
                                f"comes too late: the ceremony is {state.phase}",
                                "commitments are taken before any reveal")
    if contributor in state.committed:
        raise InvalidValueError("ceremony", "contributor", contributor, "has committed already",
                                "each contributor commits once")
    if not isinstance(commitment, str) or not _COMMITMENT.fullmatch(commitment.lower()):
        raise InvalidValueError("ceremony", "commitment", commitment,
                                "is not sha256: and 64 hex digits",
                                "publish sha256(contribution + ':' + salt), see spec §17.2")
    ws.append("seed_committed", {"ceremony": state.purpose, "contributor": contributor,
                                 "commitment": commitment.lower()},
              actor=contributor, signer=signer)


def reveal_contribution(ws: Workspace, *, purpose: str, contributor: str, contribution: str,
                        salt: str, signer: Signer | None = None) -> None:
    """A contributor's reveal (spec §17.3): refused — and journaled as refused — when it does
    not match the commitment."""
    state = ceremony_of(ws, purpose)
    if state.phase != "revealing":
        raise InvalidValueError("ceremony", "reveal", contributor,
                                f"is not possible now: the ceremony is {state.phase}",
                                "reveal after every contributor has committed, once each")
    if contributor not in state.committed or contributor in state.revealed:
        raise InvalidValueError("ceremony", "contributor", contributor,
                                "has not committed, or has revealed already",
                                "each committed contributor reveals once")
    try:
        matches = contribution_commitment(contribution, salt) == state.committed[contributor]
        why = "the contribution and salt do not make the published commitment"
        if matches:
            check_contribution(contribution)
    except InvalidValueError as error:
        matches, why = False, f"the contribution {error.problem}"
    if not matches:
        ws.append("reveal_refused", {"ceremony": state.purpose, "contributor": contributor,
                                     "reason": why}, actor=contributor, signer=signer)
        raise InvalidValueError("ceremony", "reveal", contributor, f"is refused: {why}",
                                "reveal exactly the contribution and salt committed to")
    ws.append("seed_revealed", {"ceremony": state.purpose, "contributor": contributor,
                                "contribution": contribution, "salt": salt},
              actor=contributor, signer=signer)


def draw_in_ceremony(ws: Workspace, *, purpose: str, actor: str,
                     signer: Signer | None = None) -> Sample:
    """Draw the task from exactly the committed inputs and the revealed seed (spec §17.4);
    the record (with its ``ceremony`` section) is stored and the attempt journaled.

    Interrupted between storing the record and journaling the attempt, it may be called
    again: the same inputs and seed make the same record, stored once."""
    state = ceremony_of(ws, purpose)
    if state.phase != "ready":
        raise InvalidValueError("ceremony", "draw", state.purpose,
                                f"is not possible: the ceremony is {state.phase}",
                                "draw once, after every contribution is revealed; to draw "
                                "again open a new ceremony with a reason (drawn_in_ceremony "
                                "gives the draw made)")
    attempt = len(_draws(ws, state.purpose)) + 1
    sample = _replay(ws, state, attempt)
    section = sample.record.ceremony or {}
    digest = ws.save_record(sample.record, actor=actor, signer=signer)
    ws.append("draw_attempt", {"ceremony": state.purpose, "attempt": attempt,
                               "record_digest": digest, "replaces": section["replaces"],
                               "reason": section["reason"]}, actor=actor, signer=signer)
    return sample


def drawn_in_ceremony(ws: Workspace, *, purpose: str) -> Sample:
    """The draw the last ceremony of ``purpose`` made, replayed from the workspace (the
    same record, byte for byte, as the one stored): to write it out again, or to draw the
    committed teams after an interruption."""
    state = ceremony_of(ws, purpose)
    if state.phase != "drawn":
        raise InvalidValueError("ceremony", "purpose", state.purpose,
                                f"has not drawn yet (the ceremony is {state.phase})",
                                "draw it: draw_in_ceremony")
    attempt, digest = max(state.attempts.items())
    sample = _replay(ws, state, attempt)
    if sample.record.digest != digest:
        raise StoreError(ws.location, f"the draw of {state.purpose} replays as "
                         f"{sample.record.digest}, not as the journaled {digest}",
                         "verify the stored record: random-inspection verify")
    return sample


def _replay(ws: Workspace, state: CeremonyState, attempt: int) -> Sample:
    """The task drawn from the committed inputs and the ceremony's seed, as ``attempt``."""
    fixed = state.commitment
    directory = ws.load_register(fixed["directory"]["digest"])
    if not isinstance(directory, TargetDirectory):
        raise StoreError(ws.location, f"the committed directory {fixed['directory']['digest']} "
                         f"is stored as a {type(directory).__name__}",
                         "restore the workspace from a backup")
    sample = draw_targets(directory, design_from_dict(fixed["design"]), seed=state.seed,
                          purpose=state.purpose, hash=fixed["hash"])
    section = {"commitment_digest": state.commitment_digest, "opened": state.opened,
               "attempt": attempt, "replaces": state.replaces[0] if state.replaces else None,
               "reason": state.replaces[1] if state.replaces else None}
    return attrs.evolve(sample, record=attrs.evolve(sample.record, ceremony=section))


def teams_in_ceremony(ws: Workspace, sample: Sample) -> Assignment | None:
    """The teams drawn for a ceremony's draw, from the workspace (``None``: not drawn)."""
    found = [(e.payload or {}).get("record_digest") for e in ws.journal(kinds=("teams_drawn",))
             if (e.payload or {}).get("draw_digest") == sample.record.digest]
    if not found:
        return None
    record = ws.load_record(str(found[0]))
    return assignment_from_section(dict(record.teams or {}), record)


def assign_in_ceremony(ws: Workspace, sample: Sample, inspectors: InspectorDirectory,
                       policy: TeamPolicy, *, actor: str, signer: Signer | None = None
                       ) -> Assignment:
    """Teams for a ceremony's draw, from the committed policy and registers; the record with
    teams is stored and journaled (``teams_drawn``)."""
    section = sample.record.ceremony
    if section is None:
        raise InvalidValueError("ceremony", "sample", sample.record.purpose,
                                "was not drawn in a ceremony", "use draw_in_ceremony")
    state = ceremony_of(ws, sample.record.purpose)
    committed = state.commitment.get("team_policy")
    if committed is None:
        raise InvalidValueError("ceremony", "team policy", state.purpose,
                                "was not committed when the ceremony opened, so teams drawn "
                                "now could be drawn again until one pleased",
                                "open the ceremony with the team policy and inspectors")
    if state.attempts.get(section["attempt"]) != sample.record.digest:
        raise InvalidValueError("ceremony", "sample", sample.record.digest,
                                "is not the draw this ceremony made",
                                "pass the sample draw_in_ceremony returned")
    drawn = [e.seq for e in ws.journal(kinds=("teams_drawn",))
             if (e.payload or {}).get("draw_digest") == sample.record.digest]
    if drawn:
        raise InvalidValueError("ceremony", "teams", state.purpose,
                                f"were drawn for this draw already (journal entry {drawn[0]})",
                                "the teams are in the workspace: team show; to change one, "
                                "team change with a reason")
    if committed != policy.to_dict():
        raise InvalidValueError("ceremony", "policy", policy.to_dict(),
                                "is not the team policy committed to",
                                "use the committed policy, or open a new ceremony")
    registered = state.commitment["registers"].get("inspector_directory")
    if registered is not None and registered != inspectors.digest:
        raise InvalidValueError("ceremony", "inspectors", inspectors.digest,
                                f"is not the inspector directory committed to ({registered})",
                                "use the committed directory (it is in the workspace)")
    assignment = assign_inspectors(sample, inspectors, policy)
    digest = ws.save_record(assignment.record, actor=actor, signer=signer)
    ws.append("teams_drawn", {"ceremony": state.purpose, "record_digest": digest,
                              "draw_digest": sample.record.digest}, actor=actor, signer=signer)
    return assignment


def committed_teams(ws: Workspace, purpose: str
                    ) -> tuple[InspectorDirectory, TeamPolicy] | None:
    """The inspector directory and team policy a ceremony committed to, rebuilt from the
    workspace (``None`` when it committed to none), so its teams can be drawn without the
    files. A policy with rotation or custom rules cannot be rebuilt from digests: pass it to
    `assign_in_ceremony` yourself."""
    state = ceremony_of(ws, purpose)
    fixed = state.commitment
    policy_data = fixed.get("team_policy")
    if policy_data is None:
        return None
    registers = fixed["registers"]

    def stored(key: str, kind: type[Any]) -> Any:
        digest = registers.get(key)
        value = None if digest is None else ws.load_register(digest)
        if value is not None and not isinstance(value, kind):
            raise StoreError(ws.location, f"the committed {key} {digest} is stored as a "
                             f"{type(value).__name__}", "restore the workspace from a backup")
        return value

    inspectors = stored("inspector_directory", InspectorDirectory)
    items = stored("check_item_list", CheckItemList)
    conflicts = stored("conflict_register", ConflictRegister)
    policy = None
    if inspectors is not None and not policy_data.get("custom_rules"):
        policy = TeamPolicy.from_record(policy_data, conflicts=conflicts,
                                        items=list(items) if items is not None else ())
    if policy is None or policy.to_dict() != policy_data:
        raise InvalidValueError("ceremony", "team policy", purpose,
                                "cannot be rebuilt from the workspace (it has rotation or "
                                "custom rules, known only by digest)",
                                "call assign_in_ceremony with the policy committed to")
    return inspectors, policy
