"""The public site's in-browser verification at 10^6 targets, against its peers on the same
files in the same run.

Task: the demo year on a 10^6-target city (``demo_city(n_targets=10**6)``, ``demo_plan``),
published with ``write_site``; the province task SX-2024-01 draws 3,579 enterprises from the
whole directory. Timed: opening its task notice in Debian's headless Chromium and clicking
"核验本次抽取 verify this draw" until the verdict shows — download of the 170 MB directory
from a local web server, reading it, its digest, the record and its digest, the frame, the
allocation and every Rivest selection (WebCrypto SHA-256). Peers, on the same two files:
verifier.py (standard library only) and the library's own ``verify`` (reading the CSV
included). Target: the browser under 10 s here.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from _browser import serve, start_chromium, verify_on_page
from random_inspection import AuditRecord, TargetDirectory, verify
from random_inspection import verifier as stdlib
from random_inspection.demo import demo_city, demo_plan
from random_inspection.planning import run_plan
from random_inspection.publish import write_site

TASK = "SX-2024-01"


@pytest.fixture(scope="module")
def site_1e6(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The 10^6-target demo year's site (built once: about half a minute)."""
    city = demo_city(n_targets=10**6)
    year = run_plan(demo_plan(), city.targets, city.inspectors, city.check_items,
                    seed="31415926535897932384")
    folder = write_site(year, tmp_path_factory.mktemp("site") / "site")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium (skips when it is not installed)."""
    driver = start_chromium()
    yield driver
    driver.quit()


@pytest.mark.benchmark(group="site-verify-1e6")
def test_browser_verify_1e6(benchmark: Any, site_1e6: Path, browser: Any) -> None:
    """The task notice's verification in the browser, from the click to the verdict."""
    with serve(site_1e6) as url:
        shown = benchmark.pedantic(verify_on_page, args=(browser, f"{url}tasks/{TASK}.html"),
                                   rounds=3, warmup_rounds=1)
    assert shown["verdict"] == "verified", shown
    benchmark.extra_info["targets"] = 10**6
    benchmark.extra_info["directory_bytes"] = (site_1e6 / "directory.csv").stat().st_size


def _verifier_py(site: Path) -> Any:
    stdlib._INPUTS.clear()  # it keeps a file it has read for the next record of a run
    return stdlib.check(str(site / f"records/{TASK}.json"), str(site / "directory.csv"))


@pytest.mark.benchmark(group="site-verify-1e6")
def test_peer_verifier_py_1e6(benchmark: Any, site_1e6: Path) -> None:
    """verifier.py on the same record and directory file, each round reading the file."""
    results = benchmark.pedantic(_verifier_py, args=(site_1e6,), rounds=3)
    assert stdlib.verdict(results) == 0


def _library(site: Path) -> Any:
    return verify(AuditRecord.read(site / f"records/{TASK}.json"),
                  TargetDirectory.from_csv(site / "directory.csv"))


@pytest.mark.benchmark(group="site-verify-1e6")
def test_peer_library_verify_1e6(benchmark: Any, site_1e6: Path) -> None:
    """The library's verify on the same files, reading the CSV included."""
    report = benchmark.pedantic(_library, args=(site_1e6,), rounds=3)
    assert report.ok
