"""``training-data-summary.json``: the EU template's fields, from the release alone."""

from __future__ import annotations

import json
from pathlib import Path

from export.summary import SummaryBuilder, build_summary
from tests.support.helpers import read_jsonl


def _page(url: str, chars: int, spdx: str = "CC-BY-4.0") -> dict[str, object]:
    return {"url": url, "text": {"chars": chars}, "license": {"spdx": spdx}, "crawl_date": None}


def test_top_ten_percent_of_domains_by_text_size() -> None:
    builder = SummaryBuilder()
    for i in range(25):  # 25 domains: the top 10 % is ceil(2.5) = 3
        for _ in range(i % 3 + 1):
            builder.add("exported", _page(f"https://d{i:02d}.example/p", 100 * i))
    ranking = builder.result({})["domains"]["ranking"]
    assert [d["domain"] for d in ranking[:4]] == [
        "d23.example",  # 2300 characters x 3 pages
        "d20.example",  # 2000 x 3
        "d17.example",  # 1700 x 3
        "d22.example",  # 2200 x 2
    ]
    assert [d["top_10_percent"] for d in ranking].count(True) == 3
    assert all(d["top_10_percent"] for d in ranking[:3])
    assert ranking[0]["text_chars"] == 2300 * 3
    assert ranking[0]["records"] == 3


def test_demo_summary(demo_release: Path) -> None:
    written = json.loads((demo_release / "training-data-summary.json").read_text())
    assert written == build_summary(demo_release)
    manifest = read_jsonl(demo_release / "manifest.jsonl.gz")
    info = json.loads((demo_release / "export-info.json").read_text())
    assert written["records_by_license"] == info["counts"]["licenses"]
    (domain,) = written["domains"]["ranking"]
    assert domain["text_chars"] == sum(e["text"]["chars"] for e in manifest)
    assert domain["top_10_percent"] is True
    assert written["crawler"]["honoured_tokens"] == info["tokens"]
    assert written["crawler"]["product_token"] == info["tokens"][0]
    # every opt-out honoured, by kind: the reserving channel's reason, and robots.txt refusals
    assert written["optouts_honoured"] == {
        "optout:robots-meta": 1,
        "optout:tdmrep-header": 1,
        "robots-disallowed": 1,
    }
    dates = [
        e["crawl_date"]
        for n in ("manifest", "excluded", "not-fetched")
        for e in read_jsonl(demo_release / f"{n}.jsonl.gz")
        if e.get("crawl_date")
    ]
    assert written["crawl_period"] == {"start": min(dates), "end": max(dates)}
