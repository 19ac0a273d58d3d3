"""The export's re-check over archived bytes keys the origin as the crawler does (issue 12).

The crawler fetches policy files from the normalised origin (lowercase scheme and host, default
port folded: RFC 9309 §2.3, RFC 3986 §6.2.2.1 and §6.2.3); the re-check must rebuild them on
that same origin, not on the page URL's ``scheme://netloc`` as written.
"""

from __future__ import annotations

import hashlib

from export.manifest import RecordPointer
from export.policyfiles import ArchivedPolicyFile, recheck_prefetch
from filters.tokens import honored_tokens

T0 = "2026-01-01T00:00:00Z"
ROBOTS = b"User-agent: *\nAllow: /\n"


def test_recheck_rebuilds_policy_files_on_the_normalised_origin() -> None:
    sha = hashlib.sha256(ROBOTS).hexdigest()
    ref = {
        "kind": "robots.txt",
        "url": "http://h.example/robots.txt",
        "final_url": "http://h.example/robots.txt",
        "status": 200,
        "sha256": sha,
        "fetched_at": T0,
        "error": "",
    }
    archived = ArchivedPolicyFile(
        kind="robots.txt",
        url="http://h.example/robots.txt",
        status=200,
        sha256=sha,
        body=ROBOTS,
        pointer=RecordPointer(file="a.warc.gz", offset=0, record_id="<r>", payload_digest="x"),
    )
    # tdmrep.json and ai.txt were never recorded: the re-check fails closed on both, naming
    # the URLs the crawler would have fetched.
    meta = {"prefetch": {"policy_files": [ref]}}
    recheck = recheck_prefetch("HTTP://H.Example:80/a", meta, [archived], honored_tokens())
    locators = {
        s.signal: [e.locator for e in s.evidence]
        for s in recheck.signals
        if s.signal in ("tdmrep-file", "ai-txt")
    }
    assert locators == {
        "tdmrep-file": ["http://h.example/.well-known/tdmrep.json"],
        "ai-txt": ["http://h.example/ai.txt"],
    }
    assert all(s.reserved for s in recheck.signals if s.signal in locators)
