"""PDF documents: text, document metadata and the licence they state.

Public surface: :func:`read_pdf` (a total reader returning :class:`PdfDocument`),
:func:`is_pdf` (media type or ``%PDF-`` magic bytes) and :func:`detect_pdf_license` (the
licence of a PDF's content, with the same precedence and scope rules as HTML pages).
"""

from filters.pdf.license import detect_pdf_license
from filters.pdf.read import MAX_PAGES, PdfDocument, is_pdf, read_pdf

__all__ = ["MAX_PAGES", "PdfDocument", "detect_pdf_license", "is_pdf", "read_pdf"]
