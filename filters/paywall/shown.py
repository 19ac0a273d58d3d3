"""Walls a page shows without declaring them (step 4 of :mod:`filters.paywall.detect`).

The article body container marked locked, a teaser-length article ending in a subscription or
registration prompt, and the landing page of a subscription article that offers the article for
sale. Heuristics: each reason says so, and a publisher's declaration always comes first.
"""

from __future__ import annotations

import re
from typing import Any

import lxml.etree

from filters.html import ParsedPage
from filters.license.regions import main_container
from filters.paywall.markers import (
    BODY_CLASS,
    INSTITUTION_OFFER,
    LOCKED_CLASS,
    LOCKED_HINTS,
    PROMPT_HINTS,
    PURCHASE_OFFER,
    REGISTER_PROMPT,
    SCHOLARLY_META,
    SUBSCRIBE_PROMPT,
    TEASER_MAX_CHARS,
)
from filters.results import Evidence, excerpt


def _article_element(page: ParsedPage) -> Any:
    # "//*[@itemprop='articleBody']", read from the "//*[@itemprop]" answer the microdata
    # reader asks for anyway: the same elements in the same order, one walk of the tree fewer
    found = [el for el in page.xpath("//*[@itemprop]") if el.get("itemprop") == "articleBody"]
    for expr in ("//article", "//main"):
        if found:
            break
        found = page.xpath(expr)
    if found:
        return max(found, key=lambda e: len(e.text_content()) if e is not None else 0)
    return main_container(page.tree)


#: Elements whose class or id may carry a :data:`LOCKED_CLASS` name.
_LOCKED_XPATH = (
    "//body//*["
    + " or ".join(f"contains(@class,'{h}') or contains(@id,'{h}')" for h in LOCKED_HINTS)
    + "]"
)
_LOCKED_HINT = re.compile("|".join(re.escape(h) for h in LOCKED_HINTS))


def locked_candidates(page: ParsedPage) -> list[Any]:
    """Return the elements :data:`_LOCKED_XPATH` selects, in document order.

    With one ``<body>``, one C-level walk of its descendant elements (``*`` selects elements
    only: no comments or processing instructions) with a regular expression on ``class`` and
    ``id``: about a quarter of the XPath's time, which evaluates twelve ``contains()`` per
    element (a missing attribute is the empty string there, holding no hint). Any other number
    of bodies is left to the XPath (``//body//*`` lists an element of nested bodies once).
    Same answers: tests/filters/paywall/test_locked_candidates.py.
    """
    root = page.tree
    if root is None:
        return []
    bodies = page.elements("body")  # list(root.iter("body")), from the walk the page shares
    if len(bodies) != 1:
        return page.xpath(_LOCKED_XPATH)
    hint = _LOCKED_HINT.search
    out: list[Any] = []
    for el in bodies[0].iterdescendants(lxml.etree.Element):
        cls = el.get("class")
        ident = el.get("id")
        if (cls and hint(cls)) or (ident and hint(ident)):
            out.append(el)
    return out


def _purchase_offer(page: ParsedPage) -> tuple[str, str, Evidence] | None:
    """Recognise an abstract-only landing page of a subscription article (no access declared).

    Scholarly article metadata (:data:`SCHOLARLY_META`) and an offer to buy the article: the
    publisher sells what the page does not show. An offer of institutional access is quoted as
    well but never decides alone (free pages of subscription publishers show it). The offers
    are read in the whole page, scripts included (platforms render their access bar from page
    data).
    """
    if not any(SCHOLARLY_META.match(key) for key, _, _ in page.metas):
        return None
    raw = page.text[:2_000_000]
    buy = PURCHASE_OFFER.search(raw)
    if buy is None:
        return None
    institution = INSTITUTION_OFFER.search(raw)
    offers = sorted(
        {buy.group(0).lower()} | ({institution.group(0).lower()} if institution else set())
    )
    return (
        "hard",
        (
            "scholarly article page offering paid access ("
            + ", ".join(f"'{o}'" for o in offers)
            + ") with no access declared: abstract-only page of a subscription article"
        ),
        Evidence(
            source="text",
            locator="page",
            excerpt=excerpt(buy.group(0)),
            note="purchase offer on an article landing page (heuristic)",
        ),
    )


def shown_wall(page: ParsedPage) -> tuple[str, str, Evidence] | None:
    """``(kind, reason, evidence)`` when the page shows a wall without declaring one."""
    offered = _purchase_offer(page)
    if offered is not None:
        return offered
    raw = page.text
    hinted = any(h in raw for h in LOCKED_HINTS)
    candidates = locked_candidates(page) if hinted else []
    for el in candidates:  # no cap: a wall marked on the 201st candidate is still a wall
        classes = f"{el.get('class') or ''} {el.get('id') or ''}"
        if not BODY_CLASS.search(classes) and el.tag not in {"article", "main"}:
            continue
        lock = next((c for c in classes.split() if LOCKED_CLASS.search(c)), None)
        if lock and len(el.text_content().strip()) > 0:
            return (
                "hard",
                f"the article body container is marked '{lock}' (no structured declaration)",
                Evidence(
                    source="html:class",
                    locator=page.xpath_of(el),
                    excerpt=excerpt(classes),
                    note="article body marked locked",
                ),
            )
    article = _article_element(page)
    if article is None:
        return None
    paragraphs = sum(len(p.text_content().strip()) for p in article.iter("p"))
    if paragraphs >= TEASER_MAX_CHARS:
        return None
    text = " ".join(article.text_content().split())[-5000:]
    low = text.lower()
    if not any(hint in low for hint in PROMPT_HINTS):
        return None
    for rx, kind in ((REGISTER_PROMPT, "registration"), (SUBSCRIBE_PROMPT, "hard")):
        m = rx.search(text)
        if m:
            return (
                kind,
                (
                    f"teaser-length article ({paragraphs} characters of paragraphs) with a "
                    f"{'registration' if kind == 'registration' else 'subscription'} prompt"
                ),
                Evidence(
                    source="text",
                    locator=page.xpath_of(article),
                    excerpt=excerpt(m.group(0)),
                    note="truncated-article cue (heuristic)",
                ),
            )
    return None


__all__ = ["shown_wall"]
