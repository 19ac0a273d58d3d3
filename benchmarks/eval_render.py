"""Markdown for ``benchmarks/corpus_eval.py``: one table of classes per page set, the targets,
the speed comparison and every disagreement with the labels (so a reader sees what was missed).
"""

from __future__ import annotations

from typing import Any

CLASS_NAMES = {
    "open_license": "open licence covering the main text",
    "spdx_exact": "exact SPDX id",
    "paywalled": "paywalled",
    "ai_optout": "AI/TDM opt-out",
    "admission": "admission (open licence ∧ ¬paywalled ∧ ¬opt-out)",
}
SET_TITLES = {
    "shared": "Shared corpus (`../shared/corpus`)",
    "evalset": "Project evaluation set (`benchmarks/evalset`)",
    "union": "Union (shared corpus + evaluation set)",
}


def get_metric(metrics: dict[str, Any], dotted: str) -> float:
    value: Any = metrics
    for part in dotted.split("."):
        value = value[part]
    return float(value)


def target_status(metrics: dict[str, Any], key: str, op: str, want: float) -> str:
    got = get_metric(metrics, key)
    return "met" if (got >= want if op == ">=" else got <= want) else "NOT met"


def class_table(m: dict[str, Any]) -> list[str]:
    lines = ["| class | precision | recall | F1 | TP | FP | FN |", "|---|---|---|---|---|---|---|"]
    for key, name in CLASS_NAMES.items():
        c = m[key]
        lines.append(
            f"| {name} | {c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} "
            f"| {c['tp']} | {c['fp']} | {c['fn']} |"
        )
    t = m["traps"]
    lines += [
        "",
        f"Trap false-positive rate: **{m['trap_fp_rate']:.3f}** ({t['false_positives']}/{t['pages']} pages"
        + (f": {', '.join(t['ids'])}" if t["ids"] else "")
        + ")",
    ]
    return lines


def _pred_open(r: dict[str, Any]) -> bool:
    p = r["pred"]
    return p["license"] is not None and p["scope"] in ("page", "site") and not p["ambiguous"]


def disagreements(rows: list[dict[str, Any]]) -> list[str]:
    wrong = [
        r
        for r in rows
        if r["label"]["admit"] != r["pred"]["admit"]
        or bool(r["label"]["paywalled"]) != bool(r["pred"]["paywalled"])
        or (r["label"]["license"] is not None and r["label"]["scope"] in ("page", "site"))
        != _pred_open(r)
    ]
    if not wrong:
        return []
    lines = ["| page | label | detector | reason |", "|---|---|---|---|"]
    for r in wrong:
        lab = (
            f"{r['label']['license']} ({r['label']['scope']}); paywalled={r['label']['paywalled']}"
        )
        amb = ", ambiguous" if r["pred"]["ambiguous"] else ""
        pred = (
            f"{r['pred']['license']} ({r['pred']['scope']}{amb}); "
            f"paywalled={r['pred']['paywalled']}"
        )
        reason = r["license_reason"].replace("|", "/")[:220]
        lines.append(f"| {r['id']} | {lab} | {pred} | {reason} |")
    return lines


def render_markdown(report: dict[str, Any], targets: dict[str, tuple[str, float]]) -> str:
    lines = [
        "# Rights detectors on the labelled pages",
        "",
        f"Command: `{report['command']}`  ",
        f"Commit: `{report['commit']}`; run {report['run_at']}",
    ]
    sets = report["sets"]
    for name, data in sets.items():
        m = data["metrics"]
        lines += ["", f"## {SET_TITLES.get(name, name)}: {m['pages']} pages", ""]
        if data.get("digest"):
            lines += [f"Digest `{data['digest'][:23]}…`", ""]
        if data.get("missing"):
            lines += [
                (
                    f"**{len(data['missing'])} page(s) missing from the cache** (run "
                    "`benchmarks/evalset/fetch_pages.py`); not scored."
                ),
                "",
            ]
        lines += class_table(m)
    goal = "union" if "union" in sets else "shared"
    m = sets[goal]["metrics"]
    lines += ["", f"## Targets (issue 17, on the {goal})", ""]
    lines += ["| target | value | status |", "|---|---|---|"]
    for key, (op, want) in targets.items():
        lines.append(
            f"| {key} {op} {want} | {get_metric(m, key):.3f} | {target_status(m, key, op, want)} |"
        )
    timing = report.get("timing")
    if timing:
        lines += [
            "",
            f"## Speed (shared corpus, same run, best of {timing['repeat']})",
            "",
            f"- parse + licence + paywall + opt-out: {timing['detectors_ms_total']:.1f} ms in total",
            f"- trafilatura.bare_extraction: {timing['trafilatura_ms_total']:.1f} ms in total",
            (
                f"- ratio detectors/trafilatura: **{timing['ratio_total']:.3f}** overall, median "
                f"per page {timing['ratio_median']:.3f}, worst page {timing['ratio_max']:.3f}"
            ),
        ]
    for name, data in sets.items():
        rows = disagreements(data.get("rows", []))
        if rows:
            lines += ["", f"## Disagreements with the labels: {name}", "", *rows]
    return "\n".join(lines) + "\n"
