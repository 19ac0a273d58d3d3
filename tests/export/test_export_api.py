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
        "Validation",
        "VerifyReport",
        "explain_entry",
        "find_entries",
        "manifest_schema",
        "run_export",
        "validate_dataset",
        "verify_dataset",
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
