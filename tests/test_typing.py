"""``filters/`` and ``export/`` stay clean under ``mypy --strict`` (STYLE.md §12).

mypy runs in a subprocess from the repository root with the configuration below, which is the
``[tool.mypy]`` section proposed for ``pyproject.toml``: strict everywhere, and missing imports
ignored only for the named third-party modules that ship no types (never globally, so a typo in
a first-party import still fails). Once that section is in ``pyproject.toml`` this test can drop
``--config-file`` and read it from there.
"""

import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT

MYPY_CONFIG = """\
[tool.mypy]
python_version = "3.11"
strict = true
warn_unreachable = true

[[tool.mypy.overrides]]
# No inline types and no stubs installed (lxml, jsonschema and botocore have stub packages that
# clearcrawl does not depend on; brotli and zstandard are optional decoders).
module = [
    "botocore.*",
    "brotli",
    "datasets.*",
    "jsonschema.*",
    "license_expression.*",
    "lxml.*",
    "pyarrow.*",
    "warcio.*",
    "zstandard",
]
ignore_missing_imports = true
"""


def test_filters_and_export_are_mypy_strict_clean(tmp_path: Path) -> None:
    config = tmp_path / "mypy.toml"
    config.write_text(MYPY_CONFIG, encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file",
            str(config),
            "--cache-dir",
            str(tmp_path / "mypy_cache"),
            "filters",
            "export",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
