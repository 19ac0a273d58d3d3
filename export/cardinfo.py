"""What the dataset card states (:class:`CardInfo`), filled by the export with what it counted.

Shared by the card's front matter (:mod:`export.cardmeta`), its sections
(:mod:`export.cardsections`) and the card itself (:mod:`export.card`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from filters.grants import GrantSet
from filters.policy import Policy


@dataclass
class CardInfo:
    """Everything the card states; the export fills it with the numbers it counted."""

    pretty_name: str
    rows: int
    policy: Policy
    tokens: tuple[str, ...]
    license_counts: Counter[str] = field(default_factory=Counter)
    license_urls: dict[str, str] = field(default_factory=dict)
    languages: Counter[str] = field(default_factory=Counter)
    excluded: Counter[str] = field(default_factory=Counter)
    excluded_pages: int = 0
    not_fetched: Counter[str] = field(default_factory=Counter)
    not_fetched_urls: int = 0
    duplicates: int = 0
    robots_rechecked: int = 0
    sources: list[dict[str, Any]] = field(default_factory=list)
    #: crawl outcome → export status → count (see :func:`counts_section`)
    outcomes: dict[str, dict[str, int]] = field(default_factory=dict)
    candidates_excluded: Counter[str] = field(default_factory=Counter)
    shards: list[str] = field(default_factory=list)
    manifest_shards: list[str] = field(default_factory=list)
    markdown: bool = False
    extractor: str = ""
    dataset_info: list[dict[str, Any]] = field(default_factory=list)
    #: archives written by other tools (``export.foreign.ForeignContext.summary``); empty: none
    foreign: dict[str, Any] = field(default_factory=dict)
    #: the agreements of ``--grants`` (None: none were used)
    grants: GrantSet | None = None
