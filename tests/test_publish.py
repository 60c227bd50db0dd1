"""The public notice site, Python side: what it publishes, how (escaped, by the inspector
policy, as canonical files, whole or not at all), and the ``publish`` command's errors.
The pages in a real browser are tested in test_site_browser.py."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from random_inspection import InvalidValueError, OutputExistsError
from random_inspection import verifier as stdlib
from random_inspection._canonical import canonical_json
from random_inspection.cli import main
from random_inspection.demo import DemoCity, demo_plan, demo_results
from random_inspection.planning import PlanRun, run_plan, write_plan
from random_inspection.publish import INSPECTOR_POLICIES, read_run_folder, write_site
from random_inspection.publish import _site as site_module
from random_inspection.publish._context import file_stems
from random_inspection.publish._describe import seed_facts
from random_inspection.results import ResultBook

SEED = "31415926535897932384"
HOSTILE = '<script>window.pwned=1</script>"><img src=x onerror="window.pwned=2">'
INSPECTOR_ID = re.compile(r"XZ\d{5}")


@pytest.fixture(scope="module")
def year(small_city: DemoCity) -> PlanRun:
    """The demo plan run on the 3,000-target city."""
    return run_plan(demo_plan(), small_city.targets, small_city.inspectors,
                    small_city.check_items, seed=SEED)


@pytest.fixture(scope="module")
def book(year: PlanRun) -> ResultBook:
    """The demo year's simulated results (all published)."""
    return demo_results(year)[0]


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory, year: PlanRun,
          book: ResultBook) -> dict[str, Path]:
    """The year's site under each inspector policy."""
    root = tmp_path_factory.mktemp("sites")
    return {policy: write_site(year, root / policy, results=book, inspectors=policy)
            for policy in INSPECTOR_POLICIES}


def _files(site: Path) -> Iterator[tuple[str, bytes]]:
    for path in sorted(site.rglob("*")):
        if path.is_file():
            yield path.relative_to(site).as_posix(), path.read_bytes()


def test_the_site_holds_every_notice_and_data_file(sites: dict[str, Path],
                                                   year: PlanRun) -> None:
    """Index, plan notice, a notice and a record per task, results notice, data files, the
    script, and a manifest of every file (a run folder)."""
    site = sites["department"]
    names = {name for name, _ in _files(site)}
    expected = {"index.html", "plan.html", "results.html", "results.csv", "index.json",
                "plan.json", "directory.csv", "manifest.json", "static/site.css",
                "static/draw-spec.js", "static/verify.js"}
    expected |= {f"tasks/{r.task.code}.html" for r in year.runs}
    expected |= {f"records/{r.task.code}.json" for r in year.runs}
    assert names == expected
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["command"] == "publish"
    assert set(manifest["files"]) == names - {"manifest.json"}
    assert manifest["records"] == sorted(f"records/{r.task.code}.json" for r in year.runs)


def test_index_json_describes_the_canonical_files(sites: dict[str, Path], year: PlanRun,
                                                  book: ResultBook) -> None:
    """index.json is canonical JSON naming every task's page, record and digests, the
    directory and the published results."""
    site = sites["department"]
    text = (site / "index.json").read_text(encoding="utf-8")
    index = json.loads(text)
    assert canonical_json(index) == text
    assert index["directory"] == {"file": "directory.csv", "digest": year.runs[0].record.
                                  directory_digest, "size": 3_000}
    assert index["plan"]["digest"] == year.plan.digest
    assert [t["code"] for t in index["tasks"]] == [r.task.code for r in year.runs]
    for entry, run in zip(index["tasks"], year.runs, strict=True):
        data = (site / entry["record"]).read_bytes()
        assert entry["record_digest"] == json.loads(data)["record_digest"]
        assert entry["full_record_digest"] == run.record.digest
        assert entry["teams_published"] is False
        assert (site / entry["page"]).is_file()
    assert index["results"]["published"] == len(book)


def test_records_are_published_byte_for_byte(sites: dict[str, Path], year: PlanRun) -> None:
    """A record is the record's canonical bytes: with its teams under ``names``, else the
    target draw (the record before teams, digest = the full record's draw digest)."""
    for run in year.runs:
        full = (sites["names"] / f"records/{run.task.code}.json").read_bytes()
        assert full == run.record.to_json().encode()
        draw = (sites["department"] / f"records/{run.task.code}.json").read_bytes()
        assert draw == attrs.evolve(run.record, teams=None).to_json().encode()
        assert json.loads(draw)["record_digest"] == run.record.draw_digest()
        assert "teams" not in json.loads(draw)


@pytest.mark.parametrize("policy", INSPECTOR_POLICIES)
def test_verifier_py_verifies_the_site_as_published(sites: dict[str, Path], policy: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """The standard-library verifier checks the site's files — its manifest and every record
    against directory.csv — as the index page tells a visitor to (teams, published only
    under ``names``, need the registers: cannot check without them)."""
    site = sites[policy]
    code = stdlib.main([str(site / "records"), str(site / "directory.csv")])
    out = capsys.readouterr().out
    assert "FAIL" not in out
    assert code == (2 if policy == "names" else 0), out


def test_task_notice_publishes_the_draw(sites: dict[str, Path], year: PlanRun,
                                        small_city: DemoCity) -> None:
    """Purpose, items, scope, allocation, seed, directory digest, every drawn target by USCC
    and name with its inspecting department, the record and the verify panel."""
    run = year.run("XZ-2024-01")
    page = (sites["department"] / "tasks/XZ-2024-01.html").read_text(encoding="utf-8")
    record = run.record
    for text in (record.purpose, record.seed.value, record.directory_digest, run.task.name,
                 "SJ07", "特种设备使用单位的检查", "市抽县查", "2024-06-03", "信用风险较高",
                 record.draw_digest(), "核验本次抽取", 'id="record-link"',
                 'href="../records/XZ-2024-01.json"', 'href="../directory.csv"',
                 '<script src="../static/draw-spec.js"></script>'):
        assert text in page, text
    teams = {t["target"]: t for t in (record.teams or {})["teams"]}
    for target_id in record.selected_ids:
        target = small_city.targets[target_id]
        assert f"<code>{target_id}</code>" in page
        assert target.name in page
        if target_id in teams:
            leader = small_city.inspectors[teams[target_id]["leader"]]
            assert leader.department in page
    assert not INSPECTOR_ID.search(page)


def test_seed_facts_show_the_ceremony_commitment_and_contributors() -> None:
    """A combined seed names its contributors in order; a ceremony its commitment digest,
    opening entry, attempt, and what it replaces and why."""
    digest = "sha256:" + "ab" * 32
    shown = seed_facts({"seed": {"value": "1234567890123456789012-abcdefabcdefabcdefab",
                                 "provenance": "combined", "parties": ["市局", "公证处"]},
                        "hash": "sha256",
                        "ceremony": {"commitment_digest": digest, "opened": 3, "attempt": 2,
                                     "replaces": "sha256:" + "cd" * 32, "reason": "重抽原因"}})
    for text in ("市局、公证处", digest, "多方各自提供", "重抽原因", "sha256:" + "cd" * 32,
                 "<dd>3</dd>", "<dd>2</dd>"):
        assert text in shown, text
    plain = seed_facts({"seed": {"value": SEED, "provenance": "ceremony", "parties": []},
                        "hash": "sm3"})
    assert "SM3" in plain
    assert "记录中无仪式信息" in plain


def test_inspector_policy(sites: dict[str, Path], year: PlanRun,
                          small_city: DemoCity) -> None:
    """``department``: departments, no inspector id anywhere; ``names``: the team's names
    and the records with teams; ``none``: no column about inspectors and no id."""
    run = year.run("XZ-2024-01")
    team = (run.record.teams or {})["teams"][0]
    leader = small_city.inspectors[team["leader"]]
    for policy in ("department", "none"):
        for name, data in _files(sites[policy]):
            if name != "directory.csv":
                assert not INSPECTOR_ID.search(data.decode("utf-8-sig")), (policy, name)
    department = (sites["department"] / "tasks/XZ-2024-01.html").read_text(encoding="utf-8")
    named = (sites["names"] / "tasks/XZ-2024-01.html").read_text(encoding="utf-8")
    nothing = (sites["none"] / "tasks/XZ-2024-01.html").read_text(encoding="utf-8")
    assert "检查实施部门" in department
    assert leader.name not in department
    assert f"{leader.name}（组长" in named
    assert "检查人员" in named
    assert "检查实施部门" not in nothing
    assert leader.name not in nothing
    assert "只公开检查实施部门" in (sites["department"] / "index.html").read_text("utf-8")
    assert "不公开检查人员信息" in (sites["none"] / "index.html").read_text("utf-8")


def test_hostile_names_are_shown_as_text(tmp_path: Path, small_city: DemoCity,
                                         year: PlanRun) -> None:
    """Firm, plan, task and inspector names that are markup appear escaped on every page
    and never as markup; CSV cells that a spreadsheet would run are neutralised."""
    drawn = [t for run in year.runs for t in run.record.selected_ids][:5]
    renamed = [attrs.evolve(small_city.targets[i], name=f"{HOSTILE}{k}")
               for k, i in enumerate(drawn)]
    renamed.append(attrs.evolve(small_city.targets[drawn[-1]], name="=HYPERLINK(\"x\")"))
    directory = small_city.targets.with_changes(changed=renamed[:4] + renamed[5:])
    plan = demo_plan()
    plan = attrs.evolve(plan, name=f"计划{HOSTILE}"[:200], tasks=[
        attrs.evolve(t, name=f"任务<b>{t.code}</b>&amp;") for t in plan.tasks])
    people = small_city.inspectors
    people = type(people).from_records([attrs.evolve(p, name=f"<i>{p.id}</i>")
                                        for p in people])
    hostile = run_plan(plan, directory, people, small_city.check_items, seed=SEED)
    assert [r.record.selected_ids for r in hostile.runs] == \
        [r.record.selected_ids for r in year.runs]  # names do not change who is drawn
    results = demo_results(hostile)[0]
    site = write_site(hostile, tmp_path / "site", results=results, inspectors="names")
    pages = {n: d.decode("utf-8") for n, d in _files(site) if n.endswith(".html")}
    for name, page in pages.items():
        assert "<script>window.pwned" not in page, name
        assert "<img src=x" not in page, name
        assert "<b>XZ" not in page, name
        assert "<i>XZ" not in page, name
    task = pages[f"tasks/{hostile.runs[0].task.code}.html"]
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;&quot;&gt;&lt;img src=x" in task
    assert "任务&lt;b&gt;" in pages["plan.html"]
    assert "&amp;amp;" in pages["plan.html"]
    assert "&lt;i&gt;XZ" in task
    scripts = [re.findall(r"<script[^>]*>", p) for p in pages.values()]
    assert {s for found in scripts for s in found} == {
        '<script src="../static/draw-spec.js">', '<script src="../static/verify.js">'}
    notice = (site / "results.csv").read_text(encoding="utf-8-sig")
    assert any(r.target_id == drawn[4] for r in results)
    assert "'=HYPERLINK" in notice
    assert '=HYPERLINK(&quot;x&quot;)' in pages["results.html"]


def test_results_notice(sites: dict[str, Path], book: ResultBook, small_city: DemoCity) -> None:
    """Every published result, item by item: USCC, name, item, result labels, dates and the
    inspecting authority; the same rows in results.csv."""
    page = (sites["department"] / "results.html").read_text(encoding="utf-8")
    rows = (sites["department"] / "results.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[0] == "统一社会信用代码,企业名称,抽查事项,检查结果,检查日期,检查实施机关,公示日期"
    assert len(rows) - 1 == sum(len(r.outcomes) for r in book)
    for result in book:
        assert f"<code>{result.target_id}</code>" in page
        assert small_city.targets[result.target_id].name in page
        assert result.check_date.isoformat() in page
    assert "未发现问题" in page or "发现问题" in page


def test_results_notice_waits_for_publication(tmp_path: Path, year: PlanRun) -> None:
    """Without published results there is no results notice; the index says so."""
    site = write_site(year, tmp_path / "site", results=ResultBook(year))
    assert not (site / "results.html").exists()
    assert "尚未公示检查结果" in (site / "index.html").read_text(encoding="utf-8")
    assert json.loads((site / "index.json").read_text(encoding="utf-8"))["results"] is None


def test_plan_notice_lists_tasks_rates_and_versions(tmp_path: Path, small_city: DemoCity
                                                    ) -> None:
    """Every task with its items, scope, rates and period, the top-up task (not drawn), and
    every version with its changes."""
    plan = demo_plan()
    changed = attrs.evolve(plan.tasks[1], name="特种设备使用单位抽查（调整）")
    revised = plan.revise(tasks=[plan.tasks[0], changed, *plan.tasks[2:]], when="2024-04-10",
                          who="信用监管科", why="调整任务名称")
    year = run_plan(revised, small_city.targets, small_city.inspectors,
                    small_city.check_items, seed=SEED)
    page = (write_site(year, tmp_path / "site") / "plan.html").read_text(encoding="utf-8")
    for task in revised.all_tasks:
        assert f'id="task-{task.code}"' in page
    for text in ("0.3%", "12%", "本任务未抽取", "补充抽查", "调整任务名称",
                 f"changed task {changed.code}", "filed (备案)", revised.digest, "2024-12-20"):
        assert text in page, text


def test_file_names_of_tasks() -> None:
    """A task's files are named by its code when that is a plain file name, else by its
    place; names never collide, whatever the case."""
    assert file_stems(["XZ-2024-01", "定襄县-01", "xz-2024-01", "a<b>"]) == {
        "XZ-2024-01": "XZ-2024-01", "定襄县-01": "task-02", "xz-2024-01": "xz-2024-01-3",
        "a<b>": "task-04"}


def test_write_site_refuses_to_overwrite(tmp_path: Path, year: PlanRun) -> None:
    """An existing site is kept unless ``overwrite``; a folder not written by the library
    is never replaced."""
    site = write_site(year, tmp_path / "site")
    before = (site / "manifest.json").read_bytes()
    with pytest.raises(OutputExistsError, match="--force"):
        write_site(year, site)
    assert (site / "manifest.json").read_bytes() == before
    write_site(year, site, overwrite=True, inspectors="none")
    assert json.loads((site / "manifest.json").read_text("utf-8"))["inspector_policy"] == "none"
    other = tmp_path / "mine"
    other.mkdir()
    (other / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InvalidValueError, match="not a folder a command of this library wrote"):
        write_site(year, other, overwrite=True)
    assert (other / "keep.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("interruption", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_site_appears_whole_or_not_at_all(tmp_path: Path, year: PlanRun,
                                          monkeypatch: pytest.MonkeyPatch,
                                          interruption: BaseException) -> None:
    """A failure or Ctrl-C half-way through leaves no site and no temporary folder."""
    calls = []

    def failing(*args: Any) -> str:
        calls.append(1)
        if len(calls) == 3:
            raise interruption
        return "<!DOCTYPE html>"

    monkeypatch.setattr(site_module, "task_page", failing)
    with pytest.raises(type(interruption)):
        write_site(year, tmp_path / "site")
    assert len(calls) == 3
    assert list(tmp_path.iterdir()) == []


def test_bad_arguments_name_the_field_and_the_fix(tmp_path: Path, year: PlanRun,
                                                  small_city: DemoCity) -> None:
    """An unknown policy, results of another year, or a directory file that is not the one
    drawn from: InvalidValueError naming the field, the value and the fix; nothing written."""
    with pytest.raises(InvalidValueError, match=r"'inspectors' = 'everyone'.*department"):
        write_site(year, tmp_path / "a", inspectors="everyone")
    revised = demo_plan().revise(when="2024-04-10", who="科室", why="改名", name="另一计划")
    other = run_plan(revised, small_city.targets,
                     small_city.inspectors, small_city.check_items, seed=SEED)
    with pytest.raises(InvalidValueError, match=r"'results'.*another plan version"):
        write_site(year, tmp_path / "b", results=ResultBook(other))
    changed = small_city.targets.with_changes(changed=[attrs.evolve(
        small_city.targets[year.runs[0].record.selected_ids[0]], name="改名有限公司")])
    changed.to_csv(tmp_path / "d.csv")
    with pytest.raises(InvalidValueError, match=r"'directory_file'.*d\.csv.*drawn from"):
        write_site(year, tmp_path / "c", directory_file=tmp_path / "d.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv"]


def test_the_published_directory_file_is_kept_byte_for_byte(tmp_path: Path, year: PlanRun,
                                                            small_city: DemoCity) -> None:
    """A directory file given (Chinese headers, GB18030) is published exactly as it is."""
    source = tmp_path / "名录.csv"
    small_city.targets.to_csv(source, headers="chinese", encoding="gb18030")
    site = write_site(year, tmp_path / "site", directory_file=source)
    assert (site / "directory.csv").read_bytes() == source.read_bytes()


# --- the command line -------------------------------------------------------------------

@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, small_city: DemoCity) -> Path:
    """A demo run folder and a plan run folder (with the registers beside it)."""
    root = tmp_path_factory.mktemp("runs")
    assert main(["demo", "--targets", "3000", "--out", str(root / "demo"), "--quiet"]) in (0, 1)
    small_city.targets.to_csv(root / "d.csv")
    first = small_city.targets[next(iter(small_city.targets)).id]
    small_city.targets.with_changes(changed=[attrs.evolve(first, name="另一名称有限公司")]
                                    ).to_csv(root / "other.csv")
    small_city.inspectors.to_csv(root / "i.csv")
    small_city.check_items.to_csv(root / "items.csv")
    write_plan(demo_plan(), root / "plan.json")
    assert main(["plan", str(root / "plan.json"), str(root / "d.csv"), "--seed", SEED,
                 "--inspectors", str(root / "i.csv"), "--item-list", str(root / "items.csv"),
                 "--out", str(root / "plan-run"), "--quiet", "--replays", "2"]) in (0, 1)
    return root


def test_publish_command_writes_the_demo_site(runs: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """``publish`` on the demo folder: the year replayed, its results on the site, the
    demo's directory file published byte for byte; ``--force`` replaces the site."""
    out = tmp_path / "site"
    assert main(["publish", str(runs / "demo"), "--out", str(out)]) == 0
    assert "every record replays" in capsys.readouterr().out
    assert (out / "results.html").is_file()
    assert (out / "directory.csv").read_bytes() == (runs / "demo/directory.csv").read_bytes()
    assert main(["publish", str(runs / "demo"), "--out", str(out), "--force",
                 "--inspector-policy", "names", "--organ", "忻州市市场监督管理局（公示）"]) == 0
    assert "忻州市市场监督管理局（公示）" in (out / "results.html").read_text(encoding="utf-8")
    assert json.loads((out / "index.json").read_text("utf-8"))["inspector_policy"] == "names"


def test_publish_command_on_a_plan_run_folder(runs: Path, tmp_path: Path) -> None:
    """A ``plan`` run folder holds no registers: they are given as options."""
    out = tmp_path / "site"
    assert main(["publish", str(runs / "plan-run"), "--directory", str(runs / "d.csv"),
                 "--inspectors", str(runs / "i.csv"), "--item-list", str(runs / "items.csv"),
                 "--out", str(out), "--quiet"]) == 0
    assert not (out / "results.html").exists()
    loaded = read_run_folder(runs / "plan-run", directory=runs / "d.csv",
                             inspectors=runs / "i.csv", items=runs / "items.csv")
    assert loaded.results is None
    assert loaded.directory_file == runs / "d.csv"


def _changed_copy(runs: Path, tmp_path: Path) -> Path:
    import shutil  # noqa: PLC0415

    copy = tmp_path / "changed"
    shutil.copytree(runs / "plan-run", copy)
    record = next((copy / "records").glob("*.json"))
    record.write_bytes(record.read_bytes().replace(b'"hash":"sha256"', b'"hash":"sha256" '))
    return copy


#: (name, arguments given the run folders, words the message must contain).
BAD: list[tuple[str, Any, tuple[str, ...]]] = [
    ("an unknown inspector policy", lambda r, t: ["publish", str(r / "demo"), "--out",
                                                  str(t / "s"), "--inspector-policy", "all"],
     ("--inspector-policy", "'all'", "department", "names", "none")),
    ("a folder that is not a run folder", lambda r, t: ["publish", str(r), "--out",
                                                        str(t / "s")],
     ("'folder'", "no manifest.json", "plan … --seed")),
    ("a plan folder without its registers", lambda r, t: ["publish", str(r / "plan-run"),
                                                          "--out", str(t / "s")],
     ("'--directory'", "directory.csv", "Fix: give it with --directory")),
    ("a plan folder without its inspectors", lambda r, t: [
        "publish", str(r / "plan-run"), "--directory", str(r / "d.csv"), "--out", str(t / "s")],
     ("'--inspectors'", "inspectors.csv", "Fix: give it with --inspectors")),
    ("another directory", lambda r, t: ["publish", str(r / "plan-run"), "--directory",
                                        str(r / "other.csv"), "--out", str(t / "s")],
     ("'--directory'", "other.csv", "were drawn from", "Fix:")),
    ("a folder changed after its run", lambda r, t: [
        "publish", str(_changed_copy(r, t)), "--out", str(t / "s"), "--directory",
        str(r / "d.csv")],
     ("'folder'", "changed since the run", "Fix:")),
    ("the run folder as --out", lambda r, t: [
        "publish", str(r / "demo"), "--out", str(r / "demo")],
     ("'--out'", "is the run folder itself", "Fix:")),
    ("a site inside the run folder", lambda r, t: [
        "publish", str(r / "demo"), "--out", str(r / "demo" / "site")],
     ("'--out'", "inside the run folder", "Fix:")),
    ("an existing folder without --force", lambda r, t: [
        "publish", str(r / "demo"), "--out", str(r / "plan-run")],
     ("plan-run", "already exists", "--force")),
    ("results of another year", lambda r, t: [
        "publish", str(r / "plan-run"), "--directory", str(r / "d.csv"), "--inspectors",
        str(r / "i.csv"), "--item-list", str(r / "items.csv"), "--results",
        str(r / "demo/results.json"), "--out", str(t / "s")],
     ("'--results'", "results.json", "are not results of this year's draws", "Fix:")),
]


@pytest.mark.parametrize(("name", "arguments", "words"), BAD, ids=[b[0] for b in BAD])
def test_publish_bad_input_exits_2(runs: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str], name: str,
                                   arguments: Any, words: tuple[str, ...]) -> None:
    """Each bad input: exit 2, no traceback, a message naming the field, the value and the
    fix, and no site written."""
    argv = arguments(runs, tmp_path)
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in runs.rglob("*")
              if p.is_file()}
    assert main(argv) == 2, name
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    for word in words:
        assert word in captured.err, (name, word, captured.err)
    assert not (tmp_path / "s").exists()
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in runs.rglob("*")
            if p.is_file()} == before


def test_css_text_colours_meet_wcag_aa() -> None:
    """Every text colour of the stylesheet on its background has a contrast ratio of at
    least 4.5:1 (WCAG 2 relative luminance)."""
    css = (Path(site_module.__file__).parent / "static/site.css").read_text(encoding="utf-8")
    colours = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6})", css))

    def luminance(hex_colour: str) -> float:
        def channel(value: int) -> float:
            c = value / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        r, g, b = (int(hex_colour[k:k + 2], 16) for k in (1, 3, 5))
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)

    def ratio(a: str, b: str) -> float:
        light, dark = sorted((luminance(a), luminance(b)), reverse=True)
        return (light + 0.05) / (dark + 0.05)

    pairs = [("text", "page"), ("muted", "page"), ("link", "page"), ("text", "band"),
             ("muted", "band"), ("link", "band"), ("ok-text", "ok-back"),
             ("fail-text", "fail-back"), ("need-text", "need-back")]
    ratios = {f"{a} on {b}": ratio(colours[a], colours[b]) for a, b in pairs}
    ratios["button text on link"] = ratio("#ffffff", colours["link"])
    ratios["disabled button text"] = ratio("#ffffff", colours["muted"])
    assert min(ratios.values()) >= 4.5, ratios
    assert ratio("#000000", "#ffffff") == pytest.approx(21)  # the formula itself


def test_a_site_has_no_external_requests(sites: dict[str, Path]) -> None:
    """No page, stylesheet or script names another host: no fonts, scripts or CDNs."""
    for policy, site in sites.items():
        for name, data in _files(site):
            if name.endswith((".html", ".css", ".js")):
                text = data.decode("utf-8")
                assert not re.search(r"(src|href)=\"(https?:)?//", text), (policy, name)
                assert "@import" not in text, (policy, name)
                assert "url(" not in text, (policy, name)
