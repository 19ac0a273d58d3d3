"""Page-level opt-outs (filters.optout): noai/noimageai in X-Robots-Tag and robots meta with
bot scoping, TDMRep header/meta precedence with the file, Content-Usage header, nofollow.
Cases from shared/reference/ai-optout.md ("Test cases worth having")."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filters.html import ParsedPage
from filters.optout import detect_optout, nofollow
from filters.results import Evidence, OptoutSignal
from filters.tokens import honored_tokens

TOKENS = honored_tokens()


def page(
    headers: list[tuple[str, str]] | None = None,
    head: str = "",
    ctype: str = "text/html",
    body: bytes | None = None,
) -> ParsedPage:
    hs = [("Content-Type", ctype), *(headers or [])]
    html = (
        body
        if body is not None
        else (
            f"<html><head>{head}</head><body><p>text</p><a href='/x'>x</a></body></html>".encode()
        )
    )
    return ParsedPage("http://h.example/a", hs, html, 200)


def fired(p: ParsedPage, prior: tuple[OptoutSignal, ...] = ()) -> list[str]:
    f = detect_optout(p, tokens=TOKENS, prior=prior)
    return [s.signal for s in f.signals if s.reserved] if f.reserved else []


# --- X-Robots-Tag ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "reserved"),
    [
        (["noai"], True),
        (["NoAI"], True),
        (["noai, noimageai"], True),
        (["noml"], True),
        (["noindex, nofollow"], False),
        (["none"], False),
        (["noarchive"], False),
        (["GPTBot: noai"], True),
        (["gptbot:noai"], True),
        (["clearcrawl: noai"], True),
        (["otherbot: noai"], False),
        (["googlebot: noai"], False),
        (["max-image-preview:large"], False),
        (["max-snippet:-1, noai"], True),
        (["unavailable_after: Wednesday, 03-Nov-2027 15:00:00 PST, noai"], True),
        (["otherbot: noindex, noai"], False),  # the scope runs to the end of the line
        (["otherbot: noindex, GPTBot: noai"], True),
        (["noindex", "noai"], True),  # two header lines, both read
        (["otherbot: noai", "nofollow"], False),
        (["*: noai"], True),
    ],
)
def test_x_robots_tag_scoping(values: list[str], reserved: bool) -> None:
    p = page([("X-Robots-Tag", v) for v in values])
    assert (fired(p) == ["x-robots-tag"]) is reserved


def test_x_robots_tag_evidence_says_why() -> None:
    f = detect_optout(
        page([("X-Robots-Tag", "otherbot: noai"), ("X-Robots-Tag", "GPTBot: noai")]), tokens=TOKENS
    )
    sig = next(s for s in f.signals if s.signal == "x-robots-tag")
    notes = [(e.locator, e.note) for e in sig.evidence]
    assert notes == [
        ("X-Robots-Tag line 1", "noai: scoped to otherbot, not an honoured token: ignored"),
        ("X-Robots-Tag line 2", "noai: scoped to gptbot, an honoured token"),
    ]
    assert f.reason == "AI/TDM use reserved by x-robots-tag"


def test_noimageai_alone_reserves_images_not_text() -> None:
    f = detect_optout(page([("X-Robots-Tag", "noimageai")]), tokens=TOKENS)
    assert not f.reserved
    sig = next(s for s in f.signals if s.signal == "x-robots-tag")
    assert sig.reserved
    assert sig.reserves_images_only
    assert "images reserved" in f.reason
    image = page([("X-Robots-Tag", "noimageai")], ctype="image/png", body=b"\x89PNG....")
    assert detect_optout(image, tokens=TOKENS).reserved


def test_non_utf8_header_bytes() -> None:
    p = ParsedPage("http://h.example/a", {b"X-Robots-Tag": [b"caf\xe9: x, noai"]}, b"<p>x</p>")
    assert fired(p) == ["x-robots-tag"]


# --- robots meta -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("head", "reserved"),
    [
        ('<meta name="robots" content="NoAI, noimageai">', True),
        ('<meta name="ROBOTS" content="noai">', True),
        ('<meta name="robots" content="noindex, nofollow">', False),
        ('<meta name="robots" content="none">', False),
        ('<meta name="robots" content="noarchive">', False),
        ('<meta name="robots" content="max-image-preview:large">', False),
        ('<meta name="GPTBot" content="noai">', True),
        ('<meta name="ccbot" content="noai">', True),
        ('<meta name="googlebot" content="noai">', False),
        ('<meta name="robots" content="index"><meta name="robots" content="noai">', True),
        ('<meta http-equiv="X-Robots-Tag" content="noai">', True),
    ],
)
def test_robots_meta(head: str, reserved: bool) -> None:
    assert bool(fired(page(head=head))) is reserved


# --- TDMRep layers (file -> header -> meta) ----------------------------------------------------
def file_signal(reserved: bool | None) -> OptoutSignal:
    return OptoutSignal(
        signal="tdmrep-file",
        reserved=reserved,
        evidence=(Evidence(source="tdmrep.json", locator="entry [0]", excerpt="{...}"),),
    )


META1 = '<meta name="tdm-reservation" content="1">'


@pytest.mark.parametrize(
    ("file", "header", "meta", "expected", "effective"),
    [
        (True, None, None, True, "tdmrep-file"),  # absence doesn't reset
        (True, "0", None, False, "tdmrep-header"),  # header supersedes the file
        (None, "0", META1, True, "tdmrep-meta"),  # meta supersedes the header
        (False, None, META1, True, "tdmrep-meta"),
        (None, "1", '<meta name="tdm-reservation" content="0">', False, "tdmrep-meta"),
        (None, "2", None, False, None),  # protocol error = unset
        (None, "yes", None, False, None),
        (True, "yes", None, True, "tdmrep-file"),  # an error never resets
        (None, "1, 0", None, True, "tdmrep-header"),  # conflicting values: reservation wins
        (None, None, '<meta name="tdm-reservation" content=" 1 ">', True, "tdmrep-meta"),
    ],
)
def test_tdmrep_precedence(
    file: bool | None, header: str | None, meta: str | None, expected: bool, effective: str | None
) -> None:
    prior = (file_signal(file),) if file is not None else ()
    p = page([("tdm-reservation", header)] if header is not None else [], head=meta or "")
    f = detect_optout(p, tokens=TOKENS, prior=prior)
    assert f.reserved is expected
    tdm = {s.signal: s for s in f.signals if s.signal.startswith("tdmrep")}
    stated = [n for n, s in tdm.items() if s.reserved is not None]
    assert stated == ([effective] if effective else [])
    for name, sig in tdm.items():
        if name != effective and any("superseded" in e.note for e in sig.evidence):
            assert sig.reserved is None


def test_tdm_policy_is_recorded() -> None:
    p = page([("tdm-reservation", "1"), ("tdm-policy", "https://h.example/policy.json")])
    f = detect_optout(p, tokens=TOKENS)
    sig = next(s for s in f.signals if s.signal == "tdmrep-header")
    assert sig.reserved
    assert "tdm-policy https://h.example/policy.json" in sig.evidence[0].note


# --- Content-Usage / Content-Signal headers ------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "reserved"),
    [
        ("train-ai=n", True),
        ('train-ai="n"', None),
        ("train-ai", None),
        ("Train-AI=n", None),
        ("train-ai=y, train-ai=n", True),
        ("train-ai=n, train-ai=y", False),
        ("ai=n", True),
        ("search=n", None),
        ("train-ai=y", False),
        ("train-ai=n;q=1", True),
        ("train-ai=\x00n", None),
    ],
)
def test_content_usage_header(value: str, reserved: bool | None) -> None:
    f = detect_optout(page([("Content-Usage", value)]), tokens=TOKENS)
    sig = next(s for s in f.signals if s.signal == "content-usage-header")
    assert sig.reserved is reserved
    assert f.reserved is (reserved is True)


def test_content_usage_old_label_note() -> None:
    f = detect_optout(page([("Content-Usage", "ai=n")]), tokens=TOKENS)
    sig = next(s for s in f.signals if s.signal == "content-usage-header")
    assert "draft-ietf-aipref-vocab-01" in sig.evidence[0].note


def test_header_allow_does_not_cancel_robots_reservation() -> None:
    prior = (OptoutSignal(signal="content-usage-robots", reserved=True),)
    f = detect_optout(page([("Content-Usage", "train-ai=y")]), tokens=TOKENS, prior=prior)
    assert f.reserved
    assert fired(page([("Content-Usage", "train-ai=y")]), prior) == ["content-usage-robots"]


def test_content_signal_header() -> None:
    assert fired(page([("Content-Signal", "search=yes, ai-train=no")])) == ["content-signal-header"]
    assert fired(page([("Content-Signal", "search=yes, ai-train=yes")])) == []


def test_every_channel_is_listed_when_silent() -> None:
    f = detect_optout(page(), tokens=TOKENS)
    assert not f.reserved
    assert {s.signal for s in f.signals} == {
        "tdmrep-header",
        "tdmrep-meta",
        "x-robots-tag",
        "robots-meta",
        "content-usage-header",
        "content-signal-header",
    }


# --- nofollow ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("headers", "head", "stop"),
    [
        ([], '<meta name="robots" content="nofollow">', True),
        ([], '<meta name="robots" content="none">', True),
        ([], '<meta name="GPTBot" content="nofollow">', True),
        ([], '<meta name="otherbot" content="nofollow">', False),
        ([], '<meta name="robots" content="noindex">', False),
        ([("X-Robots-Tag", "nofollow")], "", True),
        ([("X-Robots-Tag", "clearcrawl: nofollow")], "", True),
        ([("X-Robots-Tag", "otherbot: nofollow")], "", False),
        ([("X-Robots-Tag", "noindex"), ("X-Robots-Tag", "Scrapy: none")], "", True),
        ([("X-Robots-Tag", "max-snippet:-1")], "", False),
    ],
)
def test_nofollow(headers: list[tuple[str, str]], head: str, stop: bool) -> None:
    assert (nofollow(page(headers, head), tokens=TOKENS) is not None) is stop


# --- never raises --------------------------------------------------------------------------------
@settings(max_examples=150, deadline=None)
@given(body=st.binary(max_size=2000), header=st.binary(max_size=200))
def test_never_raises(body: bytes, header: bytes) -> None:
    hs = {
        b"X-Robots-Tag": [header],
        b"tdm-reservation": [header],
        b"Content-Usage": [header],
        b"Content-Type": [b"text/html"],
    }
    p = ParsedPage("http://h.example/a", hs, body, 200)
    f = detect_optout(p, tokens=TOKENS, prior=(file_signal(True),))
    assert isinstance(f.reserved, bool)
    nofollow(p, tokens=TOKENS)
