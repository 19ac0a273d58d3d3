"""clearcrawl's rights decision as datatrove pipeline steps (``pip install clearcrawl[datatrove]``).

For filtering Common Crawl on many machines with an existing engine
(https://github.com/huggingface/datatrove): its executors (local, Slurm, Ray; each tested on a
real local cluster) give each task every ``world_size``-th input file, as ``clearcrawl export
--shard`` does. A pipeline::

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.writers import JsonlWriter
    from export.datatrove_step import ClearcrawlRightsFilter, ClearcrawlWarcReader

    LocalPipelineExecutor(
        pipeline=[
            ClearcrawlWarcReader("crawl-data/CC-MAIN-2020-34/segments/x/warc"),
            ClearcrawlRightsFilter(
                inputs=["crawl-data/CC-MAIN-2020-34/segments/x/warc"],
                policy_warcs=["crawl-data/CC-MAIN-2020-34/segments/x/robotstxt"],
                exclusion_writer=JsonlWriter("out/excluded"),
            ),
            JsonlWriter("out/rows"),
        ],
        tasks=8,
    ).run()

* :class:`ClearcrawlWarcReader` is a WARC reader (in place of datatrove's ``WarcReader``) that keeps what the rights decision needs
  and datatrove's own reader drops: the HTTP status and headers (``X-Robots-Tag``, TDMRep,
  ``Content-Usage``), the body as archived, the record's file and offset. It reads with
  :mod:`export.warcread` (WARC 1.0/1.1, ARC, one-stream gzip, damage read around).
* :class:`ClearcrawlRightsFilter` decides each page exactly as ``clearcrawl export`` decides
  a page of another tool's archive (:func:`export.foreign.process_foreign`: the same filters,
  policy, policy-file lookup and text extraction, which is part of the decision through
  ``min_text_chars``): an admitted document's ``text`` becomes the extracted text, its ``id``
  the dataset row id, and its metadata holds ``clearcrawl.row`` (the other dataset columns)
  and ``clearcrawl.manifest`` (the rights manifest entry); an excluded one goes to the
  ``exclusion_writer`` with its manifest entry and the first reason's class as datatrove's
  drop reason.

Exact-duplicate removal (``duplicate-text``) needs the whole stream: ``clearcrawl export`` keeps
the first row of each normalised text (:func:`export.extract.text_hash`) in WARC order (files in
name order, then offset), excludes the later ones as ``duplicate-text:<kept id>`` and lists them
in the kept row's manifest entry. Tasks see interleaved files, so it is done as two more stages
after the rights filter, like datatrove's own exact deduplication (signatures → find → filter)::

    # stage 1 (N tasks): ... ClearcrawlRightsFilter(...), JsonlWriter("out/admitted")
    # stage 2 (1 task):  ClearcrawlFindDuplicates("out/admitted", "out/dups", inputs=[...])
    # stage 3 (N tasks): JsonlReader("out/admitted"),
    #                    ClearcrawlDuplicateFilter("out/dups", exclusion_writer=JsonlWriter(...)),
    #                    JsonlWriter("out/rows")

datatrove's ``ExactDedupSignature``/``ExactFindDedups``/``ExactDedupFilter`` are not used: they
keep the copy of the lowest task rank and document index (with a 16-bit priority), which is
not the first in WARC order when files are interleaved across tasks, and they cannot add the
duplicates to the kept row's manifest entry, so the rows and manifest would differ from a single
export's. The find stage keeps its index in an on-disk SQLite file (memory stays flat) and reads
only the admitted rows; the output is the single export's, byte for byte (tested).

Archives written by clearcrawl's own crawler are exported with ``clearcrawl export``: their
decision records and archived policy files are read there.
"""

from __future__ import annotations

import gzip
import io
import json
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from datatrove.data import Document, DocumentsPipeline
from datatrove.io import get_datafolder
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.readers.base import BaseDiskReader

from export.foreign import ForeignContext, archive_info, build_context, init_worker, process_foreign
from export.policyarchive import DEFAULT_WINDOW_DAYS, kind_of_url
from export.process import ExportConfig
from export.wacz import WaczError, is_wacz_name
from export.warcread import Capture, iter_captures, list_sources, list_warcs, open_warc, warc_name
from filters.policy import DEFAULT_POLICY, Policy
from filters.reasons import Reason, reason_class
from filters.tokens import honored_tokens

#: Metadata key carrying the capture from the reader to the filter (same process).
CAPTURE_KEY = "clearcrawl_capture"


class ClearcrawlWarcReader(BaseDiskReader):  # type: ignore[misc]
    """datatrove's ``WarcReader``, keeping the whole archived exchange for the rights filter.

    A reader of its own (not a ``WarcReader`` subclass): datatrove's reader decodes the HTML
    and drops the headers, and requires ``cchardet`` and ``magic`` that this one does not use.
    """

    name = "🕷 Warc (clearcrawl)"
    _requires_dependencies: ClassVar[list[str]] = ["warcio"]

    def read_file(self, filepath: str) -> Iterator[Document]:
        path = str(self.data_folder.resolve_paths(filepath))
        # a WACZ is read entry by entry, as ``clearcrawl export`` lists it (export.wacz)
        for one in list_warcs(path) if is_wacz_name(path) else [path]:
            yield from self._read_warc(one)

    def _read_warc(self, path: str) -> Iterator[Document]:
        damaged: list[Any] = []
        try:
            open_warc(path).close()  # a WACZ entry's digest is checked here, once
        except WaczError as exc:  # a WACZ (entry) that cannot be read: named, the task goes on
            from loguru import logger

            self.stat_update("unreadable_files")
            logger.warning(f"{exc}; skipped")
            return
        for capture in iter_captures(path, on_damage=damaged.append):
            if not capture.record_type or kind_of_url(capture.url) is not None:
                continue  # decision-only records; policy files are evidence, not pages
            with self.track_time():
                doc = Document(
                    text=capture.body.decode("utf-8", "replace") or " ",
                    id=capture.record_id or f"{capture.warc_file}:{capture.offset}",
                    metadata={"url": capture.url, "date": capture.date, "file_path": path},
                )
                doc.metadata[CAPTURE_KEY] = capture
            yield doc
        for damage in damaged:
            self.stat_update("damaged_files")
            from loguru import logger

            logger.warning(damage.message())


class ClearcrawlRightsFilter(BaseFilter):  # type: ignore[misc]
    """Admit or exclude each page by clearcrawl's rights policy; attach its manifest entry."""

    name = "⚖ clearcrawl rights"

    def __init__(
        self,
        inputs: Sequence[str | Path],
        *,
        policy: Policy | str | Path = DEFAULT_POLICY,
        policy_warcs: Sequence[str | Path] = (),
        policy_window_days: int = DEFAULT_WINDOW_DAYS,
        tokens: Sequence[str] | None = None,
        markdown: bool = False,
        exclusion_writer: Any = None,
    ) -> None:
        super().__init__(exclusion_writer)
        self.inputs = [str(p) for p in inputs]
        self.policy = policy if isinstance(policy, Policy) else Policy.from_file(policy)
        self.policy_warcs = [str(p) for p in policy_warcs]
        self.window = policy_window_days
        self.config = ExportConfig(
            policy=self.policy, tokens=tuple(tokens or honored_tokens()), markdown=markdown
        )
        self._context: ForeignContext | None = None

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the configuration, not the per-task policy-file index.

        Slurm, Ray and the local executor's process pool ship the step to each task pickled;
        the index (built by :meth:`_ctx` from the archives) is rebuilt there, so a step already
        used in this process does not send its whole index to every task.
        """
        state = self.__dict__.copy()
        state["_context"] = None
        return state

    def _ctx(self) -> ForeignContext:
        """Index the inputs' and policy archives' policy files, once per task."""
        if self._context is None:
            sources = list_sources(self.inputs)
            infos = {warc_name(p): archive_info(p) for p in sources}
            ctx = build_context(sources, infos, self.policy_warcs, self.window)
            if ctx is None:
                raise ValueError(
                    "ClearcrawlRightsFilter decides archives of other tools; these inputs were "
                    "written by clearcrawl: export them with `clearcrawl export`"
                )
            self._context = ctx
            init_worker(self.config, False, self.window)
        return self._context

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        capture: Capture | None = doc.metadata.pop(CAPTURE_KEY, None)
        if capture is None:
            return False, "no-capture"
        ctx = self._ctx()
        try:
            found = ctx.prepare(capture, str(doc.metadata.get("file_path", "")))
        except Exception:  # noqa: BLE001 - as clearcrawl export: that record alone is skipped
            return False, "unusable-record"
        if found is None:
            return False, "policy-file"
        outcome = process_foreign(capture, found, self.config)
        entry = outcome.entry or {}
        if outcome.status == "exported" and outcome.row is not None:
            row = dict(outcome.row)
            doc.text = row.pop("text")
            doc.id = row["id"]
            doc.metadata["clearcrawl"] = {"row": _jsonable(row), "manifest": entry}
            return True
        doc.text = ""
        doc.metadata["clearcrawl"] = {"manifest": entry}
        reasons = entry.get("decision", {}).get("reasons") or ["excluded"]
        return False, reason_class(reasons[0])


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


# --- exact-duplicate removal, as ``clearcrawl export`` does it (stages 2 and 3) --------------
DUPLICATES_FILE = "duplicates.jsonl.gz"


def warc_order(inputs: Sequence[str | Path]) -> dict[str, int]:
    """WARC file name → its place in the order ``clearcrawl export`` reads ``inputs`` in.

    One input: :func:`export.warcread.list_sources` order; several: by file name, then path
    (:func:`export.run.run_export`). The manifest names a record's file by its name.
    """
    paths = sorted({str(p) for p in inputs})
    sources = list_sources(paths)
    if len(paths) > 1:
        sources = sorted(sources, key=lambda w: (warc_name(w), w))
    order: dict[str, int] = {}
    for path in sources:
        order.setdefault(warc_name(path), len(order))
    return order


def _entry(doc: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = doc["metadata"]["clearcrawl"]["manifest"]
    return entry


def _iter_jsonl(folder: Any) -> Iterator[dict[str, Any]]:
    for name in sorted(folder.list_files(glob_pattern="*.jsonl*")):
        with (
            folder.open(name, "rb") as raw,
            (
                gzip.open(raw, "rt", encoding="utf-8")
                if name.endswith(".gz")
                else io.TextIOWrapper(raw, encoding="utf-8")
            ) as text,
        ):
            for line in text:
                if line.strip():
                    yield json.loads(line)


class ClearcrawlFindDuplicates(PipelineStep):  # type: ignore[misc]
    """Stage 2 (one task): find the rows whose text an earlier row in WARC order already has.

    Reads the admitted rows stage 1 wrote (``rows_folder``: ``JsonlWriter`` output, local or
    remote) and writes ``duplicates.jsonl.gz`` to ``output_folder``: one line per kept row that
    has duplicates, with the duplicates in WARC order, each as the single export lists it
    (``id``, ``url``, ``warc`` pointer).
    """

    name = "🫂 clearcrawl find duplicates"

    def __init__(self, rows_folder: str, output_folder: str, *, inputs: Sequence[str | Path]):
        super().__init__()
        self.rows_folder = rows_folder
        self.output_folder = output_folder
        self.order = warc_order(inputs)

    def run(
        self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1
    ) -> DocumentsPipeline:
        if world_size != 1:
            raise ValueError("ClearcrawlFindDuplicates needs the whole stream: run it with tasks=1")
        rows = get_datafolder(self.rows_folder)
        with tempfile.TemporaryDirectory() as tmp:
            db = sqlite3.connect(str(Path(tmp) / "signatures.sqlite"), isolation_level=None)
            db.executescript(
                "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
                "CREATE TABLE sig (hash TEXT, pos INTEGER, off INTEGER, item TEXT);"
            )
            db.execute("BEGIN")
            for doc in _iter_jsonl(rows):
                entry = _entry(doc)
                w = entry["warc"]
                item = {
                    "id": entry["id"],
                    "url": entry["url"],
                    "warc": {k: w[k] for k in ("file", "offset", "record_id", "payload_digest")},
                }
                db.execute(
                    "INSERT INTO sig VALUES (?, ?, ?, ?)",
                    (
                        entry["text"]["sha256"],
                        self.order.get(w["file"], len(self.order)),
                        w["offset"],
                        json.dumps(item, sort_keys=True),
                    ),
                )
                self.stat_update("rows")
            db.execute("CREATE INDEX sig_order ON sig (hash, pos, off)")
            out = get_datafolder(self.output_folder)
            with out.open(DUPLICATES_FILE, "wb") as raw, gzip.open(raw, "wt") as fh:
                group: list[dict[str, Any]] = []
                last = None
                query = "SELECT hash, item FROM sig ORDER BY hash, pos, off"
                for text_sha, item in db.execute(query):
                    if text_sha != last:
                        self._write_group(fh, group)
                        group, last = [], text_sha
                    group.append(json.loads(item))
                self._write_group(fh, group)
            db.close()
        yield from ()  # a generator, as datatrove steps are; it forwards nothing

    def _write_group(self, fh: Any, group: list[dict[str, Any]]) -> None:
        if len(group) > 1:
            kept, *dups = group
            fh.write(json.dumps({"kept": kept, "duplicates": dups}, sort_keys=True) + "\n")
            self.stat_update("duplicates", value=len(dups))


class ClearcrawlDuplicateFilter(BaseFilter):  # type: ignore[misc]
    """Stage 3: drop the duplicates stage 2 found, as ``clearcrawl export`` excludes them.

    A duplicate's manifest entry becomes the single export's: ``excluded``, not included,
    ``duplicate-text:<kept id>`` added to its reasons, no admitting policy rule; it goes to the
    ``exclusion_writer`` without text or row. A kept row's entry lists its duplicates.
    """

    name = "🫂 clearcrawl duplicates"

    def __init__(self, duplicates_folder: str, *, exclusion_writer: Any = None) -> None:
        super().__init__(exclusion_writer)
        self.duplicates_folder = duplicates_folder
        self._kept: dict[tuple[str, int], list[dict[str, Any]]] | None = None
        self._dropped: dict[tuple[str, int], str] = {}

    def _load(self) -> dict[tuple[str, int], list[dict[str, Any]]]:
        if self._kept is None:
            self._kept = {}
            folder = get_datafolder(self.duplicates_folder)
            with folder.open(DUPLICATES_FILE, "rb") as raw, gzip.open(raw, "rt") as fh:
                for line in fh:
                    group = json.loads(line)
                    kept = group["kept"]
                    self._kept[(kept["warc"]["file"], kept["warc"]["offset"])] = group["duplicates"]
                    for dup in group["duplicates"]:
                        self._dropped[(dup["warc"]["file"], dup["warc"]["offset"])] = kept["id"]
        return self._kept

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        kept = self._load()
        entry = doc.metadata["clearcrawl"]["manifest"]
        where = (entry["warc"]["file"], entry["warc"]["offset"])
        kept_id = self._dropped.get(where)
        if kept_id is None:
            if where in kept:
                entry["duplicates"] = kept[where]
            return True
        entry["status"] = "excluded"
        entry["decision"]["include"] = False
        entry["decision"]["reasons"].append(Reason.DUPLICATE_TEXT.with_arg(kept_id))
        entry["policy"]["rule"] = None
        doc.text = ""
        doc.metadata["clearcrawl"] = {"manifest": entry}
        return False, reason_class(Reason.DUPLICATE_TEXT.with_arg(kept_id))
