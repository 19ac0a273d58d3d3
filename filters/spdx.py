"""Normalise licence URLs and names to SPDX identifiers.

(Foundation version: Creative Commons licence URLs. The licence issue extends it.)
"""

from __future__ import annotations

import re

_CC_URL = re.compile(
    r"^(?:https?:)?//(?:www\.)?creativecommons\.org/"
    r"(?:licenses/(?P<elems>by(?:-nc)?(?:-nd|-sa)?)/(?P<ver>[1-4]\.[05])(?:/(?P<port>[a-z]{2,3}))?"
    r"|publicdomain/(?P<pd>zero|mark)/1\.0)",
    re.I,
)


def cc_url_to_spdx(url: str) -> str | None:
    """SPDX id for a Creative Commons licence URL, or None if it is not one."""
    m = _CC_URL.match(url.strip())
    if not m:
        return None
    if m.group("pd"):
        return "CC0-1.0" if m.group("pd").lower() == "zero" else "CC-PDM-1.0"
    spdx = f"CC-{m.group('elems').upper()}-{m.group('ver')}"
    if m.group("port"):
        spdx += "-" + m.group("port").upper()
    return spdx
