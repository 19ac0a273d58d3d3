"""``ATTRIBUTION.md``: per licence, every attribution the dataset's users owe, ready to ship.

Creative Commons licences ask for attribution in the TASL form — Title, Author, Source,
Licence (CC BY 4.0 legal code §3(a)(1); https://wiki.creativecommons.org/wiki/Best_practices_for_attribution).
Each row already carries that line (the ``attribution`` column, written by
:func:`export.process.attribution_line` when the row was exported); this file groups those lines
by licence, states each licence's conditions from :func:`export.conditions.license_conditions`
(the mapping the card, ``LICENSES.md`` and ``explain`` use), and says which licences ask for
nothing (CC0, the Public Domain Mark), where attribution is still good practice.
"""

from __future__ import annotations

import re
from pathlib import Path

from export.conditions import license_conditions
from export.folder import data_shards, iter_parquet

ATTRIBUTION_FILE = "ATTRIBUTION.md"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _md(text: str) -> str:
    """Escape Markdown's inline syntax (CommonMark §2.4, backslash escapes) in ``text``."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text.replace("\n", " "))


def render_attribution(folder: Path) -> str:
    """Return the file's text for the release in ``folder`` (rows in dataset order within a licence)."""
    by_license: dict[str, list[str]] = {}
    urls: dict[str, str] = {}
    for row in iter_parquet(data_shards(folder), columns=["license", "license_url", "attribution"]):
        spdx = str(row.get("license") or "")
        by_license.setdefault(spdx, []).append(str(row.get("attribution") or ""))
        if row.get("license_url"):
            urls.setdefault(spdx, str(row["license_url"]))
    total = sum(len(v) for v in by_license.values())
    lines = [
        "# Attributions",
        "",
        (
            f"The {total} records of this dataset, grouped by licence, each with the attribution "
            "its licence asks for, in the TASL form (Title, Author, Source, Licence; CC BY 4.0 "
            "§3(a)(1)). Ship this file (or the lines for the records you use) with a model or "
            "derived dataset; the row's `attribution` column holds the same line."
        ),
        "",
    ]
    if not by_license:
        lines += ["(no records)", ""]
    for spdx in sorted(by_license):
        rows = by_license[spdx]
        conditions = license_conditions(spdx)
        lines += [f"## {_md(spdx or '(no licence)')} ({len(rows)} records)", ""]
        if urls.get(spdx):
            lines += [f"Licence: <{urls[spdx]}>", ""]
        if conditions:
            lines += [f"- **{c.name} ({c.code})**: {c.duty}." for c in conditions]
        else:
            lines.append(
                "- No conditions (public domain): attribution is not required, but is good "
                "practice; the lines below give it."
            )
        lines += ["", *(f"- {_md(line)}" for line in rows), ""]
    return "\n".join(lines)


def write_attribution(folder: Path, out: Path | None = None) -> Path:
    """Write ``ATTRIBUTION.md`` for the release in ``folder`` (into ``out`` or the folder)."""
    target = out or folder / ATTRIBUTION_FILE
    target.write_text(render_attribution(folder), encoding="utf-8")
    return target
