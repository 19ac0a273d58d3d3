"""Fetch the evaluation set's pages into a local cache, byte for byte, and check their digests.

Run::

    .venv/bin/python benchmarks/evalset/fetch_pages.py                     # from GitHub, pinned commits
    .venv/bin/python benchmarks/evalset/fetch_pages.py --mirror DIR        # from local git clones

The pages are third-party web pages taken from the test fixtures of public repositories. Their
publishers did not license most of them for redistribution (a repository's own licence covers
its code, not the news article or journal page it keeps as a fixture), so this project stores
only a pointer to each page (repository, path, commit) and its sha256 in ``labels.jsonl``; this
script brings the bytes into ``benchmarks/evalset/cache/pages/`` (ignored by git), exactly as
stored at the pinned commit (a gzipped fixture is decompressed; the digest is of the page
itself). A page whose bytes do not match its digest is not written: the labels were made by
reading those exact bytes, so different bytes would be scored against the wrong labels.

``--mirror DIR`` reads the commits from local git repositories instead of the network: for
``owner/name`` it looks for ``DIR/owner+name/repo``, ``DIR/owner+name``, ``DIR/owner/name`` and
``DIR/owner/name.git`` (bare or not).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
LABELS = HERE / "labels.jsonl"
RAW_URL = "https://raw.githubusercontent.com/{repo}/{commit}/{path}"


def default_cache() -> Path:
    """``$CLEARCRAWL_EVALSET_CACHE`` or ``benchmarks/evalset/cache``."""
    env = os.environ.get("CLEARCRAWL_EVALSET_CACHE")
    return Path(env) if env else HERE / "cache"


def load_labels(labels: Path = LABELS) -> list[dict[str, Any]]:
    return [
        json.loads(line) for line in labels.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def _git_dir(mirror: Path, repo: str) -> Path | None:
    owner, name = repo.split("/", 1)
    for cand in (
        mirror / f"{owner}+{name}" / "repo",
        mirror / f"{owner}+{name}",
        mirror / owner / name,
        mirror / owner / f"{name}.git",
    ):
        if cand.is_dir():
            return cand
    return None


def _from_mirror(mirrors: list[Path], label: dict[str, Any]) -> bytes | None:
    for mirror in mirrors:
        git_dir = _git_dir(mirror, label["source_repo"])
        if git_dir is None:
            continue
        proc = subprocess.run(
            ["git", "-C", str(git_dir), "show", f"{label['source_commit']}:{label['source_path']}"],
            capture_output=True,
            check=False,
        )
        if proc.returncode == 0:
            return proc.stdout
    return None


def _from_github(label: dict[str, Any], timeout_s: float) -> bytes:
    url = RAW_URL.format(
        repo=label["source_repo"],
        commit=label["source_commit"],
        path=urllib.parse.quote(label["source_path"]),
    )
    with urllib.request.urlopen(url, timeout=timeout_s) as resp:  # noqa: S310 (fixed https host)
        data: bytes = resp.read()
    return data


def page_bytes(raw: bytes, source_path: str) -> bytes:
    """The page as labelled: gzipped fixtures are decompressed."""
    return gzip.decompress(raw) if source_path.endswith(".gz") else raw


def fetch(
    labels: list[dict[str, Any]], cache: Path, mirrors: list[Path], *, timeout_s: float = 30.0
) -> list[str]:
    """Write every page missing from ``cache``; return one line per page that failed."""
    out_dir = cache / "pages"
    out_dir.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    for label in labels:
        target = cache / label["file"]
        if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == label["sha256"]:
            continue
        try:
            raw = _from_mirror(mirrors, label) if mirrors else None
            if raw is None:
                raw = _from_github(label, timeout_s)
            data = page_bytes(raw, label["source_path"])
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            failures.append(f"{label['id']}: {exc}")
            continue
        digest = hashlib.sha256(data).hexdigest()
        if digest != label["sha256"]:
            failures.append(f"{label['id']}: sha256 {digest} != {label['sha256']}")
            continue
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--cache", type=Path, default=None, help="cache folder (default: %(default)s)"
    )
    parser.add_argument(
        "--mirror", type=Path, action="append", default=[], help="folder of local git clones"
    )
    args = parser.parse_args(argv)
    cache = args.cache or default_cache()
    labels = load_labels()
    failures = fetch(labels, cache, args.mirror)
    for line in failures:
        print(line, file=sys.stderr)
    print(f"{len(labels) - len(failures)}/{len(labels)} pages in {cache / 'pages'}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
