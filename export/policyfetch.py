"""``--fetch-policies``: fetch, at export time, the policy files no archive holds (issue 14).

Only on request: the export otherwise never touches the network. Each file is fetched once per
export, archived as a WARC 1.1 ``response`` record (gzip per record) in
``DATASET_DIR/policy-fetched/clearcrawl-policies-<UTC time>.warc.gz`` beside the dataset, and
handed to :class:`export.policyarchive.PolicyIndex` as source ``fetched-at-export``: every
manifest entry that relied on it says it was fetched when the export ran, not when the page was
captured (what a site says today may differ from what it said then). A fetch that fails gives
no file, so the page is decided as if none were found (``policy-file-unknown``: fail closed).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from export.policyarchive import PolicyCapture
from export.version import __version__
from filters.prefetch import POLICY_FILE_READ_BYTES

FOLDER = "policy-fetched"
TIMEOUT_S = 20


class PolicyFetcher:
    """Fetch policy-file URLs (once each) and archive what came back."""

    def __init__(self, out: str | Path, *, user_agent: str = "") -> None:
        self.folder = Path(out) / FOLDER
        self.user_agent = user_agent or f"clearcrawl/{__version__} (export --fetch-policies)"
        self.path: Path | None = None
        self._fh: Any = None
        self._writer: WARCWriter | None = None
        self._done: dict[str, PolicyCapture | None] = {}
        self.fetched = 0
        self.failed: list[str] = []

    def _open(self) -> WARCWriter:
        if self._writer is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
            self.path = self.folder / f"clearcrawl-policies-{stamp}.warc.gz"
            self._fh = self.path.open("ab")
            self._writer = WARCWriter(self._fh, gzip=True, warc_version="WARC/1.1")
            info = self._writer.create_warcinfo_record(
                self.path.name,
                {
                    "software": f"clearcrawl/{__version__} (export --fetch-policies)",
                    "format": "WARC File Format 1.1",
                    "description": "site policy files fetched at export time, not capture time",
                },
            )
            self._writer.write_record(info)
            self._fh.flush()
        return self._writer

    def capture_for(self, url: str) -> PolicyCapture | None:
        """Fetch ``url`` now (first call only), archive it, and return where it is."""
        if url in self._done:
            return self._done[url]
        result = self._fetch(url)
        self._done[url] = result
        return result

    def _fetch(self, url: str) -> PolicyCapture | None:
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as resp:  # noqa: S310
                status, headers = resp.status, list(resp.headers.items())
                body = resp.read(POLICY_FILE_READ_BYTES)
                final = resp.geturl()
        except urllib.error.HTTPError as exc:
            status, headers, final = exc.code, list(exc.headers.items()), exc.geturl() or url
            body = exc.read(POLICY_FILE_READ_BYTES)
        except (OSError, ValueError) as exc:
            self.failed.append(f"{url}: {exc!s:.120}")
            return None
        writer = self._open()
        date = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        http = StatusAndHeaders(
            f"{status} -",
            [(k, v) for k, v in headers if k.lower() not in ("transfer-encoding",)],
            protocol="HTTP/1.1",
        )
        record = writer.create_warc_record(
            final,
            "response",
            payload=BytesIO(body),
            http_headers=http,
            warc_headers_dict={"WARC-Date": date},
        )
        offset = self._fh.tell()
        writer.write_record(record)
        self._fh.flush()
        self.fetched += 1
        h = record.rec_headers
        assert self.path is not None  # noqa: S101
        return PolicyCapture(
            url=final,
            date=date,
            path=str(self.path),
            offset=offset,
            record_id=h.get_header("WARC-Record-ID") or "",
            rec_type="response",
            refers_to="",
            payload_digest=h.get_header("WARC-Payload-Digest") or "",
            source="fetched-at-export",
            label=f"{FOLDER}/{self.path.name}",
        )

    def summary(self) -> dict[str, Any]:
        """Say what was fetched, where it is archived, and what failed."""
        return {
            "warc": f"{FOLDER}/{self.path.name}" if self.path is not None else None,
            "fetched": self.fetched,
            "failed": self.failed[:50],
        }

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
