"""Exact-duplicate detection over the whole export, on disk so memory stays flat.

The first row with a given normalised-text hash (:func:`export.extract.text_hash`) is kept;
later ones are excluded with ``duplicate-text:<kept id>`` and listed in the kept row's manifest
entry. "First" is WARC order, so the choice is deterministic. The index lives in a temporary
SQLite file: a million rows cost a few tens of MB of disk and a bounded page cache, not a
Python dict that grows with the crawl.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path
from typing import Any


class DedupeIndex:
    """text hash → kept row id, and kept row id → the duplicates dropped for it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(str(path), isolation_level=None)
        self._db.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA cache_size = -8192;
            CREATE TABLE kept (hash TEXT PRIMARY KEY, id TEXT NOT NULL) WITHOUT ROWID;
            CREATE TABLE dup (seq INTEGER PRIMARY KEY, kept_id TEXT NOT NULL, item TEXT NOT NULL);
            CREATE INDEX dup_kept ON dup (kept_id, seq);
            """
        )
        self._db.execute("BEGIN")
        self.duplicates = 0

    def kept_id(self, text_hash: str) -> str | None:
        row = self._db.execute("SELECT id FROM kept WHERE hash = ?", (text_hash,)).fetchone()
        return row[0] if row else None

    def keep(self, text_hash: str, row_id: str) -> None:
        self._db.execute("INSERT INTO kept (hash, id) VALUES (?, ?)", (text_hash, row_id))

    def add_duplicate(self, kept_id: str, item: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT INTO dup (kept_id, item) VALUES (?, ?)",
            (kept_id, json.dumps(item, sort_keys=True)),
        )
        self.duplicates += 1

    def duplicates_of(self, kept_id: str) -> list[dict[str, Any]]:
        if not self.duplicates:
            return []
        rows = self._db.execute(
            "SELECT item FROM dup WHERE kept_id = ? ORDER BY seq", (kept_id,)
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def close(self) -> None:
        with contextlib.suppress(sqlite3.OperationalError):
            self._db.execute("COMMIT")
        self._db.close()
        self.path.unlink(missing_ok=True)
