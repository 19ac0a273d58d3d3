"""Main-text extraction with trafilatura (PDFs: pypdf), plus the metadata a TASL attribution needs.

Comments are never included: a page licence covers the publisher's text, not its readers'
(a licence notice covers the work it marks:
https://wiki.creativecommons.org/wiki/Marking_your_work_with_a_CC_license). The page is parsed once: trafilatura works on (a copy
of) the tree the detectors already built, which also saves it its own parse.

The plain text never depends on ``--markdown``: the Markdown rendering is a second extraction
with formatting kept (trafilatura's formatting mode changes which nodes it keeps, so deriving
both from one pass would make the text depend on the flag). Markdown therefore roughly doubles
extraction time and is opt-in.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any, TypedDict

import trafilatura
from trafilatura.settings import Document

from filters.html import ParsedPage
from filters.pdf import is_pdf, read_pdf

logger = logging.getLogger(__name__)

# trafilatura logs every page it finds too short at WARNING; that is our decision to record.
logging.getLogger("trafilatura").setLevel(logging.ERROR)

EXTRACTOR = f"trafilatura {version('trafilatura')}"
#: The extractor of PDF documents' text (:mod:`filters.pdf`: the same reader the detectors use).
PDF_EXTRACTOR = f"pypdf {version('pypdf')}"

_LANG = re.compile(r"^[a-z]{2,3}$")


class _Options(TypedDict):
    """The keyword arguments of ``trafilatura.bare_extraction`` that :data:`_OPTIONS` sets."""

    with_metadata: bool
    include_comments: bool
    include_tables: bool
    include_images: bool
    deduplicate: bool
    date_extraction_params: dict[str, Any]


#: Settings shared by export and verify: a change here changes every text, so it is one place.
_OPTIONS: _Options = {
    "with_metadata": True,
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "deduplicate": False,
    "date_extraction_params": {"extensive_search": False, "original_date": True},
}


@dataclass(frozen=True, slots=True)
class Extracted:
    """Main text and the metadata trafilatura found for it (None where it found none)."""

    text: str
    title: str | None
    author: str | None
    site_name: str | None
    date: str | None
    language: str | None
    markdown: str | None = None
    #: Media type of the document the text came from (the ``content_type`` column).
    content_type: str = "text/html"
    #: The extractor and its version (the manifest's ``text.extractor``).
    extractor: str = EXTRACTOR


def _clean(value: object) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def normalize_language(value: str | None) -> str | None:
    """``en-GB`` → ``en``; anything that is not an ISO 639 code → None."""
    if not value:
        return None
    code = value.strip().replace("_", "-").split("-")[0].lower()
    return code if _LANG.match(code) else None


def _extract_pdf(page: ParsedPage, *, markdown: bool) -> Extracted | None:
    """Extract a PDF's text, page by page, with the title and author of its info dictionary.

    A PDF has no boilerplate to remove the way an HTML page has: its text is the document. The
    Markdown rendering of a PDF is its plain text (no structure is recovered).
    """
    doc = read_pdf(page.body)
    text = doc.text.strip()
    if doc.problem or not text:
        return None
    return Extracted(
        text=text,
        title=_clean(doc.title),
        author=_clean(doc.author),
        site_name=None,
        date=None,
        language=None,
        markdown=text if markdown else None,
        content_type="application/pdf",
        extractor=PDF_EXTRACTOR,
    )


def extract_text(page: ParsedPage, *, markdown: bool = False) -> Extracted | None:
    """Extract the main text; None when the extractor finds none."""
    if not page.is_html and is_pdf(page.content_type, page.body):
        return _extract_pdf(page, markdown=markdown)
    tree = page.tree
    if tree is None:
        return None
    html_lang = tree.get("lang") or tree.get("xml:lang")
    doc = trafilatura.bare_extraction(tree, url=page.url or None, **_OPTIONS)
    if doc is None:
        return None
    text = (getattr(doc, "text", None) or "").strip()
    if not text:
        return None
    md = None
    if markdown:
        fmt = trafilatura.bare_extraction(
            tree, url=page.url or None, include_formatting=True, **_OPTIONS
        )
        if isinstance(fmt, Document):  # not as_dict: a Document or None
            from trafilatura.xml import xmltotxt

            md = xmltotxt(fmt.body, True).strip() or None
    language = normalize_language(_clean(getattr(doc, "language", None))) or normalize_language(
        html_lang
    )
    return Extracted(
        text=text,
        title=_clean(getattr(doc, "title", None)),
        author=_clean(getattr(doc, "author", None)),
        site_name=_clean(getattr(doc, "sitename", None)),
        date=_clean(getattr(doc, "date", None)),
        language=language,
        markdown=md,
        content_type=page.content_type if page.content_type else "text/html",
    )


def text_hash(text: str) -> str:
    """Hash the text after Unicode NFKC, case folding and whitespace collapsing.

    Trivially different copies of the same text (spacing, compatibility characters, case) are
    then recognised as duplicates.
    """
    norm = unicodedata.normalize("NFKC", text).casefold()
    # runs of whitespace → one space, none at the ends: what ``re.sub(r"\s+", " ", …).strip()``
    # gives (``\s`` and ``str.split()`` know the same whitespace, ``str.isspace``), ~20x faster
    norm = " ".join(norm.split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()
