"""``LicenseTokenMiddleware`` and the WARC redaction, with a real Scrapy crawler (issue 15)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.middlewares.capture import request_headers
from crawler.middlewares.grants import LicenseTokenMiddleware, redact_authorization
from spiders.site import SiteSpider

TOKEN = "tok-123"  # noqa: S105 - a test licence token


def _grants(tmp_path: Path, until: str = "2099-12-31", token: bool = True) -> Path:
    f = tmp_path / "grants.toml"
    f.write_text(
        f"""[[grants]]
id = "G1"
counterparty = "P"
document_sha256 = "{"d" * 64}"
origin = "https://pub.example"
permits = ["ai-train"]
valid_from = 2020-01-01
valid_until = {until}
"""
        + (f'license_token = "{TOKEN}"\n' if token else "")
    )
    return f


def _mw(tmp_path: Path, **kw: object) -> LicenseTokenMiddleware:
    crawler = get_crawler(SiteSpider, {"CLEARCRAWL_GRANTS_FILE": str(_grants(tmp_path, **kw))})  # type: ignore[arg-type]
    return LicenseTokenMiddleware.from_crawler(crawler)


def test_token_added_for_its_origin_and_removed_elsewhere(tmp_path: Path) -> None:
    mw = _mw(tmp_path)
    own = Request("https://pub.example/a")
    mw.process_request(own)
    assert own.headers[b"Authorization"] == b"License " + TOKEN.encode()
    # a redirect to another origin copies the headers: the token is taken off again
    hop = own.replace(url="https://other.example/b")
    assert hop.headers[b"Authorization"] == b"License " + TOKEN.encode()
    mw.process_request(hop)
    assert b"Authorization" not in hop.headers
    # another scheme is another origin; a Basic credential that is not ours is left alone
    basic = Request("http://pub.example/a", headers={"Authorization": "Basic eA=="})
    mw.process_request(basic)
    assert basic.headers[b"Authorization"] == b"Basic eA=="


def test_an_expired_grant_sends_nothing(tmp_path: Path) -> None:
    mw = _mw(tmp_path, until="2021-01-01")
    req = Request("https://pub.example/a")
    mw.process_request(req)
    assert b"Authorization" not in req.headers


def test_without_a_token_the_middleware_is_off_and_a_bad_file_stops_the_crawl(
    tmp_path: Path,
) -> None:
    with pytest.raises(NotConfigured):
        _mw(tmp_path, token=False)
    bad = tmp_path / "bad.toml"
    bad.write_text("[[grants]]\nid = 'x'\n")
    crawler = get_crawler(SiteSpider, {"CLEARCRAWL_GRANTS_FILE": str(bad)})
    with pytest.raises(ValueError, match=r"CLEARCRAWL_GRANTS_FILE: .*document_sha256"):
        LicenseTokenMiddleware.from_crawler(crawler)


def test_the_archived_request_holds_the_digest_not_the_token(tmp_path: Path) -> None:
    req = Request("https://pub.example/a")
    _mw(tmp_path).process_request(req)
    stored = dict(request_headers(req))
    digest = hashlib.sha256(TOKEN.encode()).hexdigest()
    assert stored[b"Authorization"] == f"License [redacted sha256:{digest}]".encode()
    assert redact_authorization(b"Authorization", b"Basic eA==") == b"Basic eA=="
    assert redact_authorization(b"X-Other", b"License x") == b"License x"
