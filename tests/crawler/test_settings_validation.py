"""Bad settings and bad CLI input: one line, exit code 2, before anything is fetched (issue 11
item 13). ``crawler.settingscheck`` is exercised on real Scrapy ``Settings`` built from
``crawler.settings`` for every typed setting, and end to end through ``clearcrawl crawl``,
``scrapy crawl site`` and ``clearcrawl export`` in subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.settings import Settings

from crawler.settingscheck import TEXT_SETTINGS, check_settings, known_settings
from tests.support.helpers import ROOT, SITES, run_cli


def _settings(**overrides: object) -> Settings:
    s = Settings()
    s.setmodule("crawler.settings", priority="project")
    for k, v in overrides.items():
        s.set(k, v, priority="cmdline")
    return s


def _error_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if "error" in ln.lower()]


TYPED = sorted(
    name
    for name, default in known_settings().items()
    if isinstance(default, bool | int | float) and name not in TEXT_SETTINGS
)


def test_defaults_pass() -> None:
    check_settings(_settings())


@pytest.mark.parametrize("name", TYPED)
def test_every_typed_setting_refuses_garbage(name: str) -> None:
    with pytest.raises(ValueError, match=f"^{name} must be ") as err:
        check_settings(_settings(**{name: "abc"}))
    assert "\n" not in str(err.value)
    assert "'abc'" in str(err.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CLEARCRAWL_WARC_MAX_BYTES", "2000000"),
        ("CLEARCRAWL_WARC_CDXJ", "false"),
        ("CLEARCRAWL_WARC_CDXJ", "0"),
        ("CLEARCRAWL_ROBOTS_CACHE_SECONDS", "3600.5"),
        ("CLEARCRAWL_CRAWL_DELAY_MAX", "10"),
        ("CLEARCRAWL_WARC_PREFIX", "mine"),
        ("CLEARCRAWL_S3_REGION", "eu-west-1"),
    ],
)
def test_well_typed_values_pass(name: str, value: str) -> None:
    check_settings(_settings(**{name: value}))


def test_whole_number_setting_refuses_a_fraction() -> None:
    with pytest.raises(ValueError, match="CLEARCRAWL_WARC_GZIP_LEVEL must be a whole number"):
        check_settings(_settings(CLEARCRAWL_WARC_GZIP_LEVEL="6.5"))


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("CLEARCRAWL_WARC_MAX_BYTE", "CLEARCRAWL_WARC_MAX_BYTES"),
        ("CLEARCRAWL_AI_TOKEN", "CLEARCRAWL_AI_TOKENS"),
        ("CLEARCRAWL_CONTCT", "CLEARCRAWL_CONTACT"),
        ("CLEARCRAWL_XYZZY_PLUGH_FROB", None),
    ],
)
def test_unknown_clearcrawl_setting_is_refused(name: str, suggestion: str | None) -> None:
    with pytest.raises(ValueError, match=f"^unknown setting {name}") as err:
        check_settings(_settings(**{name: "1"}))
    if suggestion:
        assert f"did you mean {suggestion}?" in str(err.value)
    else:
        assert "did you mean" not in str(err.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CONCURRENT_REQUESTS_PER_DOMAIN", 0),
        ("CONCURRENT_REQUESTS", 0),
        ("CONCURRENT_REQUESTS", -3),
        ("CONCURRENT_REQUESTS_PER_DOMAIN", "many"),
        ("CONCURRENT_ITEMS", 0),
    ],
)
def test_concurrency_that_would_hang_is_refused(name: str, value: object) -> None:
    with pytest.raises(ValueError, match=f"^{name} must be"):
        check_settings(_settings(**{name: value}))


# --- end to end --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("CLEARCRAWL_WARC_MAX_BYTES=abc", "CLEARCRAWL_WARC_MAX_BYTES must be a whole number"),
        ("CLEARCRAWL_WARC_MAX_BYTE=2000000", "did you mean CLEARCRAWL_WARC_MAX_BYTES?"),
        ("CONCURRENT_REQUESTS_PER_DOMAIN=0", "CONCURRENT_REQUESTS_PER_DOMAIN must be at least 1"),
    ],
)
def test_crawl_refuses_bad_settings_in_one_line(
    site_server, tmp_path: Path, setting: str, message: str
) -> None:
    server = site_server("robots-grouping")
    proc = run_cli(
        "crawl", server.url + "/", "--out", str(tmp_path / "c"), "--quiet", "-s", setting
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    (line,) = _error_lines(proc.stderr)
    assert line.startswith("clearcrawl: error: ")
    assert message in line
    assert "Traceback" not in proc.stderr
    assert server.log.paths() == []


def _scrapy(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        check=False,
    )


def test_scrapy_crawl_site_without_arguments_is_one_line() -> None:
    proc = _scrapy("crawl", "site", "-s", "LOG_LEVEL=WARNING")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    (line,) = _error_lines(proc.stderr)
    assert line.startswith("scrapy crawl site: error: ")
    assert "seed" in line


def test_scrapy_crawl_site_refuses_a_misspelled_setting(site_server, tmp_path: Path) -> None:
    server = site_server("robots-grouping")
    proc = _scrapy(
        "crawl",
        "site",
        "-a",
        f"seeds={server.url}/",
        "-s",
        f"CLEARCRAWL_OUTPUT_DIR={tmp_path / 'c'}",
        "-s",
        "CLEARCRAWL_POLICY_FLE=x.toml",
        "-s",
        "LOG_LEVEL=WARNING",
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    (line,) = _error_lines(proc.stderr)
    assert "did you mean CLEARCRAWL_POLICY_FILE?" in line
    assert server.log.paths() == []


def test_export_of_a_plain_file_is_bad_input(tmp_path: Path) -> None:
    src = SITES / "robots-grouping" / "robots.txt"
    proc = run_cli("export", str(src), "--out", str(tmp_path / "ds"))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line == f"clearcrawl: error: {src} is a file, not a crawl folder (or a .warc.gz file)"


def test_export_to_an_unwritable_out_is_bad_input(demo_crawl: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    proc = run_cli("export", str(demo_crawl), "--out", str(blocker / "ds"))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith(f"clearcrawl: error: cannot write to --out {blocker / 'ds'}")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to a read-only folder")
def test_export_to_a_read_only_folder_is_bad_input(demo_crawl: Path, tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        proc = run_cli("export", str(demo_crawl), "--out", str(ro / "ds"))
    finally:
        ro.chmod(0o700)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "cannot write to --out" in proc.stderr


def test_scrapy_crawl_site_with_no_reachable_seed_fails(tmp_path: Path) -> None:
    """As ``clearcrawl crawl`` (issue 11 item 11): no seed fetched is a failed run, exit 1."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: connections are refused
    seed = f"http://127.0.0.1:{port}/"
    proc = _scrapy(
        "crawl",
        "site",
        "-a",
        f"seeds={seed}",
        "-s",
        f"CLEARCRAWL_OUTPUT_DIR={tmp_path / 'c'}",
        "-s",
        "RETRY_TIMES=0",
        "-s",
        "LOG_LEVEL=CRITICAL",
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    (line,) = _error_lines(proc.stderr)
    assert line.startswith("scrapy crawl site: error: no seed could be fetched")
    assert seed in line
