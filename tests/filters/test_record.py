"""The decision record is one typed contract: what the crawler writes parses back unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from filters.record import SCHEMA, DecisionRecord, Outcome, RecordError
from tests.support.helpers import read_decisions


def test_every_record_of_a_real_crawl_round_trips_byte_identical(demo_crawl: Path) -> None:
    decisions = read_decisions(demo_crawl)
    assert {d["outcome"] for d in decisions} >= {"exported-candidate", "excluded", "policy-file"}
    for data in decisions:
        record = DecisionRecord.from_json(data)
        assert record.outcome is Outcome(data["outcome"])
        assert json.dumps(record.to_json(), sort_keys=True) == json.dumps(data, sort_keys=True)


def _valid() -> dict[str, object]:
    return {
        "schema": SCHEMA,
        "url": "http://127.0.0.1/a",
        "outcome": "not-fetched",
        "reasons": ["off-site"],
        "decided_at": "2026-01-01T00:00:00Z",
        "clearcrawl_version": "0",
        "policy": {"label": "p@1", "digest": "sha256:00"},
        "kind": "page",
        "prefetch": None,
    }


@pytest.mark.parametrize(
    "change",
    [
        {"schema": "clearcrawl.decision/2"},
        {"schema": None},
        {"outcome": "admitted"},
        {"outcome": 3},
        {"reasons": "off-site"},
        {"reasons": [1]},
        {"url": None},
        {"policy": "p@1"},
        {"policy": {"label": "p@1"}},
        {"decided_at": 0},
    ],
)
def test_a_malformed_record_raises_one_error_type(change: dict[str, object]) -> None:
    assert DecisionRecord.from_json(_valid()).detail("kind") == "page"
    with pytest.raises(RecordError):
        DecisionRecord.from_json({**_valid(), **change})


@pytest.mark.parametrize("data", [None, [], "x", 1])
def test_a_record_that_is_not_an_object_raises(data: object) -> None:
    with pytest.raises(RecordError):
        DecisionRecord.from_json(data)


def test_outcome_strings_are_the_ones_the_crawler_writes() -> None:
    assert [o.value for o in Outcome] == [
        "exported-candidate",
        "excluded",
        "not-fetched",
        "policy-file",
        "redirect",
    ]


def test_typed_sections_rewrite_a_real_crawl_byte_for_byte(demo_crawl: Path) -> None:
    """The sections the export reads are typed; to_json gives the bytes both writers write
    (``decisions.jsonl.gz`` and the WARC metadata record: sorted keys, UTF-8)."""
    decisions = read_decisions(demo_crawl)
    typed = 0
    for data in decisions:
        record = DecisionRecord.from_json(data)
        assert json.dumps(record.to_json(), ensure_ascii=False, sort_keys=True) == json.dumps(
            data, ensure_ascii=False, sort_keys=True
        )
        if record.fetch is not None:
            assert record.fetch.status == data["fetch"]["status"]
            assert record.warc is not None
            assert record.warc.response_record_id == data["warc"]["response_record_id"]
            typed += 1
        if record.prefetch is not None:
            assert record.prefetch.allowed is data["prefetch"]["allowed"]
            assert list(record.prefetch.reasons) == data["prefetch"]["reasons"]
    assert typed > 0


@pytest.mark.parametrize(
    ("section", "value"),
    [
        ("fetch", "200"),
        ("fetch", {"status": 200}),
        ("warc", {"request_record_id": 1}),
        ("prefetch", {"allowed": True}),
        ("prefetch", []),
        ("assessment", {"optout": {"reserved": 1}}),
        ("kind", 1),
    ],
)
def test_a_malformed_section_is_named(section: str, value: object) -> None:
    with pytest.raises(RecordError) as err:
        DecisionRecord.from_json({**_valid(), section: value})
    assert err.value.section == section
