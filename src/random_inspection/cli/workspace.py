"""``random-inspection workspace``, ``ceremony`` and ``journal``: the year kept in a store,
the seed ceremony, and the tamper-evident journal (needs the ``store`` extra)."""

from __future__ import annotations

import argparse
import secrets
from pathlib import Path
from typing import Any

from .._errors import InvalidValueError
from ..audit._ceremony import check_contribution, contribution_commitment
from ..audit._journal import write_jsonl
from ..registry import EntityType, InspectorDirectory
from . import _options as o
from ._console import Console
from ._inputs import read_directory
from ._store import open_store
from .assign import policy_of, read_previous, register_options, team_options
from .draw import design_of

__all__ = ["add"]


def _where(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workspace", required=True, metavar="DIR_OR_URL",
                        help="the workspace: a folder (SQLite) or a postgresql+psycopg:// URL")


def add(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register ``workspace``, ``ceremony`` and ``journal`` with their subcommands."""
    _add_workspace(commands, common)
    _add_ceremony(commands, common)
    _add_journal(commands, common)
    _add_team(commands, common)


def _add_workspace(commands: Any, common: argparse.ArgumentParser) -> None:
    ws = commands.add_parser("workspace", parents=[common], help="create or inspect a workspace")
    sub = ws.add_subparsers(dest="action", required=True, metavar="ACTION",
                           help="init or status")
    init = sub.add_parser("init", parents=[common], help="create a workspace")
    init.add_argument("location", help="a new folder (SQLite) or a postgresql+psycopg:// URL")
    init.set_defaults(run=_init)
    status = sub.add_parser("status", parents=[common], help="what a workspace holds")
    status.add_argument("location", help="the workspace folder or URL")
    status.set_defaults(run=_status)


def _add_ceremony(commands: Any, common: argparse.ArgumentParser) -> None:
    ceremony = commands.add_parser("ceremony", parents=[common],
                                   help="the seed ceremony: open, commit, reveal, draw")
    steps = ceremony.add_subparsers(dest="action", required=True, metavar="ACTION",
                                   help="open, contribution, commit, reveal or draw")
    opening = steps.add_parser("open", parents=[common],
                               help="commit to every input of a task's draw, before any seed")
    _where(opening)
    opening.add_argument("directory", type=o.existing_file,
                         help="the target directory (CSV or Parquet)")
    opening.add_argument("--purpose", required=True, type=o.purpose, help="the task's label")
    opening.add_argument("--contributor", action="append", required=True,
                         help="a seed contributor, in the order contributions are joined "
                              "(repeat for each)")
    group = opening.add_mutually_exclusive_group(required=True)
    group.add_argument("--rates", type=o.rates, help="every class's rate, as for `draw`")
    group.add_argument("--preset", help="a provincial preset, as for `draw`")
    opening.add_argument("--unclassified", type=o.rate, help="with --preset: rate of U")
    opening.add_argument("--floor", type=o.rate, default="3/100", help="coverage floor")
    opening.add_argument("--region", action="append", type=o.region_prefix,
                         help="a region prefix in scope (repeatable)")
    opening.add_argument("--entity-type", action="append", type=o.entity_type,
                         help="an entity type in scope (repeatable; default enterprise)")
    opening.add_argument("--exclude-checked-since", type=o.checked_date, metavar="DATE",
                         help="leave out targets checked on or after DATE")
    opening.add_argument("--hash", default="sha256", choices=("sha256", "sm3"),
                         help="the spec's hash")
    register_options(opening, inspectors_required=False)
    team_options(opening, check_date_required=False)
    opening.add_argument("--plan", type=o.existing_file,
                         help="the annual plan the task is in (.toml or .json): its version "
                              "is committed, and the purpose must be one of its tasks' "
                              "(YEAR/REGION/CODE)")
    opening.add_argument("--reason", help="why the task is drawn again (needed after a draw)")
    opening.add_argument("--actor", required=True, help="who opens the ceremony")
    opening.set_defaults(run=_open)
    secret = steps.add_parser("contribution", parents=[common],
                              help="make a salt and the commitment of a contribution")
    secret.add_argument("contribution", help="the contribution: dice digits (or hex)")
    secret.set_defaults(run=_contribution)
    commit = steps.add_parser("commit", parents=[common], help="a contributor's commitment")
    _where(commit)
    commit.add_argument("--purpose", required=True, type=o.purpose, help="the task's label")
    commit.add_argument("--contributor", required=True, help="who commits")
    commit.add_argument("--commitment", required=True, help="sha256:… of contribution:salt")
    commit.set_defaults(run=_commit)
    reveal = steps.add_parser("reveal", parents=[common], help="a contributor's reveal")
    _where(reveal)
    reveal.add_argument("--purpose", required=True, type=o.purpose, help="the task's label")
    reveal.add_argument("--contributor", required=True, help="who reveals")
    reveal.add_argument("--contribution", required=True, help="the contribution committed to")
    reveal.add_argument("--salt", required=True, help="the salt committed with it")
    reveal.set_defaults(run=_reveal)
    draw = steps.add_parser("draw", parents=[common],
                            help="draw the task once every contribution is revealed")
    _where(draw)
    draw.add_argument("--purpose", required=True, type=o.purpose, help="the task's label")
    draw.add_argument("--actor", required=True, help="who draws")
    draw.add_argument("--out", required=True, type=Path,
                      help="the folder to write (record.json, manifest.json)")
    draw.set_defaults(run=_draw)


def _add_journal(commands: Any, common: argparse.ArgumentParser) -> None:
    journal = commands.add_parser("journal", parents=[common],
                                  help="show, verify or export the journal")
    acts = journal.add_subparsers(dest="action", required=True, metavar="ACTION",
                                  help="show, verify or export")
    show = acts.add_parser("show", parents=[common], help="print the journal's entries")
    _where(show)
    show.add_argument("--last", type=o.whole_number, default=20, help="how many of the last")
    show.set_defaults(run=_show)
    check = acts.add_parser("verify", parents=[common], help="check the whole chain")
    _where(check)
    check.add_argument("--head", type=o.digest, metavar="sha256:HEX",
                       help="the head published earlier: the chain must end there (finds a "
                            "cut-off tail)")
    check.add_argument("--require-signatures", action="store_true",
                       help="every entry must be signed by its actor's registered key")
    check.set_defaults(run=_verify)
    export = acts.add_parser("export", parents=[common],
                             help="write the chain as JSON Lines (verifier.py --journal reads it)")
    _where(export)
    export.add_argument("--out", required=True, type=Path, help="the JSON Lines file to write")
    export.add_argument("--force", action="store_true", help="replace an existing file")
    export.set_defaults(run=_export)


def _add_team(commands: Any, common: argparse.ArgumentParser) -> None:
    team = commands.add_parser("team", parents=[common],
                               help="change a drawn team (with its reason), draw a "
                                    "substitute, or show one")
    acts = team.add_subparsers(dest="action", required=True, metavar="ACTION",
                               help="change, substitute or show")
    for name, helptext, run in (("change", "journal a change to a drawn team", _team_change),
                                ("substitute", "draw a substitute for an officer who leaves "
                                 "a drawn team (替补抽取), and journal it", _team_substitute),
                                ("show", "a team with its journaled changes", _team_show)):
        p = acts.add_parser(name, parents=[common], help=helptext)
        _where(p)
        p.add_argument("--record", required=True,
                       help="the record with teams: its digest, its file, or its folder")
        p.add_argument("--target", required=True, help="the target whose team it is")
        p.set_defaults(run=run)
        if name == "change":
            p.add_argument("--remove", action="append", default=[],
                           help="an inspector who leaves the team (repeatable)")
            p.add_argument("--add", action="append", default=[],
                           help="an inspector who joins the team (repeatable)")
            p.add_argument("--leader", help="who leads now (needed when the leader leaves)")
            p.add_argument("--reason", required=True, help="why (it is journaled)")
            p.add_argument("--actor", required=True, help="who makes the change")
        if name == "substitute":
            p.add_argument("--leaving", required=True,
                           help="the officer who leaves the team (not an expert)")
            p.add_argument("--reason", required=True, help="why (it is journaled)")
            p.add_argument("--actor", required=True, help="who draws the substitute")
            p.add_argument("--previous", type=o.existing_file,
                           help="the previous inspectors JSON the teams were drawn with "
                                "(needed when they were drawn with rotation data)")


def _record_digest(text: str) -> str:
    path = Path(text)
    if path.is_dir():
        path = path / "record.json"
    if path.is_file():
        from ..sampling._record import AuditRecord  # noqa: PLC0415

        return AuditRecord.read(path).digest
    try:
        return o.digest(text)
    except argparse.ArgumentTypeError:
        raise InvalidValueError("team", "--record", text, "is neither a record file or "
                                "folder nor a record digest", "give the record.json, its "
                                "folder, or sha256:… as `journal show` lists it") from None


def _team_lines(team: dict[str, Any]) -> list[str]:
    lines = [f"officers 执法人员: {', '.join(team['officers'])} (leader 组长: {team['leader']})",
             f"experts 专家: {', '.join(team['experts']) or '-'}"]
    said = [(c["seq"], f"  entry {c['seq']} {c['time']} {c['actor']}: -{','.join(c['remove'])}"
                       f" +{', '.join(' '.join(a) for a in c['add'])} because {c['reason']}")
            for c in team["changes"]]
    said += [(c["seq"], f"  entry {c['seq']} {c['time']} {c['actor']}: -{c['leaving']} "
                        f"+{c['substitute']} drawn (替补, substitute/{c['target']}/{c['k']}) "
                        f"because {c['reason']}")
             for c in team["substitutions"]]
    return lines + [line for _, line in sorted(said)]


def _team_change(args: argparse.Namespace, console: Console) -> int:
    from ..store import change_team  # noqa: PLC0415

    with open_store(args.workspace) as ws:
        team = change_team(ws, _record_digest(args.record), args.target, remove=args.remove,
                           add=args.add, leader=args.leader, reason=args.reason,
                           actor=args.actor)
    console.lines([f"team of {args.target} changed and journaled:", *_team_lines(team)])
    return 0


def _team_substitute(args: argparse.Namespace, console: Console) -> int:
    from ..store import substitute, team_now  # noqa: PLC0415

    digest = _record_digest(args.record)
    with open_store(args.workspace) as ws:
        drawn = substitute(ws, digest, args.target, args.leaving, reason=args.reason,
                           actor=args.actor, previous_inspectors=read_previous(args.previous))
        team = team_now(ws, digest, args.target)
    console.lines([f"substitute 替补 for {args.leaving} in the team of {args.target}: "
                   f"{drawn.substitute} (drawn under {drawn.label}), journaled:",
                   *_team_lines(team)])
    return 0


def _team_show(args: argparse.Namespace, console: Console) -> int:
    from ..store import team_now  # noqa: PLC0415

    with open_store(args.workspace) as ws:
        team = team_now(ws, _record_digest(args.record), args.target)
    console.lines([f"team of {args.target}:", *_team_lines(team)])
    return 0


def _init(args: argparse.Namespace, console: Console) -> int:
    with open_store(args.location, new=True) as ws:
        console.echo(f"workspace created: {ws.location} ({ws.backend})")
    return 0


def _status(args: argparse.Namespace, console: Console) -> int:
    with open_store(args.location) as ws:
        for key, value in ws.status().items():
            console.echo(f"{key}: {value}")
    return 0


def _open(args: argparse.Namespace, console: Console) -> int:
    if args.preset is not None and args.preset not in _presets():
        raise InvalidValueError("ceremony open", "--preset", args.preset, "is not a preset",
                                "use one of: " + ", ".join(_presets()))
    design_args = argparse.Namespace(**{**vars(args), "entity_type": args.entity_type
                                        or [EntityType.ENTERPRISE]})
    design = design_of(design_args)
    directory = read_directory(args.directory, console.progress)
    inspectors = policy = items = conflicts = None
    if args.inspectors:
        if args.check_date is None:
            raise InvalidValueError("ceremony open", "--check-date", None,
                                    "is needed with --inspectors",
                                    "give the team policy's check date")
        if args.previous:
            raise InvalidValueError("ceremony open", "--previous", str(args.previous),
                                    "cannot be committed (a workspace keeps registers, not "
                                    "rotation files)", "draw such teams with the library: "
                                    "store.assign_in_ceremony")
        policy, items, conflicts = policy_of(args, "ceremony open")
        inspectors = InspectorDirectory.from_csv(args.inspectors)
    elif any(getattr(args, k) for k in ("check_date", "item_list", "item_codes", "conflicts",
                                        "previous", "leader_department", "cap")):
        raise InvalidValueError("ceremony open", "--inspectors", None,
                                "is needed for a team policy's options",
                                "give the inspector directory, or drop the team options")
    plan = None
    if args.plan:
        from ..planning import read_plan  # noqa: PLC0415

        plan = read_plan(args.plan)
        labels = [f"{plan.year}/{plan.region}/{t.code}" for t in plan.tasks]
        if args.purpose not in labels:
            raise InvalidValueError("ceremony open", "--purpose", args.purpose,
                                    f"is not a task of the plan {plan.name!r} (version "
                                    f"{plan.version})", "use one of: " + ", ".join(labels))
    from ..store import commitment_text, open_ceremony  # noqa: PLC0415

    with open_store(args.workspace, create=True) as ws:
        state = open_ceremony(ws, purpose=args.purpose, design=design, directory=directory,
                              contributors=args.contributor, actor=args.actor, hash=args.hash,
                              inspectors=inspectors, team_policy=policy, conflicts=conflicts,
                              items=items, plan=plan, reason=args.reason)
        console.echo(commitment_text(state))
    return 0


def _presets() -> list[str]:
    from ..sampling import PRESETS  # noqa: PLC0415

    return sorted(PRESETS)


def _contribution(args: argparse.Namespace, console: Console) -> int:
    check_contribution(args.contribution)
    salt = secrets.token_hex(16)
    console.lines([f"contribution 贡献值: {args.contribution}", f"salt 盐值: {salt}",
                   f"commitment 承诺: {contribution_commitment(args.contribution, salt)}",
                   "publish the commitment now; keep the contribution and salt secret until "
                   "every contributor has committed"])
    return 0


def _commit(args: argparse.Namespace, console: Console) -> int:
    from ..store import commit_contribution  # noqa: PLC0415

    with open_store(args.workspace) as ws:
        commit_contribution(ws, purpose=args.purpose, contributor=args.contributor,
                            commitment=args.commitment)
        console.echo(f"{args.contributor} committed: {args.commitment}")
    return 0


def _reveal(args: argparse.Namespace, console: Console) -> int:
    from ..store import ceremony_of, reveal_contribution  # noqa: PLC0415

    with open_store(args.workspace) as ws:
        reveal_contribution(ws, purpose=args.purpose, contributor=args.contributor,
                            contribution=args.contribution, salt=args.salt)
        state = ceremony_of(ws, args.purpose)
        console.echo(f"{args.contributor} revealed; the ceremony is {state.phase}"
                     + (f": seed {state.seed.value}" if state.phase == "ready" else ""))
    return 0


def _draw(args: argparse.Namespace, console: Console) -> int:
    from .._runfolder import run_folder  # noqa: PLC0415
    from ..store import (  # noqa: PLC0415
        assign_in_ceremony,
        ceremony_of,
        committed_teams,
        draw_in_ceremony,
        drawn_in_ceremony,
        teams_in_ceremony,
    )
    from ._outputs import check_output  # noqa: PLC0415
    from ._summaries import assignment_summary, sample_summary  # noqa: PLC0415

    check_output(args.out, False)
    with open_store(args.workspace) as ws:
        teams = committed_teams(ws, args.purpose)  # refused before the draw if not rebuilt
        if ceremony_of(ws, args.purpose).phase == "drawn":  # interrupted, or written again
            sample = drawn_in_ceremony(ws, purpose=args.purpose)
            console.echo(f"{args.purpose} was drawn in this ceremony already: writing that "
                         "draw (a new draw needs a new ceremony, with a reason)")
        else:
            sample = draw_in_ceremony(ws, purpose=args.purpose, actor=args.actor)
        section = sample.record.ceremony or {}
        console.echo(f"attempt {section.get('attempt')} of {args.purpose}"
                     + (f", replaces {section['replaces']} because {section['reason']}"
                        if section.get("replaces") else ""))
        console.lines(sample_summary(sample))
        record = sample.record
        if teams is not None:
            inspectors, policy = teams
            assignment = teams_in_ceremony(ws, sample) or assign_in_ceremony(
                ws, sample, inspectors, policy, actor=args.actor)
            console.echo(f"抽取执法检查人员 teams, mode {policy.mode.code}, check date "
                         f"{policy.check_date}:")
            console.lines(assignment_summary(assignment, sample, inspectors))
            record = assignment.record
        with run_folder(args.out, command="ceremony draw", seed=record.seed.value,
                        purpose=args.purpose) as out:
            (out.path / "record.json").write_text(record.to_json(), encoding="utf-8")
            out.records.append("record.json")
        console.echo(f"wrote {args.out}/: record.json, manifest.json (the record is stored "
                     "in the workspace and its attempt journaled)")
    return 0


def _show(args: argparse.Namespace, console: Console) -> int:
    with open_store(args.workspace) as ws:
        last, _ = ws.head()
        for entry in ws.journal(start=max(1, last - args.last + 1)):
            payload = ", ".join(f"{k}={v}" for k, v in (entry.payload or {}).items()
                                if k not in ("commitment", "salt"))
            console.echo(f"{entry.seq:>6} {entry.time} {entry.actor} {entry.kind}: "
                         f"{payload[:150]}")
    return 0


def _verify(args: argparse.Namespace, console: Console) -> int:
    with console.step("checking the journal"), open_store(args.workspace) as ws:
        report = ws.check_journal(head=args.head,
                                  require_signatures=args.require_signatures)
    console.echo(str(report))
    return 0 if report.ok else 1


def _export(args: argparse.Namespace, console: Console) -> int:
    if args.out.exists() and not args.force:
        from .._errors import OutputExistsError  # noqa: PLC0415

        raise OutputExistsError(str(args.out))
    with open_store(args.workspace) as ws:
        entries = list(ws.journal())
        write_jsonl(entries, args.out)
        seq, head = ws.head()
        ws.append("export", {"head": head, "entries": seq}, actor="random-inspection")
    console.echo(f"wrote {args.out}: {len(entries)} entries, head {head}; check it with "
                 f"`python verifier.py RECORD DIRECTORY --journal {args.out}`")
    return 0
