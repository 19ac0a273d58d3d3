"""Charts as inline SVG, drawn here in Python: no chart library, no script, no request.

An inline ``<svg>`` (SVG 1.1 in HTML, https://html.spec.whatwg.org/#svg-0) renders in every
browser from a file on disk; each chart has a ``<title>`` for screen readers and the report
puts its numbers in a table beside it. Labels are escaped with :func:`markupsafe.escape`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from markupsafe import Markup, escape

#: Colours of the outcomes (exported, excluded, refused, not followed), colour-blind safe
#: (Okabe & Ito 2008).
OUTCOME_COLOURS = ("#009E73", "#D55E00", "#0072B2", "#999999")
BAR_COLOUR = "#0072B2"
#: Bars shown in one chart; the rest are summed as "(n others)" (the table lists every row).
MAX_BARS = 20
_STEPS_S = (1, 10, 60, 600, 3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400, 365 * 86400)
MAX_BUCKETS = 48


def bar_chart(title: str, rows: Sequence[tuple[str, int]], *, width: int = 640) -> Markup:
    """Horizontal bars, one per ``(label, value)``, largest first as given."""
    shown = list(rows[:MAX_BARS])
    if len(rows) > MAX_BARS:
        rest = rows[MAX_BARS:]
        shown.append((f"({len(rest)} others)", sum(v for _, v in rest)))
    bar_h, gap, label_w, value_w = 18, 6, 230, 70
    height = max(1, len(shown)) * (bar_h + gap) + gap
    top = max((v for _, v in shown), default=0) or 1
    span = width - label_w - value_w
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" class="chart">'
        ),
        f"<title>{escape(title)}</title>",
    ]
    if not shown:
        parts.append(f'<text x="4" y="{bar_h}" class="muted">(none)</text>')
    for i, (label, value) in enumerate(shown):
        y = gap + i * (bar_h + gap)
        w = max(1, round(span * value / top)) if value else 0
        text = label if len(label) <= 34 else label[:33] + "…"
        parts += [
            f'<text x="{label_w - 6}" y="{y + bar_h - 5}" text-anchor="end">{escape(text)}</text>',
            (
                f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" fill="{BAR_COLOUR}">'
                f"<title>{escape(label)}: {value}</title></rect>"
            ),
            f'<text x="{label_w + w + 4}" y="{y + bar_h - 5}">{value}</text>',
        ]
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text inside went through escape()


def _parse(when: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(when)  # Python 3.11 reads the "Z" suffix
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def time_buckets(
    times: Sequence[tuple[str, int]], series: int
) -> tuple[list[str], list[list[int]]]:
    """Bucket ``(RFC 3339 instant, series index)`` pairs into at most :data:`MAX_BUCKETS`.

    The bucket width is the smallest of 1 s, 10 s, 1 min, … 1 year that fits; labels are the
    buckets' start instants (UTC).
    """
    parsed = [(t, s) for t, s in ((_parse(w), s) for w, s in times) if t is not None]
    if not parsed:
        return [], []
    start = min(t for t, _ in parsed)
    end = max(t for t, _ in parsed)
    span = (end - start).total_seconds()
    step = next((s for s in _STEPS_S if span / s < MAX_BUCKETS), _STEPS_S[-1])
    epoch = int(start.timestamp()) // step * step
    n = int((end.timestamp() - epoch) // step) + 1
    counts = [[0] * series for _ in range(n)]
    for t, s in parsed:
        counts[int((t.timestamp() - epoch) // step)][s] += 1
    base = datetime.fromtimestamp(epoch, tz=UTC)
    fmt = "%Y-%m-%d" if step >= 86400 else "%Y-%m-%d %H:%M:%S"
    labels = [(base + timedelta(seconds=i * step)).strftime(fmt) for i in range(n)]
    return labels, counts


def stacked_time_chart(
    title: str,
    labels: Sequence[str],
    counts: Sequence[Sequence[int]],
    names: Sequence[str],
    *,
    width: int = 640,
    height: int = 200,
) -> Markup:
    """Vertical bars over time, each bucket stacked by series (``names``, outcome colours)."""
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
            f'height="{height + 40}" viewBox="0 0 {width} {height + 40}" class="chart">'
        ),
        f"<title>{escape(title)}</title>",
    ]
    top = max((sum(c) for c in counts), default=0) or 1
    n = max(1, len(labels))
    slot = (width - 50) / n
    for i, (label, column) in enumerate(zip(labels, counts, strict=True)):
        x = 50 + i * slot
        y = float(height)
        for s, value in enumerate(column):
            if not value:
                continue
            h = height * value / top
            y -= h
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(1.0, slot - 2):.1f}" '
                f'height="{h:.1f}" fill="{OUTCOME_COLOURS[s % len(OUTCOME_COLOURS)]}">'
                f"<title>{escape(label)}: {value} {escape(names[s])}</title></rect>"
            )
    parts += [
        f'<line x1="50" y1="{height}" x2="{width}" y2="{height}" stroke="#444"/>',
        f'<text x="46" y="12" text-anchor="end">{top}</text>',
        f'<text x="46" y="{height}" text-anchor="end">0</text>',
    ]
    if labels:
        parts += [
            f'<text x="50" y="{height + 16}">{escape(labels[0])}</text>',
            f'<text x="{width}" y="{height + 16}" text-anchor="end">{escape(labels[-1])}</text>',
        ]
    x = 50
    for s, name in enumerate(names):
        parts.append(
            f'<rect x="{x}" y="{height + 24}" width="10" height="10" '
            f'fill="{OUTCOME_COLOURS[s % len(OUTCOME_COLOURS)]}"/>'
            f'<text x="{x + 14}" y="{height + 33}">{escape(name)}</text>'
        )
        x += 30 + 8 * len(name)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text inside went through escape()
