"""Render :class:`export.report.collect.ReportFacts` as one self-contained HTML file (Jinja2).

The template, its stylesheet and its script are package data (``export/report/templates/``),
inlined by ``{% include %}``; autoescaping is on, and the only unescaped values are the SVG
charts (built with :func:`markupsafe.escape`); the per-record data is embedded as Base64
(:func:`data_payload`), which no string in the data can turn into the end of its ``<script>``
element (HTML §4.12.1.3, "Restrictions for contents of script elements").
"""

from __future__ import annotations

import base64
import gzip
import json
from collections import Counter
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from export.report.charts import bar_chart, stacked_time_chart, time_buckets
from export.report.collect import MARKS, MAX_SAID, OUTCOMES, TEMPLATED, ReportFacts, reason_text

#: Origins shown open; the others are in a folded table (not laid out until unfolded, and
#: still found by the browser's find-in-page).
ORIGINS_OPEN = 50
#: Domains listed in the report's summary section (the JSON file lists all).
MAX_DOMAINS = 200

TOTAL_CARDS = (
    ("considered", "URLs considered", "one decision record each"),
    ("refused", "refused before fetching", "robots.txt, opt-outs known in advance"),
    ("not-followed", "not followed", "off-site links, redirect limit, failed fetches"),
    ("fetched", "fetched and archived", "pages + policy files, all in the WARC"),
    ("exported", "exported", "rows of the dataset (manifest.jsonl.gz)"),
    ("excluded", "excluded", "archived pages not exported (excluded.jsonl.gz)"),
)


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("export.report", "templates"),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )


def _sorted(counter: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))


def _charts(facts: ReportFacts) -> list[dict[str, Any]]:
    excluded = _sorted(facts.excluded_reasons)
    licenses = _sorted(facts.licenses)
    not_fetched = _sorted(facts.not_fetched_reasons)
    signals = sorted(
        facts.signals.items(), key=lambda kv: (-kv[1]["reserved"], -kv[1]["not reserved"], kv[0])
    )
    labels, buckets = time_buckets(facts.times, len(OUTCOMES))
    return [
        {
            "id": "exclusions",
            "title": "Exclusions by reason",
            "note": "Archived pages not exported, by reason class (a page can have several).",
            "svg": bar_chart("Exclusions by reason", excluded),
            "header": ["reason", "pages", "meaning"],
            "rows": [(r, n, reason_text(r)) for r, n in excluded],
        },
        {
            "id": "licenses",
            "title": "Exported records by licence",
            "note": "Rows of the dataset by the SPDX id of the licence covering their text.",
            "svg": bar_chart("Exported records by licence", licenses),
            "header": ["licence (SPDX)", "records"],
            "rows": licenses,
        },
        {
            "id": "signals",
            "title": "Opt-out signals seen, by kind",
            "note": "Records whose evidence shows each AI/TDM opt-out channel reserving rights "
            "(the table also counts explicit non-reservations and silence).",
            "svg": bar_chart(
                "Opt-out signals reserving rights",
                [(name, c["reserved"]) for name, c in signals],
            ),
            "header": ["signal", "reserved", "not reserved", "silent"],
            "rows": [(name, c["reserved"], c["not reserved"], c["silent"]) for name, c in signals],
        },
        {
            "id": "not-fetched",
            "title": "URLs not fetched, by reason",
            "note": "Refused before fetching (rights checks) or not followed (scope, limits).",
            "svg": bar_chart("URLs not fetched by reason", not_fetched),
            "header": ["reason", "URLs", "meaning"],
            "rows": [(r, n, reason_text(r)) for r, n in not_fetched],
        },
        {
            "id": "time",
            "title": "Records over crawl time",
            "note": "Records by capture (or decision) time, stacked by outcome (UTC).",
            "svg": stacked_time_chart("Records over crawl time", labels, buckets, OUTCOMES),
            "header": ["from (UTC)", *OUTCOMES],
            "rows": [(label, *column) for label, column in zip(labels, buckets, strict=True)],
        },
    ]


def _origins(facts: ReportFacts) -> list[dict[str, Any]]:
    out = []
    ranked = sorted(facts.origins.values(), key=lambda o: (-sum(o.counts.values()), o.origin))
    for o in ranked:
        origin = o.origin
        files = []
        for f in sorted(o.files.values(), key=lambda f: (f.kind, f.url, f.fetched_at)):
            said = _sorted(f.said)
            files.append(
                {
                    "kind": f.kind,
                    "url": f.url,
                    "status": f.status,
                    "sha256": f.sha256,
                    "fetched_at": f.fetched_at,
                    "said": said[:MAX_SAID],
                    "more": max(0, len(said) - MAX_SAID),
                }
            )
        out.append(
            {
                "origin": origin,
                "counts": [o.counts[i] for i in range(len(OUTCOMES))],
                "licenses": _sorted(o.licenses),
                "files": files,
            }
        )
    return out


def data_json(facts: ReportFacts) -> str:
    """Return the compact JSON the page's script reads."""
    data = {
        "outcomes": list(OUTCOMES),
        "marks": MARKS,
        "templated": TEMPLATED,
        "origins": facts.origin_names.items,
        "licenses": facts.license_names.items,
        "reasons": facts.reason_keys.items,
        "lines": facts.lines.items,
        "records": facts.records,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def data_payload(facts: ReportFacts) -> str:
    """Return :func:`data_json` gzip-compressed (RFC 1952, no time stamp) and Base64-encoded.

    The per-record data is most of the file and compresses about sevenfold; the page
    decompresses it with the browser's own ``DecompressionStream`` (Compression Streams,
    https://compression.spec.whatwg.org/), no library and no request. Base64 has no ``<``, so
    nothing in the data can end its ``<script>`` element.
    """
    packed = gzip.compress(data_json(facts).encode("utf-8"), compresslevel=9, mtime=0)
    return base64.b64encode(packed).decode("ascii")


def render_report(facts: ReportFacts) -> str:
    """Return the report's HTML (deterministic: the same release gives the same bytes)."""
    domains = facts.summary["domains"]["ranking"]
    template = _environment().get_template("report.html.j2")
    return template.render(
        title=facts.title,
        version=facts.version,
        export_version=facts.export_version,
        policy_label=facts.policy_label,
        policy_digest=facts.policy_digest,
        policy_json=facts.policy_json,
        policy_pretty=json.dumps(json.loads(facts.policy_json or "null"), indent=2, sort_keys=True),
        policy_describe=facts.policy_describe,
        totals=facts.totals,
        total_cards=TOTAL_CARDS,
        reconciliation=facts.reconciliation,
        has_crawl_stats=any(w.startswith("crawl-stats") for _, _, w, _ in facts.reconciliation),
        charts=_charts(facts),
        origins=_origins(facts),
        origins_open=ORIGINS_OPEN,
        summary=facts.summary,
        domains_shown=domains[:MAX_DOMAINS],
        domains_cut=len(domains) > MAX_DOMAINS,
        data_payload=data_payload(facts),
    )
