"""Read WARC files straight from ``s3://bucket/prefix`` for the export.

:func:`list_s3_warcs` lists the ``*.warc.gz`` / ``*.warc`` objects under the prefix (sorted by
key, as local files are sorted by name). :func:`open_s3` returns a read-only, seekable binary
stream over one object: sequential reads stream one ``GET`` (memory stays flat for a 1 GB WARC);
``seek`` — used to reopen a single record at a manifest offset — starts a ranged ``GET`` there.
A connection that drops mid-stream is reopened with a ``Range`` from the current position, a
bounded number of times. When the whole object has been read sequentially, its sha256 is checked
against the ``sha256`` user metadata clearcrawl's uploader stored, so a corrupted copy fails
loudly instead of feeding the dataset.

The endpoint comes from ``CLEARCRAWL_S3_ENDPOINT_URL``, else boto3's own ``AWS_ENDPOINT_URL``/
``AWS_ENDPOINT_URL_S3``; region and credentials from boto3's usual chain.
"""

from __future__ import annotations

import hashlib
import io
import logging
from typing import Any

from export.errors import SourceError
from export.objectstore import S3Config, endpoint_from_env, error_code, make_client, parse_s3_url
from export.seekable import SeekableReader

logger = logging.getLogger(__name__)

_REOPEN_ATTEMPTS = 5
WARC_SUFFIXES = (".warc.gz", ".warc", ".wacz")


def _client() -> Any:
    return make_client(S3Config(endpoint_url=endpoint_from_env()))


def _source_error(message: str) -> Exception:
    return SourceError(message)


def list_s3_warcs(url: str, *, client: Any = None) -> list[str]:
    """Return sorted ``s3://bucket/key`` URLs of the WARC files under ``url``."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        loc = parse_s3_url(url)
    except ValueError as exc:
        raise _source_error(str(exc)) from exc
    s3 = client if client is not None else _client()
    prefix = loc.prefix + "/" if loc.prefix else ""
    keys: list[str] = []
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=loc.bucket, Prefix=prefix):
            keys.extend(
                obj["Key"] for obj in page.get("Contents", []) if obj["Key"].endswith(WARC_SUFFIXES)
            )
    except ClientError as exc:
        raise _source_error(f"cannot list {url}: {error_code(exc) or exc}") from exc
    except BotoCoreError as exc:
        raise _source_error(f"cannot list {url}: {exc}") from exc
    if not keys:
        raise _source_error(f"no WARC files (*.warc.gz, *.warc or *.wacz) under {url}")
    return [f"s3://{loc.bucket}/{k}" for k in sorted(keys)]


class S3ObjectReader(SeekableReader):
    """Seekable, read-only stream over one S3 object (see the module docstring)."""

    def __init__(self, client: Any, bucket: str, key: str) -> None:
        head = client.head_object(Bucket=bucket, Key=key)
        super().__init__(int(head["ContentLength"]))
        self._s3 = client
        self.bucket = bucket
        self.key = key
        meta = {k.lower(): v for k, v in (head.get("Metadata") or {}).items()}
        self.expected_sha256: str | None = meta.get("sha256")
        self._body: Any = None
        self._sha = hashlib.sha256()
        self._hashed_upto = 0  # sequential prefix covered by _sha

    def _moved(self, new: int) -> None:
        self._close_body()  # the open GET streams from the old position

    def _open_body(self) -> None:
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": self.key}
        if self._pos:
            kwargs["Range"] = f"bytes={self._pos}-"
        self._body = self._s3.get_object(**kwargs)["Body"]

    def _close_body(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None

    def readinto(self, buffer: Any) -> int:
        from botocore.exceptions import BotoCoreError

        if self._pos >= self.size:
            return 0
        want = len(buffer)
        for attempt in range(1, _REOPEN_ATTEMPTS + 1):
            try:
                if self._body is None:
                    self._open_body()
                data = self._body.read(want)
                break
            except (BotoCoreError, OSError) as exc:
                self._close_body()
                if attempt == _REOPEN_ATTEMPTS:
                    raise OSError(f"reading s3://{self.bucket}/{self.key} failed: {exc}") from exc
                logger.warning(
                    "s3://%s/%s: %s; reopening at byte %d", self.bucket, self.key, exc, self._pos
                )
        n = len(data)
        if n == 0 and self._pos < self.size:
            raise OSError(f"s3://{self.bucket}/{self.key} ended at byte {self._pos} of {self.size}")
        buffer[:n] = data
        if self._pos == self._hashed_upto:
            self._sha.update(data)
            self._hashed_upto += n
        self._pos += n
        if self._hashed_upto == self.size and self.expected_sha256:
            actual = self._sha.hexdigest()
            if actual != self.expected_sha256:
                raise OSError(
                    f"s3://{self.bucket}/{self.key}: sha256 {actual} does not match the "
                    f"uploaded file's {self.expected_sha256}; the stored copy is damaged"
                )
        return n

    def close(self) -> None:
        self._close_body()
        super().close()


def open_s3(url: str, *, client: Any = None) -> io.BufferedReader:
    """Open ``s3://bucket/key`` as a buffered, seekable binary stream."""
    from botocore.exceptions import BotoCoreError, ClientError

    loc = parse_s3_url(url)
    if not loc.prefix:
        raise _source_error(f"{url} names a bucket, not a WARC object")
    s3 = client if client is not None else _client()
    try:
        raw = S3ObjectReader(s3, loc.bucket, loc.prefix)
    except ClientError as exc:
        raise _source_error(f"cannot open {url}: {error_code(exc) or exc}") from exc
    except BotoCoreError as exc:
        raise _source_error(f"cannot open {url}: {exc}") from exc
    return io.BufferedReader(raw, buffer_size=1 << 20)
