"""The shared frontier in Redis: a priority queue with leases, a done-set, fleet counters.

Plain redis-py, no Scrapy: the ``seed`` and ``status`` commands use it without a crawler, and
the Scrapy components (:mod:`crawler.distributed.scheduler` and its neighbours) wrap it.

What it adds to scrapy-redis 0.9.1 (``scrapy_redis.queue.PriorityQueue`` pops with
``ZRANGE``+``ZREMRANGEBYRANK``: destructive, no acknowledgement, so a killed worker loses every
request it held; ``RFPDupeFilter`` marks a URL seen when it is *enqueued*, in a set that only
grows):

* **Leases.** :meth:`Frontier.pop` moves the request, in one Lua script, from the queue into
  the *in-flight* set with a deadline (Redis server time, so worker clocks do not matter). A
  worker renews the leases of what it holds (:meth:`Frontier.renew`) and acknowledges a URL
  when its capture or decision is *written to its WARC file* (:meth:`Frontier.ack`). A lease
  that runs out (the worker was killed, its machine died) is put back in the queue by any
  worker's :meth:`Frontier.reap`, with its original priority. The WARC writer process
  acknowledges right after the write, and a restarted worker acknowledges what its recovered
  WARC file holds; a queued request acknowledged meanwhile is dropped by :meth:`Frontier.pop`
  instead of being fetched again (:mod:`crawler.distributed.ack` says what window remains).
* **Seen = done or pending.** A fingerprint is *pending* from the enqueue until the ack (in
  the queue or in flight) and *done* from the ack on; a URL is new when it is neither. Only an
  archived or decided URL becomes done, so nothing taken and lost is ever skipped as "seen".
  The done-set is an exact Redis set, or a Bloom filter (:mod:`crawler.distributed.bloom`)
  when ``CLEARCRAWL_FRONTIER_BLOOM_CAPACITY`` is set; the pending set stays exact (it is as
  large as the queue, not as the crawl).
* **A fleet budget.** ``max_pages`` in the crawl's meta hash caps the URLs accepted into the
  queue across every worker and every ``seed`` (``--max-pages`` of the whole crawl).
* **A fleet per-origin cap.** ``max_pages_per_origin`` in the same hash caps the page URLs
  accepted per origin (``--max-pages-per-origin`` of the whole crawl, not of each worker): the
  push script counts a URL against its origin (a hash ``origin-pages``, origin -> URLs queued)
  only when it queues it, and answers 3 without counting when the origin's cap is spent. The
  cap is recorded once (the first ``crawl`` that gives it) and read from the meta inside the
  script, so no worker can push under another cap.

Every key of one crawl shares the hash tag ``{crawl-id}``, so the crawl lives in one Redis
Cluster slot and the multi-key scripts stay legal there; a larger crawl is split into several
crawl ids (README, capacity plan).

Errors: every Redis failure surfaces as :class:`FrontierUnavailable` (one line); callers stop
fetching (fail closed), they never carry on without the frontier.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

from crawler.distributed.bloom import BloomSpec

#: Bytes of the request fingerprint that prefix every queue member (SHA-1, Scrapy's 2.7).
FP_LEN = 20
DEFAULT_CRAWL_ID = "default"
#: A worker counts as alive while its heartbeat is younger than this many heartbeats.
ALIVE_HEARTBEATS = 3
#: What :meth:`Frontier.claim` records once for the fleet (each a set ``{crawl-id}:KIND``).
CLAIM_KINDS = frozenset({"offsite", "origin-cap"})
#: ``(fingerprint, score, member)`` or ``(fingerprint, score, member, origin)``.
PushItem = tuple[bytes, float, bytes] | tuple[bytes, float, bytes, str]


class FrontierUnavailable(RuntimeError):
    """Redis cannot be reached or answered with an error; the message is one line."""


class FrontierURLError(ValueError):
    """``--frontier`` is not a ``redis://HOST:PORT/DB`` URL."""


def check_frontier_url(url: str) -> str:
    """Return ``url`` if it is ``redis://[user:pass@]HOST[:PORT][/DB]`` (or ``rediss://``)."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise FrontierURLError(f"--frontier must be redis://HOST:PORT/DB, got {url!r}")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise FrontierURLError(f"--frontier has a bad port: {url!r}") from None
    db = parts.path.strip("/")
    if db and not db.isdigit():
        raise FrontierURLError(f"--frontier database must be a number, got {db!r} in {url!r}")
    return url


def check_crawl_id(crawl_id: str) -> str:
    """Crawl ids are key parts: letters, digits, ``.``, ``_``, ``-`` (no braces, no colons)."""
    if not crawl_id or not all(c.isalnum() or c in "._-" for c in crawl_id):
        raise FrontierURLError(
            f"--crawl-id must be letters, digits, '.', '_' or '-', got {crawl_id!r}"
        )
    return crawl_id


def redacted(url: str) -> str:
    """Return the frontier URL without its password (for messages)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname}" + (
        f":{parts.port}" if parts.port else ""
    )
    return parts._replace(netloc=netloc).geturl()


# -- Lua scripts ---------------------------------------------------------------------------
# Each runs atomically in Redis; TIME is allowed in scripts since Redis 5 (effects replication).

_NOW_MS = "local t = redis.call('TIME'); local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"

#: KEYS: queue, pending, done, accepted, origin-pages, meta; ARGV: fp, score, member, budget,
#: origin, k, bit positions... (origin '' = not counted against a cap: redirect targets and
#: sitemaps, as in the single-machine spider). The per-origin cap is read from the crawl's meta
#: here, not passed in: no worker can push under another cap, nor a stale one. Returns 1 queued,
#: 0 already pending or done, 2 over the crawl's budget, 3 over the origin's cap (nothing is
#: counted for 0, 2 and 3).
PUSH_LUA = """
local fp = ARGV[1]
if redis.call('SISMEMBER', KEYS[2], fp) == 1 then return 0 end
local k = tonumber(ARGV[6])
if k == 0 then
  if redis.call('SISMEMBER', KEYS[3], fp) == 1 then return 0 end
else
  local all = true
  for i = 1, k do
    if redis.call('GETBIT', KEYS[3], ARGV[6 + i]) == 0 then all = false; break end
  end
  if all then return 0 end
end
local budget = tonumber(ARGV[4])
if budget > 0 and tonumber(redis.call('GET', KEYS[4]) or '0') >= budget then return 2 end
local origin = ARGV[5]
if origin ~= '' then
  local cap = tonumber(redis.call('HGET', KEYS[6], 'max_pages_per_origin') or '0')
  if cap > 0 then
    if tonumber(redis.call('HGET', KEYS[5], origin) or '0') >= cap then return 3 end
    redis.call('HINCRBY', KEYS[5], origin, 1)
  end
end
redis.call('INCR', KEYS[4])
redis.call('SADD', KEYS[2], fp)
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
return 1
"""

#: KEYS: queue, inflight, inflight-requests, inflight-scores, inflight-workers, pending, stats;
#: ARGV: lease ms, worker id. Returns the member, or nil when the queue is empty. A member whose
#: fingerprint is no longer pending was acknowledged while it waited in the queue (a restarted
#: worker found it in its recovered WARC file, or a worker whose lease had run out archived it
#: after all): it is dropped, not fetched a second time.
POP_LUA = (
    _NOW_MS
    + """
local skipped = 0
while true do
  local r = redis.call('ZPOPMIN', KEYS[1])
  if #r == 0 then
    if skipped > 0 then redis.call('HINCRBY', KEYS[7], 'frontier/skipped_done', skipped) end
    return false
  end
  local member, score = r[1], r[2]
  local fp = string.sub(member, 1, FP_LEN)
  if redis.call('SISMEMBER', KEYS[6], fp) == 1 then
    redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), fp)
    redis.call('HSET', KEYS[3], fp, member)
    redis.call('HSET', KEYS[4], fp, score)
    redis.call('HSET', KEYS[5], fp, ARGV[2])
    if skipped > 0 then redis.call('HINCRBY', KEYS[7], 'frontier/skipped_done', skipped) end
    return member
  end
  skipped = skipped + 1
end
"""
).replace("FP_LEN", str(FP_LEN))

#: KEYS: inflight, inflight-requests, inflight-scores, inflight-workers, pending, done, stats;
#: ARGV: fp, owner, k, bit positions... With an owner, only a lease that worker holds is
#: acknowledged (the WARC writer process acks what its own worker leased); with '' any record
#: of the URL counts (the worker's own ack, a restarted worker's recovered WARC file).
#: Returns 1 when the fingerprint was pending (now done), else 0.
ACK_LUA = """
local fp = ARGV[1]
if ARGV[2] ~= '' and redis.call('HGET', KEYS[4], fp) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[1], fp)
redis.call('HDEL', KEYS[2], fp)
redis.call('HDEL', KEYS[3], fp)
redis.call('HDEL', KEYS[4], fp)
if redis.call('SREM', KEYS[5], fp) == 0 then return 0 end
local k = tonumber(ARGV[3])
if k == 0 then
  redis.call('SADD', KEYS[6], fp)
else
  for i = 1, k do redis.call('SETBIT', KEYS[6], ARGV[3 + i], 1) end
end
redis.call('HINCRBY', KEYS[7], 'frontier/done', 1)
return 1
"""

#: KEYS: inflight, inflight-workers; ARGV: lease ms, worker id, fps... Renews the leases this
#: worker still holds (one taken over by another worker after expiry is left alone).
RENEW_LUA = (
    _NOW_MS
    + """
local n = 0
for i = 3, #ARGV do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[2] then
    redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i])
    n = n + 1
  end
end
return n
"""
)

#: KEYS: inflight, inflight-requests, inflight-scores, inflight-workers, queue;
#: ARGV: max items, worker id or '' (''= expired leases of anyone; else that worker's given
#: fps in ARGV[3..]). Puts the requests back in the queue with their priority.
REQUEUE_LUA = (
    _NOW_MS
    + """
local fps
if ARGV[2] == '' then
  fps = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
else
  fps = {}
  for i = 3, #ARGV do
    if redis.call('HGET', KEYS[4], ARGV[i]) == ARGV[2] then table.insert(fps, ARGV[i]) end
  end
end
local n = 0
for _, fp in ipairs(fps) do
  local member = redis.call('HGET', KEYS[2], fp)
  local score = redis.call('HGET', KEYS[3], fp)
  redis.call('ZREM', KEYS[1], fp)
  redis.call('HDEL', KEYS[2], fp)
  redis.call('HDEL', KEYS[3], fp)
  redis.call('HDEL', KEYS[4], fp)
  if member then
    redis.call('ZADD', KEYS[5], score or 0, member)
    n = n + 1
  end
end
return n
"""
)


@dataclass(frozen=True, slots=True)
class FleetCounts:
    """What ``clearcrawl status`` shows: the frontier's sizes and the fleet's counters."""

    queued: int
    in_flight: int
    pending: int
    done: int
    accepted: int
    stats: dict[str, int]
    workers: list[dict[str, Any]]
    meta: dict[str, str]
    server_time: float

    def to_json(self) -> dict[str, Any]:
        return {
            "queued": self.queued,
            "in_flight": self.in_flight,
            "pending": self.pending,
            "done": self.done,
            "accepted": self.accepted,
            "stats": dict(sorted(self.stats.items())),
            "workers": self.workers,
            "meta": self.meta,
        }


class Frontier:
    """One crawl's shared state in Redis (keys ``clearcrawl:{CRAWL_ID}:*``)."""

    def __init__(
        self,
        url: str,
        crawl_id: str = DEFAULT_CRAWL_ID,
        *,
        bloom: BloomSpec | None = None,
        socket_timeout_s: float = 10.0,
        client: Any = None,
    ) -> None:
        import redis

        self.url = check_frontier_url(url)
        self.crawl_id = check_crawl_id(crawl_id)
        self._redis_errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        self.redis = client or redis.Redis.from_url(
            url,
            socket_timeout=socket_timeout_s,
            socket_connect_timeout=socket_timeout_s,
            health_check_interval=30,
        )
        p = f"clearcrawl:{{{crawl_id}}}:"
        self.prefix = p
        self.k_queue = p + "queue"
        self.k_pending = p + "pending"
        self.k_done = p + "done"
        self.k_accepted = p + "accepted"
        self.k_inflight = p + "inflight"
        self.k_inflight_req = p + "inflight:requests"
        self.k_inflight_score = p + "inflight:scores"
        self.k_inflight_worker = p + "inflight:workers"
        self.k_meta = p + "meta"
        self.k_stats = p + "stats"
        self.k_workers = p + "workers"
        self.k_origins = p + "origins"
        self.k_offsite = p + "offsite"  # off-site URLs recorded (8-byte digests)
        self.k_origin_pages = p + "origin-pages"  # origin -> page URLs queued (the cap's count)
        self._push = self.redis.register_script(PUSH_LUA)
        self._pop = self.redis.register_script(POP_LUA)
        self._ack = self.redis.register_script(ACK_LUA)
        self._renew = self.redis.register_script(RENEW_LUA)
        self._requeue = self.redis.register_script(REQUEUE_LUA)
        self.bloom = bloom
        self._budget: int | None = None
        self._origin_cap = 0

    # -- errors ----------------------------------------------------------------------------
    def _fail(self, exc: BaseException) -> FrontierUnavailable:
        detail = str(exc).splitlines()[0].rstrip(".") if str(exc) else type(exc).__name__
        return FrontierUnavailable(f"frontier {redacted(self.url)} unreachable: {detail}")

    def call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run one Redis operation; any Redis failure becomes :class:`FrontierUnavailable`."""
        try:
            return fn(*args, **kwargs)
        except self._redis_errors as exc:
            raise self._fail(exc) from exc

    def ping(self) -> None:
        self.call(self.redis.ping)

    def close(self) -> None:
        with contextlib.suppress(*self._redis_errors):
            self.redis.close()

    # -- the crawl's meta ------------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        raw = self.call(self.redis.hgetall, self.k_meta)
        return {k.decode(): v.decode() for k, v in raw.items()}

    def claim_meta(self, fields: dict[str, str]) -> dict[str, str]:
        """Set each field not set yet (HSETNX), return the meta as it then is."""
        pipe = self.redis.pipeline(transaction=True)
        for k, v in fields.items():
            pipe.hsetnx(self.k_meta, k, v)
        self.call(pipe.execute)
        return self.meta()

    def set_meta(self, fields: dict[str, str]) -> None:
        self.call(self.redis.hset, self.k_meta, mapping=fields)
        self._budget = None
        self._origin_cap = 0

    def configure_bloom_from_meta(self, meta: dict[str, str]) -> None:
        """Use the crawl's recorded done-set kind (every worker must read the same one)."""
        cap = int(meta.get("bloom_capacity") or 0)
        if cap:
            self.bloom = BloomSpec.for_capacity(cap, float(meta["bloom_error_rate"]))
        else:
            self.bloom = None

    def budget(self) -> int:
        if self._budget is None:
            raw = self.call(self.redis.hget, self.k_meta, "max_pages")
            self._budget = int(raw or 0)
        return self._budget

    def origin_cap(self) -> int:
        """Return the crawl's ``--max-pages-per-origin`` (0 = none), from its meta.

        For the record of a refused URL (the push script reads the meta itself); a cap once
        set never changes (:func:`crawler.cli.common.claim_crawl`), so a non-zero one is kept.
        """
        if not self._origin_cap:
            raw = self.call(self.redis.hget, self.k_meta, "max_pages_per_origin")
            self._origin_cap = int(raw or 0)
        return self._origin_cap

    # -- the queue -------------------------------------------------------------------------
    def _done_args(self, fp: bytes) -> tuple[str, list[int]]:
        if self.bloom is None:
            return self.k_done, []
        key, bits = self.bloom.locate(fp)
        return f"{self.prefix}bloom:{key}", bits

    def push_many(self, items: Iterable[PushItem]) -> list[int]:
        """Queue ``(fingerprint, score, member[, origin])`` items that are new; one round trip.

        ``member`` must start with the fingerprint (:func:`crawler.distributed.queue.encode`);
        ``origin`` (``scheme://host[:port]``, default '') is the key the URL counts against
        under the crawl's per-origin cap, '' for a URL that does not count. Returns one code
        per item: 1 queued, 0 already pending or done, 2 over the budget, 3 over the origin's
        cap (see PUSH_LUA).
        """
        budget = self.budget()
        pipe = self.redis.pipeline(transaction=False)
        n = 0
        for item in items:
            fp, score, member = item[0], item[1], item[2]
            origin = item[3] if len(item) > 3 else ""
            done_key, bits = self._done_args(fp)
            self._push(
                keys=[
                    self.k_queue,
                    self.k_pending,
                    done_key,
                    self.k_accepted,
                    self.k_origin_pages,
                    self.k_meta,
                ],
                args=[fp, score, member, budget, origin, len(bits), *bits],
                client=pipe,
            )
            n += 1
        if not n:
            return []
        return [int(x) for x in self.call(pipe.execute)]

    def pop(self, worker: str, lease_s: float) -> bytes | None:
        """Take the best request and lease it to ``worker`` for ``lease_s`` seconds."""
        member = self.call(
            self._pop,
            keys=[
                self.k_queue,
                self.k_inflight,
                self.k_inflight_req,
                self.k_inflight_score,
                self.k_inflight_worker,
                self.k_pending,
                self.k_stats,
            ],
            args=[int(lease_s * 1000), worker],
        )
        return cast("bytes | None", member or None)

    def ack(self, fps: Sequence[bytes], *, owner: str = "") -> int:
        """Mark ``fps`` done (archived or decided); returns how many were pending.

        With ``owner``, only the fingerprints whose lease that worker holds (ACK_LUA).
        """
        if not fps:
            return 0
        pipe = self.redis.pipeline(transaction=False)
        for fp in fps:
            done_key, bits = self._done_args(fp)
            self._ack(
                keys=[
                    self.k_inflight,
                    self.k_inflight_req,
                    self.k_inflight_score,
                    self.k_inflight_worker,
                    self.k_pending,
                    done_key,
                    self.k_stats,
                ],
                args=[fp, owner, len(bits), *bits],
                client=pipe,
            )
        return sum(int(x) for x in self.call(pipe.execute))

    def renew(self, worker: str, fps: Sequence[bytes], lease_s: float) -> int:
        if not fps:
            return 0
        return int(
            self.call(
                self._renew,
                keys=[self.k_inflight, self.k_inflight_worker],
                args=[int(lease_s * 1000), worker, *fps],
            )
        )

    def _requeue_keys(self) -> list[str]:
        return [
            self.k_inflight,
            self.k_inflight_req,
            self.k_inflight_score,
            self.k_inflight_worker,
            self.k_queue,
        ]

    def reap(self, limit: int = 1000) -> int:
        """Put requests whose lease ran out back in the queue; returns how many."""
        n = int(self.call(self._requeue, keys=self._requeue_keys(), args=[limit, ""]))
        if n:
            self.incr_stats({"frontier/requeued_expired": n})
        return n

    def release(self, worker: str, fps: Sequence[bytes]) -> int:
        """Give back leases ``worker`` holds without having archived them (graceful stop)."""
        if not fps:
            return 0
        n = int(self.call(self._requeue, keys=self._requeue_keys(), args=[len(fps), worker, *fps]))
        if n:
            self.incr_stats({"frontier/released": n})
        return n

    # -- scope -----------------------------------------------------------------------------
    def add_origins(self, origins: Iterable[str]) -> None:
        items = list(origins)
        if items:
            self.call(self.redis.sadd, self.k_origins, *items)

    def has_origin(self, origin: str) -> bool:
        return bool(self.call(self.redis.sismember, self.k_origins, origin))

    def claim(self, kind: str, key: bytes) -> bool:
        """Return True to the one caller in the fleet that first claims ``key`` of ``kind``.

        One Redis set per kind (``offsite``: off-site URLs, ``origin-cap``: URLs refused for
        the per-origin cap), so a URL that several workers refuse is recorded once. ``key`` is
        the site spider's 8-byte digest of the URL (a Redis set member of about 70 bytes). Two
        URLs with one digest (expected once past ~4 billion distinct URLs of a kind, the
        birthday bound of 64 bits) leave the second unrecorded; it is not fetched either way.
        """
        if kind not in CLAIM_KINDS:
            raise ValueError(f"unknown claim kind {kind!r}")
        return bool(self.call(self.redis.sadd, self.prefix + kind, key))

    def claim_offsite(self, key: bytes) -> bool:
        """Claim off-site URL digest ``key`` (:meth:`claim`)."""
        return self.claim("offsite", key)

    # -- counters and workers --------------------------------------------------------------
    def incr_stats(self, deltas: dict[str, int]) -> None:
        if not deltas:
            return
        pipe = self.redis.pipeline(transaction=False)
        for k, v in deltas.items():
            pipe.hincrby(self.k_stats, k, v)
        self.call(pipe.execute)

    def heartbeat(self, worker: str, info: dict[str, Any]) -> None:
        self.call(self.redis.hset, self.k_workers, worker, json.dumps(info, sort_keys=True))

    def server_time(self) -> float:
        secs, micros = self.call(self.redis.time)
        return float(secs) + float(micros) / 1e6

    def is_idle(self) -> bool:
        """Return True when nothing is queued and nothing is in flight anywhere in the fleet."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.zcard(self.k_queue)
        pipe.zcard(self.k_inflight)
        queued, in_flight = self.call(pipe.execute)
        return int(queued) == 0 and int(in_flight) == 0

    def queue_length(self) -> int:
        return int(self.call(self.redis.zcard, self.k_queue))

    def counts(self, heartbeat_s: float = 5.0) -> FleetCounts:
        pipe = self.redis.pipeline(transaction=True)
        pipe.zcard(self.k_queue)
        pipe.zcard(self.k_inflight)
        pipe.scard(self.k_pending)
        pipe.scard(self.k_done)
        pipe.get(self.k_accepted)
        pipe.hgetall(self.k_stats)
        pipe.hgetall(self.k_workers)
        pipe.hgetall(self.k_meta)
        pipe.time()
        queued, in_flight, pending, done, accepted, stats, workers, meta, now = self.call(
            pipe.execute
        )
        now_s = float(now[0]) + now[1] / 1e6
        fleet_workers = []
        for wid, raw in sorted(workers.items()):
            try:
                info = json.loads(raw)
            except ValueError:
                continue
            info["id"] = wid.decode()
            age = now_s - float(info.get("seen", 0))
            info["alive"] = age <= ALIVE_HEARTBEATS * float(
                info.get("heartbeat_s", heartbeat_s)
            ) and not info.get("stopped")
            fleet_workers.append(info)
        decoded_stats = {k.decode(): int(v) for k, v in stats.items()}
        done_n = int(done)
        if self.bloom is not None or meta.get(b"bloom_capacity"):  # a filter cannot be counted
            done_n = decoded_stats.get("frontier/done", 0)
        return FleetCounts(
            queued=int(queued),
            in_flight=int(in_flight),
            pending=int(pending),
            done=done_n,
            accepted=int(accepted or 0),
            stats=decoded_stats,
            workers=fleet_workers,
            meta={k.decode(): v.decode() for k, v in meta.items()},
            server_time=now_s,
        )

    def memory_usage(self, key: str) -> int:
        return int(self.call(self.redis.memory_usage, key) or 0)

    def keys(self) -> Iterator[str]:
        for k in self.call(self.redis.scan_iter, match=self.prefix + "*", count=1000):
            yield k.decode()

    def delete_all(self) -> int:
        """Remove every key of this crawl (tests, benchmarks; never called by a worker)."""
        keys = list(self.keys())
        if keys:
            self.call(self.redis.delete, *keys)
        return len(keys)


def new_worker_id() -> str:
    """``HOST-PID-RANDOM`` (letters, digits, ``-``): unique across machines and restarts."""
    host = "".join(c if c.isalnum() else "-" for c in socket.gethostname())[:24] or "host"
    return f"{host}-{os.getpid()}-{os.urandom(3).hex()}"
