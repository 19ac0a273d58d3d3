"""Licence detection: which licence covers a page's main text, with evidence and scope.

Public surface: :func:`detect_license` (sources, precedence and scope rules in
:mod:`filters.license.detect`).
"""

from filters.license.detect import detect_license

__all__ = ["detect_license"]
