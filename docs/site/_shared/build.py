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
import tempfile
from pathlib import Path

SITE = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "zh_CN")


def build(out: Path, *, quiet: bool = True) -> int:
    """Build both languages into ``out`` from scratch; returns 0, or Sphinx's status of the
    first failure.

    Always a full build (an incremental one would not repeat the warnings of unchanged
    pages, and ``-W`` would miss them); the doctrees go to a temporary folder, so ``out``
    holds the site and nothing else.
    """
    from sphinx.cmd.build import build_main  # noqa: PLC0415

    out.mkdir(parents=True, exist_ok=True)
    status = 0
    with tempfile.TemporaryDirectory(prefix="docs-doctrees-") as doctrees:
        for language in LANGUAGES:
            target = out / language
            shutil.rmtree(target, ignore_errors=True)
            args = ["-b", "html", "-W", "--keep-going", "-d", str(Path(doctrees) / language),
                    *(["-q"] if quiet else []), str(SITE / language), str(target)]
            status = build_main(args) or status
    shutil.copyfile(SITE / "_shared" / "chooser.html", out / "index.html")
    return status


if __name__ == "__main__":
    sys.exit(build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("build/docs")))
