"""JSON-LD nodes with their place in the graph (shared by the licence and paywall detectors).

:meth:`filters.html.ParsedPage.jsonld_nodes` flattens every object but forgets *where* it
sat. Scope needs that: ``license`` on the ``NewsArticle`` is the article's, the same key on
``NewsArticle.image`` is a photo's; ``isAccessibleForFree`` on the article is about the page,
on ``hasPart`` about a section, on an ``itemListElement`` about another page. :func:`ld_nodes`
yields each object with its property path from the top (``@graph`` and list positions dropped)
and its own and its parent's types.

It also recovers blocks the shared parser gives up on but that publishers really ship, such as
JSON wrapped in ``//<![CDATA[ … //]]>`` or several objects in one ``<script>``. Work is capped
(bytes per block, objects per block, nodes per page, nesting depth); nothing here raises. A cap
that leaves part of the JSON-LD unread is reported by :func:`ld_caps`, so a rights detector can
say its reading is incomplete instead of deciding on what came before (fail closed, clearcrawl
issue 11 item 17).
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from filters.html import ParsedPage

MAX_BLOCK_CHARS = 2_000_000
MAX_NODES = 5000
MAX_DEPTH = 25
MAX_RECOVERED = 20

#: schema.org types whose ``license`` / ``isAccessibleForFree`` speak for the page's main text.
PAGE_TYPES = frozenset(
    [
        "creativework",
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "reviewnewsarticle",
        "backgroundnewsarticle",
        "askpublicnewsarticle",
        "satiricalarticle",
        "techarticle",
        "scholarlyarticle",
        "medicalscholarlyarticle",
        "report",
        "blogposting",
        "socialmediaposting",
        "liveblogposting",
        "discussionforumposting",
        "webpage",
        "aboutpage",
        "itempage",
        "qapage",
        "faqpage",
        "collectionpage",
        "profilepage",
        "contactpage",
        "medicalwebpage",
        "recipe",
        "howto",
        "course",
        "learningresource",
        "book",
        "chapter",
        "podcastepisode",
        "episode",
        "thesis",
        "legislation",
        "guide",
        "review",
        "manuscript",
        "digitaldocument",
        "textdigitaldocument",
        "quiz",
        "newsletter",
    ]
)
#: Types that stand for a whole site or publication.
SITE_TYPES = frozenset({"website", "blog", "periodical", "creativeworkseries", "newspaper"})
#: Properties whose values are *other* works or things (their licence is not the page's).
FOREIGN_KEYS = frozenset(
    [
        "image",
        "thumbnail",
        "thumbnailurl",
        "logo",
        "video",
        "audio",
        "associatedmedia",
        "primaryimageofpage",
        "citation",
        "isbasedon",
        "isbasedonurl",
        "mentions",
        "about",
        "comment",
        "review",
        "reviews",
        "itemlistelement",
        "relatedlink",
        "significantlink",
        "workexample",
        "subjectof",
        "author",
        "publisher",
        "creator",
        "contributor",
        "copyrightholder",
        "sourceorganization",
        "translationofwork",
        "exampleofwork",
        "trailer",
        "offers",
        "sponsor",
        "funder",
        "encoding",
        "character",
        "recipeinstructions",
        "step",
        "hasvariant",
    ]
)

_WRAPPERS = re.compile(
    r"^\s*(?://\s*)?(?:/\*\s*)?<!\[CDATA\[(?:\s*\*/)?|(?://\s*)?(?:/\*\s*)?\]\]>(?:\s*\*/)?\s*$"
    r"|^\s*<!--|-->\s*$"
)
_LINE_COMMENT = re.compile(r"^\s*//[^\n]*$", re.MULTILINE)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


@dataclass(frozen=True, slots=True)
class LdNode:
    """One JSON-LD object: ``keys`` is the property path from its top-level node."""

    node: dict[str, Any]
    script: str
    keys: tuple[str, ...]
    types: frozenset[str]
    parent_types: frozenset[str]

    @property
    def locator(self) -> str:
        path = ".".join(self.keys)
        return f"{self.script} {path}".strip() if path else self.script


def type_name(value: str) -> str:
    """Local name of a type IRI or CURIE: ``https://schema.org/NewsArticle`` → ``NewsArticle``."""
    return re.split(r"[/#:]", value.strip())[-1]


def ld_types(node: dict[str, Any]) -> frozenset[str]:
    """Lower-case local names of a node's ``@type`` (``https://schema.org/NewsArticle`` → ``newsarticle``)."""
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    out = set()
    for v in values:
        if isinstance(v, str) and v:
            out.add(type_name(v).lower())
    return frozenset(out)


def ld_strings(value: Any, limit: int = 20) -> list[str]:
    """Return the string values of a JSON-LD property.

    Plain strings, ``@id``/``url``/``@value``/``name`` of objects, and the same inside lists.
    """
    out: list[str] = []
    stack = [value]
    while stack and len(out) < limit:
        v = stack.pop(0)
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, bool | int | float):
            out.append(str(v))
        elif isinstance(v, list):
            stack.extend(v[:limit])
        elif isinstance(v, dict):
            out.extend(
                str(v[key])
                for key in ("@id", "url", "@value", "name", "license")
                if isinstance(v.get(key), str | bool)
            )
    return out


def _recover(raw: str, caps: list[str]) -> list[Any]:
    text = _WRAPPERS.sub("", raw.strip())
    text = _LINE_COMMENT.sub("", text).strip()
    for candidate in (text, _TRAILING_COMMA.sub(r"\1", text)):
        try:
            return [json.loads(candidate, strict=False)]
        except ValueError:
            continue
    # Several objects one after another, or junk around one object.
    out: list[Any] = []
    decoder = json.JSONDecoder(strict=False)
    pos = 0
    cleaned = _TRAILING_COMMA.sub(r"\1", text)
    while pos < len(cleaned):
        if len(out) >= MAX_RECOVERED:
            caps.append(f"JSON-LD objects per block cap ({MAX_RECOVERED}) reached")
            break
        start = min(
            (i for i in (cleaned.find("{", pos), cleaned.find("[", pos)) if i >= 0), default=-1
        )
        if start < 0:
            break
        try:
            value, end = decoder.raw_decode(cleaned, start)
        except ValueError:
            pos = start + 1
            continue
        out.append(value)
        pos = end
    return out


def _documents(page: ParsedPage, caps: list[str]) -> list[tuple[Any, str]]:
    docs = list(page.jsonld)
    if not page.jsonld_errors or page.tree is None:
        return docs
    parsed_paths = {path for _, path in docs}
    for el in page.xpath('//script[contains(translate(@type,"LDJSON","ldjson"),"ld+json")]'):
        path = page.xpath_of(el)
        if path in parsed_paths:
            continue
        raw = el.text or ""
        if not raw.strip():
            continue
        if len(raw) > MAX_BLOCK_CHARS:
            caps.append(
                f"unparsable JSON-LD block over the recovery cap ({MAX_BLOCK_CHARS} characters) "
                f"not read ({path})"
            )
            continue
        values = _recover(raw, caps)
        docs.extend((value, path) for value in values)
        _note_unread_keys(raw, values, path, caps)
    return docs


#: Properties a rights detector reads: a block too damaged to recover them is reported.
RIGHTS_KEYS = ("license", "isAccessibleForFree")


def _note_unread_keys(raw: str, values: list[Any], path: str, caps: list[str]) -> None:
    """Report rights properties a damaged block states that recovery did not get back.

    A block that is not valid JSON is recovered as far as possible (:func:`_recover`); when
    the raw text names ``"license"`` more often than the recovered objects do, a licence was
    lost with the damage — unread, not absent (garbled signals never fail open).
    """
    try:
        recovered = json.dumps(values).lower()
    except (TypeError, ValueError):
        recovered = ""
    low = raw.lower()
    for key in RIGHTS_KEYS:
        quoted = f'"{key.lower()}"'
        if low.count(quoted) > recovered.count(quoted):
            caps.append(f"{key}: damaged JSON-LD block at {path} not fully read")


def _walk(
    value: Any,
    script: str,
    keys: tuple[str, ...],
    parent: frozenset[str],
    out: list[LdNode],
    depth: int,
    caps: list[str],
) -> None:
    if not isinstance(value, dict | list):
        return
    if depth > MAX_DEPTH:
        caps.append(f"JSON-LD nesting cap ({MAX_DEPTH} levels) reached")
        return
    if len(out) >= MAX_NODES:
        caps.append(f"JSON-LD node cap ({MAX_NODES} objects) reached")
        return
    if isinstance(value, dict):
        types = ld_types(value)
        out.append(LdNode(value, script, keys, types, parent))
        for key, child in value.items():
            if isinstance(child, dict | list):
                _walk(
                    child,
                    script,
                    keys if key == "@graph" else (*keys, str(key)),
                    types,
                    out,
                    depth + 1,
                    caps,
                )
    else:
        for child in value:
            if len(out) >= MAX_NODES:
                if isinstance(child, dict | list):
                    caps.append(f"JSON-LD node cap ({MAX_NODES} objects) reached")
                    return
                continue
            _walk(child, script, keys, parent, out, depth + 1, caps)


_ATTR = "_clearcrawl_ld_nodes"
_CAPS_ATTR = "_clearcrawl_ld_caps"


def ld_nodes(page: ParsedPage) -> list[LdNode]:
    """Every JSON-LD object on the page with its path (computed once per page).

    The result is kept on the page object itself (no module-level cache, so concurrent
    workers never share state).
    """
    cached = getattr(page, _ATTR, None)
    if isinstance(cached, list):
        return cached
    out: list[LdNode] = []
    caps: list[str] = []
    try:
        for value, script in _documents(page, caps):
            _walk(value, script, (), frozenset(), out, 0, caps)
    except (RecursionError, ValueError, TypeError) as exc:
        caps.append(f"JSON-LD not fully read ({type(exc).__name__})")
    with contextlib.suppress(AttributeError, TypeError):
        setattr(page, _ATTR, out)
        setattr(page, _CAPS_ATTR, tuple(dict.fromkeys(caps)))
    return out


def ld_caps(page: ParsedPage, key: str = "") -> tuple[str, ...]:
    """Which work caps left part of the page's JSON-LD unread (empty: all of it was read).

    With ``key`` (one of :data:`RIGHTS_KEYS`), reports about damaged blocks are limited to
    those that lost that property; caps that stopped reading apply to every key.
    """
    ld_nodes(page)
    caps = getattr(page, _CAPS_ATTR, ())
    if not isinstance(caps, tuple):
        return ()
    return tuple(
        c
        for c in caps
        if not c.startswith(tuple(f"{k}: " for k in RIGHTS_KEYS))
        or not key
        or c.startswith(f"{key}: ")
    )


__all__ = [
    "FOREIGN_KEYS",
    "PAGE_TYPES",
    "RIGHTS_KEYS",
    "SITE_TYPES",
    "LdNode",
    "ld_caps",
    "ld_nodes",
    "ld_strings",
    "ld_types",
    "type_name",
]
