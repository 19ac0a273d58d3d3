"""Step 1 of the export (:mod:`export.run`): read the sources into tasks, in WARC order.

Policy files are kept as evidence (:class:`export.policyfiles.PolicyFileStore`), revisits get
the payload they repeat (WARC 1.1 §6.7.2), and a damaged or unreadable file is named and read
around; an open ``*.warc.gz.open`` file (an interrupted crawl) is refused before anything is
read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from export.counts import ExportSummary
from export.dedupe import RecordIndex
from export.errors import SourceError
from export.foreign import ForeignContext
from export.policyfiles import ArchivedPolicyFile, PolicyFileStore
from export.warcread import (
    Capture,
    Damage,
    HashingReader,
    iter_captures,
    open_warc,
    resolve_revisit,
    warc_name,
)
from export.warcsource import local_size, source_facts

#: kept as ``export.run`` (where these warnings were logged before the split)
logger = logging.getLogger("export.run")

Task = tuple[Capture, tuple[ArchivedPolicyFile, ...]]

#: ``progress(captures read, WARC bytes read, WARC bytes in all, 0 when unknown)``.
Progress = Callable[[int, int, int], None]


def total_bytes(sources: list[str]) -> int:
    """Bytes of WARC to read, known before reading from local file sizes; 0 when unknown (S3)."""
    total = 0
    for path in sources:
        if path.startswith("s3://"):
            return 0
        try:
            total += local_size(path)
        except OSError:
            return 0
    return total


def read_tasks(
    sources: list[str],
    store: PolicyFileStore,
    summary: ExportSummary,
    progress: Progress | None = None,
    records: RecordIndex | None = None,
    warn: Callable[[str], None] | None = None,
    foreign: ForeignContext | None = None,
) -> Iterator[Task]:
    """Step 1: captures in WARC order; policy files are kept as evidence, not emitted.

    With ``records``, every stored response is indexed and every revisit resolved against it
    (the writer only ever refers back to an earlier record, WARC order being crawl order).
    """
    total = total_bytes(sources) if progress is not None else 0
    done = 0
    for path in sources:
        damaged: list[Damage] = []
        try:
            reader = HashingReader(open_warc(path))
            for capture in iter_captures(path, reader=reader, on_damage=damaged.append):
                summary.captures += 1
                if progress is not None:
                    progress(summary.captures, done + reader.bytes_read, total)
                try:
                    if records is not None:
                        _index_or_resolve(capture, path, records, summary)
                    found = foreign.prepare(capture, path) if foreign is not None else ()
                except Exception as exc:  # noqa: BLE001 - one record never stops its file
                    damaged.append(unusable_record(path, capture, exc))
                    continue
                if found is None:  # a foreign archive's policy file: evidence, not a page
                    summary.policy_files += 1
                    continue
                if capture.foreign:
                    yield capture, found
                    continue
                if capture.record_type and capture.kind != "page":
                    store.add(capture)
                    summary.policy_files += 1
                    record = capture.record  # a policy file's kind comes from its record
                    summary.count_outcome(record.outcome if record else "", "policy-file")
                    continue
                yield capture, store.resolve(capture.metadata)
        except Exception as exc:  # noqa: BLE001 - one bad file never stops the export
            name = warc_name(path)
            problem = {"file": name, "error": f"{type(exc).__name__}: {exc!s:.200}"}
            summary.unreadable.append(problem)
            (warn or _log_warning)(
                f"{name} could not be read ({problem['error']}); skipped, the export goes on"
            )
            summary.sources.append(
                {"file": name, "bytes": 0, "sha256": "", "unreadable": problem["error"]}
            )
            continue
        source: dict[str, Any] = {
            "file": warc_name(path),
            "bytes": reader.bytes_read,
            "sha256": reader.sha256.hexdigest(),
            **source_facts(path),  # a WARC inside a WACZ: the WACZ and its digest check
        }
        if damaged:
            source["damage"] = [d.to_json() for d in damaged]
        for damage in damaged:
            summary.damaged.append(damage)
            (warn or _log_warning)(damage.message())
        summary.sources.append(source)
        done += reader.bytes_read


def unusable_record(path: str, capture: Capture, exc: Exception) -> Damage:
    """Describe a record that reads but cannot be placed (listed with its offset, skipped).

    Such a record (a ``WARC-Target-URI`` that is no URL, ``http://[::1/x``) names no page a
    decision could be about; it is counted and listed as damage, and its file is read on.
    """
    what = f"{capture.record_type or 'a'} record of {capture.url[:120]!r}"
    return Damage(
        warc_name(path), "unusable", capture.offset, f"{what}: {type(exc).__name__}: {exc!s:.120}"
    )


def _log_warning(message: str) -> None:
    logger.warning("export: warning: %s", message)


def _index_or_resolve(
    capture: Capture, path: str, records: RecordIndex, summary: ExportSummary
) -> None:
    if capture.record_type == "response" and capture.body and not capture.withheld:
        records.add(capture.record_id, path, capture.offset, capture.stored_payload_digest)
    elif capture.record_type == "revisit":
        found = records.find(capture.refers_to)
        problem = (
            f"revisit of {capture.refers_to}: that record is not in the WARC files read"
            if found is None
            else resolve_revisit(capture, found[0], found[1])
        )
        if problem is None:
            summary.revisits_resolved += 1
        else:
            capture.problems.append(problem)


def _task_bytes(task: Task) -> int:
    capture, archived = task
    return len(capture.body) + sum(len(a.body) for a in archived) + 2048


def refuse_open_warcs(source: str | Path) -> None:
    """Refuse a crawl folder holding a ``*.warc.gz.open`` file (an interrupted or running crawl).

    An error, not a read-only recovery: the open file may still be written by a running crawl,
    its last capture may be torn, and the pages an interrupted crawl had not archived yet would
    be missing from a dataset that looks whole. ``clearcrawl crawl --resume`` closes it (cut
    after its last complete capture, :mod:`crawler.recovery`) and finishes the crawl.
    """
    src = str(source)
    if src.startswith("s3://"):
        return  # open files are never uploaded
    path = Path(src)
    if path.is_file():
        found = [path] if path.name.endswith(".warc.gz.open") else []
    else:
        found = sorted(path.rglob("*.warc.gz.open")) if path.is_dir() else []
    if found:
        folder = found[0].parent
        crawl_dir = folder.parent if folder.name == "warc" else folder
        raise SourceError(
            f"{found[0]} is still open: the crawl was interrupted (or is running); run "
            f"`clearcrawl crawl --out {crawl_dir} --resume` first, then export"
        )
