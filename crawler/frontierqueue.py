"""Scheduler memory queue that keeps each waiting request as one small ``bytes`` object.

Why. clearcrawl crawls breadth-first (``DEPTH_PRIORITY = 1``, FIFO queues; crawler/settings.py),
so its frontier holds most of a site while the first levels are fetched: on the crawl
benchmark's 100,000-page site 80,000 requests wait in the scheduler at page 20,000, against
26,000 in plain Scrapy's default depth-first (LIFO) order. A waiting ``scrapy.Request`` costs
about 2.7 KB there — the object, its ``Headers`` (the ``Referer``), its ``meta`` dict, the entry
:func:`scrapy.utils.request.fingerprint` caches per request object, the one
:func:`scrapy.utils.httpobj.urlparse_cached` keeps, and Scrapy's live-object tracking — so the
crawl process's peak RSS grew with the frontier twice as fast as plain Scrapy's (issue 17:
"Peak RSS stays ≤ 1.5× plain Scrapy and flat from 10k to 100k pages"). Packed, the same
request is one ``marshal`` blob of ~150-250 bytes, and every per-object cache entry goes with
the object.

What is packed. A plain ``scrapy.Request`` (not a subclass), ``GET`` without body, cookies,
flags or ``cb_kwargs``, in UTF-8, whose headers and ``meta`` hold only what ``marshal``
reproduces exactly (``str``, ``bytes``, ``int``, ``bool``, ``float``, ``None`` and lists,
tuples and dicts of them; ``marshal`` refuses subclasses such as enums, so nothing changes
type): the URL, callback and errback (an index into a small per-queue table of the callables
seen), priority, ``dont_filter``, headers and ``meta``. Anything else — a redirect carrying its
pre-fetch verdict object, a form POST — is kept as the request object itself, as Scrapy's own
queue does. The request popped is rebuilt with the same attributes (Scrapy's disk queues do
the same through :meth:`scrapy.Request.to_dict`), so what is sent, archived and decided does
not change; order is the same FIFO.
"""

from __future__ import annotations

import marshal
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.http.headers import Headers

if TYPE_CHECKING:
    from typing import Self

__all__ = ["CompactFifoMemoryQueue", "pack", "unpack"]

#: Callback/errback pairs one queue remembers; a spider minting a new callable per request
#: (a lambda, a ``functools.partial``) gets its requests kept as objects past this many.
MAX_CALLABLES = 64

_Callables = tuple[Callable[..., Any] | None, Callable[..., Any] | None]


def pack(request: Request, table: dict[_Callables, int], callables: list[_Callables]) -> Any:
    """Return ``request`` as one ``bytes`` object, or the request itself when it cannot be.

    ``table``/``callables`` intern the (callback, errback) pairs: the packed form holds an index.
    """
    # The private slots: the public properties would create an empty dict/list on the original.
    if (
        type(request) is not Request
        or request.method != "GET"
        or request.body
        or request.encoding != "utf-8"
        or request._cookies
        or request._flags
        or request._cb_kwargs
    ):
        return request
    key = (request.callback, request.errback)
    index = table.get(key)
    if index is None:
        if len(callables) >= MAX_CALLABLES:
            return request
        index = table[key] = len(callables)
        callables.append(key)
    headers = request._headers
    try:
        return marshal.dumps(
            (
                request.url,
                index,
                request.priority,
                request.dont_filter,
                dict(headers) if headers else None,
                request._meta or None,
            )
        )
    except ValueError:  # something marshal does not reproduce exactly: keep the object
        return request


#: The instance slots of the ``scrapy.Request`` this module rebuilds directly (Scrapy 2.19).
_REQUEST_SLOTS = frozenset(
    {
        "_body",
        "_cb_kwargs",
        "_cookies",
        "_encoding",
        "_flags",
        "_headers",
        "_meta",
        "_url",
        "callback",
        "dont_filter",
        "errback",
        "method",
        "priority",
    }
)
#: Rebuild by setting the slots when ``Request`` has exactly these (the URL and headers were
#: normalised when the request was made; normalising them again costs ~20 µs a request on the
#: reactor thread), through the constructor otherwise (another Scrapy version).
FAST_REBUILD = set(Request.__slots__) - {"__weakref__"} == _REQUEST_SLOTS


def unpack(item: Any, callables: list[_Callables]) -> Request:
    """Rebuild the request :func:`pack` packed (or return the request it kept as is)."""
    if not isinstance(item, bytes):
        return item  # type: ignore[no-any-return]
    # our own bytes, made by pack() in this process: never input from outside
    url, index, priority, dont_filter, headers, meta = marshal.loads(item)  # noqa: S302
    callback, errback = callables[index]
    if not FAST_REBUILD:
        return Request(
            url,
            callback=callback,
            errback=errback,
            headers=headers,
            meta=meta,
            priority=priority,
            dont_filter=dont_filter,
        )
    # What Request.__init__ sets for a GET without body, cookies, flags or cb_kwargs in UTF-8,
    # minus the normalisation of a URL and headers that are already normalised.
    request = Request.__new__(Request)  # registers the object with trackref, as __init__ does
    request._encoding = "utf-8"
    request.method = "GET"
    request._meta = meta
    request._url = url
    request._body = b""
    request.priority = priority
    request.callback = callback
    request.errback = errback
    request._cookies = None
    if headers:
        normalised = Headers(encoding="utf-8")
        dict.update(normalised, headers)
        request._headers = normalised
    else:
        request._headers = None
    request.dont_filter = dont_filter
    request._flags = None
    request._cb_kwargs = None
    return request


class CompactFifoMemoryQueue:
    """FIFO scheduler memory queue (``SCHEDULER_MEMORY_QUEUE``) of packed requests.

    Counts ``clearcrawl/frontier/packed`` and ``clearcrawl/frontier/kept`` (requests kept as
    objects) in the crawl stats when built by Scrapy (``from_crawler``).
    """

    def __init__(self, stats: Any = None) -> None:
        self._items: deque[Any] = deque()
        self._table: dict[_Callables, int] = {}
        self._callables: list[_Callables] = []
        self._stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> Self:
        return cls(crawler.stats)

    def push(self, request: Request) -> None:
        item = pack(request, self._table, self._callables)
        self._items.append(item)
        if self._stats is not None:
            kept = item is request
            self._stats.inc_value(
                "clearcrawl/frontier/kept" if kept else "clearcrawl/frontier/packed"
            )

    def pop(self) -> Request | None:
        if not self._items:
            return None
        return unpack(self._items.popleft(), self._callables)

    def peek(self) -> Request | None:
        if not self._items:
            return None
        return unpack(self._items[0], self._callables)

    def close(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
