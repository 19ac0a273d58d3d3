"""Quality gate on the shared labelled corpus (like trafilatura's ``tests/eval_gate.py``).

``tests/quality/eval_baseline.json`` (beside this file) pins a floor (or, for the trap
false-positive rate, a ceiling) for each class measured by ``benchmarks/corpus_eval.py`` together
with the corpus digest the floors were measured on. A change that makes any class worse fails here; raising the floors is
``benchmarks/corpus_eval.py --update-baseline`` (lowering one needs ``--allow-regression``, so it
is a deliberate, reviewed act). The epsilon only absorbs float rounding: the detectors are
deterministic, so there is no measurement noise to allow for.

The smoke test runs both detectors directly (not through ``assess``, which would turn a crash
into an exclusion) on every page and requires evidence behind every positive finding.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from filters.html import parse_page
from filters.license import detect_license
from filters.paywall import detect_paywall
from filters.results import Scope

ROOT = Path(__file__).resolve().parent.parent.parent
BASELINE = Path(__file__).resolve().parent / "eval_baseline.json"


def _eval_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "corpus_eval", ROOT / "benchmarks" / "corpus_eval.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("corpus_eval", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def evaluation(corpus_dir: Path) -> tuple[ModuleType, dict]:
    ce = _eval_module()
    return ce, ce.build_report(corpus_dir, timing=False, repeat=1)


def test_baseline_is_for_this_corpus(evaluation: tuple[ModuleType, dict]) -> None:
    _, report = evaluation
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    assert report["corpus_digest"] == baseline["corpus_digest"], (
        "the corpus changed since the floors were pinned; re-run "
        "benchmarks/corpus_eval.py --update-baseline and review the new numbers"
    )


def test_no_class_regresses(evaluation: tuple[ModuleType, dict]) -> None:
    ce, report = evaluation
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    eps = float(baseline.get("epsilon", 1e-4))
    worse = []
    for key, floor in baseline["floors"].items():
        got = ce._get(report["metrics"], key)
        direction = baseline["directions"].get(key, "higher")
        if (got < floor - eps) if direction == "higher" else (got > floor + eps):
            worse.append(f"{key}: {got:.4f} (pinned {floor:.4f}, {direction} is better)")
    assert not worse, "regressions on the shared corpus:\n  " + "\n  ".join(worse)


def test_evaluation_set_does_not_regress() -> None:
    """The project's own evaluation set (``benchmarks/evalset``) against its pinned floors.

    Its pages are fetched into a git-ignored cache (``benchmarks/evalset/fetch_pages.py``: they
    are third-party pages this project does not redistribute), so the test runs where the cache
    holds every page and says why it cannot run elsewhere.
    """
    ce = _eval_module()
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    assert "evalset" in baseline, "no floors pinned for benchmarks/evalset"
    _, _, scores = ce.score_evalset(ce.evalset_cache())
    if scores["missing"]:
        pytest.skip(
            f"{len(scores['missing'])} evaluation-set page(s) not in the cache: run "
            "benchmarks/evalset/fetch_pages.py"
        )
    assert scores["digest"] == baseline["evalset"]["digest"], (
        "benchmarks/evalset/labels.jsonl changed since its floors were pinned; re-run "
        "benchmarks/corpus_eval.py --update-baseline and review the new numbers"
    )
    eps = float(baseline.get("epsilon", 1e-4))
    worse = []
    for key, floor in baseline["evalset"]["floors"].items():
        got = ce._get(scores["metrics"], key)
        direction = baseline["directions"].get(key, "higher")
        if (got < floor - eps) if direction == "higher" else (got > floor + eps):
            worse.append(f"{key}: {got:.4f} (pinned {floor:.4f}, {direction} is better)")
    assert not worse, "regressions on the evaluation set:\n  " + "\n  ".join(worse)


def test_every_gated_metric_is_pinned() -> None:
    ce = _eval_module()
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    assert set(baseline["floors"]) == set(ce.GATED)
    assert set(baseline["evalset"]["floors"]) == set(ce.GATED)


def test_detectors_never_raise_and_positives_carry_evidence(corpus_dir: Path) -> None:
    ce = _eval_module()
    pages = ce.load_corpus(corpus_dir)
    assert pages
    for label, data in pages:
        page = parse_page("", None, data)
        lic = detect_license(page)
        pw = detect_paywall(page)
        assert lic.reason, label["id"]
        assert pw.reason, label["id"]
        if lic.spdx is not None:
            assert lic.scope in (Scope.PAGE, Scope.SITE), label["id"]
            assert lic.evidence, label["id"]
            assert any(h.spdx in lic.spdx and h.scope == lic.scope for h in lic.hits), label["id"]
        if lic.scope == Scope.PART:
            assert lic.evidence, label["id"]
        for hit in lic.hits:
            assert hit.evidence.source, label["id"]
            assert hit.evidence.excerpt or hit.evidence.locator, label["id"]
            assert hit.scope_reason, label["id"]
        if pw.paywalled:
            assert pw.evidence, label["id"]
            assert pw.kind, label["id"]


def test_assess_reports_no_detector_errors(evaluation: tuple[ModuleType, dict]) -> None:
    _, report = evaluation
    errors = [
        (r["id"], reason)
        for r in report["rows"]
        for reason in r["decision_reasons"]
        if reason.startswith(("detector-error", "detector-missing"))
    ]
    assert not errors
