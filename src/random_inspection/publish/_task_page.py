"""The task notice (任务公告): purpose, items, scope, design and allocation, the seed, the
directory, the drawn targets and who inspects them, the record, and the verify panel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..planning import Task, TaskRun
from ..registry import InspectorDirectory
from ._context import SiteContext
from ._describe import (
    adjustment_text,
    allocation_table,
    design_facts,
    eligibility_facts,
    seed_facts,
    unstaffed_text,
)
from ._html import Html, bi, dl, esc, href, join, page, table, tag

__all__ = ["task_facts", "task_page"]


def task_facts(task: Task, context: SiteContext) -> list[tuple[object, object]]:
    """The planned task: code, name, levels, departments, period, methods, items."""
    facts: list[tuple[object, object]] = [
        (bi("任务编号", "task code"), tag("code", task.code)),
        (bi("任务名称", "task"), task.name),
        (bi("组织层级", "organised at"), bi(task.level.label_zh, task.level.label_en)),
        (bi("检查模式", "mode"), bi(task.mode.label_zh, task.mode.label_en)),
    ]
    if task.organising_department:
        facts.append((bi("组织部门", "organised by"), task.organising_department))
    if task.executing_department:
        facts.append((bi("实施部门", "inspected by"), task.executing_department))
    if task.joint_departments:
        facts.append((bi("联合抽查部门", "joint check with"), join(task.joint_departments, "、")))
    facts += [
        (bi("检查期间", "period"), f"{task.start.isoformat()} – {task.end.isoformat()}"),
        (bi("检查方式", "methods"), join((bi(m.label_zh, m.label_en) for m in
                                          sorted(task.methods, key=lambda m: m.code)), "、")),
        (bi("检查事项", "check items"), items_list(task.items, context)),
    ]
    return facts


def items_list(codes: tuple[str, ...], context: SiteContext) -> Html:
    """The items by code, name and legal basis when the item list is known."""
    entries = []
    for code in codes:
        item = context.items.get(code)
        if item is None:
            entries.append(tag("li", tag("code", code)))
        else:
            basis = f"（{item.legal_basis}）" if item.legal_basis else ""
            entries.append(tag("li", tag("code", code), " ", item.name, basis))
    return tag("ul", *entries, class_="plain")


def _inspecting(run: TaskRun, context: SiteContext) -> dict[str, Html]:
    """Target id → what the policy publishes about who inspects it."""
    teams = run.record.teams or {}
    people: InspectorDirectory = context.inspectors
    out: dict[str, Html] = {}

    def department(leader: str) -> Html:
        person = people.get(leader)
        return esc(person.department if person is not None and person.department
                   else run.task.executing_department)

    def names(officers: list[str], leader: str, experts: list[str]) -> Html:
        def name(person_id: str) -> str:
            person = people.get(person_id)
            return person.name if person is not None else person_id
        team = [Html(f"{esc(name(leader))}（{bi('组长', 'leader')}）")]
        team += [esc(name(o)) for o in officers if o != leader]
        text = join(team, "、")
        if experts:
            text = Html(f"{text}；{bi('专家', 'experts')}："
                        f"{join((name(e) for e in experts), '、')}")
        return text

    for team in teams.get("teams", []):
        out[team["target"]] = (department(team["leader"]) if context.policy == "department"
                               else names(team["officers"], team["leader"], team["experts"]))
    for joined in teams.get("joined", []):
        shown = (department(joined["leader"]) if context.policy == "department" else
                 names(joined["officers"], joined["leader"],
                       [*joined["inherited_experts"], *joined["experts"]]))
        out[joined["target"]] = Html(f"{shown}（{bi('与同一次检查合并', 'joins one visit')}）")
    for unstaffed in teams.get("unstaffed", []):
        out[unstaffed["target"]] = unstaffed_text(unstaffed["reason"])
    return out


def targets_table(run: TaskRun, context: SiteContext) -> Html:
    """The drawn targets by stratum in draw order, with the inspecting department or team."""
    who = _inspecting(run, context) if context.policy != "none" else {}
    directory = context.directory
    head: list[object] = [bi("序号", "no."), bi("信用风险分类", "risk class"),
                          bi("统一社会信用代码", "USCC"), bi("名称", "name"),
                          bi("区域代码", "region")]
    if context.policy == "department":
        head.append(bi("检查实施部门", "inspecting department"))
    elif context.policy == "names":
        head.append(bi("检查人员", "inspectors"))
    rows: list[list[object]] = []
    for stratum in run.record.strata:
        for target_id in stratum.selected:
            target = directory.get(target_id)
            row: list[object] = [f"{len(rows) + 1}", stratum.label, tag("code", target_id),
                                 target.name if target is not None else "",
                                 target.region if target is not None else ""]
            if context.policy != "none":
                row.append(who.get(target_id, ""))
            rows.append(row)
    caption = bi(f"抽中的检查对象（{len(rows):,} 户）", f"Drawn targets ({len(rows):,})")
    return table(caption, head, rows, numeric=(0,), id="drawn")


def _record_section(run: TaskRun, context: SiteContext) -> Html:
    record = context.published_record(run)
    path = context.record_path(run.task.code)
    facts: list[tuple[object, object]] = [
        (bi("审计记录", "audit record"),
         tag("a", path.rsplit("/", 1)[1], href="../" + href(*path.split("/")), id="record-link",
             download=True, class_="print-url")),
        (bi("记录摘要", "record digest"), tag("code", record.digest)),
        (bi("抽取规范", "draw spec"), record.spec_version),
    ]
    if run.record.teams is not None and context.policy != "names":
        facts.append((bi("说明", "note"), bi(
            "按检查人员公开规则，此处公开的是检查组抽取之前的抽取记录（不含检查人员编号）；"
            "含检查组的完整记录摘要为 " + run.record.digest,
            "under the inspector publication policy, this is the record of the target draw, as "
            "it was before the teams were drawn (no inspector ids); the full record with the "
            "teams has digest " + run.record.digest)))
    return dl(facts)


_HOW = bi("核验在您的浏览器中按抽取规范重新计算：读取名录文件并计算其摘要，读取记录并核对"
          "记录摘要，重建抽取框、样本分配和每一层的抽取结果。",
          "Your browser re-runs the draw spec: it reads the directory file and computes its "
          "digest, reads the record and checks its digest, and rebuilds the frame, the "
          "allocation and every stratum’s selection.")
_NO_SCRIPT = bi("核验需要启用 JavaScript；也可以用 verifier.py 核验同样的文件。",
                "Verifying needs JavaScript; verifier.py checks the same files.")
_OWN_FILES = bi("也可以核验您自己保存的文件（从本地文件夹打开本站时必须如此）：",
                "Or verify files you saved yourself (needed when the site is opened from a "
                "folder):")
_TEAMS = bi("浏览器不核验检查组：检查组用 verifier.py 核验（另需检查人员名录和抽查事项清单，"
            "本站不公开）。用 verifier.py 核验本页的文件：",
            "The browser does not check the inspection teams: verifier.py does (it also needs "
            "the inspector directory and the check-item list, not published here). To check "
            "this page's files with verifier.py:")
_NO_TEAMS = bi("浏览器不核验检查组：检查组由持有含检查组的完整记录和检查人员名录者用 "
               "verifier.py 核验。本页公开的记录不含检查组，verifier.py 只需名录即可完整核验：",
               "The browser does not check the inspection teams: verifier.py checks them, given "
               "the full record with its teams and the inspector directory. The record "
               "published here has no teams, and verifier.py checks it completely from the "
               "directory alone:")
_PANEL = Html(
    '<div id="verify-panel" class="panel" hidden>\n'
    '<p><button type="button" id="verify-button">核验本次抽取 '
    '<span lang="en">Verify this draw</span></button></p>\n'
    '<p id="verify-progress-row" hidden><label for="verify-progress">进度 '
    '<span lang="en">progress</span></label> '
    '<span id="verify-stage" aria-live="polite"></span><br>\n'
    '<progress id="verify-progress" max="1" value="0"></progress></p>\n'
    '<div id="verify-result" aria-live="polite"></div>\n'
    '<form id="verify-files">\n'
    f"{tag('p', _OWN_FILES)}\n"
    '<p><label for="file-record">审计记录文件 <span lang="en">record file</span> '
    '(.json)</label><br><input type="file" id="file-record" '
    'accept=".json,application/json"></p>\n'
    '<p><label for="file-directory">检查对象名录文件 <span lang="en">directory file</span> '
    '(.csv)</label><br><input type="file" id="file-directory" accept=".csv,text/csv">'
    "</p>\n"
    '<p><button type="submit">核验所选文件 <span lang="en">Verify the chosen files</span>'
    "</button></p>\n</form>\n</div>")


def _verify_section(run: TaskRun, context: SiteContext) -> Html:
    stem = context.stems[run.task.code]
    teams = context.published_record(run).teams is not None
    verifier = (f"python verifier.py records/{stem}.json directory.csv"
                + (" --inspectors inspectors.csv --item-list items.csv" if teams else ""))
    return tag("section", Html("\n".join([
        '<h2 id="verify">核验本次抽取 <span lang="en">Verify this draw</span></h2>',
        tag("p", _HOW), tag("noscript", tag("p", _NO_SCRIPT)), _PANEL,
        tag("p", _TEAMS if teams else _NO_TEAMS, " ", tag("code", verifier), class_="note")])),
        id="verify-section", class_="no-print", aria_labelledby="verify")


def task_page(run: TaskRun, context: SiteContext) -> str:
    """The whole task notice."""
    record = run.record
    task = run.task
    body = [
        tag("h1", Html(f"{bi('任务公告', 'Task notice')}：{esc(task.name)}")),
        tag("p", bi(f"本页公告“{task.name}”的随机抽取：抽查什么、从哪些对象中抽、怎样抽、"
                    "用什么种子、抽中了谁，以及由谁检查。",
                    "This page publishes the random draw of the task: what is checked, from "
                    "which targets, how, with which seed, who was drawn and who inspects."),
            class_="lead"),
        dl([*task_facts(task, context),
            (bi("抽取目的标签", "purpose label"), tag("code", record.purpose))]),
        tag("h2", bi("抽取设计与样本分配", "Design and allocation")),
        dl(design_facts(record.design)),
        allocation_table(record.allocation, bi("各信用风险分类的抽取", "The draw by risk class")),
        _adjustments(record.allocation),
        tag("h3", bi("排除与范围", "Eligibility")),
        dl(eligibility_facts(record.eligibility, record.design)),
        tag("h2", bi("随机种子", "Seed")),
        seed_facts(record.content()),
        tag("h2", bi("检查对象名录", "Target directory")),
        dl([(bi("名录文件", "directory file"),
             tag("a", "directory.csv", href="../directory.csv", id="directory-link",
                 download=True, class_="print-url")),
            (bi("名录摘要", "directory digest"), tag("code", record.directory_digest)),
            (bi("名录条数", "targets"), f"{record.directory_size:,}")]),
        tag("p", bi("名录摘要在抽取前公布，抽取结果由名录、种子和抽取目的唯一决定。",
                    "The directory digest is published before the seed exists; the draw "
                    "follows from the directory, the seed and the purpose alone."),
            class_="note"),
        tag("h2", bi("抽取结果", "Drawn targets")),
        targets_table(run, context),
        tag("h2", bi("审计记录", "Audit record")),
        _record_section(run, context),
        _verify_section(run, context),
    ]
    return page(title=("任务公告", f"Task notice · {task.code}"), site_name=context.site_name,
                body=Html("\n".join(body)), depth=1, nav=context.nav(), scripts=True)


def _adjustments(allocation: Mapping[str, Any]) -> Html:
    notes = allocation["adjustments"]
    if not notes:
        return Html("")
    return tag("ul", *(tag("li", adjustment_text(a)) for a in notes), class_="plain")
