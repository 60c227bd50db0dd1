"""Progress of long steps, reported to an optional callback (host systems, the command line).

A *progress callback* is any callable ``progress(stage, done, total)``: ``stage`` names the
step in words (``"reading rows"``), ``done`` counts units finished, ``total`` is the number
of units when known, else ``None``. Functions that take ``progress=`` call it at the start
of a step (``done = 0``), every so often during it, and once at its end (``done = total``);
they never require one and never print.

Example:
    >>> seen = []
    >>> report = Reporter(lambda stage, done, total: seen.append((stage, done, total)))
    >>> report.start("counting", 3)
    >>> report.finish()
    >>> seen
    [('counting', 0, 3), ('counting', 3, 3)]
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Progress", "Reporter"]

#: ``progress(stage, done, total)``; ``total`` is ``None`` when unknown.
Progress = Callable[[str, int, int | None], None]


class Reporter:
    """Reports one step at a time to an optional callback, at most about ten times a second."""

    __slots__ = ("_callback", "_done", "_last", "_stage", "_total")

    def __init__(self, callback: Progress | None) -> None:
        self._callback = callback
        self._stage = ""
        self._total: int | None = None
        self._done = 0
        self._last = 0.0

    def start(self, stage: str, total: int | None = None) -> None:
        """Begin a step of ``total`` units."""
        self._stage, self._total, self._done, self._last = stage, total, 0, time.monotonic()
        if self._callback is not None:
            self._callback(stage, 0, total)

    def advance(self, done: int) -> None:
        """``done`` units of the step are finished (reported if a tenth of a second passed)."""
        self._done = done
        if self._callback is not None and time.monotonic() - self._last >= 0.1:
            self._last = time.monotonic()
            self._callback(self._stage, done, self._total)

    def finish(self) -> None:
        """The step is complete."""
        if self._callback is not None:
            done = self._total if self._total is not None else self._done
            self._callback(self._stage, done, self._total)
