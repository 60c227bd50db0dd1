"""A real headless Chromium for the public site's tests and benchmark, and a local web server.

Debian's ``chromium`` and ``chromium-driver`` are driven through Selenium at fixed paths, so
nothing downloads a browser of its own (Selenium Manager is told to stay offline). Without
them the tests skip with the reason; with ``RANDOM_INSPECTION_REQUIRE_BROWSER=1`` (CI,
``.ci/browser.sh``) they fail instead.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import pytest

CHROMIUM = os.environ.get("RANDOM_INSPECTION_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("RANDOM_INSPECTION_CHROMEDRIVER", "/usr/bin/chromedriver")
REQUIRE = "RANDOM_INSPECTION_REQUIRE_BROWSER"

DESKTOP = (1280, 900)
PHONE = (390, 844)


def browser_unavailable(reason: str) -> NoReturn:
    """Skip (or, when the browser is required, fail) for want of a browser."""
    message = (f"no headless browser: {reason} (install Debian's chromium and chromium-driver: "
               "apt-get install chromium chromium-driver fonts-noto-cjk)")
    if os.environ.get(REQUIRE) == "1":
        pytest.fail(f"{message}; {REQUIRE}=1 requires it")
    pytest.skip(message)


def start_chromium() -> Any:
    """A headless Chromium (desktop viewport) driven by chromedriver."""
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must download nothing
    try:
        from selenium import webdriver  # noqa: PLC0415
        from selenium.common.exceptions import WebDriverException  # noqa: PLC0415
        from selenium.webdriver.chrome.service import Service  # noqa: PLC0415
    except ImportError:
        browser_unavailable("the selenium package is not installed (the test extra has it)")
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            browser_unavailable(f"{path} is missing")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--lang=zh-CN", "--no-first-run",
                     f"--window-size={DESKTOP[0]},{DESKTOP[1]}"):
        options.add_argument(argument)
    try:
        driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    except WebDriverException as error:
        browser_unavailable(f"chromium did not start: {error.msg}")
    driver.set_script_timeout(120)
    viewport(driver, DESKTOP)
    return driver


def viewport(driver: Any, size: tuple[int, int], *, mobile: bool = False) -> None:
    """Emulate a screen of ``size`` CSS pixels (a phone: ``mobile``, the page's viewport
    meta tag applies)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": mobile})


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def verify_on_page(driver: Any, url: str, *, timeout: float = 120) -> dict[str, Any]:
    """Open a task notice, click "核验本次抽取 verify this draw", wait for the verdict; the
    verdict's code and text, the list of differences and the whole result's text."""
    from selenium.webdriver.common.by import By  # noqa: PLC0415
    from selenium.webdriver.support import expected_conditions  # noqa: PLC0415
    from selenium.webdriver.support.ui import WebDriverWait  # noqa: PLC0415

    driver.get(url)
    driver.find_element(By.ID, "verify-button").click()
    verdict = WebDriverWait(driver, timeout, poll_frequency=0.05).until(
        expected_conditions.presence_of_element_located((By.ID, "verify-verdict")))
    differences = driver.find_elements(By.CSS_SELECTOR, "#verify-differences li")
    return {"verdict": verdict.get_attribute("data-verdict"), "text": verdict.text,
            "differences": [d.text for d in differences],
            "result": driver.find_element(By.ID, "verify-result").text}
