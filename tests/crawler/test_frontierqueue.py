"""The scheduler's compact memory queue (crawler/frontierqueue.py).

Unit tests: a request comes out with every attribute it went in with, in FIFO order; what
cannot be reproduced exactly is kept as the object itself; a packed request is a fraction of
the object's size. Then a real crawl of the benchmark site with the shipped queue and with
Scrapy's own ``FifoMemoryQueue``, one request at a time: the decisions log and the WARC are
identical apart from timestamps and record ids (issue 17: no decision changes).
"""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import scrapy
from scrapy import FormRequest, Request
from scrapy.utils.request import fingerprint

import crawler.frontierqueue as fq
from crawler.frontierqueue import MAX_CALLABLES, CompactFifoMemoryQueue
from filters.results import FetchPermission
from tests.crawler.test_offload import decisions_view, serve_benchmark_site, warc_view
from tests.support.helpers import run_cli


class _Spider(scrapy.Spider):
    name = "queue-test"

    def parse(self, response: Any) -> None:
        pass

    def errback(self, failure: Any) -> None:
        pass


SPIDER = _Spider()


def _site_request(i: int) -> Request:
    """A request as the site spider, the depth, journal and referer middlewares leave it."""
    req = Request(
        f"http://127.0.0.1:8000/p/{i}?q=ä b#frag",
        callback=SPIDER.parse,
        errback=SPIDER.errback,
        priority=-3,
        meta={"download_slot": "http://127.0.0.1:8000", "depth": 3},
    )
    req.meta["clearcrawl_journaled"] = True
    req.headers["Referer"] = f"http://127.0.0.1:8000/p/{i // 10}"
    return req


def _attributes(req: Request) -> dict[str, Any]:
    out = {name: getattr(req, name) for name in Request.attributes}
    out["headers"] = dict(out["headers"])
    out["type"] = type(req)
    return out


@pytest.mark.parametrize("fast", [True, False], ids=["slots", "constructor"])
def test_request_comes_back_with_every_attribute(
    monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    monkeypatch.setattr(fq, "FAST_REBUILD", fast and fq.FAST_REBUILD)
    queue = CompactFifoMemoryQueue()
    originals = [_site_request(i) for i in range(3)]
    originals.append(Request("https://example.org/", dont_filter=True))  # no meta, no headers
    for req in originals:
        queue.push(req)
    assert all(isinstance(item, bytes) for item in queue._items)  # packed, not kept
    for req in originals:
        out = queue.pop()
        assert out is not None
        assert out is not req
        assert _attributes(out) == _attributes(req)
        assert fingerprint(out) == fingerprint(req)
        out.meta["added"] = 1  # a fresh meta dict, as a new request has
        assert "added" not in req.meta
    assert queue.pop() is None
    assert len(queue) == 0


def test_fifo_order_peek_and_len() -> None:
    queue = CompactFifoMemoryQueue()
    assert queue.peek() is None
    for i in range(5):
        queue.push(_site_request(i))
    assert len(queue) == 5
    head = queue.peek()
    assert head is not None
    assert head.url.startswith("http://127.0.0.1:8000/p/0?")
    assert len(queue) == 5
    urls = [r.url for r in iter(queue.pop, None)]
    assert [u.split("?")[0].rsplit("/", 1)[1] for u in urls] == ["0", "1", "2", "3", "4"]


def test_what_marshal_cannot_reproduce_is_kept_as_the_object() -> None:
    verdict = FetchPermission(allowed=True, reasons=())
    kept = [
        Request("http://a.test/1", meta={"clearcrawl_prefetch": verdict}),  # a redirect's meta
        Request("http://a.test/2", method="POST", body=b"x=1"),
        FormRequest("http://a.test/3", formdata={"x": "1"}),
        Request("http://a.test/4", cookies={"s": "1"}),
        Request("http://a.test/5", flags=["f"]),
        Request("http://a.test/6", cb_kwargs={"k": 1}),
        Request("http://a.test/7", encoding="latin-1"),
        Request("http://a.test/8", meta={"depth": True, "n": 10**30}),
    ]
    queue = CompactFifoMemoryQueue()
    for req in kept:
        queue.push(req)
    out = [queue.pop() for _ in kept]
    assert out[:7] == kept[:7]
    assert all(a is b for a, b in zip(out[:7], kept[:7], strict=True))
    # bool and big int are reproduced exactly by marshal: packed, equal, not the object
    assert out[7] is not kept[7]
    assert out[7].meta == {"depth": True, "n": 10**30}
    assert out[7].meta["depth"] is True


def test_callables_table_is_bounded() -> None:
    queue = CompactFifoMemoryQueue()
    callbacks = [lambda r, i=i: i for i in range(MAX_CALLABLES + 6)]  # a new callable each
    for i, cb in enumerate(callbacks):
        queue.push(Request(f"http://a.test/{i}", callback=cb))
    packed = sum(isinstance(item, bytes) for item in queue._items)
    assert packed == MAX_CALLABLES  # the rest are kept as objects
    assert [r.callback for r in iter(queue.pop, None)] == callbacks


def test_a_waiting_request_costs_a_fraction_of_the_object() -> None:
    def cost(queue: Any) -> float:
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for i in range(2000):
            req = _site_request(i)
            fingerprint(req)  # the dupefilter fingerprints every request it lets through
            queue.push(req)
        used = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        return used / 2000

    from queuelib.queue import FifoMemoryQueue

    plain, compact = cost(FifoMemoryQueue()), cost(CompactFifoMemoryQueue())
    assert compact < 400 < 4 * compact < plain, (compact, plain)


@pytest.mark.slow
def test_crawl_decides_and_archives_as_with_scrapys_queue(tmp_path: Path) -> None:
    one_at_a_time = ("-s", "CONCURRENT_REQUESTS=1", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
    with serve_benchmark_site(300) as seed:
        shipped, scrapys = tmp_path / "shipped", tmp_path / "scrapys"
        for out, extra in (
            (shipped, ()),
            (scrapys, ("-s", "SCHEDULER_MEMORY_QUEUE=scrapy.squeues.FifoMemoryQueue")),
        ):
            proc = run_cli("crawl", seed, "--out", str(out), "--quiet", *one_at_a_time, *extra)
            assert proc.returncode == 0, proc.stderr[-3000:]
    assert decisions_view(shipped) == decisions_view(scrapys)
    assert warc_view(shipped) == warc_view(scrapys)
    stats = json.loads((shipped / "crawl-stats.json").read_text())
    # every page link waited packed; the pages are all there
    assert stats["clearcrawl/frontier/packed"] >= 300, stats
    assert stats.get("clearcrawl/frontier/kept", 0) == 0
    assert "clearcrawl/frontier/packed" not in json.loads(
        (scrapys / "crawl-stats.json").read_text()
    )
