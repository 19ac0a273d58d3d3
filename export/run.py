"""The export job: WARC files → dataset shards, rights manifest, exclusions and card.

A chain of small steps over a stream of captures, each testable with a list:

1. read (parent): :func:`export.warcread.iter_captures` over the sorted WARC files; policy
   files go into a :class:`export.policyfiles.PolicyFileStore`, every other capture becomes a
   task carrying the archived policy files its decision record names; a ``revisit`` gets the
   payload of the response it repeats (:class:`export.dedupe.RecordIndex`), so it is decided
   like any capture; a damaged file is read around the damage (up to a cut; past garbage
   from the next whole record), which is reported (a warning line, the card's sources table
   and ``export-info.json``), and the export goes on;
2. process (workers): :func:`export.process.process_capture` derives the decision and extracts
   the text, via :func:`export.parallel.ordered_map` (results in input order);
3. dedupe (parent, in order): :class:`export.dedupe.DedupeIndex`;
4. write (parent): row shards, a temporary manifest, ``excluded.jsonl.gz``,
   ``not-fetched.jsonl.gz`` (gzip: ~7 KB of evidence per line uncompressed; :mod:`export.jsonl`);
5. finish: the manifest gets its duplicate lists (``manifest.jsonl.gz`` + Parquet), then the card,
   ``LICENSES.md``, ``manifest.schema.json`` and ``export-info.json``.

Everything is written into a staging folder and moved into place at the end, so an interrupted
export never leaves a half dataset that looks whole. Output is deterministic: ids derive from
URL and payload digest, order is WARC order (files sorted by name), shards are cut by row
content, and nothing time-dependent is written; two runs (with any ``workers``) give the same
bytes.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from export.card import CardInfo, render_card, render_licenses
from export.dataset import (
    DEFAULT_SHARD_BYTES,
    DEFAULT_SHARD_ROWS,
    MANIFEST_COLUMNS,
    MANIFEST_FEATURES,
    ShardWriter,
    manifest_columns,
    row_features,
)
from export.dedupe import DedupeIndex, RecordIndex
from export.errors import SourceError
from export.extract import EXTRACTOR
from export.foreign import UNASSESSABLE, ForeignContext, archive_info, build_context
from export.foreign import init_worker as init_any_worker
from export.foreign import process_batch as process_any_batch
from export.jsonl import open_gzip_text
from export.manifest import manifest_schema_text
from export.parallel import batched, ordered_map
from export.policyarchive import DEFAULT_WINDOW_DAYS
from export.policyfiles import ArchivedPolicyFile, PolicyFileStore
from export.process import ExportConfig, Packed, dump_entry
from export.release import RELEASE_OUTPUTS, finish_release
from export.shard import prescan_other_files, shard_sources
from export.version import __version__
from export.warcread import (
    Capture,
    Damage,
    HashingReader,
    iter_captures,
    list_sources,
    open_warc,
    read_warcinfo,
    resolve_revisit,
)
from filters.grants import GrantSet
from filters.policy import DEFAULT_POLICY, Policy
from filters.reasons import Reason, reason_class
from filters.rsl import NO_CONTEXT, RslContext, rsl_context
from filters.tokens import honored_tokens, user_agent_tokens

#: Files and folders an export writes into ``out`` (and replaces on a re-run).
OUTPUTS = (
    "data",
    "manifest",
    "manifest.jsonl.gz",
    "manifest.schema.json",
    "excluded.jsonl.gz",
    "not-fetched.jsonl.gz",
    # uncompressed names of earlier clearcrawl versions: replaced too
    "manifest.jsonl",
    "excluded.jsonl",
    "not-fetched.jsonl",
    "README.md",
    "LICENSES.md",
    "export-info.json",
    *RELEASE_OUTPUTS,
)
STAGING = ".clearcrawl-export-staging"
INFO_FILE = "export-info.json"
#: The crawl outcome of a page the crawler would have exported (``crawler.decisions``).
CANDIDATE = "exported-candidate"

logger = logging.getLogger(__name__)

#: The crawl outcome of a capture whose decision record could not be read.
NO_DECISION = "(no decision record)"

BATCH_ITEMS = 16
BATCH_BYTES = 4 * 1024 * 1024


class OutputError(ValueError):
    """``--out`` cannot hold the export (the message says why)."""


@dataclass
class ExportSummary:
    """Counts of one export (the card quotes the same numbers)."""

    out: Path
    warc_files: int = 0
    captures: int = 0
    pages: int = 0
    exported: int = 0
    excluded_pages: int = 0
    excluded: Counter[str] = field(default_factory=Counter)
    not_fetched_urls: int = 0
    not_fetched: Counter[str] = field(default_factory=Counter)
    licenses: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    robots_rechecked: int = 0
    policy_files: int = 0
    shards: list[str] = field(default_factory=list)
    manifest_shards: list[str] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    #: crawl outcome (as the decision record says) → export status → count: the card's
    #: reconciliation with the crawl's ``decisions.jsonl``
    outcomes: dict[str, Counter[str]] = field(default_factory=dict)
    #: crawl export candidates that the export excluded, by reason class
    candidates_excluded: Counter[str] = field(default_factory=Counter)
    revisits_resolved: int = 0
    damaged: list[Damage] = field(default_factory=list)
    #: archives written by other tools (issue 14): their provenance and policy-file sources
    foreign: dict[str, Any] = field(default_factory=dict)
    #: files that could not be read at all (named, skipped; the export goes on)
    unreadable: list[dict[str, Any]] = field(default_factory=list)
    #: pages excluded because evidence a decision needs was missing (not decided against)
    unassessed: int = 0

    def count_outcome(self, crawl_outcome: str, status: str) -> None:
        self.outcomes.setdefault(crawl_outcome or NO_DECISION, Counter())[status] += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "warc_files": self.warc_files,
            "captures": self.captures,
            "policy_files": self.policy_files,
            "pages": self.pages,
            "exported": self.exported,
            "excluded_pages": self.excluded_pages,
            "excluded": dict(sorted(self.excluded.items())),
            "duplicates": self.duplicates,
            "robots_rechecked": self.robots_rechecked,
            "not_fetched_urls": self.not_fetched_urls,
            "not_fetched": dict(sorted(self.not_fetched.items())),
            "licenses": dict(sorted(self.licenses.items())),
            "languages": dict(sorted(self.languages.items())),
            "shards": self.shards,
            "manifest_shards": self.manifest_shards,
            "decision_records": sum(sum(c.values()) for c in self.outcomes.values()),
            "by_crawl_outcome": {
                k: dict(sorted(v.items())) for k, v in sorted(self.outcomes.items())
            },
            "candidates_excluded": dict(sorted(self.candidates_excluded.items())),
            "revisits_resolved": self.revisits_resolved,
            "damaged_warc_files": [{"file": d.file, **d.to_json()} for d in self.damaged],
            "unreadable_warc_files": self.unreadable,
            "unassessed_pages": self.unassessed,
            "foreign": self.foreign,
        }


def crawl_tokens(info: dict[str, str]) -> tuple[str, ...]:
    """Return the tokens one WARC file's crawl evaluated robots.txt with, in its order.

    The crawl records them in its ``warcinfo`` (``clearcrawl-honoured-tokens``), the sent
    User-Agent's product token first: that one gets RFC 9309 §2.2.1 in full (its groups, else
    ``*``; :mod:`filters.robots`), so the order is part of the verdict. A crawl from before the
    sent token was honoured recorded the defaults only: its token is read from the recorded
    ``User-Agent`` (``http-header-user-agent``) and put first, which only adds restrictions.
    A file with neither field gets the defaults.
    """
    raw = info.get("clearcrawl-honoured-tokens", "")
    recorded = tuple(t.strip() for t in raw.split(",") if t.strip())
    agent = user_agent_tokens(info.get("http-header-user-agent", ""))
    if recorded and (not agent or recorded[0].lower() == agent[0].lower()):
        return recorded
    return honored_tokens(recorded or None, agent)


def export_rsl_context(sources: list[str]) -> RslContext:
    """Return the RSL user type and regions the crawl evaluated licences with (its warcinfo).

    Files whose crawls recorded different ones, or none, are re-evaluated with an unknown
    context: a licence restricting by user type or region then fails closed.
    """
    seen = {
        (info.get("clearcrawl-rsl-user", ""), info.get("clearcrawl-rsl-geo", ""))
        for info in (read_warcinfo(path) for path in sources)
    }
    if len(seen) != 1:
        return NO_CONTEXT
    user, geo = seen.pop()
    try:
        return rsl_context(user, geo)
    except ValueError:
        return NO_CONTEXT


def export_tokens(sources: list[str], base: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """Return the honoured tokens: exactly the crawl's, then any default it did not honour.

    Each WARC file's ``warcinfo`` says which tokens its crawl honoured (:func:`crawl_tokens`);
    the export evaluates robots.txt with the same list in the same order, so every re-derived
    verdict is the crawl's (issue 11). Tokens of ``base`` (default: :func:`honored_tokens`)
    the crawl did not honour are appended: they are bound only by groups naming them, which
    only ever adds restrictions (fail closed). Files whose crawls sent different product
    tokens cannot be re-evaluated with one list: :class:`SourceError` names them.
    """
    out: list[str] = []
    seen: set[str] = set()
    sent: dict[str, str] = {}
    for path in sources:
        tokens = crawl_tokens(read_warcinfo(path))
        sent.setdefault(tokens[0].lower(), f"{tokens[0]} ({path.rsplit('/', 1)[-1]})")
        if len(sent) > 1:
            first, other = sent.values()
            raise SourceError(
                f"the WARC files were crawled as different crawlers: {first} and {other} "
                "(robots.txt binds each User-Agent's product token differently, RFC 9309 "
                "§2.2.1); export each crawl on its own"
            )
        for tok in tokens:
            if tok.lower() not in seen:
                seen.add(tok.lower())
                out.append(tok)
    for tok in base or honored_tokens():
        if tok.lower() not in seen:
            seen.add(tok.lower())
            out.append(tok)
    return tuple(out)


def check_out(out: Path) -> None:
    """Refuse an ``--out`` that exists and holds something other than an earlier export."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out} exists and is not a folder")
    if out.is_dir():
        names = {p.name for p in out.iterdir()} - {STAGING}
        if names and INFO_FILE not in names and not names & {"manifest.jsonl", "manifest.jsonl.gz"}:
            raise OutputError(
                f"--out {out} is not empty and not an earlier export; pick a new folder"
            )


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
            total += Path(path).stat().st_size
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
                if records is not None:
                    _index_or_resolve(capture, path, records, summary)
                found = foreign.prepare(capture, path) if foreign is not None else ()
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
            name = path.rsplit("/", 1)[-1]
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
            "file": path.rsplit("/", 1)[-1],
            "bytes": reader.bytes_read,
            "sha256": reader.sha256.hexdigest(),
        }
        if damaged:
            source["damage"] = [d.to_json() for d in damaged]
        for damage in damaged:
            summary.damaged.append(damage)
            (warn or _log_warning)(damage.message())
        summary.sources.append(source)
        done += reader.bytes_read


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


def run_export(
    source: str | Path | Sequence[str | Path],
    out: str | Path,
    *,
    policy_warcs: Sequence[str | Path] = (),
    policy_window_days: int = DEFAULT_WINDOW_DAYS,
    fetch_policies: Any = None,
    shard: tuple[int, int] | None = None,
    policy: Policy = DEFAULT_POLICY,
    tokens: tuple[str, ...] | None = None,
    markdown: bool = False,
    workers: int = 1,
    shard_rows: int = DEFAULT_SHARD_ROWS,
    shard_bytes: int = DEFAULT_SHARD_BYTES,
    pretty_name: str | None = None,
    progress: Progress | None = None,
    warn: Callable[[str], None] | None = None,
    grants: GrantSet | None = None,
    report: bool = True,
) -> ExportSummary:
    """Export ``source`` (crawl folder, WARC file or ``s3://`` prefix, or several) into ``out``.

    Several sources (the folders of a fleet's workers, issue 13) make one dataset: their WARC
    files are read in one order — by file name, then path, whatever the order of the arguments
    (a file given twice is read once) — so a re-run is byte-identical; policy files archived in
    any of them serve the pages of all, and every worker's decisions (the WARCs' metadata
    records) land in the one ``excluded``/``not-fetched`` file.

    ``warn`` receives one line per damaged WARC file (default: a ``WARNING`` log line, which
    reaches stderr even when logging is not configured).

    ``grants`` (``--grants``): licensed-source agreements; each is judged at the capture time
    of the record it may admit, and the file's digest is recorded like the policy's. ``report=False`` skips
    ``report.html`` (:mod:`export.release` writes it and the other reviewer files).
    """
    inputs = [source] if isinstance(source, str | Path) else sorted(set(source), key=str)
    for one in inputs:
        refuse_open_warcs(one)
    all_sources = list_sources(inputs)
    if len(inputs) > 1:
        # Several crawl folders (a fleet's workers) or archives: one order of files whatever
        # the order of the arguments, so the dataset is byte-identical on re-run.
        all_sources = sorted(all_sources, key=lambda w: (w.rsplit("/", 1)[-1], w))
    sources = shard_sources(all_sources, *shard) if shard is not None else all_sources
    out = Path(out)
    check_out(out)
    infos = {p.rsplit("/", 1)[-1]: archive_info(p) for p in all_sources}
    own = [p for p in sources if infos[p.rsplit("/", 1)[-1]].clearcrawl]
    toks = export_tokens(own, tokens)
    config = ExportConfig(
        policy=policy,
        tokens=toks,
        markdown=markdown,
        rsl_context=export_rsl_context(own),
        grants=grants,
    )
    foreign = build_context(all_sources, infos, policy_warcs, policy_window_days, fetch_policies)
    staging = out / STAGING
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    summary = ExportSummary(out=out, warc_files=len(sources))
    if shard is not None:
        summary.foreign["shard"] = {"index": shard[0], "of": shard[1]}
    store = PolicyFileStore(staging / "policy-files")
    index = DedupeIndex(staging / "dedupe.sqlite")
    records = RecordIndex(staging / "records.sqlite")
    if shard is not None:
        others = [p for p in all_sources if p not in set(sources)]
        prescan_other_files(others, store, records, foreign)
    writer = ShardWriter(
        staging / "data",
        prefix="train",
        features=row_features(markdown=markdown),
        max_rows=shard_rows,
        max_bytes=shard_bytes,
    )
    license_urls: dict[str, str] = {}
    tmp_manifest = staging / "manifest.tmp.jsonl"
    with (
        tmp_manifest.open("w", encoding="utf-8") as manifest_fh,
        open_gzip_text(staging / "excluded.jsonl.gz") as excluded_fh,
        open_gzip_text(staging / "not-fetched.jsonl.gz") as notfetched_fh,
    ):
        tasks = read_tasks(sources, store, summary, progress, records, warn, foreign)
        batches = batched(tasks, max_items=BATCH_ITEMS, max_bytes=BATCH_BYTES, size=_task_bytes)
        for outcomes in ordered_map(
            process_any_batch,
            batches,
            workers=workers,
            initializer=init_any_worker,
            initargs=(config, workers > 1, policy_window_days),
        ):
            for packed in outcomes:
                _write_outcome(
                    packed,
                    summary,
                    index,
                    writer,
                    manifest_fh,
                    excluded_fh,
                    notfetched_fh,
                    license_urls,
                )
    summary.shards = [p.name for p in writer.close()]
    if foreign is not None:
        summary.foreign.update(foreign.summary())
        summary.foreign["unassessed"] = summary.unassessed
    manifest_writer = _finish_manifest(tmp_manifest, staging, index, shard_rows, shard_bytes)
    summary.manifest_shards = [p.name for p in manifest_writer.paths]
    dataset_info = [writer.dataset_info("default"), manifest_writer.dataset_info("rights_manifest")]
    index.close()
    records.close()
    tmp_manifest.unlink()
    shutil.rmtree(staging / "policy-files")
    _write_documents(staging, summary, config, license_urls, inputs[0], pretty_name, dataset_info)
    finish_release(staging, inputs[0], report=report)
    _publish_staging(staging, out)
    return summary


def _write_outcome(
    packed: Packed,
    summary: ExportSummary,
    index: DedupeIndex,
    writer: ShardWriter,
    manifest_fh: IO[str],
    excluded_fh: IO[str],
    notfetched_fh: IO[str],
    license_urls: dict[str, str],
) -> None:
    """Dedupe and write one outcome (steps 3 and 4), in stream order."""
    if packed.status == "policy-file" or not packed.line:
        return
    if packed.status == "not-fetched":
        summary.count_outcome(packed.crawl_outcome, "not-fetched")
        summary.not_fetched_urls += 1
        for r in packed.reasons:
            summary.not_fetched[reason_class(r)] += 1
        notfetched_fh.write(packed.line + "\n")
        return
    summary.pages += 1
    summary.robots_rechecked += packed.robots_checked
    line, reasons, crawl_outcome = packed.line, packed.reasons, packed.crawl_outcome
    if packed.status == "exported" and packed.text_hash is not None:
        kept = index.kept_id(packed.text_hash)
        if kept is None:
            index.keep(packed.text_hash, packed.id)
        else:
            # the first copy (in WARC order) stays; this one becomes an exclusion
            entry = json.loads(packed.line)
            entry["status"] = "excluded"
            entry["decision"]["include"] = False
            entry["decision"]["reasons"].append(Reason.DUPLICATE_TEXT.with_arg(kept))
            entry["policy"]["rule"] = None
            index.add_duplicate(kept, {"id": packed.id, "url": packed.url, "warc": packed.warc})
            summary.duplicates += 1
            line, reasons = dump_entry(entry), entry["decision"]["reasons"]
            packed = Packed("excluded")
    if packed.status == "exported" and packed.row is not None:
        summary.count_outcome(crawl_outcome, "exported")
        row = packed.row
        writer.write(row)
        # id, then the entry, then its Parquet columns: the final pass needs no JSON parsing
        manifest_fh.write(f"{packed.id}\t{line}\t{packed.columns}\n")
        summary.exported += 1
        summary.licenses[row["license"]] += 1
        if row.get("license_url"):
            license_urls.setdefault(row["license"], row["license_url"])
        if row.get("language"):
            summary.languages[row["language"]] += 1
        return
    summary.count_outcome(crawl_outcome, "excluded")
    summary.excluded_pages += 1
    if any(reason_class(r) in UNASSESSABLE for r in reasons):
        summary.unassessed += 1
    for r in reasons:
        summary.excluded[reason_class(r)] += 1
        if crawl_outcome == CANDIDATE:
            summary.candidates_excluded[reason_class(r)] += 1
    excluded_fh.write(line + "\n")


def _finish_manifest(
    tmp_manifest: Path, staging: Path, index: DedupeIndex, shard_rows: int, shard_bytes: int
) -> ShardWriter:
    """Step 5: add duplicate lists; write ``manifest.jsonl.gz`` and its Parquet twin.

    Only the (few) entries that have duplicates are parsed and re-serialised; JSON strings never
    hold a raw tab or newline, so the temporary lines split safely on tabs.
    """
    writer = ShardWriter(
        staging / "manifest",
        prefix="rights",
        features=MANIFEST_FEATURES,
        max_rows=shard_rows,
        max_bytes=shard_bytes,
    )
    with (
        tmp_manifest.open(encoding="utf-8") as src,
        open_gzip_text(staging / "manifest.jsonl.gz") as dst,
    ):
        for raw in src:
            row_id, line, columns = raw.rstrip("\n").split("\t")
            duplicates = index.duplicates_of(row_id)
            if duplicates:
                entry = json.loads(line)
                entry["duplicates"] = duplicates
                line = dump_entry(entry)
                values = manifest_columns(entry)
            else:
                values = json.loads(columns)
            dst.write(line + "\n")
            writer.write(dict(zip(MANIFEST_COLUMNS, values, strict=True)))
    writer.close()
    return writer


def _write_documents(
    staging: Path,
    summary: ExportSummary,
    config: ExportConfig,
    license_urls: dict[str, str],
    source: str | Path,
    pretty_name: str | None,
    dataset_info: list[dict[str, Any]],
) -> None:
    name = pretty_name or f"clearcrawl export of {Path(str(source)).name or source}"
    info = CardInfo(
        pretty_name=name,
        rows=summary.exported,
        policy=config.policy,
        tokens=config.tokens,
        license_counts=summary.licenses,
        license_urls=license_urls,
        languages=summary.languages,
        excluded=summary.excluded,
        excluded_pages=summary.excluded_pages,
        not_fetched=summary.not_fetched,
        not_fetched_urls=summary.not_fetched_urls,
        duplicates=summary.duplicates,
        robots_rechecked=summary.robots_rechecked,
        sources=summary.sources,
        outcomes={k: dict(v) for k, v in summary.outcomes.items()},
        candidates_excluded=summary.candidates_excluded,
        shards=summary.shards,
        manifest_shards=summary.manifest_shards,
        markdown=config.markdown,
        extractor=EXTRACTOR,
        dataset_info=dataset_info,
        foreign=summary.foreign,
        grants=config.grants,
    )
    (staging / "README.md").write_text(render_card(info), encoding="utf-8")
    (staging / "LICENSES.md").write_text(render_licenses(info), encoding="utf-8")
    (staging / "manifest.schema.json").write_text(manifest_schema_text(), encoding="utf-8")
    export_info = {
        "clearcrawl_version": __version__,
        "extractor": EXTRACTOR,
        "pretty_name": name,
        "policy": {
            "label": config.policy.label,
            "digest": config.policy.digest,
            "content": config.policy.to_dict(),
        },
        "tokens": list(config.tokens),
        "grants": None
        if config.grants is None
        else {
            "source": config.grants.source,
            "digest": config.grants.digest,
            "content": json.loads(config.grants.canonical_json()),
        },
        "markdown": config.markdown,
        "sources": summary.sources,
        "counts": summary.to_json(),
    }
    (staging / INFO_FILE).write_text(
        json.dumps(export_info, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )


def _publish_staging(staging: Path, out: Path) -> None:
    """Replace the previous export's outputs with the staged ones, then drop the staging."""
    for name in OUTPUTS:
        old = out / name
        if old.is_dir():
            shutil.rmtree(old)
        elif old.exists():
            old.unlink()
    for name in OUTPUTS:
        new = staging / name
        if new.exists():
            new.replace(out / name)
    shutil.rmtree(staging)
