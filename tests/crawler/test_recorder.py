"""One decision recorder builds, counts and announces every decision (issue 12).

A real Scrapy crawler (``scrapy.utils.test.get_crawler``: real settings, stats and signal
manager); a receiver connected to ``rights_decided`` sees exactly what the WARC writer and the
decisions log would.
"""

from __future__ import annotations

from typing import Any

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from crawler import signals as cc_signals
from crawler.recorder import DecisionRecorder, UnregisteredReason, check_reasons
from filters.reasons import Reason
from filters.record import DecisionRecord, Outcome
from filters.results import FetchPermission

URL = "http://127.0.0.1:1/a.html"


@pytest.fixture
def recorded() -> tuple[DecisionRecorder, list[dict[str, Any]], Any]:
    crawler = get_crawler(Spider)
    crawler.stats.open_spider()
    sent: list[dict[str, Any]] = []

    def receive(record: dict[str, Any], exchange: Any) -> None:
        sent.append(record)

    crawler.signals.connect(receive, signal=cc_signals.rights_decided, weak=False)
    return DecisionRecorder(crawler), sent, crawler.stats


def test_not_fetched_is_recorded_counted_and_announced(recorded: Any) -> None:
    recorder, sent, stats = recorded
    data = recorder.not_fetched(URL, [Reason.OFF_SITE], found_on="http://127.0.0.1:1/")
    assert sent == [data]
    record = DecisionRecord.from_json(data)
    assert record.outcome is Outcome.NOT_FETCHED
    assert record.reasons == ("off-site",)
    assert record.detail("found_on") == "http://127.0.0.1:1/"
    assert stats.get_value("clearcrawl/decision/not-fetched") == 1
    assert stats.get_value(Reason.OFF_SITE.stats_key) == 1


def test_a_refusal_is_counted_under_the_prefetch_keys(recorded: Any) -> None:
    recorder, sent, stats = recorded
    permission = FetchPermission(
        allowed=False,
        reasons=(
            Reason.ROBOTS_DISALLOWED,
            Reason.OPTOUT.with_arg("tdmrep-file"),
            Reason.POLICY_FILE_REFUSED_BY_ROBOTS.with_arg("ai.txt"),
        ),
    )
    recorder.refused(URL, permission)
    assert [r["reasons"] for r in sent] == [list(permission.reasons)]
    counted = {k: v for k, v in stats.get_stats().items() if k.startswith("clearcrawl/")}
    assert counted == {
        "clearcrawl/decision/not-fetched": 1,
        "clearcrawl/prefetch/robots-disallowed": 1,
        "clearcrawl/prefetch/optout": 1,
        "clearcrawl/optout/tdmrep-file": 1,
        "clearcrawl/prefetch/policy-file-refused-by-robots": 1,
        "clearcrawl/prefetch/policy-file-refused-by-robots/ai.txt": 1,
    }


@pytest.mark.parametrize(
    "reason",
    ["made-up-reason", "made-up-reason:1", "robots-recheck-error:KeyError", "revisit-of:urn:x"],
)
def test_an_unregistered_or_legacy_reason_cannot_be_recorded(recorded: Any, reason: str) -> None:
    """Emission goes through the registry: an id ``explain`` cannot read never reaches the log."""
    recorder, sent, stats = recorded
    with pytest.raises(UnregisteredReason, match=reason.split(":")[0]):
        recorder.not_fetched(URL, [Reason.FETCH_ERROR.with_arg("X"), reason])
    assert sent == []
    assert not any(k.startswith("clearcrawl/") for k in stats.get_stats())


def test_every_current_reason_passes_the_check() -> None:
    check_reasons([r for r in Reason if not r.legacy])
    check_reasons([r.with_arg("x") for r in Reason if not r.legacy])
