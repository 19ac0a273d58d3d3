"""TDMRep ``/.well-known/tdmrep.json`` (filters.optout.tdmrep): array order, patterns, bad files."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filters.optout import tdmrep
from filters.optout.tdmrep import COSTLY_RULES, MAX_BYTES, TdmrepPolicy, tdmrep_from_fetch
from filters.robots import robots_from_fetch
from filters.robots.match import pattern_matches

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
        ([{"location": "articles/", "tdm-reservation": 1}], "/articles/a", True),
        ([{"location": "https://h.example/news/", "tdm-reservation": 1}], "/news/1", True),
        ([], "/a", None),
        (
            [{"location": "/x", "tdm-reservation": 0, "tdm-policy": "", "extra": [1]}],
            "/x",
            False,
        ),  # unknown keys are ignored
    ],
)
def test_rules(rules: object, path: str, expected: bool | None) -> None:
    assert reserved(file(rules), path) is expected


#: Valid JSON of the wrong shape (TDMRep §3.3: an array of objects with a string ``location``
#: and ``tdm-reservation`` 0 or 1), each with what the evidence must say. Until issue 11 (item 19)
#: the first six read as unset or "not reserved" (entries skipped, values coerced, an object
#: read as a one-rule array), contrary to the module's own fail-closed rule.
MALFORMED = [
    ([[{"location": "/", "tdm-reservation": 1}]], "entry [0] is a JSON list"),
    (["/", 1], "entry [0] is a JSON str"),
    ({"location": "/", "tdm-reservation": 0}, "holds a JSON dict, not an array"),
    ([{"location": "/", "tdm-reservation": 2}], "tdm-reservation 2 is not the integer 0 or 1"),
    ([{"location": "/", "tdm-reservation": "0"}], "tdm-reservation '0'"),
    ([{"location": "/", "tdm-reservation": False}], "tdm-reservation False"),
    ([{"tdm-reservation": 0}], "location None is missing"),
    ([{"location": 7, "tdm-reservation": 0}], "location 7 is missing, empty or not a string"),
    ([{"location": ["/a"], "tdm-reservation": 0}], "not a string"),
    ([{"location": " ", "tdm-reservation": 0}], "missing, empty or not a string"),
    ([{"location": "/a", "tdm-reservation": 1.5}], "tdm-reservation 1.5"),
    ([{"location": "/a", "tdm-reservation": None}], "tdm-reservation None"),
    ([{"location": "/a"}], "tdm-reservation None"),
    ([{"location": "/a", "tdm-reservation": 0, "tdm-policy": 3}], "tdm-policy 3 is not a string"),
    (
        [{"location": "/x", "tdm-reservation": 0}, {"location": "/", "tdm-reservation": "yes"}],
        "entry [1]",
    ),
    ([{"location": "https://other.example/", "tdm-reservation": 0}], "names another host"),
    ("[]", "holds a JSON str"),
    (1, "holds a JSON int"),
]


@pytest.mark.parametrize(("doc", "why"), MALFORMED)
def test_wrong_shape_fails_closed_with_evidence(doc: object, why: str) -> None:
    p = file(doc)
    for path in ("/", "/a", "/x", "/other/page.html"):
        sig = p.signal("http://h.example" + path)
        assert sig.reserved is True, (doc, path)
        (ev,) = sig.evidence
        assert why in ev.note, ev.note
        assert "fail closed" in ev.note


def test_duplicate_keys_fail_closed() -> None:
    p = file(b'[{"location": "/", "tdm-reservation": 1, "tdm-reservation": 0}]')
    sig = p.signal("http://h.example/a")
    assert sig.reserved is True
    assert "more than once" in sig.evidence[0].note


def test_file_over_the_cap_fails_closed_and_is_recorded() -> None:
    rules = [{"location": f"/nothing-{i}/", "tdm-reservation": 0} for i in range(20_000)]
    body = json.dumps(rules).encode()
    assert len(body) > MAX_BYTES
    p = file(body)
    sig = p.signal("http://h.example/a")
    assert sig.reserved is True
    assert f"over the {MAX_BYTES}-byte cap" in sig.evidence[0].note
    assert p.ref is not None
    assert p.ref.truncated
    # the same bytes under a raised cap are a well-formed file that reserves nothing
    raised = tdmrep_from_fetch(URL, 200, body, "2026-11-27T00:00:00Z", max_bytes=len(body))
    assert raised.signal("http://h.example/nothing-7/x").reserved is False
    assert raised.signal("http://h.example/a").reserved is None


def test_refused_by_robots_is_not_an_optout() -> None:
    robots = robots_from_fetch(
        "http://h.example/robots.txt",
        200,
        b"User-agent: GPTBot\nDisallow: /.well-known/\n",
        "2026-11-27T00:00:00Z",
    )
    verdict = robots.verdict(URL, ("clearcrawl", "GPTBot"))
    assert not verdict.allowed
    sig = TdmrepPolicy.refused_by_robots(URL, verdict).signal("http://h.example/a")
    assert sig.reserved is None
    assert "robots.txt forbids fetching it" in sig.evidence[0].note
    assert any(e.excerpt == "Disallow: /.well-known/" for e in sig.evidence[1:])
    assert any("GPTBot" in e.note and "line 2" in e.locator for e in sig.evidence[1:])


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


def well_formed(doc: object) -> bool:
    """TDMRep §3.3's file, stated independently of the module under test."""
    return isinstance(doc, list) and all(
        isinstance(e, dict)
        and isinstance(e.get("location"), str)
        and e["location"].strip() != ""
        and not e["location"].strip().startswith(("http://", "https://"))
        and type(e.get("tdm-reservation")) is int
        and e["tdm-reservation"] in (0, 1)
        and isinstance(e.get("tdm-policy", ""), str)
        for e in doc
    )


RULE = st.fixed_dictionaries(
    {},
    optional={
        "location": st.sampled_from(["/", "/a", "/a/*", "*", "", 1, None, ["/"]]),
        "tdm-reservation": st.sampled_from([0, 1, 2, -1, "1", "0", True, False, 0.5, None]),
        "tdm-policy": st.sampled_from(["", "https://h.example/p", 1, None]),
    },
)
NEAR_MISS = st.lists(RULE | JSON, max_size=4) | RULE | JSON


@settings(max_examples=400, deadline=None)
@given(doc=NEAR_MISS, path=st.sampled_from(["/", "/a", "/a/b", "/x?q=1", "/%7E"]))
def test_wrong_shape_never_yields_no_reservation(doc: object, path: str) -> None:
    """Any JSON value that is not a well-formed rule array reserves every URL."""
    if well_formed(doc):
        return
    assert reserved(file(doc), path) is True


PATH_CHARS = st.sampled_from(list("/ab-._~=%7E2Fé?*$&;:"))
PATTERN = st.text(PATH_CHARS, min_size=1, max_size=8).map(lambda p: "/" + p)


@settings(max_examples=300, deadline=None)
@given(
    locations=st.lists(PATTERN | st.sampled_from(["*", "*.pdf$", "/a%2Fb", "/%61"]), max_size=12),
    reservations=st.lists(st.sampled_from([0, 1]), min_size=12, max_size=12),
    path=st.text(PATH_CHARS, max_size=10).map(lambda p: "/" + p),
)
def test_compiled_index_agrees_with_protego_in_array_order(
    locations: list[str], reservations: list[int], path: str
) -> None:
    """The per-origin index picks the rule a plain first-match loop over protego would."""
    rules = [
        {"location": loc, "tdm-reservation": r}
        for loc, r in zip(locations, reservations, strict=False)
    ]
    url = "http://h.example" + path
    expected = next(
        (r["tdm-reservation"] == 1 for r in rules if pattern_matches(str(r["location"]), url)),
        None,
    )
    assert file(rules).signal(url).reserved is expected
    with pytest.MonkeyPatch.context() as mp:  # small blocks: the per-block protego pre-check
        mp.setattr(tdmrep, "_BLOCK", 2)
        assert file(rules).signal(url).reserved is expected


def test_costly_only_when_many_rules_share_a_head() -> None:
    sections = [{"location": f"/s-{i}/", "tdm-reservation": 0} for i in range(COSTLY_RULES + 5)]
    assert not file(sections).costly
    starred = [{"location": f"*/x-{i}$", "tdm-reservation": 0} for i in range(COSTLY_RULES + 5)]
    assert file(starred).costly
    assert not file(starred[:COSTLY_RULES]).costly
