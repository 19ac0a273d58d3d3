"""Domain lists (filters/domains.py): a domain matches itself and its subdomains, nothing else.

Issue 15 (EU code of practice: a list of persistently infringing sites honoured before any
request) and issue 13 (``--allow-domains`` / ``--deny-domains``).
"""

from __future__ import annotations

import hashlib

import pytest

from filters.domains import (
    DomainListError,
    canonical_entry,
    domain_list_from_bytes,
    domain_list_inline,
)

FILE = (
    "# persistently infringing sites\n"
    "pirate.example\n"
    "*.mirror.example   # wildcard form\n"
    ".dot.example\n"
    "https://Video.Example/watch?v=1\n"
    "\n"
    "bücher.example\n"
    "192.0.2.7\n"
).encode()


def test_file_list_matches_domain_and_subdomains_only() -> None:
    lst = domain_list_from_bytes(FILE, "@list.txt")
    assert lst.sha256 == hashlib.sha256(FILE).hexdigest()
    assert lst.source == "@list.txt"
    assert lst.domains == {
        "pirate.example",
        "mirror.example",
        "dot.example",
        "video.example",
        "xn--bcher-kva.example",
        "192.0.2.7",
    }
    assert lst.match("pirate.example") == "pirate.example"
    assert lst.match("WWW.Pirate.Example.") == "pirate.example"
    assert lst.match("a.b.mirror.example") == "mirror.example"
    assert lst.match("mirror.example") == "mirror.example"
    assert lst.match("xn--bcher-kva.example") == "xn--bcher-kva.example"
    assert lst.match("shop.bücher.example") == "xn--bcher-kva.example"
    assert lst.match("192.0.2.7") == "192.0.2.7"
    # Not a subdomain: a longer name that merely ends the same way, a parent, an IP's "parent".
    assert lst.match("notpirate.example") is None
    assert lst.match("example") is None
    assert lst.match("10.192.0.2.7") is None
    assert lst.match("") is None
    assert lst.match(None) is None


def test_inline_list() -> None:
    lst = domain_list_inline("a.example, b.example,,")
    assert lst.domains == {"a.example", "b.example"}
    assert lst.source == "inline"
    assert lst.sha256 == hashlib.sha256(b"a.example, b.example,,").hexdigest()
    assert lst.evidence("deny", "a.example") == {
        "list": "deny",
        "source": "inline",
        "sha256": lst.sha256,
        "entries": 2,
        "matched": "a.example",
    }


@pytest.mark.parametrize(
    "entry", ["exa mple.org", "a..b", "http://", "bad/slash", "x" * 64 + ".org"]
)
def test_bad_entries_are_errors_naming_the_line(entry: str) -> None:
    with pytest.raises(DomainListError, match="line 2"):
        domain_list_from_bytes(f"ok.example\n{entry}\n".encode(), "@l.txt")


def test_empty_list_is_an_error() -> None:
    with pytest.raises(DomainListError, match="no domain"):
        domain_list_from_bytes(b"# nothing\n\n", "@l.txt")
    with pytest.raises(DomainListError, match="no domain"):
        domain_list_inline(" , ")


def test_not_utf8_is_an_error() -> None:
    with pytest.raises(DomainListError, match="not UTF-8"):
        domain_list_from_bytes(b"\xff\xfe\x00", "@l.txt")


def test_canonical_entry() -> None:
    assert canonical_entry("*.Example.ORG.") == "example.org"
    assert canonical_entry("[2001:db8::1]") == "2001:db8::1"
