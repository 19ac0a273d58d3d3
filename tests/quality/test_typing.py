"""Every package (filters, export, crawler, spiders) is ``mypy --strict`` clean.

mypy runs in a subprocess from the repository root with the ``[tool.mypy]`` section of
``pyproject.toml``: strict everywhere, missing imports ignored only for the named third-party
modules that ship no types (never globally, so a typo in a first-party import still fails).
"""

import subprocess
import sys
from pathlib import Path

from tests.support.helpers import ROOT


def test_filters_and_export_are_mypy_strict_clean(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy_cache")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
