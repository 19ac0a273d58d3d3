"""The counts of one export (:class:`ExportSummary`), as the card and ``export-info.json`` quote them.

They include the reconciliation with the crawl's decisions log (crawl outcome → export status).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from export.warcread import Damage

#: The crawl outcome of a capture whose decision record could not be read.
NO_DECISION = "(no decision record)"


@dataclass
class ExportSummary:
    """Counts of one export (the card quotes the same numbers)."""

    out: Path
    warc_files: int = 0
    captures: int = 0
    pages: int = 0
    exported: int = 0
    excluded_pages: int = 0
    excluded: Counter[str] = field(default_factory=Counter)
    not_fetched_urls: int = 0
    not_fetched: Counter[str] = field(default_factory=Counter)
    licenses: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    robots_rechecked: int = 0
    policy_files: int = 0
    shards: list[str] = field(default_factory=list)
    manifest_shards: list[str] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    #: crawl outcome (as the decision record says) → export status → count: the card's
    #: reconciliation with the crawl's ``decisions.jsonl``
    outcomes: dict[str, Counter[str]] = field(default_factory=dict)
    #: crawl export candidates that the export excluded, by reason class
    candidates_excluded: Counter[str] = field(default_factory=Counter)
    revisits_resolved: int = 0
    damaged: list[Damage] = field(default_factory=list)
    #: archives written by other tools (issue 14): their provenance and policy-file sources
    foreign: dict[str, Any] = field(default_factory=dict)
    #: files that could not be read at all (named, skipped; the export goes on)
    unreadable: list[dict[str, Any]] = field(default_factory=list)
    #: pages excluded because evidence a decision needs was missing (not decided against)
    unassessed: int = 0

    def count_outcome(self, crawl_outcome: str, status: str) -> None:
        self.outcomes.setdefault(crawl_outcome or NO_DECISION, Counter())[status] += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "warc_files": self.warc_files,
            "captures": self.captures,
            "policy_files": self.policy_files,
            "pages": self.pages,
            "exported": self.exported,
            "excluded_pages": self.excluded_pages,
            "excluded": dict(sorted(self.excluded.items())),
            "duplicates": self.duplicates,
            "robots_rechecked": self.robots_rechecked,
            "not_fetched_urls": self.not_fetched_urls,
            "not_fetched": dict(sorted(self.not_fetched.items())),
            "licenses": dict(sorted(self.licenses.items())),
            "languages": dict(sorted(self.languages.items())),
            "shards": self.shards,
            "manifest_shards": self.manifest_shards,
            "decision_records": sum(sum(c.values()) for c in self.outcomes.values()),
            "by_crawl_outcome": {
                k: dict(sorted(v.items())) for k, v in sorted(self.outcomes.items())
            },
            "candidates_excluded": dict(sorted(self.candidates_excluded.items())),
            "revisits_resolved": self.revisits_resolved,
            "damaged_warc_files": [{"file": d.file, **d.to_json()} for d in self.damaged],
            "unreadable_warc_files": self.unreadable,
            "unassessed_pages": self.unassessed,
            "foreign": self.foreign,
        }
