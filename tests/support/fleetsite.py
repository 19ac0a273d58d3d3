"""A generated multi-origin site for the shared-frontier tests: several real HTTP servers on
127.0.0.1 (one origin each), pages linking within their origin and across origins, and links to
a robots.txt-reserved folder that no worker may request."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from crawler.demo.server import SiteServer
from tests.support.crashsite import WORDS

#: Every origin's robots.txt reserves this folder; pages link into it.
RESERVED = "/private/"
#: Every page is CC BY 4.0 (so the export admits it: one row per page).
CC_BY = "https://creativecommons.org/licenses/by/4.0/"


@contextmanager
def fleet_site(
    root: Path,
    *,
    origins: int = 4,
    pages: int = 500,
    delay_s: float = 0.0,
    words: int = 80,
    footer: tuple[str, ...] = (),
) -> Iterator[list[SiteServer]]:
    """Serve ``origins`` origins of ``pages`` pages each (page i links to 3i+1..3i+3 of its
    origin, to page i of the next origin, every 7th page to a reserved URL, and every page to
    the ``footer`` URLs)."""
    rng = random.Random(13)  # noqa: S311 - reproducible filler text
    with ExitStack() as stack:
        dirs = [root / f"o{k}" for k in range(origins)]
        for d in dirs:
            d.mkdir(parents=True, exist_ok=True)
        servers = [SiteServer(d) for d in dirs]  # ports are bound here, before the pages exist
        for k, d in enumerate(dirs):
            nxt = servers[(k + 1) % origins].url
            (d / "robots.txt").write_text(f"User-agent: *\nDisallow: {RESERVED}\n")
            routes = {}
            for i in range(pages):
                name = "index.html" if i == 0 else f"p{i}.html"
                links = [f"/p{c}.html" for c in range(3 * i + 1, 3 * i + 4) if c < pages]
                links.append(f"{nxt}/" if i == 0 else f"{nxt}/p{i}.html")
                if i % 7 == 3:
                    links.append(f"{RESERVED}r{i}.html")
                links.extend(footer)
                body = " ".join(rng.choice(WORDS) for _ in range(words))
                anchors = "".join(f'<li><a href="{h}">{h}</a></li>' for h in links)
                (d / name).write_text(
                    f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
                    f'<title>Origin {k} page {i}</title><link rel="license" href="{CC_BY}"></head>'
                    f"<body><h1>Origin {k} page {i}"
                    f"</h1><p>{body}</p><ul>{anchors}</ul></body></html>\n"
                )
                if delay_s:
                    routes["/" if i == 0 else f"/{name}"] = {"file": name, "delay": delay_s}
            (d / "private").mkdir(exist_ok=True)
            (d / "private" / "index.html").write_text("<p>reserved</p>")
            if routes:
                (d / "_routes.json").write_text(json.dumps(routes))
        for server in servers:
            routes_file = server.site.root / "_routes.json"
            if routes_file.exists():  # Site.load read the folder before the pages were written
                server.site.routes.update(json.loads(routes_file.read_text()))
            stack.enter_context(server)
        yield servers


def page_paths(pages: int) -> set[str]:
    return {"/" if i == 0 else f"/p{i}.html" for i in range(pages)}


def access_counts(servers: list[SiteServer]) -> dict[str, Counter[str]]:
    """origin URL → path → how many times it was requested."""
    return {s.url: Counter(s.log.paths()) for s in servers}
