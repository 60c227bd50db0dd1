"""Screenshots of the public site (docs/site.md): the index, a task notice and a verified task,
on a desktop (1280×900) and a phone (390×844), in Debian's headless Chromium.

Run from the repository (the demo year on a 20,000-target city is built and served from a
temporary folder; the PNG files are written beside this script)::

    PYTHONPATH=src python docs/site-screenshots/make.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "tests"))  # the tests' browser helpers

from _browser import DESKTOP, PHONE, serve, start_chromium, verify_on_page, viewport  # noqa: E402
from random_inspection.demo import demo_city, demo_plan, demo_results  # noqa: E402
from random_inspection.planning import run_plan  # noqa: E402
from random_inspection.publish import write_site  # noqa: E402

TASK = "XZ-2024-03"


def main() -> None:
    city = demo_city(n_targets=20_000)
    year = run_plan(demo_plan(), city.targets, city.inspectors, city.check_items,
                    seed="31415926535897932384")
    with tempfile.TemporaryDirectory() as folder:
        site = write_site(year, Path(folder) / "site", results=demo_results(year)[0])
        driver = start_chromium()
        try:
            with serve(site) as url:
                for device, size in (("desktop", DESKTOP), ("phone", PHONE)):
                    viewport(driver, size, mobile=device == "phone")
                    driver.get(url + "index.html")
                    driver.save_screenshot(str(HERE / f"{device}-index.png"))
                    driver.get(f"{url}tasks/{TASK}.html")
                    driver.save_screenshot(str(HERE / f"{device}-task.png"))
                    shown = verify_on_page(driver, f"{url}tasks/{TASK}.html")
                    assert shown["verdict"] == "verified", shown
                    driver.execute_script(
                        "document.getElementById('verify').scrollIntoView();")
                    time.sleep(0.2)  # let the scroll settle before the picture
                    driver.save_screenshot(str(HERE / f"{device}-verified.png"))
        finally:
            driver.quit()
    print("wrote", ", ".join(sorted(p.name for p in HERE.glob("*.png"))))


if __name__ == "__main__":
    main()
