"""The licence of a PDF document's content, with evidence and scope.

Sources, in the order the HTML detector gives them weight (:mod:`filters.license.detect`):

1. the HTTP ``Link: <…>; rel="license"`` header — the licence of this resource (RFC 8288 §3,
   HTML link type ``license``), **page**;
2. document metadata — XMP ``xmpRights:WebStatement``, ``cc:license``, ``dcterms:license``,
   ``ali:license_ref`` (a licence URL: **page**, the metadata describes the document itself),
   ``xmpRights:UsageTerms`` / ``dc:rights`` and information-dictionary rights entries read as
   text (a licence name, or an explicit "all rights reserved");
3. licence statements in the text of the first two and the last page (where journals print
   licence notes and back matter), read with the *same* statement and scope rules as an HTML
   article: the page text becomes the main content of a document the body reader analyses, so
   "this article is distributed under CC BY 4.0" covers the text while "Figure 2 is reproduced
   under CC BY-SA" is ``part``.

Aggregation is the HTML detector's own (:func:`filters.license.resolve._finding`): the same
precedence, the same conflict rules (a licence and a reservation at one level, or two licences
that cannot be ranked → ``ambiguous``), the same fail-closed handling of unrecognised targets.
Evidence names the PDF channel (``pdf:xmp``, ``pdf:info``, ``pdf:text``) and the page.
"""

from __future__ import annotations

import html
import re

from filters.html import ParsedPage, parse_page
from filters.license.body import _from_body
from filters.license.common import (
    _STRENGTH,
    UNRECOGNISED,
    _Claim,
    _Found,
    _Reservation,
)
from filters.license.links import _from_headers
from filters.license.names import find_license_names, lower_same_length
from filters.license.resolve import _finding
from filters.license.spdx import PUBLIC_DOMAIN_TEXT, LicenseId, license_url_to_spdx
from filters.license.text import reservations
from filters.pdf.read import PdfDocument, read_pdf
from filters.results import LicenseFinding, Scope

#: XMP properties whose value is the URL of the document's licence.
_URL_PROPERTIES = frozenset(
    {"xmpRights:WebStatement", "cc:license", "dcterms:license", "ali:license_ref"}
)
_URL = re.compile(r"^(?:https?:)?//\S+$", re.IGNORECASE)
#: Pages whose text is read for licence statements: the first two and the last.
_HEAD_PAGES = 2
_SECTION = re.compile(r"/section(?:\[(\d+)\])?(?:/|$)")
_PARA_BREAK = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"[.!?:;)]\s*$")


def _metadata_claims(doc: PdfDocument, found: _Found) -> None:
    """Claims and reservations from the XMP packet and the information dictionary."""
    entries = [("pdf:xmp", label, value) for label, value in doc.xmp]
    entries += [("pdf:info", f"/{key}", value) for key, value in doc.info]
    for source, label, value in entries:
        if label == "xmpRights:Marked" or label == "cc:attributionName":
            continue  # not a licence: Marked only says rights are (not) asserted elsewhere
        if label in _URL_PROPERTIES and _URL.match(value):
            lic = license_url_to_spdx(value)
            claim = _Claim(
                lic or LicenseId(UNRECOGNISED, "?", None, value),
                Scope.PAGE,
                f"PDF document metadata {label} names the licence of this document",
                source,
                label,
                value,
                "head",
                _STRENGTH["machine"],
            )
            (found.claims if lic else found.unrecognised).append(claim)
            continue
        low = lower_same_length(value)
        for res in reservations(low):
            found.reserved.append(
                _Reservation(
                    "head",
                    source,
                    label,
                    value,
                    f"PDF document metadata {label} reserves rights ('{res[2]}')",
                )
            )
        for mention in find_license_names(value):
            if mention.license.spdx == PUBLIC_DOMAIN_TEXT:
                continue
            found.claims.append(
                _Claim(
                    mention.license,
                    Scope.PAGE,
                    f"PDF document metadata {label} names a licence in text",
                    source,
                    label,
                    value,
                    "head",
                    _STRENGTH["text"],
                )
            )


def _paragraphs(text: str) -> list[str]:
    """Split extracted page text into paragraphs.

    PDF text extraction keeps line breaks but rarely blank lines: a line that ends a sentence
    ends a paragraph; other lines are joined (a statement wrapped over several lines stays one
    statement).
    """
    out: list[str] = []
    for block in _PARA_BREAK.split(text):
        current: list[str] = []
        for line in block.splitlines():
            line = line.strip()
            if not line:
                continue
            current.append(line)
            if _SENTENCE_END.search(line):
                out.append(" ".join(current))
                current = []
        if current:
            out.append(" ".join(current))
    return out


def _text_page(doc: PdfDocument, url: str) -> tuple[ParsedPage, list[int]]:
    """Build the article the HTML body reader analyses from the pages read for statements."""
    n = len(doc.text_pages)
    numbers = list(range(1, min(n, _HEAD_PAGES) + 1))
    if n > _HEAD_PAGES:
        numbers.append(n)
    sections = []
    for number in numbers:
        paras = "".join(f"<p>{html.escape(p)}</p>" for p in _paragraphs(doc.text_pages[number - 1]))
        sections.append(f"<section>{paras}</section>")
    title = html.escape(doc.title)
    body = (
        f"<html><head><title>{title}</title></head><body><main><article>"
        f"{''.join(sections)}</article></main></body></html>"
    )
    page = parse_page(url, {"Content-Type": "text/html; charset=utf-8"}, body.encode("utf-8"))
    return page, numbers


def _relabel(claim: _Claim | _Reservation, numbers: list[int]) -> None:
    """Point text evidence at the PDF page, not at the synthetic document's XPath."""
    m = _SECTION.search(claim.locator)
    index = int(m.group(1) or 1) if m else 0
    page_no = numbers[index - 1] if 0 < index <= len(numbers) else None
    claim.locator = f"page {page_no}" if page_no else "text"
    claim.source = "pdf:text"


def detect_pdf_license(page: ParsedPage, doc: PdfDocument | None = None) -> LicenseFinding:
    """Find the licence covering a PDF document's content. Total: never raises on bad input."""
    if doc is None:
        doc = read_pdf(page.body)
    found = _Found()
    _from_headers(page, found)
    if doc.problem in {"encrypted", "broken"}:
        if found.claims or found.unrecognised:
            return _finding(found.claims, found.reserved, found.unrecognised, found.caps)
        return LicenseFinding(spdx=None, scope=None, reason=f"no licence read: PDF {doc.error}")
    _metadata_claims(doc, found)
    if doc.text_pages and doc.problem != "no-text":
        text_page, numbers = _text_page(doc, page.url)
        body_found = _Found()
        _from_body(text_page, body_found)
        for claim in (*body_found.claims, *body_found.unrecognised):
            _relabel(claim, numbers)
        for reservation in body_found.reserved:
            _relabel(reservation, numbers)
        found.claims.extend(body_found.claims)
        found.unrecognised.extend(body_found.unrecognised)
        found.reserved.extend(body_found.reserved)
        for what, cap in body_found.caps.items():
            found.cap(what, cap)
    if not (found.claims or found.unrecognised or found.reserved or found.caps):
        return LicenseFinding(
            spdx=None, scope=None, reason="no licence statement in the PDF's metadata or text"
        )
    return _finding(found.claims, found.reserved, found.unrecognised, found.caps)
