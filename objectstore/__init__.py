"""Object-store access shared by ``crawler`` (uploads) and ``export`` (reads).

See :mod:`objectstore.s3`; this package imports neither of them.
"""

from objectstore.s3 import (
    ENDPOINT_ENV,
    MiB,
    S3Config,
    S3Location,
    endpoint_from_env,
    error_code,
    make_client,
    parse_s3_url,
)

__all__ = [
    "ENDPOINT_ENV",
    "MiB",
    "S3Config",
    "S3Location",
    "endpoint_from_env",
    "error_code",
    "make_client",
    "parse_s3_url",
]
