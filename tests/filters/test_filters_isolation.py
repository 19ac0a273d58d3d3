"""filters/ is pure: it must never import Scrapy (so the exporter and `check` share it)."""

import subprocess
import sys

from tests.support.helpers import ROOT


def test_filters_do_not_import_scrapy() -> None:
    code = (
        "import importlib, pkgutil, sys, filters\n"
        "for m in pkgutil.walk_packages(filters.__path__, 'filters.'):\n"
        "    importlib.import_module(m.name)\n"
        "import export.derive, export.warcread, export.extract\n"
        "bad = sorted(k for k in sys.modules if k == 'scrapy' or k.startswith(('scrapy.', 'twisted')))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
