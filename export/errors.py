"""Errors the export's input readers raise, below both readers (local WARCs and S3 objects).

:mod:`export.warcread` and :mod:`export.s3source` both raise :class:`SourceError`; defining it
here lets ``warcread`` open S3 objects through ``s3source`` without ``s3source`` importing
``warcread`` back (no import cycle, see ``[tool.importlinter]`` in pyproject.toml).
"""

from __future__ import annotations


class SourceError(ValueError):
    """The export input is missing, empty or unreadable (the message says which)."""
