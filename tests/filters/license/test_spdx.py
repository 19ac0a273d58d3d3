"""Licence URL and name normalisation (filters.license.spdx).

URL cases follow shared/reference/licenses.md §2 (the URL → SPDX table and "Pitfalls"); which
Creative Commons ports exist is checked against the SPDX list bundled in license-expression, not
against a list kept here.
"""

from __future__ import annotations

import pytest
from license_expression import get_spdx_licensing

from filters.license.names import find_license_names, normalize_text
from filters.license.spdx import (
    CC_UNSPECIFIED,
    cc_license_id,
    cc_url_to_spdx,
    license_url_to_spdx,
    normalize_url,
    remove_dot_segments,
    spdx_key,
)


@pytest.mark.parametrize(
    ("url", "spdx"),
    [
        ("//creativecommons.org/licenses/by-sa/3.0/", "CC-BY-SA-3.0"),
        ("http://creativecommons.org/licenses/by-sa/3.0/", "CC-BY-SA-3.0"),
        ("https://www.creativecommons.org/licenses/by-sa/3.0", "CC-BY-SA-3.0"),
        ("https://creativecommons.org/licenses/by/4.0/?ref=chooser-v1", "CC-BY-4.0"),
        ("https://creativecommons.org/licenses/by/4.0/#fragment", "CC-BY-4.0"),
        ("https://creativecommons.org/licenses/by/4.0/deed", "CC-BY-4.0"),
        ("https://creativecommons.org/licenses/by/3.0/deed.de", "CC-BY-3.0"),
        ("https://creativecommons.org/licenses/by-nc-nd/4.0/legalcode.de", "CC-BY-NC-ND-4.0"),
        ("https://creativecommons.org/licenses/by-nc-nd/4.0/legalcode", "CC-BY-NC-ND-4.0"),
        ("HTTPS://CreativeCommons.org/Licenses/BY-SA/4.0/", "CC-BY-SA-4.0"),
        ("http://creativecommons.org/licenses/by-sa/3.0/de/", "CC-BY-SA-3.0-DE"),
        ("http://creativecommons.org/licenses/by-sa/3.0/de/deed.en", "CC-BY-SA-3.0-DE"),
        ("http://creativecommons.org/licenses/by-nc-sa/2.0/de/deed.de", "CC-BY-NC-SA-2.0-DE"),
        ("https://creativecommons.org/licenses/by-nc-sa/2.0/uk/", "CC-BY-NC-SA-2.0-UK"),
        ("https://creativecommons.org/licenses/by/3.0/igo/", "CC-BY-3.0-IGO"),
        ("creativecommons.org/licenses/by/2.0/de/", "LicenseRef-CC-BY-2.0-DE"),
        ("http://creativecommons.org/licenses/by-sa/2.5/ch/", "LicenseRef-CC-BY-SA-2.5-CH"),
        ("https://creativecommons.org/licenses/by/1.0/", "CC-BY-1.0"),
        ("http://creativecommons.org/licenses/by-nd-nc/1.0/", "CC-BY-NC-ND-1.0"),
        ("https://creativecommons.org/licenses/by-sa/2.1/jp/", "CC-BY-SA-2.1-JP"),
        ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0"),
        ("https://creativecommons.org/publicdomain/zero/1.0/deed.fr", "CC0-1.0"),
        ("https://creativecommons.org/publicdomain/mark/1.0/", "CC-PDM-1.0"),
        ("https://creativecommons.org/licenses/publicdomain/", "CC-PDDC"),
        ("https://i.creativecommons.org/l/by-sa/3.0/de/88x31.png", "CC-BY-SA-3.0-DE"),
        ("https://licensebuttons.net/l/by-nc-nd/2.0/88x31.png", "CC-BY-NC-ND-2.0"),
        ("https://i.creativecommons.org/p/zero/1.0/88x31.png", "CC0-1.0"),
        (
            "https://mirrors.creativecommons.org/presskit/buttons/88x31/png/by-sa.png",
            "LicenseRef-CC-BY-SA-unversioned",
        ),
        (
            "https://web.archive.org/web/20160330101229/http://creativecommons.org/licenses/by-sa/2.0/de",
            "LicenseRef-CC-BY-SA-2.0-DE",
        ),
        ("http://creativecommons.org/licenses/by-sa", "LicenseRef-CC-BY-SA-unversioned"),
        ("https://www.gnu.org/licenses/fdl-1.3.html", "GFDL-1.3-only"),
        ("https://www.gnu.org/copyleft/fdl.html", "LicenseRef-GFDL-unversioned"),
        ("https://www.gnu.org/licenses/gpl-3.0.html", "GPL-3.0-only"),
        ("https://opensource.org/licenses/MIT", "MIT"),
        ("https://opensource.org/licenses/BSD-3-Clause", "BSD-3-Clause"),
        ("https://spdx.org/licenses/Apache-2.0.html", "Apache-2.0"),
        ("https://www.apache.org/licenses/LICENSE-2.0", "Apache-2.0"),
        ("https://choosealicense.com/licenses/unlicense/", "Unlicense"),
        ("https://unlicense.org/", "Unlicense"),
        ("https://opendatacommons.org/licenses/odbl/1.0/", "ODbL-1.0"),
        (
            "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
            "OGL-UK-3.0",
        ),
        ("https://www.govdata.de/dl-de/by-2-0", "DL-DE-BY-2.0"),
    ],
)
def test_url_forms(url: str, spdx: str) -> None:
    found = license_url_to_spdx(url)
    assert found is not None, url
    assert found.spdx == spdx
    assert cc_url_to_spdx(url) == spdx


@pytest.mark.parametrize(
    "url",
    [
        "http://creativecommons.org/licenses/",
        "https://creativecommons.org/about/",
        "https://creativecommons.org/licenses/sampling+/1.0/",
        "https://creativecommons.org/licenses/by/5.0/",
        "https://creativecommons.org/licenses/by-sa-nd/4.0/",
        "https://example.com/licenses/by/4.0/",
        "https://elpais.com/estaticos/aviso-legal/",
        "",
        "not a url at all",
        "javascript:void(0)",
    ],
)
def test_not_licences(url: str) -> None:
    assert license_url_to_spdx(url) is None


def test_deed_translation_is_recorded_as_such() -> None:
    found = license_url_to_spdx("https://creativecommons.org/licenses/by/3.0/deed.de")
    assert found is not None
    assert "translation" in found.note
    assert found.url == "https://creativecommons.org/licenses/by/3.0/"


def test_ports_follow_the_spdx_list() -> None:
    """A port is an SPDX id exactly when license-expression's SPDX list has it."""
    known = {s.key for s in get_spdx_licensing().known_symbols.values()}
    for port in ("de", "at", "ch", "es", "fr", "uk", "nl", "igo", "us", "au"):
        for elems in ("BY", "BY-SA", "BY-NC-SA", "BY-NC-ND"):
            for version in ("2.0", "2.5", "3.0"):
                lic = cc_license_id(set(elems.split("-")), version, port)
                assert lic is not None
                candidate = f"CC-{elems}-{version}-{port.upper()}"
                if candidate in known:
                    assert lic.spdx == candidate
                else:
                    assert lic.spdx == f"LicenseRef-{candidate}"


def test_four_point_oh_has_no_ports() -> None:
    lic = cc_license_id({"BY", "SA"}, "4.0", "de")
    assert lic is not None
    assert lic.spdx == "CC-BY-SA-4.0"
    assert "translation" in lic.note


def test_nd_with_sa_does_not_exist() -> None:
    assert cc_license_id({"BY", "ND", "SA"}, "4.0") is None


def test_spdx_key_is_case_insensitive() -> None:
    assert spdx_key("cc-by-sa-3.0-de") == "CC-BY-SA-3.0-DE"
    assert spdx_key("CC-BY-2.0-DE") is None


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        (
            "licensed under a Creative Commons Attribution-ShareAlike 4.0 International License",
            ["CC-BY-SA-4.0"],
        ),
        ("CC BY-SA 4.0", ["CC-BY-SA-4.0"]),
        ("cc-by 4.0", ["CC-BY-4.0"]),
        ("Lizenz: CC BY-NC-ND 3.0 DE", ["CC-BY-NC-ND-3.0-DE"]),
        ("CC-BY-NC-ND-4.0-DE", ["CC-BY-NC-ND-4.0"]),
        (
            "steht unter einer Creative Commons Namensnennung 3.0 Deutschland Lizenz",
            ["CC-BY-3.0-DE"],
        ),
        (
            "Creative Commons Namensnennung-NichtKommerziell-KeineBearbeitung 3.0 Unported Lizenz",
            ["CC-BY-NC-ND-3.0"],
        ),
        (
            "Creative Commons Namensnennung - Weitergabe unter gleichen Bedingungen 3.0 Österreich",
            ["CC-BY-SA-3.0-AT"],
        ),
        ("sous licence Creative Commons Attribution 4.0", ["CC-BY-4.0"]),
        (
            "Creative Commons Attribution - Pas d’Utilisation Commerciale - Pas de Modification 4.0 International",
            ["CC-BY-NC-ND-4.0"],
        ),
        (
            "Creative Commons Reconocimiento-NoComercial-CompartirIgual 4.0 Internacional",
            ["CC-BY-NC-SA-4.0"],
        ),
        (
            "Creative Commons Attribuzione - Non commerciale - Non opere derivate 4.0 Internazionale",
            ["CC-BY-NC-ND-4.0"],
        ),
        (
            "Creative Commons Naamsvermelding-NietCommercieel-GeenAfgeleideWerken 4.0 Internationaal",
            ["CC-BY-NC-ND-4.0"],
        ),
        (
            "under an Attribution-Non Commercial-No Derivatives Creative Commons license",
            ["LicenseRef-CC-BY-NC-ND-unversioned"],
        ),
        (
            "Text is available under the Creative Commons Attribution-ShareAlike License",
            ["LicenseRef-CC-BY-SA-unversioned"],
        ),
        ("Lizenz: Creative Commons BY-NC-SA.", ["LicenseRef-CC-BY-NC-SA-unversioned"]),
        ("Dieses Weblog ist unter einer Creative Commons-Lizenz lizenziert.", [CC_UNSPECIFIED]),
        ("Texts CC BY-SA 4.0, photos CC BY-NC 2.0", ["CC-BY-SA-4.0", "CC-BY-NC-2.0"]),
        ("Crea\u00adtive Com\u00admons by", ["LicenseRef-CC-BY-unversioned"]),
        ("CC0 1.0 Universal", ["CC0-1.0"]),
        ("Public Domain Mark 1.0", ["CC-PDM-1.0"]),
        ("released under the MIT License", ["MIT"]),
        ("Apache License, Version 2.0", ["Apache-2.0"]),
        ("GNU Free Documentation License, Version 1.2 or any later version", ["GFDL-1.2-or-later"]),
        ("The Unlicense", ["Unlicense"]),
    ],
)
def test_names_in_text(text: str, ids: list[str]) -> None:
    assert [m.license.spdx for m in find_license_names(text)] == ids


@pytest.mark.parametrize(
    "text",
    [
        "cc: John Smith",
        "We need more CC-Lizenzen in der Verwaltung",
        "He was unlicensed to drive",
        "MIT researchers found",
        "success and access",
        "CC BY-SA 3.0 de l'auteur",  # the French "de" is not a port …
    ],
)
def test_names_not_misread(text: str) -> None:
    ids = [m.license.spdx for m in find_license_names(text)]
    assert all(not i.endswith("-DE") for i in ids)
    if "3.0" not in text:
        assert ids == [] or ids == [CC_UNSPECIFIED] or all("CC-BY" not in i for i in ids)


def test_normalize_text_keeps_offsets_simple() -> None:
    assert normalize_text("Crea\u00adtive\u00a0Commons – BY") == "creative commons - by"
    assert normalize_text("ABC", lower=False) == "ABC"


# -- RFC 3986 §6.2.2 normalisation before classifying (issue 11 item 18) --------------------


@pytest.mark.parametrize(
    ("url", "spdx"),
    [
        # §6.2.2.2: percent-encoded unreserved characters are the characters themselves.
        ("https://creativecommons.org/licenses/by%2Dnc/4.0/", "CC-BY-NC-4.0"),
        ("https://creativecommons.org/licenses/by%2dnc%2dnd/4.0/", "CC-BY-NC-ND-4.0"),
        ("https://creativecommons.org/licenses/%62%79-sa/4.0/", "CC-BY-SA-4.0"),
        ("https://creative%63ommons.org/licenses/by-nc/4.0/", "CC-BY-NC-4.0"),
        # §6.2.2.3 / §5.2.4: dot segments are resolved before the path is read.
        ("https://creativecommons.org/licenses/by/4.0/deed.de/../../../by-nd/4.0/", "CC-BY-ND-4.0"),
        (
            "https://creativecommons.org/licenses/by/4.0/../../by-nc-sa/3.0/de/",
            "CC-BY-NC-SA-3.0-DE",
        ),
        ("https://creativecommons.org/licenses/by/4.0/./", "CC-BY-4.0"),
        ("https://creativecommons.org/licenses/by/4.0/%2E%2E/%2E%2E/by-nc/4.0/", "CC-BY-NC-4.0"),
        # Browsers read a backslash as a slash in http(s) URLs (WHATWG URL Standard).
        ("https://creativecommons.org/licenses/by/4.0/..\\..\\by-nc\\4.0/", "CC-BY-NC-4.0"),
        # The query is not a path: its dots are left alone.
        ("https://creativecommons.org/licenses/by/4.0/?next=../../by-nc/4.0/", "CC-BY-4.0"),
    ],
)
def test_url_is_normalised_before_it_is_classified(url: str, spdx: str) -> None:
    found = license_url_to_spdx(url)
    assert found is not None
    assert found.spdx == spdx


def test_percent_encoded_reserved_slash_is_not_a_path_separator() -> None:
    # "%2F" is reserved (RFC 3986 §2.2): decoding it would change the URL; not a known licence.
    assert license_url_to_spdx("https://creativecommons.org/licenses/by%2Fnc/4.0/") is None


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # RFC 3986 §5.2.4 worked examples and §5.4.1 normal examples (paths only).
        ("/a/b/c/./../../g", "/a/g"),
        ("mid/content=5/../6", "mid/6"),
        ("/b/c/d;p/../g", "/b/c/g"),
        ("/b/c/d;p/./", "/b/c/d;p/"),
        ("/b/c/..", "/b/"),
        ("/../g", "/g"),
        ("/a/../../../g", "/g"),
        ("", ""),
    ],
)
def test_remove_dot_segments_follows_rfc3986(path: str, expected: str) -> None:
    assert remove_dot_segments(path) == expected


def test_normalize_url_upper_cases_remaining_percent_encodings() -> None:
    assert normalize_url("https://example.org/a%2fb/%7euser") == "https://example.org/a%2Fb/~user"
