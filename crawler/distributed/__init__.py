"""Many workers, one crawl: the shared frontier on Redis through scrapy-redis (issue 13).

Small subclasses of scrapy-redis 0.9.1's components, each saying what it adapts and why:

* :mod:`~crawler.distributed.frontier` — the Redis keys and Lua scripts: leased queue,
  pending/done sets, fleet budget, counters, workers (no Scrapy; ``seed``/``status`` use it);
* :mod:`~crawler.distributed.bloom` — a Bloom-filter done-set on plain Redis strings;
* :mod:`~crawler.distributed.queue`, :mod:`~crawler.distributed.dupefilter`,
  :mod:`~crawler.distributed.scheduler` — scrapy-redis's queue, dupefilter and scheduler with
  leases, acknowledgement and fail-closed errors;
* :mod:`~crawler.distributed.spider` — the site spider fed by the frontier (async ``start()``);
* :mod:`~crawler.distributed.policycache`, :mod:`~crawler.distributed.politeness` — rights state
  and politeness fleet-wide;
* :mod:`~crawler.distributed.fleet`, :mod:`~crawler.distributed.extension`,
  :mod:`~crawler.distributed.addon` — one worker's leases, counters, heartbeat and wiring;
* :mod:`~crawler.distributed.ack` — the WARC writer process's acknowledgement right after each
  write, and a restarted worker's acknowledgement of its recovered WARC file.
"""
