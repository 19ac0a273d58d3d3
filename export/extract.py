"""Main-text extraction with trafilatura, plus the metadata a TASL attribution needs.

Comments are never included: a page licence covers the publisher's text, not its readers'
(``shared/reference/licenses.md`` §3). The page is parsed once: trafilatura works on the tree
the detectors already built.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass

import trafilatura

from filters._html import ParsedPage

logger = logging.getLogger(__name__)

# trafilatura logs every page it finds too short at WARNING; that is our decision to record.
logging.getLogger("trafilatura").setLevel(logging.ERROR)


@dataclass(frozen=True, slots=True)
class Extracted:
    text: str
    title: str | None
    author: str | None
    site_name: str | None
    date: str | None
    language: str | None
    markdown: str | None = None


def _clean(value: object) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def extract_text(page: ParsedPage, *, markdown: bool = False) -> Extracted | None:
    """Extract the main text; None when trafilatura finds none."""
    if page.tree is None:
        return None
    lang = page.tree.get("lang") or page.tree.get("xml:lang")
    html_text = page.text
    doc = trafilatura.bare_extraction(
        page.tree,
        url=page.url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        deduplicate=False,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if doc is None:
        return None
    text = (getattr(doc, "text", None) or "").strip()
    if not text:
        return None
    md = None
    if markdown:
        md = trafilatura.extract(html_text, url=page.url, output_format="markdown",
                                 include_comments=False, with_metadata=False)
    language = _clean(getattr(doc, "language", None)) or _clean(lang)
    if language:
        language = language.split("-")[0].split("_")[0].lower()
    return Extracted(
        text=text,
        title=_clean(getattr(doc, "title", None)),
        author=_clean(getattr(doc, "author", None)),
        site_name=_clean(getattr(doc, "sitename", None)),
        date=_clean(getattr(doc, "date", None)),
        language=language,
        markdown=md,
    )


def text_hash(text: str) -> str:
    """Hash of the text after Unicode NFKC, case folding and whitespace collapsing, so
    trivially different copies of the same text are recognised as duplicates."""
    norm = unicodedata.normalize("NFKC", text).casefold()
    norm = re.sub(r"\s+", " ", norm).strip()
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()
