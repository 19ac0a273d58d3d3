"""The datatrove steps on datatrove's ``RayPipelineExecutor`` give a single export's rows.

A real local Ray cluster (``ray.init(num_cpus=2)``: a GCS, a raylet and worker processes on
this machine, no network beyond 127.0.0.1) is started by the test and shut down after. Ray
ships the executor and its pipeline to its worker processes pickled (``ray.put``, then
datatrove's ``multiprocess`` pool inside each actor), so this also checks that the steps and
their configuration survive pickling in practice, not only in ``test_datatrove_pickle``.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("datatrove")
ray = pytest.importorskip("ray")

from datatrove.executor import RayPipelineExecutor

from export.run import run_export
from tests.export.foreign.test_datatrove_step import (
    assert_as_single_export,
    layout,
    rights_pipeline,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def local_ray(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A two-CPU Ray cluster on this machine, torn down after the test."""
    # no usage report is sent anywhere (https://docs.ray.io/en/latest/cluster/usage-stats.html)
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    # Ray's session folder holds Unix sockets: keep its path short (a socket path has ≤ 107 bytes)
    temp = tempfile.mkdtemp(prefix="cc-ray-", dir="/tmp")
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=100 * 1024 * 1024,
        _temp_dir=temp,
        log_to_driver=False,
    )
    try:
        yield
    finally:
        ray.shutdown()
        shutil.rmtree(temp, ignore_errors=True)


def test_ray_executor_equals_single_export(tmp_path: Path, local_ray: None) -> None:
    pages, robots = layout(tmp_path)
    single = tmp_path / "single"
    run_export(pages, single, policy_warcs=[str(robots)], workers=1)
    rows_out, excluded_out = tmp_path / "ray-rows", tmp_path / "ray-excluded"
    logs = tmp_path / "ray-logs"
    RayPipelineExecutor(
        pipeline=rights_pipeline(pages, robots, rows_out, excluded_out),
        tasks=2,
        cpus_per_task=1,
        mem_per_cpu_gb=0.5,
        logging_dir=str(logs),
    ).run()
    # both tasks ran in Ray's workers and completed (datatrove's markers), not in this process
    assert sorted(p.name for p in (logs / "completions").iterdir()) == ["00000", "00001"]
    assert (logs / "stats.json").is_file()
    assert_as_single_export(single, rows_out, excluded_out)
