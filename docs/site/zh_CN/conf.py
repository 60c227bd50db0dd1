"""Sphinx configuration of the Chinese site; the settings are shared (``../_shared/conf_common.py``)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "_shared"))

from conf_common import configure  # noqa: E402

globals().update(configure("zh_CN"))
