"""Whose property a microdata ``itemprop`` or RDFa ``about=`` licence is.

The owning item's type (HTML Living Standard §5.2, microdata items) and whether ``about``
names a media file (RDFa Core 1.1 §7.5).
"""

from __future__ import annotations

from typing import Any

from filters.license.common import _MEDIA_FILE
from filters.license.jsonld import (
    type_name,
)


def _microdata_owner(el: Any) -> tuple[str, str]:
    """``(itemtype local name, itemprop of the item)`` of the item that owns ``el``'s property."""
    node = el.getparent()
    while node is not None:
        if node.get("itemscope") is not None:
            itemtype = (node.get("itemtype") or "").strip().split()
            name = type_name(itemtype[0]).lower() if itemtype else ""
            return name, (node.get("itemprop") or "").lower()
        node = node.getparent()
    return "", ""


def _about_media(el: Any) -> str | None:
    node = el
    for _ in range(8):
        if node is None:
            break
        about: str | None = node.get("about")
        if about and _MEDIA_FILE.search(about):
            return about
        node = node.getparent()
    return None
