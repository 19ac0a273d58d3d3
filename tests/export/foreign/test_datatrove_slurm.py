"""The datatrove steps on datatrove's ``SlurmPipelineExecutor`` give a single export's rows.

On a real one-node Slurm cluster started by the test (:mod:`tests.support.slurmcluster`):
the executor writes its pickled self and an sbatch script, submits a job array (``sbatch``)
whose tasks run ``srun launch_pickled_pipeline`` in the project's virtualenv (``venv_path``),
and a ``merge_stats`` job after it; the test waits for the queue to empty. The three
duplicate-removal stages are chained with ``depends=``, as on a real cluster: one ``run()``
submits all three, each held by Slurm until the one before succeeded (``afterok``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("datatrove")

from datatrove.executor import SlurmPipelineExecutor

from export.run import run_export
from tests.export.foreign.test_datatrove_step import (
    assert_as_single_export,
    assert_dedup_as_single_export,
    dedup_stages,
    duplicates_layout,
    layout,
    rights_pipeline,
)
from tests.support.slurmcluster import SlurmCluster, missing_programs

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def slurm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlurmCluster]:
    missing = missing_programs()
    if missing:
        message = f"Slurm is not installed (missing {', '.join(missing)}; .ci/system-deps.sh)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    if os.geteuid() != 0:
        pytest.skip("slurmd starts jobs as their submitting user: it runs as root")
    with SlurmCluster(tmp_path_factory.mktemp("slurm")) as cluster:
        yield cluster


def executor(
    slurm: SlurmCluster, pipeline: list[Any], logs: Path, tasks: int, **kw: Any
) -> SlurmPipelineExecutor:
    return SlurmPipelineExecutor(
        pipeline=pipeline,
        tasks=tasks,
        time="00:20:00",
        partition=slurm.partition,
        cpus_per_task=1,
        mem_per_cpu_gb=1,
        job_name=logs.name,
        # the jobs' shell activates the project's virtualenv: datatrove's launch_pickled_pipeline
        venv_path=str(Path(sys.executable).parent / "activate"),
        logging_dir=str(logs),
        **kw,
    )


def run_on(
    slurm: SlurmCluster, monkeypatch: pytest.MonkeyPatch, last: SlurmPipelineExecutor
) -> None:
    """Submit ``last`` (and what it depends on) to ``slurm`` and wait for the queue to empty."""
    with monkeypatch.context() as env:
        env.setenv("SLURM_CONF", str(slurm.conf))
        last.run()
    assert last.job_id is not None
    slurm.wait_idle()


def completed(logs: Path) -> list[str]:
    """The ranks datatrove marked complete (a task writes its marker when it finished)."""
    folder = logs / "completions"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def job_logs(logs: Path) -> str:
    return "\n".join(
        p.read_text(errors="replace")[-2000:] for p in sorted(logs.glob("slurm_logs/*"))
    )


def test_slurm_executor_equals_single_export(
    tmp_path: Path, slurm: SlurmCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages, robots = layout(tmp_path)
    single = tmp_path / "single"
    run_export(pages, single, policy_warcs=[str(robots)], workers=1)
    rows_out, excluded_out, logs = tmp_path / "rows", tmp_path / "excluded", tmp_path / "dt-rights"
    run_on(
        slurm,
        monkeypatch,
        executor(slurm, rights_pipeline(pages, robots, rows_out, excluded_out), logs, 2),
    )
    # both tasks ran as Slurm array tasks and completed; the merge_stats job ran after them
    assert completed(logs) == ["00000", "00001"], job_logs(logs)
    assert (logs / "stats.json").is_file(), job_logs(logs)
    assert_as_single_export(single, rows_out, excluded_out)


def test_slurm_dependent_stages_remove_duplicates_as_a_single_export(
    tmp_path: Path, slurm: SlurmCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages, robots = duplicates_layout(tmp_path)
    single = tmp_path / "single"
    assert run_export(pages, single, policy_warcs=[str(robots)], workers=1).duplicates == 3
    out = tmp_path / "dt"
    first, second, third = dedup_stages(pages, robots, out)
    stage1 = executor(slurm, first, tmp_path / "dt-stage1", 2)
    stage2 = executor(slurm, second, tmp_path / "dt-stage2", 1, depends=stage1)
    stage3 = executor(slurm, third, tmp_path / "dt-stage3", 2, depends=stage2)
    run_on(slurm, monkeypatch, stage3)
    for logs, tasks in (
        (tmp_path / "dt-stage1", 2),
        (tmp_path / "dt-stage2", 1),
        (tmp_path / "dt-stage3", 2),
    ):
        assert completed(logs) == [f"{r:05d}" for r in range(tasks)], job_logs(logs)
    assert_dedup_as_single_export(single, out)
