"""Domain lists: which hosts a crawl may (``--allow-domains``) or must not (``--deny-domains``) touch.

A list is written one of two ways, chosen by its first character:

* ``example.org,news.example.com`` — comma-separated domains on the command line;
* ``@FILE`` — a file of domains, one per line, blank lines and ``#`` comments ignored (the
  shape of a published block list, such as the list of sites recognised as persistently
  infringing that the EU General-Purpose AI Code of Practice's copyright chapter asks signatories
  to exclude from crawling).

An entry is a domain name (``example.org``, ``*.example.org`` and ``.example.org`` mean the
same), an IP address, or a URL whose host is taken (``https://example.org/path``). Names are
compared case-insensitively after IDNA conversion (RFC 5891; ``bücher.example`` =
``xn--bcher-kva.example``) and without a trailing dot. A domain matches itself and every
subdomain (``example.org`` matches ``www.example.org``, not ``badexample.org``); an IP address
matches only itself.

The list's sha256 (of the file's bytes, or of the command-line value) is recorded with every
URL it refuses, so a reviewer can show which published list was honoured. A malformed entry is
an error (:class:`DomainListError`, the message names the line): a rights list that is half
read must not run.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

#: Longest DNS name (RFC 1035 §2.3.4).
_MAX_NAME = 253


class DomainListError(ValueError):
    """A domain list has an entry that is not a domain, IP address or URL (line named)."""


@dataclass(frozen=True, slots=True)
class DomainList:
    """A parsed domain list: ``source`` is ``@FILE`` or ``inline``, ``sha256`` of its bytes."""

    domains: frozenset[str]
    source: str
    sha256: str

    def match(self, host: str | None) -> str | None:
        """Return the list entry that covers ``host`` (itself or a parent domain), or None."""
        name = _canonical_host(host or "")
        if not name:
            return None
        if name in self.domains:
            return name
        if _is_ip(name):
            return None
        labels = name.split(".")
        for i in range(1, len(labels)):
            parent = ".".join(labels[i:])
            if parent in self.domains and not _is_ip(parent):  # an address has no subdomains
                return parent
        return None

    def evidence(self, kind: str, matched: str) -> dict[str, object]:
        """Return what a decision records about the list that decided (``kind``: ``deny``/``allow``)."""
        return {
            "list": kind,
            "source": self.source,
            "sha256": self.sha256,
            "entries": len(self.domains),
            "matched": matched,
        }


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def _canonical_host(host: str) -> str:
    name = host.strip().rstrip(".").lower()
    if not name:
        return ""
    if _is_ip(name):
        return name.strip("[]")
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError:
        return name


def canonical_entry(entry: str) -> str:
    """Return the domain (or IP address) a list entry names; raise ``ValueError`` if none."""
    value = entry.strip()
    if "://" in value:
        value = urlsplit(value).hostname or ""
    value = value.removeprefix("*.").lstrip(".").rstrip(".").lower()
    if not value:
        raise ValueError("empty entry")
    if _is_ip(value):
        return value.strip("[]")
    try:
        name = value.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"not a domain name ({exc})") from exc
    labels = name.split(".")
    if len(name) > _MAX_NAME or any(
        not label or len(label) > 63 or not all(c.isalnum() or c in "-_" for c in label)
        for label in labels
    ):
        raise ValueError("not a domain name")
    return name


def parse_domain_list(text: str, *, source: str, sha256: str, separator: str) -> DomainList:
    """Parse entries separated by ``separator`` (a comma inline, a newline in a file)."""
    domains: set[str] = set()
    for number, raw in enumerate(text.split(separator), start=1):
        entry = raw.split("#", 1)[0].strip() if separator == "\n" else raw.strip()
        if not entry:
            continue
        try:
            domains.add(canonical_entry(entry))
        except ValueError as exc:
            where = f"line {number}" if separator == "\n" else f"entry {number}"
            raise DomainListError(f"{source}: {where}: {entry[:80]!r} is {exc}") from exc
    if not domains:
        raise DomainListError(f"{source}: no domain in the list")
    return DomainList(frozenset(domains), source, sha256)


def domain_list_from_bytes(data: bytes, source: str) -> DomainList:
    """Parse a list file's contents (UTF-8; one entry per line)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DomainListError(f"{source}: not UTF-8 text ({exc.reason})") from exc
    return parse_domain_list(
        text, source=source, sha256=hashlib.sha256(data).hexdigest(), separator="\n"
    )


def domain_list_inline(value: str) -> DomainList:
    """Parse a comma-separated command-line list."""
    return parse_domain_list(
        value,
        source="inline",
        sha256=hashlib.sha256(value.encode("utf-8")).hexdigest(),
        separator=",",
    )


__all__ = [
    "DomainList",
    "DomainListError",
    "canonical_entry",
    "domain_list_from_bytes",
    "domain_list_inline",
    "parse_domain_list",
]
