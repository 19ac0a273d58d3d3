"""RSL 1.0 documents: XML bytes → a typed :class:`RslDocument`, or the reason it is unusable.

Specification: Really Simple Licensing (RSL) 1.0, RSL-SPEC-1.0, Recommendation,
https://rslstandard.org/rsl (errata https://rslstandard.org/rsl/errata). Sections cited:

* §3 document model: the root ``<rsl>`` MUST use the namespace ``https://rslstandard.org/rsl``;
  it holds one or more ``<content url>``, each with at least one ``<license>``; an element in the
  RSL namespace that the specification does not define makes the document non-conformant, while
  elements of other namespaces are extensions and are ignored;
* §3.1 ``<rsl max-age>``: a positive integer number of **days** the document may be relied on
  (default 30);
* §3.2 ``<content>``: ``url`` (an RFC 9309 path pattern with ``*`` and ``$``, or a full URL),
  ``server`` (an RSL License Server: a licence MUST be obtained from it even when free),
  ``encrypted``, ``lastmod``;
* §3.4–§3.5 ``<permits>`` / ``<prohibits>`` with ``type`` ``usage``, ``user`` or ``geo`` and a
  space-separated token list (§3.4.1 the usage and user vocabularies);
* §3.6–§3.11 ``<payment type>`` with ``<standard>``, ``<custom>``, ``<amount currency>``,
  ``<accepts>``; an omitted ``<payment>`` means ``free``;
* §3.12 ``<reporting>``, §3.13 ``<legal>``; ``<copyright>``, ``<terms>``, ``<schema>``,
  ``<alternate>`` describe the asset.

Parsing is deliberately strict, because a licence we misread could admit content: anything that
is not a well-formed, conformant RSL document (wrong or missing namespace, a DOCTYPE, an
unknown RSL element, a ``<content>`` without ``url`` or ``<license>``, an invalid ``max-age``)
yields :class:`RslParse` with ``document=None`` and the error, and the caller fails closed for
the URLs the document was meant to cover. XML is parsed with entity resolution, DTD loading and
network access off, and any document type declaration is refused outright (no entity can
expand: the defusedxml rule), so a hostile file costs no more than its own bytes.

Total: :func:`parse_rsl` never raises.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import lxml.etree

NAMESPACE = "https://rslstandard.org/rsl"
MEDIA_TYPE = "application/rsl+xml"
#: §3.1: how long a document may be relied on when it states no ``max-age`` (days).
DEFAULT_MAX_AGE_DAYS = 30
#: Bytes of an RSL document read (the same cap as other policy files: a licence is small).
MAX_BYTES = 512_000

#: Elements RSL 1.0 defines (§3, with the errata through 2026-08: ``reporting``, ``accepts``,
#: ``alternate``). Any other element in the RSL namespace is non-conformant.
KNOWN_ELEMENTS = frozenset(
    {
        "rsl",
        "content",
        "license",
        "permits",
        "prohibits",
        "payment",
        "standard",
        "custom",
        "amount",
        "accepts",
        "legal",
        "reporting",
        "schema",
        "alternate",
        "copyright",
        "terms",
    }
)
#: §3.4: the ``type`` attribute of ``<permits>`` / ``<prohibits>`` (``usage`` when omitted).
TERM_TYPES = frozenset({"usage", "user", "geo"})

_PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class RslPayment:
    """One ``<payment>`` (§3.6): its ``type`` and where the terms are obtained."""

    type: str
    standard: tuple[str, ...] = ()
    custom: tuple[str, ...] = ()
    amounts: tuple[str, ...] = ()  # "0.015 USD"
    accepts: tuple[str, ...] = ()
    line: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class RslLicense:
    """One ``<license>`` of a ``<content>`` (§3.3), its terms as written.

    ``permits`` / ``prohibits`` map a term type (``usage``, ``user``, ``geo``) to its tokens,
    lowercased for usage and user, uppercased for geo (ISO 3166-1 alpha-2).
    """

    index: int
    line: int
    permits: tuple[tuple[str, tuple[str, ...]], ...] = ()
    prohibits: tuple[tuple[str, tuple[str, ...]], ...] = ()
    payments: tuple[RslPayment, ...] = ()
    legal: tuple[tuple[str, str], ...] = ()
    reporting: tuple[str, ...] = ()

    def permitted(self, type_: str) -> tuple[str, ...] | None:
        """Tokens of ``<permits type=type_>``; None when the licence has no such element."""
        for t, tokens in self.permits:
            if t == type_:
                return tokens
        return None

    def prohibited(self, type_: str) -> tuple[str, ...]:
        """Tokens of ``<prohibits type=type_>`` (empty when absent)."""
        return tuple(tok for t, tokens in self.prohibits if t == type_ for tok in tokens)


@dataclass(frozen=True, slots=True, kw_only=True)
class RslContent:
    """One ``<content>`` (§3.2): the assets it covers and the licences offered for them."""

    url: str
    line: int
    licenses: tuple[RslLicense, ...]
    server: str = ""
    encrypted: bool = False
    terms: str = ""
    copyright: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RslDocument:
    """A conformant RSL document. ``source`` is where it came from (its URL, or the page's)."""

    source: str
    contents: tuple[RslContent, ...]
    max_age_days: int = DEFAULT_MAX_AGE_DAYS
    max_age_stated: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RslParse:
    """The outcome of :func:`parse_rsl`: a document, or ``error`` (and ``cause``) saying why not.

    ``cause`` is a short stable id (``namespace``, ``malformed``, ``doctype``,
    ``unknown-element``, ``structure``, ``max-age``, ``empty``) used in reason ids.
    """

    document: RslDocument | None
    error: str = ""
    cause: str = ""


def _local(tag: Any) -> tuple[str, str]:
    """``(namespace, local name)`` of an element tag (``("", "")`` for comments and the like)."""
    if not isinstance(tag, str):
        return "", ""
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


def _text(el: Any) -> str:
    return " ".join("".join(el.itertext()).split())


def _tokens(el: Any, type_: str) -> tuple[str, ...]:
    words = _text(el).replace(",", " ").split()
    if type_ == "geo":
        return tuple(w.upper() for w in words)
    return tuple(w.lower() for w in words)


def _fail(cause: str, error: str) -> RslParse:
    return RslParse(document=None, error=error, cause=cause)


def _children(el: Any, name: str) -> list[Any]:
    return [c for c in el if _local(c.tag) == (NAMESPACE, name)]


def _payment(el: Any) -> RslPayment:
    def texts(name: str) -> tuple[str, ...]:
        return tuple(t for c in _children(el, name) if (t := _text(c)))

    amounts = tuple(
        f"{_text(c)} {c.get('currency', '').strip()}".strip() for c in _children(el, "amount")
    )
    accepts = tuple(c.get("type", "").strip() or _text(c)[:80] for c in _children(el, "accepts"))
    return RslPayment(
        type=(el.get("type") or "free").strip().lower(),
        standard=texts("standard"),
        custom=texts("custom"),
        amounts=amounts,
        accepts=accepts,
        line=el.sourceline or 0,
    )


def _license(el: Any, index: int) -> RslLicense | str:
    permits: dict[str, tuple[str, ...]] = {}
    prohibits: dict[str, tuple[str, ...]] = {}
    for name, into in (("permits", permits), ("prohibits", prohibits)):
        for c in _children(el, name):
            type_ = (c.get("type") or "usage").strip().lower()
            if type_ not in TERM_TYPES:
                return (
                    f"<{name} type={type_!r}> (line {c.sourceline}) is not a type RSL 1.0 defines"
                )
            # §3.4: at most one of each per type; two are read together (their union).
            into[type_] = into.get(type_, ()) + _tokens(c, type_)
    legal = tuple(
        ((c.get("type") or "").strip().lower(), _text(c)[:300]) for c in _children(el, "legal")
    )
    reporting = tuple(
        (c.get("profile") or c.get("type") or "unspecified").strip()
        for c in _children(el, "reporting")
    )
    return RslLicense(
        index=index,
        line=el.sourceline or 0,
        permits=tuple(permits.items()),
        prohibits=tuple(prohibits.items()),
        payments=tuple(_payment(c) for c in _children(el, "payment")),
        legal=legal,
        reporting=reporting,
    )


def _content(el: Any, *, allow_empty_url: bool) -> RslContent | str:
    url = el.get("url")
    if url is None or (not url.strip() and not allow_empty_url):
        return f"<content> on line {el.sourceline} has no url attribute (§3.2: required)"
    licenses: list[RslLicense] = []
    for i, c in enumerate(_children(el, "license"), start=1):
        lic = _license(c, i)
        if isinstance(lic, str):
            return lic
        licenses.append(lic)
    if not licenses:
        return f"<content url={url!r}> on line {el.sourceline} has no <license> (§3.2)"
    encrypted = (el.get("encrypted") or "false").strip().lower()
    if encrypted not in ("true", "false"):
        return f"<content encrypted={encrypted!r}> on line {el.sourceline} is not true/false"
    terms = _children(el, "terms")
    copyright_ = _children(el, "copyright")
    return RslContent(
        url=url.strip(),
        line=el.sourceline or 0,
        licenses=tuple(licenses),
        server=(el.get("server") or "").strip(),
        encrypted=encrypted == "true",
        terms=_text(terms[0])[:300] if terms else "",
        copyright=(
            (_text(copyright_[0]) or copyright_[0].get("contactUrl") or "")[:300]
            if copyright_
            else ""
        ),
    )


def parse_rsl(data: bytes | str, source: str, *, allow_empty_url: bool = False) -> RslParse:
    """Parse one RSL document (see the module docstring for what is refused and why).

    ``source`` is recorded as the document's origin (its URL; for an inline licence the page).
    ``allow_empty_url``: ``<content url="">`` is legal only where the association names the
    asset itself (§4.6 inline HTML, §4.7 feeds); there it means "the associated asset".
    """
    try:
        return _parse(data, source, allow_empty_url=allow_empty_url)
    except Exception as exc:  # noqa: BLE001 - total: an unexpected failure is a malformed file
        return _fail("malformed", f"RSL document could not be read ({type(exc).__name__})")


def _parse(data: bytes | str, source: str, *, allow_empty_url: bool) -> RslParse:
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data or b"")
    if not raw.strip():
        return _fail("empty", "the RSL document is empty")
    if len(raw) > MAX_BYTES:
        return _fail("malformed", f"the RSL document is {len(raw)} bytes (limit {MAX_BYTES})")
    head = raw[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in raw.lower():
        return _fail(
            "doctype",
            "the RSL document carries a document type declaration; refused (no DTD or entity "
            "is ever processed)",
        )
    parser = lxml.etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = lxml.etree.fromstring(raw, parser)
    except lxml.etree.XMLSyntaxError as exc:
        return _fail("malformed", f"not well-formed XML (XML 1.0): {exc}"[:300])
    ns, name = _local(root.tag)
    if name != "rsl" or ns != NAMESPACE:
        shown = f"{{{ns}}}{name}" if ns else name
        return _fail(
            "namespace",
            f"root element is <{shown}>, not <rsl> in the namespace {NAMESPACE} (RSL 1.0 §3)",
        )
    for el in root.iter():
        el_ns, el_name = _local(el.tag)
        if el_ns == NAMESPACE and el_name not in KNOWN_ELEMENTS:
            return _fail(
                "unknown-element",
                f"<{el_name}> on line {el.sourceline} is in the RSL namespace but not defined by "
                "RSL 1.0; the document is non-conformant (§3)",
            )
    max_age_raw = root.get("max-age")
    max_age = DEFAULT_MAX_AGE_DAYS
    if max_age_raw is not None:
        value = max_age_raw.strip()
        if not value.isdigit() or int(value) < 1:
            return _fail(
                "max-age", f"max-age={max_age_raw!r} is not a positive number of days (§3.1)"
            )
        max_age = int(value)
    contents: list[RslContent] = []
    for el in _children(root, "content"):
        content = _content(el, allow_empty_url=allow_empty_url)
        if isinstance(content, str):
            return _fail("structure", content)
        contents.append(content)
    if not contents:
        return _fail("structure", "<rsl> holds no <content> element (§3: one or more required)")
    return RslParse(
        document=RslDocument(
            source=source,
            contents=tuple(contents),
            max_age_days=max_age,
            max_age_stated=max_age_raw is not None,
        )
    )
