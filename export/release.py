"""The release's reviewer and publisher files, written once the dataset and manifest are.

After :func:`export.run.run_export` has written the rows, the manifest, the card and
``export-info.json`` (into its staging folder), :func:`finish_release` adds, in this order:

1. ``training-data-summary.json`` (:mod:`export.summary`);
2. ``ATTRIBUTION.md`` (:mod:`export.attribution`);
3. ``report.html`` (:mod:`export.report`), unless ``report=False`` (``--no-report``); the
   crawl's ``crawl-stats.json`` is compared when the source is a local crawl folder;
4. ``croissant.json`` (:mod:`export.croissant`);
5. the sha256 of every file written so far but the card and ``export-info.json`` themselves
   (data shards, manifest files, report, …): added to ``export-info.json`` (``files``) and as the
   card's last section, and checked by ``clearcrawl verify`` (:func:`export.verify.verify_files`).

Each step reads only the folder, so the files agree with each other by construction.
"""

from __future__ import annotations

import json
from pathlib import Path

from export.attribution import ATTRIBUTION_FILE, write_attribution
from export.card import replace_checksums
from export.croissant import CROISSANT_FILE, build_croissant, croissant_text
from export.report import REPORT_FILE, write_report
from export.summary import SUMMARY_FILE, build_summary, read_info, summary_text
from export.verify import INFO_FILE, list_checksums

#: Files :func:`finish_release` writes (the export replaces them on a re-run).
RELEASE_OUTPUTS = (REPORT_FILE, CROISSANT_FILE, SUMMARY_FILE, ATTRIBUTION_FILE)
CARD_FILE = "README.md"


def crawl_folder(source: str | Path) -> Path | None:
    """Return the local crawl folder holding ``crawl-stats.json`` for an export's source, if any."""
    text = str(source)
    if text.startswith("s3://"):
        return None
    path = Path(text)
    for candidate in (path, path.parent, path.parent.parent):
        if (candidate / "crawl-stats.json").is_file():
            return candidate
    return None


def finish_release(folder: Path, source: str | Path, *, report: bool = True) -> dict[str, str]:
    """Write the files of the module docstring into ``folder``; return the checksums listed."""
    info = read_info(folder)
    if report:
        _, facts = write_report(folder, crawl_dir=crawl_folder(source))
        summary = facts.summary
    else:
        summary = build_summary(folder)
    (folder / SUMMARY_FILE).write_text(summary_text(summary), encoding="utf-8")
    write_attribution(folder)
    document = build_croissant(folder, info, summary)
    (folder / CROISSANT_FILE).write_text(croissant_text(document), encoding="utf-8")
    return record_checksums(folder)


def record_checksums(folder: Path) -> dict[str, str]:
    """List every file's sha256 in ``export-info.json`` (``files``) and the card (step 5).

    Run again after a file is rewritten on purpose (``clearcrawl report`` writing the
    release's own ``report.html``), so ``verify`` checks the file as it now is.
    """
    files = list_checksums(folder)
    info = read_info(folder)
    info["files"] = files
    (folder / INFO_FILE).write_text(
        json.dumps(info, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    card = folder / CARD_FILE
    if card.exists():
        card.write_text(replace_checksums(card.read_text(encoding="utf-8"), files), "utf-8")
    return files
