"""Sphinx settings shared by both languages of the site (``docs/site/en``, ``docs/site/zh_CN``).

Each language's ``conf.py`` calls `configure` with its folder name and takes the settings into
its globals. Nothing here fetches anything: no intersphinx, no fonts or scripts from a CDN, so
the built folder opens offline (furo ships its CSS and JS).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parent
ROOT = SHARED.parents[2]
sys.path.insert(0, str(SHARED))  # ri_sphinx
sys.path.insert(0, str(ROOT / "src"))  # the package, when it is not installed

# Importing the store for its API reference loads Alembic, which logs its plugins at INFO.
logging.getLogger("alembic").setLevel(logging.WARNING)

#: folder name → (Sphinx language, the site's title in that language)
SITES = {
    "en": ("en", "random_inspection"),
    "zh_CN": ("zh_CN", "random_inspection 中文文档"),
}


def configure(folder: str) -> dict[str, Any]:
    """The settings of the site in ``docs/site/<folder>``."""
    from random_inspection import __version__  # noqa: PLC0415

    language, title = SITES[folder]
    return {
        "project": "random_inspection",
        "author": "random_inspection developers",
        "copyright": "random_inspection developers, MIT licence",
        "version": __version__,
        "release": __version__,
        "language": language,
        "ri_language_folder": folder,
        "extensions": [
            "myst_parser",
            "sphinx.ext.autodoc",
            "sphinx.ext.napoleon",
            "ri_sphinx",
        ],
        "source_suffix": {".md": "markdown"},
        "root_doc": "index",
        "exclude_patterns": ["_build", "**/_*.md"],
        "templates_path": [str(SHARED / "_templates")],
        "html_static_path": [str(SHARED / "_static")],
        "html_css_files": ["ri.css"],
        "html_theme": "furo",
        "html_title": title,
        "html_short_title": title,
        "html_last_updated_fmt": None,
        "html_copy_source": False,
        "html_show_sourcelink": False,
        # A placeholder: _templates/page.html fills the announcement bar with the switch.
        "html_theme_options": {"announcement": "language", "top_of_page_buttons": []},
        "html_permalinks_icon": "#",
        # Option names (``--seed``) and quotes stay as typed, in both languages.
        "smartquotes": False,
        # MyST: ``:::`` fences for directives, definition lists, and anchors for headings
        # down to level 4, so that ``[…](page.md#a-heading)`` links resolve.
        "myst_enable_extensions": ["colon_fence", "deflist", "substitution"],
        "myst_substitutions": {"release": __version__},
        "myst_heading_anchors": 4,
        # autodoc: typed signatures, numpy-style docstrings, attributes as fields (an attrs
        # class's ``Attributes:`` section would otherwise be documented twice).
        "autodoc_typehints": "signature",
        "autodoc_typehints_format": "short",
        "autodoc_preserve_defaults": True,
        "autodoc_member_order": "bysource",
        "autoclass_content": "class",
        "python_use_unqualified_type_names": True,
        "napoleon_google_docstring": True,
        "napoleon_numpy_docstring": True,
        "napoleon_use_ivar": True,
        "napoleon_use_rtype": False,
        # Warnings are errors in CI (-W): keep none that the site cannot act on.
        "suppress_warnings": [],
    }
