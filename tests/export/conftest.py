"""Fixtures of the export tests: the demo crawl exported once per session, as a release."""

from __future__ import annotations

from pathlib import Path

import pytest

from export.run import run_export


@pytest.fixture(scope="session")
def demo_release(demo_crawl: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo crawl exported with every release file (report, Croissant, summary, …).

    Session-wide and shared: tests that change a file copy the folder first.
    """
    out = tmp_path_factory.mktemp("demo-release") / "ds"
    run_export(demo_crawl, out, workers=1)
    return out
