"""The year's index, the plan notice (计划公告) and the results notice (结果公告)."""

from __future__ import annotations

from ..planning import AnnualPlan, Task
from ..registry import RiskClass
from ..results import ReviewState
from ..results._publicity import in_visit_order, sorted_codes
from ..sampling import ClassWeighted, StratifiedByRisk
from ._context import SiteContext
from ._describe import design_facts, label_of
from ._html import Html, bi, dl, esc, href, join, page, percent, table, tag
from ._task_page import task_facts

__all__ = ["index_page", "plan_page", "results_page"]


def _plan_facts(plan: AnnualPlan) -> list[tuple[object, object]]:
    caps = [f"{c.code} {n}" for c, n in plan.visit_caps.items() if n is not None]
    facts: list[tuple[object, object]] = [
        (bi("计划名称", "plan"), plan.name),
        (bi("层级", "level"), bi(plan.level.label_zh, plan.level.label_en)),
        (bi("区域代码", "region"), plan.region),
        (bi("年度", "year"), plan.year),
        (bi("版本", "version"), plan.version),
        (bi("计划摘要", "plan digest"), tag("code", plan.digest)),
        (bi("备案期限", "filing deadline"), plan.filing_deadline),
        (bi("完成期限", "completion deadline"), plan.completion_deadline),
        (bi("企业抽查覆盖率下限", "enterprise coverage floor"), percent(plan.coverage_floor)),
        (bi("风险分类应用率下限", "risk-classification floor"),
         percent(plan.risk_classification_floor)),
    ]
    if caps:
        facts.append((bi("每年检查次数上限", "visits per year at most"),
                      bi("、".join(caps), "by risk class")))
    return facts


def index_page(context: SiteContext) -> str:
    """The year: the plan in brief, the notices, every task, the data files."""
    year = context.year
    plan = year.plan
    rows = []
    for run in year.runs:
        record = context.published_record(run)
        rows.append([
            tag("a", run.task.code, href=href(*context.page_path(run.task.code).split("/"))),
            run.task.name,
            f"{run.task.start.isoformat()} – {run.task.end.isoformat()}",
            f"{len(run.record.selected_ids):,}",
            tag("code", record.digest[:19] + "…", title=record.digest),
        ])
    published = context.published_results
    notices = [tag("li", tag("a", bi("计划公告", "Plan notice"), href="plan.html"),
                   bi("：任务、事项、范围、比例、期间和版本", ": tasks, items, scopes, rates, "
                                              "periods and versions"))]
    if published:
        notices.append(tag("li", tag("a", bi("结果公告", "Results notice"), href="results.html"),
                           bi(f"：已公示 {published:,} 户次检查结果",
                              f": {published:,} published results")))
    else:
        notices.append(tag("li", bi("结果公告：尚未公示检查结果",
                                    "Results notice: no result is published yet")))
    directory = context.directory
    data = [
        (tag("a", "index.json", href="index.json"),
         bi("本站的机器可读索引", "the site's machine-readable index")),
        (tag("a", "plan.json", href="plan.json"), bi("年度抽查计划", "the annual plan")),
        (tag("a", "directory.csv", href="directory.csv", download=True),
         Html(f"{bi('检查对象名录', 'target directory')}：{len(directory):,} "
              f"{bi('户', 'targets')}，{bi('摘要', 'digest')} "
              f"{tag('code', directory.digest)}")),
        (Html(tag("code", "records/")), bi("每项任务的审计记录（规范 JSON，原样公开）",
                                           "each task's audit record (canonical JSON, byte "
                                           "for byte)")),
    ]
    if published:
        data.append((tag("a", "results.csv", href="results.csv"),
                     bi("已公示的检查结果", "the published results")))
    data.append((tag("a", "manifest.json", href="manifest.json"),
                 bi("本站每个文件的 SHA-256 摘要", "the SHA-256 digest of every file of the "
                                               "site")))
    body = [
        tag("h1", bi(f"{plan.year} 年度“双随机、一公开”公示",
                     "Public notices of the year's spot checks")),
        tag("p", bi("每一次随机抽取都在此公开，任何人都可以在浏览器中重新计算并核验。",
                    "Every random draw of the year is published here, and anyone can re-run "
                    "and check it in a browser."), class_="lead"),
        dl([(bi("年度抽查计划", "annual plan"), tag("a", plan.name, href="plan.html")),
            (bi("计划版本", "plan version"), plan.version),
            (bi("抽查任务", "tasks drawn"), len(year.runs)),
            (bi("抽中检查对象", "targets drawn"),
             f"{sum(len(r.record.selected_ids) for r in year.runs):,}"),
            (bi("检查人员公开规则", "inspectors published"), _policy_text(context.policy))]),
        tag("h2", bi("公告", "Notices")),
        tag("ul", *notices, class_="plain"),
        tag("h2", bi("抽查任务", "Tasks")),
        table(bi("各任务公告", "Task notices"),
              [bi("任务编号", "code"), bi("任务名称", "task"), bi("检查期间", "period"),
               bi("抽中", "drawn"), bi("记录摘要", "record digest")], rows, numeric=(3,)),
        Html('<h2 id="data">数据文件 <span lang="en">Data files</span></h2>'),
        tag("ul", *(tag("li", name, "：", what) for name, what in data), class_="plain"),
        tag("h3", bi("用 verifier.py 核验", "Checking with verifier.py")),
        tag("p", bi("下载本站全部文件后，在站点文件夹中运行下面的命令（verifier.py 只需 "
                    "Python 标准库）；它同时核对 manifest.json 所列每个文件的摘要：",
                    "Download the whole site and run, in its folder (verifier.py needs only "
                    "Python's standard library); it also checks every file against "
                    "manifest.json:")),
        tag("p", tag("code", "python verifier.py records directory.csv")),
    ]
    return page(title=("年度公示", "The year's notices"), site_name=context.site_name,
                body=Html("\n".join(body)), depth=0, nav=context.nav())


def _policy_text(policy: str) -> Html:
    return {
        "department": bi("只公开检查实施部门", "the inspecting department only"),
        "names": bi("公开检查人员姓名", "the inspectors' names"),
        "none": bi("不公开检查人员信息", "nothing about the inspectors"),
    }[policy]


def _rates_table(task: Task) -> Html:
    design = task.design
    caption = bi(f"{task.code} 各信用风险分类的比例", f"{task.code}: rates by risk class")
    if isinstance(design, StratifiedByRisk):
        rows: list[list[object]] = [
            [label_of(c.code), percent(design.rates[c]), design.minimums[c] or "",
             "" if design.maximums[c] is None else design.maximums[c]] for c in RiskClass]
        return table(caption, [bi("信用风险分类", "risk class"), bi("抽查比例", "rate"),
                               bi("最低数", "minimum"), bi("最高数", "maximum")], rows,
                     numeric=(1, 2, 3))
    assert isinstance(design, ClassWeighted)
    rows = [[label_of(c.code), str(design.weights[c])] for c in RiskClass]
    return table(bi(f"{task.code} 各信用风险分类的权重", f"{task.code}: weights by risk class"),
                 [bi("信用风险分类", "risk class"), bi("权重", "weight")], rows, numeric=(1,))


def _task_section(task: Task, context: SiteContext, *, top_up: bool) -> Html:
    ran = task.code in context.stems
    link = (tag("p", tag("a", bi("查看任务公告与抽取结果", "Task notice and the draw"),
                         href=href(*context.page_path(task.code).split("/"))))
            if ran else tag("p", bi("本任务未抽取", "This task was not drawn"), class_="note"))
    facts = task_facts(task, context)
    facts += design_facts(task.design.to_dict(), context.year.plan.region)
    facts += [(bi("检查人员抽取方式", "inspector draw"),
               bi(task.team_mode.label_zh, task.team_mode.label_en)),
              (bi("每组执法人员", "officers per team"), task.min_officers)]
    if task.leader_department:
        facts.append((bi("组长所属部门", "leader's department"), task.leader_department))
    heading = tag("h2", Html(f"{esc(task.code)} {esc(task.name)}"), id=f"task-{task.code}")
    note = (tag("p", bi("补充抽查：仅当全年抽查未达到企业覆盖率下限时抽取，抽取总数为差额。",
                        "Top-up task: drawn only if the year's draws fall short of the coverage "
                        "floor, for the shortfall."), class_="note") if top_up else Html(""))
    return Html("\n".join([heading, note, dl(facts), _rates_table(task), link]))


def plan_page(context: SiteContext) -> str:
    """The plan notice: the plan, each task, and its versions with their changes."""
    plan = context.year.plan
    sections = [_task_section(t, context, top_up=False) for t in plan.tasks]
    if plan.top_up is not None:
        sections.append(_task_section(plan.top_up, context, top_up=True))
    versions = [[str(c.version), c.when.isoformat(), c.who, c.why,
                 join(c.changes, "；") if c.changes else "—"] for c in plan.history]
    body = [
        tag("h1", Html(f"{bi('计划公告', 'Plan notice')}：{esc(plan.name)}")),
        dl(_plan_facts(plan)),
        tag("p", tag("a", bi("计划文件 plan.json", "the plan file"), href="plan.json"),
            class_="downloads"),
        *sections,
        Html('<h2 id="versions">版本与调整 <span lang="en">Versions and changes</span></h2>'),
        table(bi("计划的各个版本", "The plan's versions"),
              [bi("版本", "version"), bi("日期", "date"), bi("调整人", "by"),
               bi("原因", "why"), bi("调整内容", "changes")], versions, numeric=(0,))
        if versions else tag("p", bi("未记录版本历史", "No version history recorded"),
                             class_="note"),
    ]
    return page(title=("计划公告", "Plan notice"), site_name=context.site_name,
                body=Html("\n".join(body)), depth=0, nav=context.nav())


def results_rows(context: SiteContext) -> list[list[object]]:
    """One row per published result and item, as the results notice lists them."""
    assert context.results is not None
    directory = context.directory
    plan = context.year.plan
    rows: list[list[object]] = []
    for result in in_visit_order(context.results):
        if result.state is not ReviewState.PUBLISHED:
            continue
        target = directory.get(result.target_id)
        leading = plan.task(result.tasks[0])
        organ = (context.organ or leading.executing_department or leading.organising_department
                 or plan.name)
        for outcome in result.outcomes:
            item = context.items.get(outcome.item)
            rows.append([result.target_id, target.name if target is not None else "",
                         "+".join(result.tasks),
                         f"{outcome.item} {item.name}" if item is not None else outcome.item,
                         "；".join(c.label_zh for c in sorted_codes(outcome.codes)),
                         result.check_date.isoformat(), organ,
                         result.published_on.isoformat() if result.published_on else ""])
    return rows


def results_page(context: SiteContext, rows: list[list[object]]) -> str:
    """The results notice: every published result of the year, item by item."""
    assert context.results is not None
    published = [r for r in context.results if r.state is ReviewState.PUBLISHED]
    problems = sum(r.problem for r in published)
    shown = [[tag("code", r[0]), *r[1:]] for r in rows]
    body = [
        tag("h1", bi("结果公告", "Results notice")),
        tag("p", bi("本年度已公示的抽查检查结果（按检查对象、抽查事项逐项列出）。",
                    "The year's published inspection results, by target and check item."),
            class_="lead"),
        dl([(bi("已公示检查", "published checks"), f"{len(published):,}"),
            (bi("发现问题", "with a problem found"), f"{problems:,}"),
            (bi("结果文件", "results file"), tag("a", "results.csv", href="results.csv"))]),
        table(bi("抽查检查结果公示", "Published results"),
              [bi("统一社会信用代码", "USCC"), bi("企业名称", "name"), bi("抽查任务", "tasks"),
               bi("抽查事项", "item"), bi("检查结果", "result"), bi("检查日期", "checked on"),
               bi("检查实施机关", "inspecting authority"), bi("公示日期", "published on")],
              shown),
    ]
    return page(title=("结果公告", "Results notice"), site_name=context.site_name,
                body=Html("\n".join(body)), depth=0, nav=context.nav())
