"""A small, real HTTP server for the bundled demo site and the test fixture sites.

It serves a directory on 127.0.0.1 (port 0 = a free port) from a background thread and keeps
an access log, so tests can prove which URLs a crawl requested. Per-path behaviour (status,
extra headers, redirects, gzip encoding, chunked transfer, delays) comes from an optional
``_routes.json`` in the site folder::

    {"/private/x.html": {"status": 503},
     "/page.html": {"headers": [["X-Robots-Tag", "noai"]], "gzip": true},
     "/old": {"status": 301, "headers": [["Location", "/new"]]},
     "/big": {"file": "page.html", "chunked": true},
     "/slow": {"delay": 1.5, "served_at_header": true}}

``served_at_header`` adds ``X-Served-At: <unix time>`` to the response.

Without a route, ``/a/`` serves ``a/index.html`` and ``/a`` serves ``a`` or ``a.html``.
"""

from __future__ import annotations

import gzip
import json
import mimetypes
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any, Self, cast
from urllib.parse import urlsplit


def demo_site_dir() -> Path:
    """Return the folder of the demo site shipped as package data."""
    return Path(str(resources.files("crawler.demo") / "site"))


@dataclass
class AccessLog:
    """Thread-safe record of every request the server received."""

    entries: list[tuple[str, str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, method: str, path: str, status: int) -> None:
        with self.lock:
            self.entries.append((method, path, status))

    def paths(self) -> list[str]:
        with self.lock:
            return [p for _, p, _ in self.entries]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the access log below is the record; stderr noise helps nobody

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def _serve(self, *, head: bool) -> None:
        site = self.server.site
        path = urlsplit(self.path).path or "/"
        route = site.routes.get(self.path) or site.routes.get(path) or {}
        status = int(route.get("status", 200))
        headers: list[tuple[str, str]] = [tuple(h) for h in route.get("headers", [])]
        if route.get("delay"):
            time.sleep(float(route["delay"]))
        if route.get("served_at_header"):
            # Wall-clock time the response was produced: lets tests check politeness (Crawl-delay)
            # from the archived headers without timing anything themselves.
            headers.append(("X-Served-At", f"{time.time():.6f}"))
        body: bytes | None = None
        if "body" in route:
            body = str(route["body"]).encode("utf-8")
        elif "body_hex" in route:
            body = bytes.fromhex(route["body_hex"])
        elif "repeat" in route:
            body = str(route["repeat"][0]).encode("utf-8") * int(route["repeat"][1])
        else:
            file = site.find(route.get("file") or path)
            if file is not None:
                body = file.read_bytes()
                if not any(k.lower() == "content-type" for k, _ in headers):
                    ctype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                    if ctype.startswith("text/") or ctype.endswith(("json", "xml")):
                        ctype += "; charset=utf-8"
                    headers.append(("Content-Type", ctype))
            elif status == 200 and not route:
                status = 404
                body = b"<html><body><h1>Not found</h1></body></html>"
                headers.append(("Content-Type", "text/html; charset=utf-8"))
        body = body or b""
        if route.get("gzip"):
            body = gzip.compress(body, mtime=0)
            headers.append(("Content-Encoding", "gzip"))
        self.server.log.add(self.command, self.path, status)
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        chunked = bool(route.get("chunked"))
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if head:
            return
        if chunked:
            for i in range(0, len(body), 1000):
                piece = body[i : i + 1000]
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.wfile.write(body)


@dataclass
class Site:
    """A site folder and its per-path routes."""

    root: Path
    routes: dict[str, dict[str, Any]]

    @classmethod
    def load(cls, root: Path) -> Site:
        routes_file = root / "_routes.json"
        routes = json.loads(routes_file.read_text("utf-8")) if routes_file.exists() else {}
        return cls(root=root, routes=routes)

    def find(self, path: str) -> Path | None:
        rel = path.lstrip("/")
        candidates = [rel + "index.html"] if rel.endswith("/") or not rel else [rel, rel + ".html"]
        root = self.root.resolve()
        for cand in candidates:
            p = (root / cand).resolve()
            if p.is_file() and root in p.parents and not p.name.startswith("_"):
                return p
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], site: Site) -> None:
        super().__init__(addr, _Handler)
        self.site = site
        self.log = AccessLog()


class SiteServer:
    """Serve ``root`` on ``host:port`` in a thread; use as a context manager."""

    def __init__(
        self, root: str | Path | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.site = Site.load(Path(root) if root else demo_site_dir())
        self._server = _Server((host, port), self.site)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="site-server", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = cast("tuple[str, int]", self._server.server_address)[:2]  # AF_INET
        return f"http://{host}:{port}"

    @property
    def log(self) -> AccessLog:
        return self._server.log

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
