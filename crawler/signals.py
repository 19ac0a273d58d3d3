"""clearcrawl's own Scrapy signals.

Middlewares decide; writers subscribe. Nothing that decides calls a writer directly.

``rights_decided(record: dict, exchange: Exchange | None)``
    Sent once per URL the crawler considered: fetched pages, policy files, redirects, URLs
    refused before fetching (``exchange`` is None) and fetch failures. ``record`` is the
    JSON-serialisable decision (see :mod:`crawler.decisions`); when
    ``record["fetch"]["body_stored"]`` is False the WARC keeps the headers and digests but not the body.

``robots_parsed(origin: str, robots: RobotsPolicy, url: str)``
    Sent by the pre-fetch middleware each time it has fetched and parsed an origin's
    robots.txt (``origin`` is ``scheme://host[:port]``); the site spider reads its ``Sitemap:``
    lines from it (``--sitemaps``) instead of fetching robots.txt a second time.

``captures_archived(urls: list[str], where: dict[str, tuple[str, int]])``
    Sent by :class:`crawler.extensions.warc.WarcWriterExtension` once the captures or decision
    records of ``urls`` are written to the open WARC file (``write(2)`` done: a kill of the crawl
    no longer loses them); ``where`` gives (WARC file name, response offset) of captures (with
    the writer process: of policy files only). Sent from the writer's thread, not the reactor's: receivers must be
    thread-safe. The shared frontier acknowledges a leased URL on it (issue 13).


``detector_hosted(proc: Popen, to_child: BinaryIO, from_child: BinaryIO) -> bool``
    Sent by :class:`crawler.extensions.warc.WarcWriterExtension` when its writer process runs a
    detector thread (``CLEARCRAWL_OFFLOAD_IN_WRITER``): the parent's ends of that thread's two
    pipes. The rights middleware's detector pool takes it as its first worker and returns True
    (:meth:`crawler.offload.OffloadPool.host`); with no taker the extension closes the pipes.
"""

rights_decided = object()
robots_parsed = object()
captures_archived = object()
detector_hosted = object()
