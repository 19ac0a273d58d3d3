"""google/robotstxt conformance cases, carried over as data.

Source: ``robots_test.cc`` in https://github.com/google/robotstxt (commit 21fc90b, 2019-2023).
Every ``ID_*`` test there (RFC 9309 behaviour; ``GoogleOnly_*`` are Google extensions) is
re-expressed below as table rows ``(case id, robots.txt, product token, URL, allowed?)``; the
test ids name the original ``TEST`` so a reviewer can put the two side by side. The rows were
written for clearcrawl, not generated from the C++.

Where clearcrawl deliberately differs from Google's implementation, the row carries the RFC
9309 expectation and a ``# differs:`` comment: RFC 9309 §2.2.2 requires non-ASCII octets of the
URI to be percent-encoded and percent-encoded unreserved octets to be decoded *before*
comparison; Google leaves that to its caller (see the ``NOTE`` above ``ID_Encoding`` upstream).

Each robots.txt is evaluated through :func:`filters.robots.robots_from_fetch` exactly as a
fetched file (status 200), for that one token.
"""

from __future__ import annotations

import pytest

from filters.robots import robots_from_fetch
from filters.robots.parse import parse_robots
from filters.tokens import is_valid_product_token


def allowed(robotstxt: str | bytes, agent: str, url: str) -> bool:
    body = robotstxt.encode("utf-8") if isinstance(robotstxt, str) else robotstxt
    policy = robots_from_fetch("http://foo.bar/robots.txt", 200, body, "2026-01-01T00:00:00Z")
    return policy.verdict(url, (agent,)).allowed


GROUPS = (
    "allow: /foo/bar/\n\nuser-agent: FooBot\ndisallow: /\nallow: /x/\nuser-agent: BarBot\n"
    "disallow: /\nallow: /y/\n\n\nallow: /w/\nuser-agent: BazBot\n\nuser-agent: FooBot\n"
    "allow: /z/\ndisallow: /\n"
)
UPPER = "USER-AGENT: FooBot\nALLOW: /x/\nDISALLOW: /\n"
LOWER = "user-agent: FooBot\nallow: /x/\ndisallow: /\n"
CAMEL = "uSeR-aGeNt: FooBot\nAlLoW: /x/\ndIsAlLoW: /\n"
UA_UPPER = "User-Agent: FOO BAR\nAllow: /x/\nDisallow: /\n"
UA_LOWER = "User-Agent: foo bar\nAllow: /x/\nDisallow: /\n"
UA_CAMEL = "User-Agent: FoO bAr\nAllow: /x/\nDisallow: /\n"
GLOBAL = "user-agent: *\nallow: /\nuser-agent: FooBot\ndisallow: /\n"
ONLY_SPECIFIC = (
    "user-agent: FooBot\nallow: /\nuser-agent: BarBot\ndisallow: /\nuser-agent: BazBot\n"
    "disallow: /\n"
)
FOO = "user-agent: FooBot\n"
PAGE = "http://foo.bar/x/page.html"
DOC = "user-agent: FooBot\ndisallow: /\n"
UNRESERVED = "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%62%61%7A\n"

CASES: list[tuple[str, str, str, str, bool]] = [
    # ID_LineSyntax_Line: "name: value"; a missing colon is accepted; unknown names are ignored.
    ("ID_LineSyntax_Line-correct", FOO + "disallow: /\n", "FooBot", "http://foo.bar/x/y", False),
    ("ID_LineSyntax_Line-incorrect", "foo: FooBot\nbar: /\n", "FooBot", "http://foo.bar/x/y", True),
    (
        "ID_LineSyntax_Line-no-colon",
        "user-agent FooBot\ndisallow /\n",
        "FooBot",
        "http://foo.bar/x/y",
        False,
    ),
    # ID_LineSyntax_Groups: groups end at a user-agent line after rules; same agent merged;
    # rules before any user-agent line belong to nobody.
    ("ID_LineSyntax_Groups-foo-x", GROUPS, "FooBot", "http://foo.bar/x/b", True),
    ("ID_LineSyntax_Groups-foo-z", GROUPS, "FooBot", "http://foo.bar/z/d", True),
    ("ID_LineSyntax_Groups-foo-y", GROUPS, "FooBot", "http://foo.bar/y/c", False),
    ("ID_LineSyntax_Groups-bar-y", GROUPS, "BarBot", "http://foo.bar/y/c", True),
    ("ID_LineSyntax_Groups-bar-w", GROUPS, "BarBot", "http://foo.bar/w/a", True),
    ("ID_LineSyntax_Groups-bar-z", GROUPS, "BarBot", "http://foo.bar/z/d", False),
    ("ID_LineSyntax_Groups-baz-z", GROUPS, "BazBot", "http://foo.bar/z/d", True),
    ("ID_LineSyntax_Groups-foo-orphan", GROUPS, "FooBot", "http://foo.bar/foo/bar/", False),
    ("ID_LineSyntax_Groups-bar-orphan", GROUPS, "BarBot", "http://foo.bar/foo/bar/", False),
    ("ID_LineSyntax_Groups-baz-orphan", GROUPS, "BazBot", "http://foo.bar/foo/bar/", False),
    # ID_REPLineNamesCaseInsensitive
    *(
        (f"ID_REPLineNamesCaseInsensitive-{name}-{what}", text, "FooBot", url, expect)
        for name, text in (("upper", UPPER), ("lower", LOWER), ("camel", CAMEL))
        for what, url, expect in (
            ("allowed", "http://foo.bar/x/y", True),
            ("disallowed", "http://foo.bar/a/b", False),
        )
    ),
    # ID_UserAgentValueCaseInsensitive ("FOO BAR" reads as the product token "foo")
    *(
        (f"ID_UserAgentValueCaseInsensitive-{name}-{agent}-{what}", text, agent, url, expect)
        for name, text in (("upper", UA_UPPER), ("lower", UA_LOWER), ("camel", UA_CAMEL))
        for agent in ("Foo", "foo")
        for what, url, expect in (
            ("allowed", "http://foo.bar/x/y", True),
            ("disallowed", "http://foo.bar/a/b", False),
        )
    ),
    # ID_GlobalGroups_Secondary: no matching group → the "*" group; no "*" either → no rules.
    ("ID_GlobalGroups_Secondary-empty", "", "FooBot", "http://foo.bar/x/y", True),
    ("ID_GlobalGroups_Secondary-specific", GLOBAL, "FooBot", "http://foo.bar/x/y", False),
    ("ID_GlobalGroups_Secondary-global", GLOBAL, "BarBot", "http://foo.bar/x/y", True),
    ("ID_GlobalGroups_Secondary-none", ONLY_SPECIFIC, "QuxBot", "http://foo.bar/x/y", True),
    # ID_AllowDisallow_Value_CaseSensitive
    (
        "ID_AllowDisallow_Value_CaseSensitive-lower",
        FOO + "disallow: /x/\n",
        "FooBot",
        "http://foo.bar/x/y",
        False,
    ),
    (
        "ID_AllowDisallow_Value_CaseSensitive-upper",
        FOO + "disallow: /X/\n",
        "FooBot",
        "http://foo.bar/x/y",
        True,
    ),
    # ID_LongestMatch: most octets win; equal length → allow.
    (
        "ID_LongestMatch-disallow-longer",
        FOO + "disallow: /x/page.html\nallow: /x/\n",
        "FooBot",
        PAGE,
        False,
    ),
    (
        "ID_LongestMatch-allow-longer",
        FOO + "allow: /x/page.html\ndisallow: /x/\n",
        "FooBot",
        PAGE,
        True,
    ),
    (
        "ID_LongestMatch-allow-longer-dir",
        FOO + "allow: /x/page.html\ndisallow: /x/\n",
        "FooBot",
        "http://foo.bar/x/",
        False,
    ),
    ("ID_LongestMatch-empty-values", FOO + "disallow: \nallow: \n", "FooBot", PAGE, True),
    ("ID_LongestMatch-equal-root", FOO + "disallow: /\nallow: /\n", "FooBot", PAGE, True),
    (
        "ID_LongestMatch-x-vs-x-slash-a",
        FOO + "disallow: /x\nallow: /x/\n",
        "FooBot",
        "http://foo.bar/x",
        False,
    ),
    (
        "ID_LongestMatch-x-vs-x-slash-b",
        FOO + "disallow: /x\nallow: /x/\n",
        "FooBot",
        "http://foo.bar/x/",
        True,
    ),
    (
        "ID_LongestMatch-equal-page",
        FOO + "disallow: /x/page.html\nallow: /x/page.html\n",
        "FooBot",
        PAGE,
        True,
    ),
    (
        "ID_LongestMatch-wildcard-longer",
        FOO + "allow: /page\ndisallow: /*.html\n",
        "FooBot",
        "http://foo.bar/page.html",
        False,
    ),
    (
        "ID_LongestMatch-wildcard-nomatch",
        FOO + "allow: /page\ndisallow: /*.html\n",
        "FooBot",
        "http://foo.bar/page",
        True,
    ),
    (
        "ID_LongestMatch-prefix-longer",
        FOO + "allow: /x/page.\ndisallow: /*.html\n",
        "FooBot",
        PAGE,
        True,
    ),
    (
        "ID_LongestMatch-prefix-other",
        FOO + "allow: /x/page.\ndisallow: /*.html\n",
        "FooBot",
        "http://foo.bar/x/y.html",
        False,
    ),
    (
        "ID_LongestMatch-specific-replaces-global",
        "User-agent: *\nDisallow: /x/\nUser-agent: FooBot\nDisallow: /y/\n",
        "FooBot",
        "http://foo.bar/x/page",
        True,
    ),
    (
        "ID_LongestMatch-specific-group-rule",
        "User-agent: *\nDisallow: /x/\nUser-agent: FooBot\nDisallow: /y/\n",
        "FooBot",
        "http://foo.bar/y/page",
        False,
    ),
    # ID_Encoding
    (
        "ID_Encoding-query-unencoded",
        "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar?qux=taz&baz=http://foo.bar?tar&par\n",
        "FooBot",
        "http://foo.bar/foo/bar?qux=taz&baz=http://foo.bar?tar&par",
        True,
    ),
    (
        "ID_Encoding-utf8-rule-encoded-url",
        "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/ツ\n",
        "FooBot",
        "http://foo.bar/foo/bar/%E3%83%84",
        True,
    ),
    # differs: Google expects False (it never encodes the URL); RFC 9309 §2.2.2 encodes it first.
    (
        "ID_Encoding-utf8-rule-raw-url",
        "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/ツ\n",
        "FooBot",
        "http://foo.bar/foo/bar/ツ",
        True,
    ),
    (
        "ID_Encoding-encoded-rule-encoded-url",
        "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%E3%83%84\n",
        "FooBot",
        "http://foo.bar/foo/bar/%E3%83%84",
        True,
    ),
    # differs: as above, Google expects False.
    (
        "ID_Encoding-encoded-rule-raw-url",
        "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%E3%83%84\n",
        "FooBot",
        "http://foo.bar/foo/bar/ツ",
        True,
    ),
    # differs: Google expects False; RFC 9309 §2.2.2 decodes %62%61%7A (unreserved) to "baz".
    (
        "ID_Encoding-unreserved-encoded-rule",
        UNRESERVED,
        "FooBot",
        "http://foo.bar/foo/bar/baz",
        True,
    ),
    (
        "ID_Encoding-unreserved-encoded-both",
        UNRESERVED,
        "FooBot",
        "http://foo.bar/foo/bar/%62%61%7A",
        True,
    ),
    # ID_SpecialCharacters: "*", "$" and "#".
    *(
        (
            f"ID_SpecialCharacters-star-{i}",
            FOO + "Disallow: /foo/bar/quz\nAllow: /foo/*/qux\n",
            "FooBot",
            url,
            expect,
        )
        for i, (url, expect) in enumerate(
            (
                ("http://foo.bar/foo/bar/quz", False),
                ("http://foo.bar/foo/quz", True),
                ("http://foo.bar/foo//quz", True),
                ("http://foo.bar/foo/bax/quz", True),
            )
        )
    ),
    *(
        (
            f"ID_SpecialCharacters-dollar-{i}",
            FOO + "Disallow: /foo/bar$\nAllow: /foo/bar/qux\n",
            "FooBot",
            url,
            expect,
        )
        for i, (url, expect) in enumerate(
            (
                ("http://foo.bar/foo/bar", False),
                ("http://foo.bar/foo/bar/qux", True),
                ("http://foo.bar/foo/bar/", True),
                ("http://foo.bar/foo/bar/baz", True),
            )
        )
    ),
    (
        "ID_SpecialCharacters-comment-a",
        FOO + "# Disallow: /\nDisallow: /foo/quz#qux\nAllow: /\n",
        "FooBot",
        "http://foo.bar/foo/bar",
        True,
    ),
    (
        "ID_SpecialCharacters-comment-b",
        FOO + "# Disallow: /\nDisallow: /foo/quz#qux\nAllow: /\n",
        "FooBot",
        "http://foo.bar/foo/quz",
        False,
    ),
    # GoogleOnly_DocumentationChecks: ordinary RFC 9309 matching, kept as extra rows.
    *(
        (
            f"GoogleOnly_DocumentationChecks-fish-{i}",
            DOC + "allow: /fish\n",
            "FooBot",
            "http://foo.bar" + path,
            expect,
        )
        for i, (path, expect) in enumerate(
            (
                ("/bar", False),
                ("/fish", True),
                ("/fish.html", True),
                ("/fish/salmon.html", True),
                ("/fishheads", True),
                ("/fishheads/yummy.html", True),
                ("/fish.html?id=anything", True),
                ("/Fish.asp", False),
                ("/catfish", False),
                ("/?id=fish", False),
            )
        )
    ),
    *(
        (
            f"GoogleOnly_DocumentationChecks-fish-slash-{i}",
            DOC + "allow: /fish/\n",
            "FooBot",
            "http://foo.bar" + path,
            expect,
        )
        for i, (path, expect) in enumerate(
            (
                ("/fish/", True),
                ("/fish/salmon", True),
                ("/fish/?salmon", True),
                ("/fish", False),
                ("/fish.html", False),
                ("/Fish/Salmon.html", False),
            )
        )
    ),
    *(
        (
            f"GoogleOnly_DocumentationChecks-php-dollar-{i}",
            DOC + "allow: /*.php$\n",
            "FooBot",
            "http://foo.bar" + path,
            expect,
        )
        for i, (path, expect) in enumerate(
            (
                ("/filename.php", True),
                ("/folder/filename.php", True),
                ("/filename.php?parameters", False),
                ("/filename.php/", False),
                ("/filename.php5", False),
                ("/php/", False),
                ("/filename?php", False),
                ("/aaaphpaaa", False),
                ("//windows.PHP", False),
            )
        )
    ),
    (
        "GoogleOnly_DocumentationChecks-root-dollar",
        FOO + "allow: /$\ndisallow: /\n",
        "FooBot",
        "http://example.com/",
        True,
    ),
    (
        "GoogleOnly_DocumentationChecks-root-dollar-page",
        FOO + "allow: /$\ndisallow: /\n",
        "FooBot",
        "http://example.com/page.html",
        False,
    ),
]


#: Every kind of record that is not a rule (RFC 9309 §2.2.4: "MUST NOT terminate a group"),
#: as written in real files. google/robotstxt's ``ID_GroupingOtherRules`` has the sitemap and
#: unknown-line rows; the others are the same case for each non-rule field clearcrawl reads.
NON_RULE_RECORDS = {
    "sitemap": "Sitemap: https://foo.bar/sitemap\n",
    "unknown": "Invalid-Unknown-Line: unknown\n",
    "crawl-delay": "Crawl-delay: 1\n",
    "crawl-delay-bogus": "Crawl-delay: soon\n",
    "content-signal": "Content-Signal: search=yes, ai-train=no\n",
    "content-usage": "Content-Usage: train-ai=n\n",
    "disallowaitraining": "DisallowAITraining: /\n",
    "allowaitraining": "AllowAITraining: /\n",
    "host": "Host: foo.bar\n",
    "clean-param": "Clean-param: ref /\n",
    "request-rate": "Request-rate: 1/5\n",
    "no-colon-unknown": "some words without a field\n",
    "blank-and-comment": "\n# a comment\n\n",
}
for kind, record in NON_RULE_RECORDS.items():
    for sep in ("", "\n"):
        tag = kind + ("-blank" if sep else "")
        CASES += [
            # ID_GroupingOtherRules: "User-agent: BarBot / <record> / User-agent: * / Disallow: /"
            # is one group for BarBot and everyone else.
            (
                f"ID_GroupingOtherRules-{tag}-global-bar",
                "User-agent: BarBot\n" + record + sep + "User-agent: *\nDisallow: /\n",
                "BarBot",
                "http://foo.bar/",
                False,
            ),
            (
                f"ID_GroupingOtherRules-{tag}-global-foo",
                "User-agent: BarBot\n" + record + sep + "User-agent: *\nDisallow: /\n",
                "FooBot",
                "http://foo.bar/",
                False,
            ),
            # issue 11's real-world shape: the first agent's group is not closed by the record.
            (
                f"ID_GroupingOtherRules-{tag}-named",
                "User-agent: CCBot\n" + record + sep + "User-agent: Balihoo\nDisallow: /\n",
                "CCBot",
                "http://foo.bar/page.html",
                False,
            ),
            # A rule line does end the group: the next agent starts a new one.
            (
                f"ID_GroupingOtherRules-{tag}-after-rule",
                "User-agent: CCBot\nAllow: /\n"
                + record
                + sep
                + "User-agent: Balihoo\nDisallow: /\n",
                "CCBot",
                "http://foo.bar/page.html",
                True,
            ),
        ]


@pytest.mark.parametrize(
    ("robotstxt", "agent", "url", "expected"),
    [pytest.param(r, a, u, e, id=i) for i, r, a, u, e in CASES],
)
def test_google_case(robotstxt: str, agent: str, url: str, expected: bool) -> None:
    assert allowed(robotstxt, agent, url) is expected


@pytest.mark.parametrize(
    ("token", "valid"),
    [
        ("Foobot", True),
        ("Foobot-Bar", True),
        ("Foo_Bar", True),
        ("", False),
        ("ツ", False),
        ("Foobot*", False),
        (" Foobot ", False),
        ("Foobot/2.1", False),
        ("Foobot Bar", False),
    ],
)
def test_ID_VerifyValidUserAgentsToObey(token: str, valid: bool) -> None:
    assert is_valid_product_token(token) is valid


LINE_FILES = {
    "unix": b"User-Agent: foo\nAllow: /some/path\nUser-Agent: bar\n\n\nDisallow: /\n",
    "dos": b"User-Agent: foo\r\nAllow: /some/path\r\nUser-Agent: bar\r\n\r\n\r\nDisallow: /\r\n",
    "mac": b"User-Agent: foo\rAllow: /some/path\rUser-Agent: bar\r\r\rDisallow: /\r",
    "no-final-newline": b"User-Agent: foo\nAllow: /some/path\nUser-Agent: bar\n\n\nDisallow: /",
    "mixed": b"User-Agent: foo\nAllow: /some/path\r\nUser-Agent: bar\n\r\n\nDisallow: /",
}


@pytest.mark.parametrize("name", sorted(LINE_FILES))
def test_ID_LinesNumbersAreCountedCorrectly(name: str) -> None:
    parsed = parse_robots(LINE_FILES[name])
    assert parsed.directives == 4
    last = parsed.groups[-1].members[-1]
    assert (last.number, last.value) == (6, "/")


@pytest.mark.parametrize(
    ("prefix", "middle", "valid", "unknown"),
    [
        pytest.param(b"\xef\xbb\xbf", b"", 2, 0, id="full-bom"),
        pytest.param(b"\xef\xbb", b"", 2, 0, id="partial-2"),
        pytest.param(b"\xef", b"", 2, 0, id="partial-1"),
        pytest.param(b"\xef\x11\xbf", b"", 1, 1, id="broken-bom"),
        pytest.param(b"", b"\xef\xbb\xbf", 1, 1, id="bom-mid-file"),
    ],
)
def test_ID_UTF8ByteOrderMarkIsSkipped(
    prefix: bytes, middle: bytes, valid: int, unknown: int
) -> None:
    parsed = parse_robots(prefix + b"User-Agent: foo\n" + middle + b"Allow: /AnyValue\n")
    assert (parsed.directives, parsed.unknown) == (valid, unknown)


@pytest.mark.parametrize("where", ["after-groups", "before-groups"])
def test_ID_NonStandardLineExample_Sitemap(where: str) -> None:
    loc = "http://foo.bar/sitemap.xml"
    groups = "User-Agent: foo\nAllow: /some/path\nUser-Agent: bar\n\n\n"
    text = groups + f"Sitemap: {loc}\n" if where == "after-groups" else f"Sitemap: {loc}\n" + groups
    parsed = parse_robots(text)
    assert [s.value for s in parsed.sitemaps] == [loc]
    # A sitemap line does not end the group it sits in (RFC 9309 §2.2.4).
    assert allowed(text + "Disallow: /x\n", "bar", "http://foo.bar/x") is False
