"""Repository pages: the README shown is a file of the repository, under its declared licence.

A code host's repository page (schema.org ``SoftwareSourceCode`` with the README as the item's
``text``, or a README container) shows one file of the repository as its main text, and names
the repository's licence next to it with a link to the repository's own licence file ("MIT
License" → ``/owner/name/blob/main/LICENSE.md``). That licence covers every file of the
repository the licence file does not exclude, the README included (the licence text's own
scope: "this software and associated documentation files", MIT; "the Program", GPL-3.0 §0),
so there the statement names the page's text, not only the software it describes. Elsewhere
(an article naming a software licence, a README linking *another* repository's licence) the
usual rule stands: a software licence named in text licenses the software, not the text.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

from filters.html import ParsedPage
from filters.license.jsonld import ld_nodes, type_name

#: A link to a licence file at the root of a repository or of one of its branches.
LICENCE_FILE = re.compile(
    r"(?:^|/)(?:licen[cs]e|copying|unlicense)(?:[.-][\w.-]*)?/?(?:[?#].*)?$", re.IGNORECASE
)
_README = (
    "*[@itemprop='text'] | {0}*[contains(translate(@id,'README','readme'),'readme')]"
    " | {0}*[contains(translate(@class,'README','readme'),'readme')]"
)
_README_IN_ITEM = ".//" + _README.format(".//")
_README_IN_BODY = "//body//" + _README.format("//body//")


class Repository(NamedTuple):
    """A repository page: how it says so, and the URL of the repository ("" if unknown)."""

    how: str
    root: str


def _page_url(page: ParsedPage) -> str:
    if page.url:
        return page.url
    for expr in ("//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content"):
        for value in page.xpath(expr):
            if str(value).startswith(("http://", "https://")):
                return str(value)
    return ""


def repository_page(page: ParsedPage) -> Repository | None:
    """Say whether the page is a repository page showing its README (see the module doc)."""
    if "SourceCode" not in page.text:
        return None  # cheap: schema.org's type name must be on the page
    root = _page_url(page)
    for item in page.xpath("//*[@itemscope][@itemtype]"):
        types = {type_name(t).lower() for t in str(item.get("itemtype")).split()}
        if "softwaresourcecode" in types and item.xpath(_README_IN_ITEM):
            return Repository("microdata SoftwareSourceCode showing its README", root)
    for node in ld_nodes(page):
        if (
            "softwaresourcecode" in node.types
            and not node.parent_types
            and page.xpath(_README_IN_BODY)
        ):
            return Repository("JSON-LD SoftwareSourceCode showing its README", root)
    return None


def own_licence_file(target: str, repo: Repository) -> bool:
    """Tell whether ``target`` is a licence file of the repository the page shows.

    The link's path must lie under the repository's (``/owner/name/…`` for
    ``https://host/owner/name``) on the same host; with no page URL known, only a link
    relative to the page's host can be read as the repository's own.
    """
    if not target or not LICENCE_FILE.search(target):
        return False
    if not repo.root:
        return not re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", target, re.IGNORECASE)
    try:
        base, link = urlsplit(repo.root), urlsplit(urljoin(repo.root, target))
    except ValueError:
        return False
    root = base.path.rstrip("/")
    return link.netloc == base.netloc and bool(root) and link.path.startswith(root + "/")


__all__ = ["LICENCE_FILE", "Repository", "own_licence_file", "repository_page"]
