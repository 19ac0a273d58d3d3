"""Pure rights detectors: opt-out signals, licence, paywall, robots.txt and policy files.

Everything here is a total function over URL + headers + body that returns a frozen result
carrying its evidence. Nothing in this package imports Scrapy (a test enforces it), so the
crawler, the exporter and ``clearcrawl check`` share exactly the same logic.

Layout: one package per signal family — :mod:`filters.robots` (RFC 9309),
:mod:`filters.optout` (TDMRep, ai.txt, X-Robots-Tag/meta, content signals),
:mod:`filters.license`, :mod:`filters.paywall` — each exporting a small surface from its
``__init__``. Above them, :mod:`filters.assess` runs the page detectors and :mod:`filters.policy`
decides; :mod:`filters.prefetch` plans the fetch of an origin's policy files (sans I/O) and
evaluates them before a URL is fetched; :mod:`filters.reasons` is the vocabulary of reasons a
decision gives (with what ``explain`` says about each).
Below them, shared by all: :mod:`filters.results` (the frozen results), :mod:`filters.html`
(parse once), :mod:`filters.headers`, :mod:`filters.tokens` (user-agent product tokens) and
:mod:`filters.aipref` (the IETF aipref vocabulary). Everything other layers use is re-exported
here.
"""

from filters.assess import PageAssessment, assess_page, assess_parsed
from filters.headers import Headers, header_values, normalize_headers
from filters.html import MAX_PARSE_BYTES, ParsedPage, parse_page
from filters.license import detect_license
from filters.optout import aitxt_from_fetch, detect_optout, tdmrep_from_fetch
from filters.paywall import detect_paywall
from filters.policy import DEFAULT_POLICY, Policy, PolicyError
from filters.prefetch import (
    POLICY_FILES,
    FetchResult,
    OriginPolicies,
    PolicyFetch,
    PolicyFileKind,
    PrefetchPlan,
    fetch_permission,
    origin_base,
    origin_of_url,
    origin_url,
    unfetched_policy_files,
)
from filters.reasons import Reason
from filters.record import DecisionRecord, Outcome, RecordError
from filters.results import (
    Decision,
    Evidence,
    FetchPermission,
    LicenseFinding,
    LicenseHit,
    OptoutFinding,
    OptoutSignal,
    PaywallFinding,
    PolicyFileRef,
    Scope,
    optout_signal_from_json,
    to_jsonable,
)
from filters.robots import robots_from_fetch

__all__ = [
    "DEFAULT_POLICY",
    "MAX_PARSE_BYTES",
    "POLICY_FILES",
    "Decision",
    "DecisionRecord",
    "Evidence",
    "FetchPermission",
    "FetchResult",
    "Headers",
    "LicenseFinding",
    "LicenseHit",
    "OptoutFinding",
    "OptoutSignal",
    "OriginPolicies",
    "Outcome",
    "PageAssessment",
    "ParsedPage",
    "PaywallFinding",
    "Policy",
    "PolicyError",
    "PolicyFetch",
    "PolicyFileKind",
    "PolicyFileRef",
    "PrefetchPlan",
    "Reason",
    "RecordError",
    "Scope",
    "aitxt_from_fetch",
    "assess_page",
    "assess_parsed",
    "detect_license",
    "detect_optout",
    "detect_paywall",
    "fetch_permission",
    "header_values",
    "normalize_headers",
    "optout_signal_from_json",
    "origin_base",
    "origin_of_url",
    "origin_url",
    "parse_page",
    "robots_from_fetch",
    "tdmrep_from_fetch",
    "to_jsonable",
    "unfetched_policy_files",
]
