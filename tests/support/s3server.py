"""A real S3-protocol server for tests: moto's ``ThreadedMotoServer`` on 127.0.0.1.

moto keeps its state in this process's backends, so :meth:`MotoS3.stop` followed by
:meth:`MotoS3.start` on the same port is a store that went away and came back with its data —
what the upload tests need. Credentials are isolated (dummy keys, no IMDS, empty config files)
so a developer's real AWS profile can never be used.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

BUCKET = "clearcrawl-test"


def isolated_aws_env(tmp: Path) -> dict[str, str]:
    """Environment that points boto3 at dummy credentials and nothing else."""
    empty = tmp / "aws-empty"
    empty.write_text("")
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(empty),
        "AWS_SHARED_CREDENTIALS_FILE": str(empty),
    }


@contextmanager
def aws_env(tmp: Path) -> Iterator[dict[str, str]]:
    """Apply :func:`isolated_aws_env` to ``os.environ`` for the block, then restore it."""
    env = isolated_aws_env(tmp)
    saved = {
        k: os.environ.get(k)
        for k in (*env, "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3")
    }
    os.environ.update(env)
    for k in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        os.environ.pop(k, None)
    try:
        yield env
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MotoS3:
    """Start/stop/restart a moto S3 server on one loopback port."""

    def __init__(self, port: int = 0) -> None:
        self.port = port or _free_port()
        self._server: Any = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoS3:
        from moto.server import ThreadedMotoServer

        deadline = time.monotonic() + 20
        while True:
            try:
                server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
                server.start()
                break
            except OSError:  # the old socket may linger a moment after stop()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        self._server = server
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"moto server on port {self.port} did not come up")

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def reset(self) -> None:
        """Forget every bucket and object (moto's reset API)."""
        import urllib.request

        req = urllib.request.Request(self.endpoint + "/moto-api/reset", method="POST")
        urllib.request.urlopen(req, timeout=10).close()

    def client(self) -> Any:
        from export.objectstore import S3Config, make_client

        return make_client(S3Config(endpoint_url=self.endpoint, max_attempts=2, read_timeout_s=10))

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
