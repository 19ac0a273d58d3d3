"""Replay crawled pages through pywb on 127.0.0.1, and validate WACZ packages with py-wacz.

pywb 2.10 and wacz 0.6 cannot share clearcrawl's environment: pywb pins ``werkzeug==3.1.7`` and
``pyOpenSSL<26.2`` and installs ``brotlipy``, whose ``brotli`` package shadows Brotli's module
and breaks Scrapy's ``br`` decoding. They live in their own venv, found at
``$CLEARCRAWL_REPLAY_VENV`` or ``.venv-replay`` in the checkout::

    python -m venv .venv-replay && .venv-replay/bin/pip install pywb==2.10.0 wacz==0.6.0

A missing venv fails these tests (it does not skip them): replay is part of the contract.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.demo.server import SiteServer
from tests.support.helpers import ROOT, SITES, crawl

REPLAY_VENV = Path(os.environ.get("CLEARCRAWL_REPLAY_VENV") or ROOT / ".venv-replay")
COLL = "clearcrawl"


def tool(name: str) -> str:
    path = REPLAY_VENV / "bin" / name
    if not path.exists():
        pytest.fail(
            f"{path} is missing: create the replay tools venv with `python -m venv .venv-replay && "
            ".venv-replay/bin/pip install pywb==2.10.0 wacz==0.6.0` (see this module's docstring)"
        )
    return str(path)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def crawl_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    out = tmp_path_factory.mktemp("replay") / "crawl"
    with SiteServer(SITES / "warc-fidelity") as server:
        crawl(out, server.url + "/", extra=("-s", "CLEARCRAWL_WARC_WACZ=true"))
        yield out, server.url
    # the site server is gone: pywb must replay from the archive alone


def _wayback(root: Path) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [tool("wayback"), "-b", "127.0.0.1", "-p", str(port)],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=2).close()
                break
            except (urllib.error.URLError, OSError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.communicate(timeout=5)[0] if proc.poll() is not None else ""
                    raise AssertionError(f"pywb did not start: {out}") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, dict(resp.headers.items()), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers.items()), exc.read()


def _text(headers: dict[str, str], body: bytes) -> str:
    if headers.get("Content-Encoding", "").lower() == "gzip":
        body = gzip.decompress(body)
    return body.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def pywb_indexed_by_hand(
    crawl_dir: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A collection built the way a reviewer would: ``wb-manager init`` + ``wb-manager add``."""
    out, _ = crawl_dir
    root = tmp_path_factory.mktemp("pywb-manual")
    subprocess.run([tool("wb-manager"), "init", COLL], cwd=root, check=True, capture_output=True)
    warcs = [str(p) for p in sorted((out / "warc").glob("*.warc.gz"))]
    subprocess.run(
        [tool("wb-manager"), "add", COLL, *warcs], cwd=root, check=True, capture_output=True
    )
    yield from _wayback(root)


@pytest.fixture(scope="module")
def pywb_with_our_cdxj(
    crawl_dir: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A collection that uses the CDXJ index clearcrawl wrote, not pywb's own."""
    out, _ = crawl_dir
    root = tmp_path_factory.mktemp("pywb-ours")
    subprocess.run([tool("wb-manager"), "init", COLL], cwd=root, check=True, capture_output=True)
    coll = root / "collections" / COLL
    for warc in sorted((out / "warc").glob("*.warc.gz")):
        shutil.copy(warc, coll / "archive" / warc.name)
        shutil.copy(warc.with_name(warc.name.removesuffix(".warc.gz") + ".cdxj"), coll / "indexes")
    yield from _wayback(root)


@pytest.mark.parametrize("fixture", ["pywb_indexed_by_hand", "pywb_with_our_cdxj"])
def test_pywb_replays_pages_with_their_text(
    fixture: str, crawl_dir: tuple[Path, str], request: pytest.FixtureRequest
) -> None:
    base = request.getfixturevalue(fixture)
    _, site = crawl_dir
    cases = {
        "/gzip.html": "GZIP-MARKER",  # stored gzip-encoded, as served
        "/chunked.html": "CHUNKED-MARKER",  # stored de-chunked
        "/q.html?a=1&b=2": "QUERY-MARKER",
        "/dup-a.html": "DUP-MARKER",
        "/dup-b.html": "DUP-MARKER",  # a revisit record, resolved to the original payload
        "/": "Fidelity fixture",  # the metadata record of / must not be what is replayed
    }
    for path, marker in cases.items():
        for mode in ("id_", "mp_"):  # raw replay and pywb's rewritten replay (no frame)
            status, headers, body = _get(f"{base}/{COLL}/2030{mode}/{site}{path}")
            assert status == 200, (path, mode, status, body[:300])
            text = _text(headers, body)
            assert marker in text, (path, mode, text[:500])
            assert not text.lstrip().startswith("{"), "a decision JSON was replayed as the page"


def test_reserved_page_replays_without_its_body(
    pywb_indexed_by_hand: str, crawl_dir: tuple[Path, str]
) -> None:
    _, site = crawl_dir
    status, headers, body = _get(f"{pywb_indexed_by_hand}/{COLL}/2030id_/{site}/noai.html")
    assert status == 200
    assert "NOAI-MARKER" not in _text(headers, body)


def test_py_wacz_validates_our_packages(crawl_dir: tuple[Path, str]) -> None:
    out, _ = crawl_dir
    packages = sorted((out / "warc").glob("*.wacz"))
    assert packages
    for wacz in packages:
        proc = subprocess.run(
            [tool("wacz"), "validate", "-f", str(wacz)], capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "valid" in proc.stdout.lower()
        assert "invalid" not in proc.stdout.lower()


def test_pages_jsonl_lists_the_html_pages(crawl_dir: tuple[Path, str]) -> None:
    import zipfile

    out, site = crawl_dir
    (wacz,) = sorted((out / "warc").glob("*.wacz"))
    with zipfile.ZipFile(wacz) as zf:
        pages = [json.loads(x) for x in zf.read("pages/pages.jsonl").decode().splitlines()[1:]]
    urls = {p["url"] for p in pages}
    assert f"{site}/gzip.html" in urls
    assert f"{site}/robots.txt" not in urls
