"""``training-data-summary.json``: what a dataset can supply to the EU training-data summary.

Providers of general-purpose AI models publish a *public summary of the content used for
training* in the AI Office's template (AI Act, Regulation (EU) 2024/1689, Art. 53(1)(d);
"Explanatory Notice and Template for the Public Summary of Training Content for general-purpose
AI models", European Commission, 24 July 2025). Its section 2.3, "Data crawled and scraped from
online sources", asks for the crawlers used (name, purpose, behaviour towards robots.txt and
other opt-outs), the period of collection, the type of content, and "a summary list of the
most relevant domain names ... the top 10% of all domain names determined by the size of
content scraped"; section 3.1 asks which measures honoured text-and-data-mining opt-outs
(Directive (EU) 2019/790, Art. 4(3)).

This module fills those fields from the release alone (the manifest, the exclusions and
``export-info.json``): the crawl period (first and last capture), the crawler identity (the
product token it sent, and every token it honoured), the protocols honoured, the domains ranked
by exported text size (characters of extracted text) with the top 10 % marked, the records per
licence, and the opt-outs honoured, counted by kind (every reason that kept a page or URL out
because its publisher reserved rights). The file is meant to be merged into a provider's
summary; nothing in it depends on when it was written.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from export.folder import iter_jsonl
from export.jsonl import jsonl_path
from export.version import __version__
from filters.reasons import Reason, reason_class

SCHEMA = "clearcrawl.training-data-summary/1"
SUMMARY_FILE = "training-data-summary.json"
TEMPLATE = (
    "European Commission, Template for the Public Summary of Training Content for "
    "general-purpose AI models (24 July 2025), sections 2.3 and 3.1; AI Act Art. 53(1)(d)"
)

#: Reason classes that mean "the publisher reserved rights, and the reservation was honoured".
OPTOUT_CLASSES = frozenset(
    {
        Reason.OPTOUT,
        Reason.CRAWL_TIME_OPTOUT,
        Reason.ROBOTS_DISALLOWED,
        Reason.ROBOTS_RECHECK_DISALLOWED,
        Reason.ROBOTS_UNREACHABLE,
        Reason.ROBOTS_REFUSED,
        Reason.POLICY_FILE_REFUSED_BY_ROBOTS,
    }
)

#: The protocols every clearcrawl crawl honours (README "The default rights policy").
PROTOCOLS = (
    (
        "robots.txt (RFC 9309), for every honoured product token; unreachable (5xx, timeout) "
        "means disallow"
    ),
    "TDMRep (W3C CG report): /.well-known/tdmrep.json, tdm-reservation header and meta",
    "X-Robots-Tag and robots meta noai / noimageai (also bot-scoped)",
    "Spawning ai.txt",
    "robots.txt Content-Signal ai-train=no (contentsignals.org) and DisallowAITraining",
    "IETF aipref Content-Usage train-ai=n (header and robots.txt)",
    "paywalls (schema.org isAccessibleForFree, HTTP 401/402): walled text is not taken",
)

TOP_SHARE = 0.10


def domain_of(url: str) -> str:
    """Return the host name of ``url`` (lowercase, no port): the template counts domain names."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


@dataclass
class SummaryBuilder:
    """Accumulate the summary over the release's entries, one at a time (one pass, flat memory)."""

    text_chars: Counter[str] = field(default_factory=Counter)
    records: Counter[str] = field(default_factory=Counter)
    licenses: Counter[str] = field(default_factory=Counter)
    optouts: Counter[str] = field(default_factory=Counter)
    first: str | None = None
    last: str | None = None

    def add(self, status: str, entry: dict[str, Any]) -> None:
        """Count one entry of ``manifest`` (``exported``), ``excluded`` or ``not-fetched``."""
        when = entry.get("crawl_date") or (entry.get("fetch") or {}).get("fetched_at")
        if isinstance(when, str) and when:
            self.first = when if self.first is None else min(self.first, when)
            self.last = when if self.last is None else max(self.last, when)
        if status == "exported":
            domain = domain_of(str(entry.get("url") or ""))
            self.records[domain] += 1
            self.text_chars[domain] += int((entry.get("text") or {}).get("chars") or 0)
            self.licenses[str((entry.get("license") or {}).get("spdx") or "")] += 1
            return
        for reason in (entry.get("decision") or {}).get("reasons") or []:
            if reason_class(str(reason)) in OPTOUT_CLASSES:
                self.optouts[str(reason)] += 1

    def result(self, info: dict[str, Any]) -> dict[str, Any]:
        """Return the summary as written to :data:`SUMMARY_FILE` (``info``: ``export-info.json``)."""
        ranked = sorted(self.text_chars, key=lambda d: (-self.text_chars[d], d))
        top = math.ceil(len(ranked) * TOP_SHARE)
        tokens = [str(t) for t in info.get("tokens") or []]
        policy = info.get("policy") or {}
        return {
            "schema": SCHEMA,
            "template": TEMPLATE,
            "clearcrawl_version": info.get("clearcrawl_version") or __version__,
            "dataset": info.get("pretty_name") or "",
            "crawl_period": {"start": self.first, "end": self.last},
            "crawler": {
                "name": "clearcrawl",
                "product_token": tokens[0] if tokens else None,
                "honoured_tokens": tokens,
                "purpose": "collect web text for AI training where the rights are cleared",
            },
            "protocols_honoured": list(PROTOCOLS),
            "rights_policy": {"label": policy.get("label"), "digest": policy.get("digest")},
            "content_type": "text: the main text of HTML pages, extracted with "
            + str(info.get("extractor") or "trafilatura"),
            "domains": {
                "ranked_by": "characters of exported text",
                "count": len(ranked),
                "top_10_percent_count": top,
                "ranking": [
                    {
                        "rank": i + 1,
                        "domain": d,
                        "text_chars": self.text_chars[d],
                        "records": self.records[d],
                        "top_10_percent": i < top,
                    }
                    for i, d in enumerate(ranked)
                ],
            },
            "records_by_license": dict(sorted(self.licenses.items())),
            "optouts_honoured": dict(sorted(self.optouts.items())),
        }


#: (file, status) of the entries a summary reads.
ENTRY_FILES = (
    ("manifest.jsonl.gz", "exported"),
    ("excluded.jsonl.gz", "excluded"),
    ("not-fetched.jsonl.gz", "not-fetched"),
)


def read_info(folder: Path) -> dict[str, Any]:
    """``export-info.json`` of ``folder`` ({} when missing or unreadable)."""
    try:
        info = json.loads((folder / "export-info.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def build_summary(folder: Path) -> dict[str, Any]:
    """Read the release in ``folder`` once and return its training-data summary."""
    builder = SummaryBuilder()
    for name, status in ENTRY_FILES:
        path = jsonl_path(folder / name)
        if path.exists():
            for _, entry in iter_jsonl(path):
                if isinstance(entry, dict):
                    builder.add(status, entry)
    return builder.result(read_info(folder))


def summary_text(summary: dict[str, Any]) -> str:
    """Return the file's bytes: sorted keys, two-space indent (deterministic)."""
    return json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
