"""clearcrawl's own Scrapy signals.

Middlewares decide; writers subscribe. Nothing that decides calls a writer directly.

``rights_decided(record: dict, exchange: Exchange | None)``
    Sent once per URL the crawler considered: fetched pages, policy files, redirects, URLs
    refused before fetching (``exchange`` is None) and fetch failures. ``record`` is the
    JSON-serialisable decision (see :mod:`crawler.decisions`); when
    ``record["body_stored"]`` is False the WARC keeps the headers and digests but not the body.
"""

rights_decided = object()
