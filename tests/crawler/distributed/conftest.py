"""A real redis-server for the shared-frontier tests (one per session; a crawl id per test)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.redisserver import RedisServer, redis_server_binary


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    if redis_server_binary() is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed (.ci/system-deps.sh installs it)")
        pytest.skip("redis-server is not installed")
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server
