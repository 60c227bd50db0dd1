"""Sphinx configuration of the English site; every setting is shared:
``../_shared/conf_common.py``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "_shared"))

from conf_common import configure

globals().update(configure("en"))
