"""``explain``'s archived-copy pointers and its record lookup (issue 11, item 8).

Every policy-file pointer of a manifest entry must name the record holding (or, for a
revisit, referring to) that file: followed, it lands on a record whose ``WARC-Target-URI`` is
the file named. And ``explain DATASET KEY`` finds a record by URL variants (trailing slash,
scheme/host case, default port, percent-encoding) and by a unique id prefix; otherwise it fails
with one line naming the candidates or the closest URLs.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from crawler.cli import main
from export.run import run_export
from export.warcread import read_record_at
from tests.support.helpers import read_jsonl


@pytest.fixture(scope="module")
def demo_export(demo_crawl: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pointers") / "ds"
    run_export(demo_crawl, out, workers=2)
    return out


def _entries(dataset: Path) -> list[dict]:
    return [
        e
        for name in ("manifest.jsonl.gz", "excluded.jsonl.gz", "not-fetched.jsonl.gz")
        for e in read_jsonl(dataset / name)
    ]


def test_every_policy_file_pointer_names_that_file(demo_export: Path, demo_crawl: Path) -> None:
    warcs = {p.name: p for p in (demo_crawl / "warc").rglob("*.warc.gz")}
    followed = revisits = 0
    wrong: list[str] = []
    for entry in _entries(demo_export):
        for pf in entry["policy_files"]:
            ptr = pf["archived"]
            if ptr is None:
                continue
            record, _ = read_record_at(str(warcs[ptr["file"]]), ptr["offset"])
            assert record.rec_headers.get_header("WARC-Record-ID") == ptr["record_id"]
            target = record.rec_headers.get_header("WARC-Target-URI")
            if target != (pf["final_url"] or pf["url"]):
                wrong.append(f"{entry['url']}: the {pf['kind']} pointer names {target}")
            followed += 1
            original = pf.get("original")
            if record.rec_type == "revisit":
                revisits += 1
                assert original is not None
                held, _ = read_record_at(str(warcs[original["file"]]), original["offset"])
                assert held.rec_type == "response"
                assert held.rec_headers.get_header("WARC-Record-ID") == original["record_id"]
                refers = record.rec_headers.get_header("WARC-Refers-To")
                assert refers == original["record_id"]
            else:
                assert original is None
    assert wrong == []
    assert followed
    assert revisits, "the demo archives identical policy files as revisits"


def test_explain_names_a_revisited_policy_file_as_itself(
    demo_export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = next(
        e
        for e in read_jsonl(demo_export / "manifest.jsonl.gz")
        if any(pf["original"] for pf in e["policy_files"])
    )
    assert main(["explain", str(demo_export), entry["id"]]) == 0
    out = capsys.readouterr().out
    pf = next(pf for pf in entry["policy_files"] if pf["original"])
    line = next(x for x in out.splitlines() if f"Policy file {pf['kind']} {pf['url']}" in x)
    assert f"record {pf['archived']['record_id']}" in line
    assert "a revisit of" in line
    assert pf["original"]["record_id"] in line


def _explain(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["explain", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _url_entry(dataset: Path, ending: str) -> dict:
    return next(e for e in read_jsonl(dataset / "manifest.jsonl.gz") if e["url"].endswith(ending))


@pytest.mark.parametrize(
    "variant",
    [
        lambda u: u.replace("http://", "HTTP://"),
        lambda u: u.replace("tides.html", "tides.html#top"),
        lambda u: u.replace("/articles/", "/%61rticles/"),
        lambda u: u + "/",
        lambda u: " " + u + " ",
    ],
    ids=["scheme-case", "fragment", "percent-encoding", "trailing-slash", "spaces"],
)
def test_explain_matches_url_variants(
    demo_export: Path, capsys: pytest.CaptureFixture[str], variant
) -> None:
    entry = _url_entry(demo_export, "/articles/tides.html")
    code, expected, _ = _explain(capsys, str(demo_export), entry["url"])
    assert code == 0
    code, out, err = _explain(capsys, str(demo_export), variant(entry["url"]))
    assert code == 0, err
    assert out == expected


def test_explain_matches_host_case_and_default_port(
    demo_export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from export.explain import url_key

    assert url_key("HTTP://Example.ORG:80/a/") == url_key("http://example.org/a")
    assert url_key("https://example.org:443/%7Euser") == url_key("https://example.org/~user")
    assert url_key("http://example.org/") == url_key("http://example.org")
    assert url_key("http://example.org/a?b=1") != url_key("http://example.org/a?b=2")
    assert url_key("http://example.org/a%2Fb") != url_key("http://example.org/a/b")
    root = next(e for e in _entries(demo_export) if e["url"].endswith("/"))
    code, expected, _ = _explain(capsys, str(demo_export), root["url"])
    code, out, err = _explain(capsys, str(demo_export), root["url"].rstrip("/"))
    assert code == 0, err
    assert out == expected


def test_explain_accepts_a_unique_id_prefix(
    demo_export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = _entries(demo_export)
    ids = [e["id"] for e in entries]
    entry = entries[0]
    prefix = next(
        entry["id"][:n]
        for n in range(4, len(entry["id"]))
        if sum(i.startswith(entry["id"][:n]) for i in ids) == 1
    )
    code, by_prefix, _ = _explain(capsys, str(demo_export), prefix)
    assert code == 0
    code, by_id, _ = _explain(capsys, str(demo_export), entry["id"])
    assert by_prefix == by_id


def test_an_ambiguous_id_prefix_lists_the_candidates(
    demo_export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = sorted({e["id"] for e in _entries(demo_export)})
    # the longest prefix shared by two different ids
    best = ""
    for a, b in itertools.pairwise(ids):
        n = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), 0)
        if n > len(best):
            best = a[:n]
    assert best, "the demo export has ids sharing a first character"
    code, out, err = _explain(capsys, str(demo_export), best)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "ambiguous" in err
    for i in ids:
        if i.startswith(best):
            assert i in err


def test_no_match_suggests_the_closest_urls(
    demo_export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = _url_entry(demo_export, "/articles/tides.html")
    typo = entry["url"].replace("tides.html", "tiddes.html")
    code, out, err = _explain(capsys, str(demo_export), typo)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "did you mean" in err
    assert entry["url"] in err


def test_verify_follows_revisited_policy_files(demo_export: Path, demo_crawl: Path) -> None:
    from export.verify import verify_dataset

    rows = read_jsonl(demo_export / "manifest.jsonl.gz")
    assert any(pf["original"] for e in rows for pf in e["policy_files"])
    report = verify_dataset(demo_export, demo_crawl, workers=1)
    assert report.ok, report.mismatches
    assert report.checked == len(rows)
