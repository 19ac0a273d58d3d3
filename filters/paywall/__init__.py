"""Paywall, metered-wall and registration-wall detection for a page's main content.

Public surface: :func:`detect_paywall` (precedence and evidence in
:mod:`filters.paywall.detect`). The words, class names and vendor scripts it looks for are
:mod:`filters.paywall.markers`. It reads the same JSON-LD and main-content region as the licence
detector (:mod:`filters.license`).
"""

from filters.paywall.detect import detect_paywall

__all__ = ["detect_paywall"]
