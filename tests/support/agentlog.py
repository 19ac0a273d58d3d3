"""A site server that records the ``User-Agent`` of every request it receives: what a crawl or a
live ``check`` actually sends, for the identity tests of both."""

from __future__ import annotations

import threading

from crawler.demo.server import _Handler

DEFAULT_CONTACT_WARNING = "CLEARCRAWL_CONTACT is the project default"


class AgentLog:
    """``(path, User-Agent)`` of every request, in arrival order."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def agents(self) -> set[str]:
        with self.lock:
            return {ua for _, ua in self.entries}


class _AgentHandler(_Handler):
    def _serve(self, *, head: bool) -> None:
        log: AgentLog = self.server.agent_log  # type: ignore[attr-defined]
        with log.lock:
            log.entries.append((self.path, self.headers.get("User-Agent", "")))
        super()._serve(head=head)
