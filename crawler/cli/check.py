"""``clearcrawl check``: licence, paywall and opt-out findings for saved pages or a URL.

The same decision as the export's (:func:`export.decide_page`) and the same identity as
``crawl`` (User-Agent, honoured tokens); nothing is archived.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crawler.cli.common import (
    Command,
    UsageError,
    _check_url,
    _load_policy,
    _parse_settings,
)


def _read_saved_page(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if path.name.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise UsageError(f"{path} is not a valid gzip file: {exc}") from exc
    return data


def _check_one(
    label: dict[str, str],
    url: str,
    headers: Any,
    body: bytes,
    status: int,
    policy: Any,
    tokens: tuple[str, ...],
) -> dict[str, Any]:
    from export import decide_page  # the export's own decision, text step included
    from filters.html import ParsedPage

    page = ParsedPage(url, headers, body, status)
    d = decide_page(page, policy=policy, tokens=tokens)
    return {**label, **d.check_fields(), "notes": list(d.assessment.notes)}


def _check_identity(pairs: Sequence[str], *, warn: bool) -> tuple[Any, str, tuple[str, ...]]:
    """Return the settings, User-Agent and honoured tokens a crawl with ``-s pairs`` would use.

    The same path as ``crawl`` (issue 11): the project's settings, ``-s`` on top, refused when
    bad (:func:`crawler.settingscheck.check_settings`), the contact put into the User-Agent
    (:func:`crawler.settingscheck.settle_user_agent`) and the tokens read as the crawl's
    components read them (:func:`crawler.rightsconfig.load_tokens`). ``warn``: whether a default
    contact is warned about (only when something is fetched).
    """
    from scrapy.settings import Settings

    from crawler.rightsconfig import load_tokens
    from crawler.settingscheck import check_settings, settle_user_agent
    from crawler.settingscheck import logger as settings_logger

    s = Settings()
    s.setmodule("crawler.settings", priority="project")
    for name, value in _parse_settings(pairs).items():
        s.set(name, value, priority="cmdline")

    held: list[logging.LogRecord] = []

    def hold(record: logging.LogRecord) -> bool:
        held.append(record)
        return False

    settings_logger.addFilter(hold)  # the warning comes after every refusal, as crawl's does
    try:
        check_settings(s)
        settle_user_agent(s)
        tokens = load_tokens(s)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    finally:
        settings_logger.removeFilter(hold)
    if warn:  # saved pages only: nobody is contacted, so the contact warning would be noise
        for record in held:
            settings_logger.handle(record)
    return s, str(s.get("USER_AGENT")), tokens


def _cmd_check(args: argparse.Namespace) -> int:
    jobs: list[tuple[str, str]] = []
    for item in args.inputs:
        if item.startswith(("http://", "https://")):
            jobs.append(("url", _check_url(item)))
            continue
        p = Path(item)
        if p.is_dir():
            files = sorted(
                f
                for f in p.iterdir()
                if f.name.endswith((".html", ".htm", ".html.gz", ".htm.gz", ".pdf"))
            )
            if not files:
                raise UsageError(f"{p} holds no .html, .html.gz or .pdf files")
            jobs.extend(("file", str(f)) for f in files)
        elif p.is_file():
            jobs.append(("file", str(p)))
        elif "://" in item:
            raise UsageError(f"not an http(s) URL: {item!r}")
        else:
            raise UsageError(f"{item} does not exist")
    if args.url:
        _check_url(args.url)
    settings, user_agent, tokens = _check_identity(
        args.set, warn=any(kind == "url" for kind, _ in jobs)
    )
    policy = _load_policy(args.policy or settings.get("CLEARCRAWL_POLICY_FILE"))
    origins: dict[str, Any] = {}  # policy files fetched once per origin
    for kind, target in jobs:
        if kind == "url":
            from crawler.livecheck import check_live

            result = check_live(target, policy, tokens, origins, user_agent=user_agent)
        else:
            body = _read_saved_page(Path(target))
            url = args.url or ""
            result = _check_one({"file": target}, url, None, body, 200, policy, tokens)
        print(json.dumps(result, ensure_ascii=False, sort_keys=False), flush=True)
    return 0


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="+", metavar="PATH_OR_URL")
    p.add_argument("--url", help="the original URL of the saved page(s)")
    p.add_argument("--policy", help="rights policy file (JSON or TOML)")
    p.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting as for crawl (USER_AGENT, CLEARCRAWL_CONTACT, CLEARCRAWL_AI_TOKENS, ...): "
        "check sends the User-Agent and honours the tokens that crawl would (repeatable)",
    )


COMMAND = Command(
    "check",
    "show licence, paywall and opt-out findings for saved pages or a URL",
    _add_arguments,
    _cmd_check,
)
