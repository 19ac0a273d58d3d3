"""Shared fixtures: real HTTP servers on 127.0.0.1 serving the demo and fixture sites, and the
crawls several test modules read (the demo crawl, the ``export-revisit`` crawl)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crawler.demo.server import SiteServer, demo_site_dir
from tests.support.helpers import SITES, crawl, run_cli
from tests.support.helpers import corpus_dir as _corpus_dir

#: Breadth-first, one request at a time: WARC order (hence which record is the stored payload
#: and which are revisits) follows link depth, not scheduling luck.
ORDERED = (
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=1",
    "-s",
    "DEPTH_PRIORITY=1",
    "-s",
    "SCHEDULER_MEMORY_QUEUE=scrapy.squeues.FifoMemoryQueue",
)


@pytest.fixture(scope="session")
def demo_server() -> Iterator[SiteServer]:
    """The bundled demo site (the one ``clearcrawl demo`` crawls), on a free port."""
    with SiteServer(demo_site_dir()) as server:
        yield server


@pytest.fixture
def site_server() -> Iterator[Callable[[str | Path], SiteServer]]:
    """Factory: ``site_server("name")`` serves ``tests/sites/name`` (or any folder) on a free
    port for the duration of the test; every server started is stopped afterwards."""
    started: list[SiteServer] = []

    def start(root: str | Path) -> SiteServer:
        path = Path(root)
        if not path.is_absolute():
            path = SITES / path
        server = SiteServer(path).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def demo_crawl(demo_server: SiteServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real crawl of the demo site per test session (folder: warc/, decisions.jsonl.gz)."""
    out = tmp_path_factory.mktemp("demo-crawl") / "crawl"
    crawl(out, demo_server.url + "/")
    return out


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The shared corpus of real labelled pages (``../shared/corpus`` or ``$CLEARCRAWL_CORPUS``)."""
    path = _corpus_dir()
    if path is None:
        message = (
            "shared corpus not found beside the checkout (../shared/corpus): set "
            "CLEARCRAWL_CORPUS to the folder holding labels.jsonl"
        )
        if os.environ.get("CI"):
            # In CI the corpus is laid beside the clone; a missing one is a broken set-up, and a
            # skipped quality gate would let a detector regression land unmeasured.
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture(autouse=True)
def _own_datasets_cache(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Give each test that loads a dataset its own ``datasets`` cache.

    ``datasets`` keys the cache of a local folder by its name and config, so two exports named
    alike in one session (``tmp_path / "ds"``) could be served one another's cached rows.
    """
    module = sys.modules.get("datasets")
    if module is None:
        return
    cache = request.getfixturevalue("tmp_path") / "hf-datasets-cache"
    monkeypatch.setattr(module.config, "HF_DATASETS_CACHE", cache)


@pytest.fixture(scope="module")
def revisit_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("revisit")
    with SiteServer(SITES / "export-revisit") as server:
        crawl(base / "crawl", server.url + "/", extra=ORDERED)
    proc = run_cli("export", str(base / "crawl"), "--out", str(base / "ds"), "--workers", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return base / "crawl", base / "ds"
