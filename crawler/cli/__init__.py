"""The ``clearcrawl`` command line: one module per command, wired here.

``main(argv=None) -> int`` so tests call it in-process (``clearcrawl = crawler.cli:main``).
Exit codes: 0 success, 1 failed run, 2 usage error. Errors are one line on stderr, never a
traceback for a user error.

A new command is one new module defining ``COMMAND`` (a :class:`crawler.cli.common.Command`)
and one line in :data:`COMMANDS`. Each module imports what it runs (Scrapy, ``datasets``) when
it runs, so ``clearcrawl --help`` and ``clearcrawl explain`` stay quick.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from crawler import __version__
from crawler.cli import (
    check,
    crawl,
    crawler_info,
    demo,
    explain,
    export,
    merge,
    publish,
    recheck,
    report,
    seed,
    status,
    verify,
    worker,
)
from crawler.cli.common import Command, RunError, UsageError, _Parser

#: Every subcommand, in the order ``clearcrawl --help`` lists them.
COMMANDS: tuple[Command, ...] = (
    demo.COMMAND,
    crawl.COMMAND,
    worker.COMMAND,
    seed.COMMAND,
    status.COMMAND,
    export.COMMAND,
    merge.COMMAND,
    explain.COMMAND,
    verify.COMMAND,
    report.COMMAND,
    publish.COMMAND,
    check.COMMAND,
    recheck.COMMAND,
    crawler_info.COMMAND,
)

__all__ = ["COMMANDS", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """Build the argparse tree of every subcommand (tests render each one's ``--help``)."""
    parser = _Parser(
        prog="clearcrawl", description="Collect web text for AI training with the rights cleared."
    )
    parser.add_argument("--version", action="version", version=f"clearcrawl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for command in COMMANDS:
        p = sub.add_parser(command.name, help=command.help)
        command.add_arguments(p)
        p.set_defaults(func=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``clearcrawl`` command line; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "command", None):
            parser.print_help(sys.stderr)
            return 2
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"clearcrawl: error: {exc}", file=sys.stderr)
        return 2
    except RunError as exc:
        print(f"clearcrawl: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("clearcrawl: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # an unexpected failure: one line, details only with -v logging
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        print(f"clearcrawl: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
