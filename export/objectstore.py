"""S3 (and S3-compatible) access shared by the crawl's uploader and the export's reader.

Both sides address WARC files as ``s3://bucket[/prefix]`` and build their boto3 client the same
way: path-style addressing when an endpoint other than AWS is set, standard retries and explicit
timeouts (boto3 retry modes:
https://boto3.amazonaws.com/v1/documentation/api/latest/guide/retries.html).
The endpoint comes from ``CLEARCRAWL_S3_ENDPOINT_URL``, else boto3's own ``AWS_ENDPOINT_URL_S3``/
``AWS_ENDPOINT_URL``; region and credentials from boto3's usual chain. Bucket names follow
https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html.

It lives in ``export`` because the export layer sits below the crawl (``crawler`` may import
``export``, never the reverse) and imports nothing else of clearcrawl's here; the crawl's
uploader (:mod:`crawler.storage.s3`) takes it from here, so no code is written twice.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

MiB = 1024 * 1024

#: Environment variable naming the S3-compatible endpoint (also set by ``--s3-endpoint-url``).
ENDPOINT_ENV = "CLEARCRAWL_S3_ENDPOINT_URL"


@dataclass(frozen=True, slots=True)
class S3Location:
    """``s3://bucket/prefix`` split into its parts; ``prefix`` has no leading/trailing '/'."""

    bucket: str
    prefix: str

    def key_for(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"


def parse_s3_url(url: str) -> S3Location:
    """Parse ``s3://bucket[/prefix]``; raise ValueError with what is wrong."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"expected s3://bucket[/prefix], got {url!r}")
    bucket = parts.netloc
    if not (3 <= len(bucket) <= 63) or not all(
        c.islower() or c.isdigit() or c in "-." for c in bucket
    ):
        raise ValueError(
            f"invalid S3 bucket name {bucket!r}: 3-63 characters, lowercase letters, digits, '-' or '.'"
        )
    return S3Location(bucket=bucket, prefix=parts.path.strip("/"))


@dataclass(frozen=True, slots=True)
class S3Config:
    """Client and transfer settings (``CLEARCRAWL_S3_*``); None = boto3's own sources."""

    endpoint_url: str | None = None
    region: str | None = None
    multipart_threshold: int = 64 * MiB
    multipart_chunksize: int = 64 * MiB
    max_concurrency: int = 4
    checksum_algorithm: str = "CRC32"
    max_attempts: int = 5
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 60.0

    def __post_init__(self) -> None:
        if self.multipart_chunksize < 5 * MiB:
            raise ValueError(
                "CLEARCRAWL_S3_MULTIPART_CHUNKSIZE must be at least 5 MiB (S3 part minimum)"
            )
        if self.multipart_threshold < 5 * MiB:
            raise ValueError("CLEARCRAWL_S3_MULTIPART_THRESHOLD must be at least 5 MiB")
        if self.max_concurrency < 1:
            raise ValueError("CLEARCRAWL_S3_MAX_CONCURRENCY must be >= 1")
        if self.checksum_algorithm not in ("", "CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"):
            raise ValueError(
                f"CLEARCRAWL_S3_CHECKSUM_ALGORITHM {self.checksum_algorithm!r}: use CRC32, CRC32C, "
                "SHA1, SHA256, CRC64NVME (needs botocore[crt]) or '' for none"
            )


def make_client(config: S3Config) -> Any:
    """Build a boto3 S3 client: path-style addressing off AWS, standard retries, explicit timeouts."""
    import boto3
    from botocore.config import Config

    endpoint = (
        config.endpoint_url
        or os.environ.get("AWS_ENDPOINT_URL_S3")
        or os.environ.get("AWS_ENDPOINT_URL")
        or None
    )
    botocfg = Config(
        s3={"addressing_style": "path"} if endpoint else {},
        retries={"mode": "standard", "total_max_attempts": config.max_attempts},
        connect_timeout=config.connect_timeout_s,
        read_timeout=config.read_timeout_s,
    )
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint, region_name=config.region or None, config=botocfg
    )


def endpoint_from_env() -> str | None:
    """Return the endpoint ``CLEARCRAWL_S3_ENDPOINT_URL`` names (None: boto3 decides)."""
    return os.environ.get(ENDPOINT_ENV) or None


def error_code(exc: BaseException) -> str:
    """Return the S3 error code of a botocore ``ClientError`` (``""`` for other errors)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""
