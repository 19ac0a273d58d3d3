"""Normalise licence URLs and licence names to SPDX identifiers.

Two entry points, both total (they return ``None`` / an empty list, never raise):

* :func:`license_url_to_spdx` reads a licence *URL* (Creative Commons deeds, legal codes and
  badge images, GNU, OSI, SPDX, choosealicense, Apache, Open Data Commons, UK OGL, Etalab,
  GovData) and returns a :class:`LicenseId`.
* :func:`~filters.license.names.find_license_names` finds licence *names* in free text ("licensed under a Creative
  Commons Attribution-ShareAlike 4.0 International License", "CC BY-SA 4.0", "Creative Commons
  Namensnennung-Weitergabe unter gleichen Bedingungen 3.0 Deutschland", "Attribution - Pas
  d'Utilisation Commerciale", "MIT License", …) in English, German, French, Spanish, Italian and
  Dutch.

Identifiers come from the SPDX License List as bundled in ``license-expression``
(:func:`spdx_key`); we keep no hand-made list of which Creative Commons ports SPDX knows. What
the SPDX list lacks gets a ``LicenseRef-`` id built the same way (``LicenseRef-CC-BY-2.0-DE``).
Facts the text does not give are never invented (creativecommons.org/licenses URL forms):

* a Creative Commons mention without a version becomes ``LicenseRef-CC-BY-SA-unversioned``
  (the default policy allows none of these: fail closed);
* a mention of "a Creative Commons licence" without its elements becomes
  ``LicenseRef-CC-unspecified``;
* ``deed.xx`` / ``legalcode.xx`` are translations of the deed, never jurisdiction ports, and
  4.0 has no ports at all ("CC-BY-NC-ND-4.0-DE" in prose is the German legal code of 4.0);
* a textual "public domain" statement becomes ``LicenseRef-Public-Domain``; only the Public
  Domain Mark (URL or name) becomes ``CC-PDM-1.0``.
"""

from __future__ import annotations

import re

from filters.license.ids import (
    CC_PORTS,
    CC_UNSPECIFIED,
    CC_VERSIONS,
    MAX_NAME_CHARS,
    PUBLIC_DOMAIN_IDS,
    PUBLIC_DOMAIN_TEXT,
    LicenseId,
    _cc_canonical_url,
    cc_license_id,
    spdx_key,
)

# -- URLs -----------------------------------------------------------------------------------

_ARCHIVE_PREFIX = re.compile(
    r"^(?:https?:)?//(?:web\.)?archive\.org/web/\d+[a-z_]*/", re.IGNORECASE
)
_SCHEME_HOST = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*:)?//(?:www\.)?([^/?#\s]+)(/[^?#\s]*)?", re.IGNORECASE
)
_CC_HOSTS = frozenset(
    {
        "creativecommons.org",
        "i.creativecommons.org",
        "licensebuttons.net",
        "i.licensebuttons.net",
        "mirrors.creativecommons.org",
    }
)
_CC_LICENSE_PATH = re.compile(
    r"^/(?:licenses|l)/(?P<elems>[a-z+\-]+)(?:/(?P<ver>\d+\.\d+))?(?:/(?P<rest>.*))?$"
)
_CC_PD_PATH = re.compile(r"^/(?:publicdomain|p)/(?P<kind>zero|mark)(?:/(?P<ver>\d+\.\d+))?")
_CC_PRESSKIT = re.compile(r"^/presskit/buttons/[^/]+/(?:png|svg)/(?P<name>[a-z\-]+)\.(?:png|svg)$")
_DEED_OR_FILE = re.compile(r"^(?:deed|legalcode|rdf|[0-9]+x[0-9]+)(?:\.|$)")

_GNU = re.compile(r"^/(?:licenses|copyleft)/(?P<name>fdl|gpl|lgpl|agpl)(?:-(?P<ver>\d\.\d))?")
_OSI = re.compile(r"^/licenses?/(?P<key>[a-z0-9.+\-]+?)(?:\.php|\.html?)?/?$", re.IGNORECASE)
_SPDX_ORG = re.compile(r"^/licenses/(?P<key>[a-z0-9.+\-]+?)(?:\.html|\.json)?/?$", re.IGNORECASE)
_CHOOSEALICENSE = re.compile(r"^/licenses/(?P<key>[a-z0-9.\-]+)/?$", re.IGNORECASE)
_APACHE = re.compile(r"^/licenses/license-(?P<ver>\d\.\d)", re.IGNORECASE)
_ODC = re.compile(r"^/licenses/(?P<key>odbl|by|pddl)(?:/(?P<ver>\d\.\d))?", re.IGNORECASE)
_OGL = re.compile(r"/open-government-licence/version/(?P<ver>\d)", re.IGNORECASE)
_DL_DE = re.compile(r"/dl-de/(?P<kind>by|zero)-(?P<major>\d)-(?P<minor>\d)", re.IGNORECASE)

#: OSI / choosealicense keys whose SPDX id is spelled differently.
_KEY_ALIASES = {
    "mit-license": "MIT",
    "apache2.0": "Apache-2.0",
    "apache": "Apache-2.0",
    "bsd-license": "BSD-2-Clause",
    "gpl-2.0": "GPL-2.0-only",
    "gpl-3.0": "GPL-3.0-only",
    "lgpl-2.1": "LGPL-2.1-only",
    "lgpl-3.0": "LGPL-3.0-only",
    "agpl-3.0": "AGPL-3.0-only",
}


#: RFC 3986 §2.3 unreserved characters: percent-encoded, they mean the character itself.
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PCT = re.compile(r"%([0-9A-Fa-f]{2})")


def _decode_unreserved(m: re.Match[str]) -> str:
    char = chr(int(m.group(1), 16))
    return char if char in _UNRESERVED else "%" + m.group(1).upper()


def remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4: resolve ``.`` and ``..`` segments (``/a/b/../c`` → ``/a/c``).

    Done before a licence URL is classified, so ``…/by/4.0/deed.de/../../../by-nd/4.0/`` is
    read as the CC BY-ND it resolves to, not as the CC BY its first segments name.
    """
    out: list[str] = []
    buf = path
    while buf:
        if buf.startswith("../"):
            buf = buf[3:]
        elif buf.startswith(("./", "/./")):
            buf = buf[2:]
        elif buf == "/.":
            buf = "/"
        elif buf.startswith("/../"):
            buf = buf[3:]
            if out:
                out.pop()
        elif buf == "/..":
            buf = "/"
            if out:
                out.pop()
        elif buf in {".", ".."}:
            buf = ""
        else:
            cut = buf.find("/", 1)
            seg, buf = (buf, "") if cut < 0 else (buf[:cut], buf[cut:])
            out.append(seg)
    return "".join(out)


def normalize_url(url: str) -> str:
    """Syntax-based normalisation of a URL (RFC 3986 §6.2.2), for classifying it.

    Percent-encoded unreserved characters are decoded (``by%2Dnc`` → ``by-nc``, §6.2.2.2), the
    remaining percent-encodings upper-cased (§6.2.2.1) and dot segments of the path removed
    (§6.2.2.3, §5.2.4), so two spellings of one licence URL are read the same. Reserved
    characters stay encoded (``by%2Fnc`` is not ``by/nc``). A backslash in an ``http(s)`` or
    scheme-relative URL is a slash, as browsers read it (WHATWG URL Standard, special schemes).
    Query and fragment are kept as they are; case is left to the caller.
    """
    url = _PCT.sub(_decode_unreserved, url)
    m = re.match(
        r"^((?:[a-z][a-z0-9+.-]*:)?//[^/?#\\]*)([^?#]*)(.*)$", url, re.IGNORECASE | re.DOTALL
    )
    if not m:
        return url
    head, path, tail = m.groups()
    if re.match(r"^(?:https?:)?//", head, re.IGNORECASE):
        path = path.replace("\\", "/")
    return head + (remove_dot_segments(path) if path else "") + tail


def _strip_url(url: str) -> tuple[str, str] | None:
    """``(host, path)`` with ``www.``, query, fragment and archive wrappers removed, lower-cased.

    The URL is normalised first (:func:`normalize_url`, RFC 3986 §6.2.2).
    """
    url = (url or "").strip().strip("\"'<>")
    if not url or len(url) > 2000:
        return None
    url = _ARCHIVE_PREFIX.sub("", url)
    if not re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", url, re.IGNORECASE):
        url = "//" + url  # bare "creativecommons.org/licenses/…"
    url = normalize_url(url)
    m = _SCHEME_HOST.match(url)
    if not m:
        return None
    host = m.group(1).lower().split(":")[0].rstrip(".")
    path = (m.group(2) or "/").lower()
    path = re.sub(r"/{2,}", "/", path)
    return host, path


def _known_key(key: str) -> str | None:
    key = key.strip().lower()
    return spdx_key(_KEY_ALIASES.get(key, key)) or (
        _KEY_ALIASES.get(key) if key in _KEY_ALIASES else None
    )


def _cc_from_path(host: str, path: str, raw: str) -> LicenseId | None:
    if host == "mirrors.creativecommons.org":
        m = _CC_PRESSKIT.match(path)
        if not m:
            return None
        name = m.group("name")
        if name in {"cc-zero", "zero", "cc0"}:
            return LicenseId(
                "CC0-1.0", "CC0", "1.0", "https://creativecommons.org/publicdomain/zero/1.0/"
            )
        elems = set(name.upper().split("-")) - {"CC"}
        if not elems <= {"BY", "NC", "ND", "SA"}:
            return None
        return cc_license_id(elems, None, url=None, note="press-kit badge carries no version")
    m = _CC_PD_PATH.match(path)
    if m:
        if m.group("kind") == "zero":
            return LicenseId(
                "CC0-1.0", "CC0", "1.0", "https://creativecommons.org/publicdomain/zero/1.0/"
            )
        return LicenseId(
            "CC-PDM-1.0", "CC-PDM", "1.0", "https://creativecommons.org/publicdomain/mark/1.0/"
        )
    if path.rstrip("/") == "/licenses/publicdomain":
        return LicenseId(
            "CC-PDDC", "CC-PDDC", None, "https://creativecommons.org/licenses/publicdomain/"
        )
    m = _CC_LICENSE_PATH.match(path)
    if not m:
        return None
    raw_elems = m.group("elems").strip("-")
    version = m.group("ver")
    if raw_elems in {"gpl", "lgpl"}:
        if version is None:
            return None
        spdx = spdx_key(f"{raw_elems.upper()}-{version}-only")
        return LicenseId(spdx, raw_elems.upper(), version, raw) if spdx else None
    elems = set(raw_elems.upper().split("-"))
    if not elems or not elems <= {"BY", "NC", "ND", "SA"}:
        return None  # sampling, devnations, … (retired, not open) or not a licence
    port = None
    rest = (m.group("rest") or "").strip("/")
    if rest:
        first = rest.split("/")[0]
        if first in CC_PORTS:
            port = first
        elif not _DEED_OR_FILE.match(first):
            return None  # some other page under /licenses/…
    note = ""
    deed = re.search(r"(?:deed|legalcode)\.([a-z_\-]+)", rest)
    if deed:
        note = f"'{deed.group(0)}' is a translation, not a port"
    if version is None:
        return cc_license_id(elems, None, url=None, note="licence URL without a version")
    return cc_license_id(
        elems, version, port, url=_cc_canonical_url(raw_elems, version, port), note=note
    )


def license_url_to_spdx(url: str) -> LicenseId | None:
    """Identify the licence a URL points to, or None when it is not a known licence URL.

    Accepts every Creative Commons URL form (``http``/``https``/``//``, ``www.``, ``deed``,
    ``deed.xx``, ``legalcode``, ``legalcode.xx``, query strings such as ``?ref=chooser-v1``,
    badge images on ``i.creativecommons.org`` and ``licensebuttons.net``, Wayback captures).
    """
    try:
        parts = _strip_url(url)
    except (TypeError, ValueError):
        return None
    if parts is None:
        return None
    host, path = parts
    if host in _CC_HOSTS:
        return _cc_from_path(host, path, url)
    if host.endswith("gnu.org"):
        m = _GNU.match(path)
        if not m:
            return None
        name, ver = m.group("name"), m.group("ver")
        if name == "fdl":
            if ver is None:
                return LicenseId("LicenseRef-GFDL-unversioned", "GFDL", None, url)
            spdx = spdx_key(f"GFDL-{ver}-only")
            return (
                LicenseId(spdx, "GFDL", ver, url, "URL does not say 'or later'") if spdx else None
            )
        if ver is None:
            return LicenseId(f"LicenseRef-{name.upper()}-unversioned", name.upper(), None, url)
        spdx = spdx_key(f"{name.upper()}-{ver}-only")
        return LicenseId(spdx, name.upper(), ver, url) if spdx else None
    if host in {"opensource.org", "spdx.org", "choosealicense.com"}:
        pattern = {"opensource.org": _OSI, "spdx.org": _SPDX_ORG}.get(host, _CHOOSEALICENSE)
        m = pattern.match(path)
        key = _known_key(m.group("key")) if m else None
        return LicenseId(key, key, None, url) if key else None
    if host == "apache.org":
        m = _APACHE.match(path)
        if m and m.group("ver") == "2.0":
            return LicenseId("Apache-2.0", "Apache", "2.0", url)
        return None
    if host == "unlicense.org":
        return LicenseId("Unlicense", "Unlicense", None, "https://unlicense.org/")
    if host == "wtfpl.net":
        return LicenseId("WTFPL", "WTFPL", None, url)
    if host == "opendatacommons.org":
        m = _ODC.match(path)
        if not m or not m.group("ver"):
            return None
        key = {"odbl": "ODbL", "by": "ODC-By", "pddl": "PDDL"}[m.group("key")]
        spdx = spdx_key(f"{key}-{m.group('ver')}")
        return LicenseId(spdx, key, m.group("ver"), url) if spdx else None
    if host.endswith("nationalarchives.gov.uk"):
        m = _OGL.search(path)
        spdx = spdx_key(f"OGL-UK-{m.group('ver')}.0") if m else None
        return LicenseId(spdx, "OGL-UK", m.group("ver") + ".0", url) if spdx and m else None
    if host.endswith("govdata.de"):
        m = _DL_DE.search(path)
        if not m:
            return None
        spdx = spdx_key(f"DL-DE-{m.group('kind').upper()}-{m.group('major')}.{m.group('minor')}")
        return LicenseId(spdx, "DL-DE", None, url) if spdx else None
    if host.endswith("etalab.gouv.fr") and "licence-ouverte" in path:
        return LicenseId("etalab-2.0", "etalab", "2.0", url) if "2" in path else None
    return None


def cc_url_to_spdx(url: str) -> str | None:
    """SPDX (or ``LicenseRef-``) id for a licence URL, or None. Kept for older callers."""
    found = license_url_to_spdx(url)
    return found.spdx if found else None


__all__ = [
    "CC_PORTS",
    "CC_UNSPECIFIED",
    "CC_VERSIONS",
    "MAX_NAME_CHARS",
    "PUBLIC_DOMAIN_IDS",
    "PUBLIC_DOMAIN_TEXT",
    "LicenseId",
    "cc_license_id",
    "cc_url_to_spdx",
    "license_url_to_spdx",
    "normalize_url",
    "remove_dot_segments",
    "spdx_key",
]
