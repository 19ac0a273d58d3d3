"""Licence detection: which licence covers the page's main text, and why.

Signals read (HTML §4.6.7.9, ccREL, schema.org), each kept as a :class:`LicenseHit` with its
evidence (source, locator, raw URL or text) and the reason for its scope:

1. HTTP ``Link: <…>; rel="license"`` header and ``<link rel="license">`` in ``<head>`` — the HTML
   link type means "licence of the main content", so **page**.
2. Document metadata: Dublin Core / DCMI ``<meta name="DC.rights" | "DCTERMS.license" |
   "DC.rights.license" | …>`` (prefixes case-insensitive; URL or free text; ``content`` or the
   ``value`` some tools write) and RDFa ``cc:license``/``dct:license``/``xhv:license`` in the head —
   **page**.
3. JSON-LD ``license`` anywhere in the graph (``@graph``, ``mainEntity``, ``hasPart``, lists,
   string or object values). Scope from the node: the article/web page → page, ``WebSite``/
   ``Blog`` → site, an ``ImageObject``, a ``hasPart`` element or any object reached through
   ``image``, ``citation``, ``itemListElement``, ``author``… → part.
4. Microdata ``itemprop="license"`` and RDFa licence properties in the body, ``rel="license"``
   on ``<a>``/``<area>``, any link to a licence URL, licence badge images
   (``i.creativecommons.org/l/by-sa/3.0/de/88x31.png``, ``licensebuttons.net``), and licence
   names in visible text (:func:`filters.license.names.find_license_names`, six languages). These are
   read *per statement* (the nearest block around them): the region of the page
   (:func:`filters.license.regions.classify`: head, article, figure caption, reader comment, quotation,
   code, teaser, footer, sidebar, navigation, script) together with what the statement's words
   say it covers (:mod:`filters.license.text`) decide page, site or part. extruct-style RDFa
   triples are not used because they lose the DOM position.
5. Licence URLs inside ``<script>`` (map-tile attribution, widget credits) — always part.

Part, whatever the region: captions and credits (``<figcaption>``, ``wp-caption``, a statement
right after a content picture or linking a file page on Wikimedia Commons/Flickr/…), reader
comments, quotations, code, teasers for other pages, statements whose subject is not the text
("Die Bilder in diesem Blog", "Alle Fotos", "user contributions", "Lightbox2", "map data",
"this file"), someone else's licence ("their creative commons licence", "Wikipedia's text").
"User contributions licensed under …" is part too, except on a page whose main content is itself
user-contributed (schema.org ``QAPage`` or ``DiscussionForumPosting``), where it names the text.
In the article itself a licence counts for the page only when it is granted for it: rel=license
or microdata, a "Licence:" line, "this article/Dieser Text …", or a short grant that names no
other subject; a licence discussed in prose (an article *about* licences), credited without a
grant, or a software licence named in documentation is part. Three or more different licences
in one statement with none said to be the text's are a list or an explainer (part). In site
chrome (footer, sidebar, navigation, header, anything outside the article) a statement is
site-wide unless it names "this page"; a link whose text is a licence name but whose target is
not a licence (a menu entry "GFDL Lizenz") is a navigation label, not a statement.

6. On a page made of user contributions (schema.org ``QAPage``, ``DiscussionForumPosting``), the
   licence each contribution carries (:mod:`filters.license.contributions`): page scope, one
   claim per contribution naming its contributor.

Aggregation (§3): the most specific statement that covers the main text wins (page over site);
a page-level "all rights reserved" in the article beats a site licence; the same level stating
both a licence and a reservation, or two licences that cannot be ranked, is ``ambiguous`` (the
default policy excludes it). Several rankable licences for the text → the most restrictive,
unless the statement says "A or B" (dual licence, reported as ``A OR B``). Contributions under
different licences (or versions) are all in force at once: ``A AND B``, every contribution
listed as evidence. An unversioned text
mention takes its version from a link to the same licence family; otherwise it stays
``LicenseRef-…-unversioned``, which the default policy does not allow (fail closed). Third-party
text inside the main text ("Die Textausschnitte stammen zum Teil aus Wikipedia … unter CC BY-SA")
is licensed by its own statement, not the site's: that statement is part-level, but its licence
joins the text's (the most restrictive governs), and when its version is not stated or it cannot
be ranked, part of the text's terms are unknown → ``ambiguous``.

A licence statement whose target is not a known licence (``<link rel=license>`` to a site's own
terms page, a JSON-LD ``license`` naming nothing recognised) is kept as an *unrecognised* hit
with the scope its place gives it; at page or site scope it makes the finding ``ambiguous``:
the text is under terms nobody has read (clearcrawl issue 11 item 18). Licence URLs are
normalised (RFC 3986 §6.2.2, :func:`filters.license.spdx.normalize_url`) before they are classified.

Bad input: no tree (empty, not HTML, unparsable) → ``spdx=None`` with the parser's note as the
reason. Work is capped (bytes parsed, statements, text nodes, JSON-LD nodes, characters per
statement) so a huge page costs a bounded amount; a cap that leaves part of the page unread
makes the finding ``ambiguous`` with a hit naming the cap (``LicenseRef-not-read``), because a
statement in the unread part could be the one that governs (clearcrawl issue 11 item 17; Nutch
likewise skips truncated documents). Caps that only skip what can never license the main text
(reader comments, scripts) or only shorten the evidence list stay silent; each says why.
"""

from __future__ import annotations

from filters.html import MAX_PARSE_BYTES, ParsedPage
from filters.license.body import _from_body
from filters.license.common import _abs, _Found
from filters.license.contributions import _from_contributions
from filters.license.jsonld_claims import _from_jsonld
from filters.license.links import _from_head, _from_headers, _from_scripts
from filters.license.names import find_license_names
from filters.license.resolve import _finding
from filters.results import LicenseFinding, Scope


def detect_license(page: ParsedPage) -> LicenseFinding:
    """Find the licence covering the page's main text.

    See the module docstring for the signals, their precedence and the scope rules. Never
    raises on bad input; a page without a tree gives ``spdx=None`` with the parser's note.
    """
    found = _Found()
    _from_headers(page, found)
    if page.truncated:
        found.cap(
            f"the body after the first {MAX_PARSE_BYTES} bytes",
            f"filters._html.MAX_PARSE_BYTES={MAX_PARSE_BYTES}",
        )
    tree = page.tree
    if tree is None:
        if found.claims or found.unrecognised:
            return _finding(found.claims, found.reserved, found.unrecognised, found.caps)
        why = "; ".join(page.notes) or "no HTML document"
        return LicenseFinding(spdx=None, scope=None, reason=f"no licence read: {why}")
    _from_head(page, found)
    _from_jsonld(page, found)
    _from_body(page, found)
    _from_contributions(page, found)
    _from_scripts(page, found)
    _name_unknown_targets(page, found)
    return _finding(found.claims, found.reserved, found.unrecognised, found.caps)


def _name_unknown_targets(page: ParsedPage, found: _Found) -> None:
    """Read what the page's own links say an unrecognised licence target is.

    ``<link rel=license href=/copyright>`` with, in the footer, ``<a href=/copyright>CC BY-SA
    4.0</a>``: the page itself names the document's licence. When every link to that target
    names one and the same versioned licence, the claim records it (:func:`_finding` then
    does not count the target as unknown terms if that licence is also stated for the text).
    Only pages with an unrecognised page- or site-level claim pay for this.
    """
    wanted = {
        u.lic.url for u in found.unrecognised if u.scope in (Scope.PAGE, Scope.SITE) and u.lic.url
    }
    if not wanted:
        return
    named: dict[str, set[str]] = {}
    for body in page.xpath("//body"):
        for el in body.iter("a", "area"):
            href = el.get("href")
            url = _abs(page, href) if href else ""
            if url not in wanted:
                continue
            try:
                text = el.text_content()[:500]
            except (ValueError, TypeError):
                continue
            ids = {m.license.spdx for m in find_license_names(text) if m.license.versioned}
            named.setdefault(url, set()).update(ids or {""})
    for u in found.unrecognised:
        ids = named.get(u.lic.url or "", set())
        if len(ids) == 1 and "" not in ids:
            u.named = next(iter(ids))
