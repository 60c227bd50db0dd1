"""The ``random-inspection`` command: one module per command; parsing, progress and exit
codes live here, the rules in the library.

Exit status, for every command: 0 success (verified); 1 not verified (``verify``) or a
result short of its goal (``demo``, ``plan``: a record that does not replay, the coverage
floor unmet); 2 a usage or input problem (one message saying what, where and the fix; no
traceback unless ``--debug``); 130 interrupted (Ctrl-C or SIGTERM: no output is left
half-written under its final name); 70 an internal error (a bug: please report it with the
output of ``--debug``).
"""

from __future__ import annotations

import argparse
import signal
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

from .._errors import RandomInspectionError
from .._interrupt import raise_terminated
from .._version import __version__
from . import assign, demo, draw, plan, publish, results, verify, workspace
from ._console import Console

__all__ = ["build_parser", "main"]

COMMANDS = (demo, draw, assign, verify, plan, publish, results, workspace)


class _Formatter(argparse.HelpFormatter):
    """Help that shows each option's default, when it has one."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if ("%(default)" not in text and action.default not in (None, False, argparse.SUPPRESS)
                and action.option_strings):
            text += " (default: %(default)s)"
        return text


class _Parser(argparse.ArgumentParser):
    """Usage errors as one message and a hint, exit status 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n  hint: see `{self.prog} --help`\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = _Parser(prog="random-inspection",
                     description="Reproducible, publicly verifiable 双随机、一公开 spot-check "
                                 "draws.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--quiet", action="store_true",
                        help="no progress bars (verify: print only the verdict)")
    common.add_argument("--debug", action="store_true",
                        help="show the traceback of an error")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     help="what to do (each command has its own --help)")
    for command in COMMANDS:
        command.add(commands, common)
    return parser


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM raises `Terminated` (an interrupt) while a command runs in the main thread."""
    try:
        previous = signal.signal(signal.SIGTERM, raise_terminated)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (see the module docstring)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # --help, --version, or a usage error already printed
        return stop.code if isinstance(stop.code, int) else 2
    console = Console(quiet=args.quiet)
    with _terminate_as_interrupt():
        try:
            code: int = args.run(args, console)
        except KeyboardInterrupt:
            console.error("interrupted: nothing was left half-written (an output folder "
                          "appears whole or not at all)")
            return 130
        except RandomInspectionError as error:
            if args.debug:
                raise
            console.error(str(error))
            return 2
        except OSError as error:
            if args.debug:
                raise
            where = f"{error.filename}: " if error.filename else ""
            console.error(f"{where}{error.strerror or error}",
                          "check the path and its permissions")
            return 2
        except Exception as error:  # a bug: say so plainly
            if args.debug:
                raise
            console.error(f"internal error: {type(error).__name__}: {error}",
                          "please report it with the output of the same command and --debug")
            return 70
    return code


