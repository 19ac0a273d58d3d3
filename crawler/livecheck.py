"""``clearcrawl check URL``: one live page, checked the way the crawler would check it.

A reviewer's single-page tool must not do what the crawler may not: before the page itself is
requested, the origin's robots.txt, ``/.well-known/tdmrep.json`` and ``/ai.txt`` are fetched
and evaluated with the crawler's own pure functions (:mod:`filters.prefetch`). A URL
refused before fetching is reported with the refusal and its evidence, and never requested; an
allowed one is fetched and decided with the pre-fetch signals combined in, by the export's own
page decision (:func:`export.derive.decide_page`: rights detectors, policy, text extraction and
``min_text_chars``), so ``check`` and ``export`` give the same verdict on the same bytes. A
tdmrep.json or ai.txt that robots.txt forbids reading is not requested either: the URL is then
refused with ``policy-file-refused-by-robots:<file>`` (unknown, which is not an opt-out), and
tdmrep.json is held to the crawl's shape rules and size cap (:mod:`filters.optout.tdmrep`).

Every request carries the crawl's own identity (issue 11): the ``User-Agent`` a crawl with the
same ``-s`` settings would send (``clearcrawl/VERSION (+CLEARCRAWL_CONTACT)`` unless
``USER_AGENT`` is set), and robots.txt is evaluated for that crawl's honoured tokens, the sent
product token first (RFC 9309 §2.2.1), so a site owner sees who checked and ``check`` is refused
what the crawl would be refused.

Redirects are followed for at most five hops (RFC 9309 §2.3.1.2 for robots.txt; the same bound
for pages). Plain ``urllib``: no Scrapy reactor is needed for one page.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from crawler.exchange import iso, utc_now
from export.derive import decide_page, parse_http_page
from export.httpbody import ContentDecodingError
from filters.policy import Policy
from filters.prefetch import (
    FetchResult,
    OriginPolicies,
    PrefetchPlan,
    fetch_permission,
    origin_base,
)
from filters.reasons import Reason
from filters.results import to_jsonable

MAX_BODY = 32 * 1024 * 1024


class _FiveRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = 5


_OPENER = urllib.request.build_opener(_FiveRedirects)


@dataclass(frozen=True, slots=True)
class Fetched:
    """One HTTP fetch: final URL, status (0 = no response), headers, body, error."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    error: str = ""
    fetched_at: str = ""


def fetch(url: str, *, user_agent: str, max_bytes: int = MAX_BODY, timeout: float = 30) -> Fetched:
    """GET ``url`` (http/https only; the caller checked) as ``user_agent``; never raises."""
    when = iso(utc_now())
    req = urllib.request.Request(  # noqa: S310 - scheme checked by the caller
        url, headers={"User-Agent": user_agent}
    )
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            return Fetched(
                resp.url,
                resp.status,
                list(resp.headers.items()),
                resp.read(max_bytes),
                fetched_at=when,
            )
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:  # the sixth redirect: unreachable, as RFC 9309 §2.3.1.2 allows
            return Fetched(
                url, 0, [], b"", error=f"more than 5 redirects ({exc.code})", fetched_at=when
            )
        try:
            body = exc.read(max_bytes)
        except OSError:
            body = b""
        return Fetched(exc.url or url, exc.code, list(exc.headers.items()), body, fetched_at=when)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Fetched(url, 0, [], b"", error=f"{type(exc).__name__}: {reason}", fetched_at=when)


def origin_policies(base: str, tokens: Sequence[str], *, user_agent: str) -> OriginPolicies:
    """Fetch and parse an origin's policy files, as the crawl's gate does (one shared plan)."""
    plan = PrefetchPlan(base, tokens)
    for job in plan:
        r = fetch(job.url, user_agent=user_agent, max_bytes=job.kind.read_bytes)
        plan.accept(
            job, FetchResult(r.status, r.body, r.fetched_at, final_url=r.url, error=r.error)
        )
    return plan.result()


def check_live(
    url: str,
    policy: Policy,
    tokens: Sequence[str],
    cache: dict[str, OriginPolicies] | None = None,
    *,
    user_agent: str,
) -> dict[str, Any]:
    """Build the ``check`` JSON object for a live URL, with a ``prefetch`` section.

    ``tokens`` and ``user_agent`` are the crawl's (:func:`crawler.rightsconfig.load_tokens`, the
    settled ``USER_AGENT``); ``cache`` keeps each origin's policy files across the URLs of one
    invocation.
    """
    base = origin_base(url)  # the same robots.txt URL the crawl gate asks for
    cache = {} if cache is None else cache
    if base not in cache:
        cache[base] = origin_policies(base, tokens, user_agent=user_agent)
    permission = fetch_permission(cache[base], url, tokens)
    pre = to_jsonable(permission)
    if not permission.allowed:
        return {
            "url": url,
            "fetched": False,
            "license": None,
            "paywall": None,
            "optout": {
                "reserved": any(s.reserved for s in permission.optout),
                "evidence": to_jsonable(
                    [e for s in permission.optout if s.reserved for e in s.evidence]
                ),
            },
            "decision": {
                "include": False,
                "reasons": list(permission.reasons),
                "policy": policy.label,
            },
            "prefetch": pre,
            "notes": ["refused before fetching: the page itself was not requested"],
        }
    page = fetch(url, user_agent=user_agent)
    if page.status == 0:
        return {
            "url": url,
            "fetched": False,
            "license": None,
            "paywall": None,
            "optout": None,
            "decision": {
                "include": False,
                "reasons": [Reason.FETCH_ERROR.with_arg(page.error)],
                "policy": policy.label,
            },
            "prefetch": pre,
            "notes": [page.error],
        }
    try:
        parsed = parse_http_page(page.url, page.headers, page.body, page.status)
    except ContentDecodingError as exc:
        return {
            "url": page.url,
            "fetched": True,
            "license": None,
            "paywall": None,
            "optout": None,
            "decision": {
                "include": False,
                "reasons": [Reason.UNDECODABLE_BODY.with_arg(exc)],
                "policy": policy.label,
            },
            "prefetch": pre,
            "notes": [],
        }
    d = decide_page(
        parsed, policy=policy, tokens=tokens, prior_optout=permission.optout, rsl=permission.rsl
    )
    return {
        "url": page.url,
        "fetched": True,
        **d.check_fields(),
        "prefetch": pre,
        "notes": list(d.assessment.notes),
    }
