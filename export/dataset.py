"""Write rows as Parquet shards that ``datasets`` and the Hub load with typed features.

Shards are ``data/train-NNNNN-of-NNNNN.parquet`` (the Hub's sharded split pattern,
https://huggingface.co/docs/hub/datasets-file-names-and-splits) and ``manifest/rights-NNNNN-of-NNNNN.parquet`` for
the rights manifest. A shard is closed when it reaches ``max_rows`` rows **or** ``max_bytes``
bytes of row content (UTF-8 length of every value, counted before compression). Both limits
depend only on the rows, never on timing or compression, so re-running an export cuts the
same shards; the ``datasets`` feature types travel in the Parquet schema metadata, and the
writer settings (zstd, content-defined chunking, page index) match what ``datasets`` 5 writes
so the Hub's storage can deduplicate re-uploads.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from datasets import Features, Value

from export.manifest import ManifestEntry

ROW_COLUMNS: dict[str, str] = {
    "id": "string",
    "url": "string",
    "text": "large_string",
    "title": "string",
    "author": "string",
    "site_name": "string",
    "date": "string",
    "language": "string",
    "content_type": "string",
    "license": "string",
    "license_url": "string",
    "attribution": "string",
    "crawl_date": "timestamp[us, tz=UTC]",
    "warc_file": "string",
    "warc_record_id": "string",
    "payload_digest": "string",
}

ROW_FEATURES = Features({name: Value(dtype) for name, dtype in ROW_COLUMNS.items()})

#: The same CDC parameters ``datasets`` 5 uses (``datasets.config.DEFAULT_CDC_OPTIONS``).
CDC_OPTIONS = {"min_chunk_size": 256 * 1024, "max_chunk_size": 1024 * 1024, "norm_level": 0}

DEFAULT_SHARD_ROWS = 100_000
DEFAULT_SHARD_BYTES = 256 * 1024 * 1024


def row_features(*, markdown: bool = False) -> Features:
    """Row features; ``markdown`` adds a ``markdown`` column after ``text``'s metadata."""
    if not markdown:
        return ROW_FEATURES
    cols = dict(ROW_FEATURES)
    cols["markdown"] = Value("large_string")
    return Features(cols)


def _is_scalar(tp: Any) -> bool:
    args = typing.get_args(tp)
    if typing.get_origin(tp) is typing.Annotated:
        return _is_scalar(args[0])
    if typing.get_origin(tp) is typing.Literal:
        return True
    if args and typing.get_origin(tp) is not list:
        return all(_is_scalar(a) for a in args)
    return tp in (str, int, bool, type(None))


def _manifest_columns() -> tuple[list[str], set[str]]:
    hints = typing.get_type_hints(ManifestEntry, include_extras=True)
    names = [f.name for f in dataclasses.fields(ManifestEntry)]
    nested = {n for n in names if not _is_scalar(hints[n])}
    return names, nested


MANIFEST_COLUMNS, MANIFEST_JSON_COLUMNS = _manifest_columns()

#: The manifest as Parquet: top-level scalars as strings, nested sections as canonical JSON
#: strings (``json.loads`` gives back exactly the ``manifest.jsonl.gz`` object).
MANIFEST_FEATURES = Features(
    {n: Value("large_string" if n in MANIFEST_JSON_COLUMNS else "string") for n in MANIFEST_COLUMNS}
)


def manifest_row(entry: dict[str, Any]) -> dict[str, Any]:
    """Flatten a manifest entry for Parquet (nested sections as canonical JSON)."""
    return {
        n: json.dumps(entry[n], ensure_ascii=False, sort_keys=True)
        if n in MANIFEST_JSON_COLUMNS
        else entry[n]
        for n in MANIFEST_COLUMNS
    }


def manifest_columns(entry: dict[str, Any]) -> list[str | None]:
    """Return the Parquet row of an entry as a list in :data:`MANIFEST_COLUMNS` order."""
    row = manifest_row(entry)
    return [row[n] for n in MANIFEST_COLUMNS]


def entry_from_manifest_row(row: dict[str, Any]) -> dict[str, Any]:
    """Inverse of :func:`manifest_row`."""
    return {n: json.loads(row[n]) if n in MANIFEST_JSON_COLUMNS else row[n] for n in row}


def _value_bytes(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    return 8


class ShardWriter:
    """Append rows; rotate at ``max_rows`` rows or ``max_bytes`` bytes; name shards when closed.

    Row groups hold at most ``batch_rows`` rows or ``batch_bytes`` bytes, so a reader (the Hub
    viewer, ``streaming=True``) never has to load a whole shard.
    """

    def __init__(
        self,
        directory: Path,
        *,
        prefix: str = "train",
        features: Features = ROW_FEATURES,
        max_rows: int = DEFAULT_SHARD_ROWS,
        max_bytes: int = DEFAULT_SHARD_BYTES,
        batch_rows: int = 1_000,
        batch_bytes: int = 32 * 1024 * 1024,
    ) -> None:
        if max_rows <= 0 or max_bytes <= 0:
            raise ValueError("shard limits must be positive")
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.schema = features.arrow_schema
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.batch_rows = max(1, min(batch_rows, max_rows))
        self.batch_bytes = batch_bytes
        self._batch: list[dict[str, Any]] = []
        self._batch_size = 0
        self._writer: pq.ParquetWriter | None = None
        self._rows_in_shard = 0
        self._bytes_in_shard = 0
        self._tmp_paths: list[Path] = []
        self.rows = 0
        self.paths: list[Path] = []
        self.nbytes = 0  # Arrow bytes of every row written (the card's ``num_bytes``)
        self.features = features

    def _open(self) -> pq.ParquetWriter:
        path = self.directory / f".{self.prefix}-{len(self._tmp_paths):05d}.parquet.tmp"
        self._tmp_paths.append(path)
        try:
            writer = pq.ParquetWriter(
                str(path),
                self.schema,
                compression="zstd",
                use_content_defined_chunking=CDC_OPTIONS,
                write_page_index=True,
            )
        except TypeError:  # pyarrow < 21 has no content-defined chunking
            writer = pq.ParquetWriter(str(path), self.schema, compression="zstd")
        self._writer = writer
        self._rows_in_shard = 0
        self._bytes_in_shard = 0
        return writer

    def _flush(self) -> None:
        if not self._batch:
            return
        writer = self._writer if self._writer is not None else self._open()
        table = pa.Table.from_pylist(self._batch, schema=self.schema)
        self.nbytes += table.nbytes
        writer.write_table(table, row_group_size=len(self._batch))
        self._batch = []
        self._batch_size = 0

    def _close_shard(self) -> None:
        self._flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def write(self, row: dict[str, Any]) -> None:
        size = sum(_value_bytes(v) for v in row.values())
        full = self._rows_in_shard >= self.max_rows or (
            self._rows_in_shard > 0 and self._bytes_in_shard + size > self.max_bytes
        )
        if full:
            self._close_shard()
        if self._writer is None:
            self._open()
        self._batch.append(row)
        self._batch_size += size
        self._rows_in_shard += 1
        self._bytes_in_shard += size
        self.rows += 1
        if len(self._batch) >= self.batch_rows or self._batch_size >= self.batch_bytes:
            self._flush()

    def close(self) -> list[Path]:
        """Finish the last shard and give every shard its final ``-of-N`` name."""
        self._close_shard()
        if not self._tmp_paths:
            # An empty dataset is still a valid dataset: one shard with zero rows.
            self._open()
            self._close_shard()
        total = len(self._tmp_paths)
        final: list[Path] = []
        for i, tmp in enumerate(self._tmp_paths):
            dest = self.directory / f"{self.prefix}-{i:05d}-of-{total:05d}.parquet"
            tmp.replace(dest)
            final.append(dest)
        self.paths = final
        return final

    def dataset_info(self, config_name: str, split: str = "train") -> dict[str, Any]:
        """Describe what was written for the card's ``dataset_info`` (after :meth:`close`).

        ``datasets`` hashes this block into its cache key for a local folder; without it, two
        exports with the same folder name and ``configs`` share one cache entry and
        ``load_dataset`` can return the older one's rows.
        """
        size = sum(p.stat().st_size for p in self.paths)
        return {
            "config_name": config_name,
            "features": self.features._to_yaml_list(),
            "splits": [{"name": split, "num_bytes": self.nbytes, "num_examples": self.rows}],
            "download_size": size,
            "dataset_size": self.nbytes,
        }
