"""What the command prints: results on stdout, errors on stderr, progress bars on a terminal.

Results print as each stage finishes. A reader that goes away (``… | head``) ends the output
quietly and the command still finishes its work. Progress bars (tqdm) appear only when both
stdout and stderr are a terminal and ``--quiet`` is not given; they vanish when their step
ends, leaving the results.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .._progress import Progress

__all__ = ["Console"]


class Console:
    """Output of one command run."""

    def __init__(self, *, quiet: bool = False) -> None:
        self.quiet = quiet
        self.bars = (not quiet and sys.stdout.isatty() and sys.stderr.isatty()
                     and _tqdm() is not None)
        self._bar: Any = None
        self._stage = ""

    def echo(self, text: str = "") -> None:
        """Print a line of results (nothing more once the reader has gone away)."""
        self._close_bar()
        try:
            print(text, flush=True)
        except BrokenPipeError:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # later prints go nowhere, quietly
            os.close(devnull)

    def lines(self, lines: list[str]) -> None:
        """Print several lines of results."""
        for line in lines:
            self.echo(line)

    def error(self, message: str, hint: str = "") -> None:
        """One message on stderr, and a hint line with the fix when there is one."""
        self._close_bar()
        print(f"random-inspection: error: {message}", file=sys.stderr)
        if hint:
            print(f"  hint: {hint}", file=sys.stderr)

    @property
    def progress(self) -> Progress | None:
        """A progress callback drawing bars, or ``None`` when bars are off."""
        return self._update if self.bars else None

    def _update(self, stage: str, done: int, total: int | None) -> None:
        tqdm = _tqdm()
        if stage != self._stage or self._bar is None:
            self._close_bar()
            self._stage = stage
            narrow = shutil.get_terminal_size((0, 0)).columns < 40  # a terminal of no size
            style: dict[str, Any] = ({"bar_format": "{desc} … {elapsed}"} if total is None
                                     else {"unit_scale": total >= 10_000, "unit": ""})
            self._bar = tqdm(total=total, desc=stage, leave=False, file=sys.stderr,
                             dynamic_ncols=not narrow, ncols=80 if narrow else None, **style)
        self._bar.update(done - self._bar.n)
        if total is not None and done >= total:
            self._close_bar()

    def _close_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
            self._stage = ""

    @contextmanager
    def step(self, stage: str) -> Iterator[None]:
        """A step without its own progress: a running bar with the time taken."""
        if not self.bars:
            yield
            return
        self._update(stage, 0, None)
        stop = threading.Event()

        def tick() -> None:  # the elapsed time moves although the step reports nothing
            while not stop.wait(0.5):
                bar = self._bar
                if bar is not None and self._stage == stage:
                    bar.refresh()

        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()
        try:
            yield
        finally:
            stop.set()
            ticker.join()
            if self._stage == stage:
                self._close_bar()


def _tqdm() -> Any:
    try:
        from tqdm import tqdm  # noqa: PLC0415  (only when bars are shown)
    except ImportError:  # pragma: no cover  (a dependency; absent only in odd installs)
        return None
    return tqdm
