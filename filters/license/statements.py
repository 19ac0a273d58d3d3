"""One licence statement in the body and what it covers.

Its context sentence, whose work it names (the page, the site, a picture, software), the
scope decision (:func:`_decide`), and statements that name no licence we recognise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from filters.license.jsonld import (
    PAGE_TYPES,
    SITE_TYPES,
)
from filters.license.regions import (
    Placement,
    Region,
    classify,
    sentence_bounds,
)
from filters.license.repository import LICENCE_FILE, Repository, own_licence_file
from filters.license.spdx import (
    CC_UNSPECIFIED,
    PUBLIC_DOMAIN_TEXT,
    LicenseId,
)
from filters.license.text import (
    CLAUSE_SEP,
    DUAL,
    USER_CONTRIBUTIONS,
    coverage,
    grant_cue,
    subject,
    third_party,
)
from filters.license.text import (
    GRANT as GRANT_RE,
)
from filters.license.text import (
    TEXT_WORDS as TEXT_WORDS_RE,
)
from filters.results import Scope

# -- statements in the body ------------------------------------------------------------------


@dataclass(slots=True)
class _Anchor:
    el: Any
    kind: str  # "link", "prop", "badge"
    lic: LicenseId | None
    machine: bool
    url: str


def _joined(low: str, a: int, b: int) -> bool:
    gap = re.sub(r"[\s,;/&+()\[\]|-]+", " ", low[a:b]).strip()
    return gap == "" or bool(DUAL.fullmatch(gap)) or gap in {"and", "und", "et", "y", "e", "en"}


def _context(
    text: str, low: str, span: tuple[int, int], others: list[tuple[int, int]]
) -> tuple[int, int]:
    """Return the bounds of the part of the statement that speaks about the licence at ``span``.

    The sentence around it; narrowed to its own clause when the sentence names several
    licences ("Texts CC BY-SA 4.0, photos CC BY-NC 2.0") or joins unrelated items with visual
    separators ("© 2020 X · Kommentare (RSS) · Sofern nicht anders angegeben …"). A clause that
    names nothing is widened to the clause before it ("Foto: X | Lizenz: CC BY 4.0").
    """
    s, e = sentence_bounds(low, span[0], span[1])
    # Licences joined by "or" / "/" ("[GFDL or CC-BY-SA-3.0], via Wikimedia Commons") share
    # one statement: only a neighbour with words of its own in between starts another clause.
    before = [
        o for o in others if o[1] <= span[0] and o[0] >= s and not _joined(low, o[1], span[0])
    ]
    after = [o for o in others if o[0] >= span[1] and o[1] <= e and not _joined(low, span[1], o[0])]
    if before:
        s = max(o[1] for o in before)
    if after:
        nxt = min(o[0] for o in after)
        cut = max((m.end() for m in re.finditer(r"[,;]\s", low[span[1] : nxt])), default=None)
        e = span[1] + cut if cut is not None else nxt
    seps = list(CLAUSE_SEP.finditer(low, s, e))
    if seps:
        left = [m for m in seps if m.end() <= span[0]]
        right = [m for m in seps if m.start() >= span[1]]
        cs = left[-1].end() if left else s
        ce = right[0].start() if right else e
        clause = low[cs:ce]
        if coverage(clause)[0] is None and subject(clause)[0] is None and len(left) >= 1:
            cs = left[-2].end() if len(left) >= 2 else s
        s, e = cs, ce
    return s, e


#: Software licences: named in an article they describe software, not the article's text.
_SOFTWARE = re.compile(r"^(?:MIT|Apache|BSD|0BSD|GPL|LGPL|AGPL|MPL|EPL|ISC|WTFPL|BSL|Unlicense)\b")
#: Pages of single media files on photo/media hosts: a statement linking one is a credit.
_MEDIA_HOSTS = re.compile(
    r"commons\.wikimedia\.org/wiki/(?:file|datei|fichier|archivo|image|bild):|flickr\.com/photos/"
    r"|unsplash\.com/(?:photos|@)|pixabay\.com/|pexels\.com/photo|gettyimages\.|istockphoto\.com"
    r"|shutterstock\.com/|500px\.com/photo",
    re.IGNORECASE,
)
_IMAGE_TAGS = frozenset({"img", "picture", "video", "figure", "svg"})


def _media_credit(block: Any, links: list[Any]) -> str:
    """Say why a statement is a picture/media credit, or "" (see :func:`_decide`).

    A link to a single-file page on a media host, or a statement standing right after an
    image in the same small container (``<img>`` + ``<div class="license-info">``).
    """
    for a in links:
        href = a.get("href") or ""
        m = _MEDIA_HOSTS.search(href)
        if m:
            return f"links the media file page {m.group(0).rstrip('/:')}"
    prev = block.getprevious()
    if prev is not None and isinstance(prev.tag, str) and _is_picture(prev):
        return f"stands right after an <{prev.tag}>"
    return ""


def _is_picture(el: Any) -> bool:
    """Tell whether ``el`` is (or only wraps) a content picture.

    Not a linked logo or button, not a licence badge, not a small icon.
    """
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    if tag == "img":
        src = (el.get("src") or "") + (el.get("data-src") or "")
        if (
            "creativecommons.org" in src
            or "licensebuttons" in src
            or re.search(r"(?:88|80)x(?:31|15)\.", src)
        ):
            return False
        width = el.get("width") or ""
        if width.isdigit():
            return int(width) >= 150
        # Unknown size: a linked image is more often a logo or button in a row of them.
        return next(el.iterancestors("a"), None) is None
    if tag in _IMAGE_TAGS:
        return True
    try:
        return len(el.text_content().strip()) < 5 and any(
            _is_picture(i) for i in el.iter("img", "picture", "video")
        )
    except (ValueError, TypeError):
        return False


_FILLER = re.compile(
    r"(?<![\w-])(?:is|are|was|were|be|been|ist|sind|wird|wurde|werden|est|sont|es|son|è|sono|wordt|zijn"
    r"|it|this|these|dies|dieses|ceci|cela|esto|questo|dit|all|alle|tout|todo|tutto|hier|here)(?![\w-])"
)


def _bare_grant(ctx: str) -> bool:
    """Tell whether a short grant names no subject of its own.

    "Licensed under CC BY 4.0.", "Text is available under …" are about the page; "Wikipedia
    is licensed under …" is about someone else's work.
    """
    cue = GRANT_RE.search(ctx)
    if cue is None:
        return False
    before = TEXT_WORDS_RE.sub(" ", _FILLER.sub(" ", ctx[: cue.start()]))
    return not re.search(r"[^\W\d_]{2}", before)


#: "Licence: CC BY 4.0" — a labelled licence line (the article's metadata, not prose).
_LABEL = re.compile(
    r"(?:^|[\s(])(?:license|licence|licensing|lizenz|licencia|licenza|licentie|licencja)\s*:"
)


def _chrome_name(p: Placement) -> str:
    return {
        Region.FOOTER: "site footer",
        Region.SIDEBAR: "sidebar",
        Region.NAV: "navigation",
        Region.HEADER: "site header",
        Region.BODY: "page chrome",
    }.get(p.region, p.region.value)


class _Scoped(NamedTuple):
    """The scope given to one licence statement, and why."""

    scope: Scope
    reason: str
    #: The statement licenses third-party material *inside* the main text (excerpts quoted
    #: from elsewhere): it does not license the text, but the text's terms must include it.
    portion: bool = False


def _decide(
    placement: Placement,
    lic: LicenseId,
    kind: str,
    machine: bool,
    ctx: str,
    statement: str,
    owner_type: str,
    media: str = "",
    target: str = "",
    user_content: str = "",
    repository: Repository | None = None,
) -> _Scoped | None:
    """Scope of one licence statement; None when it is not a licence statement at all."""
    where = placement.describe()
    region = placement.region
    if lic.spdx == CC_UNSPECIFIED and not (machine or grant_cue(ctx)):
        return None  # "Creative Commons" named in passing is not a statement about anything
    if region == Region.SCRIPT:
        return _Scoped(Scope.PART, f"inside a script ({where})")
    if region == Region.COMMENT:
        return _Scoped(Scope.PART, f"inside a reader comment ({where})")
    if region == Region.CAPTION:
        return _Scoped(Scope.PART, f"in an image/media caption or credit ({where})")
    if region == Region.QUOTE:
        return _Scoped(Scope.PART, f"inside a quotation ({where})")
    if region == Region.CODE:
        return _Scoped(Scope.PART, f"inside a code block ({where})")
    if owner_type and owner_type not in PAGE_TYPES and owner_type not in SITE_TYPES:
        return _Scoped(
            Scope.PART,
            f"microdata license of a {owner_type} item, not of the page's text ({where})",
        )
    cov, word = coverage(ctx, user_content=bool(user_content))
    if cov == "text" and user_content and USER_CONTRIBUTIONS.fullmatch(word):
        name = _chrome_name(placement) if region != Region.MAIN else "article"
        return _Scoped(
            Scope.SITE,
            f"{name} statement licenses '{word}' and this page's main content is user-contributed "
            f"({user_content}) ({where})",
        )
    if cov == "excerpt":
        return _Scoped(
            Scope.PART,
            f"the statement is about third-party '{word}' within the text, not the text as a "
            f"whole ({where})",
            portion=True,
        )
    if cov == "part":
        return _Scoped(Scope.PART, f"the statement is about '{word}', not the text ({where})")
    other = third_party(ctx)
    if other:
        return _Scoped(Scope.PART, f"someone else's licence is talked about ('{other}') ({where})")
    if region == Region.TEASER:
        return _Scoped(Scope.PART, f"in a teaser for another page ({where})")
    cue = grant_cue(ctx)
    subj, words = subject(statement)
    if lic.spdx == CC_UNSPECIFIED and not (machine or cue):
        return None
    if lic.spdx == PUBLIC_DOMAIN_TEXT and not (cue and subj in {"page", "site", "work"}):
        return _Scoped(
            Scope.PART,
            f"'public domain' mentioned without stating that this page or site is ({where})",
        )
    grant = "rel=license" if machine else (f"'{cue}'" if cue else "")
    if owner_type in PAGE_TYPES:
        return _Scoped(Scope.PAGE, f"microdata license of the page's {owner_type} item ({where})")
    if owner_type in SITE_TYPES:
        return _Scoped(Scope.SITE, f"microdata license of the {owner_type} item ({where})")
    if media:
        return _Scoped(Scope.PART, f"a credit for a picture or media file ({media}) ({where})")
    if repository is not None and own_licence_file(target, repository):
        return _Scoped(
            Scope.PAGE,
            f"repository page ({repository.how}): the README shown is a file of the repository, "
            f"under the licence its licence file link names ({where})",
        )
    if region == Region.MAIN:
        if _SOFTWARE.match(lic.spdx) and not machine and subj != "page":
            return _Scoped(
                Scope.PART,
                (
                    f"software licence named in the article: it licenses the software described, "
                    f"not this text ({where})"
                ),
            )
        if not grant:
            return _Scoped(
                Scope.PART,
                (
                    "licence named inside the article without a licensing statement "
                    f"(a mention or credit, not a grant) ({where})"
                ),
            )
        if subj == "site":
            return _Scoped(
                Scope.SITE, f"statement inside the content names the site ('{words}') ({where})"
            )
        if (
            machine
            or subj in {"page", "work"}
            or _LABEL.search(ctx)
            or (len(statement) <= 300 and _bare_grant(ctx))
        ):
            return _Scoped(Scope.PAGE, f"licensing statement for the article ({grant}) ({where})")
        return _Scoped(
            Scope.PART,
            (
                f"licence discussed in the article's prose ({grant}) without saying it is this "
                f"article's (no 'this article', no 'Licence:' line, no rel=license) ({where})"
            ),
        )
    if region == Region.HEAD:
        return _Scoped(Scope.PAGE, f"declared in the document head ({where})")
    # Site chrome (footer, sidebar, navigation, header, unclassified body).
    name = _chrome_name(placement)
    if subj == "page":
        return _Scoped(Scope.PAGE, f"{name} statement names '{words}' ({where})")
    if subj in {"site", "work"}:
        return _Scoped(Scope.SITE, f"{name} statement names '{words}' ({where})")
    if _SOFTWARE.match(lic.spdx) and not grant and not LICENCE_FILE.search(target):
        # "GPL by the OTW" under a "Development" menu: the site's software, not its text.
        return _Scoped(
            Scope.PART,
            f"software licence named in the {name} without a licensing statement or a subject: "
            f"it licenses the site's software, not its text ({where})",
        )
    if region == Region.BODY and not (grant or kind in {"link", "badge"}):
        return None
    if (
        not grant
        and kind == "text"
        and not lic.versioned
        and lic.spdx != CC_UNSPECIFIED
        and region == Region.NAV
    ):
        return None
    basis = grant or (
        "licence link" if kind == "link" else "licence badge" if kind == "badge" else "licence name"
    )
    return _Scoped(
        Scope.SITE,
        f"{name} licence statement ({basis}) naming no narrower subject: site chrome is read "
        f"as site-wide ({where})",
    )


@dataclass(slots=True)
class _Statement:
    """One licence named in one statement: every place it is named there, folded together."""

    lic: LicenseId
    el: Any
    kind: str  # "link", "prop", "badge", "text"
    machine: bool
    source: str
    locator: str
    url: str
    strength: int
    owner: str = ""
    spans: list[tuple[int, int]] = field(default_factory=list)


def _fold(items: list[_Statement]) -> list[_Statement]:
    """Keep one entry per licence named in a statement.

    A text mention of the licence family a link names is that link's text ("… 3.0 DE Lizenz"
    next to a ``by/3.0/deed.de`` link: the URL decides); an unversioned mention joins the
    versioned one; "a Creative Commons licence" joins any named CC licence; repeats of one id
    are merged.
    """
    items = sorted(items, key=lambda x: -x.strength)
    linked = {i.lic.family: i for i in items if i.kind != "text"}
    versioned = {i.lic.family: i for i in items if i.lic.versioned}
    named_cc = next(
        (i for i in items if i.lic.family.startswith("CC-") and i.lic.spdx != CC_UNSPECIFIED), None
    )
    out: dict[str, _Statement] = {}
    for item in items:
        target = None
        if item.kind == "text" and item.lic.family in linked:
            target = linked[item.lic.family]
        elif item.lic.spdx == CC_UNSPECIFIED and named_cc is not None:
            target = named_cc
        elif not item.lic.versioned and item.lic.family in versioned:
            target = versioned[item.lic.family]
        if target is None or target is item:
            target = item
        key = target.lic.spdx
        if key not in out:
            out[key] = target
        if out[key] is not item:
            out[key].spans.extend(item.spans)
            out[key].machine |= item.machine
    return list(out.values())


def _strip_spans(low: str, ranges: list[tuple[int, int]], spans: list[tuple[int, int]]) -> str:
    """Return the context without the licence names themselves (what else the statement says)."""
    out = []
    for s, e in ranges:
        piece = list(low[s:e])
        for a, b in spans:
            for i in range(max(a, s), min(b, e)):
                piece[i - s] = " "
        out.append("".join(piece))
    return " ".join(out)


_LICENSE_DOC = re.compile(r"/(?:licen[cs]e|copying)(?:\.(?:md|txt|rst|html?))?/?$", re.IGNORECASE)


def _placement(el: Any, main: Any, cache: dict[int, Any] | None = None) -> Placement:
    place = classify(el, cache)
    if place.region == Region.BODY and main is not None and main() is not None:
        container = main()
        node = el
        while node is not None:
            if node is container:
                return Placement(
                    Region.MAIN,
                    "inside the densest block of paragraph text (no article/main markup)",
                )
            node = node.getparent()
    return place
