"""AI-use lines in robots.txt: Cloudflare ``Content-Signal``, aipref ``Content-Usage`` (RFC 9651
dictionaries), ``DisallowAITraining``; cases from shared/reference/ai-optout.md §4-§5."""

from __future__ import annotations

import pytest

from filters.aipref import read_usage
from filters.optout.aitxt import aitxt_from_fetch
from filters.optout.tdmrep import tdmrep_from_fetch
from filters.prefetch import OriginPolicies, fetch_permission
from filters.robots import robots_from_fetch
from filters.tokens import honored_tokens

TOKENS = honored_tokens()
T0 = "2026-11-27T00:00:00Z"


def signals(text: str, path: str = "/a") -> dict[str, bool | None]:
    p = robots_from_fetch("http://h.example/robots.txt", 200, text.encode(), T0)
    return {s.signal: s.reserved for s in p.optout_signals("http://h.example" + path, TOKENS)}


CLOUDFLARE = """# As a condition of accessing this website, you agree to abide by the following
# content signals: ...
User-Agent: *
Content-Signal: search=yes, ai-train=no
Allow: /
"""


@pytest.mark.parametrize(
    ("text", "path", "signal", "expected"),
    [
        (CLOUDFLARE, "/a", "content-signal", True),
        (
            "User-Agent: *\nContent-Signal: search=yes, ai-train=yes\n",
            "/a",
            "content-signal",
            False,
        ),
        ("User-Agent: *\nContent-Signal: search=yes\n", "/a", "content-signal", None),
        ("User-Agent: *\nContent-Signal: ai-input=no\n", "/a", "content-signal", None),
        ("User-Agent: *\nContent-Signal: AI-Train=No\n", "/a", "content-signal", True),
        ("User-Agent: *\nContent-Signal: ai-train=no search=yes\n", "/a", "content-signal", True),
        # group-scoped: a group for another crawler says nothing to us
        ("User-Agent: otherbot\nContent-Signal: ai-train=no\n", "/a", "content-signal", None),
        ("User-Agent: GPTBot\nContent-Signal: ai-train=no\n", "/a", "content-signal", True),
        ("User-Agent: *\nContent-Signal: /news/ ai-train=no\n", "/news/1", "content-signal", True),
        ("User-Agent: *\nContent-Signal: /news/ ai-train=no\n", "/blog/1", "content-signal", None),
        # aipref Content-Usage: longest path wins, equal paths combine most-restrictively
        ("User-Agent: *\nContent-Usage: train-ai=n\n", "/a", "content-usage-robots", True),
        (
            "User-Agent: *\nContent-Usage: train-ai=n\nContent-Usage: /ok/ train-ai=y\n",
            "/ok/x",
            "content-usage-robots",
            False,
        ),
        (
            "User-Agent: *\nContent-Usage: train-ai=n\nContent-Usage: /ok/ train-ai=y\n",
            "/no/x",
            "content-usage-robots",
            True,
        ),
        (
            "User-Agent: *\nContent-Usage: /ok/ train-ai=y\nContent-Usage: /ok/ train-ai=n\n",
            "/ok/x",
            "content-usage-robots",
            True,
        ),
        ('User-Agent: *\nContent-Usage: train-ai="n"\n', "/a", "content-usage-robots", None),
        ("User-Agent: *\nContent-Usage: Train-AI=n\n", "/a", "content-usage-robots", None),
        ("User-Agent: *\nContent-Usage: ai=n\n", "/a", "content-usage-robots", True),
        ("User-Agent: *\nContent-Usage: bots=n\n", "/a", "content-usage-robots", True),
        ("User-Agent: *\nContent-Usage: search=n\n", "/a", "content-usage-robots", None),
        # written before any User-agent line: read as addressed to every crawler
        ("Content-Signal: ai-train=no\nUser-Agent: *\nAllow: /\n", "/a", "content-signal", True),
        ("Content-Usage: train-ai=n\n", "/a", "content-usage-robots", True),
        # DisallowAITraining (expired draft, seen in the wild)
        ("User-agent: *\nDisallowAITraining: /\n", "/a", "disallow-ai-training", True),
        (
            "User-agent: *\nDisallowAITraining: /\nAllowAITraining: /open/\n",
            "/open/x",
            "disallow-ai-training",
            False,
        ),
        ("User-agent: *\nDisallowAITraining: /members/\n", "/a", "disallow-ai-training", None),
    ],
)
def test_robots_ai_lines(text: str, path: str, signal: str, expected: bool | None) -> None:
    assert signals(text, path)[signal] is expected


def test_content_signal_does_not_change_allow_disallow() -> None:
    p = robots_from_fetch("http://h.example/robots.txt", 200, CLOUDFLARE.encode(), T0)
    assert p.verdict("http://h.example/a", TOKENS).allowed


def test_evidence_cites_line_and_group() -> None:
    p = robots_from_fetch("http://h.example/robots.txt", 200, CLOUDFLARE.encode(), T0)
    sig = next(
        s for s in p.optout_signals("http://h.example/a", TOKENS) if s.signal == "content-signal"
    )
    (ev,) = sig.evidence
    assert ev.locator == "group line 3: User-agent: *; line 4"
    assert ev.excerpt == "Content-Signal: search=yes, ai-train=no"


@pytest.mark.parametrize(
    ("value", "reserved", "note"),
    [
        ("train-ai=n", True, "train-ai=n"),
        ("train-ai=y", False, "allowed"),
        ("train-ai=y, train-ai=n", True, ""),  # duplicate keys: the last wins
        ('train-ai="n"', None, "String"),
        ("train-ai", None, "Boolean"),
        ("train-ai=no", None, "neither y nor n"),
        ("Train-AI=n", None, "every preference is unknown"),
        ("train-ai=n, Search=y", None, "every preference is unknown"),
        ("genai=n", True, "draft-ietf-aipref-vocab-01"),
        ("tdm=n", True, "draft-ietf-aipref-vocab-01"),
        ("train-genai=n", True, "-02/-03"),
        ("", None, "no preferences"),
        ("search=y", None, "no train-ai"),
    ],
)
def test_read_usage(value: str, reserved: bool | None, note: str) -> None:
    reading = read_usage(value)
    assert reading.reserved is reserved
    assert note in reading.note


def test_prefetch_refuses_on_content_signal_with_evidence() -> None:
    robots = robots_from_fetch("http://h.example/robots.txt", 200, CLOUDFLARE.encode(), T0)
    tdm = tdmrep_from_fetch("http://h.example/.well-known/tdmrep.json", 404, b"", T0)
    ai = aitxt_from_fetch("http://h.example/ai.txt", 404, b"", T0)
    perm = fetch_permission(OriginPolicies(robots, tdm, ai), "http://h.example/a", TOKENS)
    assert not perm.allowed
    assert perm.reasons == ("optout:content-signal",)
    assert [r.kind for r in perm.policy_files] == ["robots.txt", "tdmrep.json", "ai.txt"]
    assert perm.robots is not None
    assert perm.robots.allowed
    assert {s.signal for s in perm.optout} == {
        "content-signal",
        "content-usage-robots",
        "disallow-ai-training",
        "tdmrep-file",
        "ai-txt",
    }
