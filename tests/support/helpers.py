"""Helpers shared by the tests: run the real CLI in a subprocess, read outputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
SITES = Path(__file__).resolve().parent.parent / "sites"


def _origin_checkout() -> Path | None:
    """The local repository this checkout was cloned from, if its ``origin`` is a local path
    (``git clone /work/main /tmp/fresh``): the corpus lies beside that one."""
    try:
        url = subprocess.run(
            ["git", "-C", str(ROOT), "config", "--get", "remote.origin.url"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    url = url.removeprefix("file://")
    return Path(url) if url.startswith("/") else None


def corpus_dir() -> Path | None:
    """The labelled corpus: ``$CLEARCRAWL_CORPUS``, else ``../shared/corpus`` beside the
    checkout, else beside the local repository it was cloned from."""
    env = os.environ.get("CLEARCRAWL_CORPUS")
    candidates = [Path(env)] if env else []
    candidates.append(ROOT.parent / "shared" / "corpus")
    origin = _origin_checkout()
    if origin is not None:
        candidates.append(origin.parent / "shared" / "corpus")
    for cand in candidates:
        if (cand / "labels.jsonl").is_file():
            return cand
    return None


def run_cli(
    *args: str, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``clearcrawl ARGS`` in a fresh interpreter (Twisted's reactor cannot restart, so
    every crawl gets its own process), capturing output."""
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=full_env,
        check=False,
    )


def crawl(
    out: Path, *seeds: str, extra: tuple[str, ...] = (), timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Crawl ``seeds`` into ``out`` with the real CLI; fails the test on a non-zero exit."""
    proc = run_cli("crawl", *seeds, "--out", str(out), "--quiet", *extra, timeout=timeout)
    assert proc.returncode == 0, f"crawl failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every record of ``X.jsonl`` or ``X.jsonl.gz`` (the project's own reader, either form)."""
    from export.jsonl import iter_lines

    return [json.loads(line) for line in iter_lines(path) if line.strip()]


def read_decisions(out: Path) -> list[dict[str, Any]]:
    """The decision records of a crawl's ``decisions.jsonl.gz`` (each run's header left out)."""
    from crawler.decisions import RUN_SCHEMA

    return [r for r in read_jsonl(out / "decisions.jsonl.gz") if r.get("schema") != RUN_SCHEMA]


def decisions_by_path(out: Path) -> dict[str, list[dict[str, Any]]]:
    """Decision records of a crawl keyed by URL path (several per path are possible)."""
    from urllib.parse import urlsplit

    result: dict[str, list[dict[str, Any]]] = {}
    for rec in read_decisions(out):
        parts = urlsplit(rec["url"])
        key = parts.path + (f"?{parts.query}" if parts.query else "")
        result.setdefault(key, []).append(rec)
    return result
