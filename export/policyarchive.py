"""Site policy files for pages of archives clearcrawl did not write (issue 14).

A clearcrawl crawl records, with each page, the robots.txt, tdmrep.json and ai.txt its
pre-fetch verdict relied on (:mod:`export.policyfiles`). A Common Crawl, Heritrix, Browsertrix
or wget archive records no such thing: the export has to find each origin's policy files
itself. :class:`PolicyIndex` indexes every capture of a policy-file URL (the paths of the
registry :data:`filters.prefetch.POLICY_FILES`, so a kind added there is found too) and hands
a page, for each kind, the capture **nearest in time** to the page's own capture, within a
stated window, taken in this order:

1. ``same-archive``: the archives being exported (a Browsertrix or wget crawl fetches
   robots.txt like any URL);
2. ``policy-archive``: archives given with ``--policy-warcs``, e.g. the ``robotstxt/``
   WARC files Common Crawl publishes beside each crawl's page WARCs
   (https://commoncrawl.org/blog/robots-txt-and-404-redirect-data-sets);
3. ``fetched-at-export``: only with ``--fetch-policies``, the file fetched now
   (:mod:`export.policyfetch`), archived into a new WARC beside the dataset and recorded as
   fetched at export time, not at capture time.

A redirecting policy file (RFC 9309 §2.3.1.2: crawlers follow at least five hops) is followed
inside the same archives; a hop whose target was not captured leaves the file unknown (fail
closed), never "unavailable" (which RFC 9309 would read as allow-all).

Policy files whose URL is *located* from another file (RSL licences robots.txt ``License:``
lines name, RSL 1.0 §4.4, which may also be RSS/Atom feeds; TDMRep ``tdm-policy`` ODRL
documents tdmrep.json names) have no fixed path: the scan also indexes, by URL, every
``response``/``resource`` capture (and revisit) whose Content-Type is XML, RSS, Atom, RSL, JSON,
JSON-LD or ODRL (:func:`may_be_located`, headers only), and :meth:`PolicyIndex.find_url` looks
a located URL up in the same order and window as the fixed kinds.

The index holds one small entry per policy-file capture (URL, date, file, offset): memory
grows with the number of origins in the archives, not with the pages. Located candidates are
capped at :data:`MAX_LOCATED` entries; beyond it they are not indexed and the cap is listed in
``problems`` (a licence then found nowhere is ``policy-file-unknown``: fail closed).
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

from export import wacz
from export.httpbody import ContentDecodingError, decode_body
from export.manifest import RecordPointer
from export.policyfiles import ArchivedPolicyFile
from export.warcread import (
    FastSplitter,
    archive_iterator,
    open_warc,
    read_record_at,
    status_and_headers,
    warc_name,
    whole_stream_gzip,
)
from filters.prefetch import POLICY_FILES, PolicyFileKind, origin_base

logger = logging.getLogger(__name__)

Source = Literal["same-archive", "policy-archive", "fetched-at-export"]
#: Where a page's policy files are looked for, in this order.
SOURCE_ORDER: tuple[Source, ...] = ("same-archive", "policy-archive", "fetched-at-export")
#: Default window around a page's capture in which an archived policy file counts (days):
#: a Common Crawl monthly crawl fetches each host's robots.txt during the same few weeks.
DEFAULT_WINDOW_DAYS = 30
#: RFC 9309 §2.3.1.2: follow at least five consecutive redirects.
MAX_REDIRECTS = 5
#: Located-file candidates (XML/JSON captures) indexed at most (about 300 bytes each).
MAX_LOCATED = 500_000
#: Content-Type fragments of the media types a located policy file is served as: RSL 1.0
#: (application/rsl+xml, or plain XML), RSS/Atom feeds carrying ``rsl:`` elements, TDMRep
#: tdm-policy (ODRL: application/ld+json, application/odrl+json, JSON).
LOCATED_TYPES = ("xml", "rss", "atom", "rsl", "json", "odrl")


def may_be_located(content_type: str) -> bool:
    """Say whether a capture of this Content-Type may be a located policy file (module doc)."""
    media = content_type.split(";", 1)[0].strip().lower()
    return any(t in media for t in LOCATED_TYPES)


def parse_warc_date(value: str) -> datetime | None:
    """Parse a ``WARC-Date`` (W3C-DTF, WARC 1.1 §5.4; ARC's 14 digits too) as UTC."""
    text = value.strip()
    if not text:
        return None
    try:
        if text.isdigit() and len(text) >= 14:
            return datetime.strptime(text[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def kind_of_url(url: str) -> PolicyFileKind | None:
    """Return the policy-file kind a URL is (its path is the kind's, no query), or None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or parts.query:
        return None
    for kind in POLICY_FILES:
        if parts.path == kind.path:
            return kind
    return None


def policy_url(page_url: str, kind: PolicyFileKind) -> str:
    """Return the URL of ``kind`` for the origin of ``page_url`` (normalised like the crawler's)."""
    return origin_base(page_url) + kind.path


def _key(url: str) -> str:
    """Index key: the URL with its origin normalised (scheme/host case, default port)."""
    parts = urlsplit(url)
    query = "?" + parts.query if parts.query else ""
    return origin_base(url) + (parts.path or "/") + query


@dataclass(frozen=True, slots=True)
class PolicyCapture:
    """One archived capture of a policy-file URL (where to reread it)."""

    url: str
    date: str
    path: str
    offset: int
    record_id: str
    rec_type: str
    refers_to: str
    payload_digest: str
    source: Source
    #: how manifests name the file: its name, with its folder for a policy archive (Common
    #: Crawl's ``robotstxt/`` files have the same names as the page WARCs of the segment)
    label: str = ""

    @property
    def when(self) -> datetime | None:
        return parse_warc_date(self.date)


@dataclass(frozen=True, slots=True)
class FoundPolicyFile(ArchivedPolicyFile):
    """A policy file found for a foreign page: the bytes, where they came from, and when."""

    source: str = "same-archive"
    fetched_at: str = ""
    final_url: str = ""
    #: (capture date - page date) in whole seconds; negative: captured before the page
    distance_s: int = 0


@dataclass(frozen=True, slots=True)
class Loaded:
    """A policy-file record read back: status, headers, body as stored, its pointer."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    pointer: RecordPointer
    original: RecordPointer | None = None


class PolicyIndex:
    """Every capture of a policy-file URL in the archives scanned, by URL and record id."""

    def __init__(self, *, window_days: int = DEFAULT_WINDOW_DAYS, cache_items: int = 256) -> None:
        self.window = timedelta(days=window_days)
        self.window_days = window_days
        self._by_url: dict[str, list[PolicyCapture]] = {}
        self._by_id: dict[str, PolicyCapture] = {}
        self._cache: OrderedDict[tuple[str, int], Loaded | None] = OrderedDict()
        self._cache_items = cache_items
        self.scanned: dict[Source, list[str]] = {}
        self.problems: list[str] = []
        self.extra: dict[Source, Callable[[str], PolicyCapture | None]] = {}
        self.located = 0

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_url.values())

    def add(self, capture: PolicyCapture) -> None:
        self._by_url.setdefault(_key(capture.url), []).append(capture)
        if capture.record_id and capture.rec_type in ("response", "resource"):
            self._by_id.setdefault(capture.record_id, capture)

    def scan(self, path: str, source: Source) -> None:
        """Index the policy-file captures of one archive (headers only; bodies are skipped).

        A file that cannot be read to its end is indexed up to the damage; the damage is
        listed in :attr:`problems` (the page export reports its own files' damage itself).
        """
        self.scanned.setdefault(source, []).append(path)
        located, problems = self.located, len(self.problems)
        fast = self._scan_fast(path, source)
        if fast is None:
            # FastWARC could not split the file: warcio's reading, whole, is the reference
            self.located = located
            del self.problems[problems:]
            found = self._scan_warcio(path, source)
        else:
            found, resume = fast
            found += self._scan_warcio(path, source, start=resume)
        for capture in found:
            self.add(capture)

    def _scan_fast(self, path: str, source: Source) -> tuple[list[PolicyCapture], int] | None:
        """Index with FastWARC (2-3x warcio's speed) all records but the last it splits.

        Returns the entries and where warcio must read on (the last record FastWARC split, or
        the start); None when FastWARC failed (warcio then reads the whole file). Only the
        splitting is FastWARC's (:class:`export.warcread.FastRecord`: HTTP headers parsed by
        warcio's loader), a record is indexed once the next one has parsed, and the file's
        end is warcio's to judge, so the index equals :meth:`_scan_warcio`'s. ARC files and
        one-stream gzip are left to warcio.
        """
        if path.lower().endswith((".arc", ".arc.gz")) or whole_stream_gzip(path):
            return None
        found: list[PolicyCapture] = []
        try:
            with open_warc(path) as fh:
                records = FastSplitter(fh)
                for rec in records:
                    if rec.rec_type in ("response", "revisit", "resource"):
                        capture = self._indexed(rec, rec.offset, path, source)
                        if capture is not None:
                            found.append(capture)
        except (KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException:  # noqa: BLE001 - an entry not built: warcio reads the file
            return None
        if records.failed:
            return None
        return found, records.held.offset if records.held is not None else 0

    def _scan_warcio(self, path: str, source: Source, start: int = 0) -> list[PolicyCapture]:
        found: list[PolicyCapture] = []
        try:
            with open_warc(path) as fh:
                if start:
                    fh.seek(start)
                it = archive_iterator(fh)
                it.INC_RECORD = ""
                for record in it:
                    if record.rec_type not in ("response", "revisit", "resource"):
                        continue
                    capture = self._indexed(record, None, path, source, it)
                    if capture is not None:
                        found.append(capture)
        except Exception as exc:  # noqa: BLE001 - a damaged file is indexed up to the damage
            name = warc_name(path)
            self.problems.append(f"{name}: policy files read up to the damage ({exc!s:.120})")
        return found

    def _indexed(
        self, record: Any, offset: int | None, path: str, source: Source, it: Any = None
    ) -> PolicyCapture | None:
        """Return the index entry of a response/revisit/resource record that may be a policy file.

        ``offset`` is the record's, or None to ask warcio's iterator ``it`` (after the
        headers were looked at: it reads the record to its end).
        """
        h = record.rec_headers
        url = h.get_header("WARC-Target-URI") or ""
        if kind_of_url(url) is None and not self._located_candidate(record):
            return None
        return PolicyCapture(
            url=url,
            date=h.get_header("WARC-Date") or "",
            path=path,
            offset=it.get_record_offset() if offset is None else offset,
            record_id=h.get_header("WARC-Record-ID") or "",
            rec_type=record.rec_type,
            refers_to=h.get_header("WARC-Refers-To") or "",
            payload_digest=h.get_header("WARC-Payload-Digest") or "",
            source=source,
            label=file_label(path, source),
        )

    def _located_candidate(self, record: Any) -> bool:
        """Say whether ``record`` may be a located policy file and the cap leaves room for it."""
        if record.rec_type == "resource":
            ctype = record.rec_headers.get_header("Content-Type") or ""
        elif record.http_headers is not None:
            ctype = record.http_headers.get_header("Content-Type") or ""
        else:
            ctype = ""
        if not may_be_located(ctype) and record.rec_type != "revisit":
            return False
        if record.rec_type == "revisit" and ctype and not may_be_located(ctype):
            return False
        if self.located >= MAX_LOCATED:
            if self.located == MAX_LOCATED:
                self.problems.append(
                    f"more than {MAX_LOCATED} XML/JSON captures: later ones not indexed as "
                    "located policy files (RSL licences, TDM policies)"
                )
                self.located += 1
            return False
        self.located += 1
        return True

    def nearest(self, url: str, when: datetime | None, source: Source) -> PolicyCapture | None:
        """Return the capture of ``url`` from ``source`` nearest in time to ``when``, in the window.

        Ties go to the earlier capture (what was published before the page was captured).
        A page without a readable date matches nothing (its window is unknown).
        """
        if when is None:
            return None
        best: tuple[timedelta, int, PolicyCapture] | None = None
        for pc in self._by_url.get(_key(url), ()):
            if pc.source != source:
                continue
            t = pc.when
            if t is None:
                continue
            gap = abs(t - when)
            if gap > self.window:
                continue
            rank = (gap, 0 if t <= when else 1, pc)
            if best is None or rank[:2] < best[:2]:
                best = rank
        return best[2] if best is not None else None

    def load(self, pc: PolicyCapture) -> Loaded | None:
        """Read a policy-file capture back (a revisit through the record it refers to)."""
        key = (pc.path, pc.offset)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        loaded = self._load(pc)
        self._cache[key] = loaded
        while len(self._cache) > self._cache_items:
            self._cache.popitem(last=False)
        return loaded

    def _load(self, pc: PolicyCapture) -> Loaded | None:
        pointer = RecordPointer(
            file=pc.label or warc_name(pc.path),
            offset=pc.offset,
            record_id=pc.record_id,
            payload_digest=pc.payload_digest,
        )
        try:
            record, payload = read_record_at(pc.path, pc.offset)
        except ValueError as exc:
            self.problems.append(str(exc))
            return None
        if pc.rec_type == "revisit":
            original = self._by_id.get(pc.refers_to) if pc.refers_to else None
            if original is None:
                return None
            base = self.load(original)
            if base is None:
                return None
            status, headers = status_and_headers(record)
            return Loaded(
                status or base.status, headers or base.headers, base.body, pointer, base.pointer
            )
        if pc.rec_type == "resource":
            content_type = record.rec_headers.get_header("Content-Type") or "text/plain"
            return Loaded(200, (("content-type", content_type),), payload, pointer)
        status, headers = status_and_headers(record)
        return Loaded(status, headers, payload, pointer)

    def find(self, page_url: str, page_date: str, kind: PolicyFileKind) -> FoundPolicyFile | None:
        """Return the policy file of ``kind`` for a page, from the first source that has one."""
        return self.find_url(policy_url(page_url, kind), page_date, kind)

    def find_url(
        self, url: str, page_date: str, kind: PolicyFileKind | str
    ) -> FoundPolicyFile | None:
        """Return the located file ``url`` of ``kind`` (an RSL licence, a TDM policy) for a page.

        Same order, window and redirect rule as :meth:`find`; ``url`` is the one robots.txt or
        tdmrep.json named (``PolicyFetch.url`` of the crawler's plan), or a licence or feed
        the page itself names (``kind`` then a name: ``rsl-linked``, ``rsl-feed``).
        """
        name = kind if isinstance(kind, str) else kind.name
        when = parse_warc_date(page_date)
        for source in SOURCE_ORDER:
            pc = self.nearest(url, when, source)
            if pc is None and source in self.extra:
                pc = self.extra[source](url)
            if pc is None:
                continue
            found = self._follow(pc, name, when)
            if found is not None:
                return found
        return None

    def _follow(
        self, pc: PolicyCapture, kind: str, when: datetime | None
    ) -> FoundPolicyFile | None:
        """Read ``pc``, following redirects captured in the same source (RFC 9309 §2.3.1.2)."""
        first = pc
        current = pc
        for _ in range(MAX_REDIRECTS + 1):
            loaded = self.load(current)
            if loaded is None:
                return None
            if 300 <= loaded.status < 400:
                location = _header(loaded.headers, "location")
                target = urljoin(current.url, location) if location else ""
                nxt = self.nearest(target, when, current.source) if target else None
                if nxt is None and target and current.source in self.extra:
                    nxt = self.extra[current.source](target)
                if nxt is None:
                    return None  # the target was not captured: unknown, not "unavailable"
                current = nxt
                continue
            return _found(kind, first, current, loaded, when)
        return None


def _header(headers: Iterable[tuple[str, str]], name: str) -> str:
    for k, v in headers:
        if k.lower() == name:
            return v
    return ""


def _found(
    kind: str,
    first: PolicyCapture,
    final: PolicyCapture,
    loaded: Loaded,
    when: datetime | None,
) -> FoundPolicyFile:
    try:
        body = decode_body(loaded.headers, loaded.body)
    except ContentDecodingError:
        body = loaded.body  # the parser then reads it as garbled: fail closed there
    t = final.when
    distance = int((t - when).total_seconds()) if t is not None and when is not None else 0
    return FoundPolicyFile(
        kind=kind,
        url=first.url,
        status=loaded.status,
        sha256=hashlib.sha256(body).hexdigest(),
        body=body,
        pointer=loaded.pointer,
        original=loaded.original,
        source=final.source,
        fetched_at=final.date,
        final_url=final.url if final is not first else "",
        distance_s=distance,
    )


def file_label(path: str, source: str) -> str:
    """Name an archive in record pointers: ``folder/name`` for a policy archive's files.

    A WARC inside a WACZ is named by its WACZ's label and entry (``folder/robots.wacz#!/archive/
    robots.warc.gz``, :mod:`export.wacz`).
    """
    if wacz.is_member(path):
        container, entry = wacz.split_member(path)
        return file_label(container, source) + wacz.MEMBER_SEP + entry
    parts = path.rstrip("/").rsplit("/", 2)
    if source == "same-archive" or len(parts) < 2:
        return parts[-1]
    return "/".join(parts[-2:])


def scan_all(index: PolicyIndex, paths: Iterable[str], source: Source) -> None:
    """Index every archive of ``paths`` as ``source``."""
    for path in paths:
        index.scan(path, source)


def describe_found(found: Any) -> str:
    """One line on where a found file came from (``explain`` and the card use it)."""
    src = getattr(found, "source", "")
    when = getattr(found, "fetched_at", "")
    return f"{src} capture of {when}" if when else str(src)
