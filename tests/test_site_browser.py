"""The public site in a real headless Chromium (Debian's chromium via Selenium): every honest
draw of the demo year verifies in the browser, altered copies do not and say what differs,
the spec's test vectors pass in the browser's own implementation, a site opened from a folder
verifies chosen files, hostile names do not run, and the pages pass axe-core and our own
accessibility checks on a desktop and a phone, and print without their controls.

Without the browser these tests skip (with ``RANDOM_INSPECTION_REQUIRE_BROWSER=1``, as in
CI, they fail instead)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings

from _browser import (
    DESKTOP,
    PHONE,
    browser_unavailable,
    serve,
    start_chromium,
    verify_on_page,
    viewport,
)
from random_inspection import ClassWeighted, StratifiedByRisk, draw_targets
from random_inspection import verifier as stdlib
from random_inspection._canonical import canonical_json
from random_inspection.demo import demo_city, demo_plan, demo_results
from random_inspection.planning import PlanRun, run_plan
from random_inspection.publish import write_site
from random_inspection.strategies import RecordMutation, record_mutations

SEED = "31415926535897932384"
TASK = "XZ-2024-03"
SPEC = Path(__file__).parent.parent / "docs" / "spec" / "vectors.json"
DATA = Path(__file__).parent / "data" / "site"


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    """One headless Chromium for the module."""
    browser = start_chromium()
    yield browser
    browser.quit()


@pytest.fixture(scope="module")
def year() -> PlanRun:
    """The demo year on a 20,000-target city, with its results."""
    city = demo_city(n_targets=20_000)
    return run_plan(demo_plan(), city.targets, city.inspectors, city.check_items, seed=SEED)


def _rewrite(path: Path, change: Any, *, redigest: bool = True) -> dict[str, Any]:
    """Change a published record as a forger would: the content, then (unless not) its
    digest recomputed, written back as canonical JSON."""
    record = json.loads(path.read_text(encoding="utf-8"))
    change(record)
    if redigest:
        content = {k: v for k, v in record.items() if k != "record_digest"}
        record["record_digest"] = "sha256:" + hashlib.sha256(
            canonical_json(content).encode()).hexdigest()
    path.write_text(canonical_json(record), encoding="utf-8")
    return record


def _sampled(record: dict[str, Any]) -> dict[str, Any]:
    """The first stratum drawn by the sampler (0 < n < N) with at least two draws."""
    return next(s for s in record["strata"] if 1 < s["size"] < s["population"])


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory, year: PlanRun) -> Path:
    """The honest site and altered copies of it, side by side."""
    root = tmp_path_factory.mktemp("served")
    honest = write_site(year, root / "honest", results=demo_results(year)[0])
    for name in ("selection", "swapped", "seed", "row", "digest", "sm3"):
        shutil.copytree(honest, root / name)
    record = f"records/{TASK}.json"
    other = next(i for r in year.runs for i in r.record.selected_ids
                 if r.task.code != TASK and i not in year.run(TASK).record.selected_ids)

    def replace_last(r: dict[str, Any]) -> None:
        _sampled(r)["selected"][-1] = other

    def swap(r: dict[str, Any]) -> None:
        s = _sampled(r)["selected"]
        s[0], s[1] = s[1], s[0]

    def reseed(r: dict[str, Any]) -> None:
        r["seed"]["value"] = SEED[:-1] + "5"
        for s in r["strata"]:
            s["seed_string"] = s["seed_string"].replace(SEED, r["seed"]["value"])

    _rewrite(root / "selection" / record, replace_last)
    _rewrite(root / "swapped" / record, swap)
    _rewrite(root / "seed" / record, reseed)
    _rewrite(root / "digest" / record, replace_last, redigest=False)
    _rewrite(root / "sm3" / record, lambda r: r.update(hash="sm3"))
    lines = (root / "row" / "directory.csv").read_text(encoding="utf-8").splitlines(True)
    cells = lines[100].split(",")
    cells[1] += "（已更名）"
    lines[100] = ",".join(cells)
    (root / "row" / "directory.csv").write_text("".join(lines), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def base(sites: Path) -> Iterator[str]:
    """The folder of sites served over http://127.0.0.1."""
    with serve(sites) as url:
        yield url


def test_every_honest_draw_verifies(driver: Any, base: str, year: PlanRun) -> None:
    """Each task notice of the honest site: "核验通过 verified", every stratum agreeing."""
    for run in year.runs:
        shown = verify_on_page(driver, f"{base}honest/tasks/{run.task.code}.html")
        assert shown["verdict"] == "verified", (run.task.code, shown)
        assert shown["text"] == "核验通过 verified"
        assert shown["differences"] == []
        for stratum in run.record.strata:
            assert f"一致，共 {len(stratum.selected)} 个" in shown["result"]


def _record(sites: Path, copy: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((sites / copy / f"records/{TASK}.json").read_text("utf-8"))
    return data


def test_a_changed_selection_is_named(driver: Any, base: str, sites: Path,
                                      year: PlanRun) -> None:
    """A record claiming another firm was drawn (its digest recomputed): not verified, the
    stratum and the draw named with the recorded and the replayed ids."""
    shown = verify_on_page(driver, f"{base}selection/tasks/{TASK}.html")
    assert shown["verdict"] == "not-verified"
    assert shown["text"] == "核验未通过 not verified"
    stratum = _sampled(_record(sites, "selection"))
    honest = _sampled(_record(sites, "honest"))
    assert len(shown["differences"]) == 1, shown
    difference = shown["differences"][0]
    assert difference.startswith(f"{stratum['label']} 层 stratum {stratum['label']}")
    assert (f"selection differs at draw {stratum['size']}: recorded {stratum['selected'][-1]}, "
            f"replayed {honest['selected'][-1]}") in difference


def test_a_changed_draw_order_is_named(driver: Any, base: str, sites: Path) -> None:
    """The same firms in another draw order: not verified at draw 1."""
    shown = verify_on_page(driver, f"{base}swapped/tasks/{TASK}.html")
    stratum = _sampled(_record(sites, "honest"))
    assert shown["verdict"] == "not-verified"
    assert (f"selection differs at draw 1: recorded {stratum['selected'][1]}, replayed "
            f"{stratum['selected'][0]}") in " ".join(shown["differences"])


def test_a_changed_seed_is_caught(driver: Any, base: str, sites: Path) -> None:
    """Another seed with every seed string rewritten and the digest recomputed: the
    replayed selections differ from the recorded ones."""
    shown = verify_on_page(driver, f"{base}seed/tasks/{TASK}.html")
    assert shown["verdict"] == "not-verified"
    sampled = [s["label"] for s in _record(sites, "seed")["strata"]
               if 0 < s["size"] < s["population"]]
    assert sampled
    for label in sampled:
        assert any(d.startswith(f"{label} 层") and "selection differs at draw 1" in d
                   for d in shown["differences"]), (label, shown["differences"])
    assert not any("记录摘要" in d for d in shown["differences"])


def test_a_changed_directory_row_is_caught(driver: Any, base: str, sites: Path) -> None:
    """One firm renamed in the published directory: its digest is not the record's."""
    shown = verify_on_page(driver, f"{base}row/tasks/{TASK}.html")
    assert shown["verdict"] == "not-verified"
    recorded = _record(sites, "row")["directory"]["digest"]
    assert len(shown["differences"]) == 1
    assert shown["differences"][0].startswith(f"名录摘要 directory digest: recorded {recorded}, "
                                              "computed sha256:")


def test_an_edited_record_fails_its_digest(driver: Any, base: str) -> None:
    """An edit without a new digest: the record digest differs, and the selection too."""
    shown = verify_on_page(driver, f"{base}digest/tasks/{TASK}.html")
    assert shown["verdict"] == "not-verified"
    assert shown["differences"][0].startswith("记录摘要 record digest: recorded sha256:")
    assert any("selection differs" in d for d in shown["differences"])


def test_an_sm3_record_says_the_browser_cannot_check_it(driver: Any, base: str) -> None:
    """SM3 is not in browsers: the selections are not checked, plainly said."""
    shown = verify_on_page(driver, f"{base}sm3/tasks/{TASK}.html")
    assert shown["verdict"] == "cannot-check"
    assert shown["text"] == "无法核验 cannot check"
    assert "浏览器不提供 SM3" in shown["result"]
    assert "verifier.py" in shown["result"]


def _choose(driver: Any, record: Path, directory: Path) -> dict[str, Any]:
    from selenium.webdriver.common.by import By  # noqa: PLC0415
    from selenium.webdriver.support import expected_conditions  # noqa: PLC0415
    from selenium.webdriver.support.ui import WebDriverWait  # noqa: PLC0415

    driver.find_element(By.ID, "file-record").send_keys(str(record))
    driver.find_element(By.ID, "file-directory").send_keys(str(directory))
    driver.find_element(By.CSS_SELECTOR, "#verify-files button[type=submit]").click()
    verdict = WebDriverWait(driver, 60, poll_frequency=0.05).until(
        expected_conditions.presence_of_element_located((By.ID, "verify-verdict")))
    return {"verdict": verdict.get_attribute("data-verdict"),
            "result": driver.find_element(By.ID, "verify-result").text}


def test_chosen_files_verify(driver: Any, base: str, sites: Path) -> None:
    """The form verifies files the visitor chooses: the honest ones, and not a changed
    directory."""
    driver.get(f"{base}honest/tasks/{TASK}.html")
    assert _choose(driver, sites / "honest" / "records" / f"{TASK}.json",
                   sites / "honest" / "directory.csv")["verdict"] == "verified"
    driver.get(f"{base}honest/tasks/{TASK}.html")
    assert _choose(driver, sites / "honest" / "records" / f"{TASK}.json",
                   sites / "row" / "directory.csv")["verdict"] == "not-verified"


def test_a_site_opened_from_a_folder(driver: Any, sites: Path) -> None:
    """From file:// the page cannot fetch its files: the button says to choose them (cannot
    check), and the chosen files verify (the worker runs from a blob URL)."""
    page = (sites / "honest" / "tasks" / f"{TASK}.html").as_uri()
    shown = verify_on_page(driver, page)
    assert shown["verdict"] == "cannot-check"
    assert "choose the files below" in shown["result"]
    driver.get(page)
    assert _choose(driver, sites / "honest" / "records" / f"{TASK}.json",
                   sites / "honest" / "directory.csv")["verdict"] == "verified"


VECTORS_SCRIPT = (DATA / "vectors.js").read_text(encoding="utf-8")


def test_spec_vectors_pass_in_the_browser(driver: Any, base: str) -> None:
    """draw-spec.js, run by the browser, reproduces vectors.json: Rivest's published
    positions, the directory digest, the frame and exclusions, both allocations (the floor's
    scale, minimums, maximums, certainty, capping in rounds, randomized rounding) and every
    selection."""
    vectors = json.loads(SPEC.read_text(encoding="utf-8"))
    driver.get(f"{base}honest/tasks/{TASK}.html")
    out = driver.execute_async_script(VECTORS_SCRIPT, vectors)
    assert "error" not in out, out
    assert out["rivest"] == [True] * len(vectors["rivest"])
    for name in ("floor", "exclusions", "weighted_rounds", "weighted_all_capped"):
        assert out[name] == [True, True, True, True], (name, out[name])
    assert out["stratified_digest"] is True


def test_canonical_json_in_the_browser(driver: Any, base: str) -> None:
    """§9.1 in the browser: keys by code point (an astral character after U+FFFF's
    neighbours, unlike UTF-16 order), escapes, and the same text as Python's."""
    value = {"\U0001f600": 1, "\uff5e": 2, "a": "\x00\x1f\"\\\n\t/é\u2028", "b": [True, None]}
    driver.get(f"{base}honest/tasks/{TASK}.html")
    shown = driver.execute_script("return riDrawSpec().canonical(arguments[0]);", value)
    assert shown == canonical_json(value)


def test_hostile_names_do_not_run(driver: Any, tmp_path: Path) -> None:
    """Firm, task and inspector names that are markup or script show as text on every page,
    before and after the verification, and run nothing."""
    city = demo_city(n_targets=3_000, n_officers=60)
    plan = demo_plan()
    clean = run_plan(plan, city.targets, city.inspectors, city.check_items, seed=SEED)
    evil = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
    drawn = clean.runs[0].record.selected_ids
    targets = city.targets.with_changes(changed=[
        attrs.evolve(city.targets[i], name=f"{evil}{k}") for k, i in enumerate(drawn[:3])])
    plan = attrs.evolve(plan, tasks=[attrs.evolve(t, name=f"{evil}{t.code}") for t in
                                     plan.tasks])
    people = type(city.inspectors).from_records(
        [attrs.evolve(p, name=f"<b onmouseover=window.pwned=3>{p.id}</b>")
         for p in city.inspectors])
    hostile = run_plan(plan, targets, people, city.check_items, seed=SEED)
    site = write_site(hostile, tmp_path / "site", results=demo_results(hostile)[0],
                      inspectors="names")
    task = hostile.runs[0].task.code
    with serve(site) as url:
        for page in ("index.html", "plan.html", "results.html", f"tasks/{task}.html"):
            driver.get(url + page)
            assert driver.execute_script("return window.pwned === undefined;"), page
        shown = verify_on_page(driver, f"{url}tasks/{task}.html")
        assert shown["verdict"] == "verified"
        assert driver.execute_script("return window.pwned === undefined;")
        text = driver.find_element("id", "drawn").text
        assert f"{evil}0" in text  # shown as the text it is


PAGES = ("index.html", "plan.html", "results.html", f"tasks/{TASK}.html")


def _axe_script() -> str:
    try:
        from axe_core_python.base import AXE_FILE_PATH  # noqa: PLC0415
    except ImportError:
        browser_unavailable("axe-core-python (which ships axe.min.js) is not installed: the "
                            "test extra has it; test_page_structure checks the essentials "
                            "without it")
    return Path(AXE_FILE_PATH).read_text(encoding="utf-8")


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_axe_finds_no_serious_violation(driver: Any, base: str, size: tuple[int, int]) -> None:
    """axe-core (its WCAG 2.0/2.1 A and AA rules and best practices, run in the page) finds
    no violation on any page — serious, critical or other —, the task notice checked after
    its verification too."""
    axe = _axe_script()
    viewport(driver, size, mobile=size == PHONE)
    try:
        found = {}
        for page in (*PAGES, "verified"):
            if page == "verified":
                verify_on_page(driver, f"{base}honest/tasks/{TASK}.html")
            else:
                driver.get(f"{base}honest/{page}")
            driver.execute_script(axe)
            result = driver.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', "
                "'wcag21a', 'wcag21aa', 'best-practice']}}).then(done);")
            found[page] = [(v["id"], v["impact"], len(v["nodes"])) for v in result["violations"]]
            assert result["passes"], page  # axe really ran its rules
        serious = {p: [v for v in vs if v[1] in ("serious", "critical")]
                   for p, vs in found.items()}
        assert not any(serious.values()), found
        assert not any(found.values()), found  # nor any moderate or minor one
    finally:
        viewport(driver, DESKTOP)


STRUCTURE_SCRIPT = (DATA / "structure.js").read_text(encoding="utf-8")


def test_page_structure(driver: Any, base: str) -> None:
    """Our own checks on every page: ``lang`` on the page and on every English label, one
    h1 and headings in order, every control labelled, tables with captions and column
    headers, scrolling regions focusable and named, a skip link, images with alt text."""
    for page in (*PAGES, "verified"):
        if page == "verified":
            verify_on_page(driver, f"{base}honest/tasks/{TASK}.html")
        else:
            driver.get(f"{base}honest/{page}")
        assert driver.execute_script(STRUCTURE_SCRIPT) == [], page


def test_phone_layout_has_no_sideways_scrolling(driver: Any, base: str) -> None:
    """On a 390×844 phone no page is wider than the screen (wide tables scroll inside their
    own region), the verified task included."""
    viewport(driver, PHONE, mobile=True)
    try:
        for page in (*PAGES, "verified"):
            if page == "verified":
                verify_on_page(driver, f"{base}honest/tasks/{TASK}.html")
            else:
                driver.get(f"{base}honest/{page}")
            width = driver.execute_script(
                "return [document.documentElement.scrollWidth, "
                "document.documentElement.clientWidth];")
            assert width[0] <= width[1], (page, width)
    finally:
        viewport(driver, DESKTOP)


def test_print_hides_the_controls(driver: Any, base: str) -> None:
    """Printed, a task notice keeps its facts and tables and drops the navigation and the
    verify panel; links print their address."""
    driver.get(f"{base}honest/tasks/{TASK}.html")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        shown = driver.execute_script(
            "const d = (s) => getComputedStyle(document.querySelector(s)).display;"
            "return [d('header.site nav'), d('#verify-section'), d('#drawn table'), "
            "getComputedStyle(document.querySelector('#record-link'), '::after').content];")
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert shown[0] == "none"
    assert shown[1] == "none"
    assert shown[2] == "table"
    assert "records/" in shown[3]


DIFFERENTIAL_SCRIPT = (DATA / "differential.js").read_text(encoding="utf-8")
#: Mutated records per design in the differential test (a derandomized Hypothesis run).
MUTATIONS = 1_000
CODES = {"verified": 0, "not verified": 1, "cannot check": 2}


@pytest.mark.parametrize("kind", ["stratified", "weighted"])
def test_the_browser_and_verifier_py_agree_on_altered_records(
        driver: Any, base: str, tmp_path: Path, kind: str) -> None:
    """Records mutated at every key, value, type and byte (`record_mutations`, digest
    recomputed or not) get the same verdict in the browser as from verifier.py — except
    that the browser checks spec 1.1 only (a record made to claim spec "1" is *cannot check*
    there, as the page says)."""
    city = demo_city(n_targets=400, n_officers=24)
    city.targets.to_csv(tmp_path / "d.csv")
    listed = {"已纳入其他抽查任务": list(city.targets.ids[:5])}
    design = (StratifiedByRisk.from_preset("henan-2021", unclassified="1/100",
                                           exclude_checked_since="2024-01-01",
                                           excluded_ids=listed) if kind == "stratified"
              else ClassWeighted(total=37, weights={"A": 1, "B": 2, "C": 4, "D": 8, "U": 0},
                                 excluded_ids=listed, floor="1/50"))
    record = draw_targets(city.targets, design, seed=SEED, purpose=f"2024/1409/{kind}").record
    mutations: list[RecordMutation] = []

    @settings(max_examples=MUTATIONS, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(record_mutations(record.to_json()))
    def collect(mutation: RecordMutation) -> None:
        mutations.append(mutation)

    collect()
    driver.get(f"{base}honest/tasks/{TASK}.html")
    directory = base64.b64encode((tmp_path / "d.csv").read_bytes()).decode()
    browser: list[str] = []
    for start in range(0, len(mutations), 100):
        batch = [base64.b64encode(m.data).decode() for m in mutations[start:start + 100]]
        browser += driver.execute_async_script(DIFFERENTIAL_SCRIPT, directory, batch)
    assert set(browser) <= set(CODES), browser[:3]
    seen = {0: 0, 1: 0, 2: 0}
    for mutation, verdict in zip(mutations, browser, strict=True):
        path = tmp_path / "m.json"
        path.write_bytes(mutation.data)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            theirs = stdlib.main([str(path), str(tmp_path / "d.csv")])
        if theirs != CODES[verdict] and b'"spec_version":"1"' in mutation.data:
            assert verdict == "cannot check", mutation.description
            continue
        assert CODES[verdict] == theirs, f"{mutation.description}: browser {verdict}, " \
                                         f"verifier.py {theirs}"
        seen[theirs] += 1
    assert seen[1] > MUTATIONS // 3  # most mutations are caught as alterations …
    assert seen[2] > 0  # … some make the file unreadable …
    assert seen[0] > 0  # … and some change nothing the spec checks
