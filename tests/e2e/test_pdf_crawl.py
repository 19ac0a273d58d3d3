"""PDF documents crawled, archived, decided and exported end to end (issue 17, PDF documents).

A local site on 127.0.0.1 serves real PDFs (tests/fixtures/pdf/PROVENANCE.md) beside an HTML
page linking to them: an openly licensed article (CC BY 4.0 in its XMP and on page 1), a short
one under CC BY-SA 4.0 served as ``application/octet-stream`` (recognised by its magic bytes;
too little text to export), a PDF that
states no licence, one encrypted with a password (derived from a real one), a damaged one and
one under an ``X-Robots-Tag: noai`` header. The real CLI crawls and exports; the dataset must
hold exactly the openly licensed article, with its text and ``content_type``, and every other
PDF must be excluded with the reason that names why.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from pypdf import PdfReader, PdfWriter

from crawler.demo.server import SiteServer
from tests.support.helpers import crawl, read_decisions, read_jsonl, run_cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pdf"
PAGE = """<!doctype html><html lang="en"><head><title>Reports</title></head><body><main>
<h1>Reports</h1><p>Our published reports, as PDF documents.</p><ul>
<li><a href="/docs/article.pdf">Article</a></li><li><a href="/docs/get?id=simple">Simple</a></li>
<li><a href="/docs/nolicence.pdf">No licence</a></li><li><a href="/docs/locked.pdf">Locked</a></li>
<li><a href="/docs/broken.pdf">Broken</a></li><li><a href="/docs/noai.pdf">No AI</a></li>
</ul></main></body></html>"""


def _site(root: Path) -> Path:
    docs = root / "docs"
    docs.mkdir(parents=True)
    (root / "index.html").write_text(PAGE, encoding="utf-8")
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    shutil.copy(FIXTURES / "joss-inara-cc-by-4.0.pdf", docs / "article.pdf")
    shutil.copy(FIXTURES / "joss-inara-cc-by-4.0.pdf", docs / "noai.pdf")
    shutil.copy(FIXTURES / "pdfa-simple-2.0-cc-by-sa-4.0.pdf", docs / "simple.bin")
    shutil.copy(FIXTURES / "pdfa-utf8-test-no-licence-statement.pdf", docs / "nolicence.pdf")
    writer = PdfWriter(clone_from=PdfReader(FIXTURES / "joss-inara-cc-by-4.0.pdf"))
    writer.encrypt(user_password="reader", owner_password="owner")  # noqa: S106 - fixture
    buf = io.BytesIO()
    writer.write(buf)
    (docs / "locked.pdf").write_bytes(buf.getvalue())
    (docs / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj garbage")
    routes = {
        "/docs/get": {
            "file": "docs/simple.bin",
            "headers": [["Content-Type", "application/octet-stream"]],
        },
        "/docs/noai.pdf": {"headers": [["X-Robots-Tag", "noai"]]},
    }
    (root / "_routes.json").write_text(json.dumps(routes), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def pdf_crawl(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("pdf-site")
    site = _site(base / "site")
    out = base / "crawl"
    with SiteServer(site) as server:
        crawl(out, server.url + "/", extra=("-s", "CLEARCRAWL_CONTACT=mailto:test@example.org"))
    ds = base / "ds"
    proc = run_cli("export", str(out), "--out", str(ds))
    assert proc.returncode == 0, proc.stderr
    return out, ds


def _by_path(entries: list[dict]) -> dict[str, dict]:
    return {e["url"].split("/", 3)[3]: e for e in entries}


def test_openly_licensed_pdfs_are_exported_with_text_and_content_type(
    pdf_crawl: tuple[Path, Path],
) -> None:
    _, ds = pdf_crawl
    table = pq.read_table(sorted((ds / "data").glob("*.parquet")))
    rows = {r["url"].split("/", 3)[3]: r for r in table.to_pylist()}
    assert set(rows) == {"docs/article.pdf"}
    article = rows["docs/article.pdf"]
    assert article["license"] == "CC-BY-4.0"
    assert article["content_type"] == "application/pdf"
    assert "Open Journals publishing pipeline" in article["text"]
    assert (
        article["title"]
        == "Article Writing with Markdown and the Open Journals publishing pipeline"
    )
    # Served as application/octet-stream: read as a PDF by its magic bytes, licence found; its
    # only text is "Hello World", below the export's minimum.
    simple = _by_path(read_jsonl(ds / "excluded.jsonl.gz"))["docs/get?id=simple"]
    assert simple["license"]["spdx"] == "CC-BY-SA-4.0"
    assert any(r.startswith("too-little-text") for r in simple["decision"]["reasons"])
    manifest = _by_path(read_jsonl(ds / "manifest.jsonl.gz"))
    assert manifest["docs/article.pdf"]["text"]["extractor"].startswith("pypdf ")
    sources = {h["evidence"]["source"] for h in manifest["docs/article.pdf"]["license"]["hits"]}
    assert "pdf:xmp" in sources


def test_other_pdfs_are_excluded_with_the_reason_that_names_why(
    pdf_crawl: tuple[Path, Path],
) -> None:
    out, ds = pdf_crawl
    excluded = _by_path(read_jsonl(ds / "excluded.jsonl.gz"))
    assert "no-license" in excluded["docs/nolicence.pdf"]["decision"]["reasons"]
    assert "pdf-unreadable:encrypted" in excluded["docs/locked.pdf"]["decision"]["reasons"]
    assert "pdf-unreadable:broken" in excluded["docs/broken.pdf"]["decision"]["reasons"]
    assert any(r.startswith("optout:") for r in excluded["docs/noai.pdf"]["decision"]["reasons"])
    crawl_time = {d["url"].split("/", 3)[3]: d for d in read_decisions(out)}
    assert crawl_time["docs/locked.pdf"]["outcome"] != "archived" or (
        "pdf-unreadable:encrypted" in crawl_time["docs/locked.pdf"]["reasons"]
    )


def test_a_pdf_over_the_pdf_cap_is_archived_truncated_and_excluded(
    tmp_path: Path,
) -> None:
    site = _site(tmp_path / "site")
    out = tmp_path / "crawl"
    with SiteServer(site) as server:
        crawl(
            out,
            server.url + "/docs/article.pdf",
            extra=(
                "-s",
                "CLEARCRAWL_CONTACT=mailto:t@example.org",
                "-s",
                "CLEARCRAWL_PDF_MAXSIZE=50000",
            ),
        )
    (rec,) = [d for d in read_decisions(out) if d["url"].endswith("/docs/article.pdf")]
    assert any(r.startswith("too-large") for r in rec["reasons"]), rec


def test_check_reads_a_pdf_file() -> None:
    proc = run_cli("check", str(FIXTURES / "joss-inara-cc-by-4.0.pdf"))
    assert proc.returncode == 0, proc.stderr
    assert "CC-BY-4.0" in proc.stdout
