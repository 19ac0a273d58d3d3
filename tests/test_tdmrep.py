"""TDMRep ``/.well-known/tdmrep.json`` (filters.tdmrep): array order, patterns, bad files."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filters.tdmrep import TdmrepPolicy, tdmrep_from_fetch

URL = "http://h.example/.well-known/tdmrep.json"


def file(body: object, status: int = 200, **kw: str) -> TdmrepPolicy:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return tdmrep_from_fetch(URL, status, raw, "2026-11-27T00:00:00Z", **kw)


def reserved(policy: TdmrepPolicy, path: str) -> bool | None:
    return policy.signal("http://h.example" + path).reserved


@pytest.mark.parametrize(
    ("rules", "path", "expected"),
    [
        ([{"location": "/", "tdm-reservation": 1}], "/a", True),
        (
            [
                {"location": "/a/*", "tdm-reservation": 1},
                {"location": "/a/b", "tdm-reservation": 0},
            ],
            "/a/b",
            True,
        ),  # first match wins, not the most specific pattern
        (
            [
                {"location": "/a/b", "tdm-reservation": 0},
                {"location": "/a/*", "tdm-reservation": 1},
            ],
            "/a/b",
            False,
        ),
        (
            [
                {"location": "/a/b", "tdm-reservation": 0},
                {"location": "/a/*", "tdm-reservation": 1},
            ],
            "/a/c",
            True,
        ),
        ([{"location": "/docs/*.pdf$", "tdm-reservation": 1}], "/docs/x.pdf", True),
        ([{"location": "/docs/*.pdf$", "tdm-reservation": 1}], "/docs/x.pdf?v=2", None),
        ([{"location": "/Private/", "tdm-reservation": 1}], "/private/x", None),  # case-sensitive
        ([{"location": "/%7Euser/", "tdm-reservation": 1}], "/~user/a", True),  # unreserved decoded
        ([{"location": "/x", "tdm-reservation": 1}], "/y", None),
        ([{"location": "/", "tdm-reservation": 2}], "/a", None),  # protocol error: unset
        (
            [{"location": "/", "tdm-reservation": "yes"}, {"location": "/", "tdm-reservation": 1}],
            "/a",
            True,
        ),  # an erroneous entry is skipped
        ([{"location": "/", "tdm-reservation": "1"}], "/a", True),
        ([{"location": "/", "tdm-reservation": True}], "/a", True),
        ([{"tdm-reservation": 1}], "/anything", True),  # no location: whole site (fail closed)
        ([{"tdm-reservation": 0}], "/anything", None),
        ([{"location": "articles/", "tdm-reservation": 1}], "/articles/a", True),
        ([{"location": "https://h.example/news/", "tdm-reservation": 1}], "/news/1", True),
        ([], "/a", None),
        ({"location": "/", "tdm-reservation": 1}, "/a", True),  # single object read as array
        (["nonsense", {"location": "/", "tdm-reservation": 1}], "/a", True),
    ],
)
def test_rules(rules: object, path: str, expected: bool | None) -> None:
    assert reserved(file(rules), path) is expected


def test_evidence_names_entry_index_and_policy() -> None:
    p = file(
        [
            {"location": "/x/", "tdm-reservation": 0},
            {"location": "/", "tdm-reservation": 1, "tdm-policy": "https://h.example/p.json"},
        ]
    )
    sig = p.signal("http://h.example/a")
    (ev,) = sig.evidence
    assert ev.locator == f"{URL} entry [1]"
    assert "first matching entry in array order" in ev.note
    assert "tdm-policy https://h.example/p.json" in ev.note
    assert p.ref is not None
    assert len(p.ref.sha256) == 64


@pytest.mark.parametrize(
    ("body", "status", "expected", "why"),
    [
        (b"", 404, None, "no tdmrep.json (HTTP 404)"),
        (b"[]", 410, None, "no tdmrep.json (HTTP 410)"),
        (b"", 200, None, "is empty"),
        (b'[{"location": "/", "tdm-reservation": 1},]', 200, True, "not valid JSON"),
        (b"{oops", 200, True, "not valid JSON"),
        (b"\x00\x01\x02binary", 200, True, "not valid JSON"),
        (b"42", 200, True, "holds a JSON int"),
        (b"null", 200, True, "holds a JSON NoneType"),
        (b"<!DOCTYPE html><html><body>Not here</body></html>", 200, None, "soft 404"),
        (b"", 503, True, "HTTP 503"),
        (b"", 429, True, "HTTP 429"),
        (b"", 403, True, "access refused"),
        (b'\xef\xbb\xbf[{"location": "/", "tdm-reservation": 1}]', 200, True, "1 rule"),
    ],
)
def test_bad_and_absent_files(body: bytes, status: int, expected: bool | None, why: str) -> None:
    p = file(body, status)
    sig = p.signal("http://h.example/a")
    assert sig.reserved is expected
    assert why in sig.evidence[0].note or why in p.reason


def test_unreachable_file_fails_closed() -> None:
    p = file(b"", 0, error="ConnectionRefusedError: refused")
    sig = p.signal("http://h.example/a")
    assert sig.reserved is True
    assert "unreachable" in sig.evidence[0].note


def test_not_checked() -> None:
    assert TdmrepPolicy.not_checked(URL, "robots.txt disallows it").signal("http://h/a").reserved
    skipped = TdmrepPolicy.not_checked(URL, "robots.txt refuses all", fail_closed=False)
    assert skipped.signal("http://h/a").reserved is None


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=2000), status=st.sampled_from([200, 200, 404, 500]))
def test_never_raises_on_bytes(body: bytes, status: int) -> None:
    p = file(body, status)
    for path in ("/", "/a/b", "/%zz"):
        assert p.signal("http://h.example" + path).reserved in (True, False, None)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 3) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["location", "tdm-reservation", "tdm-policy", "x"]), inner, max_size=4
        )
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(doc=JSON)
def test_never_raises_on_json_shapes(doc: object) -> None:
    p = file(doc)
    assert p.signal("http://h.example/a/b").reserved in (True, False, None)
