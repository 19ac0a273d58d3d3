"""A read-only, seekable raw stream over ``size`` bytes read from somewhere else.

warcio and FastWARC read an archive through a file object and, to read a record at an offset,
seek it. :mod:`export.wacz` (a stored WARC inside a WACZ: a window of the zip's bytes) and
:mod:`export.s3source` (an S3 object read over ranged GETs) both serve such a file object; this
base holds what they share — the position, ``tell``/``seek`` over a known size (``io.RawIOBase``
semantics: a seek past the end is allowed, reads there return nothing) — and subclasses say how
bytes are read (``readinto``) and what a move costs (:meth:`SeekableReader._moved`).
"""

from __future__ import annotations

import io


class SeekableReader(io.RawIOBase):
    """Position and seeking over ``size`` bytes; subclasses implement ``readinto``."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        new = max(0, base + offset)
        if new != self._pos:
            self._moved(new)
            self._pos = new
        return self._pos

    def _moved(self, new: int) -> None:
        """Prepare for a move to ``new`` (e.g. drop an open ranged read); called before it."""
