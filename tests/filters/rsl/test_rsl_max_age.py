"""RSL 1.0 §3.1 ``max-age``: a licence copy is relied on for at most that many days.

The crawl's cache window (``CLEARCRAWL_ROBOTS_CACHE_SECONDS``, at most 24 h) never outlives the
shortest ``max-age`` a document can state (1 day; 0 and units are refused, see
test_rsl_document.py); the export refuses to judge a capture made more than ``max-age`` days
after the licence copy it holds was fetched.
"""

from __future__ import annotations

import hashlib

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from crawler.middlewares.prefetch import PolicyFilesMiddleware
from export.manifest import RecordPointer
from export.policyfiles import ArchivedPolicyFile, recheck_prefetch
from filters.rsl import parse_rsl
from filters.rsl.evaluate import RslOutcome, Verdict
from filters.rsl.policy import max_age_expired
from filters.tokens import honored_tokens

NS = 'xmlns="https://rslstandard.org/rsl"'
FREE = '<content url="/"><license><permits type="usage">ai-train</permits></license></content>'
T0 = "2026-01-01T00:00:00Z"


def test_the_shortest_max_age_is_one_day() -> None:
    one = parse_rsl(f'<rsl {NS} max-age="1">{FREE}</rsl>', "http://h.example/l.xml")
    assert one.document is not None
    assert one.document.max_age_days == 1
    assert parse_rsl(f'<rsl {NS} max-age="0">{FREE}</rsl>', "x").document is None


@pytest.mark.parametrize("seconds", [86400.0, 3600.0])
def test_the_cache_window_fits_within_the_shortest_max_age(seconds: float) -> None:
    crawler = get_crawler(Spider, {"CLEARCRAWL_ROBOTS_CACHE_SECONDS": seconds})
    mw = PolicyFilesMiddleware.from_crawler(crawler)
    assert mw.cache_seconds <= 1 * 86400  # one day: RSL 1.0 §3.1's shortest max-age


def test_a_cache_window_longer_than_a_day_is_refused() -> None:
    crawler = get_crawler(Spider, {"CLEARCRAWL_ROBOTS_CACHE_SECONDS": 86401})
    with pytest.raises(ValueError, match="CLEARCRAWL_ROBOTS_CACHE_SECONDS"):
        PolicyFilesMiddleware.from_crawler(crawler)


def outcome(days: int) -> RslOutcome:
    return RslOutcome(
        verdict=Verdict.PERMITTED,
        reason="free",
        licence_url="http://h.example/l.xml",
        max_age_days=days,
    )


@pytest.mark.parametrize(
    ("days", "captured", "expired"),
    [
        (7, "2026-01-08T00:00:00Z", False),  # exactly max-age later
        (7, "2026-01-08T00:00:01Z", True),
        (1, "2026-01-01T23:59:59Z", False),
        (30, "2026-03-01T00:00:00Z", True),
        (7, "", False),  # unknown capture time: nothing to say here
        (0, "2027-01-01T00:00:00Z", False),  # a licence that was not read
    ],
)
def test_max_age_expired(days: int, captured: str, expired: bool) -> None:
    why = max_age_expired(outcome(days), T0, captured)
    assert bool(why) is expired
    if expired:
        assert "max-age" in why


def _archived(url: str, body: bytes) -> tuple[dict[str, object], ArchivedPolicyFile]:
    sha = hashlib.sha256(body).hexdigest()
    kind = "robots.txt" if url.endswith("robots.txt") else "rsl"
    ref = {
        "kind": kind,
        "url": url,
        "final_url": url,
        "status": 200,
        "sha256": sha,
        "fetched_at": T0,
        "error": "",
    }
    pointer = RecordPointer(file="a.warc.gz", offset=0, record_id="<r>", payload_digest="x")
    return ref, ArchivedPolicyFile(
        kind=kind, url=url, status=200, sha256=sha, body=body, pointer=pointer
    )


@pytest.mark.parametrize(
    ("captured", "expired"), [("2026-01-03T00:00:00Z", False), ("2026-01-20T00:00:00Z", True)]
)
def test_the_export_does_not_rely_on_an_expired_licence_copy(captured: str, expired: bool) -> None:
    robots = b"License: http://h.example/l.xml\nUser-agent: *\nAllow: /\n"
    licence = f'<rsl {NS} max-age="7">{FREE}</rsl>'.encode()
    refs, files = zip(
        _archived("http://h.example/robots.txt", robots),
        _archived("http://h.example/l.xml", licence),
        strict=True,
    )
    empty = [
        {
            "kind": k,
            "url": u,
            "final_url": u,
            "status": 404,
            "sha256": hashlib.sha256(b"").hexdigest(),
            "fetched_at": T0,
            "error": "",
        }
        for k, u in (
            ("tdmrep.json", "http://h.example/.well-known/tdmrep.json"),
            ("ai.txt", "http://h.example/ai.txt"),
        )
    ]
    absent = [
        ArchivedPolicyFile(
            kind=str(r["kind"]),
            url=str(r["url"]),
            status=404,
            sha256=str(r["sha256"]),
            body=b"",
            pointer=RecordPointer(file="a.warc.gz", offset=1, record_id="<s>", payload_digest="y"),
        )
        for r in empty
    ]
    meta = {"prefetch": {"policy_files": [*refs, *empty]}}
    recheck = recheck_prefetch(
        "http://h.example/a", meta, [*files, *absent], honored_tokens(), captured_at=captured
    )
    assert recheck.rsl is not None
    assert recheck.rsl.max_age_days == 7
    assert ("rsl-unavailable:max-age-expired" in recheck.reasons) is expired
