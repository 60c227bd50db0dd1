"""SIGTERM handled like Ctrl-C: both raise an interrupt, so every half-written output is
removed on the way out (see `random_inspection._atomic`)."""

from __future__ import annotations

from types import FrameType
from typing import NoReturn

__all__ = ["Terminated", "raise_terminated"]


class Terminated(KeyboardInterrupt):
    """The process was asked to stop (SIGTERM)."""


def raise_terminated(_signum: int, _frame: FrameType | None) -> NoReturn:
    """A SIGTERM handler: raise `Terminated` where the program is."""
    raise Terminated
