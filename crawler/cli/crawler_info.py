"""``clearcrawl crawler-info``: the crawler-information page site owners read.

The EU General-Purpose AI Code of Practice (copyright chapter, July 2025) asks signatories to
make public how their crawlers can be recognised and which machine-readable protocols they
follow. This page is generated from the settings and code a crawl with the same ``-s`` options
would run (User-Agent with the operator's contact, the tokens honoured and where their list
comes from, the protocols with the versions implemented), so it cannot drift from what the
crawler does. Markdown by default, ``--format html`` for a web page; stdout or ``--out FILE``.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from pathlib import Path
from typing import Any

from crawler.cli.common import Command, UsageError, settings_arg


def _protocols(s: Any) -> list[tuple[str, str, str]]:
    """``(protocol, version implemented, what clearcrawl does)`` rows, from the code's constants."""
    from filters.aipref import ATTACH_DRAFT, VOCAB_DRAFT
    from filters.robots import MAX_BYTES

    cache_h = int(s.getfloat("CLEARCRAWL_ROBOTS_CACHE_SECONDS") / 3600)
    return [
        (
            "robots.txt",
            "RFC 9309 (September 2022)",
            (
                f"read before any other request to an origin and cached at most {cache_h} h; every "
                "honoured token must be allowed; 5xx, 429 or timeout means disallow; 401/403 "
                f"refusals mean disallow; the first {MAX_BYTES:,} bytes are parsed; Crawl-delay "
                f"honoured up to {s.getfloat('CLEARCRAWL_CRAWL_DELAY_MAX'):g} s"
            ),
        ),
        (
            "AI preferences (Content-Usage)",
            f"{VOCAB_DRAFT}, {ATTACH_DRAFT}",
            (
                "the HTTP header and the robots.txt rule; train-ai=n (or n on a withdrawn "
                "label) excludes the content; unknown is not consent"
            ),
        ),
        (
            "TDM Reservation Protocol (TDMRep)",
            "W3C Community Group Final Report, 2024-05-10",
            (
                "/.well-known/tdmrep.json read before fetching, then the tdm-reservation header "
                "and meta; a reservation excludes the content; the TDM policy (ODRL) a "
                "reservation names is fetched once per cache window, archived and recorded, "
                "and never admits by itself (only an agreement held, --grants, may rely on it)"
            ),
        ),
        (
            "robots meta / X-Robots-Tag noai, noimageai",
            "DeviantArt convention (November 2022)",
            "unscoped or scoped to any honoured token; excludes the content",
        ),
        (
            "Content Signals (Content-Signal)",
            "Cloudflare Content Signals Policy (2025-09-24)",
            "ai-train=no in robots.txt or the response header excludes the content",
        ),
        (
            "DisallowAITraining / AllowAITraining",
            "draft-canel-robots-ai-control-00 (expired)",
            "read in robots.txt groups; a disallow excludes the content",
        ),
        (
            "Spawning ai.txt",
            "Spawning's generator format",
            "/ai.txt read before fetching; a reservation excludes the content",
        ),
        (
            "RSL licence tokens",
            "RSL 1.0 Open License Protocol (Authorization: License)",
            (
                "sent only to the origin of an agreement the operator holds (--grants), never "
                "logged; the archive records only its sha256"
            ),
        ),
        (
            "paywalls and access control",
            "HTTP 401/402, schema.org isAccessibleForFree",
            (
                "never circumvented: no cookies, no logins, no credentials to get past "
                "a wall; paywalled pages are excluded"
            ),
        ),
    ]


def render(s: Any, user_agent: str, tokens: tuple[str, ...], fmt: str) -> str:
    """Return the crawler-information page (``markdown`` or ``html``)."""
    from crawler import __version__
    from filters.tokens import BUNDLED_AI_TOKENS, DEFAULT_AI_TOKENS

    contact = str(s.get("CLEARCRAWL_CONTACT") or "")
    pinned = s.get("CLEARCRAWL_AI_TOKENS_FILE")
    if s.get("CLEARCRAWL_AI_TOKENS") is not None:
        source = "the operator's CLEARCRAWL_AI_TOKENS list"
    elif pinned:
        source = f"the operator's pinned list {pinned}"
    else:
        source = (
            f"{BUNDLED_AI_TOKENS.source} ({BUNDLED_AI_TOKENS.entries} entries, "
            f"{len(DEFAULT_AI_TOKENS)} product tokens; list MIT-licensed)"
        )
    extra = s.get("CLEARCRAWL_AI_TOKENS_EXTRA")
    if extra:
        source += f", plus CLEARCRAWL_AI_TOKENS_EXTRA ({extra})"
    product = tokens[0]
    per_domain = s.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
    md = [
        f"# Crawler information: {product}",
        "",
        (
            f"This crawler is clearcrawl {__version__}, run by the operator named in its "
            "User-Agent. It collects web text for AI training only where the rights are cleared, "
            "and archives what it fetched as evidence."
        ),
        "",
        "## How to recognise it",
        "",
        f"- User-Agent: `{user_agent}`",
        (
            f"- robots.txt product token: `{product}` (RFC 9309 §2.2.1: a `User-agent: {product}` "
            "group binds it in full; otherwise the `*` group does)"
        ),
        f"- Contact: {contact or '(none set: the operator must set CLEARCRAWL_CONTACT)'}",
        (
            f"- Politeness: at most {per_domain} concurrent requests per site; robots.txt "
            "Crawl-delay honoured"
        ),
        "",
        "## Product tokens honoured",
        "",
        (
            f"Besides its own token, it obeys every robots.txt group that names one of these "
            f"{len(tokens)} tokens (a group for any of them that disallows a URL keeps this crawler "
            f"out of it). Source: {source}."
        ),
        "",
        ", ".join(f"`{t}`" for t in tokens),
        "",
        "## Protocols followed",
        "",
        "| protocol | version implemented | what the crawler does |",
        "|---|---|---|",
        *(f"| {p} | {v} | {w} |" for p, v, w in _protocols(s)),
        "",
        "## How to opt out",
        "",
        (
            f"Add a `User-agent: {product}` (or `User-agent: GPTBot`, or any token above) group "
            "with `Disallow: /` to robots.txt, or publish `Content-Usage: train-ai=n`, a TDMRep "
            "reservation, or `noai`. Changes are read again within the robots.txt cache window."
        ),
        "",
    ]
    text = "\n".join(md)
    if fmt == "markdown":
        return text
    return _html(text, product)


def _html(markdown: str, product: str) -> str:
    """Render the page's own markdown subset as minimal HTML (no dependency)."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Crawler information: {html.escape(product)}</title></head><body>",
    ]
    in_list = in_table = False
    for line in markdown.splitlines():
        esc = re.sub(r"`([^`]*)`", r"<code>\1</code>", html.escape(line, quote=False))
        if in_list and not line.startswith("- "):
            out.append("</ul>")
            in_list = False
        if in_table and not line.startswith("|"):
            out.append("</table>")
            in_table = False
        if line.startswith("# "):
            out.append(f"<h1>{esc[2:]}</h1>")
        elif line.startswith("## "):
            out.append(f"<h2>{esc[3:]}</h2>")
        elif line.startswith("- "):
            if not in_list:
                out.append("<ul>")
                in_list = True
            out.append(f"<li>{esc[2:]}</li>")
        elif line.startswith("|---"):
            continue
        elif line.startswith("|"):
            tag = "th" if not in_table else "td"
            if not in_table:
                out.append("<table>")
                in_table = True
            cells = [c.strip() for c in esc.strip("|").split("|")]
            out.append("<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in cells) + "</tr>")
        elif line.strip():
            out.append(f"<p>{esc}</p>")
    if in_list:
        out.append("</ul>")
    if in_table:
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _cmd_crawler_info(args: argparse.Namespace) -> int:
    from crawler.cli.check import _check_identity

    s, user_agent, tokens = _check_identity(args.set, warn=False)
    page = render(s, user_agent, tokens, args.format)
    if args.out:
        try:
            Path(args.out).write_text(page, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write --out {args.out}: {exc.strerror or exc}") from exc
    else:
        sys.stdout.write(page)
    return 0


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format", choices=("markdown", "html"), default="markdown", help="default: markdown"
    )
    p.add_argument("--out", metavar="FILE", help="write the page here instead of stdout")
    settings_arg(p)


COMMAND = Command(
    "crawler-info",
    "print the crawler-information page (user agent, tokens honoured, protocols, contact)",
    _add_arguments,
    _cmd_crawler_info,
)
