"""Build the documentation site: both languages, warnings as errors, and the language chooser.

    python docs/site/_shared/build.py [OUT]        # default OUT: build/docs

writes ``OUT/en/``, ``OUT/zh_CN/`` and ``OUT/index.html`` (the chooser). Sphinx runs with
``-W --keep-going``: every warning of either language is printed, then the build fails. The
result is a static folder that opens offline, from ``file://`` or any web server. ``make docs``
runs this, then checks the built folder's internal links (``tests/test_docs.py -k built``).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

SITE = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "zh_CN")


def build(out: Path, *, quiet: bool = True) -> int:
    """Build both languages into ``out``; returns 0, or Sphinx's status of the first failure."""
    from sphinx.cmd.build import build_main  # noqa: PLC0415

    out.mkdir(parents=True, exist_ok=True)
    status = 0
    for language in LANGUAGES:
        target = out / language
        doctrees = out / ".doctrees" / language
        args = ["-b", "html", "-W", "--keep-going", "-d", str(doctrees),
                *(["-q"] if quiet else []), str(SITE / language), str(target)]
        status = status or build_main(args)
    shutil.copyfile(SITE / "_shared" / "chooser.html", out / "index.html")
    return status


if __name__ == "__main__":
    sys.exit(build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("build/docs")))
