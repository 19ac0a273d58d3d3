"""A site server that records every request's headers: what a crawl actually sent where.

Used by the grants tests to prove a licence token reaches its origin and no other.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crawler.demo.server import SiteServer, _Handler


class HeaderLog:
    """``(path, {header: value})`` of every request, in arrival order."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()

    def values(self, header: str) -> list[tuple[str, str | None]]:
        """``(path, value or None)`` of ``header`` for every request (case-insensitive name)."""
        with self.lock:
            return [
                (path, next((v for k, v in h.items() if k.lower() == header.lower()), None))
                for path, h in self.entries
            ]


class _HeaderHandler(_Handler):
    def _serve(self, *, head: bool) -> None:
        log: HeaderLog = self.server.header_log  # type: ignore[attr-defined]
        with log.lock:
            log.entries.append((self.path, dict(self.headers.items())))
        super()._serve(head=head)


@contextmanager
def header_logging_site(root: Path) -> Iterator[tuple[SiteServer, HeaderLog]]:
    """Serve ``root`` on 127.0.0.1:0, recording every request's headers."""
    server = SiteServer(root)
    log = HeaderLog()
    server._server.RequestHandlerClass = _HeaderHandler
    server._server.header_log = log  # type: ignore[attr-defined]
    with server:
        yield server, log
