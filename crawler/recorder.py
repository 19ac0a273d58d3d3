"""One decision recorder: every URL the crawl considers is recorded, counted and announced here.

The capture, rights, limits and pre-fetch middlewares and the site spider each reach a decision
about a URL; :class:`DecisionRecorder` turns it into the one record of
:mod:`crawler.decisions` (a :class:`filters.record.DecisionRecord`), counts it under the crawl
stats keys below and sends :data:`crawler.signals.rights_decided` with the record's JSON and the
captured exchange (the WARC writer and the decisions log subscribe). So a decision's record,
its stats and its signal cannot drift apart between components.

Stats (Scrapy's ``StatsCollector``, namespaced as in ``scrapy.downloadermiddlewares.robotstxt``):

* ``clearcrawl/decision/<outcome>`` per page decided or URL not fetched, and each of its
  reasons under :attr:`filters.reasons.Reason.stats_key` (``clearcrawl/excluded/<class>``);
* a URL refused before fetching counts its reasons under ``clearcrawl/prefetch/<class>``
  instead, with ``clearcrawl/optout/<signal>`` per opt-out and
  ``clearcrawl/prefetch/policy-file-refused-by-robots/<file>`` per unread policy file;
* a fetched page also counts ``clearcrawl/license/<spdx|none>``, ``clearcrawl/optout/<signal>``
  and ``clearcrawl/paywall/<kind>``; a policy file ``clearcrawl/policyfile/<kind>``; a redirect
  ``clearcrawl/fetch/redirect``.

Every reason recorded must be a registered, current member of :class:`filters.reasons.Reason`
(its id or ``<id>:<argument>``): anything else is a programming error and raises
:class:`UnregisteredReason` instead of reaching the log, where ``explain`` could not read it
(in a crawl the request then fails, and the spider records it ``not-fetched`` as
``fetch-error:UnregisteredReason``: fail closed, and visible).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from crawler import signals as cc_signals
from crawler.decisions import (
    not_fetched_record,
    page_record,
    policy_file_record,
    redirect_limit_record,
    redirect_record,
    too_large_record,
)
from crawler.rightsconfig import load_policy
from filters.prefetch import REFUSED_REASON
from filters.reasons import STATS_PREFETCH, Reason, stats_key
from filters.record import DecisionRecord, Outcome, TooLargeRecord

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.exchange import Exchange
    from filters.assess import PageAssessment
    from filters.policy import Policy
    from filters.results import FetchPermission


class UnregisteredReason(ValueError):
    """A component tried to record a reason id that :class:`filters.reasons.Reason` lacks."""


def check_reasons(reasons: Sequence[str]) -> None:
    """Raise :class:`UnregisteredReason` unless every id is a current registered reason."""
    for reason in reasons:
        found = Reason.of(reason)
        if found is None or found.legacy:
            what = "legacy" if found is not None else "unregistered"
            raise UnregisteredReason(
                f"{what} reason id {reason!r}: mint it through filters.reasons.Reason "
                "(register a new reason there, with its plain-language text)"
            )


class DecisionRecorder:
    """Build, count and announce the decision for each URL (one per component is fine)."""

    def __init__(self, crawler: Crawler, policy: Policy | None = None) -> None:
        self.crawler = crawler  # its stats are read when used: a spider's exist only once it runs
        self.policy = policy if policy is not None else load_policy(crawler.settings)

    # -- fetched ---------------------------------------------------------------------------
    def page(
        self,
        exchange: Exchange,
        assessment: PageAssessment,
        prefetch: FetchPermission | None,
        *,
        grant: dict[str, Any] | None = None,
        keep_body: bool = False,
    ) -> dict[str, Any]:
        """Record a fetched page's decision; return the record as sent.

        ``grant`` is the licensed-source agreement section (:func:`filters.grants.admit`'s
        outcome, no token); ``keep_body`` stores the body although an opt-out fired, because an
        agreement that names that opt-out admitted the page (the export re-derives it).
        """
        built = build_page_record(
            exchange, assessment, prefetch, self.policy, grant=grant, keep_body=keep_body
        )
        return self.page_built(built, exchange)

    def page_built(self, built: BuiltRecord, exchange: Exchange) -> dict[str, Any]:
        """Count and announce a page record :func:`build_page_record` built (maybe elsewhere).

        The rights middleware builds it in a detector process (:mod:`crawler.offload`), so the
        reactor thread only counts its stats keys and sends the signal with its JSON line.
        """
        inc = self._inc
        for key in built.stats_keys:
            inc(key)
        self.crawler.signals.send_catch_log(
            signal=cc_signals.rights_decided,
            record=built.record,
            exchange=exchange,
            record_json=built.line,
        )
        return built.record

    def too_large(
        self, exchange: Exchange, prefetch: FetchPermission | None, detail: TooLargeRecord
    ) -> dict[str, Any]:
        """Record a page dropped for size before any detector saw it (excluded, too-large)."""
        record = self._valid(too_large_record(exchange, prefetch, self.policy, detail=detail))
        self._count(record)
        return self._send(record, exchange)

    def policy_file(
        self, exchange: Exchange, *, too_large: TooLargeRecord | None = None
    ) -> dict[str, Any]:
        """Record an archived robots.txt, tdmrep.json or ai.txt (evidence, not a page)."""
        record = self._valid(policy_file_record(exchange, self.policy, too_large=too_large))
        self._inc(f"clearcrawl/policyfile/{exchange.kind}")
        return self._send(record, exchange)

    def redirect(
        self,
        exchange: Exchange,
        location: str,
        *,
        target: str | None,
        origin_added: str | None = None,
        origin_added_because: str | None = None,
    ) -> dict[str, Any]:
        """Record a 3xx response; its target is decided on its own."""
        record = self._valid(
            redirect_record(
                exchange,
                location,
                self.policy,
                target=target,
                origin_added=origin_added,
                origin_added_because=origin_added_because,
            )
        )
        self._inc("clearcrawl/fetch/redirect")
        return self._send(record, exchange)

    # -- not fetched -----------------------------------------------------------------------
    def refused(self, url: str, permission: FetchPermission) -> dict[str, Any]:
        """Record a URL the pre-fetch gate refuses (counted under ``clearcrawl/prefetch/``)."""
        record = self._valid(not_fetched_record(url, permission.reasons, permission, self.policy))
        for reason in permission.reasons:
            cls, _, arg = reason.partition(":")
            key = stats_key(reason, STATS_PREFETCH)
            self._inc(key)
            if cls == Reason.OPTOUT:
                self._inc(f"clearcrawl/optout/{arg}")
            elif cls == REFUSED_REASON:
                self._inc(f"{key}/{arg}")
        self._inc(f"clearcrawl/decision/{record.outcome}")
        return self._send(record, None)

    def not_fetched(
        self,
        url: str,
        reasons: Sequence[str],
        prefetch: FetchPermission | None = None,
        *,
        found_on: str | None = None,
        details: Mapping[str, Any] | None = None,
        stats_prefix: str | None = None,
    ) -> dict[str, Any]:
        """Record a URL not fetched: its fetch failed, it is off-site (``found_on``), out of scope.

        ``details`` adds outcome-specific sections (``seeds_file``, ``domain_list``…) to the
        record; ``stats_prefix`` counts the reasons under another namespace than
        ``clearcrawl/excluded`` (a refusal before any request counts under ``clearcrawl/prefetch``).
        """
        record = not_fetched_record(url, tuple(reasons), prefetch, self.policy, found_on=found_on)
        if details:
            record = replace(record, details=(*record.details, *details.items()))
        record = self._valid(record)
        if stats_prefix is None:
            self._count(record)
        else:
            self._inc(f"clearcrawl/decision/{record.outcome}")
            for reason in record.reasons:
                self._inc(stats_key(reason, stats_prefix))
        return self._send(record, None)

    def redirect_limit(
        self, url: str, source: str, chain: list[str], kind: str, *, max_hops: int
    ) -> dict[str, Any]:
        """Record a redirect target not requested because the chain hit its limit."""
        record = self._valid(
            redirect_limit_record(url, source, chain, kind, self.policy, max_hops=max_hops)
        )
        self._count(record)
        return self._send(record, None)

    # -- shared ----------------------------------------------------------------------------
    def _inc(self, key: str) -> None:
        self.crawler.stats.inc_value(key)

    def _count(self, record: DecisionRecord) -> None:
        """Count a decision by outcome and each reason by class (``clearcrawl/excluded/…``)."""
        if record.outcome in (Outcome.POLICY_FILE, Outcome.REDIRECT):
            return
        self._inc(f"clearcrawl/decision/{record.outcome}")
        for reason in record.reasons:
            self._inc(stats_key(reason))

    @staticmethod
    def _valid(record: DecisionRecord) -> DecisionRecord:
        """Refuse a record with an unregistered reason before anything is counted or sent."""
        check_reasons(record.reasons)
        return record

    def _send(self, record: DecisionRecord, exchange: Exchange | None) -> dict[str, Any]:
        data = record.to_json()
        self.crawler.signals.send_catch_log(
            signal=cc_signals.rights_decided,
            record=data,
            exchange=exchange,
            record_json=record_line(data),
        )
        return data


def record_line(data: dict[str, Any]) -> bytes:
    """Serialise ``data`` as one JSON line (UTF-8, sorted keys), as the log and the WARC store it.

    Serialised once per decision and shared (the decisions log writes it, the WARC writer puts
    it in the ``metadata`` record), instead of once by each.
    """
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")


@dataclass(frozen=True, slots=True)
class BuiltRecord:
    """A page's decision record, its JSON line and the stats keys to count for it."""

    record: dict[str, Any]
    line: bytes
    stats_keys: tuple[str, ...]


def build_page_record(
    exchange: Exchange,
    assessment: PageAssessment,
    prefetch: FetchPermission | None,
    policy: Policy,
    *,
    grant: dict[str, Any] | None = None,
    keep_body: bool = False,
) -> BuiltRecord:
    """Build a fetched page's record and stats keys without touching the crawl (picklable).

    Raises :class:`UnregisteredReason` like every record the recorder sends. The keys are those
    :meth:`DecisionRecorder.page` counts: outcome, reasons, licence, opt-outs, paywall.
    """
    record = page_record(exchange, assessment, prefetch, policy)
    if keep_body and record.fetch is not None:
        record = replace(record, fetch=replace(record.fetch, body_stored=True))
    if grant is not None:
        record = replace(record, details=(*record.details, ("grant", grant)))
    check_reasons(record.reasons)
    keys = [f"clearcrawl/decision/{record.outcome}"]
    keys += [stats_key(reason) for reason in record.reasons]
    lic = assessment.license
    keys.append(f"clearcrawl/license/{(lic.spdx if lic and lic.spdx else 'none')}")
    if assessment.optout is not None:
        keys += [f"clearcrawl/optout/{s.signal}" for s in assessment.optout.signals if s.reserved]
    if assessment.paywall is not None and assessment.paywall.paywalled:
        keys.append(f"clearcrawl/paywall/{assessment.paywall.kind or 'unknown'}")
    data = record.to_json()
    return BuiltRecord(record=data, line=record_line(data), stats_keys=tuple(keys))
