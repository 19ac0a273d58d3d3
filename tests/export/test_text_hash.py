""":func:`export.extract.text_hash`: the dedupe key of a row's text (NFKC, case folded, spaces).

Pinned digests: a change of the normalisation would change which rows dedupe keeps, so the
key must stay what it was, for every kind of whitespace Python knows (``str.isspace``).
"""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata

from export.extract import text_hash


def _reference(text: str) -> str:
    """The normalisation as first written (a regular expression over ``\\s``)."""
    norm = unicodedata.normalize("NFKC", text).casefold()
    norm = re.sub(r"\s+", " ", norm).strip()
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


WHITESPACE = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())


def test_every_whitespace_character_folds_as_before() -> None:
    assert len(WHITESPACE) > 20
    for ch in WHITESPACE:
        for text in (f"a{ch}b", f"{ch}a{ch}{ch}b{ch}", ch, f"{ch}{ch}"):
            assert text_hash(text) == _reference(text), repr(text)


def test_pinned_keys() -> None:
    assert text_hash("") == hashlib.sha256(b"").hexdigest()
    assert text_hash("  Tide\u00a0Pools\n\n of the  ﬁrst\tcoast ") == _reference(
        "tide pools of the first coast"
    )
    assert text_hash("Straße") == text_hash("STRASSE")
    assert text_hash("a\u200bb") != text_hash("a b")  # a zero-width space is not whitespace
