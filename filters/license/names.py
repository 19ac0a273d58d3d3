"""Licence names in free text: find them and map them to SPDX identifiers.

Creative Commons names in six languages (long element words, abbreviations, jurisdiction
ports), GNU FDL, software licences and public-domain statements; ids are built by
:mod:`filters.license.spdx` (SPDX License List, https://spdx.org/licenses/).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from filters.license.spdx import (
    CC_PORTS,
    CC_UNSPECIFIED,
    MAX_NAME_CHARS,
    PUBLIC_DOMAIN_TEXT,
    LicenseId,
    cc_license_id,
    spdx_key,
)

# -- names in text --------------------------------------------------------------------------

_DASHES: dict[int, str | None] = dict.fromkeys(
    map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"), "-"
)
_DASHES.update({0x00AD: None, 0x200B: None, 0x200C: None, 0x200D: None, 0x2060: None})
_DASHES.update(dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\u200a"), " "))
_DASHES.update(dict.fromkeys(map(ord, "\u2018\u2019\u02bc\u00b4`"), "'"))


def normalize_text(text: str, *, lower: bool = True) -> str:
    """Unify text for matching.

    Soft hyphens and zero-width characters are removed; dashes, apostrophes and non-breaking
    spaces unified; lower-cased unless ``lower=False``.
    """
    out = unicodedata.normalize("NFC", text).translate(_DASHES)
    return lower_same_length(out) if lower else out


def lower_same_length(text: str) -> str:
    """Return ``text.lower()`` with offsets preserved.

    Characters whose lower case is longer (``İ``) stay as they are, so offsets in the result
    index the same characters of ``text``.
    """
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


_SEP = r"[\s\-:/,()\[\]\"'„“”«»*]*"
_ELEMENT_WORDS: dict[str, str] = {
    # attribution
    r"attribution|namensnennung|paternit[ée]|reconocimiento|atribuci[óo]n|attribuzione"
    r"|naamsvermelding|atribui[çc][ãa]o": "BY",
    # share alike
    r"share\s*-?\s*alike|weitergabe\s+unter\s+gleichen\s+bedingungen"
    r"|partage\s+dans\s+les\s+m[êe]mes\s+conditions"
    r"|partage\s+des\s+conditions\s+initiales\s+[àa]\s+l'identique|compartir\s*-?\s*igual"
    r"|condividi\s+allo\s+stesso\s+modo|gelijk\s*-?\s*delen|compartilha\s*-?\s*igual": "SA",
    # non-commercial
    r"non\s*-?\s*commercial|nicht\s*-?\s*kommerziell|pas\s+d'utilisation\s+commerciale"
    r"|no\s*-?\s*comercial|non\s*-?\s*commerciale|niet\s*-?\s*commercieel"
    r"|n[ãa]o\s*-?\s*comercial": "NC",
    # no derivatives
    r"no\s*-?\s*deriv(?:ative(?:s|\s+works)?|s)|keine\s*-?\s*bearbeitung(?:en)?"
    r"|pas\s+de\s+modifications?|pas\s+d'(?:[œo]e?uvres?)\s+d[ée]riv[ée]es?"
    r"|sin\s*-?\s*obras?\s*-?\s*derivadas?|sin\s*-?\s*derivadas|non\s+opere\s+derivate"
    r"|geen\s*-?\s*afgeleide\s*-?\s*werken|sem\s*-?\s*deriva[çc][õo]es": "ND",
}
_ELEMENT_ABBR = {"by": "BY", "sa": "SA", "nc": "NC", "nd": "ND"}
_LONG_ELEMENT = re.compile("|".join(f"(?:{p})" for p in _ELEMENT_WORDS))
_LONG_ELEMENT_KIND = [(re.compile(p), k) for p, k in _ELEMENT_WORDS.items()]

_JURIS_NAMES: dict[str, str | None] = {
    "unported": None,
    "generic": None,
    "international": None,
    "internationaal": None,
    "internacional": None,
    "internazionale": None,
    "international license": None,
    "deutschland": "de",
    "germany": "de",
    "allemagne": "de",
    "alemania": "de",
    "germania": "de",
    "österreich": "at",
    "oesterreich": "at",
    "austria": "at",
    "autriche": "at",
    "schweiz": "ch",
    "switzerland": "ch",
    "suisse": "ch",
    "svizzera": "ch",
    "suiza": "ch",
    "españa": "es",
    "spain": "es",
    "espagne": "es",
    "spanien": "es",
    "france": "fr",
    "frankreich": "fr",
    "francia": "fr",
    "italia": "it",
    "italy": "it",
    "italien": "it",
    "italie": "it",
    "nederland": "nl",
    "netherlands": "nl",
    "niederlande": "nl",
    "pays-bas": "nl",
    "belgium": "be",
    "belgië": "be",
    "belgique": "be",
    "belgien": "be",
    "luxembourg": "lu",
    "luxemburg": "lu",
    "united states": "us",
    "england and wales": "uk",
    "england & wales": "uk",
    "scotland": "scotland",
    "japan": "jp",
    "poland": "pl",
    "polska": "pl",
    "igo": "igo",
}
_JURIS_RE = "|".join(sorted((re.escape(k) for k in _JURIS_NAMES), key=len, reverse=True))
_PORT_CODE_RE = "|".join(sorted(CC_PORTS, key=len, reverse=True))
_LICENSE_WORD = (
    r"licen[cs]e[sd]?|lizenz(?:vertrag|en)?|licencia|licenza|licentie|licencja|licen[çc]a"
    r"|lizenziert|version|versi[óo]n|versione|versie|deed|legal\s*code"
)
_VERSION_RE = r"v?\.?\s?(?P<maj>[1-4])[.,](?P<min>[0-5])(?![\d.,]\d)"

#: One token after a Creative Commons anchor. Order matters: long forms before abbreviations.
_CC_TOKEN = re.compile(
    _SEP
    + r"(?:(?P<long>"
    + _LONG_ELEMENT.pattern
    + r")(?![^\W\d_])"
    + r"|(?P<ver>"
    + _VERSION_RE
    + r")"
    + r"|(?P<juris>"
    + _JURIS_RE
    + r")(?![a-z])"
    + r"|(?P<abbr>by|sa|nc|nd)(?![a-z])"
    + r"|(?P<word>"
    + _LICENSE_WORD
    + r")(?![a-z])"
    + r")"
)
#: A two-letter port code is only read right after a version and only when the name ends
#: there ("3.0 DE Lizenz", "3.0 de]"), so the French/Spanish "de" in "3.0 de l'auteur" is not.
_PORT_AFTER_VERSION = re.compile(
    r"[\s\-]?(?P<port>" + _PORT_CODE_RE + r")(?=\s*(?:$|[)\].,;:|/\-]|(?:" + _LICENSE_WORD + r")))"
)
_CC_ANCHOR = re.compile(
    r"creative\s*-?\s*commons|(?<![a-z0-9@.])cc(?P<zero>0|\s*-?\s*zero)?(?![a-z0-9])"
)
_PRECEDING_LONG = re.compile(r"(?:(?:" + _LONG_ELEMENT.pattern + r")[\s\-/,]*)+$")


@dataclass(frozen=True, slots=True)
class NameMention:
    """A licence name found in text: ``start``/``end`` index the normalised text."""

    license: LicenseId
    start: int
    end: int
    raw: str


def _parse_cc_anchor(text: str, m: re.Match[str]) -> NameMention | None:
    if m.group("zero"):
        lic = LicenseId(
            "CC0-1.0", "CC0", "1.0", "https://creativecommons.org/publicdomain/zero/1.0/"
        )
        return NameMention(lic, m.start(), m.end(), text[m.start() : m.end()])
    elems: set[str] = set()
    version: str | None = None
    port: str | None = None
    pos = m.end()
    end = pos
    for _ in range(16):
        t = _CC_TOKEN.match(text, pos)
        if not t or t.end() == pos:
            break
        if t.group("long"):
            word = t.group("long")
            elems.update(k for rx, k in _LONG_ELEMENT_KIND if rx.fullmatch(word))
        elif t.group("ver"):
            if version is not None:
                break  # a second version starts another mention
            version = f"{t.group('maj')}.{t.group('min')}"
            p = _PORT_AFTER_VERSION.match(text, t.end())
            if p:
                port = p.group("port")
                pos = end = p.end()
                continue
        elif t.group("juris"):
            port = _JURIS_NAMES.get(t.group("juris")) or port
        elif t.group("abbr"):
            elems.add(_ELEMENT_ABBR[t.group("abbr")])
        pos = t.end()
        if not t.group("word"):
            end = pos
    if not m.group(0).startswith("creative") and not elems:
        return None  # a bare "cc" (e-mail copy, initials) is not a licence
    window_start = max(0, m.start() - 120)
    before = text[window_start : m.start()].rstrip(" -")
    pre = _PRECEDING_LONG.search(before)
    start = m.start()
    if pre and pre.group(0).strip():
        for rx, k in _LONG_ELEMENT_KIND:
            if rx.search(pre.group(0)):
                elems.add(k)
        start = window_start + pre.start()
    if not elems:
        lic = LicenseId(
            CC_UNSPECIFIED, "CC", None, None, "Creative Commons named without its elements"
        )
        return NameMention(lic, start, end, text[start:end])
    named = cc_license_id(
        elems,
        version,
        port if version and version != "4.0" else None,
        note=""
        if not (port and version == "4.0")
        else f"'{port}' after 4.0 read as a translation, not a port",
    )
    if named is None:
        return None
    return NameMention(named, start, end, text[start:end])


_OTHER_NAMES: list[tuple[re.Pattern[str], str | None]] = [
    (re.compile(r"public\s+domain\s+mark"), "CC-PDM-1.0"),
    (re.compile(r"public\s+domain\s+dedication|cc0|creative\s+commons\s+zero"), "CC0-1.0"),
    (re.compile(r"\bunlicense\b"), "Unlicense"),
    (
        re.compile(
            r"\bmit\s*-?\s*(?:licen[cs]e|lizenz)|(?:licen[cs]e|lizenz|licencia|licenza|licentie)\s*:?\s*mit\b"
        ),
        "MIT",
    ),
    (
        re.compile(r"apache\s+(?:license|licence|lizenz)?,?\s*(?:version\s*)?2\.0|apache-2\.0"),
        "Apache-2.0",
    ),
    (re.compile(r"\bbsd\s*-?\s*3\s*-?\s*clause"), "BSD-3-Clause"),
    (re.compile(r"\bbsd\s*-?\s*2\s*-?\s*clause"), "BSD-2-Clause"),
    (re.compile(r"\bisc\s+licen[cs]e"), "ISC"),
    (re.compile(r"open\s+database\s+licen[cs]e|\bodbl\b"), "ODbL-1.0"),
    (re.compile(r"open\s+government\s+licen[cs]e\s*(?:v(?:ersion)?\s*)?3"), "OGL-UK-3.0"),
    (re.compile(r"licence\s+ouverte\s*(?:v(?:ersion)?\s*)?2"), "etalab-2.0"),
    (
        re.compile(r"datenlizenz\s+deutschland\s*-?\s*namensnennung\s*-?\s*(?:version\s*)?2\.0"),
        "DL-DE-BY-2.0",
    ),
    (
        re.compile(r"datenlizenz\s+deutschland\s*-?\s*zero\s*-?\s*(?:version\s*)?2\.0"),
        "DL-DE-ZERO-2.0",
    ),
]
#: The GNU licences by version, as SPDX ids or short names ("GPL-3.0", "LGPLv2.1+", "AGPL-3.0
#: license", the sidebar label of code hosts) or in full ("GNU Lesser General Public License
#: v3"). Without a version the text names no licence we can identify (MoinMoin's "GPL
#: licensed"): not read. "+"/"or later" → ``-or-later``, otherwise ``-only`` (SPDX 3.x ids).
_GNU = re.compile(
    r"\b(?:(?P<p>a|l)?gpl\s*-?\s*v?|gnu\s+(?:(?P<lp>lesser|library)\s+|(?P<ap>affero)\s+)?general"
    r"\s+public\s+licen[cs]e,?\s*(?:v(?:ersion)?\.?\s*)?)(?P<v>2\.1|2|3)(?:\.0)?(?![\w.]\d)"
    r"(?P<later>\s*\+|\s*-?\s*or\s*-?\s*later|-or-later)?(?:-only)?"
)
#: Mozilla Public License 2.0.
_MPL = re.compile(
    r"\bmpl\s*-?\s*2\.0\b|mozilla\s+public\s+licen[cs]e,?\s*(?:v(?:ersion)?\.?\s*)?2\.0"
)
_GFDL = re.compile(r"gnu\s+free\s+documentation\s+licen[cs]e|\bgfdl\b|\bgnu\s+fdl\b")
_GFDL_VERSION = re.compile(
    r"[\s,]*(?:v(?:ersion)?\.?\s*)?(?P<ver>1\.[123])(?P<later>[^.;]{0,40}?or\s+(?:any\s+)?later)?"
)
_PUBLIC_DOMAIN = re.compile(
    r"\bpublic\s+domain\b|\bgemeinfrei|domaine\s+public|dominio\s+p[úu]blico|pubblico\s+dominio"
    r"|publiek\s+domein"
)


def find_license_names(text: str, *, normalized: bool = False) -> list[NameMention]:
    """Every licence name in ``text``, left to right (offsets index the normalised text).

    Creative Commons mentions need the words "Creative Commons" or an abbreviation such as
    "CC BY"; element names are read in six languages, before or after the anchor ("Attribution-
    NonCommercial-NoDerivatives Creative Commons licence"). Mentions without a version get an
    ``-unversioned`` id. Textual "public domain" mentions are reported as
    ``LicenseRef-Public-Domain`` (whether they are a grant is for the caller to decide).
    """
    if not text:
        return []
    t = text if normalized else normalize_text(text)
    if len(t) > MAX_NAME_CHARS:
        t = t[:MAX_NAME_CHARS]
    out: list[NameMention] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for m in _CC_ANCHOR.finditer(t):
        if not free(m.start(), m.end()):
            continue
        found = _parse_cc_anchor(t, m)
        if found and free(found.start, found.end):
            out.append(found)
            taken.append((found.start, found.end))
    for rx, spdx in _OTHER_NAMES:
        for m in rx.finditer(t):
            if free(m.start(), m.end()) and spdx:
                out.append(
                    NameMention(
                        LicenseId(spdx, spdx, None), m.start(), m.end(), t[m.start() : m.end()]
                    )
                )
                taken.append((m.start(), m.end()))
    for m in _GNU.finditer(t):
        if not free(m.start(), m.end()):
            continue
        prefix = (
            "LGPL"
            if (m.group("p") == "l" or m.group("lp"))
            else "AGPL"
            if (m.group("p") == "a" or m.group("ap"))
            else "GPL"
        )
        version = {"2": "2.0", "3": "3.0"}.get(m.group("v"), m.group("v"))
        spdx = spdx_key(f"{prefix}-{version}-{'or-later' if m.group('later') else 'only'}")
        if spdx:
            out.append(
                NameMention(
                    LicenseId(spdx, prefix, version), m.start(), m.end(), t[m.start() : m.end()]
                )
            )
            taken.append((m.start(), m.end()))
    for m in _MPL.finditer(t):
        if free(m.start(), m.end()):
            lic = LicenseId("MPL-2.0", "MPL", "2.0")
            out.append(NameMention(lic, m.start(), m.end(), t[m.start() : m.end()]))
            taken.append((m.start(), m.end()))
    for m in _GFDL.finditer(t):
        if not free(m.start(), m.end()):
            continue
        v = _GFDL_VERSION.match(t, m.end())
        end = m.end()
        if v:
            end = v.end()
            variant = "-or-later" if v.group("later") else "-only"
            tail = t[m.start() : end + 80]
            inv = "no-invariants-" if "no invariant" in tail else ""
            spdx = spdx_key(f"GFDL-{v.group('ver')}-{inv}{variant.lstrip('-')}") or spdx_key(
                f"GFDL-{v.group('ver')}{variant}"
            )
            lic = LicenseId(spdx or "LicenseRef-GFDL-unversioned", "GFDL", v.group("ver"))
        else:
            lic = LicenseId("LicenseRef-GFDL-unversioned", "GFDL", None, None, "no version given")
        out.append(NameMention(lic, m.start(), end, t[m.start() : end]))
        taken.append((m.start(), end))
    for m in _PUBLIC_DOMAIN.finditer(t):
        if free(m.start(), m.end()):
            out.append(
                NameMention(
                    LicenseId(PUBLIC_DOMAIN_TEXT, "PD", None, None, "public domain stated in text"),
                    m.start(),
                    m.end(),
                    t[m.start() : m.end()],
                )
            )
            taken.append((m.start(), m.end()))
    out.sort(key=lambda n: n.start)
    return out


__all__ = [
    "NameMention",
    "find_license_names",
    "lower_same_length",
    "normalize_text",
]
