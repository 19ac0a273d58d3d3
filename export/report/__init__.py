"""``report.html``: a release's rights as one self-contained, offline HTML file.

A legal reviewer opens it from disk in a browser, with no network: totals reconciled with the
release's files (and the crawl's ``crawl-stats.json`` when the crawl folder is known), charts
drawn as inline SVG with their numbers as tables, a per-origin table of the policy files relied
on, a searchable per-record table whose detail view is the text ``clearcrawl explain`` prints,
the training-data summary and the policy in force. :mod:`export.report.collect` reads the
release once; :mod:`export.report.render` fills the Jinja2 template (package data under
``templates/``).
"""

from __future__ import annotations

from pathlib import Path

from export.report.collect import ReportFacts, collect
from export.report.render import render_report

REPORT_FILE = "report.html"

__all__ = ["REPORT_FILE", "ReportFacts", "build_report", "collect", "render_report", "write_report"]


def build_report(folder: Path, crawl_dir: Path | None = None) -> tuple[str, ReportFacts]:
    """Return the report's HTML for the release in ``folder`` and the facts it shows."""
    facts = collect(folder, crawl_dir)
    return render_report(facts), facts


def write_report(
    folder: str | Path, out: str | Path | None = None, *, crawl_dir: str | Path | None = None
) -> tuple[Path, ReportFacts]:
    """Write the report of ``folder`` to ``out`` (default ``folder/report.html``)."""
    folder = Path(folder)
    target = Path(out) if out is not None else folder / REPORT_FILE
    html, facts = build_report(folder, Path(crawl_dir) if crawl_dir is not None else None)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(target)
    return target, facts
