"""The documentation site (``docs/site``) and the docstrings tell the truth.

- Every page of both languages runs its examples (the convention: ``tests/_docs_examples.py``),
  one test per page, so a failure names the page.
- Both languages have the same pages (the language switch links page to page).
- Every example in the public modules' docstrings runs (doctest).
- Given a built site (``make docs``, or Sphinx installed: built here), every internal link and
  anchor resolves, nothing is loaded from another host, every page has the language switch,
  and the command-line reference lists every command of the parser.
"""

from __future__ import annotations

import argparse
import doctest
import hashlib
import html.parser
import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from _docs_examples import Example, commands, examples
from random_inspection.cli import build_parser

ROOT = Path(__file__).parent.parent
SITE = ROOT / "docs" / "site"
LANGUAGES = ("en", "zh_CN")
PAGES = sorted(p.relative_to(SITE) for lang in LANGUAGES for p in (SITE / lang).rglob("*.md"))
SOURCE = ROOT / "src" / "random_inspection"
DOCTEST_MODULES = sorted(
    ".".join(("random_inspection", *p.relative_to(SOURCE).with_suffix("").parts))
    .removesuffix(".__init__")
    for p in SOURCE.rglob("*.py") if ">>>" in p.read_text(encoding="utf-8"))

_RAN: dict[str, str] = {}  # digest of a page's examples → the page that ran them


def test_the_site_has_its_pages() -> None:
    """The pages this file runs are there (a moved folder would skip them silently)."""
    for language in LANGUAGES:
        for page in ("index.md", "tutorials/first-draw.md", "tutorials/year.md",
                     "tutorials/verify.md", "reference/api.md", "reference/cli.md",
                     "reference/formats.md"):
            assert (SITE / language / page).is_file(), f"{language}/{page}"
    assert len(DOCTEST_MODULES) >= 10


def test_both_languages_have_the_same_pages() -> None:
    """Every page exists in both languages, at the same path: the switch links page to page."""
    trees = {lang: {p.relative_to(SITE / lang).as_posix() for p in (SITE / lang).rglob("*.md")}
             for lang in LANGUAGES}
    assert trees["en"] == trees["zh_CN"], {
        "only in en": sorted(trees["en"] - trees["zh_CN"]),
        "only in zh_CN": sorted(trees["zh_CN"] - trees["en"])}


def _run_console(example: Example, folder: Path) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "COLUMNS": "100", "MPLBACKEND": "Agg"}
    for command in commands(example):
        done = subprocess.run(["bash", "-o", "pipefail", "-c", command.text], cwd=folder,
                              env=env, capture_output=True, text=True, check=False,
                              timeout=600)
        assert done.returncode == command.status, (
            f"{example.where}: `{command.text}` exited {done.returncode}, the page says "
            f"{command.status}\n{done.stdout[-3000:]}{done.stderr[-3000:]}")


@pytest.mark.parametrize("page", PAGES, ids=[p.as_posix() for p in PAGES])
@pytest.mark.filterwarnings("ignore::ResourceWarning")  # a reader's `open(…).read()` is fine
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_page_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    """The page's examples run in order, as a reader following it would run them."""
    found = examples(SITE / page)
    digest = hashlib.sha256("\0".join(f"{e.kind}:{e.code}" for e in found).encode()).hexdigest()
    if found and digest in _RAN:  # the same examples (a shared reference body) ran already
        return
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for example in found:
        if example.kind == "python":
            exec(compile(example.code, example.where, "exec"), namespace)
        elif example.kind == "file":
            (tmp_path / example.name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / example.name).write_text(example.code, encoding="utf-8")
        else:
            _run_console(example, tmp_path)
    capsys.readouterr()
    _RAN[digest] = page.as_posix()


@pytest.mark.parametrize("module", DOCTEST_MODULES)
def test_docstring_examples_run(module: str, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ``>>>`` example in the module's docstrings gives the output it shows."""
    monkeypatch.chdir(tmp_path)
    tests = [t for t in doctest.DocTestFinder().find(importlib.import_module(module))
             if t.examples]
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    for test in tests:
        runner.run(test, out=report.append)
    assert runner.tries > 0, f"{module} has '>>>' but no example was found"
    assert not runner.failures, "".join(report)


def test_the_api_reference_covers_every_public_package() -> None:
    """Every subpackage with an ``__all__`` is in the reference's package list (a new one
    left out would be missing from the site without a warning)."""
    listed = set()
    for line in (SITE / "_shared" / "ri_sphinx.py").read_text(encoding="utf-8").splitlines():
        if line.strip().startswith('"random_inspection'):
            listed.add(line.strip().strip('",'))
    source = ROOT / "src" / "random_inspection"
    public = {f"random_inspection.{init.parent.name}" for init in source.glob("*/__init__.py")
              if "__all__" in init.read_text(encoding="utf-8")}
    public.discard("random_inspection.cli")  # the command line has its own page, from its parser
    assert public, "no subpackage found"
    assert public <= listed, f"missing from PUBLIC_PACKAGES: {sorted(public - listed)}"


def test_the_example_convention_reads_console_blocks(tmp_path: Path) -> None:
    """Commands, continuations and stated exit statuses are read as the convention says."""
    page = tmp_path / "page.md"
    page.write_text("text\n\n```console\n$ random-inspection verify a b   # exits 1\n"
                    "VERIFIED\n$ random-inspection draw x \\\n    --out y\n```\n\n"
                    "````{note}\n```python\nx = 1\n```\n````\n\n```text\n$ not run\n```\n"
                    "```{code-block} toml\n:caption: plan.toml\n\nyear = 2024\n```\n",
                    encoding="utf-8")
    found = examples(page)
    assert [e.kind for e in found] == ["console", "python", "file"]
    assert (found[2].name, found[2].code) == ("plan.toml", "year = 2024\n")
    assert [(c.text, c.status) for c in commands(found[0])] == [
        ("random-inspection verify a b   # exits 1", 1),
        ("random-inspection draw x \\\n    --out y", 0)]
    page.write_text("```sh\nrandom-inspection demo\n```\n", encoding="utf-8")
    with pytest.raises(ValueError, match="console"):
        examples(page)


# --- the built site ----------------------------------------------------------------------

@pytest.fixture(scope="session")
def built() -> Path:
    """The built site: ``RANDOM_INSPECTION_DOCS_BUILD`` (``make docs`` sets it), else a
    build made here when Sphinx is installed; else the tests that need it are skipped."""
    given = os.environ.get("RANDOM_INSPECTION_DOCS_BUILD")
    if given:
        return Path(given).resolve()
    pytest.importorskip("sphinx", reason="the docs extra is not installed (make docs)")
    import tempfile  # noqa: PLC0415

    out = Path(tempfile.mkdtemp(prefix="docs-build-"))
    done = subprocess.run([sys.executable, str(SITE / "_shared" / "build.py"), str(out)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-5000:]
    return out


class _Page(html.parser.HTMLParser):
    """The ids, the links and the loaded resources of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.loads: list[str] = []
        self.classes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.ids |= {values[k] for k in ("id", "name") if k in values}
        self.classes |= set(values.get("class", "").split())
        if tag == "a" and "href" in values:
            self.links.append(values["href"])
        elif tag == "link" and "href" in values:
            (self.links if values.get("rel") == "alternate" else self.loads).append(
                values["href"])
        elif tag in ("script", "img", "iframe", "source") and values.get("src"):
            self.loads.append(values["src"])


def _pages(root: Path) -> Iterator[tuple[Path, _Page]]:
    for path in sorted(root.resolve().rglob("*.html")):
        parser = _Page()
        parser.feed(path.read_text(encoding="utf-8"))
        yield path, parser


def test_built_links_resolve(built: Path) -> None:
    """Every relative link and resource of every page exists, with its #anchor; nothing is
    loaded from another host (the folder opens offline)."""
    pages = dict(_pages(built))
    problems = []
    for path, page in pages.items():
        for url in page.links + page.loads:
            parts = urlsplit(url)
            if parts.scheme or url.startswith("//"):
                if url in page.loads:
                    problems.append(f"{path.relative_to(built)}: loads {url} from another host")
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                problems.append(f"{path.relative_to(built)}: {url} does not exist")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else set()
                if unquote(parts.fragment) not in ids:
                    problems.append(f"{path.relative_to(built)}: {url}: no such anchor")
    assert len(pages) > 20
    assert not problems, "\n".join(problems[:50])


def test_built_pages_have_the_language_switch(built: Path) -> None:
    """Every page of both languages links to itself in the other language."""
    for language in LANGUAGES:
        for path, page in _pages(built / language):
            assert "ri-language-other" in page.classes, path
            other = [u for u in page.links if "/" + LANGUAGES[1 - LANGUAGES.index(language)] + "/"
                     in u]
            assert other, f"{path}: no link to the other language"
    assert (built / "index.html").is_file()


def _command_names(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
                   ) -> Iterator[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield " ".join(("random-inspection", *path, name))
                yield from _command_names(sub, (*path, name))


def test_built_cli_reference_lists_every_command(built: Path) -> None:
    """The command-line reference of both languages has a section for every command and
    subcommand of the parser, with its usage."""
    names = list(_command_names(build_parser()))
    assert "random-inspection results import" in names
    for language in LANGUAGES:
        text = (built / language / "reference" / "cli.html").read_text(encoding="utf-8")
        for name in names:
            anchor = "cli-" + "-".join(name.split()[1:])
            assert f'id="{anchor}"' in text, f"{language}: no section for {name}"
            assert f"usage: {name}" in text, f"{language}: no usage of {name}"
