"""The clearcrawl version the export records (card, manifest, run summary).

Read from the installed distribution's metadata (:func:`importlib.metadata.version`; its source
is ``crawler/__init__.py``, where hatch reads it) so that ``export`` never imports ``crawler``:
the export sits below the crawler in the layers (see ``[tool.importlinter]`` in pyproject.toml).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("clearcrawl")
except PackageNotFoundError:  # a source tree that was never installed: say so, do not guess
    __version__ = "0+unknown"
