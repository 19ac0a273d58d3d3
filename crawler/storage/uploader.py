"""Background uploads of closed WARC files, off the Scrapy thread, with retries.

One worker thread takes closed WARCs from a queue and, for each, uploads the WARC and its
companions (CDXJ index, WACZ) through :class:`~crawler.storage.s3.S3Store`. Local copies are
deleted only once *every* object of the set is verified (HEAD: size + sha256); the ``NAME.urls``
ledger always stays, because ``--resume`` needs it after the WARC is gone.

Transient failures (connection refused, timeouts, 5xx, throttling) are retried with capped
exponential backoff for up to ``retry_s`` seconds — long enough to ride out a store restart —
on top of botocore's own per-request retries. Permanent ones (a different object at the key,
bad credentials, no bucket) fail at once. A failed file stays on disk and is reported; the next
crawl run in the same folder queues it again.

Every verified object gets a line in ``DIR/s3-uploads.jsonl`` (URI, size, sha256, ETag, version,
checksums): the provenance a reviewer needs to trust the remote copy.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crawler.storage.s3 import S3Store, UploadResult, is_transient, sha256_file

logger = logging.getLogger(__name__)

_STOP = object()


def companions(warc: Path) -> list[Path]:
    """Files uploaded (and deleted) together with ``warc``: its CDXJ index and WACZ package."""
    stem = warc.name.removesuffix(".warc.gz")
    return [
        p for p in (warc.with_name(stem + ".cdxj"), warc.with_name(stem + ".wacz")) if p.exists()
    ]


class WarcUploader:
    """Upload closed WARCs in a worker thread; ``close(timeout_s)`` waits for what is queued."""

    def __init__(
        self,
        store: S3Store,
        *,
        log_path: Path | None = None,
        retry_s: float = 900.0,
        delete_local: bool = True,
        inc_stat: Callable[[str, int], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.log_path = log_path
        self.retry_s = retry_s
        self.delete_local = delete_local
        self._inc = inc_stat or (lambda name, n: None)
        self._sleep = sleep
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="clearcrawl-s3", daemon=True)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.uploaded: list[UploadResult] = []
        self.failed: dict[str, str] = {}
        self.pending: set[str] = set()

    @property
    def started(self) -> bool:
        return self._thread.ident is not None

    def start(self) -> WarcUploader:
        self._thread.start()
        return self

    def submit(self, warc: Path) -> None:
        with self._lock:
            if str(warc) in self.pending:
                return
            self.pending.add(str(warc))
        self._queue.put(warc)

    def close(self, timeout_s: float) -> bool:
        """Stop after the queue drains; wait at most ``timeout_s``. True if all done."""
        self._queue.put(_STOP)
        self._thread.join(timeout=max(timeout_s, 0.0))
        if self._thread.is_alive():
            self._stopping.set()  # the retry loop gives up at its next wait
            logger.warning(
                "S3 upload still running after %.0f s; %d file(s) not verified stay local: %s",
                timeout_s,
                len(self.pending),
                ", ".join(sorted(self.pending)),
            )
            return False
        return not self.failed and not self.pending

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            warc: Path = item
            try:
                self._upload_set(warc)
            except Exception as exc:  # noqa: BLE001 - any failure keeps the file local
                self.failed[str(warc)] = f"{type(exc).__name__}: {exc}"
                self._inc("clearcrawl/s3/failed", 1)
                logger.error(  # the operator must act: files stay local
                    "Upload of %s failed (%s: %s); it stays in %s and is retried on the next run",
                    warc.name,
                    type(exc).__name__,
                    exc,
                    warc.parent,
                )
            finally:
                with self._lock:
                    self.pending.discard(str(warc))

    def _upload_set(self, warc: Path) -> None:
        files = [warc, *companions(warc)]
        results = [self._upload_with_retry(p) for p in files]
        for r in results:
            self._record(r)
        if self.delete_local:
            for p in files:
                p.unlink(missing_ok=True)
            self._inc("clearcrawl/s3/local_deleted", 1)

    def _upload_with_retry(self, path: Path) -> UploadResult:
        digest = sha256_file(path)
        deadline = time.monotonic() + self.retry_s
        delay = 1.0
        attempt = 0
        while True:
            attempt += 1
            try:
                result = self.store.upload(path, sha256=digest)
            except Exception as exc:
                if not is_transient(exc):
                    raise
                if time.monotonic() + delay > deadline or self._stopping.is_set():
                    raise
                self._inc("clearcrawl/s3/retries", 1)
                logger.warning(
                    "Upload of %s failed (attempt %d: %s); retrying in %.0f s",
                    path.name,
                    attempt,
                    type(exc).__name__,
                    delay,
                )
                self._sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            if result.already_present:
                self._inc("clearcrawl/s3/already_present", 1)
            self._inc("clearcrawl/s3/uploaded", 1)
            self._inc("clearcrawl/s3/bytes", result.size)
            return result

    def _record(self, result: UploadResult) -> None:
        self.uploaded.append(result)
        if self.log_path is not None:
            with self.log_path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(result.to_json(), sort_keys=True) + "\n")
