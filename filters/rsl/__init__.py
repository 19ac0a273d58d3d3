"""RSL 1.0 (Really Simple Licensing, https://rslstandard.org/rsl): read licences, decide for AI training.

* :mod:`filters.rsl.document` — XML → :class:`RslDocument` (strict, safe; §3);
* :mod:`filters.rsl.evaluate` — one URL, AI training → :class:`RslOutcome` (§3.2–§3.13, §4.9);
* :mod:`filters.rsl.discover` — where a licence is named (§4.4–§4.6);
* :mod:`filters.rsl.policy` — the licence robots.txt declares, as a pre-fetch policy file;
* :mod:`filters.rsl.page` — licences a page itself names or inlines, evaluated for that page.

Pure: no I/O, no Scrapy; every function is total and returns frozen results with evidence.
"""

from filters.rsl.discover import RslReference, from_html, from_link_headers
from filters.rsl.document import (
    MEDIA_TYPE,
    NAMESPACE,
    RslContent,
    RslDocument,
    RslLicense,
    RslParse,
    RslPayment,
    parse_rsl,
)
from filters.rsl.evaluate import (
    NO_CONTEXT,
    USER_TYPES,
    RslContext,
    RslOutcome,
    RslTerms,
    Verdict,
    combine_outcomes,
    evaluate_rsl,
    rsl_context,
)
from filters.rsl.page import linked_urls, page_references, page_rsl
from filters.rsl.policy import KIND, RslPolicy, locate_licence, outcome_reasons, rsl_from_fetch

__all__ = [
    "KIND",
    "MEDIA_TYPE",
    "NAMESPACE",
    "NO_CONTEXT",
    "USER_TYPES",
    "RslContent",
    "RslContext",
    "RslDocument",
    "RslLicense",
    "RslOutcome",
    "RslParse",
    "RslPayment",
    "RslPolicy",
    "RslReference",
    "RslTerms",
    "Verdict",
    "combine_outcomes",
    "evaluate_rsl",
    "from_html",
    "from_link_headers",
    "linked_urls",
    "locate_licence",
    "outcome_reasons",
    "page_references",
    "page_rsl",
    "parse_rsl",
    "rsl_context",
    "rsl_from_fetch",
]
