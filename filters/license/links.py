"""Licence sources outside the body's text: header, head links and meta, scripts.

The ``Link`` header (RFC 8288 §3), ``<link rel="license">`` (HTML Living Standard §4.6.7.9)
and licence ``<meta>``/RDFa properties in the head, and licence URLs named by scripts.
"""

from __future__ import annotations

import re

from filters.html import ParsedPage
from filters.license.common import (
    _LICENSE_RELS,
    _META_COPYRIGHT,
    _META_LICENSE,
    _SCRIPT_URL,
    _STRENGTH,
    MAX_SCRIPT_HITS,
    UNRECOGNISED,
    _abs,
    _Claim,
    _Found,
    _rel_tokens,
    _Reservation,
    licence_scripts,
)
from filters.license.jsonld_claims import _URL_VALUE
from filters.license.names import find_license_names, lower_same_length
from filters.license.spdx import (
    CC_UNSPECIFIED,
    MAX_NAME_CHARS,
    PUBLIC_DOMAIN_TEXT,
    LicenseId,
    license_url_to_spdx,
)
from filters.license.text import (
    reservations,
)
from filters.results import Scope

#: ``type="application/rsl+xml"``: the link names an RSL licence, not a licence's text.
_RSL_TYPE = re.compile(r"application/rsl\+xml", re.IGNORECASE)


def _from_headers(page: ParsedPage, found: _Found) -> None:
    for value in page.header_values("Link"):
        for part in value.split(","):
            m = re.match(r"\s*<([^>]*)>(.*)", part)
            if not m or not re.search(
                r"rel\s*=\s*\"?[^\";]*\blicense\b", m.group(2), re.IGNORECASE
            ):
                continue
            if _RSL_TYPE.search(m.group(2)):
                continue  # an RSL licence document (RSL 1.0 §4.5): read by filters.rsl
            lic = license_url_to_spdx(_abs(page, m.group(1)))
            claim = _Claim(
                lic or LicenseId(UNRECOGNISED, "?", None, _abs(page, m.group(1))),
                Scope.PAGE,
                "HTTP Link header rel=license: names the licence of this resource",
                "header:Link",
                "Link",
                m.group(1),
                "head",
                _STRENGTH["machine"],
            )
            (found.claims if lic else found.unrecognised).append(claim)


def _from_head(page: ParsedPage, found: _Found) -> None:
    for el in page.xpath("//head//*[@href][@rel or @property]"):
        if not (_rel_tokens(el) & _LICENSE_RELS):
            continue
        if _RSL_TYPE.search(el.get("type") or ""):
            continue  # an RSL licence document (RSL 1.0 §4.6): read by filters.rsl
        href = el.get("href") or ""
        lic = license_url_to_spdx(_abs(page, href))
        reason = (
            "<link rel=license> in <head>: the HTML link type names the licence of the "
            "document's main content"
        )
        claim = _Claim(
            lic or LicenseId(UNRECOGNISED, "?", None, _abs(page, href)),
            Scope.PAGE,
            reason,
            f"html:{el.tag}[rel=license]",
            page.xpath_of(el),
            href,
            "head",
            _STRENGTH["machine"],
        )
        (found.claims if lic else found.unrecognised).append(claim)
    metas = [(key, content, el) for key, content, el in page.metas]
    metas += [
        (k.strip().lower(), el.get("value") or "", el)
        for el in page.xpath("/html/head/meta[@value][not(@content)]")
        for k in [el.get("name") or el.get("property") or ""]
        if k
    ]
    seen: set[int] = set()
    for key, _content, el in metas:
        is_license = bool(_META_LICENSE.match(key))
        if (not is_license and not _META_COPYRIGHT.match(key)) or id(el) in seen:
            continue
        seen.add(id(el))
        if el.get("itemprop") and el.xpath("ancestor::*[@itemscope]"):
            continue  # microdata: read with its item in the body pass
        content = (_content or "").strip()
        if not content:
            continue
        source = f"html:meta[{'name' if el.get('name') else 'property' if el.get('property') else 'itemprop'}={el.get('name') or el.get('property') or el.get('itemprop')}]"
        locator = page.xpath_of(el)
        where = "<head>" if el.xpath("ancestor::head") else "the page"
        lic = (
            license_url_to_spdx(_abs(page, content))
            if is_license and re.match(r"^(?:https?:)?//|^[\w.-]+\.[a-z]{2,}/", content)
            else None
        )
        if lic is not None:
            found.claims.append(
                _Claim(
                    lic,
                    Scope.PAGE,
                    f"document metadata <meta {key}> in {where} names the licence of this document",
                    source,
                    locator,
                    content,
                    "head",
                    _STRENGTH["machine"],
                )
            )
            continue
        if len(content) > MAX_NAME_CHARS:
            found.cap(
                f"<meta {key}> content past its first {MAX_NAME_CHARS} characters",
                f"filters.spdx.MAX_NAME_CHARS={MAX_NAME_CHARS}",
            )
        low = lower_same_length(content)
        named = 0
        for res in reservations(low):
            named += 1
            found.reserved.append(
                _Reservation(
                    "head",
                    source,
                    locator,
                    content,
                    f"document metadata <meta {key}> reserves rights ('{res[2]}')",
                )
            )
        for mention in find_license_names(content):
            named += 1
            if mention.license.spdx in {PUBLIC_DOMAIN_TEXT, CC_UNSPECIFIED} and not is_license:
                continue
            found.claims.append(
                _Claim(
                    mention.license,
                    Scope.PAGE,
                    f"document metadata <meta {key}> in {where} names a licence in text",
                    source,
                    locator,
                    content,
                    "head",
                    _STRENGTH["text"],
                )
            )
        if not named and is_license and _URL_VALUE.match(content):
            # A licence field naming a document that is not a known licence (a site's own
            # terms page): the text is under terms we cannot read.
            found.unrecognised.append(
                _Claim(
                    LicenseId(UNRECOGNISED, "?", None, content),
                    Scope.PAGE,
                    f"document metadata <meta {key}> in {where} names a document that is not a "
                    "known licence",
                    source,
                    locator,
                    content,
                    "head",
                    _STRENGTH["machine"],
                )
            )


#: A field of embedded article data naming the article's licence (JATS ``<license
#: xlink:href>``/``<ali:license_ref>``, ``"licenseUrl":``, ``"license_ref":``), just before the
#: URL. Serialised app state often stores the value a little after its key ("licenseUrl":796,
#: …,"http://…"), hence the window. "sa-user-license" and the like name other licences.
_METADATA_KEY = re.compile(
    r"(?<![\w-])(?:ali:)?(license|licence)(?:[_-]?(?:url|uri|ref|link|href))?\b[\"']?\s*[:=]"
    r"|<(?:ali:)?licen[cs]e(?:_ref)?\b[^<>]*(?:>\s*$|href=[\"']?$)",
    re.IGNORECASE,
)
_METADATA_WINDOW = 160


def _metadata_key(text: str, start: int) -> str:
    """Name the licence field of embedded article data whose value is the URL at ``start``."""
    window = text[max(0, start - _METADATA_WINDOW) : start]
    keys = list(_METADATA_KEY.finditer(window))
    if not keys:
        return ""
    key = keys[-1]
    if re.search(r"(?:https?:)?\\?/\\?/", window[key.end() :]):
        return ""  # another URL stands between the field and this one: not its value
    return re.sub(r"[\s\"'=:]+$|^<|[\s\"']", "", key.group(0).split()[0])[:40]


def _from_scripts(page: ParsedPage, found: _Found) -> None:
    n = 0
    for el in licence_scripts(page.tree, page.elements("script")):
        text = el.text or ""
        for m in _SCRIPT_URL.finditer(text[:500_000]):
            lic = license_url_to_spdx(m.group(0).replace("\\/", "/"))
            if lic is None:
                continue
            ctx = text[max(0, m.start() - 120) : m.end() + 40]
            key = _metadata_key(text, m.start())
            reason = (
                f"licence URL in the page's embedded article data ({key}): not a statement "
                "about the text on its own; it can give the version of the article's own "
                "licence statement"
                if key
                else "licence URL inside a <script> (map-tile, widget or library attribution), "
                "not the page's text"
            )
            found.claims.append(
                _Claim(
                    lic,
                    Scope.PART,
                    reason,
                    "html:script",
                    page.xpath_of(el),
                    ctx,
                    "script",
                    _STRENGTH["link"],
                    metadata=key,
                )
            )
            n += 1
            if n >= MAX_SCRIPT_HITS:
                return
