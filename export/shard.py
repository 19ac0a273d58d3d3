"""Split an export's input by WARC file across independent processes (``--shard I/N``).

Shard ``I`` of ``N`` (1-based) takes every ``N``-th file of the sorted input, starting with the
``I``-th: a file is read whole by exactly one shard, and the files of a shard keep the single
export's order, so :mod:`export.merge` can rebuild that order from the shards' manifests.
Policy files of foreign archives are still looked up across *all* inputs
(:func:`export.foreign.build_context`), so every page is decided as in a single export.
"""

from __future__ import annotations

from collections.abc import Sequence

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
