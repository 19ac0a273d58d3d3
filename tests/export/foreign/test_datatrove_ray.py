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
from typing import Any

import pytest

pytest.importorskip("datatrove")
ray = pytest.importorskip("ray")

from datatrove.executor import RayPipelineExecutor

from export.run import run_export
from tests.export.foreign.test_datatrove_step import (
    assert_as_single_export,
    assert_dedup_as_single_export,
    dedup_stages,
    duplicates_layout,
    layout,
    rights_pipeline,
)

pytestmark = [
    pytest.mark.slow,
    # datatrove 0.10.1 schedules its actors with Ray's older placement-group arguments
    pytest.mark.filterwarnings("ignore:placement_group.*deprecated:DeprecationWarning"),
]


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    """A two-CPU Ray cluster on this machine, torn down after the module's tests."""
    # Ray's session folder holds Unix sockets: keep its path short (a socket path has ≤ 107 bytes)
    temp = tempfile.mkdtemp(prefix="cc-ray-", dir="/tmp")
    with pytest.MonkeyPatch.context() as env:
        # no usage report is sent anywhere (https://docs.ray.io/en/latest/cluster/usage-stats.html)
        env.setenv("RAY_USAGE_STATS_ENABLED", "0")
        try:
            ray.init(
                num_cpus=2,
                include_dashboard=False,
                object_store_memory=100 * 1024 * 1024,
                _temp_dir=temp,
                log_to_driver=False,
            )
            yield
        finally:
            ray.shutdown()
            shutil.rmtree(temp, ignore_errors=True)


def executor(pipeline: list[Any], logs: Path, tasks: int, **kw: Any) -> RayPipelineExecutor:
    return RayPipelineExecutor(
        pipeline=pipeline,
        tasks=tasks,
        cpus_per_task=1,
        mem_per_cpu_gb=0.5,
        logging_dir=str(logs),
        **kw,
    )


def completed(logs: Path) -> list[str]:
    """The ranks datatrove marked complete (a task writes its marker when it finished)."""
    folder = logs / "completions"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_ray_executor_equals_single_export(tmp_path: Path, local_ray: None) -> None:
    pages, robots = layout(tmp_path)
    single = tmp_path / "single"
    run_export(pages, single, policy_warcs=[str(robots)], workers=1)
    rows_out, excluded_out = tmp_path / "ray-rows", tmp_path / "ray-excluded"
    logs = tmp_path / "ray-logs"
    executor(rights_pipeline(pages, robots, rows_out, excluded_out), logs, 2).run()
    # both tasks ran in Ray's workers and completed (datatrove's markers), not in this process
    assert completed(logs) == ["00000", "00001"]
    assert (logs / "stats.json").is_file()
    assert_as_single_export(single, rows_out, excluded_out)


def test_ray_dependent_stages_remove_duplicates_as_a_single_export(
    tmp_path: Path, local_ray: None
) -> None:
    pages, robots = duplicates_layout(tmp_path)
    single = tmp_path / "single"
    assert run_export(pages, single, policy_warcs=[str(robots)], workers=1).duplicates == 3
    out = tmp_path / "dt"
    first, second, third = dedup_stages(pages, robots, out)
    stage1 = executor(first, tmp_path / "dt-stage1", 2)
    stage2 = executor(second, tmp_path / "dt-stage2", 1, depends=stage1)
    # one run() launches the stages it depends on first, as on a real cluster
    executor(third, tmp_path / "dt-stage3", 2, depends=stage2).run()
    assert completed(tmp_path / "dt-stage1") == ["00000", "00001"]
    assert completed(tmp_path / "dt-stage2") == ["00000"]
    assert completed(tmp_path / "dt-stage3") == ["00000", "00001"]
    assert_dedup_as_single_export(single, out)
