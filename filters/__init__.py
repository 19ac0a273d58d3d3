"""Pure rights detectors: opt-out signals, licence, paywall, robots.txt and policy files.

Everything here is a total function over URL + headers + body that returns a frozen result
carrying its evidence. Nothing in this package imports Scrapy (a test enforces it), so the
crawler, the exporter and ``clearcrawl check`` share exactly the same logic.
"""

from filters.assess import PageAssessment, assess_page, assess_parsed
from filters.html import ParsedPage, parse_page
from filters.policy import DEFAULT_POLICY, Policy, PolicyError
from filters.results import (
    Decision,
    Evidence,
    LicenseFinding,
    LicenseHit,
    OptoutFinding,
    OptoutSignal,
    PaywallFinding,
    PolicyFileRef,
    Scope,
    to_jsonable,
)

__all__ = [
    "DEFAULT_POLICY",
    "Decision",
    "Evidence",
    "LicenseFinding",
    "LicenseHit",
    "OptoutFinding",
    "OptoutSignal",
    "PageAssessment",
    "ParsedPage",
    "PaywallFinding",
    "Policy",
    "PolicyError",
    "PolicyFileRef",
    "Scope",
    "assess_page",
    "assess_parsed",
    "parse_page",
    "to_jsonable",
]
