"""Every reason id clearcrawl emits is registered in ``filters.reasons`` with its reading.

Issue 12: reason ids were minted as string literals in many files, described in
``export/explain.py`` and counted in the rights middleware, and the three had drifted (``explain``
described ``robots-recheck-error``, no longer emitted, and had no text for ``robots-refused``,
``robots-unreadable`` or ``prefetch-error``). Two proofs that they cannot drift again:

* dynamic: real crawls (the demo site, every fixture site, two sites whose robots.txt is refused
  or unreadable) are exported and checked live; every ``reasons`` entry of every decision record,
  export file and ``check`` answer is a registered, non-legacy reason, ``explain`` prints its
  registered reading, and every crawl-stats key counting reasons names a registered class;
* static: no module of filters/, crawler/, spiders/ or export/ spells a reason id as a string
  literal (they go through :class:`filters.reasons.Reason`), every non-legacy member is minted
  somewhere, and no legacy member is.
"""

from __future__ import annotations

import ast
import json
import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.demo.server import SiteServer
from export.explain import describe_reason, explain_entry
from filters.reasons import STATS_EXCLUDED, STATS_PREFETCH, Reason, describe
from tests.support.helpers import ROOT, SITES, crawl, read_decisions, read_jsonl, run_cli

EXPORT_FILES = ("manifest.jsonl.gz", "excluded.jsonl.gz", "not-fetched.jsonl.gz")
#: Source trees whose reason ids must come from the registry.
SOURCE_DIRS = ("filters", "crawler", "spiders", "export")
REGISTRY = ROOT / "filters" / "reasons.py"
#: Decision outcomes (``clearcrawl.decision/1``) and manifest statuses: a different vocabulary
#: that shares two words (``not-fetched``, ``redirect``) with reason ids.
OUTCOMES = {"exported-candidate", "excluded", "not-fetched", "policy-file", "redirect", "exported"}


# -- the registry itself ---------------------------------------------------------------------
def test_every_reason_has_a_reading_and_a_stats_key() -> None:
    for reason in Reason:
        assert reason.description.strip() == reason.description != ""
        fields = {f for _, f, _, _ in string.Formatter().parse(reason.description) if f}
        assert fields <= {"arg"}, reason
        assert reason.stats_key == f"clearcrawl/excluded/{reason.value}"
        assert Reason.of(reason.value) is reason
        assert Reason.of(reason.with_arg("x:y")) is reason
        assert reason.with_arg(404) == f"{reason.value}:404"
        assert describe(reason.with_arg("ARG")) not in (reason.with_arg("ARG"), "")
        for arg, text in reason.variants.items():
            assert describe(reason.with_arg(arg)) == text != reason.text("other")
    assert Reason.of("no-such-reason:1") is None
    assert describe_reason("no-such-reason:1") == "no-such-reason:1"


def test_readings_of_ids_explain_used_to_miss() -> None:
    """Emitted but undescribed before issue 12 (``explain`` printed the bare id)."""
    assert "refusal" in describe_reason("robots-refused")
    assert "not readable text" in describe_reason("robots-unreadable")
    assert "ConnectionRefusedError" in describe_reason("prefetch-error:ConnectionRefusedError")
    assert "re-evaluated from the archive (KeyError)" in describe_reason(
        "prefetch-recheck-error:KeyError"
    )
    assert describe_reason("fetch-error:TimeoutError") == "the fetch failed (TimeoutError)"
    # no longer emitted, still in datasets of earlier versions
    assert {r for r in Reason if r.legacy} == {Reason.ROBOTS_RECHECK_ERROR, Reason.REVISIT_OF}
    assert "re-evaluated" in describe_reason("robots-recheck-error:KeyError")
    assert "earlier capture (urn:x)" in describe_reason("revisit-of:urn:x")


# -- emitted reasons, from real crawls ---------------------------------------------------------
def reasons_in(value: Any) -> Iterator[str]:
    """Every string under a ``reasons`` key anywhere in a JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reasons" and isinstance(item, list):
                yield from (str(r) for r in item)
            else:
                yield from reasons_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from reasons_in(item)


def assert_registered(reasons: set[str], where: str) -> None:
    bad = sorted(r for r in reasons if Reason.of(r) is None)
    assert not bad, f"{where}: reason ids not in filters.reasons.Reason: {bad}"
    legacy = sorted(r for r in reasons if (found := Reason.of(r)) is not None and found.legacy)
    assert not legacy, f"{where}: legacy reason ids emitted: {legacy}"


def check_crawl(out: Path) -> set[str]:
    """Assert the crawl's decisions and reason-counting stats are registered; its reasons."""
    emitted = {r for rec in read_decisions(out) for r in reasons_in(rec)}
    assert_registered(emitted, "decisions.jsonl.gz")
    stats = json.loads((out / "crawl-stats.json").read_text())
    for key in stats:
        for prefix in (STATS_EXCLUDED, STATS_PREFETCH):
            if key.startswith(prefix + "/"):
                cls = key[len(prefix) + 1 :].split("/", 1)[0]
                if prefix == STATS_PREFETCH and cls == "exception_count":
                    continue
                assert Reason.of(cls) is not None, f"stats key {key} counts an unregistered class"
    return emitted


def check_export(crawl_dir: Path, dataset: Path) -> set[str]:
    """Export ``crawl_dir``; assert every reason is registered and ``explain`` reads it."""
    proc = run_cli("export", str(crawl_dir), "--out", str(dataset))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    emitted: set[str] = set()
    for name in EXPORT_FILES:
        path = dataset / name
        if not path.exists():
            continue
        for entry in read_jsonl(path):
            found = set(reasons_in(entry))
            assert_registered(found, name)
            emitted |= found
            if not entry["decision"]["include"]:
                text = explain_entry(name, "out", entry, None)
                for r in entry["decision"]["reasons"]:
                    reason = Reason.of(r)
                    assert reason is not None
                    assert f"- {reason.text(r.partition(':')[2])}  [{r}]" in text
    return emitted


def test_demo_crawl_and_export_emit_only_registered_reasons(
    demo_crawl: Path, tmp_path: Path
) -> None:
    emitted = check_crawl(demo_crawl) | check_export(demo_crawl, tmp_path / "dataset")
    # the demo site exercises the common exclusions: the check sees real ids, not an empty set
    classes = {r.partition(":")[0] for r in emitted}
    expected = {
        "no-license",
        "optout",
        "off-site",
        "body-withheld",
        "paywalled",
        "robots-disallowed",
    }
    assert expected <= classes, expected - classes


def write_site(root: Path, robots_route: dict[str, Any], robots_body: bytes = b"") -> Path:
    root.mkdir()
    (root / "index.html").write_text("<html><body><p>MARK</p></body></html>")
    if robots_body:
        (root / "robots.txt").write_bytes(robots_body)
    if robots_route:
        (root / "_routes.json").write_text(json.dumps({"/robots.txt": robots_route}))
    return root


@pytest.fixture(scope="module")
def fixture_sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Every fixture site plus a refused and an unreadable robots.txt, crawled in one run."""
    tmp = tmp_path_factory.mktemp("reasons")
    roots = {p.name: p for p in sorted(SITES.iterdir()) if (p / "index.html").exists()}
    roots.pop("rights-crawldelay", None)  # only slows the crawl down
    roots["robots-403"] = write_site(tmp / "robots-403", {"status": 403})
    roots["robots-binary"] = write_site(tmp / "robots-binary", {}, b"\x89PNG\r\n\x1a\n\x00\x00")
    servers = {name: SiteServer(root).start() for name, root in roots.items()}
    try:
        out = tmp / "crawl"
        crawl(out, *(s.url + "/" for s in servers.values()))
        yield {"servers": servers, "out": out, "dataset": tmp / "dataset"}
    finally:
        for server in servers.values():
            server.stop()


def test_fixture_site_crawls_emit_only_registered_reasons(fixture_sites: dict[str, Any]) -> None:
    out = fixture_sites["out"]
    emitted = check_crawl(out) | check_export(out, fixture_sites["dataset"])
    classes = {r.partition(":")[0] for r in emitted}
    expected = {
        "robots-disallowed",
        "robots-unreachable",
        "robots-refused",
        "robots-unreadable",
        "policy-file-refused-by-robots",
        "optout",
        "body-withheld",
        "http-status",
        "unsupported-content-type",
        "license-not-allowed",
        "too-little-text",
        "duplicate-text",
    }
    assert expected <= classes, expected - classes


def test_check_answers_give_only_registered_reasons(fixture_sites: dict[str, Any]) -> None:
    servers = fixture_sites["servers"]
    urls = [servers[name].url + "/" for name in ("robots-403", "rights-robotspolicy")]
    proc = run_cli("check", *urls)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    answers = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    emitted = {r for answer in answers for r in reasons_in(answer)}
    assert_registered(emitted, "clearcrawl check")
    assert "robots-refused" in emitted


# -- no reason id spelled outside the registry -------------------------------------------------
def source_files() -> list[Path]:
    files = [p for d in SOURCE_DIRS for p in sorted((ROOT / d).rglob("*.py"))]
    return [p for p in files if p != REGISTRY]


CLASSES = {r.value for r in Reason}
ID = re.compile(r"([a-z]+(?:-[a-z]+)*)(?::.*)?", re.DOTALL)


def _literal_head(node: ast.AST) -> str | None:
    """The constant text a string literal (or an f-string) starts with, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        first = node.values[0] if node.values else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value + ("{}" if len(node.values) > 1 else "")
        return "{}"
    return None


def _spells_registered_id(text: str) -> bool:
    """``text`` is ``<registered class>:…``, or a bare hyphenated class that is no outcome."""
    m = ID.fullmatch(text)
    if m is None or m.group(1) not in CLASSES:
        return False
    if ":" in text:
        return True
    return "-" in text and text not in OUTCOMES


def _is_reasons_target(node: ast.AST) -> bool:
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
    return "reason" in name.lower() or name == "errors"


def _minted_literals(node: ast.AST) -> Iterator[ast.AST]:
    """String literals in ``node``, not counting the arguments of ``Reason.X.with_arg(...)``,
    of lookups (``.get(...)``, subscripts) and of comparisons."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("with_arg", "get")
    ):
        yield from _minted_literals(node.func.value)
        return
    if isinstance(node, ast.Subscript):
        yield from _minted_literals(node.value)
        return
    if isinstance(node, ast.Compare):
        return
    if _literal_head(node) is not None:
        yield node
        return
    for child in ast.iter_child_nodes(node):
        yield from _minted_literals(child)


def literal_reasons(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """``(line, text)`` of each reason id spelled as a literal rather than through the registry.

    Flagged: any literal spelling a registered id (``"robots-disallowed"``, ``f"optout:{x}"``),
    and any string literal put where reasons are collected (``reasons.append/extend``, a
    ``reasons=`` argument, a ``"reasons":`` entry), registered or not.
    """
    for node in ast.walk(tree):
        head = _literal_head(node)
        if head is not None and _spells_registered_id(head):
            yield node.lineno, head  # type: ignore[attr-defined]
        minted: list[ast.AST] = []
        if isinstance(node, ast.Call):
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr in ("append", "extend")
                and _is_reasons_target(func.value)
            ):
                minted += node.args
            minted += [kw.value for kw in node.keywords if kw.arg == "reasons"]
        if isinstance(node, ast.Dict):
            minted += [
                v
                for k, v in zip(node.keys, node.values, strict=True)
                if isinstance(k, ast.Constant) and k.value == "reasons"
            ]
        for value in minted:
            for lit in _minted_literals(value):
                yield lit.lineno, _literal_head(lit) or ""  # type: ignore[attr-defined]


def test_no_reason_id_is_spelled_outside_the_registry() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for path in source_files()
        for line, text in sorted(set(literal_reasons(ast.parse(path.read_text(), str(path)))))
    ]
    assert not found, "mint these through filters.reasons.Reason:\n" + "\n".join(found)


def test_the_static_check_catches_literal_reasons() -> None:
    """The scan flags each way a literal reason used to be minted (so it can fail)."""
    code = (
        "reasons.append('robots-disallowed')\n"
        "errors.append(f'detector-error:{name}')\n"
        "reasons.append(f'robots-{cause}')\n"
        "d.reasons.extend([f'revisit-unresolved:{urn}'])\n"
        "x = {'reasons': ['not-fetched']}\n"
        "FetchPermission(allowed=False, reasons=(f'prefetch-error:{e}',))\n"
        "TOO_LARGE = 'too-large'\n"
        "r = f'unsupported-content-type:{t}'\n"
    )
    lines = sorted({line for line, _ in literal_reasons(ast.parse(code))})
    assert lines == list(range(1, 9))
    fine = (
        "reasons.append(Reason.DETECTOR_MISSING.with_arg('license'))\n"
        "reasons = [str(r) for r in meta.get('reasons') or [Reason.NOT_FETCHED]]\n"
        "status = 'not-fetched'\n"
        "kind = 'truncated'\n"
        "reasons.append(Reason.TOO_LARGE if truncated == 'length' else r)\n"
    )
    assert list(literal_reasons(ast.parse(fine))) == []


def test_every_current_reason_is_minted_and_no_legacy_one() -> None:
    used: set[str] = set()
    for path in source_files():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "Reason"
                and node.attr in Reason.__members__
            ):
                used.add(node.attr)
    current = {r.name for r in Reason if not r.legacy}
    assert current - used == set(), "registered but never emitted"
    assert {r.name for r in Reason if r.legacy} & used == set(), "legacy reasons are emitted"
