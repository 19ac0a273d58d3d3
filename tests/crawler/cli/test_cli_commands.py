"""The command line is one module per command, each listed once in ``crawler.cli.COMMANDS``."""

from __future__ import annotations

import importlib
import pkgutil

import crawler.cli
from crawler.cli import COMMANDS, build_parser
from crawler.cli.common import Command


def test_every_command_module_is_wired_once() -> None:
    modules = [
        m.name
        for m in pkgutil.iter_modules(crawler.cli.__path__)
        if m.name not in ("common", "__main__")
    ]
    defined = [importlib.import_module(f"crawler.cli.{name}").COMMAND for name in modules]
    assert all(isinstance(c, Command) for c in defined)
    assert sorted(c.name for c in defined) == sorted(c.name for c in COMMANDS)
    assert len({c.name for c in COMMANDS}) == len(COMMANDS) == len(modules)
    for name in modules:  # a module name cannot hold '-': crawler_info is crawler-info
        command = importlib.import_module(f"crawler.cli.{name}").COMMAND.name
        assert command == name.replace("_", "-")


def test_parser_lists_the_commands_in_order() -> None:
    choices = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert list(choices) == [
        "demo",
        "crawl",
        "worker",
        "seed",
        "status",
        "export",
        "merge",
        "explain",
        "verify",
        "report",
        "publish",
        "check",
        "recheck",
        "crawler-info",
    ]
