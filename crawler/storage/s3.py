"""Upload closed WARC files (and their indexes) to S3 or an S3-compatible store, verifiably.

Rules (S3 user guide: conditional writes,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html; checksums,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html):

* one deterministic key per file: ``PREFIX/NAME``;
* **never overwrite**: HEAD first — an identical object (same size and ``x-amz-meta-sha256``)
  counts as uploaded, a different one is a :class:`ObjectConflict`; the write itself is
  create-only (``If-None-Match: *`` on ``PutObject`` and ``CompleteMultipartUpload``, injected
  through botocore's parameter hook because ``upload_file`` does not accept it), so a writer
  racing us at the same key cannot be overwritten either;
* integrity: sha256 of the local file, computed before uploading, stored as user metadata
  (multipart SHA256 checksums are composite, see "checksums" above, so they cannot be compared with a file hash);
  per-part transport checksums (CRC32 by default) are verified by S3 on receipt; after the
  upload a HEAD must show the same size and sha256, else :class:`VerificationError`;
* multipart through boto3's ``TransferConfig`` (64 MiB parts by default: 16 parts for a 1 GB
  WARC); stale multipart uploads of the same key (a killed earlier attempt) are aborted first;
* ``ContentType: application/warc`` and no ``ContentEncoding`` (a client that transparently
  gunzipped ``.warc.gz`` would break record offsets).

Exceptions: :class:`UploadError` ← :class:`ObjectConflict`, :class:`VerificationError`,
:class:`StoreAccessError` (:meth:`S3Store.check_access`, before a crawl starts);
:func:`is_transient` tells a retry loop which boto errors are worth waiting out.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from export.objectstore import (
    MiB,
    S3Config,
    endpoint_from_env,
    error_code,
    make_client,
    parse_s3_url,
)

logger = logging.getLogger(__name__)

#: S3 error codes that no amount of waiting fixes.
PERMANENT_CODES = frozenset(
    {
        "AccessDenied",
        "AllAccessDisabled",
        "InvalidAccessKeyId",
        "InvalidBucketName",
        "NoSuchBucket",
        "SignatureDoesNotMatch",
        "InvalidArgument",
        "InvalidRequest",
        "EntityTooLarge",
        "EntityTooSmall",
        "MissingContentLength",
        "AuthorizationHeaderMalformed",
    }
)

CONTENT_TYPES = {
    ".warc.gz": "application/warc",
    ".cdxj": "application/x-cdxj",
    ".wacz": "application/wacz",
    ".urls": "text/plain; charset=utf-8",
}


class UploadError(Exception):
    """An upload did not end with a verified object at its key."""


class StoreAccessError(UploadError):
    """The store refuses us for good (credentials, bucket, permissions): checked at start."""


class ObjectConflict(UploadError):
    """A different object already exists at the key; clearcrawl never overwrites it."""


class VerificationError(UploadError):
    """After upload, the object's size or sha256 metadata differs from the local file."""


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 4 MiB chunks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(4 * MiB):
            h.update(chunk)
    return h.hexdigest()


def is_transient(exc: BaseException) -> bool:
    """Tell whether a failure may pass if retried later (network, 5xx, throttling).

    ``ObjectConflict``, bad credentials, a missing bucket or a bad request are permanent.
    boto3 wraps transfer failures in ``S3UploadFailedError`` whose only trace of the cause is
    the message, so that is searched for the permanent codes too.
    """
    from botocore.exceptions import ClientError, NoCredentialsError, ParamValidationError

    if isinstance(exc, ObjectConflict | NoCredentialsError | ParamValidationError):
        return False
    if isinstance(exc, ClientError):
        return error_code(exc) not in PERMANENT_CODES
    text = str(exc)
    return not any(f"({code})" in text for code in PERMANENT_CODES)


@dataclass(frozen=True, slots=True)
class UploadResult:
    """What the store holds for one local file, as verified by HEAD after the upload."""

    path: str
    uri: str
    size: int
    sha256: str
    etag: str
    version_id: str | None
    checksums: dict[str, str] = field(default_factory=dict)
    already_present: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _add_if_none_match(params: dict[str, Any], **_: Any) -> None:
    params.setdefault("IfNoneMatch", "*")


class S3Store:
    """Upload files under one ``s3://bucket/prefix``; see the module docstring for the rules."""

    def __init__(self, url: str, config: S3Config | None = None, *, client: Any = None) -> None:
        self.location = parse_s3_url(url)
        self.config = config or S3Config()
        self.client = client if client is not None else make_client(self.config)
        events = self.client.meta.events
        events.register("before-parameter-build.s3.PutObject", _add_if_none_match)
        events.register("before-parameter-build.s3.CompleteMultipartUpload", _add_if_none_match)

    def check_access(self) -> str:
        """Check, before a crawl starts, that closed WARCs could be uploaded here.

        HEAD the bucket, then create and delete a unique empty probe object under the prefix
        (create-only like every write). A permanent refusal (no credentials, bad credentials,
        no such bucket, access denied: :func:`is_transient` is false) raises
        :class:`StoreAccessError` with one line saying what is wrong, so the crawl is refused
        instead of archiving for hours and failing at the first upload (issue 11). A transient
        failure (store unreachable, 5xx) returns a note: the crawl may go on, closed files stay
        local and ``--resume`` uploads them. A probe the
        credentials may create but not delete is left in place (write-only keys are fine).
        """
        import uuid

        from botocore.exceptions import BotoCoreError, ClientError

        bucket = self.location.bucket
        where = f"s3://{bucket}"
        key = self.location.key_for(f".clearcrawl-access-check-{uuid.uuid4().hex}")
        try:
            self.client.head_bucket(Bucket=bucket)
            where = self.location.uri(key)
            self.client.put_object(Bucket=bucket, Key=key, Body=b"")
        except (BotoCoreError, ClientError) as exc:
            code = error_code(exc)
            if code in ("404", "NoSuchBucket", "NotFound"):
                raise StoreAccessError(f"bucket {bucket!r} does not exist") from exc
            if code in ("403", "Forbidden"):
                code = "AccessDenied"
            what = f"{type(exc).__name__}" + (f" ({code})" if code else "")
            if is_transient(exc) and code != "AccessDenied":
                return f"cannot reach {where} ({what}: {exc}); closed WARC files stay local"
            raise StoreAccessError(f"cannot write to {where}: {what}: {exc}") from exc
        try:
            self.client.delete_object(Bucket=bucket, Key=key)
        except (BotoCoreError, ClientError) as exc:
            logger.info("access probe %s left in place: %s", key, exc)
        return ""

    def _transfer_config(self) -> Any:
        from boto3.s3.transfer import TransferConfig

        return TransferConfig(
            multipart_threshold=self.config.multipart_threshold,
            multipart_chunksize=self.config.multipart_chunksize,
            max_concurrency=self.config.max_concurrency,
            use_threads=True,
            preferred_transfer_client="classic",  # CRT would ignore the settings above
        )

    def head(self, key: str) -> dict[str, Any] | None:
        """HEAD ``key`` with checksums; None when it does not exist."""
        from botocore.exceptions import ClientError

        try:
            return dict(
                self.client.head_object(
                    Bucket=self.location.bucket, Key=key, ChecksumMode="ENABLED"
                )
            )
        except ClientError as exc:
            if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def _matches(self, head: dict[str, Any], size: int, sha256: str) -> bool:
        meta = {k.lower(): v for k, v in (head.get("Metadata") or {}).items()}
        return int(head.get("ContentLength", -1)) == size and meta.get("sha256") == sha256

    def _result(
        self, path: Path, key: str, head: dict[str, Any], sha256: str, *, present: bool
    ) -> UploadResult:
        checksums = {
            k: str(v) for k, v in head.items() if k.startswith("Checksum") and isinstance(v, str)
        }
        return UploadResult(
            path=str(path),
            uri=self.location.uri(key),
            size=int(head.get("ContentLength", -1)),
            sha256=sha256,
            etag=str(head.get("ETag", "")).strip('"'),
            version_id=head.get("VersionId"),
            checksums=checksums,
            already_present=present,
        )

    def abort_stale_uploads(self, key: str) -> int:
        """Abort unfinished multipart uploads of ``key`` (a killed earlier attempt's parts)."""
        resp = self.client.list_multipart_uploads(Bucket=self.location.bucket, Prefix=key)
        n = 0
        for up in resp.get("Uploads", []):
            if up.get("Key") == key:
                self.client.abort_multipart_upload(
                    Bucket=self.location.bucket, Key=key, UploadId=up["UploadId"]
                )
                n += 1
        return n

    def upload(
        self, path: Path, *, sha256: str | None = None, name: str | None = None
    ) -> UploadResult:
        """Upload ``path`` to ``PREFIX/NAME`` and verify it; idempotent for identical content."""
        path = Path(path)
        key = self.location.key_for(name or path.name)
        size = path.stat().st_size
        digest = sha256 or sha256_file(path)
        existing = self.head(key)
        if existing is not None:
            if self._matches(existing, size, digest):
                return self._result(path, key, existing, digest, present=True)
            raise ObjectConflict(
                f"{self.location.uri(key)} already exists with different content "
                f"(size {existing.get('ContentLength')}); not overwriting it — keeping {path}"
            )
        self.abort_stale_uploads(key)
        extra: dict[str, Any] = {
            "Metadata": {"sha256": digest},
            "ContentType": next(
                (ct for suf, ct in CONTENT_TYPES.items() if path.name.endswith(suf)),
                "application/octet-stream",
            ),
        }
        if self.config.checksum_algorithm:
            extra["ChecksumAlgorithm"] = self.config.checksum_algorithm
        try:
            self.client.upload_file(
                str(path),
                self.location.bucket,
                key,
                Config=self._transfer_config(),
                ExtraArgs=extra,
            )
        except Exception as exc:
            # 412: the key appeared since our HEAD (or a retried request had already landed).
            if "PreconditionFailed" not in str(exc) and error_code(exc) not in (
                "412",
                "PreconditionFailed",
            ):
                raise
            logger.info("%s: create-only write refused (412); checking what is there", key)
        head = self.head(key)
        if head is None:
            raise VerificationError(
                f"{self.location.uri(key)} missing right after upload of {path}"
            )
        if not self._matches(head, size, digest):
            if int(head.get("ContentLength", -1)) != size or (head.get("Metadata") or {}).get(
                "sha256"
            ):
                raise ObjectConflict(
                    f"{self.location.uri(key)} holds different content than {path}; not overwriting"
                )
            raise VerificationError(
                f"{self.location.uri(key)}: sha256 metadata missing after upload"
            )
        return self._result(path, key, head, digest, present=False)


def store_from_env(url: str) -> S3Store:
    """Return a store whose endpoint comes from ``CLEARCRAWL_S3_ENDPOINT_URL``.

    boto3 itself also honours ``AWS_ENDPOINT_URL``/``AWS_ENDPOINT_URL_S3``, region and
    credentials from its usual chain.
    """
    return S3Store(url, S3Config(endpoint_url=endpoint_from_env()))
