"""The reason vocabulary: every id a decision may give for leaving a URL out, in one place.

A reason id is ``<class>`` or ``<class>:<argument>`` (``robots-disallowed``,
``too-little-text:123``, ``optout:tdmrep-file``). :class:`Reason` registers each class with the
plain-language reading ``clearcrawl explain`` prints (``{arg}`` stands for the argument) and
the crawl-stats key it is counted under, so the decisions log, the manifest, ``explain``, the
crawl stats and the dataset card read the same vocabulary. Code that emits a reason mints it
here: ``Reason.ROBOTS_DISALLOWED`` (a ``str``, serialised as its value) or
``Reason.TOO_LITTLE_TEXT.with_arg(123)``. A test checks that every emitted id is registered,
and the crawl's one decision recorder (``crawler/recorder.py``) refuses to record any other.

A new reason is added by one member below (id, reading, and any full ids read differently).
Members whose :class:`Text` is ``legacy`` are no longer emitted but are still found in datasets
exported by earlier versions, so ``explain`` keeps describing them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Self

#: Crawl-stats key prefixes: pages excluded (or not fetched) after the decision, and URLs
#: refused by the pre-fetch gate, each counted by reason class.
STATS_EXCLUDED = "clearcrawl/excluded"
STATS_PREFETCH = "clearcrawl/prefetch"


@dataclass(frozen=True, slots=True)
class Text:
    """What ``explain`` says about a reason class (``{arg}`` stands for the id's argument).

    ``variants`` reads full ids (``<class>:<argument>``) whose meaning differs from the class's;
    ``legacy`` marks a class no longer emitted, kept to describe datasets of earlier versions.
    """

    description: str
    variants: Mapping[str, str] = field(default_factory=dict)
    legacy: bool = False


class Reason(StrEnum):
    """A reason class: its id, what ``explain`` says about it, and its stats key.

    Each member is the class id itself (a ``str``), so a bare reason is emitted as the member
    and compares equal to the id read back from a log.
    """

    description: str
    #: Readings of full ids (``<class>:<argument>``) that differ from the class's.
    variants: Mapping[str, str]
    legacy: bool

    def __new__(cls, value: str, text: Text) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = text.description
        member.variants = MappingProxyType(dict(text.variants))
        member.legacy = text.legacy
        return member

    # -- licence (filters.policy) ------------------------------------------------------------
    NO_LICENSE = "no-license", Text("no licence statement covers the page's main text")
    LICENSE_PART_ONLY = (
        "license-part-only",
        Text(
            "a licence was found, but it covers only part of the page (an image, "
            "a widget, a quotation…), not the main text"
        ),
    )
    LICENSE_NOT_ALLOWED = (
        "license-not-allowed",
        Text("its licence ({arg}) is not on the policy's allowlist"),
    )
    LICENSE_AMBIGUOUS = (
        "license-ambiguous",
        Text(
            "the page's licence statements conflict, name terms that are not a "
            "known licence, or could not all be read ({arg})"
        ),
    )
    LICENSE_SCOPE_NOT_ALLOWED = (
        "license-scope-not-allowed",
        Text("the licence's scope ({arg}) is not one the policy accepts"),
    )
    # -- paywall and opt-outs ----------------------------------------------------------------
    PAYWALLED = (
        "paywalled",
        Text(
            "the main content is behind a paywall ({arg})",
            variants={
                "unknown": "part of the page was not read (a work cap), so whether its main "
                "content is walled is unknown; unknown is not taken",
            },
        ),
    )
    OPTOUT = (
        "optout",
        Text(
            "the publisher reserved text-and-data-mining / AI rights ({arg} signal)",
            variants={
                "tdmrep-meta-unread": "part of the page was not read (over the parse cap), so "
                "whether a tdm-reservation meta reserves it is unknown; unknown is not taken",
                "rsl": "the site's RSL licence (rslstandard.org/rsl) prohibits AI training, or "
                "does not list it among the uses it permits",
            },
        ),
    )
    # -- licensed-source agreements (filters.grants) ----------------------------------------
    GRANT_NOT_VALID = (
        "grant-not-valid",
        Text("an agreement ({arg}) covers it, but not at the time it was captured"),
    )
    GRANT_DOES_NOT_OVERRIDE = (
        "grant-does-not-override",
        Text(
            "an agreement ({arg}) covers it, but does not override the other reasons listed "
            "(an agreement lifts only no-licence, all-rights-reserved and RSL payment terms, "
            "and the opt-outs it names)"
        ),
    )
    GRANT_TDM_POLICY = (
        "grant-tdm-policy",
        Text(
            "an agreement ({arg}) covers it and relies on a TDMRep TDM policy, but the policy "
            "this URL's reservation names, as archived, is not that one or does not permit "
            "mining for AI training (or could not be read): the agreement admits nothing"
        ),
    )
    CRAWL_TIME_OPTOUT = (
        "crawl-time-optout",
        Text("the crawler found an AI/TDM reservation when it fetched the page"),
    )
    BODY_WITHHELD = (
        "body-withheld",
        Text("the body was not archived because an opt-out was found at crawl time"),
    )
    # -- robots.txt and the other policy files (filters.prefetch, export.policyfiles) --------
    ROBOTS_DISALLOWED = (
        "robots-disallowed",
        Text("robots.txt disallows it for an honoured product token"),
    )
    ROBOTS_UNREACHABLE = (
        "robots-unreachable",
        Text(
            "robots.txt could not be fetched (5xx/timeout), which means disallow "
            "(RFC 9309 §2.3.1.4)"
        ),
    )
    ROBOTS_REFUSED = (
        "robots-refused",
        Text(
            "robots.txt answered with a refusal (HTTP 401, 403, 407 or 451), which clearcrawl reads "
            "as disallow (a conservative deviation from RFC 9309 §2.3.1.3)"
        ),
    )
    ROBOTS_UNREADABLE = (
        "robots-unreadable",
        Text("robots.txt is not readable text, which means disallow (fail closed)"),
    )
    PREFETCH_ERROR = (
        "prefetch-error",
        Text(
            "the site's robots.txt and opt-out files could not be evaluated for it ({arg}); "
            "failures exclude, never admit"
        ),
    )
    POLICY_FILE_REFUSED_BY_ROBOTS = (
        "policy-file-refused-by-robots",
        Text(
            "robots.txt forbids fetching the site's {arg}, so whether "
            "that file reserves AI/TDM rights is unknown; not taken (fail closed), but no opt-out is "
            "claimed"
        ),
    )
    PREFETCH_REFUSED = "prefetch-refused", Text("it was refused before fetching")
    PREFETCH_RECORD_UNREADABLE = (
        "prefetch-record-unreadable",
        Text("its pre-fetch decision record is unreadable"),
    )
    ROBOTS_RECHECK_DISALLOWED = (
        "robots-recheck-disallowed",
        Text("robots.txt, re-read from the archive, disallows it"),
    )
    PREFETCH_RECHECK_ERROR = (
        "prefetch-recheck-error",
        Text("robots.txt and the opt-out files could not be re-evaluated from the archive ({arg})"),
    )
    ROBOTS_NOT_RECORDED = "robots-not-recorded", Text("no robots.txt verdict was recorded for it")
    POLICY_FILE_NOT_ARCHIVED = (
        "policy-file-not-archived",
        Text("the {arg} the crawler relied on is not in the WARC archive"),
    )
    POLICY_FILE_UNKNOWN = (
        "policy-file-unknown",
        Text(
            "the site's {arg} is not in the archives read (nor in a policy archive, nor "
            "fetched with --fetch-policies), so what it says about this page is unknown; not "
            "taken (fail closed; the policy's archive_required_policy_files names the files "
            "that must be found)"
        ),
    )
    # -- RSL 1.0 licences (filters.rsl) ------------------------------------------------------
    RSL_TERMS = (
        "rsl-terms",
        Text(
            "the site's RSL licence permits AI training only under terms clearcrawl does not hold "
            "by itself ({arg}: a payment, a licence from an RSL License Server, a custom "
            "agreement or a reporting duty); the evidence names the terms and where to obtain "
            "them; not taken without a matching agreement"
        ),
    )
    RSL_CONDITION_UNKNOWN = (
        "rsl-condition-unknown",
        Text(
            "the site's RSL licence restricts use by {arg} (user type or region) and the crawl "
            "did not say its own (CLEARCRAWL_RSL_USER / CLEARCRAWL_RSL_GEO); not taken"
        ),
    )
    RSL_UNAVAILABLE = (
        "rsl-unavailable",
        Text(
            "the RSL licence the site declared could not be used ({arg}: unreachable, refused, "
            "not a conformant RSL 1.0 document, or not fetched); its terms are unknown, so the "
            "content it covers is not taken (fail closed)"
        ),
    )
    # -- fetching (crawler, spiders, livecheck) ----------------------------------------------
    NOT_FETCHED = "not-fetched", Text("it was not fetched")
    FETCH_ERROR = "fetch-error", Text("the fetch failed ({arg})")
    OFF_SITE = (
        "off-site",
        Text("it is on an origin outside the crawl (a link to another site): not followed"),
    )
    NOT_A_WEB_PAGE = (
        "not-a-web-page",
        Text(
            "it is a {arg}: record (a DNS lookup, WHOIS answer or the like, as Heritrix "
            "archives), not a web page: only http and https captures are pages"
        ),
    )
    REDIRECT = (
        "redirect",
        Text("it is a redirect (HTTP {arg}); the target was considered on its own"),
    )
    # -- crawl scope (--seeds-file, --max-pages-per-origin, --allow/--deny-domains) ----------
    INVALID_SEED = (
        "invalid-seed",
        Text("a line of the seeds file is not an http(s) URL with a host ({arg}): not requested"),
    )
    ORIGIN_PAGE_CAP = (
        "origin-page-cap",
        Text(
            "its origin already had the crawl's --max-pages-per-origin ({arg}) pages "
            "requested: not requested"
        ),
    )
    DOMAIN_DENIED = (
        "domain-denied",
        Text(
            "its host is on the crawl's --deny-domains list (entry {arg}, the list named by "
            "its sha256): never requested, not even its robots.txt"
        ),
    )
    DOMAIN_NOT_ALLOWED = (
        "domain-not-allowed",
        Text(
            "its host is not on the crawl's --allow-domains list ({arg}): never requested, "
            "not even its robots.txt"
        ),
    )
    REDIRECT_LIMIT = (
        "redirect-limit",
        Text(
            "a redirect chain reached it after more hops than the crawl follows "
            "(REDIRECT_MAX_TIMES): not requested"
        ),
    )
    TOO_LARGE = (
        "too-large",
        Text(
            "its body exceeds the crawl's DOWNLOAD_MAXSIZE (as served or once decompressed); "
            "archived truncated (WARC-Truncated: length), never decided on part of it"
        ),
    )
    TRUNCATED = (
        "truncated",
        Text("its body was not received in full ({arg}); never decided on part of it"),
    )
    HTTP_STATUS = (
        "http-status",
        Text(
            "the server answered HTTP {arg}",
            variants={
                "unreadable": "the archived response's HTTP status line cannot "
                "be read: a page is never taken on a status nobody can see",
            },
        ),
    )
    UNSUPPORTED_CONTENT_TYPE = (
        "unsupported-content-type",
        Text(
            "its body is {arg}, not HTML: no licence can be read in it and "
            "no text extracted from it"
        ),
    )
    UNDECODABLE_BODY = "undecodable-body", Text("the archived body does not decode ({arg})")
    CONSENT_WITHDRAWN = (
        "consent-withdrawn",
        Text(
            "exported earlier, but a consent re-check (clearcrawl recheck) found the site's "
            "policy files now refuse it ({arg})"
        ),
    )
    PDF_UNREADABLE = (
        "pdf-unreadable",
        Text(
            "its body is a PDF that could not be read ({arg}): no licence statement or text "
            "could be taken from it",
            {
                "encrypted": "its body is an encrypted PDF: the text is behind an "
                "access control, which is never circumvented",
                "broken": "its body is a damaged PDF that could not be parsed",
                "no-text": "its body is a PDF without extractable text (scanned "
                "images or empty pages): nothing to export and no licence statement read",
            },
        ),
    )
    # -- detectors and extraction ------------------------------------------------------------
    DETECTOR_ERROR = (
        "detector-error",
        Text("a rights detector failed ({arg}); failures exclude, never admit"),
    )
    DETECTOR_MISSING = "detector-missing", Text("a rights detector gave no result ({arg})")
    EXTRACTOR_ERROR = "extractor-error", Text("text extraction failed ({arg})")
    TOO_LITTLE_TEXT = "too-little-text", Text("only {arg} characters of main text were extracted")
    # -- the export's own checks -------------------------------------------------------------
    NO_DECISION_RECORD = (
        "no-decision-record",
        Text("the WARC holds no readable decision record for it"),
    )
    REVISIT_UNRESOLVED = (
        "revisit-unresolved",
        Text(
            "it repeats the payload of an earlier capture ({arg}) that is not in "
            "the WARC files read, so there is nothing to re-derive it from"
        ),
    )
    DUPLICATE_TEXT = (
        "duplicate-text",
        Text("its text is the same as row {arg}, which is in the dataset"),
    )
    # -- legacy: emitted by earlier versions, still found in their datasets ------------------
    #: Before the export re-derived the whole pre-fetch verdict (now ``prefetch-recheck-error``).
    ROBOTS_RECHECK_ERROR = (
        "robots-recheck-error",
        Text(
            "robots.txt could not be re-evaluated from the archive ({arg})",
            legacy=True,
        ),
    )
    #: Before a revisit was decided on the payload it repeats (now ``revisit-unresolved``).
    REVISIT_OF = (
        "revisit-of",
        Text(
            "it repeats the payload of an earlier capture ({arg})",
            legacy=True,
        ),
    )

    def with_arg(self, arg: object) -> str:
        """Return the full id ``<class>:<arg>`` (``arg`` formatted as an f-string would)."""
        return f"{self.value}:{arg}"

    @property
    def stats_key(self) -> str:
        """Crawl-stats key counting pages left out for this reason (``clearcrawl/excluded/…``)."""
        return f"{STATS_EXCLUDED}/{self.value}"

    def text(self, arg: str = "") -> str:
        """Return the plain-language reading of ``<class>[:arg]``."""
        template = self.variants.get(arg) if arg else None
        return (template or self.description).format(arg=arg or "unspecified")

    @classmethod
    def of(cls, reason: str) -> Reason | None:
        """Return the registered class of a reason id, or None when it is not registered."""
        found = cls._value2member_map_.get(reason_class(reason))
        return found if isinstance(found, Reason) else None


def reason_class(reason: str) -> str:
    """Return the counting class of a reason string (the part before the first ``:``)."""
    return reason.split(":", 1)[0]


def stats_key(reason: str, prefix: str = STATS_EXCLUDED) -> str:
    """Crawl-stats key counting ``reason`` by its class under ``prefix``."""
    return f"{prefix}/{reason_class(reason)}"


def describe(reason: str) -> str:
    """One reason id as a sentence fragment (an unregistered id is shown as it is)."""
    found = Reason.of(reason)
    if found is None:
        return reason
    return found.text(reason.partition(":")[2])


__all__ = [
    "STATS_EXCLUDED",
    "STATS_PREFETCH",
    "Reason",
    "Text",
    "describe",
    "reason_class",
    "stats_key",
]
