"""The examples of a documentation page (``docs/site``), as the test suite runs them.

The convention, for every page of both languages (``docs/site/_shared/README.md`` says the
same for authors):

- A ````` ```python ````` block runs; the blocks of a page run in order, in one namespace,
  in a fresh empty folder for the page — a page is read top to bottom, so a later block may
  use what an earlier one made.
- A ````` ```console ````` block runs its commands, each line starting with ``$ `` (a line
  ending in ``\\`` goes on with the next), in the same folder, with ``random-inspection`` and
  ``python`` of the environment under test. Each must exit 0, or the status its comment
  states: ``$ random-inspection verify … # exits 1``. Other lines are output, shown, not
  compared.
- A ``{code-block}`` whose ``:caption:`` is a file name (``plan.toml``: no space, a dot) is a
  file the reader saves: it is written, as shown, into the page's folder where it stands.
- Any other block (``text``, ``toml``, ``json``, ``csv`` …) is shown, not run; a command shown
  but not to be run (a placeholder, a server) goes in a ``text`` block.
- ``{code-block} python`` counts as ``python``; a directive fence (````` ````{note} `````)
  is searched for blocks inside it; ``{include}`` brings in the included file's blocks where it
  stands (a path relative to the page).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
FILE_CAPTION = re.compile(r"^:caption:\s*(?P<name>[^\s/][^\s]*\.[A-Za-z0-9]+)\s*$")
EXIT = re.compile(r"#\s*exits\s+(\d+)\s*$")
RUN = {"python": "python", "py": "python", "python3": "python", "console": "console"}
#: Shell fences that would look runnable but are not: a command is ``console`` or ``text``.
AMBIGUOUS = {"sh", "bash", "shell", "shell-session", "zsh"}


@dataclass(frozen=True)
class Example:
    """One block to run: its kind (python, console, file), code, file and line; for a
    file, the name to save it as."""

    kind: str
    code: str
    path: Path
    line: int
    name: str = ""

    @property
    def where(self) -> str:
        """``file:line`` of the block's opening fence."""
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Command:
    """One command of a ``console`` block and the exit status it must have."""

    text: str
    status: int


def _blocks(lines: list[str], start: int = 0) -> list[tuple[str, list[str], int]]:
    """(info string, content lines, line number) of every fenced block, outermost first."""
    found = []
    k = 0
    while k < len(lines):
        opening = FENCE.match(lines[k])
        if not opening:
            k += 1
            continue
        fence = opening["fence"]
        close = re.compile(rf"^ {{0,3}}{fence[0]}{{{len(fence)},}}\s*$")
        end = k + 1
        while end < len(lines) and not close.match(lines[end]):
            end += 1
        found.append((opening["info"].strip(), lines[k + 1:end], start + k + 1))
        k = end + 1
    return found


def _options_dropped(content: list[str]) -> list[str]:
    """A directive's content without its ``:option: value`` lines (and the blank after)."""
    k = 0
    while k < len(content) and content[k].startswith(":"):
        k += 1
    if k and k < len(content) and not content[k].strip():
        k += 1
    return content[k:]


def examples(path: Path, *, strict: bool = True) -> list[Example]:
    """The runnable blocks of a page, in reading order, includes expanded.

    With ``strict``, a shell fence other than ``console`` is an error (it would be shown as
    if it ran). Included files from outside the site (the stage guides of ``docs/``) are not
    held to it: their command synopses carry placeholders.
    """
    return _examples(path, path.read_text(encoding="utf-8").splitlines(), 0, strict)


def _examples(path: Path, lines: list[str], start: int, strict: bool) -> list[Example]:
    out: list[Example] = []
    for info, block, line in _blocks(lines, start):
        word, _, argument = info.partition(" ")
        argument = argument.strip()
        content = block
        if word in ("{code-block}", "{code}", "{code-cell}", "{sourcecode}"):
            options = itertools.takewhile(lambda text: text.startswith(":"), block)
            saved = [m["name"] for m in map(FILE_CAPTION.match, options) if m]
            word, content = argument.split(" ")[0] if argument else "", _options_dropped(block)
            if saved:
                out.append(Example("file", "\n".join(content) + "\n", path, line, saved[0]))
                continue
        if word == "{include}":
            included = (path.parent / argument).resolve()
            inside_site = "docs/site/" in included.as_posix()
            out += _examples(included, included.read_text(encoding="utf-8").splitlines(), 0,
                             strict and inside_site)
        elif word.startswith("{"):
            out += _examples(path, _options_dropped(content), line, strict)
        elif word in RUN:
            out.append(Example(RUN[word], "\n".join(content) + "\n", path, line))
        elif strict and word in AMBIGUOUS:
            raise ValueError(f"{path}:{line}: a ```{word} block: write commands that run as "
                             "```console with '$ ' prompts, and commands only shown as ```text")
    return out


def commands(example: Example) -> list[Command]:
    """The commands of a ``console`` block, continuation lines joined."""
    out: list[Command] = []
    pending: list[str] | None = None
    for raw in example.code.splitlines():
        if pending is not None:
            pending.append(raw)
        elif raw.startswith("$ "):
            pending = [raw[2:]]
        else:
            continue  # output, shown and not compared
        if not raw.rstrip().endswith("\\"):
            text = "\n".join(pending)
            status = EXIT.search(text)
            out.append(Command(text, int(status[1]) if status else 0))
            pending = None
    if pending is not None:
        raise ValueError(f"{example.where}: the last command ends with a continuation '\\'")
    return out
