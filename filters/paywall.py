"""Paywall detection (foundation version: schema.org ``isAccessibleForFree``)."""

from __future__ import annotations

from filters._html import ParsedPage
from filters.results import Evidence, PaywallFinding, excerpt


def detect_paywall(page: ParsedPage) -> PaywallFinding:
    """Whether the page's main content is walled."""
    if page.status in (401, 402):
        return PaywallFinding(paywalled=True, kind="hard", reason=f"HTTP {page.status}",
                              evidence=(Evidence(source="http:status", excerpt=str(page.status)),))
    for node, path in page.jsonld_nodes():
        value = node.get("isAccessibleForFree")
        if value is None:
            continue
        if value is False or str(value).strip().lower() in {"false", "https://schema.org/false"}:
            return PaywallFinding(
                paywalled=True, kind="hard", reason="JSON-LD isAccessibleForFree=false",
                evidence=(Evidence(source="jsonld", locator=path, excerpt=excerpt(repr(value))),),
            )
    return PaywallFinding(paywalled=False, reason="no paywall signal")
