"""RSL licences in RSS/Atom feeds (RSL 1.0 §4.7, "license feeds"), applied to the feed's items.

RSL 1.0 lets a publisher attach terms to syndicated content: a feed that declares the RSL
namespace (``xmlns:rsl="https://rslstandard.org/rsl"``) on its root element carries
``<rsl:content>`` elements (each with its ``<rsl:license>`` children, the same model as a
licence file, §3), either in the ``<channel>`` / Atom ``<feed>`` (terms for the URLs their
``url`` patterns match, RFC 9309 rules) or in an ``<item>`` / Atom ``<entry>`` (terms for that
item; ``url=""`` or no ``url`` means the item itself, its ``<link>``; rslstandard.org/guide/
file-format, "License Feeds"). An ``<rsl:rsl>`` wrapper holding the contents is read the same way.

Where clearcrawl meets a feed: a page names its feeds with ``<link rel="alternate"
type="application/rss+xml|application/atom+xml" href>``. The crawl fetches each (same origin,
robots.txt permitting, once per cache window, archived as kind ``rsl-feed``:
:mod:`crawler.middlewares.rsllinks`) and the page stage applies what the feed states *for that
page's URL* (:func:`filters.rsl.page.page_rsl`): the item whose link is the page, and the
channel's contents whose ``url`` matches it, combined with the page's other RSL licences most
restrictively (§4.9). The export rebuilds the same from the archived feed.

**What fails closed** (for the pages that link the feed): a feed that declares the RSL namespace
but is not well-formed XML, carries a DTD, is over :data:`MAX_BYTES`, or whose ``rsl:``
elements are not a conformant RSL document (``rsl-unavailable:feed-<cause>``); a feed that
answers 429/5xx or does not answer (``feed-unreachable``: whether it carries terms is unknown).
**What says nothing**: a 4xx, a feed without the RSL namespace, one that mentions neither the
page nor a pattern matching it. A feed on another origin or one robots.txt forbids is not
fetched: unlike ``<link rel="license">``, ``rel="alternate"`` does not claim a licence, so not
reading it claims nothing either (recorded by the crawl's stats, not as a reason).

Total: never raises.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import lxml.etree

from filters.results import Evidence, PolicyFileRef, excerpt
from filters.robots.status import ABSENT, PARSE, classify_fetch, policy_file_ref
from filters.rsl.discover import absolute_http_url
from filters.rsl.document import NAMESPACE, RslDocument, parse_rsl
from filters.rsl.evaluate import (
    NO_CONTEXT,
    RslContext,
    RslOutcome,
    Verdict,
    combine_outcomes,
    evaluate_rsl,
)

KIND = "rsl-feed"
#: Feed media types a page's ``<link rel="alternate">`` names (RSS 2.0 and RFC 4287 Atom).
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml"})
#: Feeds read per page (a page may name its posts', comments' and category feeds).
MAX_FEEDS_PER_PAGE = 3
#: Bytes of a feed read. The RSL namespace must be declared on the root element, so a feed cut
#: at the cap still shows whether it is an RSL feed; one that is and is cut fails closed.
MAX_BYTES = 2_000_000
ATOM = "http://www.w3.org/2005/Atom"
_PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


_FEED_ROOT = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(rss|feed)[\s>]", re.DOTALL)


def looks_like_feed(body: bytes) -> bool:
    """Whether ``body`` starts with an RSS ``<rss>`` or Atom ``<feed>`` root element."""
    return bool(_FEED_ROOT.match(bytes(body[:8192]).removeprefix(b"\xef\xbb\xbf")))


def feed_links(page: Any) -> list[str]:
    """Return the feeds a page names (``<link rel="alternate" type="…rss+xml|atom+xml">``)."""
    if not getattr(page, "is_html", False):
        return []
    out: list[str] = []
    try:
        for el in page.xpath("//link[@href][@rel][@type]"):
            rels = (el.get("rel") or "").lower().split()
            ctype = (el.get("type") or "").split(";", 1)[0].strip().lower()
            if "alternate" in rels and ctype in FEED_TYPES:
                url = absolute_http_url(el.get("href") or "", page.url)
                if url:
                    out.append(url)
    except Exception:  # noqa: BLE001 - a page we cannot read names no feed
        return []
    return list(dict.fromkeys(out))[:MAX_FEEDS_PER_PAGE]


@dataclass(frozen=True, slots=True)
class _Scope:
    """One place in the feed holding RSL contents: the channel, or an item (with its link)."""

    locator: str
    item_url: str
    document: RslDocument


class FeedRsl:
    """A fetched feed's RSL terms, ready to answer for any page URL (``outcome_for``).

    The interface of :class:`filters.rsl.policy.RslPolicy` the page stage uses: ``url``,
    ``ref`` and ``outcome_for(url)`` (``None`` when the feed says nothing about the URL).
    """

    __slots__ = ("cause", "context", "reason", "ref", "scopes", "url")

    def __init__(
        self,
        url: str,
        reason: str,
        *,
        ref: PolicyFileRef | None = None,
        cause: str = "",
        scopes: Sequence[_Scope] = (),
        context: RslContext = NO_CONTEXT,
    ) -> None:
        self.url = url
        self.reason = reason
        self.ref = ref
        self.cause = cause  # non-empty: the feed fails closed for the pages that link it
        self.scopes = tuple(scopes)
        self.context = context

    def outcome_for(self, url: str) -> RslOutcome | None:
        """Return what the feed states for ``url`` (items and channel, most restrictive)."""
        where = Evidence(source=KIND, locator=self.url, note=self.reason)
        if self.cause:
            return RslOutcome(
                verdict=Verdict.UNAVAILABLE,
                cause=f"feed-{self.cause}",
                reason=f"the page's feed {self.url} is an RSL feed that cannot be used: "
                f"{self.reason}; not taken (fail closed)",
                licence_url=self.url,
                evidence=(where,),
            )
        try:
            outs = []
            for scope in self.scopes:
                out = evaluate_rsl(scope.document, url, self.context, asset_url=scope.item_url)
                if out.verdict in (Verdict.NOT_COVERED, Verdict.NONE):
                    continue
                located = Evidence(
                    source=KIND,
                    locator=f"{self.url} {scope.locator}",
                    note="RSL 1.0 §4.7 licence feed",
                )
                outs.append(_with_evidence(out, self.url, (located, *out.evidence)))
        except Exception as exc:  # noqa: BLE001 - a crash fails closed for the page
            return RslOutcome(
                verdict=Verdict.UNAVAILABLE,
                cause="feed-error",
                reason=f"evaluating the feed {self.url} failed ({type(exc).__name__}); not taken",
                licence_url=self.url,
                evidence=(where,),
            )
        return combine_outcomes(outs)


def _with_evidence(out: RslOutcome, feed: str, evidence: tuple[Evidence, ...]) -> RslOutcome:
    return RslOutcome(
        verdict=out.verdict,
        reason=out.reason,
        cause=out.cause,
        licence_url=out.licence_url or feed,
        terms=out.terms,
        attribution=out.attribution,
        licence_urls=out.licence_urls,
        max_age_days=out.max_age_days,
        evidence=evidence,
    )


def _ns(tag: Any) -> tuple[str, str]:
    if not isinstance(tag, str):
        return "", ""
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def _contents(holder: Any) -> list[Any]:
    """Return the ``rsl:content`` elements of a channel/item (direct, or in an ``rsl:rsl``)."""
    found: list[Any] = []
    for child in holder:
        ns, local = _ns(child.tag)
        if ns != NAMESPACE:
            continue
        if local == "content":
            found.append(child)
        elif local == "rsl":
            found.extend(c for c in child if _ns(c.tag) == (NAMESPACE, "content"))
    return found


def _document(contents: list[Any], item_url: str, source: str) -> RslDocument:
    """Wrap contents in an ``<rsl>`` root and parse them as one RSL document (strict, §3)."""
    root = lxml.etree.Element(f"{{{NAMESPACE}}}rsl", nsmap={None: NAMESPACE})
    for content in contents:
        copy = _copy(content, root)
        if item_url and not (copy.get("url") or "").strip():
            copy.set("url", "")  # §4.7: the item itself (its link is the asset)
    parsed = parse_rsl(lxml.etree.tostring(root), source, allow_empty_url=True)
    if parsed.document is None:
        raise _Unusable(parsed.cause or "malformed", parsed.error)
    return parsed.document


def _copy(el: Any, parent: Any) -> Any:
    """Copy ``el`` (tags, attributes, text) under ``parent``, without the feed's namespace map.

    Serialising an element lifted out of an Atom feed keeps Atom as its default namespace and
    lxml then writes RSL-namespace children under it; rebuilding by qualified name avoids that.
    """
    copy = lxml.etree.SubElement(parent, el.tag, attrib=dict(el.attrib))
    copy.text = el.text
    copy.tail = el.tail
    for child in el:
        if isinstance(child.tag, str):
            _copy(child, copy)
    return copy


class _Unusable(ValueError):
    def __init__(self, cause: str, why: str) -> None:
        super().__init__(why)
        self.cause = cause


def _item_link(item: Any, atom: bool, base: str) -> str:
    if atom:
        links = [c for c in item if _ns(c.tag) == (ATOM, "link")]
        for link in links:
            if (link.get("rel") or "alternate") == "alternate" and link.get("href"):
                return absolute_http_url(link.get("href") or "", base)
        return ""
    for child in item:
        if _ns(child.tag) == ("", "link") and (child.text or "").strip():
            return absolute_http_url(child.text or "", base)
    return ""


def _scopes(root: Any, url: str) -> list[_Scope]:
    ns, local = _ns(root.tag)
    if (ns, local) == (ATOM, "feed"):
        channel, atom = root, True
        items = [c for c in root if _ns(c.tag) == (ATOM, "entry")]
    elif (ns, local) == ("", "rss"):
        channel = next((c for c in root if _ns(c.tag) == ("", "channel")), None)
        if channel is None:
            raise _Unusable("structure", "an <rss> feed without <channel>")
        atom = False
        items = [c for c in channel if _ns(c.tag) == ("", "item")]
    else:
        raise _Unusable("structure", f"root element {local!r} is neither RSS <rss> nor Atom <feed>")
    scopes: list[_Scope] = []
    contents = _contents(channel)
    if contents:
        scopes.append(_Scope("channel", "", _document(contents, "", url)))
    for index, item in enumerate(items):
        contents = _contents(item)
        if not contents:
            continue
        link = _item_link(item, atom, url)
        what = "entry" if atom else "item"
        if not link and any(not (c.get("url") or "").strip() for c in contents):
            raise _Unusable(
                "structure", f"{what} [{index}] has RSL terms for itself but no link to apply to"
            )
        scopes.append(_Scope(f"{what}[{index}] {link}", link, _document(contents, link, url)))
    return scopes


def rsl_from_feed_fetch(
    url: str,
    status: int,
    body: bytes,
    fetched_at: str,
    *,
    final_url: str = "",
    error: str = "",
    context: RslContext = NO_CONTEXT,
    max_bytes: int = MAX_BYTES,
) -> FeedRsl:
    """Map one fetch of a feed to its RSL terms (rules in the module docstring)."""
    body = bytes(body or b"")
    ref = policy_file_ref(
        KIND,
        url,
        status,
        body,
        fetched_at,
        final_url=final_url,
        error=error,
        truncated=len(body) > max_bytes,
    )
    outcome, reason = classify_fetch("feed", status, error)
    if outcome == ABSENT:
        return FeedRsl(url, f"{reason}: no RSL terms", ref=ref, context=context)
    if outcome != PARSE:
        return FeedRsl(
            url,
            reason.replace(
                "a reservation cannot be ruled out", "whether it carries RSL terms is unknown"
            ),
            ref=ref,
            cause="unreachable",
            context=context,
        )
    try:
        return _read(url, body, ref, context, max_bytes, final_url or url)
    except Exception as exc:  # noqa: BLE001 - a crash on an RSL feed fails closed
        return FeedRsl(
            url, f"the feed could not be read ({type(exc).__name__})", ref=ref, cause="malformed"
        )


def _declares_rsl(body: bytes) -> bool:
    """Whether the root element declares the RSL namespace (the guide: on the root element)."""
    head = body[:65536]
    start = head.find(b"<rss")
    if start < 0:
        start = head.find(b"<feed")
    if start < 0:
        return NAMESPACE.encode() in head
    end = head.find(b">", start)
    return NAMESPACE.encode() in head[start : end if end > 0 else len(head)]


def _read(
    url: str,
    body: bytes,
    ref: PolicyFileRef,
    context: RslContext,
    max_bytes: int,
    base: str,
) -> FeedRsl:
    if not _declares_rsl(body):
        return FeedRsl(url, "the feed declares no RSL namespace: no RSL terms", ref=ref)
    if len(body) > max_bytes:
        return FeedRsl(
            url,
            f"an RSL feed of {len(body)} bytes, over the {max_bytes}-byte cap: its terms for "
            "later items were not read",
            ref=ref,
            cause="oversized",
            context=context,
        )
    if b"<!doctype" in body[:4096].lower() or b"<!entity" in body.lower():
        return FeedRsl(
            url, "an RSL feed with a document type declaration (refused)", ref=ref, cause="doctype"
        )
    try:
        root = lxml.etree.fromstring(body, lxml.etree.XMLParser(**_PARSER_OPTIONS))
    except lxml.etree.XMLSyntaxError as exc:
        return FeedRsl(
            url,
            f"an RSL feed that is not well-formed XML ({excerpt(str(exc), 160)})",
            ref=ref,
            cause="malformed",
            context=context,
        )
    try:
        scopes = _scopes(root, base)
    except _Unusable as exc:
        return FeedRsl(
            url,
            f"its RSL elements are not a usable RSL 1.0 licence: {excerpt(str(exc), 200)}",
            ref=ref,
            cause=exc.cause,
            context=context,
        )
    where = ", ".join(s.locator for s in scopes) or "none"
    return FeedRsl(
        url,
        f"RSL feed: {len(scopes)} place(s) with terms ({excerpt(where, 200)})",
        ref=ref,
        scopes=scopes,
        context=context,
    )


__all__ = [
    "FEED_TYPES",
    "KIND",
    "MAX_BYTES",
    "MAX_FEEDS_PER_PAGE",
    "FeedRsl",
    "feed_links",
    "looks_like_feed",
    "rsl_from_feed_fetch",
]
