"""The datatrove steps survive the pickling that datatrove's executors ship them with.

Ray sends the executor to its workers with cloudpickle (``ray.put``), datatrove's local and
Ray executors start tasks through ``multiprocess`` (dill), and the Slurm executor writes the
executor to ``executor.pik`` with dill for each job to load. A step pickled after it decided
pages sends its configuration, not its per-task policy-file index, and decides alike.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("datatrove")
import dill
from datatrove.pipeline.writers import JsonlWriter

from export.datatrove_step import (
    ClearcrawlDuplicateFilter,
    ClearcrawlFindDuplicates,
    ClearcrawlRightsFilter,
    ClearcrawlWarcReader,
)
from tests.export.foreign.test_datatrove_step import layout

Dumper = tuple[Callable[[Any], bytes], Callable[[bytes], Any]]
PICKLERS: dict[str, Dumper] = {
    "pickle": (pickle.dumps, pickle.loads),
    "dill": (dill.dumps, dill.loads),
}
try:
    from ray import cloudpickle

    PICKLERS["cloudpickle"] = (cloudpickle.dumps, cloudpickle.loads)
except ImportError:  # the Ray test is skipped too then
    pass


def decide(step: ClearcrawlRightsFilter, pages: Path) -> list[tuple[str, dict[str, Any]]]:
    """Run ``step`` over task 0 of 1 of the reader's documents: (row id or "", manifest entry)."""
    docs = ClearcrawlWarcReader(str(pages)).run(None, 0, 1)
    out = []
    for doc in docs:
        kept = step.filter(doc)
        out.append((doc.id if kept is True else "", doc.metadata["clearcrawl"]["manifest"]))
    return out


@pytest.mark.parametrize("name", sorted(PICKLERS))
def test_used_rights_filter_pickles_without_its_index(tmp_path: Path, name: str) -> None:
    dumps, loads = PICKLERS[name]
    pages, robots = layout(tmp_path)
    step = ClearcrawlRightsFilter(
        inputs=[pages], policy_warcs=[robots], exclusion_writer=JsonlWriter(str(tmp_path / "x"))
    )
    first = decide(step, pages)
    assert step._context is not None
    assert sum(bool(rid) for rid, _ in first) == 4
    copy = loads(dumps(step))
    assert copy._context is None
    assert copy.policy == step.policy
    assert copy.config == step.config
    assert copy.inputs == step.inputs
    assert copy.policy_warcs == step.policy_warcs
    assert decide(copy, pages) == first


@pytest.mark.parametrize("name", sorted(PICKLERS))
def test_steps_pickle(tmp_path: Path, name: str) -> None:
    dumps, loads = PICKLERS[name]
    pages, _ = layout(tmp_path)
    find = ClearcrawlFindDuplicates(str(tmp_path / "rows"), str(tmp_path / "dups"), inputs=[pages])
    dup = ClearcrawlDuplicateFilter(str(tmp_path / "dups"))
    reader = ClearcrawlWarcReader(str(pages))
    assert loads(dumps(find)).order == find.order
    assert loads(dumps(dup)).duplicates_folder == dup.duplicates_folder
    copy = loads(dumps(reader))
    assert [d.id for d in copy.run(None, 0, 1)] == [d.id for d in reader.run(None, 0, 1)]
