"""Read a PDF's text and rights metadata, totally: any damage becomes a recorded problem.

Library: pypdf (pure Python, BSD-3-Clause). Measured against pdfminer.six on the committed
fixtures (``benchmarks/pdf_extract.py``): both extract the same words from text PDFs; pypdf is
faster per page and gives the XMP packet, the document information dictionary and the
encryption state directly, which the licence detector needs, so one library does all three.

What is read (ISO 32000-2 §14.3 "Metadata"):

* the XMP packet (ISO 16684-1) — ``xmpRights:WebStatement`` / ``UsageTerms`` / ``Marked``
  (Adobe XMP Specification Part 2 §3.3.4, the XMP Rights Management namespace),
  ``cc:license`` / ``cc:attributionName`` (ccREL, W3C submission 2008 §4), ``dc:rights``
  (Dublin Core), NISO ``ali:license_ref`` (NISO RP-22-2015 Access and License Indicators);
* the document information dictionary (§14.3.3): keys naming rights or a licence;
* the text of every page up to :data:`MAX_PAGES`.

Problems are named, never raised: ``encrypted`` (the text cannot be read without a password,
and an access control is not circumvented), ``broken`` (not parseable), ``no-text`` (pages but
no extractable text, e.g. scanned images — nothing to export and no licence statement read).
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass

from lxml import etree

logger = logging.getLogger(__name__)
# pypdf logs every repaired cross-reference table as a WARNING; damage that matters becomes a
# recorded ``problem`` here, so its console chatter is kept to errors.
logging.getLogger("pypdf").setLevel(logging.ERROR)

#: Pages whose text is extracted. Longer documents are read up to here and say so in ``notes``
#: (the licence detector also reads the last page, where back-matter licences sit).
MAX_PAGES = 300

_MAGIC = re.compile(rb"^\s{0,1024}%PDF-", re.DOTALL)

#: XMP properties that carry rights, as ``(namespace URI, local name, label)``.
XMP_RIGHTS = (
    ("http://ns.adobe.com/xap/1.0/rights/", "WebStatement", "xmpRights:WebStatement"),
    ("http://ns.adobe.com/xap/1.0/rights/", "UsageTerms", "xmpRights:UsageTerms"),
    ("http://ns.adobe.com/xap/1.0/rights/", "Marked", "xmpRights:Marked"),
    ("http://creativecommons.org/ns#", "license", "cc:license"),
    ("http://creativecommons.org/ns#", "attributionName", "cc:attributionName"),
    ("http://purl.org/dc/elements/1.1/", "rights", "dc:rights"),
    ("http://purl.org/dc/terms/", "license", "dcterms:license"),
    ("http://www.niso.org/schemas/ali/1.0/", "license_ref", "ali:license_ref"),
)
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_INFO_KEY = re.compile(r"(?i)licen[cs]e|rights|copyright")
_XMP_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, recover=True, remove_comments=True
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PdfDocument:
    """What could be read from one PDF.

    ``problem`` is ``""`` (readable), ``encrypted``, ``broken`` or ``no-text``; ``error``
    says what went wrong in words. ``pages`` is the page count (0 when unknown); ``text_pages``
    the extracted text of the first :data:`MAX_PAGES` pages; ``xmp`` and ``info`` the rights
    properties found, as ``(label, value)`` pairs in document order.
    """

    pages: int
    text_pages: tuple[str, ...] = ()
    xmp: tuple[tuple[str, str], ...] = ()
    info: tuple[tuple[str, str], ...] = ()
    title: str = ""
    author: str = ""
    problem: str = ""
    error: str = ""
    notes: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The document's text, pages separated by a blank line."""
        return "\n\n".join(t.strip() for t in self.text_pages if t.strip())


def is_pdf(content_type: str | None, body: bytes | None) -> bool:
    """Say whether the body is a PDF: ``application/pdf`` (RFC 8118 §8) or a body that opens with ``%PDF-``.

    The magic bytes win over a wrong label: servers often send PDFs as
    ``application/octet-stream`` (ISO 32000-2 §7.5.2 puts the header in the first 1,024 bytes).
    """
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype in {"application/pdf", "application/x-pdf"}:
        return True
    return bool(body) and bool(_MAGIC.match(body[:2048] if body else b""))


def _xmp_values(raw: bytes) -> list[tuple[str, str]]:
    """Rights properties of an XMP packet, as attribute or element values (rdf:Alt/Bag/Seq)."""
    try:
        root = etree.fromstring(raw.strip(), parser=_XMP_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return []
    if root is None:
        return []
    out: list[tuple[str, str]] = []
    for ns, local, label in XMP_RIGHTS:
        tag = f"{{{ns}}}{local}"
        for el in root.iter(tag):
            resource = el.get(f"{{{_RDF}}}resource")
            if resource:
                out.append((label, resource.strip()))
                continue
            items = list(el.iter(f"{{{_RDF}}}li"))
            texts = [("".join(li.itertext())).strip() for li in items] if items else []
            if not texts:
                texts = [("".join(el.itertext())).strip()]
            out.extend((label, t) for t in texts if t)
        for el in root.iter(f"{{{_RDF}}}Description"):
            value = el.get(tag)
            if value:
                out.append((label, value.strip()))
    return out


def read_pdf(body: bytes) -> PdfDocument:
    """Read ``body`` as a PDF. Never raises: damage is reported in ``problem``/``error``."""
    try:
        from pypdf import PdfReader
        from pypdf.constants import UserAccessPermissions
        from pypdf.errors import PdfReadError
    except ImportError as exc:  # pragma: no cover - pypdf is a hard dependency
        return PdfDocument(pages=0, problem="broken", error=f"pypdf unavailable: {exc}")
    try:
        reader = PdfReader(io.BytesIO(body), strict=False)
        if reader.is_encrypted:
            # An empty user password is common (print/copy restrictions only): try it, and
            # read on only if it opens. Anything else is an access control: not circumvented.
            try:
                opened = reader.decrypt("")
            except Exception as exc:
                logger.debug("pdf decrypt failed", exc_info=True)
                return PdfDocument(
                    pages=0, problem="encrypted", error=f"encrypted ({type(exc).__name__})"
                )
            if not opened:
                return PdfDocument(pages=0, problem="encrypted", error="encrypted with a password")
            # Opened with the empty password, but the permissions (ISO 32000-2 §7.6.4.2,
            # Table 22: bit 5 "copy or otherwise extract text and graphics") may still refuse
            # text extraction: that is an access control too, and it is respected.
            perms = reader.user_access_permissions
            if perms is not None and not perms & UserAccessPermissions.EXTRACT:
                return PdfDocument(
                    pages=0,
                    problem="encrypted",
                    error="the document's permissions do not allow text extraction",
                )
        count = len(reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AssertionError) as exc:
        return PdfDocument(pages=0, problem="broken", error=f"{type(exc).__name__}: {exc}"[:300])
    except Exception as exc:  # noqa: BLE001 - a reader crash is a broken document, never admit
        return PdfDocument(pages=0, problem="broken", error=f"{type(exc).__name__}: {exc}"[:300])
    notes: list[str] = []
    texts: list[str] = []
    for i in range(min(count, MAX_PAGES)):
        try:
            texts.append(reader.pages[i].extract_text() or "")
        except Exception as exc:  # noqa: BLE001 - one bad page: recorded, the rest is read
            texts.append("")
            notes.append(f"page {i + 1}: text not extracted ({type(exc).__name__})")
    if count > MAX_PAGES:
        notes.append(f"{count} pages; text of the first {MAX_PAGES} read")
    xmp: list[tuple[str, str]] = []
    try:
        meta = reader.xmp_metadata
        if meta is not None:
            xmp = _xmp_values(meta.stream.get_data())
    except Exception as exc:  # noqa: BLE001 - unreadable XMP is noted, not fatal
        notes.append(f"XMP metadata unreadable ({type(exc).__name__})")
    info: list[tuple[str, str]] = []
    title = author = ""
    try:
        docinfo: dict[str, object] = dict(reader.metadata or {})
        for key, value in docinfo.items():
            name = str(key).lstrip("/")
            text = str(value).strip()
            if name == "Title":
                title = text
            elif name == "Author":
                author = text
            if text and _INFO_KEY.search(name):
                info.append((name, text))
    except Exception as exc:  # noqa: BLE001
        notes.append(f"document information unreadable ({type(exc).__name__})")
    problem = ""
    error = ""
    if count == 0:
        problem, error = "broken", "no pages"
    elif not any(t.strip() for t in texts):
        problem, error = "no-text", "no extractable text (image-only or empty pages)"
    return PdfDocument(
        pages=count,
        text_pages=tuple(texts),
        xmp=tuple(xmp),
        info=tuple(info),
        title=title,
        author=author,
        problem=problem,
        error=error,
        notes=tuple(notes),
    )
