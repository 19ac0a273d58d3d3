"""Page-level AI/TDM opt-out detection (foundation version)."""

from __future__ import annotations

from collections.abc import Sequence

from filters._html import ParsedPage
from filters.results import Evidence, OptoutFinding, OptoutSignal, excerpt


def detect_optout(
    page: ParsedPage, *, tokens: Sequence[str] = (), prior: Sequence[OptoutSignal] = ()
) -> OptoutFinding:
    """Combine opt-out signals found in the response with ``prior`` (pre-fetch) ones."""
    signals: list[OptoutSignal] = list(prior)
    for key, content, el in page.meta_values("robots", *tokens):
        words = {w.strip().lower() for w in content.split(",")}
        if "noai" in words:
            signals.append(OptoutSignal(signal="robots-meta", reserved=True, evidence=(
                Evidence(source=f"html:meta[name={key}]", locator=page.xpath_of(el),
                         excerpt=excerpt(content)),)))
    for key, content, el in page.meta_values("tdm-reservation"):
        if content.strip() == "1":
            signals.append(OptoutSignal(signal="tdmrep-meta", reserved=True, evidence=(
                Evidence(source="html:meta[name=tdm-reservation]", locator=page.xpath_of(el),
                         excerpt=excerpt(content)),)))
    for value in page.header_values("X-Robots-Tag"):
        if "noai" in {w.strip().lower() for w in value.split(",")}:
            signals.append(OptoutSignal(signal="x-robots-tag", reserved=True, evidence=(
                Evidence(source="header:X-Robots-Tag", excerpt=excerpt(value)),)))
    reserved = any(s.reserved for s in signals)
    return OptoutFinding(reserved=reserved, signals=tuple(signals),
                         reason="reservation found" if reserved else "no reservation found")


def nofollow(page: ParsedPage, *, tokens: Sequence[str] = ()) -> Evidence | None:
    """Evidence of a ``nofollow`` directive addressed to us, or None."""
    for key, content, el in page.meta_values("robots", *tokens):
        if {"nofollow", "none"} & {w.strip().lower() for w in content.split(",")}:
            return Evidence(source=f"html:meta[name={key}]", locator=page.xpath_of(el),
                            excerpt=excerpt(content))
    for value in page.header_values("X-Robots-Tag"):
        if {"nofollow", "none"} & {w.strip().lower() for w in value.split(",")}:
            return Evidence(source="header:X-Robots-Tag", excerpt=excerpt(value))
    return None
