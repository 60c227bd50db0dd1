"""Text layout for terminal output: East Asian wide characters take two columns."""

from __future__ import annotations

import unicodedata

__all__ = ["pad"]


def pad(text: str, width: int, *, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` terminal columns."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    fill = " " * max(0, width - used)
    return fill + text if right else text + fill
