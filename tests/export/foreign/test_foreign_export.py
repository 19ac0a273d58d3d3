"""``clearcrawl export`` over archives other tools wrote (issue 14).

Common Crawl's layout (page WARCs + a separate robots.txt WARC), warcio's and pywb's own sample
archives (committed with their provenance, ``tests/fixtures/foreign/PROVENANCE.md``), and a
wget capture of a local site made in the test: each is decided with the same filters and
policy as a crawl, its policy files found in the archives, and every decision says where its
evidence came from.
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from export.run import run_export
from filters.policy import Policy
from tests.export.foreign.ccbuild import entries, page, write_warc
from tests.support.helpers import read_jsonl, run_cli

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "foreign"
DAY = "2020-08-05T10:00:00Z"
ROBOTS_OK = b"User-agent: *\nDisallow: /private/\n"


def robots_item(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry's robots.txt item in ``policy_files``."""
    return next(p for p in entry["policy_files"] if p["kind"] == "robots.txt")


def cc_layout(root: Path, *, robots: dict[str, bytes], robots_date: str = DAY) -> Path:
    """A Common Crawl-like crawl: page WARC(s) in ``warc/``, robots.txt in ``robotstxt/``."""
    crawl = root / "crawl-data" / "CC-MAIN-2020-34" / "segments" / "1596439735792.85"
    write_warc(
        crawl / "warc" / "CC-MAIN-20200803-00000.warc.gz",
        [
            ("https://coast.example/article.html", 200, page("article.html"), DAY),
            ("https://norobots.example/article.html", 200, page("article.html"), DAY),
            ("https://coast.example/private/notes.html", 200, page("private/notes.html"), DAY),
        ],
    )
    write_warc(
        crawl / "robotstxt" / "CC-MAIN-20200803-00000.warc.gz",
        [(f"https://{host}/robots.txt", 200, body, robots_date) for host, body in robots.items()],
    )
    return crawl


@pytest.fixture(scope="module")
def cc_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    root = tmp_path_factory.mktemp("cc")
    crawl = cc_layout(root, robots={"coast.example": ROBOTS_OK})
    out = root / "dataset"
    summary = run_export(crawl / "warc", out, policy_warcs=[str(crawl / "robotstxt")], workers=1)
    return out, summary


def test_cc_layout_decisions(cc_export: tuple[Path, Any]) -> None:
    """CC-BY page with robots.txt in the policy archive: in; no robots.txt: out, naming the
    file; archived robots.txt disallows: out."""
    out, summary = cc_export
    found = entries(out)
    rows = [e["url"] for e in read_jsonl(out / "manifest.jsonl.gz")]
    assert rows == ["https://coast.example/article.html"]
    assert summary.exported == 1
    no_robots = found["https://norobots.example/article.html"]["decision"]["reasons"]
    assert "policy-file-unknown:robots.txt" in no_robots
    disallowed = found["https://coast.example/private/notes.html"]["decision"]["reasons"]
    assert "robots-disallowed" in disallowed


def test_cc_layout_evidence_pointers(cc_export: tuple[Path, Any]) -> None:
    """The manifest says the robots.txt came from the policy archive, with its record pointer,
    and that no crawl-time decision exists; provenance comes from the warcinfo."""
    out, _ = cc_export
    admitted = entries(out)["https://coast.example/article.html"]
    robots = robots_item(admitted)
    assert robots["source"] == "policy-archive"
    assert robots["check"] == "archived"
    # CC names a segment's robotstxt/ files like its warc/ files: the folder tells them apart
    assert robots["archived"]["file"] == "robotstxt/CC-MAIN-20200803-00000.warc.gz"
    assert robots["archived"]["offset"] > 0
    assert robots["fetched_at"] == DAY
    missing = {p["kind"]: p for p in admitted["policy_files"] if p["check"] == "missing"}
    assert set(missing) == {"tdmrep.json", "ai.txt"}
    assert admitted["decision"]["crawl_time"] is None
    prov = admitted["provenance"]
    assert prov["collection"] == "CC-MAIN-2020-34"
    assert prov["producer"].startswith("Apache Nutch")
    assert prov["crawl_time_decision"] is False
    assert sorted(prov["relaxations"]) == ["ai.txt", "tdmrep.json"]
    assert admitted["robots"]["recheck_allowed"] is True
    unknown = entries(out)["https://norobots.example/article.html"]
    robots_missing = robots_item(unknown)
    assert robots_missing["check"] == "missing"
    assert robots_missing["source"] == "none"


def test_card_and_info_are_truthful(cc_export: tuple[Path, Any]) -> None:
    out, _ = cc_export
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "CC-MAIN-2020-34" in card
    assert "Apache Nutch" in card
    assert "collected by clearcrawl" not in card
    assert "obeys robots.txt" not in card
    assert "captures made by someone else" in card
    assert "captured 2020-08-05T10:00:00+00:00" in card
    info = json.loads((out / "export-info.json").read_text(encoding="utf-8"))
    foreign = info["counts"]["foreign"]
    assert foreign["policy_files_missing"]["robots.txt"] == 1
    assert foreign["policy_files_found_in"] == {"policy-archive": 2}
    assert foreign["archives"][0]["collection"] == "CC-MAIN-2020-34"


def test_robots_txt_in_the_same_archive(tmp_path: Path) -> None:
    """A crawl that archived robots.txt beside its pages (Browsertrix, wget) needs nothing else."""
    warc = write_warc(
        tmp_path / "in" / "crawl.warc.gz",
        [
            ("https://coast.example/robots.txt", 200, ROBOTS_OK, "2020-08-05T09:59:00Z"),
            ("https://coast.example/article.html", 200, page("article.html"), DAY),
        ],
        software="Browsertrix-Crawler 1.0.0 (with warcio.js 2.2.1)",
        collection="",
        version="WARC/1.1",
    )
    summary = run_export(warc, tmp_path / "out", workers=1)
    assert summary.exported == 1
    e = entries(tmp_path / "out")["https://coast.example/article.html"]
    robots = robots_item(e)
    assert robots["source"] == "same-archive"
    assert summary.policy_files == 1  # the robots.txt capture is evidence, not a page


def test_policy_file_outside_the_window_is_unknown(tmp_path: Path) -> None:
    """robots.txt captured 60 days from the page: outside the default 30-day window."""
    crawl = cc_layout(
        tmp_path, robots={"coast.example": ROBOTS_OK}, robots_date="2020-06-06T00:00:00Z"
    )
    out = tmp_path / "narrow"
    run_export(crawl / "warc", out, policy_warcs=[str(crawl / "robotstxt")], workers=1)
    reasons = entries(out)["https://coast.example/article.html"]["decision"]["reasons"]
    assert "policy-file-unknown:robots.txt" in reasons
    wide = tmp_path / "wide"
    summary = run_export(
        crawl / "warc",
        wide,
        policy_warcs=[str(crawl / "robotstxt")],
        policy_window_days=90,
        workers=1,
    )
    assert summary.exported == 1


def test_relaxing_robots_is_explicit_and_recorded(tmp_path: Path) -> None:
    """A policy that does not require robots.txt admits the page, and every entry says so."""
    crawl = cc_layout(tmp_path, robots={})
    policy = Policy.from_dict({"name": "no-robots", "archive_required_policy_files": []})
    out = tmp_path / "out"
    summary = run_export(crawl / "warc", out, policy=policy, workers=1)
    rows = read_jsonl(out / "manifest.jsonl.gz")
    assert {r["url"] for r in rows} == {
        "https://coast.example/article.html",
        "https://coast.example/private/notes.html",
    }
    assert summary.exported == 2
    # the same text on another site: a duplicate, and nothing else stands against it
    dup = entries(out)["https://norobots.example/article.html"]
    assert [r.split(":")[0] for r in dup["decision"]["reasons"]] == ["duplicate-text"]
    for row in [*rows, dup]:
        assert "robots.txt" in row["provenance"]["relaxations"]
    assert "robots.txt was NOT required" in (out / "README.md").read_text(encoding="utf-8")


def test_tdmrep_json_required_by_policy(tmp_path: Path) -> None:
    crawl = cc_layout(tmp_path, robots={"coast.example": ROBOTS_OK})
    policy = Policy.from_dict(
        {"name": "strict", "archive_required_policy_files": ["robots.txt", "tdmrep.json"]}
    )
    out = tmp_path / "out"
    summary = run_export(
        crawl / "warc", out, policy=policy, policy_warcs=[str(crawl / "robotstxt")], workers=1
    )
    assert summary.exported == 0
    reasons = entries(out)["https://coast.example/article.html"]["decision"]["reasons"]
    assert reasons == ["policy-file-unknown:tdmrep.json"]


# --- other tools' own sample archives ----------------------------------------------------
SAMPLES = sorted(p for p in FIXTURES.glob("*/*") if p.parent.name in ("warcio", "pywb"))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_sample_archives_are_read(sample: Path, tmp_path: Path) -> None:
    """Every sample is read to a decision per page; none aborts, none claims a crawl record."""
    summary = run_export(sample, tmp_path / "out", workers=1, warn=lambda _m: None)
    assert summary.unreadable == []
    found = entries(tmp_path / "out")
    for e in found.values():
        assert "no-decision-record" not in e["decision"]["reasons"]
        assert e["provenance"]["crawl_time_decision"] is False
    if sample.name != "example-trunc.warc":
        assert summary.pages >= 1


def test_whole_stream_gzip_is_read(tmp_path: Path) -> None:
    """warcio refuses a .warc.gz compressed as one stream; the export reads it."""
    sample = FIXTURES / "warcio" / "example-bad-non-chunked.warc.gz"
    run_export(sample, tmp_path / "out", workers=1)
    found = entries(tmp_path / "out")
    assert "http://example.com/" in found
    assert found["http://example.com/"]["provenance"]["producer"] == "Webrecorder Platform v3.7"


def test_arc_file_is_read(tmp_path: Path) -> None:
    summary = run_export(FIXTURES / "warcio" / "example.arc.gz", tmp_path / "out", workers=1)
    assert summary.pages == 1
    e = entries(tmp_path / "out")["http://example.com/"]
    assert e["provenance"]["warc_format"] == "ARC"


def test_truncated_record_reported_not_fatal(tmp_path: Path) -> None:
    """A record cut short in one file is reported (file + offset); the other files are read."""
    src = tmp_path / "in"
    crawl = cc_layout(tmp_path / "cc", robots={"coast.example": ROBOTS_OK})
    shutil.copytree(crawl / "warc", src)
    shutil.copy(FIXTURES / "warcio" / "example-trunc.warc", src / "zz-trunc.warc")
    warnings: list[str] = []
    summary = run_export(
        src,
        tmp_path / "out",
        policy_warcs=[str(crawl / "robotstxt")],
        workers=1,
        warn=warnings.append,
    )
    assert summary.exported == 1
    assert any("zz-trunc.warc" in w and "offset 1197" in w for w in warnings)
    assert summary.damaged[0].file == "zz-trunc.warc"


def test_unreadable_file_named_and_skipped(tmp_path: Path) -> None:
    """One bad file among many is reported by name and skipped; the run goes on."""
    src = tmp_path / "in"
    crawl = cc_layout(tmp_path / "cc", robots={"coast.example": ROBOTS_OK})
    shutil.copytree(crawl / "warc", src)
    (src / "aa-garbage.warc.gz").write_bytes(gzip.compress(b"this is not a WARC file\r\n" * 40))
    warnings: list[str] = []
    summary = run_export(
        src,
        tmp_path / "out",
        policy_warcs=[str(crawl / "robotstxt")],
        workers=1,
        warn=warnings.append,
    )
    assert summary.exported == 1
    assert any("aa-garbage.warc.gz" in w for w in warnings)


def _odd_warc(path: Path, records: list[tuple[str, str]]) -> Path:
    """Response records of ``(Target-URI, HTTP status line)``, each the licensed article page."""
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="WARC/1.0")
        for url, status in records:
            http = StatusAndHeaders(
                status, [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            writer.write_record(
                writer.create_warc_record(
                    url,
                    "response",
                    payload=BytesIO(page("article.html")),
                    http_headers=http,
                    warc_headers_dict={"WARC-Date": DAY},
                )
            )
    return path


def test_a_record_naming_no_url_is_listed_and_the_rest_of_its_file_read(tmp_path: Path) -> None:
    """A ``WARC-Target-URI`` no URL parser accepts (``http://[::1/x``) made the whole file
    "unreadable": the records after it were lost and the file was listed as skipped although
    its first pages were in the dataset. Now that one record is listed with its offset."""
    src = _odd_warc(
        tmp_path / "in" / "odd.warc.gz",
        [
            ("https://coast.example/private/a.html", "200 OK"),
            ("http://[::1/bad", "200 OK"),
            ("https://coast.example/article.html", "200 OK"),
        ],
    )
    robots = write_warc(
        tmp_path / "robots" / "r.warc.gz",
        [("https://coast.example/robots.txt", 200, ROBOTS_OK, DAY)],
    )
    warnings: list[str] = []
    summary = run_export(
        src.parent, tmp_path / "out", policy_warcs=[str(robots)], workers=1, warn=warnings.append
    )
    assert summary.unreadable == []
    assert summary.pages == 2
    assert summary.exported == 1  # the page after the unusable record
    [damage] = summary.damaged
    assert (damage.file, damage.kind) == ("odd.warc.gz", "unusable")
    assert damage.offset > 0
    assert "[::1/bad" in damage.detail
    assert any(f"record at byte offset {damage.offset} cannot be used" in w for w in warnings)
    info = json.loads((tmp_path / "out" / "export-info.json").read_text())
    [listed] = info["counts"]["damaged_warc_files"]
    assert (listed["file"], listed["offset"]) == ("odd.warc.gz", damage.offset)
    card = (tmp_path / "out" / "README.md").read_text()
    assert f"record at byte offset {damage.offset} unusable" in card
    assert "nothing after it was read" not in card


def test_an_unreadable_status_line_is_never_admitted(tmp_path: Path) -> None:
    """A licensed page whose archived HTTP status line does not parse was exported as if it
    had been served (status 0 passed every check): now it is excluded, saying why."""
    src = _odd_warc(
        tmp_path / "in" / "odd.warc.gz",
        [("https://coast.example/article.html", "XYZ garbage")],
    )
    robots = write_warc(
        tmp_path / "robots" / "r.warc.gz",
        [("https://coast.example/robots.txt", 200, ROBOTS_OK, DAY)],
    )
    summary = run_export(src.parent, tmp_path / "out", policy_warcs=[str(robots)], workers=1)
    assert summary.exported == 0
    e = entries(tmp_path / "out")["https://coast.example/article.html"]
    assert e["decision"]["reasons"] == ["http-status:unreadable"]
    proc = run_cli("explain", str(tmp_path / "out"), e["id"])
    assert "status line cannot be read" in proc.stdout


def test_dns_and_whois_records_are_not_web_pages(tmp_path: Path) -> None:
    """Heritrix archives a ``dns:`` record per host (and ``whois:`` answers): they were decided
    as pages (robots.txt "missing", status "unreadable"), inflating the card's missing-file
    counts. Now each is excluded as what it is, and no policy file is asked for it."""
    from io import BytesIO

    from warcio.warcwriter import WARCWriter

    src = tmp_path / "in" / "heritrix.warc.gz"
    src.parent.mkdir(parents=True)
    with src.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, ctype, body in (
            (
                "dns:coast.example",
                "text/dns",
                b"20200805100000\ncoast.example. 300 IN A 10.0.0.1\n",
            ),
            ("whois://whois.example/10.0.0.1", "application/whois", b"NetRange: 10.0.0.0\n"),
        ):
            writer.write_record(
                writer.create_warc_record(
                    url,
                    "response",
                    payload=BytesIO(body),
                    warc_headers_dict={"WARC-Date": DAY, "Content-Type": ctype},
                )
            )
    summary = run_export(src.parent, tmp_path / "out", workers=1)
    found = entries(tmp_path / "out")
    assert found["dns:coast.example"]["decision"]["reasons"] == ["not-a-web-page:dns"]
    assert found["whois://whois.example/10.0.0.1"]["decision"]["reasons"] == [
        "not-a-web-page:whois"
    ]
    assert summary.exported == 0
    info = json.loads((tmp_path / "out" / "export-info.json").read_text())
    assert info["counts"]["foreign"]["policy_files_missing"] == {}


def test_cli_missing_input_names_what_was_looked_for(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = run_cli("export", str(empty), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "*.warc.gz, *.warc, *.arc.gz or *.arc" in proc.stderr


def test_cli_nothing_assessable_says_so(tmp_path: Path) -> None:
    """Pages without any robots.txt: the summary says nothing could be assessed."""
    crawl = cc_layout(tmp_path, robots={})
    proc = run_cli("export", str(crawl / "warc"), "--out", str(tmp_path / "out"), "-q")
    assert proc.returncode == 0, proc.stderr
    assert "nothing could be assessed" in proc.stdout
    assert "no page passed the rights policy" not in proc.stdout


def test_cli_explain_says_no_crawl_time_decision(cc_export: tuple[Path, Any]) -> None:
    out, _ = cc_export
    proc = run_cli("explain", str(out), "https://coast.example/article.html")
    assert proc.returncode == 0, proc.stderr
    assert "no crawl-time decision" in proc.stdout
    assert "offset -1" not in proc.stdout
    assert "policy archive" in proc.stdout


# --- a wget capture of a local site -------------------------------------------------------
@pytest.mark.slow
def test_wget_capture_of_local_site(site_server: Any, tmp_path: Path) -> None:
    """wget --warc-file archives robots.txt with the pages (recursive mode reads it first)."""
    server = site_server(FIXTURES / "site")
    work = tmp_path / "wget"
    work.mkdir()
    proc = subprocess.run(
        [
            "wget",
            "--recursive",
            "--level=1",
            "--no-verbose",
            "--warc-file=site",
            "--no-warc-keep-log",
            "--delete-after",
            server.url + "/",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (work / "site.warc.gz").exists(), proc.stderr
    out = tmp_path / "out"
    summary = run_export(work / "site.warc.gz", out, workers=1)
    found = entries(out)
    article = found[server.url + "/article.html"]
    assert article["status"] == "exported"
    assert summary.exported == 1
    robots = robots_item(article)
    assert robots["source"] == "same-archive"
    assert article["provenance"]["producer"].startswith("Wget")
    # wget itself obeys robots.txt, so /private/ was never fetched: nothing to exclude there
    assert server.url + "/private/notes.html" not in found


@pytest.mark.slow
def test_fetch_policies_archives_what_it_fetched(site_server: Any, tmp_path: Path) -> None:
    """--fetch-policies: the site's robots.txt fetched now, archived beside the dataset and
    recorded as fetched at export time."""
    server = site_server(FIXTURES / "site")
    warc = write_warc(
        tmp_path / "in" / "pages.warc.gz",
        [
            (server.url + "/article.html", 200, page("article.html"), DAY),
            (server.url + "/private/notes.html", 200, page("private/notes.html"), DAY),
        ],
    )
    out = tmp_path / "out"
    proc = run_cli("export", str(warc), "--out", str(out), "--fetch-policies", "-q")
    assert proc.returncode == 0, proc.stderr
    found = entries(out)
    article = found[server.url + "/article.html"]
    assert article["status"] == "exported"
    robots = robots_item(article)
    assert robots["source"] == "fetched-at-export"
    fetched = list((out / "policy-fetched").glob("*.warc.gz"))
    assert len(fetched) == 1
    assert robots["archived"]["file"] == f"policy-fetched/{fetched[0].name}"
    assert "robots-disallowed" in found[server.url + "/private/notes.html"]["decision"]["reasons"]
    assert "/robots.txt" in server.log.paths()


def test_verify_rederives_a_foreign_dataset(tmp_path: Path) -> None:
    """verify re-reads the page and the policy archive's robots.txt and re-derives each row;
    a changed robots.txt in the policy archive is a mismatch."""
    from export.verify import verify_dataset

    crawl = cc_layout(tmp_path, robots={"coast.example": ROBOTS_OK})
    out = tmp_path / "out"
    run_export(crawl / "warc", out, policy_warcs=[str(crawl / "robotstxt")], workers=1)
    report = verify_dataset(out, crawl / "warc", policy_warcs=[str(crawl / "robotstxt")])
    assert report.checked == 1
    assert report.mismatches == []
    # the same layout with a robots.txt that now disallows everything: the row no longer holds
    write_warc(
        crawl / "robotstxt" / "CC-MAIN-20200803-00000.warc.gz",
        [("https://coast.example/robots.txt", 200, b"User-agent: *\nDisallow: /\n", DAY)],
    )
    report = verify_dataset(out, crawl / "warc", policy_warcs=[str(crawl / "robotstxt")])
    assert report.mismatches


def test_revisit_naming_no_record_is_resolved_by_digest(tmp_path: Path) -> None:
    """warcio's sample revisit gives only the payload digest (no WARC-Refers-To): the page is
    decided on the earlier response with that payload, not left unresolved."""
    run_export(FIXTURES / "warcio" / "example.warc.gz", tmp_path / "out", workers=1)
    revisit = next(
        e
        for e in read_jsonl(tmp_path / "out" / "excluded.jsonl.gz")
        if e["warc"]["record_type"] == "revisit"
    )
    assert revisit["warc"]["payload_from"]["offset"] == 784
    assert not any(r.startswith("revisit-unresolved") for r in revisit["decision"]["reasons"])
    assert revisit["license"] is not None  # the page was read, so its licence was looked for


def test_empty_and_non_archive_files_are_reported(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a-empty.warc.gz").write_bytes(b"")
    (src / "b-not-gzip.warc.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    shutil.copy(FIXTURES / "warcio" / "example.warc.gz", src / "c-ok.warc.gz")
    warnings: list[str] = []
    summary = run_export(src, tmp_path / "out", workers=1, warn=warnings.append)
    assert summary.pages == 2
    assert any("a-empty.warc.gz" in w and "no readable WARC" in w for w in warnings)
    assert any("b-not-gzip.warc.gz" in w for w in warnings)


def test_chunked_response_is_dechunked(tmp_path: Path) -> None:
    """warcio's iana.org sample archives the body with its chunked framing (RFC 9112 §7.1):
    the page is decided on the HTML, not on the chunk-size lines."""
    from export.foreign import dechunk

    assert dechunk(b"4\r\nWiki\r\n6;x=y\r\npedia \r\n0\r\n\r\n") == b"Wikipedia "
    with pytest.raises(ValueError, match="chunk"):
        dechunk(b"ff\r\nshort")
    policy = Policy.from_dict({"name": "t", "archive_required_policy_files": []})
    run_export(
        FIXTURES / "warcio" / "example-iana.org-chunked.warc", tmp_path / "out", policy=policy
    )
    e = entries(tmp_path / "out")["http://www.iana.org/"]
    assert e["decision"]["reasons"] == ["no-license"]  # read as HTML: no licence on iana.org
    assert e["paywall"]["paywalled"] is False
