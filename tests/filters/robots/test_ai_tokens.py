"""Every AI crawler token of ai.robots.txt's robots.json@738c80d is honoured (issue 15).

The list ships as ``filters/robots/ai_robots.json`` with its provenance beside it; each entry is
honoured as the product token a ``User-agent:`` line holding it names (RFC 9309 §2.2.1), and a
refusal names the token whose group refused.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

import pytest

from filters.robots import RobotsPolicy, robots_from_fetch
from filters.tokens import (
    AI_TOKEN_LIST_COMMIT,
    AI_TOKEN_LIST_FILE,
    BUNDLED_AI_TOKENS,
    DEFAULT_AI_TOKENS,
    ENGINE_TOKEN,
    LEGACY_AI_TOKENS,
    OWN_TOKEN,
    TokenListError,
    honored_tokens,
    parse_token_list,
)

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "benchmarks" / "data" / "robots_sample.jsonl.gz"


def _policy(text: str) -> RobotsPolicy:
    return robots_from_fetch(
        "https://example.org/robots.txt", 200, text.encode(), "2026-12-04T00:00:00Z"
    )


def test_bundled_list_is_the_recorded_commit_byte_for_byte() -> None:
    data = AI_TOKEN_LIST_FILE.read_bytes()
    provenance = (AI_TOKEN_LIST_FILE.parent / "AI_ROBOTS_PROVENANCE.md").read_text()
    assert hashlib.sha256(data).hexdigest() in provenance
    assert AI_TOKEN_LIST_COMMIT in provenance
    assert "MIT License" in provenance  # the list's licence notice travels with it
    assert len(json.loads(data)) == 166
    assert BUNDLED_AI_TOKENS.entries == 166
    assert len(DEFAULT_AI_TOKENS) == 158  # entries naming the same token count once
    assert BUNDLED_AI_TOKENS.source.endswith("robots.json@738c80d")


def test_every_legacy_token_and_the_own_and_engine_tokens_stay_honoured() -> None:
    honoured = {t.lower() for t in honored_tokens()}
    assert {t.lower() for t in LEGACY_AI_TOKENS} <= honoured
    assert OWN_TOKEN in honoured
    assert ENGINE_TOKEN.lower() in honoured
    assert honored_tokens()[:2] == (OWN_TOKEN, ENGINE_TOKEN)


def test_entries_are_honoured_as_the_product_token_a_group_line_names() -> None:
    renamed = dict(BUNDLED_AI_TOKENS.renamed)
    assert renamed["iaskspider/2.0"] == "iaskspider"
    assert renamed["Brightbot 1.0"] == "Brightbot"
    assert renamed["MistralAI-User/1.0"] == "MistralAI-User"
    for tok in DEFAULT_AI_TOKENS:
        assert re.fullmatch(r"[A-Za-z0-9_-]+", tok), tok
    # A site that copied the entry as written binds us exactly there.
    policy = _policy("User-agent: iaskspider/2.0\nDisallow: /\n")
    assert not policy.verdict("https://example.org/a", honored_tokens()).allowed
    assert policy.verdict("https://example.org/a", honored_tokens(LEGACY_AI_TOKENS)).allowed


def test_a_refusal_names_the_token_whose_group_refused() -> None:
    policy = _policy(
        "User-agent: *\nAllow: /\n\nUser-agent: ExaBot\nDisallow: /private/\n"
        "\nUser-agent: omgili\nDisallow: /\n"
    )
    tokens = honored_tokens()
    v = policy.verdict("https://example.org/private/x", tokens)
    assert not v.allowed
    assert v.refused_tokens == ("ExaBot", "omgili")
    assert v.reason.startswith(
        "disallowed for ExaBot (named, robots.txt line 5: Disallow: /private/)"
    )
    assert "1 more honoured token(s) refused by other groups" in v.reason
    ok = policy.verdict("https://example.org/a", tokens[:3])
    assert ok.allowed
    assert ok.refused_tokens == ()


def test_a_group_naming_many_tokens_names_them_in_the_reason() -> None:
    names = DEFAULT_AI_TOKENS[:12]
    text = "".join(f"User-agent: {n}\n" for n in names) + "Disallow: /\n"
    v = _policy(text).verdict("https://example.org/a", honored_tokens())
    assert set(v.refused_tokens) == set(names)
    assert ", ".join(names[:8]) in v.reason
    assert "and 4 more honoured tokens" in v.reason


@pytest.mark.parametrize(
    ("data", "tokens"),
    [
        (b'{"GPTBot": {}, "iaskspider/2.0": {}}', ("GPTBot", "iaskspider")),
        (b'["CCBot", "ccbot", "Foo Bar"]', ("CCBot", "Foo")),
        (b"# my list\nGPTBot\n\nCCBot  # the crawl\n", ("GPTBot", "CCBot")),
    ],
)
def test_token_list_formats(data: bytes, tokens: tuple[str, ...]) -> None:
    assert parse_token_list(data, "list").tokens == tokens


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "lists no token"),
        (b"# only a comment\n", "lists no token"),
        (b"GPTBot\n*\n", "entry '*' names no product token"),
        (b'{"a": 1', "is not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b"\xff\xfe\x00", "is not UTF-8 text"),
    ],
)
def test_token_list_errors_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(TokenListError, match=re.escape(message)):
        parse_token_list(data, "list")


def test_the_full_list_only_adds_refusals_on_real_robots_files() -> None:
    # benchmarks/data/robots_sample.jsonl.gz: real robots.txt files (PROVENANCE.md there).
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    legacy, full = honored_tokens(LEGACY_AI_TOKENS), honored_tokens()
    more = 0
    for row in rows:
        policy = _policy(row["robots"])
        url = f"https://{row['origin']}/"
        old, new = policy.verdict(url, legacy), policy.verdict(url, full)
        assert new.allowed <= old.allowed, row["origin"]  # honouring more never admits more
        more += old.allowed and not new.allowed
    assert more > 0
