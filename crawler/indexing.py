"""CDXJ indexes beside closed WARC files (the pywb / cdxj-indexer format).

``NAME.warc.gz`` gets ``NAME.cdxj``: one sorted line per capture, ``SURT timestamp {json}``,
whose ``offset``/``length`` point at the gzip member of the record, so replay tools (pywb,
WACZ) can seek straight to it.
"""

from __future__ import annotations

from pathlib import Path

from cdxj_indexer import CDXJIndexer


def cdxj_path(warc: Path) -> Path:
    name = warc.name
    for suffix in (".warc.gz", ".warc"):
        if name.endswith(suffix):
            return warc.with_name(name[: -len(suffix)] + ".cdxj")
    return warc.with_name(name + ".cdxj")


def write_cdxj(warc: Path) -> Path:
    """Index ``warc`` into its ``.cdxj`` sibling (written to a temp name, then renamed)."""
    out = cdxj_path(warc)
    tmp = out.with_name(out.name + ".tmp")
    CDXJIndexer(output=str(tmp), inputs=[str(warc)], sort=True).process_all()
    tmp.replace(out)
    return out
