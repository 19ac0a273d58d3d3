"""Exact-duplicate detection and the revisit index, on disk so memory stays flat.

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


class RecordIndex:
    """Stored response record id → where it is (WARC path, offset) and its payload digest.

    A ``revisit`` record (WARC 1.1 §6.7.2, identical-payload-digest profile) holds no payload:
    it names the earlier response whose payload it repeats (``WARC-Refers-To``). The export
    resolves it to that record's bytes and decides it like any capture, so this index remembers
    every stored payload's location; on disk for the same reason as :class:`DedupeIndex`.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(str(path), isolation_level=None)
        self._db.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA cache_size = -4096;
            CREATE TABLE stored (
                record_id TEXT PRIMARY KEY, path TEXT NOT NULL, offset INTEGER NOT NULL,
                digest TEXT NOT NULL
            ) WITHOUT ROWID;
            """
        )
        self._db.execute("BEGIN")

    def add(self, record_id: str, path: str, offset: int, digest: str) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO stored VALUES (?, ?, ?, ?)", (record_id, path, offset, digest)
        )

    def find(self, record_id: str) -> tuple[str, int, str] | None:
        row = self._db.execute(
            "SELECT path, offset, digest FROM stored WHERE record_id = ?", (record_id,)
        ).fetchone()
        return (str(row[0]), int(row[1]), str(row[2])) if row else None

    def close(self) -> None:
        with contextlib.suppress(sqlite3.OperationalError):
            self._db.execute("COMMIT")
        self._db.close()
        self.path.unlink(missing_ok=True)
