"""WARC → Hugging Face dataset, per-record rights manifest and dataset card.

The export reads only WARC files (never the network) and re-derives every decision from what
they hold, so a reviewer re-running it gets the same dataset, byte for byte. The reviewer's
tools (:func:`explain_entry`, :func:`verify_dataset`) and the publishing check
(:func:`validate_dataset`) work from the dataset folder alone.

Names are imported on first use (PEP 562): ``import export.derive`` or ``clearcrawl explain``
should not pay for ``datasets`` and ``pyarrow``. The ``clearcrawl`` commands (:mod:`crawler.cli`)
use only these names: their errors (``SourceError``, ``OutputError``, ...) are part of the API.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the real types for mypy; at run time names resolve on first use
    from export.derive import decide_page
    from export.errors import SourceError
    from export.explain import NoMatchError, explain_entry, find_entries, find_row, release_policies
    from export.manifest import SCHEMA, ManifestEntry, manifest_schema
    from export.parallel import default_workers
    from export.publish import PublishError, check_repo_id, planned_files, upload
    from export.release import record_checksums
    from export.report import write_report
    from export.run import ExportSummary, OutputError, run_export
    from export.validate import Validation, validate_dataset
    from export.verify import VerifyError, VerifyReport, verify_dataset
    from export.warcread import read_warcinfo

_EXPORTS = {
    "SCHEMA": "export.manifest",
    "ExportSummary": "export.run",
    "ManifestEntry": "export.manifest",
    "NoMatchError": "export.explain",
    "OutputError": "export.run",
    "PublishError": "export.publish",
    "SourceError": "export.errors",
    "Validation": "export.validate",
    "VerifyError": "export.verify",
    "VerifyReport": "export.verify",
    "check_repo_id": "export.publish",
    "decide_page": "export.derive",
    "default_workers": "export.parallel",
    "explain_entry": "export.explain",
    "find_entries": "export.explain",
    "find_row": "export.explain",
    "manifest_schema": "export.manifest",
    "planned_files": "export.publish",
    "read_warcinfo": "export.warcread",
    "record_checksums": "export.release",
    "release_policies": "export.explain",
    "run_export": "export.run",
    "upload": "export.publish",
    "validate_dataset": "export.validate",
    "verify_dataset": "export.verify",
    "write_report": "export.report",
}

__all__ = [
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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'export' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
