"""The public notice site (一公开): every draw of the year published as static pages, and
verifiable by anyone in a browser.

`write_site` writes the year's index, the plan notice (计划公告), a notice per task
(任务公告) and the results notice (结果公告), with the canonical data files they describe
and a small hand-written script (``static/draw-spec.js``) that re-runs each target draw of
draw spec 1.1 in the visitor's browser. `read_run_folder` loads the year from a folder that
``random-inspection plan`` or ``demo`` wrote. The guide is ``docs/site.md``.

Nothing else in the library imports this package: it reads the year's draws (planning),
results, records (audit) and registers (registry), and writes files.
"""

from ._context import INSPECTOR_POLICIES
from ._folder import PublishInput, read_run_folder
from ._site import SITE_FORMAT, STATIC_FILES, write_site

__all__ = ["INSPECTOR_POLICIES", "SITE_FORMAT", "STATIC_FILES", "PublishInput",
           "read_run_folder", "write_site"]
