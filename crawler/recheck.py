"""``clearcrawl recheck``: whether every record of a published dataset is still consented to.

Publishers change their minds: a site that allowed AI training when it was crawled may add a
``Disallow`` for an AI crawler, a TDMRep reservation or an ``ai.txt`` refusal later. For every
origin of a dataset's exported records this fetches the origin's *current* policy files with the
same sans-I/O plan the crawl's pre-fetch gate and ``check`` use (:class:`filters.prefetch.
PrefetchPlan`: robots.txt first, then what robots.txt lets the crawler read), archives each
response in a new WARC beside the dataset (``DATASET/recheck/recheck-<time>.warc.gz``, WARC 1.1
``response`` records, so the new evidence is as provable as the old), and re-evaluates every
record's URL with :func:`filters.prefetch.fetch_permission` for the tokens the dataset was
decided with (``export-info.json``). A record whose URL would be refused today is *withdrawn*:
the report lists it with the old evidence (the manifest's policy files, digests and fetch
times, and its robots verdict) beside the new (the reasons, the new files' digests, fetch times
and WARC pointers, and the signals that now refuse). Nothing else is requested: pages are not
re-fetched, and a policy file the new robots.txt forbids is not read.

Fail closed: a policy file that cannot be fetched now (no answer, 5xx) makes its origin refused
(RFC 9309 §2.3.1.4: an unreachable robots.txt means "disallow all"), so its records are listed
as withdrawn with that reason — a consent that cannot be confirmed is not assumed.

With ``--out`` a new dataset version without the withdrawn records is written
(:func:`export.revise.write_revision`), with a changelog in its card.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler import __version__
from crawler.exchange import iso, utc_now
from crawler.livecheck import Fetched, fetch
from export.jsonl import iter_lines
from filters.prefetch import (
    FetchResult,
    OriginPolicies,
    PrefetchPlan,
    fetch_permission,
    origin_base,
)
from filters.results import to_jsonable

logger = logging.getLogger(__name__)

#: Where a recheck leaves its WARC and report, inside the dataset folder.
RECHECK_DIR = "recheck"
REPORT_SCHEMA = "clearcrawl.recheck/1"
_HOP_BY_HOP = frozenset({"transfer-encoding", "connection", "keep-alive"})


@dataclass(slots=True)
class ArchivedFetch:
    """A policy file fetched by the recheck and where its response record was written."""

    kind: str
    url: str
    status: int
    sha256: str
    fetched_at: str
    error: str = ""
    warc_file: str = ""
    offset: int = -1
    record_id: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "url": self.url,
            "status": self.status,
            "sha256": self.sha256,
            "fetched_at": self.fetched_at,
        }
        if self.error:
            out["error"] = self.error
        if self.warc_file:
            out["archived"] = self.pointer()
        return out

    def pointer(self) -> dict[str, Any]:
        """Where the response record is: WARC file (relative to the dataset), offset, record id."""
        return {"file": self.warc_file, "offset": self.offset, "record_id": self.record_id}


@dataclass(slots=True)
class RecheckResult:
    """What a recheck found: the withdrawn records, and what it fetched."""

    checked_at: str
    records: int = 0
    origins: int = 0
    withdrawn: list[dict[str, Any]] = field(default_factory=list)
    unchanged_files_changed: int = 0
    fetched: list[ArchivedFetch] = field(default_factory=list)
    warc: str = ""
    report: str = ""

    def summary(self) -> dict[str, Any]:
        by_reason: dict[str, int] = {}
        for w in self.withdrawn:
            for r in w["new"]["reasons"]:
                by_reason[r] = by_reason.get(r, 0) + 1
        return {
            "schema": REPORT_SCHEMA,
            "checked_at": self.checked_at,
            "clearcrawl_version": __version__,
            "records": self.records,
            "origins": self.origins,
            "withdrawn": len(self.withdrawn),
            "withdrawn_by_reason": dict(sorted(by_reason.items())),
            "still_allowed_with_changed_policy_files": self.unchanged_files_changed,
            "policy_files_fetched": [f.to_json() for f in self.fetched],
            "warc": self.warc,
        }


class _Archive:
    """A WARC 1.1 file of the recheck's responses (warcio, one gzip member per record)."""

    def __init__(self, path: Path, *, user_agent: str) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = path.open("wb")
        self._writer = WARCWriter(self._fh, gzip=True, warc_version="WARC/1.1")
        info = self._writer.create_warcinfo_record(
            path.name,
            {
                "software": f"clearcrawl/{__version__} recheck",
                "format": "WARC File Format 1.1",
                "http-header-user-agent": user_agent,
                "description": "policy files re-fetched by clearcrawl recheck",
            },
        )
        self._writer.write_record(info)

    def write(self, fetched: Fetched) -> tuple[int, str]:
        """Write one response record; return its offset and WARC-Record-ID."""
        headers = [(k, v) for k, v in fetched.headers if k.lower() not in _HOP_BY_HOP]
        http = StatusAndHeaders(f"{fetched.status} -", headers, protocol="HTTP/1.1")
        record = self._writer.create_warc_record(
            fetched.url,
            "response",
            payload=BytesIO(fetched.body),
            length=len(fetched.body),
            http_headers=http,
            warc_headers_dict={"WARC-Date": fetched.fetched_at},
        )
        offset = self._fh.tell()
        self._writer.write_record(record)
        return offset, str(record.rec_headers.get_header("WARC-Record-ID"))

    def close(self) -> None:
        self._fh.close()


def exported_entries(dataset: Path) -> Iterable[dict[str, Any]]:
    """Stream the dataset's exported records (``manifest.jsonl.gz``)."""
    for line in iter_lines(dataset / "manifest.jsonl.gz"):
        if line.strip():
            yield json.loads(line)


def dataset_tokens(dataset: Path) -> tuple[str, ...] | None:
    """Return the honoured tokens the dataset was decided with (``export-info.json``), if recorded."""
    try:
        info = json.loads((dataset / "export-info.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    tokens = info.get("tokens") if isinstance(info, dict) else None
    if isinstance(tokens, list) and tokens and all(isinstance(t, str) for t in tokens):
        return tuple(tokens)
    return None


def _old_evidence(entry: dict[str, Any]) -> dict[str, Any]:
    robots = entry.get("robots") or {}
    return {
        "crawled_at": entry.get("crawl_date"),
        "policy_files": [
            {
                k: f.get(k)
                for k in ("kind", "url", "status", "sha256", "fetched_at", "archived")
                if f.get(k) is not None
            }
            for f in entry.get("policy_files") or []
        ],
        "robots": robots.get("recheck_evidence") or robots.get("evidence") or [],
    }


def _new_evidence(permission: Any, archived: dict[str, ArchivedFetch]) -> dict[str, Any]:
    files = []
    for ref in permission.policy_files:
        rec = archived.get(ref.url)
        item: dict[str, Any] = {
            "kind": ref.kind,
            "url": ref.url,
            "status": ref.status,
            "sha256": ref.sha256,
            "fetched_at": ref.fetched_at,
        }
        if ref.error:
            item["error"] = ref.error
        if rec is not None and rec.warc_file:
            item["archived"] = rec.pointer()
        files.append(item)
    refusing = [s for s in permission.optout if s.reserved]
    return {
        "reasons": list(permission.reasons),
        "policy_files": files,
        "robots": to_jsonable(permission.robots.evidence) if permission.robots else [],
        "signals": to_jsonable(refusing),
    }


def recheck_dataset(
    dataset: Path,
    *,
    user_agent: str,
    tokens: Sequence[str],
    progress: Any = None,
) -> RecheckResult:
    """Re-fetch every origin's policy files, archive them, and list the withdrawn records."""
    checked_at = iso(utc_now())
    stamp = checked_at.replace("-", "").replace(":", "").split(".")[0].rstrip("Z")
    out_dir = dataset / RECHECK_DIR
    warc_path = out_dir / f"recheck-{stamp}.warc.gz"
    result = RecheckResult(checked_at=checked_at, warc=f"{RECHECK_DIR}/{warc_path.name}")
    archive = _Archive(warc_path, user_agent=user_agent)
    policies: dict[str, OriginPolicies] = {}
    archived: dict[str, ArchivedFetch] = {}
    try:
        for entry in exported_entries(dataset):
            url = str(entry.get("url") or "")
            if not url:
                continue
            result.records += 1
            base = origin_base(url)
            if base not in policies:
                policies[base] = _fetch_origin(base, tokens, user_agent, archive, archived, result)
                result.origins += 1
                if progress is not None:
                    progress(result.origins, base)
            permission = fetch_permission(policies[base], url, tokens)
            old_digests = {
                (f.get("kind"), f.get("sha256")) for f in entry.get("policy_files") or []
            }
            new_digests = {(r.kind, r.sha256) for r in permission.policy_files}
            if permission.allowed:
                if old_digests != new_digests:
                    result.unchanged_files_changed += 1
                continue
            result.withdrawn.append(
                {
                    "id": entry.get("id"),
                    "url": url,
                    "license": (entry.get("license") or {}).get("spdx"),
                    "old": _old_evidence(entry),
                    "new": _new_evidence(permission, archived),
                }
            )
    finally:
        archive.close()
    report = out_dir / f"recheck-{stamp}.json"
    body = {**result.summary(), "withdrawn_records": result.withdrawn}
    report.write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    result.report = f"{RECHECK_DIR}/{report.name}"
    return result


def _fetch_origin(
    base: str,
    tokens: Sequence[str],
    user_agent: str,
    archive: _Archive,
    archived: dict[str, ArchivedFetch],
    result: RecheckResult,
) -> OriginPolicies:
    plan = PrefetchPlan(base, tokens)
    for job in plan:
        got = fetch(job.url, user_agent=user_agent, max_bytes=job.kind.read_bytes)
        item = ArchivedFetch(
            kind=job.kind.name,
            url=job.url,
            status=got.status,
            sha256=hashlib.sha256(got.body).hexdigest(),
            fetched_at=got.fetched_at,
            error=got.error,
        )
        if got.status:
            item.offset, item.record_id = archive.write(got)
            item.warc_file = f"{RECHECK_DIR}/{archive.path.name}"
        archived[job.url] = item
        result.fetched.append(item)
        plan.accept(
            job,
            FetchResult(
                got.status,
                got.body,
                got.fetched_at,
                final_url=got.url,
                error=got.error,
                headers=tuple(got.headers),
            ),
        )
    return plan.result()
