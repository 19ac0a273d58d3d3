"""The export's page decisions and extracted texts are pinned on the shared corpus (issue 14).

Speeding up the export (one shared lxml parse, trafilatura on that tree, the parser's element
classes) must not change one byte of a row: ``extraction_pinned.json`` (beside this file) holds,
for every corpus page, the decision (:func:`export.derive.decide_page`, default policy) and
what :func:`export.extract.extract_text` returns for it, plain and ``--markdown`` (text as
sha256, metadata as is). It was written with the export as it was before those changes
(``python -m tests.export.test_extraction_pinned --write``); rewriting it is a deliberate,
reviewed change of the dataset's rows, like a new trafilatura version.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from export.derive import decide_page
from export.extract import extract_text
from filters.html import ParsedPage
from filters.policy import DEFAULT_POLICY

PINNED = Path(__file__).resolve().parent / "extraction_pinned.json"
HTML = [("Content-Type", "text/html; charset=utf-8")]


def _sha(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def _page(path: Path, url: str) -> ParsedPage:
    body = path.read_bytes()
    if path.name.endswith(".gz"):
        body = gzip.decompress(body)
    return ParsedPage(url, HTML, body, 200)


def observe(corpus: Path) -> dict[str, Any]:
    """Decision and extraction of every labelled corpus page, as the export makes them."""
    out: dict[str, Any] = {}
    for line in (corpus / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        label = json.loads(line)
        path = corpus / label["file"]
        decision = decide_page(_page(path, label["url"]), policy=DEFAULT_POLICY, tokens=())
        seen: dict[str, Any] = {
            "include": decision.include,
            "reasons": list(decision.reasons),
        }
        for markdown in (False, True):
            ext = extract_text(_page(path, label["url"]), markdown=markdown)
            key = "markdown" if markdown else "plain"
            seen[key] = (
                None
                if ext is None
                else {
                    "text_sha256": _sha(ext.text),
                    "chars": len(ext.text),
                    "markdown_sha256": _sha(ext.markdown),
                    "title": ext.title,
                    "author": ext.author,
                    "site_name": ext.site_name,
                    "date": ext.date,
                    "language": ext.language,
                    "content_type": ext.content_type,
                }
            )
        out[label["id"]] = seen
    return out


def test_rows_and_decisions_unchanged_on_corpus(corpus_dir: Path) -> None:
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    seen = observe(corpus_dir)
    assert set(seen) == set(pinned["pages"])
    changed = sorted(k for k in pinned["pages"] if seen[k] != pinned["pages"][k])
    assert not changed, f"decision or extracted text changed on {changed}"
    # the pin is not vacuous: most corpus pages have text, and some are admitted
    assert sum(v["plain"] is not None for v in seen.values()) > 60
    assert any(v["include"] for v in seen.values())


if __name__ == "__main__":  # pragma: no cover - regenerates the pin (a reviewed change)
    if "--write" not in sys.argv:
        raise SystemExit("usage: python -m tests.export.test_extraction_pinned --write [CORPUS]")
    args = [a for a in sys.argv[1:] if a != "--write"]
    root = Path(args[0]) if args else Path(__file__).resolve().parents[3] / "shared" / "corpus"
    PINNED.write_text(
        json.dumps({"corpus": str(root.name), "pages": observe(root)}, indent=1, sort_keys=True)
        + "\n",
        encoding="utf-8",
    )
