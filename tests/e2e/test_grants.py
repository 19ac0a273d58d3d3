"""Licensed-source agreements end to end: real crawls and exports on 127.0.0.1 (issue 15).

``tests/sites/grants-publisher`` (origin A) serves an unlicensed article, an all-rights-reserved
one, one that opts out with ``<meta name="robots" content="noai">`` and ``/go``, a redirect to a
partner site (origin B). A grant for A carries an RSL licence token. Both servers record every
request's headers, so the tests prove where the token went; the WARC and the logs are read to
prove it was never stored or printed, only its digest.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.headerlog import HeaderLog, header_logging_site
from tests.support.helpers import SITES, crawl, read_jsonl, run_cli

pytestmark = pytest.mark.slow

TOKEN = "rsl-token-7f3a9c"  # noqa: S105 - a test licence token, the thing that must not leak
DOC = "c" * 64


def _grants(origin: str, until: str = "2099-12-31", overrides: str = "[]") -> str:
    return f"""
[[grants]]
id = "AGR-7"
counterparty = "Example Publisher"
document_sha256 = "{DOC}"
origin = "{origin}"
permits = ["ai-train"]
valid_from = 2020-01-01
valid_until = {until}
attribution = "Example Publisher, licensed for AI training under AGR-7"
overrides = {overrides}
license_token = "{TOKEN}"
"""


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("grants")
    partner = root / "partner"
    partner.mkdir()
    (partner / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    shutil.copy(SITES / "grants-publisher" / "free.html", partner / "landing.html")
    with header_logging_site(partner) as (b, b_log):
        publisher = root / "publisher"
        shutil.copytree(SITES / "grants-publisher", publisher)
        (publisher / "_routes.json").write_text(
            json.dumps({"/go": {"status": 302, "headers": [["Location", b.url + "/landing.html"]]}})
        )
        with header_logging_site(publisher) as (a, a_log):
            grants = root / "grants.toml"
            grants.write_text(_grants(a.url))
            out = root / "crawl"
            proc = crawl(out, a.url + "/", b.url + "/", extra=("--grants", str(grants)))
            yield {
                "root": root,
                "a": a,
                "b": b,
                "a_log": a_log,
                "b_log": b_log,
                "grants": grants,
                "crawl": out,
                "proc": proc,
            }


def _export(sites: dict[str, Any], name: str, *extra: str) -> Path:
    ds = sites["root"] / name
    proc = run_cli("export", str(sites["crawl"]), "--out", str(ds), "--quiet", *extra)
    assert proc.returncode == 0, proc.stderr
    return ds


def _by_path(ds: Path) -> dict[str, dict[str, Any]]:
    out = {}
    for f in ("manifest.jsonl.gz", "excluded.jsonl.gz", "not-fetched.jsonl.gz"):
        for e in read_jsonl(ds / f):
            out[e["url"].split("/", 3)[3]] = e
    return out


def test_token_goes_to_its_origin_only(sites: dict[str, Any]) -> None:
    a_log: HeaderLog = sites["a_log"]
    b_log: HeaderLog = sites["b_log"]
    sent = dict(a_log.values("Authorization"))
    assert {
        "/robots.txt",
        "/.well-known/tdmrep.json",
        "/",
        "/free.html",
        "/arr.html",
        "/optout.html",
        "/go",
    } <= set(sent)
    assert set(sent.values()) == {f"License {TOKEN}"}  # every request to A carried it
    b_paths = [p for p, _ in b_log.values("Authorization")]
    assert "/landing.html" in b_paths  # reached through A's redirect and as a seed
    assert all(v is None for _, v in b_log.values("Authorization"))


def test_token_is_never_in_the_warc_or_the_logs_only_its_digest(sites: dict[str, Any]) -> None:
    digest = hashlib.sha256(TOKEN.encode()).hexdigest()
    warc_bytes = b"".join(
        gzip.decompress(p.read_bytes()) for p in (sites["crawl"] / "warc").glob("*.warc.gz")
    )
    assert TOKEN.encode() not in warc_bytes
    assert f"Authorization: License [redacted sha256:{digest}]".encode() in warc_bytes
    for p in sites["crawl"].rglob("*"):
        if p.is_file() and not p.name.endswith(".warc.gz"):
            raw = p.read_bytes()
            text = gzip.decompress(raw) if p.suffix == ".gz" else raw
            assert TOKEN.encode() not in text, p
    proc = sites["proc"]
    assert TOKEN not in proc.stdout
    assert TOKEN not in proc.stderr


def test_crawl_and_export_admit_under_the_agreement(sites: dict[str, Any]) -> None:
    decisions = {
        d["url"].split("/", 3)[3]: d
        for d in read_jsonl(sites["crawl"] / "decisions.jsonl.gz")
        if "url" in d and d["url"].startswith(sites["a"].url)
    }
    assert decisions["free.html"]["outcome"] == "exported-candidate"
    assert decisions["free.html"]["grant"]["id"] == "AGR-7"
    ds = _export(sites, "with-grants", "--grants", str(sites["grants"]))
    entries = _by_path(ds)
    for path in ("free.html", "arr.html"):
        e = entries[path]
        assert e["status"] == "exported", e["decision"]
        assert e["grant"]["id"] == "AGR-7"
        assert e["grant"]["lifted"] == ["no-license"]
        assert (
            e["grant"]["license_token_sha256"]
            == "sha256:" + hashlib.sha256(TOKEN.encode()).hexdigest()
        )
    info = json.loads((ds / "export-info.json").read_text())
    assert info["grants"]["digest"] == entries["free.html"]["grant"]["grants_digest"]
    assert TOKEN not in (ds / "export-info.json").read_text()
    card = (ds / "README.md").read_text()
    assert "## Records per agreement" in card
    assert "| `AGR-7` | Example Publisher |" in card
    assert card.split("| `AGR-7` |", 1)[1].splitlines()[0].endswith("| 2 |")
    proc = run_cli("explain", str(ds), sites["a"].url + "/free.html")
    assert proc.returncode == 0, proc.stderr
    assert "Admitted under agreement AGR-7, valid until 2099-12-31T23:59:59Z" in proc.stdout
    # verify re-derives every row, the granted ones included, from the recorded grants
    proc = run_cli("verify", str(ds), "--warc", str(sites["crawl"]))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 mismatch(es)" in proc.stdout


def test_a_grant_does_not_override_an_opt_out_it_does_not_name(sites: dict[str, Any]) -> None:
    e = _by_path(_export(sites, "optout", "--grants", str(sites["grants"])))["optout.html"]
    assert e["status"] == "excluded"
    # the crawl judged it under the agreement too and withheld the body (the opt-out stands)
    assert e["decision"]["reasons"] == [
        "body-withheld",
        "no-license",
        "optout:robots-meta",
        "grant-does-not-override:AGR-7",
    ]
    assert e.get("grant") is None


def test_an_expired_grant_admits_nothing(sites: dict[str, Any]) -> None:
    expired = sites["root"] / "expired.toml"
    expired.write_text(_grants(sites["a"].url, until="2021-12-31"))
    entries = _by_path(_export(sites, "expired", "--grants", str(expired)))
    for path in ("free.html", "arr.html"):
        assert entries[path]["status"] == "excluded"
        assert entries[path]["decision"]["reasons"] == ["no-license", "grant-not-valid:AGR-7"]
    without = _by_path(_export(sites, "no-grants"))
    assert without["free.html"]["decision"]["reasons"] == ["no-license"]


def test_a_prefetch_opt_out_is_never_fetched_unless_the_grant_names_it(
    sites: dict[str, Any],
) -> None:
    # tdmrep.json reserves /tdm/*: under a grant that does not name tdmrep-file, never requested
    assert "/tdm/a.html" not in [p for p, _ in sites["a_log"].values("Authorization")]
    e = _by_path(_export(sites, "tdm-default", "--grants", str(sites["grants"])))["tdm/a.html"]
    assert e["status"] == "not-fetched"
    assert "optout:tdmrep-file" in e["decision"]["reasons"]
    # a grant that names it: fetched, and admitted with the opt-out among what it answered
    naming = sites["root"] / "naming.toml"
    naming.write_text(_grants(sites["a"].url, overrides='["tdmrep-file"]'))
    out = sites["root"] / "crawl-naming"
    crawl(out, sites["a"].url + "/tdm/a.html", extra=("--grants", str(naming)))
    assert "/tdm/a.html" in [p for p, _ in sites["a_log"].values("Authorization")]
    ds = sites["root"] / "naming-ds"
    proc = run_cli("export", str(out), "--out", str(ds), "--quiet", "--grants", str(naming))
    assert proc.returncode == 0, proc.stderr
    e = _by_path(ds)["tdm/a.html"]
    assert e["status"] == "exported", e["decision"]
    assert "optout:tdmrep-file" in e["grant"]["lifted"]
    assert e["grant"]["overrides"] == ["tdmrep-file"]
    # exported without the grant, the same capture is out: the reservation stands
    proc = run_cli("export", str(out), "--out", str(sites["root"] / "naming-nogrant"), "--quiet")
    assert proc.returncode == 0, proc.stderr
    e = _by_path(sites["root"] / "naming-nogrant")["tdm/a.html"]
    assert e["status"] == "excluded"
    assert "optout:tdmrep-file" in e["decision"]["reasons"]


def test_bad_grants_file_is_refused_in_one_line(sites: dict[str, Any], tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(_grants(sites["a"].url).replace('permits = ["ai-train"]', "permits = []"))
    for cmd in (
        ("crawl", sites["a"].url + "/", "--out", str(tmp_path / "c")),
        ("export", str(sites["crawl"]), "--out", str(tmp_path / "d")),
    ):
        proc = run_cli(*cmd, "--grants", str(bad), timeout=60)
        assert proc.returncode == 2
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1, proc.stderr
        assert "does not permit ai-train" in lines[0]
