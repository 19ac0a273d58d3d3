"""The per-record rights manifest: why each row is in the dataset, and what is owed for it.

One :class:`ManifestEntry` per dataset row (``manifest.jsonl.gz``, and the same entries as Parquet
in ``manifest/rights-*.parquet``), joined on ``id``. It holds the licence finding with its scope
and evidence, every opt-out signal checked with its result and evidence, the policy files relied
on (robots.txt, tdmrep.json, ai.txt: digest, fetch time, where they are archived, and for
robots.txt the rule re-evaluated from the archived bytes), the paywall finding, the policy (name,
version, digest, and the rule that admitted the row), the extraction, and the WARC pointer (file,
offset, record id, payload digest) from which the row re-derives.

The policy's full text is the same for every entry of an export, so it is written once, in
``export-info.json`` (``policy.content``) and the card's "Rights policy" section; each entry
names it by digest (sha256 of its canonical JSON). Format 3 dropped ``policy.content``, which
repeated it on every line.

Pages that were archived but not exported (``excluded.jsonl.gz``) and URLs refused before
fetching (``not-fetched.jsonl.gz``) get entries of the same type, so ``clearcrawl explain``
answers "why not?" the same way it answers "why?".

The licence, opt-out and paywall sections serialise the detectors' results
(:mod:`filters.results`) through each type's ``of``; they stay types of their own because the
JSON Schema, with a description per field, is generated from them (the JSON is the results'
own :func:`filters.results.to_jsonable` form, field for field).

The types below are the single source of the manifest's shape: :mod:`export.schema` generates
``export/manifest.schema.json`` from them (shipped into every dataset folder), and a test checks
that the committed file matches and that every entry written validates against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from export.schema import dump_schema, json_schema, to_json
from filters.policy import Policy
from filters.record import DecisionRecord, FetchRecord
from filters.results import (
    Evidence,
    LicenseFinding,
    LicenseHit,
    OptoutFinding,
    OptoutSignal,
    PaywallFinding,
)

SCHEMA = "clearcrawl.manifest/3"
SCHEMA_ID = "https://clearcrawl.invalid/schemas/manifest-3.json"
SCHEMA_FILE = Path(__file__).with_name("manifest.schema.json")

Status = Literal["exported", "excluded", "not-fetched"]


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceItem:
    """One observation a finding relied on: channel, place, raw value, and its reading."""

    source: Annotated[str, "channel: header:X-Robots-Tag, html:link[rel=license], robots.txt…"]
    locator: Annotated[str, "header name, XPath, URL or line"]
    excerpt: Annotated[str, "the raw value exactly as found (truncated)"]
    note: Annotated[str, "how it was read: matched rule, scope reason…"]

    @classmethod
    def of(cls, evidence: Evidence) -> EvidenceItem:
        """Serialise a detector's :class:`filters.results.Evidence`."""
        return cls(
            source=evidence.source,
            locator=evidence.locator,
            excerpt=evidence.excerpt,
            note=evidence.note,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class LicenseHitItem:
    """One licence statement found on the page and the scope it was given."""

    spdx: str
    url: str | None
    scope: Annotated[str, "page, site or part (part never covers the main text)"]
    scope_reason: str
    evidence: EvidenceItem

    @classmethod
    def of(cls, hit: LicenseHit) -> LicenseHitItem:
        """Serialise one :class:`filters.results.LicenseHit`."""
        return cls(
            spdx=hit.spdx,
            url=hit.url,
            scope=str(hit.scope),
            scope_reason=hit.scope_reason,
            evidence=EvidenceItem.of(hit.evidence),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class LicenseSection:
    """The licence of the page's main text as re-derived from the archived page."""

    spdx: Annotated[str | None, "SPDX id covering the main text; null when none does"]
    scope: Annotated[str | None, "page or site when spdx is set; part when only parts are licensed"]
    url: str | None
    ambiguous: Annotated[
        bool,
        "conflicting licence statements, a licence that is not a known one, or a page only"
        " partly read (work cap); the default policy excludes",
    ]
    reason: str
    hits: list[LicenseHitItem]
    evidence: list[EvidenceItem]
    detector: str

    @classmethod
    def of(cls, finding: LicenseFinding) -> LicenseSection:
        """Serialise the licence detector's :class:`filters.results.LicenseFinding`."""
        return cls(
            spdx=finding.spdx,
            scope=str(finding.scope) if finding.scope is not None else None,
            url=finding.url,
            ambiguous=finding.ambiguous,
            reason=finding.reason,
            hits=[LicenseHitItem.of(h) for h in finding.hits],
            evidence=[EvidenceItem.of(e) for e in finding.evidence],
            detector=finding.detector,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SignalItem:
    """One AI/TDM opt-out channel checked and what it said (reserved true/false/null)."""

    signal: Annotated[str, "stable channel name: tdmrep-meta, x-robots-tag, robots-meta…"]
    reserved: Annotated[bool | None, "true: rights reserved; false: explicitly not; null: silent"]
    reserves_images_only: bool
    evidence: list[EvidenceItem]

    @classmethod
    def of(cls, signal: OptoutSignal) -> SignalItem:
        """Serialise one :class:`filters.results.OptoutSignal`."""
        return cls(
            signal=signal.signal,
            reserved=signal.reserved,
            reserves_images_only=signal.reserves_images_only,
            evidence=[EvidenceItem.of(e) for e in signal.evidence],
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class OptoutSection:
    """The combined opt-out verdict: signals known before fetching plus those in the response."""

    reserved: bool
    reason: str
    signals: list[SignalItem]
    detector: str

    @classmethod
    def of(cls, finding: OptoutFinding) -> OptoutSection:
        """Serialise the opt-out detector's :class:`filters.results.OptoutFinding`."""
        return cls(
            reserved=finding.reserved,
            reason=finding.reason,
            signals=[SignalItem.of(s) for s in finding.signals],
            detector=finding.detector,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class RslTermsItem:
    """Terms an RSL licence sets for AI training, and where to obtain a licence (for a grant)."""

    licence_url: Annotated[str, "the RSL document"]
    content_url: Annotated[str, "the <content url> pattern that applied (RSL 1.0 §3.2)"]
    requires: Annotated[list[str], "payment:<type>, server, custom, reporting"]
    payment: str
    server: Annotated[str, "RSL License Server (§3.2): a licence must be obtained there"]
    standard: list[str]
    custom: list[str]
    amounts: list[str]
    reporting: list[str]
    obtain_at: Annotated[str, "where to obtain the licence"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RslSection:
    """The RSL 1.0 licence (https://rslstandard.org/rsl) that concerns the record, and its verdict."""

    verdict: Annotated[
        str,
        "prohibited, permitted, terms, condition-unknown, not-covered, unavailable or none",
    ]
    reason: str
    cause: Annotated[str, "the term, condition or failure that decided (reason id argument)"]
    licence_url: str
    attribution_required: Annotated[bool, "the licence's payment is attribution: credit the source"]
    licence_urls: Annotated[list[str], "<standard>/<legal> URLs of the permitting licence"]
    terms: RslTermsItem | None
    max_age_days: Annotated[int, "days the document may be relied on (§3.1; 0 when not read)"]
    evidence: list[EvidenceItem]


@dataclass(frozen=True, slots=True, kw_only=True)
class PaywallSection:
    """Whether the main content is behind a paywall, metered or registration wall."""

    paywalled: bool
    kind: str
    reason: str
    evidence: list[EvidenceItem]
    detector: str

    @classmethod
    def of(cls, finding: PaywallFinding) -> PaywallSection:
        """Serialise the paywall detector's :class:`filters.results.PaywallFinding`."""
        return cls(
            paywalled=finding.paywalled,
            kind=finding.kind,
            reason=finding.reason,
            evidence=[EvidenceItem.of(e) for e in finding.evidence],
            detector=finding.detector,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordPointer:
    """Where an archived record is: enough to reopen its exact bytes."""

    file: Annotated[str, "WARC file name"]
    offset: Annotated[int, "byte offset of the record's gzip member in the file"]
    record_id: str
    payload_digest: Annotated[str, "WARC-Payload-Digest of the record"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TdmRuleItem:
    """One ODRL rule of a TDM policy and what it means for AI training."""

    rule: Annotated[str, "permission, prohibition or obligation"]
    index: int
    action: Annotated[str, "e.g. tdm:mine"]
    target: str
    duties: Annotated[list[str], "duty actions (obtainConsent, compensate)"]
    constraints: Annotated[list[str], "leftOperand operator rightOperand, as written"]
    counts: Annotated[bool, "this permission permits mining for AI training"]
    note: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TdmPolicyItem:
    """The terms of a TDMRep TDM policy (ODRL), re-read from its archived bytes.

    Evidence a grant may rely on (``grant.tdm_policy``), never an admission by itself.
    """

    status: Annotated[str, "read, unreadable, human-readable, absent, unavailable or not-fetched"]
    ai_training: Annotated[str, "permitted, not-permitted or unknown"]
    reason: str
    uid: Annotated[str, "the policy identifier (ODRL uid)"]
    assigner: Annotated[list[str], "the rightsholder's vCard fields, 'name: value'"]
    conditions: Annotated[
        list[str], "duties and purpose of the permitting rules (obtain-consent, compensate…)"
    ]
    rules: list[TdmRuleItem]
    evidence: list[EvidenceItem]

    @classmethod
    def of(cls, policy: Any) -> TdmPolicyItem:
        """Serialise a :class:`filters.optout.tdmpolicy.TdmPolicy`."""
        return cls(
            status=str(policy.status),
            ai_training=str(policy.ai_training),
            reason=policy.reason,
            uid=policy.uid,
            assigner=[f"{k}: {v}" for k, v in policy.assigner],
            conditions=list(policy.conditions),
            rules=[
                TdmRuleItem(
                    rule=r.rule,
                    index=r.index,
                    action=r.action,
                    target=r.target,
                    duties=list(r.duties),
                    constraints=[
                        f"{c.left_operand} {c.operator} {' '.join(c.right_operand)}"
                        for c in r.constraints
                    ],
                    counts=r.counts,
                    note=r.note,
                )
                for r in policy.rules
            ],
            evidence=[EvidenceItem.of(e) for e in policy.evidence],
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyFileItem:
    """A policy file (robots.txt, tdmrep.json, ai.txt) the pre-fetch decision relied on."""

    kind: str
    url: str
    final_url: str
    status: Annotated[int, "HTTP status at fetch time; 0 when the fetch failed"]
    sha256: Annotated[str, "hex sha256 of the body as received, recorded at crawl time"]
    fetched_at: Annotated[str, "RFC 3339 UTC instant of the fetch"]
    error: str
    archived: Annotated[
        RecordPointer | None,
        "the archived record of this file (its WARC-Target-URI is this file's URL): a response "
        "holding the body, or a revisit referring to one; null if none",
    ]
    check: Annotated[
        Literal["archived", "not-archived", "fetch-failed", "missing"],
        "archived: the exact bytes are in the WARC; fetch-failed: nothing to archive; missing: "
        "a foreign archive's page whose file was found nowhere (see `source`)",
    ]
    original: Annotated[
        RecordPointer | None,
        "when `archived` is a revisit: the earlier response (WARC-Refers-To) that holds the "
        "bytes, often another file's or origin's; null otherwise",
    ] = None
    source: Annotated[
        Literal["crawl", "same-archive", "policy-archive", "fetched-at-export", "none"],
        "where the evidence came from: crawl (fetched by the clearcrawl crawl that archived "
        "the page); same-archive (a capture in the archives read, nearest in time to the page's);"
        " policy-archive (--policy-warcs); fetched-at-export (--fetch-policies: fetched when "
        "the export ran, not when the page was captured); none (found nowhere)",
    ] = "crawl"
    tdm_policy: Annotated[
        TdmPolicyItem | None,
        "for a TDMRep TDM policy (kind tdm-policy): its terms as re-read from the archived "
        "bytes; null for other kinds",
    ] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RobotsSection:
    """robots.txt as recorded at crawl time and as re-evaluated from the archived file."""

    url: str
    sha256: str
    fetched_at: str
    recorded_allowed: Annotated[bool | None, "the crawl-time verdict (null: none recorded)"]
    recorded_reason: str
    recorded_evidence: list[EvidenceItem]
    recheck_allowed: Annotated[bool | None, "verdict re-computed from the archived robots.txt"]
    recheck_reason: str
    recheck_evidence: Annotated[list[EvidenceItem], "matched rule(s) of the re-evaluation"]
    matches_recorded: Annotated[bool | None, "re-evaluation agrees with the crawl-time verdict"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicySection:
    """The rights policy applied, and the allowlist rule that admitted the row."""

    name: str
    version: str
    digest: Annotated[
        str,
        "sha256 of the policy's canonical JSON; the policy itself is in export-info.json "
        "(policy.content) and the dataset card",
    ]
    source: Annotated[str, "file the policy was read from, or builtin"]
    rule: Annotated[str | None, "allowlist rule that matched the licence (exported rows)"]


@dataclass(frozen=True, slots=True, kw_only=True)
class WarcSection:
    """The WARC records this entry was derived from."""

    file: str
    offset: Annotated[int, "offset of the response/revisit record (-1: none)"]
    record_id: str
    record_type: Annotated[str, "response, revisit, or empty for a decision-only record"]
    payload_digest: Annotated[str, "payload digest (of the withheld payload when withheld)"]
    metadata_offset: Annotated[int, "offset of the metadata record holding the crawl decision"]
    metadata_record_id: str
    payload_from: Annotated[
        RecordPointer | None,
        "revisit: the earlier response record holding the payload it repeats (null: none)",
    ] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchSection:
    """The fetch as recorded by the crawler."""

    status: int
    fetched_at: str
    content_type: str | None
    ip_address: str | None
    body_stored: Annotated[bool, "false when the body was withheld because of an opt-out"]
    truncated: str | None

    @classmethod
    def of(cls, fetch: FetchRecord) -> FetchSection:
        """Return the manifest's view of a record's ``fetch`` section (what a reviewer needs)."""
        return cls(
            status=fetch.status,
            fetched_at=fetch.fetched_at,
            content_type=fetch.content_type,
            ip_address=fetch.ip_address,
            body_stored=fetch.body_stored,
            truncated=fetch.truncated or None,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class TextSection:
    """The extracted main text."""

    chars: int
    sha256: Annotated[str, "sha256 of the normalised text (NFKC, casefold, spaces): dedupe key"]
    extractor: Annotated[str, "extractor and version"]
    markdown: Annotated[bool, "a Markdown rendering was exported too"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DuplicateItem:
    """A page with the same normalised text as this row, not exported again."""

    id: str
    url: str
    warc: RecordPointer


@dataclass(frozen=True, slots=True, kw_only=True)
class GrantSection:
    """The licensed-source agreement that admitted the record (filters.grants).

    Judged at the capture time (``crawl_date``), never at export time. The licence token is
    never recorded: only ``license_token_sha256``.
    """

    id: Annotated[str, "agreement reference"]
    counterparty: str
    document_sha256: Annotated[str, "sha256 of the signed agreement document"]
    scope: Annotated[str | None, "origin or URL pattern the agreement covers"]
    permits: list[str]
    valid_from: str
    valid_until: str
    attribution: Annotated[str, "attribution duty owed under the agreement"]
    overrides: Annotated[list[str], "opt-out signals the agreement explicitly overrides"]
    license_server: str | None
    license_token_sha256: Annotated[str | None, "digest of the RSL licence token sent, if any"]
    lifted: Annotated[list[str], "the exclusion reasons the agreement answered"]
    grants_digest: Annotated[str, "sha256 of the grants file's canonical JSON (tokens as digests)"]
    tdm_policy: Annotated[
        str | None, "the TDMRep TDM policy (URL or sha256) the agreement relies on"
    ] = None
    note: Annotated[
        str, "what the agreement decided, and the relied-on TDM policy's terms it checked"
    ] = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CrawlTimeSection:
    """The decision the crawler recorded (the export re-derives its own)."""

    outcome: str
    reasons: list[str]

    @classmethod
    def of(cls, record: DecisionRecord) -> CrawlTimeSection:
        """Return the outcome and reasons of the crawl's decision record."""
        return cls(outcome=record.outcome.value, reasons=list(record.reasons))


@dataclass(frozen=True, slots=True, kw_only=True)
class ProvenanceSection:
    """Who wrote the archive a page came from (its ``warcinfo``), for archives of other tools."""

    producer: Annotated[str, "warcinfo `software` (empty when the file has no warcinfo)"]
    collection: Annotated[str, "warcinfo `isPartOf` (e.g. CC-MAIN-2020-34)"]
    warc_format: Annotated[str, "WARC-Type version or warcinfo `format` (WARC/1.0, ARC…)"]
    crawl_time_decision: Annotated[
        bool, "false: no clearcrawl decision was recorded when the page was captured"
    ]
    policy_window_days: Annotated[
        int, "policy files of the archives were taken within this many days of the capture"
    ]
    relaxations: Annotated[
        list[str],
        "policy files missing for this page whose absence the policy tolerated "
        "(archive_required_policy_files leaves them out): the decision did not see them",
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionSection:
    """The export's decision and every reason against inclusion (empty when exported)."""

    include: bool
    reasons: Annotated[list[str], "stable reason ids; the card counts them by the part before ':'"]
    crawl_time: CrawlTimeSection | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ManifestEntry:
    """Rights manifest entry for one archived page (exported or not) or refused URL."""

    schema: Annotated[str, "manifest format identifier"]
    id: Annotated[str, "sha1 hex of URL and payload digest; the dataset row id when exported"]
    url: str
    status: Status
    crawl_date: Annotated[str | None, "WARC-Date of the capture"]
    clearcrawl_version: str
    decision: DecisionSection
    license: LicenseSection | None
    optout: OptoutSection | None
    paywall: PaywallSection | None
    rsl: RslSection | None
    robots: RobotsSection | None
    policy_files: list[PolicyFileItem]
    policy: PolicySection
    warc: WarcSection
    fetch: FetchSection | None
    text: TextSection | None
    duplicates: Annotated[list[DuplicateItem], "same-text pages dropped in favour of this row"]
    notes: Annotated[list[str], "parser notes (truncation, charset fallback…)"]
    provenance: Annotated[
        ProvenanceSection | None,
        "for a page from an archive clearcrawl did not write: its producer and what the "
        "decision rested on (null: a clearcrawl crawl, see `decision.crawl_time`)",
    ] = None
    grant: Annotated[GrantSection | None, "the agreement that admitted it (--grants)"] = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = to_json(self)  # a dataclass always converts to a dict
        return out


def manifest_schema() -> dict[str, Any]:
    """Generate the manifest's JSON Schema from :class:`ManifestEntry`."""
    return json_schema(ManifestEntry, schema_id=SCHEMA_ID, title="clearcrawl rights manifest entry")


def manifest_schema_text() -> str:
    """Return the schema as committed in the repository and shipped with each dataset."""
    return dump_schema(manifest_schema())


def policy_section(policy: Policy, rule: str | None = None) -> PolicySection:
    """Name the policy by digest (the file name, not its path, for stable output).

    Its content is written once per export, in ``export-info.json``.
    """
    return PolicySection(
        name=policy.name,
        version=policy.version,
        digest=policy.digest,
        source=policy.source if policy.source in ("builtin", "dict") else Path(policy.source).name,
        rule=rule,
    )


def main() -> None:
    """Regenerate ``export/manifest.schema.json`` (``python -m export.manifest``)."""
    SCHEMA_FILE.write_text(manifest_schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")


if __name__ == "__main__":
    main()
