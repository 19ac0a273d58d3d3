"""Write dataset rows as Parquet shards that ``datasets`` and the Hub load with typed features.

Shards are ``data/train-NNNNN-of-NNNNN.parquet`` (the Hub's sharded split pattern), cut at a
fixed row count so that re-running an export gives the same shard boundaries, and written with
the ``datasets`` feature types embedded in the Parquet schema metadata.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from datasets import Features, Value

ROW_FEATURES = Features(
    {
        "id": Value("string"),
        "url": Value("string"),
        "text": Value("large_string"),
        "title": Value("string"),
        "author": Value("string"),
        "site_name": Value("string"),
        "date": Value("string"),
        "language": Value("string"),
        "license": Value("string"),
        "license_url": Value("string"),
        "attribution": Value("string"),
        "crawl_date": Value("timestamp[us, tz=UTC]"),
        "warc_file": Value("string"),
        "warc_record_id": Value("string"),
        "payload_digest": Value("string"),
    }
)


class ShardWriter:
    """Append rows; rotate every ``rows_per_shard`` rows; name shards when closed."""

    def __init__(
        self,
        directory: Path,
        *,
        split: str = "train",
        features: Features = ROW_FEATURES,
        rows_per_shard: int = 50_000,
        batch_rows: int = 1_000,
    ) -> None:
        if rows_per_shard <= 0:
            raise ValueError("rows_per_shard must be positive")
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.split = split
        self.schema = features.arrow_schema
        self.rows_per_shard = rows_per_shard
        self.batch_rows = batch_rows
        self._batch: list[dict[str, Any]] = []
        self._writer: pq.ParquetWriter | None = None
        self._rows_in_shard = 0
        self._tmp_paths: list[Path] = []
        self.rows = 0

    def _open(self) -> None:
        path = self.directory / f".{self.split}-{len(self._tmp_paths):05d}.parquet.tmp"
        self._tmp_paths.append(path)
        self._writer = pq.ParquetWriter(str(path), self.schema, compression="zstd")
        self._rows_in_shard = 0

    def _flush(self) -> None:
        if not self._batch:
            return
        if self._writer is None:
            self._open()
        assert self._writer is not None
        table = pa.Table.from_pylist(self._batch, schema=self.schema)
        self._writer.write_table(table, row_group_size=self.batch_rows)
        self._batch = []

    def write(self, row: dict[str, Any]) -> None:
        if self._writer is not None and self._rows_in_shard >= self.rows_per_shard:
            self._flush()
            self._writer.close()
            self._writer = None
        if self._writer is None and not self._batch:
            self._open()
        self._batch.append(row)
        self._rows_in_shard += 1
        self.rows += 1
        if len(self._batch) >= self.batch_rows or self._rows_in_shard >= self.rows_per_shard:
            self._flush()

    def close(self) -> list[Path]:
        """Finish the last shard and give every shard its final ``-of-N`` name."""
        self._flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if not self._tmp_paths:
            # An empty dataset is still a valid dataset: one shard with zero rows.
            self._open()
            assert self._writer is not None
            self._writer.close()
            self._writer = None
        total = len(self._tmp_paths)
        final: list[Path] = []
        for i, tmp in enumerate(self._tmp_paths):
            dest = self.directory / f"{self.split}-{i:05d}-of-{total:05d}.parquet"
            tmp.replace(dest)
            final.append(dest)
        return final
