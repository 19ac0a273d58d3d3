"""``clearcrawl crawler-info``: the crawler-information page (EU GPAI Code of Practice
transparency measure), generated from what a crawl with the same ``-s`` settings would run."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.settings import Settings

from crawler.cli import main
from crawler.rightsconfig import load_tokens
from filters.aipref import ATTACH_DRAFT, VOCAB_DRAFT


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["crawler-info", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_markdown_page_names_agent_contact_tokens_and_protocol_versions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(capsys, "-s", "CLEARCRAWL_CONTACT=mailto:ops@example.org")
    assert code == 0
    assert "- User-Agent: `clearcrawl/" in out
    assert "(+mailto:ops@example.org)`" in out
    assert "- Contact: mailto:ops@example.org" in out
    s = Settings()
    s.setmodule("crawler.settings")
    tokens = load_tokens(s)
    assert f"these {len(tokens)} tokens" in out
    for tok in tokens:
        assert f"`{tok}`" in out
    assert "robots.json@738c80d (166 entries" in out
    assert "| robots.txt | RFC 9309" in out
    assert f"| {VOCAB_DRAFT}, {ATTACH_DRAFT} |" in out
    assert "never circumvented" in out


def test_the_page_follows_the_settings(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pinned = tmp_path / "tokens.txt"
    pinned.write_text("GPTBot\n")
    code, out, _ = _run(
        capsys,
        "-s",
        "USER_AGENT=MyBot/2.0 (+mailto:me@example.org)",
        "-s",
        f"CLEARCRAWL_AI_TOKENS_FILE={pinned}",
        "-s",
        "CLEARCRAWL_AI_TOKENS_EXTRA=OtherBot",
    )
    assert code == 0
    assert "# Crawler information: MyBot" in out
    assert f"the operator's pinned list {pinned}, plus CLEARCRAWL_AI_TOKENS_EXTRA" in out
    assert "`MyBot`, `clearcrawl`, `Scrapy`, `GPTBot`, `OtherBot`" in out
    assert "CCBot" not in out.split("## Product tokens honoured", 1)[1].split("##", 1)[0]


def test_html_to_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    page = tmp_path / "crawler.html"
    code, out, _ = _run(capsys, "--format", "html", "--out", str(page))
    assert code == 0
    assert out == ""
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>")
    assert "<th>protocol</th>" in text
    assert f"<td>{VOCAB_DRAFT}, {ATTACH_DRAFT}</td>" in text
    assert "<code>GPTBot</code>" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-s", "CLEARCRAWL_AI_TOKENS_EXTRA=Bad Bot"), "invalid product token(s) ['Bad Bot']"),
        (("--format", "pdf"), "invalid choice"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    code, _, err = _run(capsys, *args)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert message in err
