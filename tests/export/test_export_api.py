"""The public surface of ``export`` is small and pinned (STYLE §1), and importing it is cheap."""

from __future__ import annotations

import subprocess
import sys

import export
from tests.support.helpers import ROOT


def test_all_is_pinned_and_every_name_resolves() -> None:
    assert export.__all__ == [
        "SCHEMA",
        "ExportSummary",
        "ManifestEntry",
        "NoMatchError",
        "OutputError",
        "PublishError",
        "SourceError",
        "Validation",
        "VerifyError",
        "VerifyReport",
        "check_repo_id",
        "decide_page",
        "default_workers",
        "explain_entry",
        "find_entries",
        "find_row",
        "manifest_schema",
        "planned_files",
        "read_warcinfo",
        "record_checksums",
        "release_policies",
        "run_export",
        "upload",
        "validate_dataset",
        "verify_dataset",
        "write_report",
    ]
    for name in export.__all__:
        assert getattr(export, name) is not None


def test_importing_export_does_not_load_datasets_or_scrapy() -> None:
    code = (
        "import sys, export, export.derive, export.explain\n"
        "bad = sorted(m for m in ('datasets', 'scrapy', 'twisted') if m in sys.modules)\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_export_records_the_version_the_crawler_reports() -> None:
    import crawler
    from export.version import __version__

    assert __version__ == crawler.__version__
