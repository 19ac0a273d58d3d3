"""The unit the export reads a WARC file into: one archived exchange and its decision.

A *capture* is a response (or revisit, or web ``resource``) record joined with the ``metadata``
record that refers to it (clearcrawl writes request, response, metadata in that order), or a
metadata record alone for a URL refused before fetching. :mod:`export.warcread` builds them;
the decision record is parsed lazily (:meth:`Capture.decision`) and fails closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from export.manifest import RecordPointer
from filters.headers import Headers
from filters.record import DecisionRecord, RecordError


@dataclass(slots=True)
class Capture:
    """One archived exchange (or a refused URL) and the decision recorded for it."""

    url: str
    warc_file: str
    record_type: str  # "response", "revisit" or "" (decision only)
    record_id: str = ""
    offset: int = -1
    date: str = ""
    status: int = 0
    headers: Headers = ()
    body: bytes = b""
    payload_digest: str = ""
    withheld: bool = False
    refers_to: str = ""
    metadata: dict[str, Any] | None = None
    metadata_offset: int = -1
    problems: list[str] = field(default_factory=list)
    metadata_record_id: str = ""
    stored_payload_digest: str = ""
    #: for a revisit: the earlier response record whose payload it repeats, once resolved
    payload_from: RecordPointer | None = None
    #: written by a tool other than clearcrawl (no decision record to expect; issue 14)
    foreign: bool = False
    #: the record's ``WARC-Truncated`` reason (WARC 1.1 §5.13), empty when whole
    truncated: str = ""
    #: a foreign file's provenance (``export.foreign.ArchiveInfo.to_json``), for its manifest
    source_info: dict[str, Any] | None = None
    #: the page as the reading step parsed it (:meth:`export.foreigncontext.ForeignContext.prepare`
    #: reads the licences and feeds a page names), handed on to the decision in the same process
    #: so the page is not parsed twice; None when it was not parsed, or the capture goes to a
    #: worker process (an lxml tree does not travel)
    parsed_page: Any = field(default=None, repr=False, compare=False)
    #: ``metadata`` as last parsed, and the result (the export asks several times per capture)
    _parsed: tuple[object, DecisionRecord | RecordError] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def scheme(self) -> str:
        """The lowercased scheme of the capture's URL (``dns`` for Heritrix's DNS records)."""
        return self.url.partition(":")[0].lower()

    @property
    def is_web_page(self) -> bool:
        """Whether the capture is of an http(s) URL: a ``dns:``/``whois:`` record is not a page."""
        return self.scheme in ("http", "https")

    def decision(self) -> DecisionRecord:
        """Parse the crawl's decision record.

        Raises :class:`filters.record.RecordError` when there is none or it is malformed: the
        export then excludes the page as ``no-decision-record`` (fail closed). The result is
        kept until ``metadata`` is replaced (a record is never edited in place once read).
        """
        meta = self.metadata
        if meta is None:
            raise RecordError("no decision record")
        cached = self._parsed
        if cached is None or cached[0] is not meta:
            try:
                result: DecisionRecord | RecordError = DecisionRecord.from_json(meta)
            except RecordError as exc:
                result = exc
            self._parsed = cached = (meta, result)
        if isinstance(cached[1], RecordError):
            raise cached[1]
        return cached[1]

    @property
    def record(self) -> DecisionRecord | None:
        """The crawl's decision record, or None when there is none or it is malformed."""
        try:
            return self.decision()
        except RecordError:
            return None

    @property
    def kind(self) -> str:
        """What was fetched (``page``, ``robots.txt``…) according to the decision record.

        A capture without a readable record is a page, so that it is decided (and excluded),
        never set aside as policy-file evidence.
        """
        record = self.record
        return "page" if record is None else record.kind
