"""The shared frontier against a real redis-server: dedupe, leases, re-queue, budget, Bloom."""

from __future__ import annotations

import time
import uuid

import pytest

from crawler.distributed.bloom import BloomSpec
from crawler.distributed.frontier import Frontier, FrontierUnavailable
from crawler.distributed.queue import decode, encode, seed_dict, url_fp
from tests.support.redisserver import RedisServer, free_port


def frontier(server: RedisServer, **kw: object) -> Frontier:
    return Frontier(server.url, f"t-{uuid.uuid4().hex[:8]}", **kw)  # type: ignore[arg-type]


def entry(url: str, score: float = 0.0) -> tuple[bytes, float, bytes]:
    fp = url_fp(url)
    return fp, score, encode(fp, seed_dict(url))


def test_push_dedupes_against_pending_and_done(redis_server: RedisServer) -> None:
    f = frontier(redis_server)
    a = "http://a.example/x"
    assert f.push_many([entry(a), entry(a)]) == [1, 0]
    member = f.pop("w1", 60)
    assert member is not None
    fp, data = decode(member)
    assert fp == url_fp(a)
    assert data["url"] == a
    assert data["callback"] == "parse"
    assert f.push_many([entry(a)]) == [0]  # leased: still pending
    assert f.ack([fp]) == 1
    assert f.push_many([entry(a)]) == [0]  # done
    counts = f.counts()
    assert (counts.queued, counts.in_flight, counts.pending, counts.done) == (0, 0, 0, 1)


def test_expired_lease_goes_back_with_its_priority(redis_server: RedisServer) -> None:
    f = frontier(redis_server)
    f.push_many([entry("http://a.example/deep", 3.0), entry("http://a.example/top", -5.0)])
    first = f.pop("dead-worker", 0.2)
    assert first is not None
    assert decode(first)[1]["url"] == "http://a.example/top"
    assert f.reap() == 0  # not yet expired
    time.sleep(0.35)
    assert f.reap() == 1
    # the re-queued request is again the best one (its score was kept)
    again = f.pop("w2", 60)
    assert again is not None
    assert decode(again)[1]["url"] == "http://a.example/top"
    assert f.counts().stats["frontier/requeued_expired"] == 1


def test_renewed_lease_is_not_requeued_and_release_gives_back(redis_server: RedisServer) -> None:
    f = frontier(redis_server)
    f.push_many([entry("http://a.example/1")])
    member = f.pop("w1", 0.3)
    assert member is not None
    fp = member[:20]
    time.sleep(0.2)
    assert f.renew("w1", [fp], 5) == 1
    assert f.renew("someone-else", [fp], 5) == 0  # only the holder renews
    time.sleep(0.2)
    assert f.reap() == 0
    assert f.release("someone-else", [fp]) == 0
    assert f.release("w1", [fp]) == 1
    assert f.counts().queued == 1


def test_writer_ack_only_takes_its_own_lease(redis_server: RedisServer) -> None:
    """The WARC writer process acks with its worker id: a lease another worker took over after
    expiry is left to that worker."""
    f = frontier(redis_server)
    f.push_many([entry("http://a.example/1")])
    member = f.pop("w1", 60)
    assert member is not None
    fp = member[:20]
    assert f.ack([fp], owner="w2") == 0
    assert f.counts().in_flight == 1
    assert f.ack([fp], owner="w1") == 1
    assert f.ack([fp]) == 0  # the crawl process's ack afterwards finds nothing to do
    counts = f.counts()
    assert (counts.in_flight, counts.pending, counts.done) == (0, 0, 1)
    assert counts.stats["frontier/done"] == 1


def test_acked_while_queued_again_is_not_fetched(redis_server: RedisServer) -> None:
    """A killed worker's lease ran out and its request went back in the queue; then a worker
    restarted on its folder acknowledges the URL from the recovered WARC file: the queued
    request is dropped at pop, not handed out a second time."""
    f = frontier(redis_server)
    f.push_many([entry("http://a.example/archived"), entry("http://a.example/other", 1.0)])
    member = f.pop("dead-worker", 0.2)
    assert member is not None
    assert decode(member)[1]["url"] == "http://a.example/archived"
    time.sleep(0.35)
    assert f.reap() == 1
    assert f.counts().queued == 2
    assert f.ack([url_fp("http://a.example/archived")]) == 1  # from the recovered file
    again = f.pop("w2", 60)
    assert again is not None
    assert decode(again)[1]["url"] == "http://a.example/other"
    assert f.pop("w2", 60) is None
    assert f.counts().stats["frontier/skipped_done"] == 1


def test_budget_caps_accepted_urls_fleet_wide(redis_server: RedisServer) -> None:
    f = frontier(redis_server)
    f.set_meta({"max_pages": "2"})
    codes = f.push_many([entry(f"http://a.example/{i}") for i in range(4)])
    assert codes == [1, 1, 2, 2]
    assert f.counts().accepted == 2


def capped(url: str, origin: str | None = None) -> tuple[bytes, float, bytes, str]:
    fp, score, member = entry(url)
    return fp, score, member, "http://a.example" if origin is None else origin


def test_origin_cap_counts_queued_urls_fleet_wide(redis_server: RedisServer) -> None:
    """Push code 3 = the origin's cap is spent; only URLs actually queued are counted, per
    origin, in one hash under the crawl's hash tag; a URL that does not count (origin '')
    passes; two Frontier clients (two workers) share the count."""
    f = frontier(redis_server)
    a = "http://a.example"
    assert f.push_many([capped(f"{a}/{i}") for i in range(3)]) == [1, 1, 1]  # no cap yet
    f.redis.delete(f.k_origin_pages)
    f.set_meta({"max_pages_per_origin": "2"})
    other = Frontier(redis_server.url, f.crawl_id)  # a second worker of the same crawl
    assert f.push_many([capped(f"{a}/x"), capped(f"{a}/0")]) == [1, 0]  # 0: known, not counted
    assert other.push_many([capped(f"{a}/y"), capped(f"{a}/z"), capped(f"{a}/y")]) == [1, 3, 0]
    assert f.push_many([capped(f"{a}/z")]) == [3]  # refused: not counted, still refused
    assert f.push_many([capped("http://b.example/1", "http://b.example")]) == [1]
    assert f.push_many([capped(f"{a}/redirected", "")]) == [1]  # does not count
    assert f.push_many([entry(f"{a}/sitemap.xml")]) == [1]  # a 3-tuple does not count either
    counts = {k.decode(): int(v) for k, v in f.redis.hgetall(f.k_origin_pages).items()}
    assert counts == {a: 2, "http://b.example": 1}
    assert f.k_origin_pages.startswith(f"clearcrawl:{{{f.crawl_id}}}:")
    assert f.origin_cap() == 2
    # the budget is checked first (a URL over both is over budget), and 3 spends no budget
    f.set_meta({"max_pages": str(f.counts().accepted)})
    assert f.push_many([capped(f"{a}/w"), capped("http://c.example/1", "")]) == [2, 2]


def test_claims_are_won_once_per_kind(redis_server: RedisServer) -> None:
    f = frontier(redis_server)
    other = Frontier(redis_server.url, f.crawl_id)
    assert f.claim("origin-cap", b"k1") is True
    assert other.claim("origin-cap", b"k1") is False
    assert other.claim("offsite", b"k1") is True  # another kind, another set
    assert f.claim_offsite(b"k1") is False
    with pytest.raises(ValueError, match="unknown claim kind"):
        f.claim("nonsense", b"k1")


def test_bloom_done_set(redis_server: RedisServer) -> None:
    spec = BloomSpec.for_capacity(10_000, 0.001)
    assert spec.hashes == 10
    assert spec.keys == 1
    assert spec.expected_error_rate(10_000) == pytest.approx(0.001, rel=0.1)
    f = frontier(redis_server, bloom=spec)
    urls = [f"http://a.example/{i}" for i in range(50)]
    assert f.push_many([entry(u) for u in urls]) == [1] * 50
    fps = []
    while (m := f.pop("w", 60)) is not None:
        fps.append(m[:20])
    assert f.ack(fps) == 50
    assert f.push_many([entry(u) for u in urls]) == [0] * 50  # done, through the filter
    assert f.push_many([entry("http://a.example/new")]) == [1]
    assert f.counts().done == 50
    assert not f.redis.exists(f.k_done)  # no exact set kept


def test_unreachable_redis_is_one_line(tmp_path: object) -> None:
    f = Frontier(f"redis://127.0.0.1:{free_port()}/0", "x", socket_timeout_s=1)
    with pytest.raises(FrontierUnavailable) as err:
        f.push_many([entry("http://a.example/")])
    assert "\n" not in str(err.value)
    assert "unreachable" in str(err.value)
