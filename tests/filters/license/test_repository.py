"""Repository pages: a README under the repository's declared licence (issue 17).

Synthetic repository pages written for these tests (schema.org ``SoftwareSourceCode`` with the
README as its ``text``, the licence named next to a link to the repository's licence file).
"""

from __future__ import annotations

import pytest

from filters.html import parse_page
from filters.license import detect_license
from filters.license.names import find_license_names
from filters.results import LicenseFinding, Scope

README = (
    "<h1>tidepool</h1><p>" + "Tidepool parses tide tables and predicts low water. " * 8 + "</p>"
)


def repo_page(sidebar: str, readme: str = README, *, url: str = "", item: bool = True) -> bytes:
    itemtype = ' itemscope itemtype="http://schema.org/SoftwareSourceCode"' if item else ""
    canonical = '<link rel="canonical" href="https://code.example/ada/tidepool">'
    return (
        f"<!doctype html><html><head><title>ada/tidepool</title>{canonical}</head><body>"
        f"<main><div{itemtype}><div class='files'><a href='/ada/tidepool/blob/main/setup.py'>"
        f"setup.py</a></div><div class='repo-about'>{sidebar}</div>"
        f'<div id="readme"><article class="markdown-body" itemprop="text">{readme}</article>'
        "</div></div></main></body></html>"
    ).encode()


def detect(data: bytes, url: str = "") -> LicenseFinding:
    return detect_license(parse_page(url, None, data))


@pytest.mark.parametrize(
    ("label", "spdx"),
    [
        ("MIT License", "MIT"),
        ("Apache-2.0 license", "Apache-2.0"),
        ("GPL-3.0 license", "GPL-3.0-only"),
    ],
)
def test_readme_is_under_the_licence_named_by_the_licence_file_link(label: str, spdx: str) -> None:
    f = detect(repo_page(f'<a href="/ada/tidepool/blob/main/LICENSE">{label}</a>'))
    assert (f.spdx, f.scope, f.ambiguous) == (spdx, Scope.PAGE, False)
    assert "repository page" in f.reason
    assert f.hits[0].evidence.excerpt.startswith("/ada/tidepool/blob/main/LICENSE")


def test_a_licence_file_of_another_repository_does_not_license_the_readme() -> None:
    readme = README + (
        '<p>Built on <a href="https://code.example/bob/tides/blob/main/LICENSE.md">MIT License'
        "</a> code.</p>"
    )
    f = detect(repo_page("", readme))
    assert (f.spdx, f.scope) == (None, Scope.PART)


def test_without_a_repository_item_a_software_licence_stays_the_softwares() -> None:
    f = detect(repo_page('<a href="/ada/tidepool/blob/main/LICENSE">MIT License</a>', item=False))
    assert (f.spdx, f.scope) == (None, Scope.PART)
    assert "software licence" in f.reason


def test_repository_item_without_a_readme_is_not_a_readme_page() -> None:
    data = (
        "<!doctype html><html><head><title>x</title></head><body><main>"
        '<div itemscope itemtype="http://schema.org/SoftwareSourceCode">'
        "<p>" + "Release notes for tidepool 2.0 and what changed in the parser. " * 6 + "</p>"
        '<a href="/ada/tidepool/blob/main/LICENSE">MIT License</a></div></main></body></html>'
    ).encode()
    f = detect(data)
    assert f.spdx is None


def test_the_page_url_decides_which_repository_is_shown() -> None:
    sidebar = '<a href="https://code.example/ada/tidepool/blob/main/LICENSE">MIT License</a>'
    assert detect(repo_page(sidebar), url="https://code.example/ada/tidepool").spdx == "MIT"
    assert detect(repo_page(sidebar), url="https://code.example/eve/fork").spdx is None


@pytest.mark.parametrize(
    ("text", "spdx"),
    [
        ("LGPL-3.0 license", "LGPL-3.0-only"),
        ("GPLv2+", "GPL-2.0-or-later"),
        ("GNU Affero General Public License v3", "AGPL-3.0-only"),
        ("GNU Lesser General Public License, version 2.1 or later", "LGPL-2.1-or-later"),
        ("MPL-2.0", "MPL-2.0"),
    ],
)
def test_gnu_and_mozilla_licence_names(text: str, spdx: str) -> None:
    assert [m.license.spdx for m in find_license_names(text)] == [spdx]


def test_gpl_without_a_version_names_no_licence() -> None:
    assert find_license_names("MoinMoin is GPL licensed") == []
