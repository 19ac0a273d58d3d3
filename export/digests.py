"""WARC digests (``algorithm:value``), computed and compared the way WARC 1.1 §5.8-5.9 write them.

clearcrawl writes ``sha1:`` + uppercase Base32 (the Heritrix/wget/warcio convention); the
community recommendation is lowercase Base16 for other algorithms (the annotated WARC 1.1,
https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1-annotated/, and
iipc/warc-specifications issues #48 and #80). Readers must accept both encodings and ``sha-1``-style labels, so :func:`digest_matches`
recomputes with the labelled algorithm and compares in whichever encoding the label's value uses.
"""

from __future__ import annotations

import base64
import hashlib

_ALGORITHMS = {
    "sha1": "sha1",
    "sha-1": "sha1",
    "sha256": "sha256",
    "sha-256": "sha256",
    "sha512": "sha512",
    "sha-512": "sha512",
    "md5": "md5",
}


def warc_digest(data: bytes, algorithm: str = "sha1") -> str:
    """``sha1:`` + Base32 of ``data`` (the form clearcrawl's writer uses)."""
    h = hashlib.new(algorithm, data)
    return f"{algorithm}:" + base64.b32encode(h.digest()).decode("ascii")


def digest_matches(data: bytes, stated: str) -> bool:
    """Whether ``stated`` (e.g. ``sha1:ABC…`` or ``sha256:0f…``) is the digest of ``data``."""
    label, sep, value = stated.partition(":")
    algo = _ALGORITHMS.get(label.strip().lower())
    if not sep or algo is None or not value:
        return False
    digest = hashlib.new(algo, data).digest()
    value = value.strip()
    if value.upper() == base64.b32encode(digest).decode("ascii").rstrip("=") or (
        value.upper() == base64.b32encode(digest).decode("ascii")
    ):
        return True
    return value.lower() == digest.hex()
