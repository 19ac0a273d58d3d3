"""The public surface of ``filters`` is small and pinned, like ``export``'s (STYLE §1).

Other layers (crawler/, spiders/, export/) and the tests and benchmarks import only public
modules of ``filters``: nothing named ``filters._x`` (issue 12, "private modules are not public
API").
"""

from __future__ import annotations

import ast

import filters
import filters.license
import filters.optout
import filters.paywall
import filters.robots
from tests.support.helpers import ROOT


def test_all_is_pinned_and_every_name_resolves() -> None:
    assert filters.__all__ == [
        "DEFAULT_POLICY",
        "MAX_PARSE_BYTES",
        "POLICY_FILES",
        "Decision",
        "DecisionRecord",
        "Evidence",
        "FetchPermission",
        "FetchResult",
        "Headers",
        "LicenseFinding",
        "LicenseHit",
        "OptoutFinding",
        "OptoutSignal",
        "OriginPolicies",
        "Outcome",
        "PageAssessment",
        "ParsedPage",
        "PaywallFinding",
        "Policy",
        "PolicyError",
        "PolicyFetch",
        "PolicyFileKind",
        "PolicyFileRef",
        "PrefetchPlan",
        "Reason",
        "RecordError",
        "Scope",
        "aitxt_from_fetch",
        "assess_page",
        "assess_parsed",
        "detect_license",
        "detect_optout",
        "detect_paywall",
        "fetch_permission",
        "header_values",
        "normalize_headers",
        "optout_signal_from_json",
        "origin_base",
        "origin_of_url",
        "origin_url",
        "parse_page",
        "robots_from_fetch",
        "tdmrep_from_fetch",
        "to_jsonable",
        "unfetched_policy_files",
    ]
    for name in filters.__all__:
        assert getattr(filters, name) is not None


def test_each_signal_family_exports_a_small_pinned_surface() -> None:
    assert filters.robots.__all__ == [
        "ALLOW_ALL",
        "DISALLOW_ALL",
        "MAX_BYTES",
        "REFUSED_BY_ROBOTS",
        "RULES",
        "RobotsPolicy",
        "read_content_signal",
        "robots_from_fetch",
    ]
    assert filters.optout.__all__ == [
        "AITXT_PATH",
        "TDMREP_PATH",
        "AiTxtPolicy",
        "TdmrepPolicy",
        "aitxt_from_fetch",
        "detect_optout",
        "nofollow",
        "tdmrep_from_fetch",
    ]
    assert filters.license.__all__ == ["detect_license"]
    assert filters.paywall.__all__ == ["detect_paywall"]
    for pkg in (filters.robots, filters.optout, filters.license, filters.paywall):
        for name in pkg.__all__:
            assert getattr(pkg, name) is not None


def _filters_imports(path: str) -> list[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"), filename=path)
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
        elif isinstance(node, ast.Import):
            out.extend(alias.name for alias in node.names)
    return [m for m in out if m == "filters" or m.startswith("filters.")]


def test_no_other_layer_imports_a_private_filters_module() -> None:
    offenders = []
    for layer in ("crawler", "spiders", "export", "tests", "benchmarks"):
        for file in sorted((ROOT / layer).rglob("*.py")):
            rel = str(file.relative_to(ROOT))
            offenders.extend(
                f"{rel}: {module}"
                for module in _filters_imports(rel)
                if any(part.startswith("_") for part in module.split("."))
            )
    assert offenders == []


def test_every_filters_module_is_public() -> None:
    private = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "filters").rglob("*.py")
        if p.name.startswith("_") and p.name != "__init__.py"
    ]
    assert private == []
