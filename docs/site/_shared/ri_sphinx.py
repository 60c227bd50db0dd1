"""The site's own Sphinx extension: reference pages generated from the code, and the
language switch.

Directives (each reads the code when the site is built, so the page cannot go stale):

``cli-reference``
    Every command and subcommand of ``random-inspection``, walked from
    `random_inspection.cli.build_parser`: usage, description, every argument with its help.
    With the option ``:verifier:``, the ``--help`` of the standard-library ``verifier.py``.
``public-api`` *package*
    (inside ``{eval-rst}``) autodoc of every name in the package's ``__all__`` that is
    documented here (see `home_of`), and a line naming where the others are documented.
``header-table`` *module.NAME*
    A table of a mapping of field → accepted headers or keys (English → Chinese).
``vocabulary-table`` *module.Enum*
    A table of an enum's codes with their Chinese and English labels.

In the Chinese site, a line break between Chinese characters is not shown as a space
(`JoinChineseLines`).

The language switch: every page gets ``other_language_url`` (the same page in the other
language) and ``other_language_name`` in its template context; ``_templates/page.html`` shows
them above the page, and the HTML head names the alternate page.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import pkgutil
import re
from collections.abc import Iterator
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.pycode import ModuleAnalyzer
from sphinx.transforms import SphinxTransform
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import make_id

#: The packages whose ``__all__`` make the public API, in the order of the flow (DESIGN.md).
PUBLIC_PACKAGES = (
    "random_inspection",
    "random_inspection.registry",
    "random_inspection.sampling",
    "random_inspection.distributed",
    "random_inspection.assignment",
    "random_inspection.audit",
    "random_inspection.planning",
    "random_inspection.results",
    "random_inspection.analysis",
    "random_inspection.store",
    "random_inspection.publish",
    "random_inspection.strategies",
    "random_inspection.demo",
)

#: The two languages of the site: folder name → (name of the language in itself, html lang).
LANGUAGES = {"en": ("English", "en"), "zh_CN": ("中文", "zh-CN")}


# --- the command line ----------------------------------------------------------------------

def command_tree(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
                 ) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser, str]]:
    """Every (sub)command of ``parser``, depth first: (path of names, its parser, its help).

    The root comes first with the path ``()``; ``random-inspection results import`` is
    ``("results", "import")``.
    """
    if not path:
        yield (), parser, parser.description or ""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in action.choices.items():
                yield (*path, name), sub, helps.get(name, "")
                yield from command_tree(sub, (*path, name))


def command_paths() -> list[str]:
    """``random-inspection …`` for every command and subcommand of the parser."""
    from random_inspection.cli import build_parser  # noqa: PLC0415

    return [" ".join(("random-inspection", *path)) for path, _, _ in command_tree(build_parser())]


@contextlib.contextmanager
def _columns(width: int) -> Iterator[None]:
    """argparse wraps to the terminal's width: fix it, so the page does not depend on it."""
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
    try:
        yield
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before


def _argument_rows(parser: argparse.ArgumentParser) -> list[tuple[str, str]]:
    """(how to write it, what it does) for every argument, as ``--help`` words it."""
    formatter = parser._get_formatter()
    rows = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) or action.help == argparse.SUPPRESS:
            continue
        if action.option_strings:
            spelling = ", ".join(action.option_strings)
            if action.nargs != 0:
                spelling += " " + formatter._format_args(action,
                                                         formatter._get_default_metavar_for_optional(action))
        else:
            spelling = formatter._format_args(action,
                                              formatter._get_default_metavar_for_positional(action))
        rows.append((spelling, formatter._expand_help(action) if action.help else ""))
    return rows


class CliReference(SphinxDirective):
    """The ``random-inspection`` command line, generated from its parser."""

    option_spec = {"verifier": directives.flag}  # noqa: RUF012

    def run(self) -> list[nodes.Node]:
        if "verifier" in self.options:
            return self._verifier()
        from random_inspection.cli import build_parser  # noqa: PLC0415

        with _columns(90):
            parser = build_parser()
            out: list[nodes.Node] = []
            parents: dict[tuple[str, ...], nodes.Element] = {}
            for path, sub, summary in command_tree(parser):
                name = " ".join(("random-inspection", *path))
                section = nodes.section(ids=[make_id(self.env, self.state.document, "cli",
                                                     "-".join(path) or "random-inspection")])
                section += nodes.title("", "", nodes.literal(name, name))
                text = sub.description or summary
                if text:
                    section += nodes.paragraph(text, text)
                usage = sub.format_usage().strip()
                section += nodes.literal_block(usage, usage, language="text")
                section += self._arguments(sub, path)
                if path:
                    parents[path[:-1]] += section
                else:
                    out.append(section)
                parents[path] = section
        return out

    def _arguments(self, parser: argparse.ArgumentParser, path: tuple[str, ...]
                   ) -> list[nodes.Node]:
        items = nodes.definition_list()
        for spelling, helptext in _argument_rows(parser):
            item = nodes.definition_list_item()
            item += nodes.term("", "", nodes.literal(spelling, spelling))
            item += nodes.definition("", nodes.paragraph(helptext, helptext))
            items += item
        subcommands = [(p, h) for p, _, h in command_tree(parser, path) if len(p) == len(path) + 1]
        result: list[nodes.Node] = [items] if len(items) else []
        if subcommands:
            listing = nodes.bullet_list()
            for sub_path, helptext in subcommands:
                target = make_id(self.env, self.state.document, "cli", "-".join(sub_path))
                name = " ".join(("random-inspection", *sub_path))
                ref = nodes.reference("", "", nodes.literal(name, name), refid=target)
                para = nodes.paragraph("", "", ref, nodes.Text(f": {helptext}" if helptext else ""))
                listing += nodes.list_item("", para)
            result.append(listing)
        return result

    def _verifier(self) -> list[nodes.Node]:
        from random_inspection import verifier  # noqa: PLC0415

        buffer = io.StringIO()
        with _columns(90), contextlib.redirect_stdout(buffer), contextlib.suppress(SystemExit):
            verifier.main(["--help"])
        text = buffer.getvalue().replace("usage: -c", "usage: verifier.py").strip()
        text = text.replace("usage: __main__.py", "usage: verifier.py")
        return [nodes.literal_block(text, text, language="text")]


# --- the public API -----------------------------------------------------------------------

def public_names() -> dict[str, list[str]]:
    """Package → the names of its ``__all__`` (without ``__version__``)."""
    return {package: [n for n in importlib.import_module(package).__all__ if n != "__version__"]
            for package in PUBLIC_PACKAGES}


def home_of(package: str, name: str, names: dict[str, list[str]] | None = None) -> str:
    """The one package under which a public name is documented.

    A name re-exported by several packages is documented once, in the most specific package
    that defines it (whose module is inside it); a value without a module (a constant), in
    the first package of the flow that lists it, after the top level.
    """
    names = names or public_names()
    value = getattr(importlib.import_module(package), name)
    holders = [p for p in PUBLIC_PACKAGES if name in names[p]
               and getattr(importlib.import_module(p), name) is value]
    module = getattr(value, "__module__", None)
    if isinstance(module, str) and not isinstance(value, str | int | float | tuple | dict):
        inside = [p for p in holders if module == p or module.startswith(p + ".")]
        if inside:
            return max(inside, key=len)
    specific = [p for p in holders if p != "random_inspection"]
    return specific[0] if specific else holders[0]


def _autodoc_lines(package: str, name: str) -> list[str]:
    value = getattr(importlib.import_module(package), name)
    target = f"{package}.{name}"
    if isinstance(value, type):
        if issubclass(value, BaseException):
            return [f".. autoexception:: {target}", "   :show-inheritance:", ""]
        return [f".. autoclass:: {target}", "   :members:", "   :show-inheritance:", ""]
    if callable(value):
        return [f".. autofunction:: {target}", ""]
    # A constant has no docstring of its own (autodoc would show its type's): take the
    # ``#:`` comment above its assignment in the module that defines it.
    lines = [f".. py:data:: {name}", f"   :type: {type(value).__name__}", ""]
    return lines + [f"   {line}" for line in _doc_comment(package, name)] + [""]


def _doc_comment(package: str, name: str) -> list[str]:
    """The ``#:`` comment of ``name`` in ``package`` or one of its modules (or none)."""
    module = importlib.import_module(package)
    candidates = [package] + [f"{package}.{m.name}" for m in
                              pkgutil.iter_modules(getattr(module, "__path__", []))]
    for candidate in candidates:
        docs = ModuleAnalyzer.for_module(candidate).find_attr_docs()
        if ("", name) in docs:
            return list(docs["", name])
    return []


class PublicApi(SphinxDirective):
    """autodoc of a package's public names (use inside ``{eval-rst}``)."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        package = self.arguments[0]
        names = public_names()
        here, elsewhere = [], []
        for name in sorted(names[package], key=str.casefold):
            home = home_of(package, name, names)
            (here if home == package else elsewhere).append((name, home))
        lines = [f".. automodule:: {package}", "   :no-members:", "",
                 f".. py:currentmodule:: {package}", ""]
        if elsewhere:
            links = ", ".join(f":py:obj:`{n} <{h}.{n}>`" for n, h in elsewhere)
            lines += [f"Also public here, documented with the package that defines them: {links}.",
                      ""]
        for name, _ in here:
            lines += _autodoc_lines(package, name)
        content = StringList(lines, source=f"<public-api {package}>")
        node = nodes.container()
        self.state.nested_parse(content, self.content_offset, node)
        return node.children


# --- tables of the file formats ------------------------------------------------------------

def _table(headers: list[str], rows: list[list[str]], literal: tuple[int, ...] = ()
           ) -> nodes.table:
    table = nodes.table()
    group = nodes.tgroup(cols=len(headers))
    table += group
    for _ in headers:
        group += nodes.colspec(colwidth=1)

    def row_of(cells: list[str], head: bool = False) -> nodes.row:
        row = nodes.row()
        for k, cell in enumerate(cells):
            inner: nodes.Node = (nodes.literal(cell, cell) if k in literal and cell and not head
                                 else nodes.Text(cell))
            row += nodes.entry("", nodes.paragraph("", "", inner))
        return row

    thead = nodes.thead()
    thead += row_of(headers, head=True)
    group += thead
    body = nodes.tbody()
    for cells in rows:
        body += row_of(cells)
    group += body
    return table


def _resolve(dotted: str) -> Any:
    module, _, attribute = dotted.rpartition(".")
    return getattr(importlib.import_module(module), attribute)


class HeaderTable(SphinxDirective):
    """Field → accepted headers (a tuple, the first Chinese one written) or one Chinese key."""

    required_arguments = 1
    option_spec = {"field": directives.unchanged, "chinese": directives.unchanged}  # noqa: RUF012

    def run(self) -> list[nodes.Node]:
        mapping = _resolve(self.arguments[0])
        rows = []
        for field, spellings in mapping.items():
            if isinstance(spellings, str):
                rows.append([field, spellings])
            else:
                chinese = [s for s in spellings if not s.isascii()]
                other = [s for s in spellings if s.isascii()]
                extra = f" ({', '.join(other)})" if other else ""
                rows.append([field, "、".join(chinese) + extra])
        headers = [self.options.get("field", "English"),
                   self.options.get("chinese", "Chinese (中文)")]
        return [_table(headers, rows, literal=(0,))]


class VocabularyTable(SphinxDirective):
    """An enum's codes with their Chinese and English labels."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        kind = _resolve(self.arguments[0])
        rows = [[member.code, member.label_zh, member.label_en] for member in kind]
        return [_table(["code", "中文", "English"], rows, literal=(0,))]


# --- Chinese text ------------------------------------------------------------------------

_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])\n(?=[{_CJK}])")


class JoinChineseLines(SphinxTransform):
    """A line break inside a Chinese paragraph is not a space.

    Markdown keeps the source's line breaks, and browsers show a break between two Chinese
    characters as a space ("检查对象， 再用"). In the Chinese site a break between Chinese
    characters or punctuation is dropped; a break next to Latin text stays a space.
    """

    default_priority = 700

    def apply(self, **_kwargs: Any) -> None:
        if not str(self.config.language).startswith("zh"):
            return
        texts = [node for node in self.document.findall(nodes.Text)
                 if not isinstance(node.parent, nodes.FixedTextElement | nodes.literal
                                   | nodes.raw)]
        originals = [str(node) for node in texts]
        for k, (node, text) in enumerate(zip(texts, originals, strict=True)):
            if "\n" not in text:
                continue
            # MyST gives a soft line break its own node: look at the text on either side.
            before = originals[k - 1][-1:] if k else ""
            after = originals[k + 1][:1] if k + 1 < len(originals) else ""
            before, after = before.strip(), after.strip()
            joined = _CJK_BREAK.sub("", before + text + after)
            joined = joined[len(before):len(joined) - len(after)]
            if joined != text and node.parent is not None:
                node.parent.replace(node, nodes.Text(joined))


# --- the language switch ------------------------------------------------------------------

def other_language(language_folder: str) -> str:
    """The folder of the other language."""
    (other,) = (name for name in LANGUAGES if name != language_folder)
    return other


def _language_switch(app: Sphinx, pagename: str, _template: str, context: dict[str, Any],
                     _doctree: Any) -> None:
    """Put the URL of the same page in the other language into the page's context."""
    here = app.config.ri_language_folder
    other = other_language(here)
    up = "../" * (pagename.count("/") + 1)
    context["other_language_url"] = f"{up}{other}/{pagename}.html"
    context["other_language_name"] = LANGUAGES[other][0]
    context["other_language_code"] = LANGUAGES[other][1]
    context["chooser_url"] = f"{up}index.html"


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directives and the language switch."""
    app.add_config_value("ri_language_folder", "en", "html")
    app.add_directive("cli-reference", CliReference)
    app.add_directive("public-api", PublicApi)
    app.add_directive("header-table", HeaderTable)
    app.add_directive("vocabulary-table", VocabularyTable)
    app.add_transform(JoinChineseLines)
    app.connect("html-page-context", _language_switch)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
