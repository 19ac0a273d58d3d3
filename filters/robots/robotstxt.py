"""robots.txt per RFC 9309, evaluated for every honoured token, with the deciding line named.

**Fetch outcome → policy** (:func:`robots_from_fetch`, RFC 9309 §2.3.1):

========================================  ==================================================
2xx                                       parse the first ``max_bytes`` (512,000) bytes
                                          (§2.5); truncation is recorded on the file ref
2xx whose bytes are not text              complete disallow (NUL bytes or >10 % control /
                                          invalid UTF-8: not a file a site owner wrote)
3xx                                       followed by the crawler (≤ 5 hops, §2.3.1.2); a
                                          3xx that still reaches us, a 6th hop or a loop is
                                          "unreachable" → complete disallow
401, 403, 407, 451                        complete disallow. **Deliberate deviation** from
                                          §2.3.1.3 (which allows everything on 4xx): a site
                                          that refuses us its robots.txt is refusing us.
other 4xx (404, 410, …)                   no restrictions (§2.3.1.3)
429, 5xx, timeout, connection error       complete disallow (§2.3.1.4; Google treats 429 as
                                          5xx). Never flipped to allow-all after a while:
                                          the crawler re-fetches once its cache entry expires.
========================================  ==================================================**Which groups bind us, rule matching, AI-use lines and crawl-delay**: the policy this returns,
:class:`filters.robots.evaluate.RobotsPolicy` (re-exported here).

Total: never raises on any bytes; a failure inside evaluation disallows, with evidence.
"""

from __future__ import annotations

from filters.results import excerpt
from filters.robots.ailines import read_content_signal
from filters.robots.evaluate import ALLOW_ALL, DISALLOW_ALL, RULES, SOURCE, RobotsPolicy
from filters.robots.parse import from_utf16, looks_binary, parse_robots, strip_bom
from filters.robots.status import policy_file_ref

MAX_BYTES = 512_000
#: Statuses on robots.txt that clearcrawl reads as "you are refused" (see the module docstring).
REFUSED_STATUSES = frozenset({401, 403, 407, 451})


def robots_from_fetch(
    url: str,
    status: int,
    body: bytes,
    fetched_at: str,
    *,
    final_url: str = "",
    error: str = "",
    max_bytes: int = MAX_BYTES,
) -> RobotsPolicy:
    """Map a robots.txt fetch to a policy per RFC 9309 §2.3.1 (table in the module docstring).

    ``status`` is the final status after redirects, or 0 when no response arrived (``error``
    says why: timeout, connection refused, redirect loop, more than five redirects…).
    """
    body = bytes(body or b"")
    truncated = len(body) > max_bytes
    ref = policy_file_ref(
        "robots.txt",
        url,
        status,
        body,
        fetched_at,
        final_url=final_url,
        error=error,
        truncated=truncated,
    )
    if error or not status:
        return RobotsPolicy(
            ref,
            DISALLOW_ALL,
            f"robots.txt unreachable ({excerpt(error) or 'no response'}); complete disallow "
            "(RFC 9309 §2.3.1.4) until a later fetch succeeds",
            cause="unreachable",
        )
    if status == 429 or status >= 500:
        return RobotsPolicy(
            ref,
            DISALLOW_ALL,
            f"robots.txt returned HTTP {status}; complete disallow (RFC 9309 §2.3.1.4) until a "
            "later fetch succeeds",
            cause="unreachable",
        )
    if status in REFUSED_STATUSES:
        return RobotsPolicy(
            ref,
            DISALLOW_ALL,
            f"robots.txt returned HTTP {status} (access refused); clearcrawl reads a refusal as "
            "complete disallow (conservative deviation from RFC 9309 §2.3.1.3)",
            cause="refused",
        )
    if 400 <= status < 500:
        return RobotsPolicy(
            ref,
            ALLOW_ALL,
            f"robots.txt returned HTTP {status}: unavailable, no restrictions (RFC 9309 §2.3.1.3)",
        )
    if not 200 <= status < 300:
        return RobotsPolicy(
            ref,
            DISALLOW_ALL,
            f"robots.txt ended with HTTP {status} (redirect not followed to a file, or not a "
            "final status); treated as unreachable: complete disallow (RFC 9309 §2.3.1.2)",
            cause="unreachable",
        )
    data = strip_bom(from_utf16(body[:max_bytes]))
    if truncated:
        # Drop the line cut in half: its remainder lies past the limit (RFC 9309 §2.5).
        cut = max(data.rfind(b"\n"), data.rfind(b"\r"))
        data = data[: cut + 1] if cut >= 0 else b""
    binary = looks_binary(data)
    if binary:
        return RobotsPolicy(
            ref,
            DISALLOW_ALL,
            f"robots.txt is not readable text ({binary}); complete disallow (fail closed)",
            cause="unreadable",
        )
    parsed = parse_robots(data)
    if truncated:
        parsed.notes.append(
            f"file is {len(body)} bytes; only the first {max_bytes} were parsed (RFC 9309 §2.5)"
        )
    if not parsed.groups:
        parsed.notes.append("no groups found: no restrictions")
    reason = f"robots.txt HTTP {status}: {len(parsed.groups)} group(s) parsed"
    if parsed.notes:
        reason += "; " + "; ".join(parsed.notes)
    return RobotsPolicy(ref, RULES, reason, parsed=parsed, text=data.decode("utf-8", "replace"))


__all__ = [
    "ALLOW_ALL",
    "DISALLOW_ALL",
    "MAX_BYTES",
    "REFUSED_STATUSES",
    "RULES",
    "SOURCE",
    "RobotsPolicy",
    "read_content_signal",  # lives in filters.robots.ailines; importable from here as before
    "robots_from_fetch",
]
