"""Split an export's input by WARC file across independent processes (``--shard I/N``).

Shard ``I`` of ``N`` (1-based) takes every ``N``-th file of the sorted input, starting with the
``I``-th: a file is read whole by exactly one shard, and the files of a shard keep the single
export's order, so :mod:`export.merge` can rebuild that order from the shards' manifests.
Policy files of foreign archives are still looked up across *all* inputs
(:func:`export.foreign.build_context`), so every page is decided as in a single export.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from export.errors import SourceError


def parse_shard(text: str) -> tuple[int, int]:
    """Parse ``I/N`` (1 <= I <= N); ``ValueError`` with a one-line message otherwise."""
    left, sep, right = text.partition("/")
    try:
        index, count = int(left), int(right)
    except ValueError:
        raise ValueError(f"--shard {text!r}: expected I/N, e.g. 1/4") from None
    if not sep or count < 1 or not 1 <= index <= count:
        raise ValueError(f"--shard {text!r}: I must be between 1 and N (e.g. 1/4)")
    return index, count


def shard_sources(sources: Sequence[str], index: int, count: int) -> list[str]:
    """Return the files of shard ``index`` of ``count`` (every ``count``-th, in sorted order)."""
    if not 1 <= index <= count:
        raise SourceError(f"shard {index}/{count} does not exist")
    return [p for i, p in enumerate(sources) if i % count == index - 1]


def prescan_other_files(
    others: Sequence[str], store: Any, records: Any, foreign: Any = None
) -> None:
    """Give a shard what a single export would have read in the other shards' files.

    A clearcrawl page's policy files, and the response a revisit repeats, may sit in an
    earlier WARC file (the crawl rotates files); a foreign revisit may name its response only
    by payload digest. Those records of every other input file are indexed (pages are not
    decided), so each page of this shard is decided exactly as in a single export. Damage in
    those files is reported by the shard that owns them.
    """
    from export.warcread import iter_captures

    for path in others:
        try:
            for capture in iter_captures(path, on_damage=lambda _d: None):
                if capture.record_type == "response" and capture.body and not capture.withheld:
                    records.add(
                        capture.record_id, path, capture.offset, capture.stored_payload_digest
                    )
                if foreign is not None and foreign.is_foreign(path):
                    foreign.remember(capture, path)
                elif capture.record_type and capture.kind != "page":
                    store.add(capture)
        except Exception:  # noqa: BLE001, S112 - the owning shard reports this file
            continue
