"""The sha256 of every file of a release, as recorded at export and checked by ``verify``.

The export lists them in ``export-info.json`` (``files``) and the card's last section
(:mod:`export.release`); ``clearcrawl verify`` re-hashes them (:func:`verify_files`) and names
every file that changed, is missing, or was added.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

INFO_FILE = "export-info.json"
#: The release's files whose sha256 the export records (``export-info.json`` ``files`` and the
#: card): data shards, manifest files, report and the other reviewer files. The card and
#: ``export-info.json`` hold the list, so they cannot be on it.
CHECKSUMMED = (
    "data/*.parquet",
    "manifest/*.parquet",
    "manifest.jsonl.gz",
    "manifest.jsonl",
    "manifest.schema.json",
    "excluded.jsonl.gz",
    "excluded.jsonl",
    "not-fetched.jsonl.gz",
    "not-fetched.jsonl",
    "LICENSES.md",
    "ATTRIBUTION.md",
    "report.html",
    "croissant.json",
    "training-data-summary.json",
)


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _listed_paths(folder: Path) -> list[str]:
    found: set[str] = set()
    for pattern in CHECKSUMMED:
        found.update(p.relative_to(folder).as_posix() for p in folder.glob(pattern) if p.is_file())
    return sorted(found)


def list_checksums(folder: Path) -> dict[str, str]:
    """``{relative path: hex sha256}`` of every file of :data:`CHECKSUMMED` in ``folder``."""
    return {name: file_sha256(folder / name) for name in _listed_paths(folder)}


def verify_files(folder: Path) -> tuple[int, list[tuple[str, str]]]:
    """Check the files against the sha256 list of ``export-info.json``; ``(checked, problems)``.

    A file whose bytes changed, a listed file that is missing, and a data or manifest file that
    is not listed (an added shard would be loaded with the rest) are each a problem naming the
    file. An export written before the list existed has nothing to check (``(0, [])``).
    """
    try:
        info = json.loads((folder / INFO_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0, []
    listed = info.get("files") if isinstance(info, dict) else None
    if not isinstance(listed, dict):
        return 0, []
    problems: list[tuple[str, str]] = []
    for name, digest in sorted(listed.items()):
        path = folder / name
        if not path.is_file():
            problems.append((name, "missing (listed in export-info.json)"))
        elif file_sha256(path) != digest:
            problems.append((name, f"its sha256 is not the recorded {digest[:16]}…"))
    problems.extend(
        (name, "not listed in export-info.json (added after the export)")
        for name in _listed_paths(folder)
        if name not in listed
    )
    return len(listed), problems
