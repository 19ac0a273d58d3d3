"""Licence identifiers: :class:`LicenseId`, the SPDX list, and Creative Commons ids from parts.

Identifiers come from the SPDX License List as bundled in ``license-expression``
(:func:`spdx_key`, https://spdx.org/licenses/); what the list lacks gets a ``LicenseRef-`` id
built the same way (SPDX 2.3 §10.1). Creative Commons ids are built from elements, version and
port (:func:`cc_license_id`, creativecommons.org/licenses URL forms); facts a source does not
give are never invented (``…-unversioned``). :mod:`filters.license.spdx` reads licence URLs
into these ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

#: Creative Commons licence versions that exist.
CC_VERSIONS = frozenset({"1.0", "2.0", "2.1", "2.5", "3.0", "4.0"})

#: Creative Commons jurisdiction codes used in ported licence URLs (``/licenses/by/3.0/de/``).
CC_PORTS = frozenset(
    [
        "am",
        "ar",
        "at",
        "au",
        "az",
        "be",
        "bg",
        "br",
        "ca",
        "ch",
        "cl",
        "cn",
        "co",
        "cr",
        "cz",
        "de",
        "dk",
        "ec",
        "ee",
        "eg",
        "es",
        "fi",
        "fr",
        "ge",
        "gr",
        "gt",
        "hk",
        "hr",
        "hu",
        "ie",
        "igo",
        "il",
        "in",
        "it",
        "jo",
        "jp",
        "kr",
        "lu",
        "mk",
        "mt",
        "mx",
        "my",
        "nl",
        "no",
        "nz",
        "pe",
        "ph",
        "pl",
        "pr",
        "pt",
        "ro",
        "rs",
        "scotland",
        "se",
        "sg",
        "si",
        "sk",
        "th",
        "tw",
        "ug",
        "uk",
        "us",
        "ve",
        "vn",
        "za",
    ]
)

#: Characters of one text :func:`find_license_names` reads (a work cap: names after it are not
#: found, so a caller deciding rights on a longer text must treat its reading as incomplete).
MAX_NAME_CHARS = 20000

UNVERSIONED = "unversioned"
CC_UNSPECIFIED = "LicenseRef-CC-unspecified"
PUBLIC_DOMAIN_TEXT = "LicenseRef-Public-Domain"
#: Ids that mean "public domain" (the corpus labels write both as ``PDM``).
PUBLIC_DOMAIN_IDS = frozenset({"CC-PDM-1.0", PUBLIC_DOMAIN_TEXT, "CC-PDDC"})


@dataclass(frozen=True, slots=True)
class LicenseId:
    """A licence identified from a URL or a name.

    ``spdx`` is an SPDX id or a ``LicenseRef-`` id; ``url`` the canonical licence URL when one
    is known; ``family`` groups versions of one licence (``CC-BY-SA``) so an unversioned text
    mention can be matched with a versioned link; ``version`` is ``None`` when the source did
    not say; ``note`` says how the id was derived (e.g. "deed.de is a translation, not a port").
    """

    spdx: str
    family: str
    version: str | None = None
    url: str | None = None
    note: str = ""

    @property
    def versioned(self) -> bool:
        """False for ``…-unversioned`` and ``LicenseRef-CC-unspecified`` ids (facts missing)."""
        return not self.spdx.endswith(UNVERSIONED) and self.spdx != CC_UNSPECIFIED


# -- the SPDX list -------------------------------------------------------------------------


@cache
def _spdx_keys() -> dict[str, str]:
    """Lower-case → canonical SPDX id for every id in ``license-expression``'s SPDX list."""
    try:
        from license_expression import get_spdx_licensing
    except ImportError:  # pragma: no cover - a core dependency; fail closed to LicenseRef ids
        return {}
    keys: dict[str, str] = {}
    for symbol in get_spdx_licensing().known_symbols.values():
        key = getattr(symbol, "key", None)
        if isinstance(key, str):
            keys.setdefault(key.lower(), key)
    return keys


def spdx_key(candidate: str) -> str | None:
    """Return the canonical SPDX id for ``candidate`` (case-insensitive), or None."""
    return _spdx_keys().get(candidate.strip().lower())


def _listed_or_ref(candidate: str) -> str:
    return spdx_key(candidate) or f"LicenseRef-{candidate}"


# -- Creative Commons ids -------------------------------------------------------------------

_CC_ELEMENT_ORDER = ("BY", "NC", "ND", "SA")


def cc_license_id(
    elements: frozenset[str] | set[str],
    version: str | None,
    port: str | None = None,
    *,
    url: str | None = None,
    note: str = "",
) -> LicenseId | None:
    """Build the id of a Creative Commons licence from its parts.

    ``elements`` are upper-case (``{"BY", "SA"}``); licences from 2.0 on always include BY.
    ND together with SA does not exist, and is rejected (None).
    """
    elems = set(elements)
    if not elems:
        return None
    if version is None or version != "1.0":
        elems.add("BY")
    if {"ND", "SA"} <= elems:
        return None
    parts = [e for e in _CC_ELEMENT_ORDER if e in elems]
    family = "CC-" + "-".join(parts)
    if version is None:
        return LicenseId(
            f"LicenseRef-{family}-{UNVERSIONED}",
            family,
            None,
            url,
            note or "no version given; not assumed",
        )
    if version not in CC_VERSIONS:
        return None
    notes = [note] if note else []
    if port and version == "4.0":
        notes.append(f"4.0 has no ports; '{port}' read as a translation")
        port = None
    candidate = f"{family}-{version}" + (f"-{port.upper()}" if port else "")
    if url is None:
        url = _cc_canonical_url("-".join(parts).lower(), version, port)
    spdx = spdx_key(candidate)
    if spdx is None:
        spdx = f"LicenseRef-{candidate}"
        notes.append("not in the SPDX list")
    return LicenseId(spdx, family, version, url, "; ".join(notes))


def _cc_canonical_url(elems: str, version: str, port: str | None) -> str:
    return f"https://creativecommons.org/licenses/{elems}/{version}/" + (f"{port}/" if port else "")
