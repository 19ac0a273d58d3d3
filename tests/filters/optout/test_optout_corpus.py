"""The opt-out detector on the shared corpus of real pages (dev set, hand-labelled ``ai_optout``).

The corpus holds HTML only (no headers, robots.txt or tdmrep.json), so this measures the HTML
channels: ``<meta name="robots" content="noai, noimageai">`` and ``<meta name="tdm-reservation">``
against plain ``noindex``/``nofollow``/``max-image-preview`` robots tags that are not opt-outs.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from filters.html import ParsedPage
from filters.optout import detect_optout
from filters.tokens import honored_tokens


def test_optout_matches_labels(corpus_dir: Path) -> None:
    wrong: list[str] = []
    positives = 0
    for line in (corpus_dir / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        label = json.loads(line)
        data = (corpus_dir / label["file"]).read_bytes()
        if label["file"].endswith(".gz"):
            data = gzip.decompress(data)
        page = ParsedPage(label["url"] or "", {"Content-Type": "text/html"}, data)
        finding = detect_optout(page, tokens=honored_tokens())
        positives += bool(label["ai_optout"])
        if finding.reserved is not bool(label["ai_optout"]):
            wrong.append(
                f"{label['id']}: got {finding.reason!r}, label {label['optout_evidence']!r}"
            )
        if finding.reserved:
            assert finding.evidence, label["id"]
    assert positives >= 8
    assert not wrong, "\n".join(wrong)
