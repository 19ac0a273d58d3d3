"""What every ``clearcrawl`` command shares: the two error kinds, the parser, argument checks.

A command raises :class:`UsageError` for bad input (one line, exit code 2) and
:class:`RunError` for a failed run (one line, exit code 1); :func:`crawler.cli.main` turns them
into the exit code. The ``_``-prefixed helpers are for the command modules of this package
only, not part of clearcrawl's public API.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit


class UsageError(Exception):
    """Bad input from the user: reported as one line, exit code 2."""


class RunError(Exception):
    """The run failed for a reason outside the user's input: one line, exit code 1."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


@dataclass(frozen=True)
class Command:
    """One ``clearcrawl`` subcommand: its name and help, its arguments, and what runs it.

    Each module of :mod:`crawler.cli` defines one as ``COMMAND``; :data:`crawler.cli.COMMANDS`
    lists them in the order ``clearcrawl --help`` shows them.
    """

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def settings_arg(p: argparse.ArgumentParser) -> None:
    """Add ``-s NAME=VALUE`` (repeatable) and ``-q`` to a command that runs a crawl."""
    p.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a Scrapy/clearcrawl setting (repeatable)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress display")


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"not an http(s) URL with a host: {url!r}")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise UsageError(f"bad port in URL {url!r}") from exc
    return url


def _parse_settings(pairs: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        if "=" not in pair:
            raise UsageError(f"-s expects NAME=VALUE, got {pair!r}")
        name, value = pair.split("=", 1)
        if not name:
            raise UsageError(f"-s expects NAME=VALUE, got {pair!r}")
        out[name] = value
    return out


def _load_policy(path: str | None) -> Any:
    from filters.policy import DEFAULT_POLICY, Policy, PolicyError

    if not path:
        return DEFAULT_POLICY
    try:
        return Policy.from_file(path)
    except PolicyError as exc:
        raise UsageError(str(exc)) from exc


def _load_grants(path: str | None) -> Any:
    """Validate a ``--grants`` file before anything starts (one-line error, exit 2)."""
    from filters.grants import GrantsError, load_grants

    if not path:
        return None
    try:
        return load_grants(path)
    except GrantsError as exc:
        raise UsageError(str(exc)) from exc


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {n}")
    return n


def _s3_endpoint(url: str | None) -> None:
    # export.s3source reads the endpoint from the environment (worker processes inherit it).
    if url:
        import os

        os.environ["CLEARCRAWL_S3_ENDPOINT_URL"] = url


def _nonneg(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {n}")
    return n


def _dataset_dir(path: str) -> Path:
    folder = Path(path)
    if not folder.is_dir():
        raise UsageError(f"{path} is not a folder")
    if not any((folder / n).exists() for n in ("manifest.jsonl.gz", "manifest.jsonl")):
        raise UsageError(f"{path} holds no manifest.jsonl.gz; is it a clearcrawl export?")
    return folder


def _check_writable_out(out: Path) -> None:
    """Bad ``--out`` (under a file, not writable) is bad input: one line, exit 2."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".clearcrawl-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"cannot write to --out {out}: {exc.strerror or exc}") from exc
