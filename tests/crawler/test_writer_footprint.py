"""What the WARC writer process imports (issue 17: the crawl's memory, its children included)."""

from __future__ import annotations

import subprocess
import sys


def test_cdxj_keys_do_not_import_tldextract_and_requests() -> None:
    # surt imports tldextract (and with it requests, urllib3, charset_normalizer: ~7 MB of RSS)
    # for public-suffix methods a SURT key never calls; the writer indexes without them.
    code = """
import sys
from crawler.indexing import CdxjCollector

collector = CdxjCollector("x.warc.gz")
key = collector._surt("http://www.Example.com:80/a/b?c=1&b=2#frag")
print(key, "requests" in sys.modules, "urllib3" in sys.modules)
import tldextract  # whoever needs it still gets the real module
print(callable(tldextract.extract), "requests" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["com,example)/a/b?b=2&c=1 False False", "True True"]
