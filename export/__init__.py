"""WARC → Hugging Face dataset, per-record rights manifest and dataset card.

The export reads only WARC files (never the network) and re-derives every decision from what
they hold, so a reviewer re-running it gets the same dataset, byte for byte. The reviewer's
tools (:func:`explain_entry`, :func:`verify_dataset`) and the publishing check
(:func:`validate_dataset`) work from the dataset folder alone.

Names are imported on first use (PEP 562): ``import export.derive`` or ``clearcrawl explain``
should not pay for ``datasets`` and ``pyarrow``.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "SCHEMA": "export.manifest",
    "ExportSummary": "export.run",
    "ManifestEntry": "export.manifest",
    "Validation": "export.validate",
    "VerifyReport": "export.verify",
    "explain_entry": "export.explain",
    "find_entries": "export.explain",
    "manifest_schema": "export.manifest",
    "run_export": "export.run",
    "validate_dataset": "export.validate",
    "verify_dataset": "export.verify",
}

__all__ = [
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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'export' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
