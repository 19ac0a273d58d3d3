"""A foreign page's pre-fetch verdict is the same whether its origin's plan was remembered or not.

:func:`export.foreignprefetch.evaluate_policy_files` runs the crawler's plan once per origin and
set of files found (issue 14, export speed); the page's own robots.txt verdict stays per URL,
and another capture of the same file (other bytes) is another set of files.
"""

from __future__ import annotations

import hashlib

import export.foreignprefetch as fp
from export.manifest import RecordPointer
from export.policyarchive import FoundPolicyFile
from filters.policy import DEFAULT_POLICY

TOKENS = ("GPTBot",)


def robots(body: bytes, offset: int, fetched_at: str = "2020-08-05T10:00:00Z") -> FoundPolicyFile:
    sha = hashlib.sha256(body).hexdigest()
    return FoundPolicyFile(
        kind="robots.txt",
        url="https://a.example/robots.txt",
        status=200,
        sha256=sha,
        body=body,
        pointer=RecordPointer(
            file="robots.warc.gz", offset=offset, record_id=f"<urn:r{offset}>", payload_digest=""
        ),
        source="policy-archive",
        fetched_at=fetched_at,
        final_url="https://a.example/robots.txt",
    )


def evaluate(url: str, found: list[FoundPolicyFile]) -> fp.ForeignPrefetch:
    return fp.evaluate_policy_files(url, found, DEFAULT_POLICY, TOKENS, "Apache Nutch")


def test_remembered_origin_gives_the_fresh_verdict_per_url() -> None:
    found = [robots(b"User-agent: *\nDisallow: /private/\n", 0)]
    urls = ["https://a.example/open.html", "https://a.example/private/x.html"]
    fp._origins.clear()
    fresh = []
    for url in urls:
        fresh.append(evaluate(url, found))
        fp._origins.clear()
    warm = [evaluate(url, found) for url in urls]
    assert warm == fresh
    assert len(fp._origins) == 1
    assert not warm[1].permission.allowed
    assert warm[0].permission.allowed


def test_other_capture_of_the_file_is_not_served_from_memory() -> None:
    fp._origins.clear()
    url = "https://a.example/page.html"
    allowed = evaluate(url, [robots(b"User-agent: *\nAllow: /\n", 0)])
    refused = evaluate(url, [robots(b"User-agent: *\nDisallow: /\n", 900)])
    assert allowed.permission.allowed
    assert not refused.permission.allowed
    assert refused.files[0].archived.offset == 900
    missing = evaluate(url, [])
    assert missing.reasons == ["policy-file-unknown:robots.txt"]
