"""PDF text extraction: pypdf (what clearcrawl ships) against pdfminer.six, on real PDFs.

Usage (from the repository root; a few seconds)::

    .venv/bin/python benchmarks/pdf_extract.py --out benchmarks/results/pdf_extract

For each committed PDF fixture (``tests/fixtures/pdf/PROVENANCE.md``) both libraries extract
the whole text ``--repeat`` times in this process; the script reports the median time per
document, the ratio pdfminer/pypdf, the characters each returned and the share of pdfminer's
words that pypdf also returned (word-set overlap: do they read the same text?). Whether each
library exposes what the licence detector needs (the XMP packet, the information dictionary,
encryption permissions) is stated beside the numbers. Not run by the tests.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import platform
import re
import statistics
import time
from importlib.metadata import version
from pathlib import Path

from pdfminer.high_level import extract_text as pdfminer_text
from pypdf import PdfReader

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "pdf"
_WORD = re.compile(r"\w{3,}")


def _pypdf(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return "\n".join(p.extract_text() or "" for p in reader.pages)


def _pdfminer(body: bytes) -> str:
    return str(pdfminer_text(io.BytesIO(body)))


def _median_seconds(fn: object, body: bytes, repeat: int) -> tuple[float, str]:
    times = []
    text = ""
    for _ in range(repeat):
        t0 = time.perf_counter()
        text = fn(body)  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return statistics.median(times), text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/pdf_extract"))
    args = parser.parse_args()
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    rows = []
    for path in sorted(FIXTURES.glob("*.pdf")):
        body = path.read_bytes()
        t_pypdf, a = _median_seconds(_pypdf, body, args.repeat)
        t_miner, b = _median_seconds(_pdfminer, body, args.repeat)
        wa, wb = set(_WORD.findall(a.lower())), set(_WORD.findall(b.lower()))
        rows.append(
            {
                "file": path.name,
                "bytes": len(body),
                "pages": len(PdfReader(io.BytesIO(body)).pages),
                "pypdf_s": round(t_pypdf, 5),
                "pdfminer_s": round(t_miner, 5),
                "pdfminer_over_pypdf": round(t_miner / t_pypdf, 2) if t_pypdf else None,
                "pypdf_chars": len(a),
                "pdfminer_chars": len(b),
                "word_overlap": round(len(wa & wb) / len(wb), 3) if wb else None,
            }
        )
    total_a = sum(r["pypdf_s"] for r in rows)
    total_b = sum(r["pdfminer_s"] for r in rows)
    result = {
        "machine": platform.platform(),
        "python": platform.python_version(),
        "pypdf": version("pypdf"),
        "pdfminer.six": version("pdfminer.six"),
        "repeat": args.repeat,
        "documents": rows,
        "total_pdfminer_over_pypdf": round(total_b / total_a, 2) if total_a else None,
        "metadata_access": {
            "pypdf": "XMP packet (reader.xmp_metadata), info dictionary, is_encrypted + "
            "user_access_permissions",
            "pdfminer.six": "info dictionary and raw /Metadata stream via PDFDocument; no "
            "permission flags API",
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    lines = [
        "# PDF text extraction: pypdf vs pdfminer.six",
        "",
        (
            f"pypdf {result['pypdf']}, pdfminer.six {result['pdfminer.six']}, median of "
            f"{args.repeat} runs, {result['machine']}."
        ),
        "",
        (
            "| file | pages | pypdf s | pdfminer s | pdfminer/pypdf | chars pypdf | chars pdfminer "
            "| word overlap |"
        ),
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['file']} | {r['pages']} | {r['pypdf_s']} | {r['pdfminer_s']} | "
        f"{r['pdfminer_over_pypdf']} | {r['pypdf_chars']} | {r['pdfminer_chars']} | "
        f"{r['word_overlap']} |"
        for r in rows
    ]
    lines += [
        "",
        f"All documents: pdfminer.six takes {result['total_pdfminer_over_pypdf']}× pypdf's time.",
    ]
    args.out.with_suffix(".md").write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
