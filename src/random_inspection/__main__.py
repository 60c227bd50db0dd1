"""The ``random-inspection`` command's entry point (also ``python -m random_inspection``).

Ctrl-C and SIGTERM are taken in hand before the library's numerical stack is imported, so an
interruption at any moment ends with exit status 130 and one line, never a traceback.
"""

from __future__ import annotations

import signal
import sys

from ._interrupt import raise_terminated

__all__ = ["run"]


def run() -> int:
    """Run the command line with SIGTERM raised as an interrupt from the first moment."""
    signal.signal(signal.SIGTERM, raise_terminated)
    try:
        from .cli import main  # noqa: PLC0415  (after the handler: imports take a while)

        code = main()
    except KeyboardInterrupt:
        print("random-inspection: interrupted", file=sys.stderr)
        code = 130
    for ending in (signal.SIGINT, signal.SIGTERM):  # the work is done: exit as it says
        signal.signal(ending, signal.SIG_IGN)
    return code


if __name__ == "__main__":
    sys.exit(run())
