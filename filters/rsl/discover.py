"""Where a page or an origin names its RSL licence (RSL 1.0 §4, association mechanisms).

* §4.4 robots.txt ``License: <absolute URL>`` (:meth:`filters.robots.RobotsPolicy.license_lines`
  selects the lines that apply to the honoured tokens: those of the selected groups, else the
  global ones);
* §4.5 the HTTP ``Link`` header ``<url>; rel="license"; type="application/rsl+xml"``;
* §4.6 HTML ``<link rel="license" type="application/rsl+xml" href>`` and an inline
  ``<script type="application/rsl+xml">`` holding a whole RSL document (its ``<content url="">``
  then means the page itself);
* §4.7 RSS/Atom ``rsl:`` elements: the feeds a page names, read by :mod:`filters.rsl.feed`.

Functions here only find and resolve references; they never fetch. Total: never raise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from filters.rsl.document import MEDIA_TYPE

_LINK_PART = re.compile(r"\s*<([^>]*)>(.*)")
_PARAM = re.compile(r";\s*([A-Za-z*-]+)\s*=\s*(\"[^\"]*\"|[^;]*)")


@dataclass(frozen=True, slots=True, kw_only=True)
class RslReference:
    """One place an RSL licence is named: the channel, where, and the licence URL or body.

    ``channel`` is ``robots.txt``, ``header:Link``, ``html:link`` or ``html:script``; ``url`` the
    absolute licence URL (empty for an inline licence, whose XML is in ``inline``).
    """

    channel: str
    locator: str
    url: str = ""
    inline: str = ""


def absolute_http_url(value: str, base: str = "") -> str:
    """``value`` resolved against ``base`` when it is (or becomes) an http(s) URL, else ``""``."""
    try:
        url = urljoin(base, value.strip()) if base else value.strip()
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    return url.split("#", 1)[0]


def _is_rsl_type(value: str) -> bool:
    return value.strip().strip('"').split(";", 1)[0].strip().lower() == MEDIA_TYPE


def from_link_headers(values: list[str], base: str) -> list[RslReference]:
    """§4.5: ``Link`` header values naming an RSL licence (rel=license, type=application/rsl+xml)."""
    out: list[RslReference] = []
    for value in values:
        for part in value.split(","):
            m = _LINK_PART.match(part)
            if not m:
                continue
            params = {k.lower(): v.strip().strip('"') for k, v in _PARAM.findall(m.group(2))}
            rels = params.get("rel", "").lower().split()
            if "license" not in rels or not _is_rsl_type(params.get("type", "")):
                continue
            url = absolute_http_url(m.group(1), base)
            if url:
                out.append(RslReference(channel="header:Link", locator="Link", url=url))
    return out


def from_html(page: Any) -> list[RslReference]:
    """§4.6: ``<link rel=license type=application/rsl+xml>`` and inline ``<script>`` licences.

    ``page`` is a :class:`filters.html.ParsedPage`.
    """
    out: list[RslReference] = []
    for el in page.xpath("//link[@href][@rel][@type]"):
        rels = (el.get("rel") or "").lower().split()
        if "license" not in rels or not _is_rsl_type(el.get("type") or ""):
            continue
        url = absolute_http_url(el.get("href") or "", page.url)
        if url:
            out.append(RslReference(channel="html:link", locator=page.xpath_of(el), url=url))
    for el in page.xpath("//script[@type]"):
        if not _is_rsl_type(el.get("type") or ""):
            continue
        out.append(
            RslReference(channel="html:script", locator=page.xpath_of(el), inline=el.text or "")
        )
    return out
