"""Read an export folder's files in order, a batch at a time (flat memory, light imports).

Shared by ``explain``, ``verify`` and the publishing checks; only ``pyarrow`` is needed, and
only when Parquet is read, so ``clearcrawl explain`` starts quickly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from export.jsonl import GzipScan, iter_lines


def data_shards(folder: Path) -> list[Path]:
    """Row shards in order (``data/train-NNNNN-of-NNNNN.parquet``)."""
    return sorted((folder / "data").glob("train-*.parquet"))


def manifest_shards(folder: Path) -> list[Path]:
    """Rights-manifest shards in order (``manifest/rights-NNNNN-of-NNNNN.parquet``)."""
    return sorted((folder / "manifest").glob("rights-*.parquet"))


def iter_parquet(paths: list[Path], columns: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """Rows of several Parquet files in order, a batch at a time."""
    import pyarrow.parquet as pq

    for path in paths:
        pf = pq.ParquetFile(str(path))
        for batch in pf.iter_batches(batch_size=1024, columns=columns):
            yield from batch.to_pylist()


def iter_jsonl(path: Path, scan: GzipScan | None = None) -> Iterator[tuple[int, Any]]:
    """``(line number, parsed value)`` of ``X.jsonl`` or ``X.jsonl.gz`` (either name works).

    A line that is not JSON yields a ``ValueError``; ``scan``: see :func:`export.jsonl.iter_lines`.
    """
    for n, line in enumerate(iter_lines(path, scan), 1):
        if not line.strip():
            continue
        try:
            yield n, json.loads(line)
        except ValueError as exc:
            yield n, exc
