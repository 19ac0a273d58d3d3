"""``clearcrawl verify``: re-read the WARC records a dataset points to and re-derive every row.

First, every file the export listed with its sha256 (``export-info.json`` ``files``: data
shards, manifest files, report, …) is re-hashed; a changed, missing or added file is reported by
name (:func:`verify_files`; without ``--warc`` that is the whole check). Then, for each row (or
a seeded sample) and its manifest entry, joined in file order:

1. the WARC file named by the entry is found under ``--warc``; the response record at the
   recorded offset has the recorded record id, and its stored payload hashes to its
   ``WARC-Payload-Digest``, which equals the entry's and the row's ``payload_digest``; a
   ``revisit`` row is resolved to the response its entry names (``warc.payload_from``), which
   must be the record the revisit refers to and hold that payload;
2. the metadata record at the recorded offset has the recorded id (the crawl-time decision);
3. every archived policy file the entry names is re-read at its offset and hashes to the
   recorded sha256; duplicates listed for the row are re-read and their digests checked;
4. the row is re-derived from those bytes with the export's own settings (policy content,
   tokens, Markdown flag from ``export-info.json``) by the same code the export ran
   (:func:`export.process.process_capture`): the re-derived row must equal the stored row
   column by column, and the re-derived manifest entry must equal the stored one.

Any difference is a mismatch with a one-line description; ``clearcrawl verify`` exits 1 when
there is one. A ``--warc`` that holds none of the WARC files the export names is bad input
(:class:`VerifyError`, one line), not a mismatch per row. Re-derivation runs in worker processes like the export (``--workers``).
"""

from __future__ import annotations

import hashlib
import json
import random
import zlib
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from export.checksums import CHECKSUMMED, INFO_FILE, file_sha256, list_checksums, verify_files
from export.digests import digest_matches
from export.extract import text_hash
from export.folder import data_shards, iter_parquet
from export.foreign import as_found, foreign_files, foreign_window, process_any
from export.foreign import init_worker as init_foreign_worker
from export.httpbody import ContentDecodingError, decode_body
from export.jsonl import JsonlError, iter_lines, jsonl_path
from export.manifest import RecordPointer
from export.parallel import ordered_map
from export.policyfiles import ArchivedPolicyFile
from export.process import ExportConfig, init_worker
from export.warcread import (
    list_warcs,
    read_capture_at,
    read_record_at,
    resolve_revisit,
    warc_name,
)
from filters.grants import GrantsError, grants_from_record
from filters.policy import Policy, PolicyError

__all__ = [
    "CHECKSUMMED",
    "INFO_FILE",
    "SKIP_ENTRY_KEYS",
    "VerifyError",
    "VerifyReport",
    "file_sha256",
    "list_checksums",
    "load_config",
    "verify_dataset",
    "verify_files",
]

#: Row columns compared after re-derivation (all of them; the order is the dataset's).
SKIP_ENTRY_KEYS = ("duplicates",)


class VerifyError(ValueError):
    """The dataset folder or ``--warc`` cannot be verified at all (bad input)."""


@dataclass
class VerifyReport:
    """Rows checked and every mismatch found (``id``, ``url``, what differs).

    ``files``: the release's files that are not as recorded (``(name, what differs)``).
    """

    rows: int = 0
    checked: int = 0
    mismatches: list[tuple[str, str, str]] = field(default_factory=list)
    files: list[tuple[str, str]] = field(default_factory=list)
    files_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.files


def load_config(folder: Path) -> ExportConfig:
    """Read the export's settings from ``export-info.json``."""
    path = folder / "export-info.json"
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        policy = Policy.from_dict(info["policy"]["content"], source="export-info.json")
        if policy.digest != info["policy"]["digest"]:
            raise VerifyError("export-info.json: the policy content does not match its digest")
        grants = None
        if info.get("grants"):
            grants = grants_from_record(info["grants"]["content"])
            if grants.digest != info["grants"]["digest"]:
                raise VerifyError("export-info.json: the grants content does not match its digest")
        return ExportConfig(
            policy=policy,
            tokens=tuple(info["tokens"]),
            markdown=bool(info.get("markdown")),
            grants=grants,
        )
    except FileNotFoundError:
        raise VerifyError(f"{path} is missing; is {folder} a clearcrawl export?") from None
    except (ValueError, KeyError, TypeError, PolicyError, GrantsError) as exc:
        raise VerifyError(f"{path} is unreadable: {exc}") from exc


def _policy_with_source(config: ExportConfig, entry: dict[str, Any]) -> ExportConfig:
    # The manifest records the policy's source (file name or "builtin"); it is not part of the
    # digest, so carry it over to compare entries exactly.
    source = entry.get("policy", {}).get("source")
    if source and source != config.policy.source:
        return ExportConfig(
            policy=config.policy.with_overrides(source=source),
            tokens=config.tokens,
            markdown=config.markdown,
            grants=config.grants,
        )
    return config


def _read_policy_files(
    entry: dict[str, Any], files: dict[str, str], problems: list[str]
) -> tuple[ArchivedPolicyFile, ...]:
    out: list[ArchivedPolicyFile] = []
    for pf in entry.get("policy_files") or []:
        ptr = pf.get("archived")
        if not ptr:
            continue
        read = _read_pointer(files.get(ptr["file"]), ptr, f"policy file {pf['url']}", problems)
        if read is None:
            continue
        record, payload = read
        own = record  # this file's record: its HTTP status is the file's
        if record.rec_headers.get_header("WARC-Record-ID") != ptr["record_id"]:
            problems.append(f"policy file {pf['url']}: record id at offset {ptr['offset']} differs")
            continue
        if record.rec_type == "revisit":  # its bytes are in the response it refers to
            held = _read_revisited(record, pf, files, problems)
            if held is None:
                continue
            record, payload = held
        headers = record.http_headers.headers if record.http_headers is not None else []
        try:
            body = decode_body(tuple((str(k), str(v)) for k, v in headers), payload)
        except ContentDecodingError:
            body = payload
        sha = hashlib.sha256(body).hexdigest()
        if sha != pf["sha256"] and hashlib.sha256(payload).hexdigest() != pf["sha256"]:
            problems.append(f"policy file {pf['url']}: archived bytes do not hash to its sha256")
            continue
        status_from = own if own.http_headers is not None else record
        http = status_from.http_headers
        status = int(http.get_statuscode() or 0) if http is not None else 0
        out.append(
            ArchivedPolicyFile(
                kind=pf["kind"],
                url=pf["final_url"] or pf["url"],
                status=status,
                sha256=pf["sha256"],
                body=body if sha == pf["sha256"] else payload,
                pointer=RecordPointer(**ptr),
                original=RecordPointer(**pf["original"]) if own is not record else None,
            )
        )
    return tuple(out)


def _read_revisited(
    revisit: Any, pf: dict[str, Any], files: dict[str, str], problems: list[str]
) -> tuple[Any, bytes] | None:
    """Read the response a policy file's revisit record refers to (``original``)."""
    original = pf.get("original")
    what = f"policy file {pf['url']}"
    if not original:
        problems.append(f"{what}: archived as a revisit, but no original record is named")
        return None
    if revisit.rec_headers.get_header("WARC-Refers-To") != original["record_id"]:
        problems.append(f"{what}: the revisit does not refer to {original['record_id']}")
        return None
    read = _read_pointer(files.get(original["file"]), original, what, problems)
    if read is None:
        return None
    if read[0].rec_headers.get_header("WARC-Record-ID") != original["record_id"]:
        problems.append(f"{what}: record id at offset {original['offset']} differs")
        return None
    return read


def _read_pointer(
    path: str | None, ptr: dict[str, Any], what: str, problems: list[str]
) -> tuple[Any, bytes] | None:
    """Read the record a manifest pointer names; None (problem noted) when it cannot be read."""
    if path is None:
        problems.append(f"{what}: WARC file {ptr['file']} not found")
        return None
    try:
        return read_record_at(path, ptr["offset"])
    except ValueError as exc:
        problems.append(f"{what}: {exc}")
        return None


def _check_pointer(path: str | None, ptr: dict[str, Any], what: str, problems: list[str]) -> None:
    read = _read_pointer(path, ptr, what, problems)
    if read is None:
        return
    record, payload = read
    if record.rec_headers.get_header("WARC-Record-ID") != ptr["record_id"]:
        problems.append(f"{what}: record id at offset {ptr['offset']} differs")
    stated = record.rec_headers.get_header("WARC-Payload-Digest") or ""
    # The digest is optional (WARC 1.1 §5.9) and an ARC record has none: with none stated
    # there is nothing to check a policy file's bytes against (its record id still is).
    if record.rec_type == "response" and stated and not digest_matches(payload, stated):
        problems.append(f"{what}: payload does not match its WARC-Payload-Digest")
    if stated != ptr["payload_digest"]:
        problems.append(f"{what}: payload digest {stated} is not the recorded one")


#: (row, manifest entry, path of its WARC file, paths of the policy files' WARCs, problems)
Job = tuple[dict[str, Any], dict[str, Any], str | None, dict[str, str], list[str]]


def _prepare(row: dict[str, Any], entry: dict[str, Any], files: dict[str, str]) -> Job:
    """Parent-side checks that need no re-derivation; the capture is read in the worker."""
    problems: list[str] = []
    w = entry["warc"]
    for key, value in (
        ("url", row["url"]),
        ("payload_digest", row["payload_digest"]),
    ):
        stored = entry[key] if key == "url" else w["payload_digest"]
        if stored != value:
            problems.append(f"row {key} {value!r} differs from the manifest's {stored!r}")
    if row["warc_file"] != w["file"] or row["warc_record_id"] != w["record_id"]:
        problems.append("row WARC pointer differs from the manifest's")
    text = entry.get("text") or {}
    if text.get("sha256") != text_hash(row["text"] or ""):
        problems.append("row text does not hash to the manifest's text sha256")
    for dup in entry.get("duplicates") or []:
        _check_pointer(
            files.get(dup["warc"]["file"]), dup["warc"], f"duplicate {dup['url']}", problems
        )
    pointers = [
        ptr
        for pf in entry.get("policy_files") or []
        for ptr in (pf.get("archived"), pf.get("original"))
        if ptr
    ]
    if w.get("payload_from"):
        pointers.append(w["payload_from"])
    other_warcs = {p["file"]: files[p["file"]] for p in pointers if p["file"] in files}
    return row, entry, files.get(w["file"]), other_warcs, problems


def _verify_one(job: Job, config: ExportConfig) -> list[str]:
    row, entry, path, other_warcs, problems = job
    w = entry["warc"]
    if path is None:
        return [*problems, f"WARC file {w['file']} not found under --warc"]
    try:
        capture = read_capture_at(path, w["offset"], -1)
    except ValueError as exc:
        return [*problems, str(exc)]
    if capture.record_id != w["record_id"]:
        problems.append(
            f"record id at offset {w['offset']} is {capture.record_id}, not {w['record_id']}"
        )
    if (
        capture.record_type == "response"
        and capture.stored_payload_digest  # optional (WARC 1.1 §5.9); ARC records have none
        and not digest_matches(capture.body, capture.stored_payload_digest)
    ):
        problems.append("archived payload does not match its WARC-Payload-Digest (altered bytes)")
    if capture.payload_digest != w["payload_digest"]:
        problems.append(
            f"WARC payload digest {capture.payload_digest} is not the manifest's {w['payload_digest']}"
        )
    try:  # the decision record, read second so a damaged one does not hide the checks above
        with_meta = read_capture_at(path, w["offset"], w["metadata_offset"])
    except ValueError as exc:
        return [*problems, f"decision record: {exc}"]
    capture.metadata = with_meta.metadata
    capture.metadata_offset = with_meta.metadata_offset
    capture.metadata_record_id = with_meta.metadata_record_id
    if capture.metadata_record_id != w["metadata_record_id"]:
        problems.append("metadata record id differs from the manifest's")
    source = w.get("payload_from")
    if capture.record_type == "revisit" and source:
        source_path = other_warcs.get(source["file"])
        problem = (
            f"WARC file {source['file']} not found under --warc"
            if source_path is None
            else resolve_revisit(capture, source_path, source["offset"])
        )
        if problem is not None:
            return [*problems, f"revisited payload: {problem}"]
    archived = _read_policy_files(entry, other_warcs, problems)
    cfg = _policy_with_source(config, entry)
    if entry.get("provenance"):  # an archive of another tool: decided as the export did
        archived = as_found(capture, entry, archived)
    outcome = process_any(capture, archived, cfg)
    if outcome.status != "exported" or outcome.row is None or outcome.entry is None:
        reasons = ", ".join((outcome.entry or {}).get("decision", {}).get("reasons", []))
        return [*problems, f"does not re-derive as exported ({outcome.status}: {reasons})"]
    for col, value in outcome.row.items():
        if row.get(col) != value:
            problems.append(
                f"column {col!r} does not re-derive (stored {_short(row.get(col))}, "
                f"re-derived {_short(value)})"
            )
    stored = {k: v for k, v in entry.items() if k not in SKIP_ENTRY_KEYS}
    fresh = {k: v for k, v in outcome.entry.items() if k not in SKIP_ENTRY_KEYS}
    for key in sorted(set(stored) | set(fresh)):
        if stored.get(key) != fresh.get(key):
            problems.append(f"manifest section {key!r} does not re-derive")
    return problems


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


_config: ExportConfig | None = None


def _init(config: ExportConfig, window_days: int = 0) -> None:
    global _config
    _config = config
    init_worker(config)
    init_foreign_worker(config, False, window_days)


def _verify_batch(batch: Sequence[Job]) -> list[list[str]]:
    if _config is None:
        raise RuntimeError("verify worker not initialised")
    return [_verify_one(job, _config) for job in batch]


def _selected(total: int, sample: int | None, limit: int | None, seed: int) -> set[int] | None:
    if sample is not None and sample < total:
        return set(random.Random(seed).sample(range(total), sample))  # noqa: S311 - not crypto
    if limit is not None and limit < total:
        return set(range(limit))
    return None


def _check_warc_source(folder: Path, warc_source: str | Path, files: dict[str, str]) -> None:
    """Refuse a ``--warc`` that holds none of the WARC files the export was made from.

    Otherwise every row would fail on its own (thousands of identical lines) when the one
    mistake is the folder given.
    """
    try:
        info = json.loads((folder / "export-info.json").read_text(encoding="utf-8"))
        expected = sorted({str(s["file"]) for s in info.get("sources") or []})
    except (OSError, ValueError, KeyError, TypeError):
        expected = []
    if not expected:
        first = next(
            (line for line in iter_lines(folder / "manifest.jsonl.gz") if line.strip()), None
        )
        expected = [json.loads(first)["warc"]["file"]] if first else []
    if expected and not set(expected) & set(files):
        more = f" and {len(expected) - 1} more" if len(expected) > 1 else ""
        raise VerifyError(
            f"--warc {warc_source} holds none of the WARC files this export was made from "
            f"(expected {expected[0]}{more}); give the crawl folder or its warc/ folder"
        )


def verify_dataset(
    folder: str | Path,
    warc_source: str | Path | None,
    *,
    workers: int = 1,
    sample: int | None = None,
    limit: int | None = None,
    seed: int = 0,
    policy_warcs: Sequence[str | Path] = (),
) -> VerifyReport:
    """Verify ``folder`` against the WARC files under ``warc_source`` (see module docstring).

    The files' sha256 are checked first (:func:`verify_files`); without ``warc_source`` that is
    all, and with it a file found changed is still re-derived row by row where it can be read.
    """
    folder = Path(folder)
    manifest = jsonl_path(folder / "manifest.jsonl.gz")  # or manifest.jsonl of older exports
    if not manifest.exists():
        raise VerifyError(f"{folder} holds no manifest.jsonl.gz; is it a clearcrawl export?")
    files_checked, changed = verify_files(folder)
    if warc_source is None:
        return VerifyReport(files=changed, files_checked=files_checked)
    try:
        return _rederive(
            folder,
            manifest,
            warc_source,
            changed,
            files_checked,
            workers,
            sample,
            limit,
            seed,
            policy_warcs,
        )
    except (OSError, ValueError, EOFError, zlib.error, JsonlError) as exc:
        if not changed:  # a changed file explains it; otherwise it is a failure of its own
            raise
        problem = f"reading stopped: {type(exc).__name__}: {str(exc).strip()}"
        return VerifyReport(
            files=changed, files_checked=files_checked, mismatches=[("", "", problem)]
        )


def _rederive(
    folder: Path,
    manifest: Path,
    warc_source: str | Path,
    changed: list[tuple[str, str]],
    files_checked: int,
    workers: int,
    sample: int | None,
    limit: int | None,
    seed: int,
    policy_warcs: Sequence[str | Path] = (),
) -> VerifyReport:
    config = load_config(folder)
    files = {warc_name(p): p for p in list_warcs(warc_source)}
    _check_warc_source(folder, warc_source, files)
    files.update(foreign_files(folder, policy_warcs))
    window = foreign_window(folder)
    shards = data_shards(folder)
    total = sum(pq.ParquetFile(str(s)).metadata.num_rows for s in shards)
    chosen = _selected(total, sample, limit, seed)
    report = VerifyReport(rows=total, files=changed, files_checked=files_checked)

    def jobs() -> Iterator[list[Job]]:
        batch: list[Job] = []
        rows = iter_parquet(shards)
        lines = (json.loads(line) for line in iter_lines(manifest) if line.strip())
        for i, (row, entry) in enumerate(zip(rows, lines, strict=False)):
            if row["id"] != entry["id"]:
                report.mismatches.append(
                    (row["id"], row["url"], f"row {i} and manifest entry {entry['id']} differ")
                )
                continue
            if chosen is not None and i not in chosen:
                continue
            batch.append(_prepare(row, entry, files))
            if len(batch) >= 8:
                yield batch
                batch = []
        if batch:
            yield batch

    pending: deque[Job] = deque()

    def tracked() -> Iterator[list[Job]]:
        for batch in jobs():
            pending.extend(batch)
            yield batch

    for results in ordered_map(
        _verify_batch, tracked(), workers=workers, initializer=_init, initargs=(config, window)
    ):
        for problems in results:
            row, _, _, _, _ = pending.popleft()
            report.checked += 1
            report.mismatches.extend((row["id"], row["url"], p) for p in problems)
    entries = sum(1 for line in iter_lines(manifest) if line.strip())
    if entries != total:
        report.mismatches.append(("", "", f"{total} rows but {entries} manifest entries"))
    return report
