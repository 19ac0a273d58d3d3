"""Which inputs are foreign archives, and the policy files their pages are decided with (issue 14).

A file is foreign when its ``warcinfo`` does not name clearcrawl as its software
(:func:`archive_info`); :func:`build_context` indexes the policy files of every foreign input
and of the policy archives (:class:`export.policyarchive.PolicyIndex`), and
:class:`ForeignContext` hands each foreign page the ones that apply, resolving revisits by
payload digest (WARC 1.1 §6.7.2).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from export.digests import digest_matches
from export.foreignprefetch import policy_kinds
from export.manifest import RecordPointer
from export.policyarchive import FoundPolicyFile, PolicyIndex, kind_of_url, parse_warc_date
from export.warcread import Capture, read_record_at, read_warcinfo, warc_name
from export.warcsource import package_line

#: Foreign responses remembered by payload digest (revisits refer back to recent ones).
DIGEST_MEMORY = 100_000

#: What clearcrawl's WARC writer puts first in its ``warcinfo`` ``software`` field.
CLEARCRAWL_SOFTWARE = "clearcrawl/"


@dataclass(frozen=True, slots=True)
class ArchiveInfo:
    """One input archive's provenance, from its ``warcinfo`` (WARC 1.1 §6.2)."""

    file: str
    software: str
    collection: str
    warc_format: str
    operator: str = ""
    description: str = ""
    #: for a WARC inside a WACZ, the WACZ and what its ``datapackage.json`` says of it
    #: (:func:`export.warcsource.package_line`); "" otherwise
    package: str = ""

    @property
    def clearcrawl(self) -> bool:
        return self.software.startswith(CLEARCRAWL_SOFTWARE)

    def to_json(self) -> dict[str, str]:
        return {
            "file": self.file,
            "software": self.software,
            "collection": self.collection,
            "format": self.warc_format,
            "operator": self.operator,
            "description": self.description,
            **({"package": self.package} if self.package else {}),
        }


def archive_info(path: str) -> ArchiveInfo:
    """Read an archive's provenance; a file without ``warcinfo`` gets empty fields.

    ``collection`` is ``isPartOf`` (Common Crawl: ``CC-MAIN-2020-34``); ``warc_format`` is the
    ``format`` field, else what the file name says (an ARC file has no WARC version).
    """
    info = read_warcinfo(path)
    name = warc_name(path)
    fmt = info.get("format", "")
    if not fmt and name.endswith((".arc", ".arc.gz")):
        fmt = "ARC"
    return ArchiveInfo(
        file=name,
        software=info.get("software", ""),
        collection=info.get("isPartOf", "") or info.get("ispartof", ""),
        warc_format=fmt,
        operator=info.get("operator", ""),
        description=info.get("description", ""),
        package=package_line(path),
    )


@dataclass
class ForeignContext:
    """The parent's state for foreign archives: their provenance and the policy-file index."""

    index: PolicyIndex
    infos: dict[str, ArchiveInfo] = field(default_factory=dict)
    #: kinds missing → pages, and sources used → count (the card's provenance section)
    missing: dict[str, int] = field(default_factory=dict)
    sources_used: dict[str, int] = field(default_factory=dict)
    foreign_pages: int = 0
    policy_captures: int = 0
    policy_archives: list[str] = field(default_factory=list)
    fetcher: Any = None
    #: payload digest → (file, offset) of recent foreign responses, for revisits that name no
    #: record (WARC 1.0 revisits often give only the digest and the original's URI and date)
    digests: OrderedDict[str, tuple[str, int]] = field(default_factory=OrderedDict)
    _located: OrderedDict[tuple[Any, ...], tuple[str, ...]] = field(default_factory=OrderedDict)
    #: earliest and latest capture time of the policy files used (ISO 8601, UTC)
    captured: list[str] = field(default_factory=lambda: ["", ""])
    #: keep the page :meth:`_page_named` parsed on the capture (``Capture.parsed_page``): true
    #: only when the decision runs in this process (``export --workers 1``)
    keep_parsed: bool = False

    def remember(self, capture: Capture, path: str) -> None:
        """Index a response of a file this shard does not decide (see ``export.shard``)."""
        if capture.record_type == "response" and kind_of_url(capture.url) is None:
            self._revisit(capture, path)

    def _revisit(self, capture: Capture, path: str) -> None:
        """Remember a response's payload digest; resolve a revisit that names no record by it.

        The same payload digest means the same bytes (WARC 1.1 §6.7.2, "identical payload
        digest"); the record found is read back and its payload checked against the digest.
        """
        digest = capture.payload_digest
        if not digest:
            return
        if capture.record_type == "response" and capture.body:
            self.digests[digest] = (path, capture.offset)
            self.digests.move_to_end(digest)
            while len(self.digests) > DIGEST_MEMORY:
                self.digests.popitem(last=False)
            return
        if capture.record_type != "revisit" or capture.payload_from is not None:
            return
        hit = self.digests.get(digest)
        if hit is None:
            return
        try:
            record, payload = read_record_at(hit[0], hit[1])
        except ValueError:
            return
        if record.rec_type != "response" or not digest_matches(payload, digest):
            return
        capture.body = payload
        capture.payload_from = RecordPointer(
            file=warc_name(hit[0]),
            offset=hit[1],
            record_id=record.rec_headers.get_header("WARC-Record-ID") or "",
            payload_digest=digest,
        )
        capture.problems = [p for p in capture.problems if not p.startswith("revisit of")]

    def summary(self) -> dict[str, Any]:
        """Say what the card, ``export-info.json`` and the report tell about foreign inputs."""
        archives = [i.to_json() for i in self.infos.values() if not i.clearcrawl]
        fetched = getattr(self.fetcher, "summary", None)
        return {
            "archives": sorted(archives, key=lambda a: a["file"]),
            "clearcrawl_files": sum(1 for i in self.infos.values() if i.clearcrawl),
            "pages": self.foreign_pages,
            "policy_file_captures": self.policy_captures,
            "policy_window_days": self.index.window_days,
            "policy_archives": self.policy_archives,
            "policy_files_found_in": dict(sorted(self.sources_used.items())),
            "policy_files_captured": {"first": self.captured[0], "last": self.captured[1]},
            "policy_files_missing": dict(sorted(self.missing.items())),
            "fetched_at_export": fetched() if callable(fetched) else None,
            "index_problems": self.index.problems[:50],
        }

    def is_foreign(self, path: str) -> bool:
        name = warc_name(path)
        info = self.infos.get(name)
        return info is not None and not info.clearcrawl

    def prepare(self, capture: Capture, path: str) -> tuple[FoundPolicyFile, ...] | None:
        """Mark a capture of a foreign file and find its policy files (None: a policy file).

        A capture of a policy-file URL is evidence, not a page: it is indexed, not emitted.
        """
        info = self.infos.get(capture.warc_file)
        if info is None or info.clearcrawl or not capture.record_type:
            return ()
        if kind_of_url(capture.url) is not None:
            self.policy_captures += 1
            return None
        capture.foreign = True
        capture.source_info = info.to_json()
        self.foreign_pages += 1
        if not capture.is_web_page:
            return ()  # a dns:/whois: record: excluded as not a web page, no policy file asked
        self._revisit(capture, path)
        found: list[FoundPolicyFile] = []
        for kind, hit in (*self._fixed_then_located(capture), *self._page_named(capture)):
            if hit is None:
                self.missing[kind.name] = self.missing.get(kind.name, 0) + 1
            else:
                found.append(hit)
                self.sources_used[hit.source] = self.sources_used.get(hit.source, 0) + 1
                when = parse_warc_date(hit.fetched_at)
                if when is not None:
                    stamp = when.isoformat()
                    self.captured[0] = min(self.captured[0] or stamp, stamp)
                    self.captured[1] = max(self.captured[1], stamp)
        return tuple(found)

    def _fixed_then_located(self, capture: Capture) -> list[tuple[Any, FoundPolicyFile | None]]:
        """Find the fixed-path files, then each file they name (RSL licences, TDM policies).

        A located kind (``follows``: RSL 1.0 §4.4 ``License:`` in robots.txt, TDMRep
        ``tdm-policy`` in tdmrep.json) is looked up by every URL the found file names, without
        robots gating (the plan gates it again with the crawl's tokens); a file that names
        nothing adds nothing.
        """
        kinds = policy_kinds()
        out: list[tuple[Any, FoundPolicyFile | None]] = []
        by_kind: dict[str, FoundPolicyFile] = {}
        for kind in kinds:
            if not kind.path:
                continue
            hit = self.index.find(capture.url, capture.date, kind)
            out.append((kind, hit))
            if hit is not None:
                by_kind[kind.name] = hit
        for kind in kinds:
            if kind.path or not kind.follows or kind.locate_from is None:
                continue
            named = by_kind.get(kind.follows)
            if named is None:
                continue
            out.extend(
                (kind, self.index.find_url(url, capture.date, kind))
                for url in self._located_urls(kind, named, capture.url)
            )
        return out

    def _page_named(self, capture: Capture) -> list[tuple[Any, FoundPolicyFile | None]]:
        """Find the RSL licences and feeds the page itself names (RSL 1.0 §4.5-§4.7).

        Only a page whose ``Link`` header or bytes mention an RSL or feed media type is parsed
        here (a worker process parses it again to decide; in-process, with :attr:`keep_parsed`,
        the decision reuses this parse). A licence found nowhere is left out: the
        page stage then fails closed (``rsl-unavailable:linked-licence-not-fetched``, the
        link as evidence); a feed found nowhere says nothing, as at crawl time
        (:mod:`crawler.middlewares.rsllinks`: ``rel="alternate"`` claims no licence).
        """
        from export.derive import parse_http_page
        from filters.rsl import linked_urls
        from filters.rsl.feed import KIND as FEED_KIND
        from filters.rsl.feed import feed_links
        from filters.rsl.policy import LINKED_KIND

        links = " ".join(v for k, v in capture.headers if k.lower() == "link").lower()
        body = capture.body or b""
        if "rsl" not in links and not (
            PAGE_RSL_HINT_PART in body and any(t in body for t in PAGE_RSL_HINTS)
        ):
            return []
        try:
            page = parse_http_page(capture.url, capture.headers, body, capture.status)
            named = [(LINKED_KIND, u) for u in linked_urls(page)]
            named += [(FEED_KIND, u) for u in feed_links(page)]
        except Exception:  # noqa: BLE001 - unreadable here: the worker fails closed on it
            return []
        if self.keep_parsed:
            capture.parsed_page = page
        out: list[tuple[Any, FoundPolicyFile | None]] = []
        from filters.prefetch import origin_base

        base = origin_base(capture.url)
        for kind, url in dict.fromkeys(named):
            if origin_base(url) != base:
                continue  # the crawl reads only same-origin ones (crawler.middlewares.rsllinks)
            hit = self.index.find_url(url, capture.date, kind)
            if hit is not None:
                out.append((_Named(kind), hit))
        return out

    def _located_urls(self, kind: Any, named: FoundPolicyFile, page_url: str) -> tuple[str, ...]:
        """Return the URLs ``named`` (robots.txt, tdmrep.json) names for ``kind`` (memoised)."""
        from filters.prefetch import origin_base, policy_file_kind

        base = origin_base(page_url)
        key = (kind.name, base, named.sha256, named.status, named.url)
        hit = self._located.get(key)
        if hit is not None:
            self._located.move_to_end(key)
            return hit
        parent = policy_file_kind(kind.follows)
        try:
            policy = parent.from_fetch(
                named.url,
                named.status,
                named.body,
                named.fetched_at,
                final_url=named.final_url,
                error="",
            )
            urls = tuple(kind.locate_from(policy, base)[0])
        except Exception:  # noqa: BLE001 - the plan parses it again and fails closed there
            urls = ()
        self._located[key] = urls
        while len(self._located) > DIGEST_MEMORY // 10:
            self._located.popitem(last=False)
        return urls


@dataclass(frozen=True, slots=True)
class _Named:
    """A page-named policy-file kind (``rsl-linked``, ``rsl-feed``), for the counts."""

    name: str


#: Byte strings that make a page worth parsing for the licences and feeds it names.
PAGE_RSL_HINTS = (b"application/rsl+xml", b"rss+xml", b"atom+xml")
#: What every hint holds: one search of the body for it rules out most pages (3x faster).
PAGE_RSL_HINT_PART = b"+xml"


def build_context(
    sources: Sequence[str],
    infos: dict[str, ArchiveInfo],
    policy_warcs: Sequence[Any],
    window_days: int,
    fetcher: Any = None,
) -> ForeignContext | None:
    """Index the policy files of every foreign input and of the policy archives.

    ``sources`` are *all* inputs (a shard scans every file, so each page finds the same
    policy files as in a single export). None when no input is foreign.
    """
    from export.warcread import list_sources

    foreign = [p for p in sources if not infos[warc_name(p)].clearcrawl]
    if not foreign:
        return None
    index = PolicyIndex(window_days=window_days)
    for path in foreign:
        index.scan(path, "same-archive")
    policy_paths = list_sources([str(p) for p in policy_warcs]) if policy_warcs else []
    for path in policy_paths:
        index.scan(path, "policy-archive")
    if fetcher is not None:
        index.extra["fetched-at-export"] = fetcher.capture_for
    ctx = ForeignContext(index, dict(infos))
    ctx.policy_archives = [warc_name(p) for p in policy_paths]
    ctx.fetcher = fetcher
    return ctx
