"""filters.pdf over real PDFs (tests/fixtures/pdf/PROVENANCE.md) and damaged copies of them."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.constants import UserAccessPermissions

from filters import assess_page
from filters.html import parse_page
from filters.pdf import PdfDocument, detect_pdf_license, is_pdf, read_pdf
from filters.reasons import describe

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "pdf"
JOSS = FIXTURES / "joss-inara-cc-by-4.0.pdf"
PDFA_SIMPLE = FIXTURES / "pdfa-simple-2.0-cc-by-sa-4.0.pdf"
NO_STATEMENT = FIXTURES / "pdfa-utf8-test-no-licence-statement.pdf"
OLD_JOSS = FIXTURES / "joss-whedon-paper-2016.pdf"
PDF = {"Content-Type": "application/pdf"}


def _encrypted(src: Path, *, user: str, perms: int) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(src))
    owner = "owner-secret"  # a test fixture's password
    writer.encrypt(user_password=user, owner_password=owner, permissions_flag=perms)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_reads_text_and_xmp_rights_of_a_journal_article() -> None:
    doc = read_pdf(JOSS.read_bytes())
    assert doc.problem == ""
    assert doc.pages == 8
    assert "Open Journals publishing pipeline" in doc.text
    assert ("xmpRights:WebStatement", "http://creativecommons.org/licenses/by/4.0/") in doc.xmp
    assert any(label == "dc:rights" and "Krewinkel" in value for label, value in doc.xmp)


def test_xmp_licence_admits_the_document_at_page_scope() -> None:
    a = assess_page("https://joss.example/paper.pdf", PDF, JOSS.read_bytes())
    assert a.license is not None
    assert a.license.spdx == "CC-BY-4.0"
    assert a.license.scope == "page"
    sources = {h.evidence.source for h in a.license.hits}
    assert "pdf:xmp" in sources
    assert a.decision.include, a.decision.reasons


def test_cc_license_property_and_dc_rights_text_agree() -> None:
    a = assess_page("https://pdfa.example/simple.pdf", PDF, PDFA_SIMPLE.read_bytes())
    assert a.license is not None
    assert a.license.spdx == "CC-BY-SA-4.0"
    locators = {h.evidence.locator for h in a.license.hits}
    assert {"cc:license", "dc:rights"} <= locators


@pytest.mark.parametrize("path", [NO_STATEMENT, OLD_JOSS])
def test_a_pdf_stating_no_licence_is_excluded_as_no_license(path: Path) -> None:
    a = assess_page(f"https://x.example/{path.name}", PDF, path.read_bytes())
    assert a.license is not None
    assert a.license.spdx is None
    assert not a.decision.include
    assert "no-license" in a.decision.reasons


def test_magic_bytes_identify_a_pdf_served_with_a_wrong_type() -> None:
    body = JOSS.read_bytes()
    assert is_pdf("application/octet-stream", body)
    assert not is_pdf("text/html", b"<html>%PDF-</html>")
    a = assess_page(
        "https://x.example/get?id=1", {"Content-Type": "application/octet-stream"}, body
    )
    assert a.license is not None
    assert a.license.spdx == "CC-BY-4.0"
    assert not any(r.startswith("unsupported-content-type") for r in a.decision.reasons)


def test_encrypted_with_a_password_is_excluded_never_opened() -> None:
    body = _encrypted(JOSS, user="reader-secret", perms=UserAccessPermissions.EXTRACT)
    doc = read_pdf(body)
    assert doc.problem == "encrypted"
    assert doc.text_pages == ()
    a = assess_page("https://x.example/locked.pdf", PDF, body)
    assert not a.decision.include
    assert "pdf-unreadable:encrypted" in a.decision.reasons
    assert "no-license" not in a.decision.reasons  # the body was never read: no claim about it
    assert "access control" in describe("pdf-unreadable:encrypted")


def test_permissions_refusing_text_extraction_are_respected() -> None:
    body = _encrypted(JOSS, user="", perms=UserAccessPermissions.PRINT)
    assert read_pdf(body).problem == "encrypted"
    allowed = _encrypted(JOSS, user="", perms=UserAccessPermissions.EXTRACT)
    assert read_pdf(allowed).problem == ""


@pytest.mark.parametrize(
    "body",
    [
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage",
        b"%PDF-",
        JOSS.read_bytes()[:4000],
    ],
    ids=["garbage", "header-only", "truncated"],
)
def test_broken_pdfs_are_excluded_with_a_reason_never_raise(body: bytes) -> None:
    doc = read_pdf(body)
    assert doc.problem in {"broken", "no-text"}
    a = assess_page("https://x.example/broken.pdf", PDF, body)
    assert not a.decision.include
    assert any(r.startswith("pdf-unreadable:") for r in a.decision.reasons)


def test_image_only_pdf_has_no_text_and_is_excluded() -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    a = assess_page("https://x.example/scan.pdf", PDF, out.getvalue())
    assert "pdf-unreadable:no-text" in a.decision.reasons
    assert not a.decision.include


def test_link_header_licence_applies_to_a_pdf() -> None:
    headers = {**PDF, "Link": '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'}
    a = assess_page("https://x.example/a.pdf", headers, NO_STATEMENT.read_bytes())
    assert a.license is not None
    assert a.license.spdx == "CC-BY-4.0"
    assert a.decision.include


def test_opt_out_header_excludes_an_openly_licensed_pdf() -> None:
    a = assess_page("https://x.example/a.pdf", {**PDF, "X-Robots-Tag": "noai"}, JOSS.read_bytes())
    assert a.license is not None
    assert a.license.spdx == "CC-BY-4.0"
    assert not a.decision.include


def _doc(*pages: str, xmp: tuple[tuple[str, str], ...] = ()) -> PdfDocument:
    return PdfDocument(pages=len(pages), text_pages=pages, xmp=xmp)


def _page() -> object:
    return parse_page("https://x.example/a.pdf", PDF, b"%PDF-1.7")


def test_statement_about_a_figure_is_part_not_the_document() -> None:
    doc = _doc(
        "Results of the survey\nWe measured the flow over three seasons.\n"
        "Figure 2 is reproduced from Smith (2019) under a CC BY-SA 4.0 licence.\n"
    )
    finding = detect_pdf_license(_page(), doc)  # type: ignore[arg-type]
    assert finding.spdx is None
    assert all(h.scope == "part" for h in finding.hits)
    assert all(
        h.evidence.source == "pdf:text" and h.evidence.locator == "page 1" for h in finding.hits
    )


def test_this_article_statement_on_the_last_page_covers_the_document() -> None:
    pages = [
        "Title\nIntroduction text.\n",
        "Middle page.\n",
        "More.\n",
        (
            "This article is licensed under a Creative Commons Attribution 4.0\n"
            "International License (CC BY 4.0).\n"
        ),
    ]
    finding = detect_pdf_license(_page(), _doc(*pages))  # type: ignore[arg-type]
    assert finding.spdx == "CC-BY-4.0"
    assert [h.evidence.locator for h in finding.hits] == ["page 4"]


def test_metadata_reservation_against_an_xmp_licence_is_ambiguous() -> None:
    doc = _doc(
        "Some text of the report.\n",
        xmp=(
            ("xmpRights:WebStatement", "https://creativecommons.org/licenses/by/4.0/"),
            ("dc:rights", "Copyright 2024 Example Corp. All rights reserved."),
        ),
    )
    finding = detect_pdf_license(_page(), doc)  # type: ignore[arg-type]
    assert finding.ambiguous
