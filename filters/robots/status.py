"""What a fetch outcome means for an opt-out policy file (tdmrep.json, ai.txt).

Neither TDMRep nor Spawning defines status handling, so clearcrawl applies robots.txt's
(RFC 9309 §2.3.1), read in the restrictive direction, the same way for both files:

* 2xx: parse the body;
* 404, 410 and other 4xx: no such file, nothing reserved;
* 401, 403, 407, 451: access refused → reserved (the site refuses to tell us);
* 429, 5xx, timeouts, connection errors, redirect loops, more than five redirects: unreachable →
  reserved until a later fetch succeeds (the TDMRep agent MUST check the file before crawling
  a host; an unchecked file cannot be ruled out).

An HTML page served with 200 at the file's URL (a "soft 404", common on single-page sites) is
read as *no file*: it is a site's generic answer to every path, not a statement about TDM.
"""

from __future__ import annotations

import hashlib
import re

from filters.results import PolicyFileRef, excerpt

PARSE = "parse"
ABSENT = "absent"
FAIL_CLOSED = "fail-closed"
#: Not fetched because robots.txt already refuses the whole origin: nothing to add.
SKIPPED = "skipped"
#: Not fetched because robots.txt forbids fetching the file itself (but not every page): what
#: it says is unknown, which is not an opt-out; the pre-fetch gate refuses with its own reason.
REFUSED_BY_ROBOTS = "refused-by-robots"

REFUSED_STATUSES = frozenset({401, 403, 407, 451})
_HTML_START = re.compile(
    rb"^\s*(<!--.*?-->\s*)*<\s*(!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL
)


def classify_fetch(kind: str, status: int, error: str = "") -> tuple[str, str]:
    """Return ``(outcome, reason)``: ``outcome`` is PARSE, ABSENT or FAIL_CLOSED."""
    status = int(status or 0)
    if error or not status:
        return FAIL_CLOSED, (
            f"{kind} unreachable ({error or 'no response'}); a reservation cannot be ruled out: "
            "treated as reserved until a later fetch succeeds"
        )
    if status == 429 or status >= 500:
        return FAIL_CLOSED, (
            f"{kind} returned HTTP {status}; a reservation cannot be ruled out: treated as "
            "reserved until a later fetch succeeds"
        )
    if status in REFUSED_STATUSES:
        return FAIL_CLOSED, f"{kind} returned HTTP {status} (access refused); treated as reserved"
    if 400 <= status < 500:
        return ABSENT, f"no {kind} (HTTP {status})"
    if 200 <= status < 300:
        return PARSE, f"{kind} HTTP {status}"
    return FAIL_CLOSED, f"{kind} ended with HTTP {status} (not a final status); treated as reserved"


def looks_like_html(body: bytes) -> bool:
    """Whether ``body`` starts like an HTML document (a soft 404 page)."""
    return bool(_HTML_START.match(body[:4096]))


def policy_file_ref(
    kind: str,
    url: str,
    status: int,
    body: bytes,
    fetched_at: str,
    *,
    final_url: str = "",
    error: str = "",
    truncated: bool = False,
) -> PolicyFileRef:
    """Describe a fetched policy file the way the manifest cites it.

    Final status, sha256 of the bytes as received, fetch time and final URL (RFC 9309 §2.4:
    a cached policy file must be traceable to the fetch it came from).
    """
    return PolicyFileRef(
        kind=kind,
        url=url,
        status=int(status or 0),
        sha256=hashlib.sha256(body).hexdigest(),
        fetched_at=fetched_at,
        final_url=final_url or url,
        error=excerpt(error),
        truncated=truncated,
    )
