"""Text for messages and terminal output: articles, and East Asian wide characters that take
two columns."""

from __future__ import annotations

import unicodedata

__all__ = ["a_or_an", "pad"]


def pad(text: str, width: int, *, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` terminal columns."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    fill = " " * max(0, width - used)
    return fill + text if right else text + fill


def a_or_an(noun: str) -> str:
    """``noun`` with its indefinite article by spelling: "an enterprise", "a product"."""
    return ("an " if noun[:1].lower() in "aeiou" and noun[:1] else "a ") + noun
