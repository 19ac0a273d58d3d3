"""clearcrawl's rights decision as datatrove pipeline steps (``pip install clearcrawl[datatrove]``).

For filtering Common Crawl on many machines with an existing engine
(https://github.com/huggingface/datatrove): its executors (local, Slurm, Ray) give each task
every ``world_size``-th input file, as ``clearcrawl export --shard`` does. A pipeline::

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

Exact-duplicate removal needs the whole stream, so it is not done here (``clearcrawl
export``/``merge`` do it); each manifest entry carries ``text.sha256``, the key to do it with.
Archives written by clearcrawl's own crawler are exported with ``clearcrawl export``: their
decision records and archived policy files are read there.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.readers.base import BaseDiskReader

from export.foreign import ForeignContext, archive_info, build_context, init_worker, process_foreign
from export.policyarchive import DEFAULT_WINDOW_DAYS, kind_of_url
from export.process import ExportConfig
from export.warcread import Capture, iter_captures, list_sources
from filters.policy import DEFAULT_POLICY, Policy
from filters.reasons import reason_class
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
        damaged: list[Any] = []
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

    def _ctx(self) -> ForeignContext:
        """Index the inputs' and policy archives' policy files, once per task."""
        if self._context is None:
            sources = list_sources(self.inputs)
            infos = {p.rsplit("/", 1)[-1]: archive_info(p) for p in sources}
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
        found = ctx.prepare(capture, str(doc.metadata.get("file_path", "")))
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
