"""A font for Chinese labels on plots, or English-only labels and one clear warning.

matplotlib's default font (DejaVu Sans) has no Chinese glyphs: Chinese text would show as
empty boxes ("tofu"). `find_cjk_font` looks through the fonts matplotlib knows for one that
has them; `Labels` writes every label in Chinese and English with that font, or in English
alone — after warning once, naming the Debian package to install — when there is none.
"""

from __future__ import annotations

import re
import warnings

import attrs

from ._extra import matplotlib

__all__ = ["CJK_FAMILIES", "CJK_PACKAGE", "Labels", "find_cjk_font", "labels"]

#: Font families with Chinese glyphs, in order of preference (substrings of family names).
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans CJK", "Noto Sans SC", "Noto Serif CJK", "Source Han Sans",
    "Source Han Serif", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Sarasa", "SimHei",
    "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "Heiti SC", "STHeiti", "SimSun",
    "AR PL UMing", "AR PL UKai", "Droid Sans Fallback",
)
#: The Debian/Ubuntu package that installs a Chinese font matplotlib finds.
CJK_PACKAGE = "fonts-noto-cjk"
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
_warned = False


def find_cjk_font() -> str | None:
    """The family name of an installed font with Chinese glyphs (the first of
    `CJK_FAMILIES` matplotlib's font manager knows), or None."""
    from matplotlib import font_manager  # noqa: PLC0415  (loaded with the extra)

    names = sorted({entry.name for entry in font_manager.fontManager.ttflist})
    for wanted in CJK_FAMILIES:
        for name in names:
            if wanted.casefold() in name.casefold():
                return name
    return None


def _warn_once() -> None:
    global _warned  # noqa: PLW0603  (one warning per session, as promised)
    if not _warned:
        _warned = True
        warnings.warn(
            "no font with Chinese glyphs was found, so plot labels are in English only "
            f"(matplotlib {matplotlib.__version__} knows no Noto Sans CJK, Source Han, "
            f"WenQuanYi, … font). To get Chinese labels install one, e.g. `apt-get install "
            f"{CJK_PACKAGE}` on Debian or Ubuntu, then clear matplotlib's font cache "
            "(delete ~/.cache/matplotlib) and restart Python.", UserWarning, stacklevel=4)


@attrs.frozen
class Labels:
    """How a plot writes its labels.

    Attributes:
        font: The Chinese font family used, or None for English-only labels.
    """

    font: str | None

    @property
    def family(self) -> list[str]:
        """The font family list for text (the Chinese font first, DejaVu Sans for the rest)."""
        return [self.font, "DejaVu Sans"] if self.font else ["DejaVu Sans"]

    def __call__(self, zh: str, en: str) -> str:
        """A label in both languages (``"违法违规发现率 violation rate"``), or English only."""
        return f"{zh} {en}" if self.font else en

    def value(self, text: object, position: int) -> str:
        """A domain value as a tick label: as it is, except Chinese text without a Chinese
        font, which becomes ``#<position>`` (rather than empty boxes)."""
        shown = str(text)
        return shown if self.font or not _CJK.search(shown) else f"#{position + 1}"


def labels() -> Labels:
    """The labels for a new plot: with the Chinese font found, or English-only after one
    `UserWarning` per session."""
    font = find_cjk_font()
    if font is None:
        _warn_once()
    return Labels(font)
