"""Licence claims from JSON-LD ``license`` values (https://schema.org/license).

Which node states them and what that node's type says about scope.
"""

from __future__ import annotations

import re

from filters.html import ParsedPage
from filters.license.common import _STRENGTH, MAX_LICENSE_VALUES, UNRECOGNISED, _abs, _Claim, _Found
from filters.license.jsonld import (
    FOREIGN_KEYS,
    PAGE_TYPES,
    SITE_TYPES,
    ld_caps,
    ld_nodes,
    ld_strings,
)
from filters.license.names import find_license_names
from filters.license.spdx import MAX_NAME_CHARS, PUBLIC_DOMAIN_TEXT, LicenseId, license_url_to_spdx
from filters.results import Scope

_URL_VALUE = re.compile(r"^(?:https?:)?//\S+$|^[\w.-]+\.[a-z]{2,}/\S*$", re.IGNORECASE)


def _jsonld_scope(keys: tuple[str, ...], types: frozenset[str]) -> tuple[Scope, str]:
    lowered = [k.lower() for k in keys]
    foreign = next((k for k in lowered if k in FOREIGN_KEYS), None)
    type_name = "/".join(sorted(types)) or "untyped"
    if foreign:
        return (
            Scope.PART,
            f"JSON-LD license of a node reached through '{foreign}' ({type_name}), not of the page's text",
        )
    if "haspart" in lowered:
        return (
            Scope.PART,
            f"JSON-LD license on a hasPart element ({type_name}): covers that part only",
        )
    if "ispartof" in lowered:
        if types & SITE_TYPES:
            return Scope.SITE, f"JSON-LD license on the {type_name} the page is part of"
        return Scope.PART, f"JSON-LD license on an isPartOf node of type {type_name}"
    if types & PAGE_TYPES:
        return Scope.PAGE, f"JSON-LD license on the page's {type_name} node"
    if types & SITE_TYPES:
        return Scope.SITE, f"JSON-LD license on the {type_name} node (site-wide)"
    return Scope.PART, f"JSON-LD license on a {type_name} node, which is not the page's text"


def _from_jsonld(page: ParsedPage, found: _Found) -> None:
    nodes = ld_nodes(page)
    for what in ld_caps(page, "license"):
        found.cap(f"JSON-LD: {what}", "filters._license_jsonld")
    for ld in nodes:
        if "license" not in ld.node:
            continue
        scope, reason = _jsonld_scope(ld.keys, ld.types)
        values = ld_strings(ld.node["license"], limit=MAX_LICENSE_VALUES + 1)
        if len(values) > MAX_LICENSE_VALUES:
            found.cap(
                f"JSON-LD license values after the {MAX_LICENSE_VALUES}th ({ld.locator})",
                f"filters.license.MAX_LICENSE_VALUES={MAX_LICENSE_VALUES}",
            )
        for value in values[:MAX_LICENSE_VALUES]:
            value = value.strip()
            if not value:
                continue
            if len(value) > MAX_NAME_CHARS:
                found.cap(
                    f"JSON-LD license value past its first {MAX_NAME_CHARS} characters",
                    f"filters.spdx.MAX_NAME_CHARS={MAX_NAME_CHARS}",
                )
            lic = license_url_to_spdx(_abs(page, value))
            if lic is None:
                names = [
                    m.license
                    for m in find_license_names(value)
                    if m.license.spdx not in {PUBLIC_DOMAIN_TEXT}
                ]
                lic = names[0] if names else None
            locator = f"{ld.locator}.license"
            claim = _Claim(
                lic or LicenseId(UNRECOGNISED, "?", None, value),
                scope,
                reason,
                "jsonld:license",
                locator,
                value,
                "jsonld",
                _STRENGTH["machine"],
            )
            (found.claims if lic else found.unrecognised).append(claim)
