"""Pages made of several contributions, each carrying its own licence (Q&A threads, forums).

A question-and-answer thread is the work of many people, and platforms mark the licence of
each post, often with different versions as their terms changed over the years (a question of
2014 under CC BY-SA 3.0, an answer of 2019 under CC BY-SA 4.0): in a post's share or cite data
(``data-…-license-url="https%3a%2f%2fcreativecommons.org%2flicenses%2fby-sa%2f3.0%2f"``,
``data-…-license-name="CC BY-SA 3.0"``) or on its timestamp (``title="2014-02-07 10:53Z,
License: CC BY-SA 3.0"``). The page's text is then covered by all of them at once: each
contribution is one :class:`~filters.license.common._Claim` at page scope, with the contributor
named in its evidence (the attribution every one of these licences requires: CC BY-SA 4.0
§3(a)(1)(A)(i), 3.0 §4(c)), and :func:`filters.license.resolve._finding` combines them into one
SPDX ``AND`` expression (SPDX specification v2.3 Annex D.4, "conjunctive" licences).

Read only on pages whose main content declares itself user-contributed (schema.org ``QAPage``
or ``DiscussionForumPosting``, :func:`filters.license.body._user_content`), and only markers
inside a contribution: a schema.org ``Question``/``Answer``/``Comment`` item (or the
``acceptedAnswer``/``suggestedAnswer``/``comment`` property), or an element whose class or id
is one of the usual post names. Anything else (a licence in a share widget of the whole page)
is left to the other sources.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from filters.html import ParsedPage
from filters.license.body import _user_content
from filters.license.common import _STRENGTH, _Claim, _Found
from filters.license.names import find_license_names
from filters.license.spdx import CC_UNSPECIFIED, PUBLIC_DOMAIN_TEXT, LicenseId, license_url_to_spdx
from filters.results import Scope

#: Elements carrying a licence in an attribute named for it, or on a title ("…, License: …").
_MARKER_XPATH = (
    "//body//*[@*[contains(translate(name(),'LICENS','licens'),'licens')"
    " or contains(translate(name(),'LICENC','licenc'),'licenc')]]"
    " | //body//*[@title[contains(translate(.,'LICENS','licens'),'licens')]]"
)
#: Substrings without which a page does not declare itself a ``QAPage`` or a
#: ``DiscussionForumPosting`` as schema.org spells them (a page spelling the type otherwise is
#: not read as a thread: its contributions' licences are then not combined, fail closed).
_PAGE_TYPE_HINTS = ("QAPage", "ForumPosting")
#: Work cap: markers read per page (a thread of hundreds of posts still shows every licence
#: used long before this; past it the finding says the rest was not read).
MAX_MARKERS = 400
#: Ancestors climbed from a marker to find its contribution.
_MAX_CLIMB = 30
_POST_TYPES = frozenset(
    {"question", "answer", "comment", "discussionforumposting", "socialmediaposting"}
)
_POST_PROPS = frozenset({"acceptedanswer", "suggestedanswer", "comment", "answer"})
_POST_TOKEN = re.compile(r"(?:question|answer|comment|post|reply|message)(?:-\d+)?", re.IGNORECASE)


def _contribution(el: Any) -> tuple[Any, str] | None:
    """Find the contribution ``el`` belongs to and what it is ("answer", "comment"…), or None."""
    node = el
    for _ in range(_MAX_CLIMB):
        if node is None or not isinstance(node.tag, str) or node.tag in {"body", "html"}:
            return None
        itemtype = (node.get("itemtype") or "").rstrip("/").rsplit("/", 1)[-1].lower()
        props = set((node.get("itemprop") or "").lower().split())
        if itemtype in _POST_TYPES:
            return node, itemtype
        if props & _POST_PROPS:
            return node, min(props & _POST_PROPS)
        for token in ((node.get("class") or "") + " " + (node.get("id") or "")).split():
            if _POST_TOKEN.fullmatch(token):
                return node, token.split("-")[0].lower()
        node = node.getparent()
    return None


def _contributor(post: Any) -> str:
    """Return the contributor's name as the post shows it ("" when it shows none)."""
    for expr in (
        ".//*[@itemprop='author']//*[@itemprop='name']",
        ".//*[@itemprop='author']//a",
        ".//*[@itemprop='author']",
        ".//a[contains(@class,'user') or contains(@class,'author')]",
        ".//*[contains(@class,'user') or contains(@class,'author')]//a",
    ):
        for found in post.xpath(expr):
            name = " ".join(found.text_content().split())[:80]
            if name:
                return name
    return ""


def _licences(el: Any) -> list[tuple[LicenseId, str]]:
    """Licences the marker names, each with the attribute that named it."""
    out: list[tuple[LicenseId, str]] = []
    for key, value in el.items():
        low = key.lower()
        if "licen" not in low and not (low == "title" and "licen" in value.lower()):
            continue
        text = unquote(value)[:300]
        lic = license_url_to_spdx(text) if re.match(r"(?:https?:)?//", text) else None
        if lic is not None:
            out.append((lic, f"{key}={text}"))
            continue
        out.extend(
            (m.license, f"{key}={text}")
            for m in find_license_names(text)
            if m.license.spdx not in {CC_UNSPECIFIED, PUBLIC_DOMAIN_TEXT}
        )
    return out


def _from_contributions(page: ParsedPage, found: _Found) -> None:
    """Add one page-level claim per contribution whose licence the page marks."""
    if not any(t in page.text for t in _PAGE_TYPE_HINTS):
        return  # cheap: most pages are no Q&A thread or forum
    how = _user_content(page)
    if not how:
        return
    markers = page.xpath(_MARKER_XPATH)
    if len(markers) > MAX_MARKERS:
        found.cap(
            f"licence markers of contributions past the first {MAX_MARKERS}",
            f"filters.license.contributions.MAX_MARKERS={MAX_MARKERS}",
        )
    # Keyed by id(): lxml reuses the ids of dead element proxies, so the value keeps each
    # container alive for as long as its key is in use.
    seen: dict[tuple[int, str], Any] = {}
    for el in markers[:MAX_MARKERS]:
        licences = _licences(el)
        if not licences:
            continue
        post = _contribution(el)
        if post is None:
            continue
        container, kind = post
        by_id = {lic.spdx: (lic, attr) for lic, attr in licences}
        for spdx, (lic, attr) in by_id.items():
            if (id(container), spdx) in seen:
                continue
            seen[(id(container), spdx)] = container
            who = _contributor(container) or "a contributor not named on the page"
            found.claims.append(
                _Claim(
                    lic,
                    Scope.PAGE,
                    f"licence of one contribution ({kind} by {who}) on a page made of user "
                    f"contributions ({how})",
                    "html:contribution",
                    page.xpath_of(container),
                    f"{kind} by {who}: {spdx} ({attr})",
                    "dom",
                    _STRENGTH["link"],
                    contribution=who,
                )
            )
