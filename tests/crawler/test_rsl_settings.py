"""CLEARCRAWL_RSL_USER / CLEARCRAWL_RSL_GEO (RSL 1.0 §3.4.1): validated before anything is fetched."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.settings import Settings

from crawler.rightsconfig import load_rsl_context
from crawler.settingscheck import check_settings
from filters.rsl import RslContext
from tests.support.helpers import run_cli


def _settings(**overrides: object) -> Settings:
    s = Settings()
    s.setmodule("crawler.settings", priority="project")
    for k, v in overrides.items():
        s.set(k, v, priority="cmdline")
    return s


def test_unset_is_unknown() -> None:
    assert load_rsl_context(_settings()) == RslContext()


def test_values_are_normalised() -> None:
    ctx = load_rsl_context(_settings(CLEARCRAWL_RSL_USER="Education", CLEARCRAWL_RSL_GEO="de, eu"))
    assert ctx == RslContext(user="education", geo=("DE", "EU"))


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CLEARCRAWL_RSL_USER", "robot", "is not an RSL 1.0 user type"),
        ("CLEARCRAWL_RSL_GEO", "Germany", "ISO 3166-1 alpha-2 codes only"),
    ],
)
def test_bad_values_are_refused(name: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as err:
        check_settings(_settings(**{name: value}))
    assert name in str(err.value)


def test_crawl_refuses_a_bad_rsl_setting_in_one_line(site_server, tmp_path: Path) -> None:
    server = site_server("robots-grouping")
    proc = run_cli(
        "crawl",
        server.url + "/",
        "--out",
        str(tmp_path / "c"),
        "--quiet",
        "-s",
        "CLEARCRAWL_RSL_USER=robot",
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "CLEARCRAWL_RSL_USER" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert server.log.paths() == []
