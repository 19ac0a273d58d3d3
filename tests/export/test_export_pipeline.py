"""Export steps on their own, fed with lists: no crawl, no WARC file.

Captures are built the way :mod:`export.warcread` builds them, with decision records made by
the real crawler code (:func:`crawler.decisions.page_record`) and robots verdicts by the real
evaluator (:func:`filters.robots.robots_from_fetch`).
"""

from __future__ import annotations

import gc
import gzip
import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from crawler.decisions import not_fetched_record, page_record
from crawler.exchange import Exchange
from export.dataset import ROW_COLUMNS, ShardWriter, row_features
from export.dedupe import DedupeIndex
from export.digests import digest_matches, warc_digest
from export.extract import text_hash
from export.manifest import RecordPointer
from export.parallel import batched, ordered_map
from export.policyfiles import ArchivedPolicyFile, PolicyFileStore
from export.process import ExportConfig, license_label, process_capture, row_id
from export.warcread import Capture
from filters.assess import assess_page
from filters.optout.aitxt import aitxt_from_fetch
from filters.optout.tdmrep import tdmrep_from_fetch
from filters.policy import DEFAULT_POLICY
from filters.prefetch import OriginPolicies, fetch_permission, unfetched_policy_files
from filters.results import FetchPermission
from filters.robots import robots_from_fetch
from filters.tokens import honored_tokens

ORIGIN = "http://site.test"
ROBOTS_URL = ORIGIN + "/robots.txt"
FETCHED_AT = "2026-11-20T10:00:00.000000Z"
ALLOW_ALL = b"User-agent: *\nDisallow: /private/\n"
CONFIG = ExportConfig(policy=DEFAULT_POLICY, tokens=honored_tokens())

ARTICLE = (
    "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
    "<link rel='license' href='https://creativecommons.org/licenses/by/4.0/'>"
    "<meta name='author' content='Ada Byrne'></head><body><main><article><h1>{title}</h1>"
    "{paras}</article></main></body></html>"
)
PARAS = "".join(
    f"<p>Paragraph {i} about the tide tables of the northern harbour, written out at length so "
    f"that the extractor keeps it as main text and the length check passes comfortably.</p>"
    for i in range(4)
)


def html(title: str = "Tide tables", paras: str = PARAS) -> bytes:
    return ARTICLE.format(title=title, paras=paras).encode()


NOT_FOUND = b"<html><body>Not found</body></html>"


def _archived(kind: str, url: str, body: bytes, status: int, offset: int) -> ArchivedPolicyFile:
    return ArchivedPolicyFile(
        kind=kind,
        url=url,
        status=status,
        sha256=hashlib.sha256(body).hexdigest(),
        body=body,
        pointer=RecordPointer(
            file="a.warc.gz",
            offset=offset,
            record_id=f"<urn:uuid:{kind}>",
            payload_digest=warc_digest(body),
        ),
    )


def archived_robots(body: bytes = ALLOW_ALL, status: int = 200) -> ArchivedPolicyFile:
    return _archived("robots.txt", ROBOTS_URL, body, status, 10)


def origin_files(robots_body: bytes = ALLOW_ALL) -> tuple[ArchivedPolicyFile, ...]:
    """The three files the crawler's pre-fetch gate fetches per origin, as archived."""
    return (
        archived_robots(robots_body),
        _archived("tdmrep.json", ORIGIN + "/.well-known/tdmrep.json", NOT_FOUND, 404, 20),
        _archived("ai.txt", ORIGIN + "/ai.txt", NOT_FOUND, 404, 30),
    )


def permission(
    url: str, robots_body: bytes = ALLOW_ALL, tokens: tuple[str, ...] | None = None
) -> FetchPermission:
    """The verdict the crawler's gate records, from the same evaluators it uses."""
    robots = robots_from_fetch(ROBOTS_URL, 200, robots_body, FETCHED_AT)
    policies = OriginPolicies(
        robots,
        tdmrep_from_fetch(ORIGIN + "/.well-known/tdmrep.json", 404, NOT_FOUND, FETCHED_AT),
        aitxt_from_fetch(ORIGIN + "/ai.txt", 404, NOT_FOUND, FETCHED_AT),
    )
    return fetch_permission(policies, url, tokens or honored_tokens())


def make_capture(
    path: str = "/a.html",
    body: bytes | None = None,
    *,
    headers: list[tuple[bytes, bytes]] | None = None,
    prefetch: FetchPermission | str | None = "default",
    record_type: str = "response",
    withheld: bool = False,
) -> Capture:
    url = ORIGIN + path
    body = html() if body is None else body
    raw_headers = headers or [(b"Content-Type", b"text/html; charset=utf-8")]
    exchange = Exchange(
        url=url,
        method="GET",
        request_headers=[],
        request_body=b"",
        status=200,
        response_headers=raw_headers,
        body=body,
        started_at=datetime(2026, 11, 20, tzinfo=UTC),
    )
    pre = permission(url) if prefetch == "default" else prefetch
    decoded = gzip.decompress(body) if (b"Content-Encoding", b"gzip") in raw_headers else body
    assessment = assess_page(
        url,
        [(k.decode(), v.decode()) for k, v in raw_headers if k != b"Content-Encoding"],
        decoded,
        200,
    )
    meta = page_record(exchange, assessment, pre, DEFAULT_POLICY).to_json()  # type: ignore[arg-type]
    return Capture(
        url=url,
        warc_file="a.warc.gz",
        record_type=record_type,
        record_id=exchange.response_record_id,
        offset=1000,
        date="2026-11-20T00:00:00.000000Z",
        status=200,
        headers=tuple(exchange.stored_response_headers()),
        body=b"" if withheld else body,
        payload_digest=exchange.payload_digest,
        withheld=withheld,
        metadata=meta,
        metadata_offset=2000,
        metadata_record_id=exchange.metadata_record_id,
    )


def run(capture: Capture, archived: tuple[ArchivedPolicyFile, ...] | None = None) -> Any:
    return process_capture(capture, origin_files() if archived is None else archived, CONFIG)


# --- process_capture ------------------------------------------------------------------------
def test_licensed_page_becomes_a_row_with_the_exact_schema() -> None:
    capture = make_capture()
    out = run(capture)
    assert out.status == "exported", out.entry["decision"]
    assert list(out.row) == list(ROW_COLUMNS)
    assert out.row["id"] == row_id(capture.url, capture.payload_digest) == out.entry["id"]
    assert out.row["license"] == "CC-BY-4.0"
    assert out.row["author"] == "Ada Byrne"
    assert out.row["attribution"].startswith("“Tide tables” by Ada Byrne")
    assert (
        "licensed under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)"
        in out.row["attribution"]
    )
    assert out.text_hash == text_hash(out.row["text"]) == out.entry["text"]["sha256"]
    robots = out.entry["robots"]
    assert robots["recheck_allowed"] is True
    assert robots["matches_recorded"] is True
    assert [f["check"] for f in out.entry["policy_files"]] == ["archived"] * 3
    assert {f["kind"] for f in out.entry["policy_files"]} == {"robots.txt", "tdmrep.json", "ai.txt"}
    assert {s["signal"] for s in out.entry["optout"]["signals"]} >= {"tdmrep-file", "ai-txt"}
    assert out.entry["policy"]["rule"].startswith("allow_licenses: CC-BY-")


def test_robots_rechecked_for_every_honoured_token_from_the_archived_bytes() -> None:
    # The crawl honoured only its own token; this robots.txt shuts out GPTBot. Re-read from the
    # archive for every token the export honours, it disallows the page.
    gptbot_out = b"User-agent: GPTBot\nDisallow: /\n"
    capture = make_capture(prefetch=permission(ORIGIN + "/a.html", gptbot_out, ("clearcrawl",)))
    out = run(capture, origin_files(gptbot_out))
    assert out.status == "excluded"
    assert "robots-recheck-disallowed" in out.entry["decision"]["reasons"]
    robots = out.entry["robots"]
    assert robots["recorded_allowed"] is True
    assert robots["recheck_allowed"] is False
    assert robots["matches_recorded"] is False
    assert any("GPTBot" in e["locator"] + e["note"] for e in robots["recheck_evidence"])


@pytest.mark.parametrize("missing", ["robots.txt", "tdmrep.json", "ai.txt"])
def test_policy_file_missing_from_archive_excludes(missing: str) -> None:
    out = run(make_capture(), tuple(f for f in origin_files() if f.kind != missing))
    assert out.status == "excluded"
    assert f"policy-file-not-archived:{missing}" in out.entry["decision"]["reasons"]
    (item,) = [f for f in out.entry["policy_files"] if f["kind"] == missing]
    assert item["check"] == "not-archived"
    assert item["archived"] is None


def test_reservation_in_archived_tdmrep_json_excludes_even_if_the_crawl_missed_it() -> None:
    # A crawl by an older evaluator read this tdmrep.json as silent; the export re-reads the
    # archived bytes with today's evaluator and finds the reservation.
    reserving = b'[{"location": "/*", "tdm-reservation": 1}]'
    url = ORIGIN + "/a.html"
    tdm_url = ORIGIN + "/.well-known/tdmrep.json"
    real = tdmrep_from_fetch(tdm_url, 200, reserving, FETCHED_AT)
    assert real.signal(url).reserved is True
    lenient = permission(url)  # what the older evaluator concluded (no reservation)
    recorded = FetchPermission(
        allowed=True,
        robots=lenient.robots,
        optout=lenient.optout,
        policy_files=tuple(
            r if r.kind != "tdmrep.json" else real.ref for r in lenient.policy_files
        ),
    )
    files = origin_files()
    archived = (files[0], _archived("tdmrep.json", tdm_url, reserving, 200, 20), files[2])
    out = run(make_capture(prefetch=recorded), archived)
    assert out.status == "excluded", out.entry["decision"]
    assert "optout:tdmrep-file" in out.entry["decision"]["reasons"]
    (sig,) = [s for s in out.entry["optout"]["signals"] if s["signal"] == "tdmrep-file"]
    assert sig["reserved"] is True
    assert sig["evidence"], "the reserving rule must be quoted"


def test_policy_file_robots_forbids_reading_excludes_with_its_own_reason() -> None:
    # robots.txt forbids reading /ai.txt: the crawler could not consult it, so (fail closed) the
    # page is not taken, but under its own reason, not as an opt-out the site never made
    # (issue 11, item 9); the export rebuilds the same from the archived robots.txt
    robots_body = b"User-agent: *\nDisallow: /ai.txt\n"
    url = ORIGIN + "/a.html"
    robots = robots_from_fetch(ROBOTS_URL, 200, robots_body, FETCHED_AT)
    tdm, ai = unfetched_policy_files(robots, ORIGIN, honored_tokens())
    assert tdm is None
    assert ai is not None
    policies = OriginPolicies(
        robots,
        tdmrep_from_fetch(ORIGIN + "/.well-known/tdmrep.json", 404, NOT_FOUND, FETCHED_AT),
        ai,
    )
    recorded = fetch_permission(policies, url, honored_tokens())
    assert recorded.reasons == ("policy-file-refused-by-robots:ai.txt",)
    files = origin_files(robots_body)[:2]  # no ai.txt fetch was archived, none was recorded
    out = run(make_capture(prefetch=recorded), files)
    assert out.status == "excluded"
    reasons = out.entry["decision"]["reasons"]
    assert "policy-file-refused-by-robots:ai.txt" in reasons
    assert not [r for r in reasons if r.startswith("optout:")], reasons


def test_page_without_recorded_robots_verdict_excludes() -> None:
    out = run(make_capture(prefetch=None), ())
    assert "robots-not-recorded" in out.entry["decision"]["reasons"]


def test_too_little_text_is_excluded_with_its_length() -> None:
    out = run(make_capture(body=html(paras="<p>Closed today.</p>")))
    assert out.status == "excluded"
    reason = next(r for r in out.entry["decision"]["reasons"] if r.startswith("too-little-text"))
    assert int(reason.split(":")[1]) < DEFAULT_POLICY.min_text_chars
    assert out.entry["text"]["chars"] < DEFAULT_POLICY.min_text_chars


def test_crawl_time_optout_is_never_undone() -> None:
    capture = make_capture()
    assert capture.metadata is not None
    capture.metadata["assessment"]["optout"]["reserved"] = True
    out = run(capture)
    assert "crawl-time-optout" in out.entry["decision"]["reasons"]


def test_body_that_does_not_decode_is_excluded() -> None:
    capture = make_capture(
        body=gzip.compress(html()),
        headers=[(b"Content-Type", b"text/html"), (b"Content-Encoding", b"gzip")],
    )
    assert run(capture).status == "exported"  # a good gzip body decodes
    capture.body = b"\x1f\x8b not really gzip"
    out = run(capture)
    assert any(r.startswith("undecodable-body") for r in out.entry["decision"]["reasons"])


def test_withheld_body_and_unresolved_revisit_are_excluded() -> None:
    # Issue 11 item 6: an unresolved revisit used to say only `revisit-of:<urn>`, hiding the
    # crawl's own reason; it now keeps the crawl's reasons and says why it cannot be re-derived.
    withheld = run(make_capture(withheld=True))
    assert withheld.entry["decision"]["reasons"][0] == "body-withheld"
    revisit = make_capture(record_type="revisit")
    revisit.refers_to = "<urn:uuid:original>"
    revisit.body = b""
    assert run(revisit).entry["decision"]["reasons"] == ["revisit-unresolved:<urn:uuid:original>"]
    gone = make_capture("/gone.html", NOT_FOUND, record_type="revisit")
    gone.refers_to = "<urn:uuid:original>"
    gone.body = b""
    assert gone.metadata is not None
    gone.metadata["reasons"] = ["http-status:404", "no-license"]
    assert run(gone).entry["decision"]["reasons"] == [
        "http-status:404",
        "no-license",
        "revisit-unresolved:<urn:uuid:original>",
    ]


def test_resolved_revisit_is_decided_like_a_response() -> None:
    pointer = RecordPointer(
        file="a.warc.gz", offset=99, record_id="<urn:uuid:original>", payload_digest=""
    )
    revisit = make_capture("/mirror.html", record_type="revisit")
    revisit.refers_to = pointer.record_id
    revisit.payload_from = pointer
    out = run(revisit)
    assert out.status == "exported", out.entry["decision"]
    assert out.entry["warc"]["record_type"] == "revisit"
    assert out.entry["warc"]["payload_from"]["offset"] == 99
    assert out.text_hash == run(make_capture()).text_hash


def test_refused_url_gets_a_not_fetched_entry() -> None:
    url = ORIGIN + "/private/x.html"
    pre = permission(url)
    meta = not_fetched_record(url, ["robots-disallowed"], pre, DEFAULT_POLICY).to_json()
    capture = Capture(
        url=url, warc_file="a.warc.gz", record_type="", metadata=meta, metadata_offset=5
    )
    out = run(capture)
    assert out.status == "not-fetched"
    assert out.entry["id"] == row_id(url, "")
    assert out.entry["decision"]["reasons"] == ["robots-disallowed"]
    assert out.entry["robots"]["recheck_allowed"] is False  # the archive proves the refusal


def test_policy_file_capture_is_evidence_not_a_page() -> None:
    capture = make_capture()
    assert capture.metadata is not None
    capture.metadata["kind"] = "robots.txt"
    assert run(capture).status == "policy-file"


#: One garbling per typed section of the decision record (issue 12): each was read with
#: ``.get()`` and a default before, so most of them let the page through as if nothing was wrong.
GARBLED_SECTIONS = {
    "fetch-not-an-object": ("fetch", "200 OK"),
    "fetch-status-a-string": ("fetch", {"status": "200"}),
    "fetch-truncated-a-number": ("fetch", {"truncated": 5}),
    "fetch-body-stored-missing": ("fetch", {"body_stored": None}),
    "warc-not-an-object": ("warc", ["<urn:uuid:x>"]),
    "warc-record-id-a-number": ("warc", {"response_record_id": 7}),
    "prefetch-not-an-object": ("prefetch", "allowed"),
    "prefetch-allowed-a-string": ("prefetch", {"allowed": "yes"}),
    "prefetch-optout-garbled": ("prefetch", {"optout": ["tdmrep"]}),
    "prefetch-robots-garbled": ("prefetch", {"robots": {"allowed": 1}}),
    "assessment-not-an-object": ("assessment", "ok"),
    "assessment-optout-reserved-garbled": ("assessment", {"optout": {"reserved": "no"}}),
    "kind-a-number": ("kind", 5),
}


def _garble(meta: dict[str, Any], section: str, change: Any) -> dict[str, Any]:
    if isinstance(change, dict) and isinstance(meta.get(section), dict):
        return {**meta, section: {**meta[section], **change}}
    return {**meta, section: change}


@pytest.mark.parametrize("case", sorted(GARBLED_SECTIONS))
def test_a_garbled_decision_record_section_excludes_as_no_decision_record(case: str) -> None:
    """Every section of the record is read through its type: garbled means not read (fail
    closed), never a default that admits the page."""
    section, change = GARBLED_SECTIONS[case]
    capture = make_capture()
    assert run(capture).status == "exported"  # the same page with its record intact
    assert capture.metadata is not None
    capture.metadata = _garble(capture.metadata, section, change)
    out = run(capture)
    assert out.status == "excluded", case
    reasons = out.entry["decision"]["reasons"]
    assert reasons[0] == "no-decision-record", reasons
    assert ("prefetch-record-unreadable" in reasons) == (section == "prefetch")
    assert out.entry["decision"]["crawl_time"] is None
    assert out.entry["fetch"] is None


def test_a_garbled_not_fetched_record_says_so() -> None:
    url = ORIGIN + "/private/x.html"
    meta = not_fetched_record(url, ["robots-disallowed"], permission(url), DEFAULT_POLICY)
    garbled = _garble(meta.to_json(), "prefetch", {"reasons": "robots-disallowed"})
    capture = Capture(
        url=url, warc_file="a.warc.gz", record_type="", metadata=garbled, metadata_offset=5
    )
    out = run(capture)
    assert out.status == "not-fetched"
    assert out.entry["decision"]["reasons"] == ["no-decision-record", "prefetch-record-unreadable"]


def test_license_labels() -> None:
    assert license_label("CC-BY-SA-3.0-DE") == "CC BY-SA 3.0 DE"
    assert license_label("LicenseRef-CC-BY-2.5-CH") == "CC BY 2.5 CH"
    assert license_label("CC0-1.0") == "CC0 1.0"
    assert license_label("MIT") == "MIT"


# --- policy files -----------------------------------------------------------------------------
def test_policy_file_store_memory_is_bounded_by_bytes(tmp_path: Path) -> None:
    store = PolicyFileStore(tmp_path, memory_bytes=1000)
    for i in range(20):
        body = b"User-agent: *\nDisallow: /%d\n" % i + b"#" * 400
        store.add(
            Capture(
                url=f"http://o{i}.test/robots.txt",
                warc_file="a.warc.gz",
                record_type="response",
                record_id=f"<urn:uuid:{i}>",
                offset=i,
                status=200,
                body=body,
                metadata={"kind": "robots.txt"},
            )
        )
        assert store._bytes <= 1000
    sha = hashlib.sha256(b"User-agent: *\nDisallow: /0\n" + b"#" * 400).hexdigest()
    ref = {"kind": "robots.txt", "url": "http://o0.test/robots.txt", "status": 200, "sha256": sha}
    (first,) = store.resolve({"prefetch": {"policy_files": [ref]}})  # read back from disk
    assert first.pointer.offset == 0


def test_policy_file_store_spills_to_disk_and_follows_revisits(tmp_path: Path) -> None:
    store = PolicyFileStore(tmp_path, memory_items=1)
    first = Capture(
        url=ROBOTS_URL,
        warc_file="a.warc.gz",
        record_type="response",
        record_id="<urn:uuid:1>",
        offset=7,
        status=200,
        body=ALLOW_ALL,
        payload_digest=warc_digest(ALLOW_ALL),
        metadata={"kind": "robots.txt"},
    )
    other_origin = "http://other.test/robots.txt"
    revisit = Capture(
        url=other_origin,
        warc_file="a.warc.gz",
        record_type="revisit",
        record_id="<urn:uuid:2>",
        offset=99,
        status=200,
        refers_to="<urn:uuid:1>",
        metadata={"kind": "robots.txt"},
    )
    store.add(first)
    store.add(revisit)
    sha = hashlib.sha256(ALLOW_ALL).hexdigest()
    for url in (ROBOTS_URL, other_origin):
        meta = {
            "prefetch": {
                "policy_files": [
                    {
                        "kind": "robots.txt",
                        "url": url,
                        "status": 200,
                        "sha256": sha,
                        "fetched_at": FETCHED_AT,
                    }
                ]
            }
        }
        (found,) = store.resolve(meta)
        assert found.body == ALLOW_ALL
        # the pointer names the file's own record (issue 11 item 8: it used to name the
        # original, another URL's response); a revisit's bytes are in its original
        if url == ROBOTS_URL:
            assert (found.pointer.offset, found.original) == (7, None)
        else:
            assert found.pointer.offset == 99
            assert found.original is not None
            assert found.original.offset == 7
    assert (
        store.resolve(
            {
                "prefetch": {
                    "policy_files": [
                        {"kind": "robots.txt", "url": ROBOTS_URL, "status": 503, "sha256": sha}
                    ]
                }
            }
        )
        == ()
    )


# --- writing ----------------------------------------------------------------------------------
def _rows(n: int, size: int = 10) -> list[dict[str, Any]]:
    return [
        {
            **dict.fromkeys(ROW_COLUMNS),
            "id": f"{i:04d}",
            "url": f"u{i}",
            "text": "x" * size,
            "crawl_date": datetime(2026, 1, 1, tzinfo=UTC),
        }
        for i in range(n)
    ]


def test_shards_are_cut_by_rows_and_by_bytes(tmp_path: Path) -> None:
    by_rows = ShardWriter(tmp_path / "r", max_rows=3)
    for row in _rows(7):
        by_rows.write(row)
    names = [p.name for p in by_rows.close()]
    assert names == [f"train-0000{i}-of-00003.parquet" for i in range(3)]
    assert [pq.ParquetFile(str(tmp_path / "r" / n)).metadata.num_rows for n in names] == [3, 3, 1]

    by_bytes = ShardWriter(tmp_path / "b", max_bytes=2500)
    for row in _rows(5, size=1000):
        by_bytes.write(row)
    counts = [pq.ParquetFile(str(p)).metadata.num_rows for p in by_bytes.close()]
    assert counts == [2, 2, 1]


def test_empty_export_still_writes_one_loadable_shard(tmp_path: Path) -> None:
    (path,) = ShardWriter(tmp_path, features=row_features(markdown=True)).close()
    table = pq.read_table(str(path))
    assert table.num_rows == 0
    assert "markdown" in table.column_names
    assert b"huggingface" in table.schema.metadata


def test_dedupe_index_keeps_first_and_lists_duplicates(tmp_path: Path) -> None:
    index = DedupeIndex(tmp_path / "d.sqlite")
    assert index.kept_id("h1") is None
    index.keep("h1", "row-1")
    assert index.kept_id("h1") == "row-1"
    index.add_duplicate("row-1", {"url": "b"})
    index.add_duplicate("row-1", {"url": "c"})
    assert index.duplicates_of("row-1") == [{"url": "b"}, {"url": "c"}]
    assert index.duplicates_of("row-2") == []
    index.close()
    assert not (tmp_path / "d.sqlite").exists()


def test_text_hash_ignores_case_spacing_and_compatibility_forms() -> None:
    assert text_hash("Hello  World\n") == text_hash("hello world")
    assert text_hash("ﬁsh") == text_hash("fish")
    assert text_hash("hello world") != text_hash("hello worlds")


def test_digests_in_both_encodings() -> None:
    data = b"payload"
    assert digest_matches(data, warc_digest(data))
    assert digest_matches(data, "sha256:" + hashlib.sha256(data).hexdigest())
    assert not digest_matches(data + b"!", warc_digest(data))
    assert not digest_matches(data, "nonsense")


# --- fan-out ------------------------------------------------------------------------------------
def _square(x: int) -> int:
    return x * x


@pytest.mark.parametrize("workers", [1, 2])
def test_ordered_map_keeps_input_order(workers: int) -> None:
    assert list(ordered_map(_square, range(50), workers=workers)) == [x * x for x in range(50)]


def test_ordered_map_reads_at_most_a_window_ahead() -> None:
    taken: list[int] = []

    def items() -> Any:
        for i in range(100):
            taken.append(i)
            yield i

    results = ordered_map(_square, items(), workers=2, window=4)
    seen = []
    for _ in range(5):
        next(results)
        seen.append(len(taken))
    results.close()
    # reading never runs more than the window ahead of the results handed out (flat memory)
    assert seen == [4 + i for i in range(5)]


def _freeze_count(_: int) -> int:
    return gc.get_freeze_count()


def test_ordered_map_freezes_the_callers_objects_only_while_it_runs() -> None:
    # in-process, objects alive before the loop are out of the collector's view during it (full
    # collections then scan only what the pages allocate) and handed back after it
    keep = [object() for _ in range(10)]
    assert gc.get_freeze_count() == 0
    counts = list(ordered_map(_freeze_count, range(3), workers=1))
    assert all(c >= len(keep) for c in counts)
    assert gc.get_freeze_count() == 0
    # a loop left early hands them back too
    results = ordered_map(_freeze_count, range(3), workers=1)
    assert next(results) >= len(keep)
    results.close()
    assert gc.get_freeze_count() == 0


def test_ordered_map_keeps_a_callers_own_freeze() -> None:
    gc.freeze()
    try:
        assert list(ordered_map(_square, range(3), workers=1)) == [0, 1, 4]
        assert gc.get_freeze_count() > 0  # not handed back: the caller unfreezes it
    finally:
        gc.unfreeze()


def test_batched_respects_items_and_bytes() -> None:
    sizes = [1, 1, 5, 1, 1, 1]
    out = list(batched(sizes, max_items=3, max_bytes=6, size=lambda s: s))
    assert out == [[1, 1, 5], [1, 1, 1]]
    assert list(batched([9], max_items=3, max_bytes=6, size=lambda s: s)) == [[9]]
