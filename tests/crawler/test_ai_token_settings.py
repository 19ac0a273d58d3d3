"""``CLEARCRAWL_AI_TOKENS_FILE`` pins the AI token list, ``CLEARCRAWL_AI_TOKENS_EXTRA`` extends it.

Read through :func:`crawler.rightsconfig.load_tokens` with real Scrapy settings (issue 15).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from scrapy.settings import Settings

import crawler.settings
from crawler.rightsconfig import load_tokens
from filters.tokens import DEFAULT_AI_TOKENS


def _settings(**values: object) -> Settings:
    s = Settings()
    s.setmodule(crawler.settings)
    s.setdict(values, priority="cmdline")
    return s


def test_default_is_the_bundled_list() -> None:
    tokens = load_tokens(_settings())
    assert tokens[:3] == ("clearcrawl", "Scrapy", *DEFAULT_AI_TOKENS[:1])
    assert len(tokens) == 1 + len(DEFAULT_AI_TOKENS)  # Scrapy is in the list too


def test_file_pins_the_list_and_extra_adds(tmp_path: Path) -> None:
    pinned = tmp_path / "tokens.txt"
    pinned.write_text("GPTBot\nCCBot\n")
    tokens = load_tokens(_settings(CLEARCRAWL_AI_TOKENS_FILE=str(pinned)))
    assert tokens == ("clearcrawl", "Scrapy", "GPTBot", "CCBot")
    tokens = load_tokens(
        _settings(CLEARCRAWL_AI_TOKENS_FILE=str(pinned), CLEARCRAWL_AI_TOKENS_EXTRA="MyAIBot")
    )
    assert tokens == ("clearcrawl", "Scrapy", "GPTBot", "CCBot", "MyAIBot")
    extended = load_tokens(_settings(CLEARCRAWL_AI_TOKENS_EXTRA=["MyAIBot"]))
    assert extended[-1] == "MyAIBot"
    assert len(extended) == 2 + len(DEFAULT_AI_TOKENS)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"CLEARCRAWL_AI_TOKENS_FILE": "/nonexistent/list.json"}, "cannot read token list"),
        ({"CLEARCRAWL_AI_TOKENS_EXTRA": "Bad Bot"}, "invalid product token(s) ['Bad Bot']"),
        (
            {"CLEARCRAWL_AI_TOKENS": "GPTBot", "CLEARCRAWL_AI_TOKENS_FILE": "x"},
            "set one of them",
        ),
    ],
)
def test_bad_token_settings_are_refused(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        load_tokens(_settings(**values))


def test_an_empty_list_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n")
    with pytest.raises(ValueError, match=r"CLEARCRAWL_AI_TOKENS_FILE: .* lists no token"):
        load_tokens(_settings(CLEARCRAWL_AI_TOKENS_FILE=str(empty)))
