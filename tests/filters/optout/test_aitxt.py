"""Spawning ``/ai.txt`` (filters.optout.aitxt): path and extension rules, groups, bad files."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filters.optout.aitxt import AiTxtPolicy, aitxt_from_fetch
from filters.optout.tdmrep import tdmrep_from_fetch
from filters.prefetch import OriginPolicies, fetch_permission, unfetched_policy_files
from filters.robots import robots_from_fetch
from filters.tokens import honored_tokens

TOKENS = honored_tokens()
URL = "http://h.example/ai.txt"

SPAWNING = """# Spawning AI
# Prevent datasets from using the following file types

User-Agent: *
Disallow: *.jpg
Disallow: *.jpeg
Disallow: *.png
Allow: *.txt
Allow: *.html
Allow: /
"""


def aitxt(text: str | bytes, status: int = 200, **kw: str) -> AiTxtPolicy:
    body = text.encode() if isinstance(text, str) else text
    return aitxt_from_fetch(URL, status, body, "2026-11-27T00:00:00Z", **kw)


def reserved(p: AiTxtPolicy, path: str) -> bool | None:
    return p.signal("http://h.example" + path, TOKENS).reserved


@pytest.mark.parametrize(
    ("text", "path", "expected"),
    [
        (SPAWNING, "/photos/cat.jpg", True),
        (SPAWNING, "/photos/cat.JPG", False),  # patterns are case-sensitive, like robots.txt
        (SPAWNING, "/notes/readme.txt", False),
        (SPAWNING, "/article.html", False),
        (SPAWNING, "/img/a.png?size=2", True),
        ("User-Agent: *\nDisallow: /\n", "/article.html", True),
        ("User-Agent: *\nDisallow: *\n", "/article.html", True),
        ("User-Agent: *\nDisallow: /\nAllow: *.txt\n", "/a.txt", False),
        ("User-Agent: *\nDisallow: /\nAllow: *.txt\n", "/a.html", True),
        ("User-Agent: *\nDisallow: images/\n", "/images/x", True),  # read from the site root
        ("User-Agent: GPTBot\nDisallow: /\n", "/a", True),  # an honoured token's group
        ("User-Agent: otherbot\nDisallow: /\n", "/a", None),
        ("# Spawning AI\n# nothing to say\n", "/a", None),
    ],
)
def test_rules(text: str, path: str, expected: bool | None) -> None:
    assert reserved(aitxt(text), path) is expected


def test_evidence_has_line_and_group() -> None:
    sig = aitxt(SPAWNING).signal("http://h.example/x.png", TOKENS)
    assert sig.reserved
    hit = next(e for e in sig.evidence if e.excerpt)
    assert hit.source == "ai.txt"
    assert hit.excerpt == "Disallow: *.png"
    assert hit.locator.endswith("rule line 7")


@pytest.mark.parametrize(
    ("body", "status", "error", "expected"),
    [
        (b"", 404, "", None),
        (b"<html><body>home page</body></html>", 200, "", None),  # soft 404
        (b"\x00\x01\x02\x03" * 50, 200, "", True),  # not text: fail closed
        (b"", 500, "", True),
        (b"", 403, "", True),
        (b"", 0, "TimeoutError: t", True),
    ],
)
def test_status_and_bad_files(body: bytes, status: int, error: str, expected: bool | None) -> None:
    assert reserved(aitxt(body, status, error=error), "/a") is expected


@settings(max_examples=150, deadline=None)
@given(body=st.binary(max_size=2000))
def test_never_raises(body: bytes) -> None:
    assert reserved(aitxt(body), "/a.jpg") in (True, False, None)


@pytest.mark.parametrize(
    ("robots_txt", "reasons"),
    [
        (
            "User-agent: *\nDisallow: /ai.txt\n",
            ("policy-file-refused-by-robots:ai.txt",),
        ),
        (
            "User-agent: CCBot\nDisallow: /.well-known/\nDisallow: /ai.txt\n",
            ("policy-file-refused-by-robots:tdmrep.json", "policy-file-refused-by-robots:ai.txt"),
        ),
        (
            "User-agent: *\nDisallow: /\n",
            (
                "robots-disallowed",
                "policy-file-refused-by-robots:tdmrep.json",
                "policy-file-refused-by-robots:ai.txt",
            ),
        ),
    ],
)
def test_policy_file_robots_forbids_reading_is_not_an_optout(
    robots_txt: str, reasons: tuple[str, ...]
) -> None:
    """Issue 11, item 9: refused (fail closed) under its own reason, never ``optout:``."""
    base = "http://h.example"
    robots = robots_from_fetch(base + "/robots.txt", 200, robots_txt.encode(), "2026-11-27T00:00Z")
    tdm, ai = unfetched_policy_files(robots, base, TOKENS)
    assert ai is not None
    if tdm is None:
        tdm = tdmrep_from_fetch(base + "/.well-known/tdmrep.json", 404, b"", "2026-11-27T00:00Z")
    permission = fetch_permission(OriginPolicies(robots, tdm, ai), base + "/page.html", TOKENS)
    assert not permission.allowed
    assert permission.reasons == reasons
    assert not any(s.reserved for s in permission.optout)
    if "policy-file-refused-by-robots:ai.txt" in reasons:
        (sig,) = [s for s in permission.optout if s.signal == "ai-txt"]
        assert "robots.txt forbids fetching it" in sig.evidence[0].note
        assert any(
            e.excerpt.startswith("Disallow: /") and "line" in e.locator for e in sig.evidence
        )
