"""robots.txt evaluation (filters.robots): RFC 9309 cases from shared/reference/robots.md,
group selection for several honoured tokens, fetch-status mapping, evidence, properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filters.robots import ALLOW_ALL, DISALLOW_ALL, MAX_BYTES, RULES, robots_from_fetch
from filters.tokens import honored_tokens

TOKENS = honored_tokens()
URL = "http://h.example/robots.txt"
T0 = "2026-11-27T00:00:00Z"


def policy(text: str | bytes, status: int = 200, **kw: object):
    body = text.encode("utf-8") if isinstance(text, str) else text
    return robots_from_fetch(URL, status, body, T0, **kw)  # type: ignore[arg-type]


def ok(text: str | bytes, path: str, tokens: tuple[str, ...] = ("FooBot",)) -> bool:
    return policy(text).verdict("http://h.example" + path, tokens).allowed


# --- RFC 9309 table from robots.md ("Test cases worth having") -----------------------------
@pytest.mark.parametrize(
    ("text", "path", "expected"),
    [
        pytest.param("user-agent: FooBot\ndisallow: /x\nallow: /x/\n", "/x", False, id="§2.2.2-x"),
        pytest.param("user-agent: FooBot\ndisallow: /x\nallow: /x/\n", "/x/", True, id="§2.2.2-x/"),
        pytest.param(
            "user-agent: FooBot\nallow: /page\ndisallow: /*.html\n",
            "/page.html",
            False,
            id="§2.2.2-longer-pattern",
        ),
        pytest.param(
            "user-agent: FooBot\ndisallow: /x/page.html\nallow: /x/page.html\n",
            "/x/page.html",
            True,
            id="§2.2.2-tie-allow",
        ),
        pytest.param("user-agent: FooBot\nallow: /$\ndisallow: /\n", "/", True, id="§2.2.3-$-root"),
        pytest.param(
            "user-agent: FooBot\nallow: /$\ndisallow: /\n", "/page", False, id="§2.2.3-$-page"
        ),
        pytest.param(
            "user-agent: FooBot\nallow: /*.php$\ndisallow: /\n",
            "/a.php?x=1",
            False,
            id="§2.2.3-$-query",
        ),
        pytest.param(
            "User-agent: *\nDisallow: /x/\nUser-agent: FooBot\nDisallow: /y/\n",
            "/x/p",
            True,
            id="§2.2.1-no-merge-with-star",
        ),
        pytest.param(
            "user-agent: FooBot\ndisallow: /a\n\nuser-agent: BarBot\ndisallow: /\n\n"
            "user-agent: FooBot\ndisallow: /b\n",
            "/b",
            False,
            id="§2.2.1-merge-groups",
        ),
        pytest.param(
            "user-agent: FooBot\nsitemap: http://h.example/s.xml\ndisallow: /s\n",
            "/s",
            False,
            id="§2.2.4-sitemap-keeps-group",
        ),
        pytest.param(
            "USER-AGENT: foobot\nDISALLOW: /\n", "/a", False, id="§2.2.1-case-insensitive"
        ),
        pytest.param(
            "user-agent: FooBot\nDisallow: /X/\n", "/x/y", True, id="§2.2.2-case-sensitive"
        ),
        pytest.param(
            "user-agent: FooBot\nDisallow: /\n",
            "/robots.txt",
            True,
            id="§2.2.2-robots-txt-always-allowed",
        ),
        pytest.param("User-agent: FooBot/2.1\nDisallow: /\n", "/a", False, id="version-suffix"),
        pytest.param("User-agent: Foo\nDisallow: /\n", "/a", True, id="no-prefix-match"),
        pytest.param("User-agent: FooBotExtra\nDisallow: /\n", "/a", True, id="no-extension-match"),
        pytest.param("User-agent: mozilla\nDisallow: /\n", "/a", True, id="no-substring-match"),
        pytest.param("Disallow: /\nUser-agent: FooBot\nAllow: /\n", "/a", True, id="orphan-rule"),
        pytest.param("", "/a", True, id="empty-file"),
        pytest.param("User-agent: OtherBot\nDisallow: /\n", "/a", True, id="no-group-no-star"),
    ],
)
def test_rfc9309_table(text: str, path: str, expected: bool) -> None:
    assert ok(text, path) is expected


def test_clear_group_does_not_address_clearcrawl() -> None:
    # Protego's boundary-substring matching would let "clear" capture "clearcrawl".
    text = "User-agent: clear\nDisallow: /\nUser-agent: *\nAllow: /\n"
    assert policy(text).verdict("http://h.example/a", TOKENS).allowed


# --- honoured tokens --------------------------------------------------------------------------
def test_gptbot_group_blocks_even_when_own_group_allows() -> None:
    text = "User-agent: clearcrawl\nAllow: /\n\nUser-agent: GPTBot\nDisallow: /\n"
    v = policy(text).verdict("http://h.example/article", TOKENS)
    assert not v.allowed
    assert "GPTBot" in v.reason
    assert "line 5" in v.reason
    blocking = [e for e in v.evidence if e.excerpt == "Disallow: /"]
    assert len(blocking) == 1
    assert blocking[0].locator == "group line 4: User-agent: GPTBot; rule line 5"


def test_scrapy_group_blocks() -> None:
    v = policy("User-agent: Scrapy\nDisallow: /\n").verdict("http://h.example/a", TOKENS)
    assert not v.allowed
    assert "Scrapy" in v.reason


def test_configured_tokens_only() -> None:
    text = "User-agent: GPTBot\nDisallow: /\n"
    assert policy(text).verdict("http://h.example/a", honored_tokens(())).allowed
    assert not policy(text).verdict("http://h.example/a", honored_tokens(("gptbot",))).allowed


def test_star_group_evaluated_once_for_all_fallback_tokens() -> None:
    text = "User-agent: *\nDisallow: /private/\n\nUser-agent: CCBot\nDisallow: /cc/\n"
    v = policy(text).verdict("http://h.example/private/x", TOKENS)
    assert not v.allowed
    star = [e for e in v.evidence if "User-agent: *" in e.locator]
    assert len(star) == 1, v.evidence
    assert "'*' fallback" in star[0].note
    assert star[0].locator.endswith("rule line 2")
    # CCBot has its own group, which replaces "*" for it: /private/ is fine for CCBot itself.
    cc = [e for e in v.evidence if "CCBot" in e.locator]
    assert cc
    assert "no rule matches" in cc[0].note


def test_missing_ai_group_is_not_a_block() -> None:
    text = "User-agent: clearcrawl\nAllow: /\n"  # no "*" group: other tokens have no rules
    v = policy(text).verdict("http://h.example/a", TOKENS)
    assert v.allowed
    assert any("no group names them" in e.note for e in v.evidence)


def test_evidence_names_group_lines_and_rule_line() -> None:
    text = "# header\nUser-agent: FooBot\nUser-agent: BarBot\nAllow: /x/\nDisallow: /\n"
    v = policy(text).verdict("http://h.example/y", ("FooBot", "BarBot"))
    assert not v.allowed
    (ev,) = v.evidence
    assert ev.locator == (
        "group line 2: User-agent: FooBot; line 3: User-agent: BarBot; rule line 5"
    )
    assert ev.excerpt == "Disallow: /"
    assert v.policy_file is not None
    assert v.policy_file.sha256


# --- fetch outcomes (RFC 9309 §2.3.1) ---------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "error", "mode", "cause"),
    [
        (200, "", RULES, ""),
        (404, "", ALLOW_ALL, ""),
        (410, "", ALLOW_ALL, ""),
        (400, "", ALLOW_ALL, ""),
        (401, "", DISALLOW_ALL, "refused"),
        (403, "", DISALLOW_ALL, "refused"),
        (451, "", DISALLOW_ALL, "refused"),
        (429, "", DISALLOW_ALL, "unreachable"),
        (500, "", DISALLOW_ALL, "unreachable"),
        (503, "", DISALLOW_ALL, "unreachable"),
        (302, "", DISALLOW_ALL, "unreachable"),
        (0, "TimeoutError: took too long", DISALLOW_ALL, "unreachable"),
        (0, "IgnoreRequest: max redirections reached", DISALLOW_ALL, "unreachable"),
    ],
)
def test_status_mapping(status: int, error: str, mode: str, cause: str) -> None:
    # The body of an error response is never read as rules (robots.md §2.2).
    p = policy("User-agent: *\nAllow: /\n" if status >= 400 else "", status, error=error)
    assert (p.mode, p.cause) == (mode, cause)
    v = p.verdict("http://h.example/a", TOKENS)
    assert v.allowed is (mode != DISALLOW_ALL)
    assert p.ref.status == status
    assert p.ref.error == error


def test_404_body_with_rules_is_ignored() -> None:
    assert policy("User-agent: *\nDisallow: /\n", 404).verdict("http://h.example/a", TOKENS).allowed


def test_bom_then_rules() -> None:
    assert not ok(b"\xef\xbb\xbfUser-agent: FooBot\nDisallow: /\n", "/a")


def test_truncated_after_512000_bytes() -> None:
    head = b"User-agent: FooBot\nDisallow: /early\n"
    pad = b"# " + b"x" * 200 + b"\n"
    body = head + pad * ((MAX_BYTES - len(head)) // len(pad) + 5) + b"Disallow: /late\n"
    assert len(body) > MAX_BYTES + 600
    p = policy(body)
    assert p.ref.truncated
    assert p.mode == RULES
    assert "only the first 512000" in p.reason
    assert not p.verdict("http://h.example/early", ("FooBot",)).allowed
    assert p.verdict("http://h.example/late", ("FooBot",)).allowed


def test_cut_line_at_the_limit_is_dropped() -> None:
    head = b"User-agent: FooBot\nDisallow: /\n"
    allow = b"Allow: /abcdefghijklmnopqrstuvwxyz\n"
    pad = b"#" * (MAX_BYTES - 15 - len(head) - 1) + b"\n"
    body = head + pad + allow
    assert len(head + pad) == MAX_BYTES - 15  # the Allow line straddles the limit
    p = policy(body)
    assert p.ref.truncated
    # Keeping the cut "Allow: /abcdefg" would allow more than the file says about /abc.
    assert not p.verdict("http://h.example/abc", ("FooBot",)).allowed


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, id="png"),
        pytest.param(b"\x1f\x8b\x08\x00" + bytes(range(1, 200)) * 3, id="gzip-no-encoding"),
        pytest.param(bytes(range(256)) * 100, id="all-bytes"),
    ],
)
def test_binary_robots_txt_disallows(body: bytes) -> None:
    p = policy(body)
    assert (p.mode, p.cause) == (DISALLOW_ALL, "unreadable")
    assert not p.verdict("http://h.example/a", TOKENS).allowed


def test_utf16_robots_txt_is_read() -> None:
    body = "User-agent: *\nDisallow: /private/\n".encode("utf-16")
    p = policy(body)
    assert p.mode == RULES
    assert not p.verdict("http://h.example/private/x", TOKENS).allowed
    assert p.verdict("http://h.example/public", TOKENS).allowed


def test_html_soft_404_means_no_rules() -> None:
    p = policy("<!doctype html><html><body><h1>Welcome</h1></body></html>")
    assert p.mode == RULES
    assert "no groups found" in p.reason
    assert p.verdict("http://h.example/a", TOKENS).allowed


def test_latin1_bytes_in_a_rule_do_not_crash() -> None:
    p = policy(b"User-agent: *\nDisallow: /caf\xe9/\nDisallow: /x\n")
    assert not p.verdict("http://h.example/x", TOKENS).allowed
    assert "not valid UTF-8" in p.reason


# --- crawl-delay ------------------------------------------------------------------------------
def test_crawl_delay_is_max_over_honoured_groups() -> None:
    # Each group is closed by a rule line: a Crawl-delay alone does not end a group (RFC 9309
    # §2.2.4), so without the Disallow lines all four User-agent lines would form one group
    # (see test_crawl_delay_lines_do_not_split_a_group).
    text = (
        "User-agent: *\nCrawl-delay: 2\nDisallow: /p1\n\n"
        "User-agent: GPTBot\nCrawl-delay: 7\nDisallow: /p2\n\n"
        "User-agent: OtherBot\nCrawl-delay: 60\nDisallow: /p3\n\n"
        "User-agent: CCBot\nCrawl-delay: bogus\n"
    )
    delay, ev = policy(text).crawl_delay_detail(TOKENS)
    assert delay == 7.0
    assert ev is not None
    assert ev.excerpt == "Crawl-delay: 7"
    assert "line 6" in ev.locator
    assert policy("User-agent: *\nDisallow:\n").crawl_delay(TOKENS) is None
    assert policy("", 503).crawl_delay(TOKENS) is None


def test_crawl_delay_lines_do_not_split_a_group() -> None:
    # Issue 11: the file the old test used is ONE group under RFC 9309 §2.2.4 (no rule line
    # between the User-agent lines), so OtherBot's 60 s applies to GPTBot and CCBot as well.
    text = (
        "User-agent: *\nCrawl-delay: 2\n\nUser-agent: GPTBot\nCrawl-delay: 7\n\n"
        "User-agent: OtherBot\nCrawl-delay: 60\n\nUser-agent: CCBot\nCrawl-delay: bogus\n"
    )
    delay, ev = policy(text).crawl_delay_detail(TOKENS)
    assert delay == 60.0
    assert ev is not None
    assert "line 8" in ev.locator


@pytest.mark.parametrize(
    "record",
    [
        "Crawl-delay: 0.7",
        "Content-Signal: search=yes",
        "Content-Usage: search=y",
        "Sitemap: http://h.example/sitemap.xml",
        "Host: h.example",
        "X-Unknown: 1",
        "DisallowAITraining: /nothing-here",
    ],
)
def test_non_rule_record_does_not_end_a_group(record: str) -> None:
    # Issue 11 (2 of 806 real sites): "User-agent: CCBot / Crawl-delay: 0.7 / User-agent:
    # Balihoo / Disallow: /" refuses CCBot everywhere.
    text = f"User-agent: CCBot\n{record}\n\nUser-agent: Balihoo\nDisallow: /\n"
    v = policy(text).verdict("http://h.example/page.html", TOKENS)
    assert not v.allowed
    assert "CCBot" in v.reason
    # The same for a "*" group whose rules follow another agent's non-rule record.
    star = f"User-agent: SomeBot\n{record}\nUser-agent: *\nDisallow: /\n"
    assert not policy(star).verdict("http://h.example/page.html", TOKENS).allowed


def test_group_members_attach_to_every_agent_of_a_merged_group() -> None:
    text = (
        "User-agent: GPTBot\nCrawl-delay: 5\nUser-agent: OtherBot\nContent-Signal: ai-train=no\n"
        "Disallow: /private/\n\nUser-agent: *\nCrawl-delay: 1\nAllow: /\n"
    )
    p = policy(text)
    # GPTBot and OtherBot form one group: its Content-Signal and Crawl-delay are GPTBot's too.
    sig = {s.signal: s.reserved for s in p.optout_signals("http://h.example/a", TOKENS)}
    assert sig.get("content-signal") is True
    assert p.crawl_delay(TOKENS) == 5.0
    assert not p.verdict("http://h.example/private/x", TOKENS).allowed
    # ... and not the "*" group's, which a rule line separated from them.
    assert p.crawl_delay(("FooBot",)) == 1.0
    assert not {
        s.signal: s.reserved for s in p.optout_signals("http://h.example/a", ("FooBot",))
    }.get("content-signal")


# --- properties ---------------------------------------------------------------------------------
PATH_CHARS = st.sampled_from([*list("abcxyz/-_.*$%?=&"), "é", "%2F", "%41"])
PATHS = st.lists(PATH_CHARS, max_size=12).map(lambda cs: "/" + "".join(cs))
RULE = st.tuples(st.sampled_from(["Allow", "Disallow"]), PATHS)


@settings(max_examples=150, deadline=None)
@given(
    rules=st.lists(RULE, max_size=8),
    extra=PATHS,
    url_path=PATHS,
    agent=st.sampled_from(["*", "FooBot", "GPTBot"]),
)
def test_adding_a_disallow_never_allows_more(
    rules: list[tuple[str, str]], extra: str, url_path: str, agent: str
) -> None:
    base = f"User-agent: {agent}\n" + "".join(f"{k}: {v}\n" for k, v in rules)
    url = "http://h.example" + url_path
    before = policy(base).verdict(url, ("FooBot", "GPTBot")).allowed
    after = policy(base + f"Disallow: {extra}\n").verdict(url, ("FooBot", "GPTBot")).allowed
    assert not (after and not before)


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=3000), status=st.sampled_from([200, 200, 404, 503]))
def test_never_raises_on_bytes(body: bytes, status: int) -> None:
    p = policy(body, status)
    for path in ("/", "/a", "/robots.txt", "/%ZZ?q=é"):
        v = p.verdict("http://h.example" + path, TOKENS)
        assert isinstance(v.allowed, bool)
        p.optout_signals("http://h.example" + path, TOKENS)
    p.crawl_delay_detail(TOKENS)


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from(list("UuSsEeRr-AaGgNnTt: */\nDdIiLlOoWw#\r\tx")), max_size=400
    )
)
def test_never_raises_on_robots_like_text(text: str) -> None:
    p = policy(text)
    assert isinstance(p.verdict("http://h.example/x", TOKENS).allowed, bool)


# --- which policy files are fetched ---------------------------------------------------------------
def test_policy_files_robots_forbids_are_not_fetched_and_reserve() -> None:
    from filters.optout.aitxt import aitxt_from_fetch
    from filters.prefetch import OriginPolicies, fetch_permission, unfetched_policy_files

    robots = policy("User-agent: *\nDisallow: /.well-known/\n")
    tdm, ai = unfetched_policy_files(robots, "http://h.example", TOKENS)
    assert ai is None  # allowed: fetch it
    assert tdm is not None
    ai_policy = aitxt_from_fetch("http://h.example/ai.txt", 404, b"", T0)
    perm = fetch_permission(OriginPolicies(robots, tdm, ai_policy), "http://h.example/a", TOKENS)
    # refused (fail closed), but not as an opt-out the site never made (issue 11, item 9)
    assert perm.reasons == ("policy-file-refused-by-robots:tdmrep.json",)
    (sig,) = [s for s in perm.optout if s.signal == "tdmrep-file"]
    assert sig.reserved is None
    assert "robots.txt forbids fetching it" in sig.evidence[0].note


def test_policy_files_skipped_when_robots_refuses_everything() -> None:
    from filters.prefetch import OriginPolicies, fetch_permission, unfetched_policy_files

    robots = policy("", 503)
    tdm, ai = unfetched_policy_files(robots, "http://h.example", TOKENS)
    assert tdm is not None
    assert ai is not None
    perm = fetch_permission(OriginPolicies(robots, tdm, ai), "http://h.example/a", TOKENS)
    assert perm.reasons == ("robots-unreachable",)
    assert [r.kind for r in perm.policy_files] == ["robots.txt"]


def test_star_binds_only_the_own_token() -> None:
    # A site that shuts everyone out but lets clearcrawl in: the AI tokens are named by no
    # group, so "*" (already applied for clearcrawl's own fallback) is not applied to them again.
    text = "User-agent: *\nDisallow: /\n\nUser-agent: clearcrawl\nAllow: /\n"
    v = policy(text).verdict("http://h.example/a", TOKENS)
    assert v.allowed
    assert any("'*' is applied once, for clearcrawl" in e.note for e in v.evidence)
    # ...but a group that names an honoured AI token still binds it.
    text += "\nUser-agent: CCBot\nDisallow: /a\n"
    v = policy(text).verdict("http://h.example/a", TOKENS)
    assert not v.allowed
    assert "CCBot" in v.reason


@pytest.mark.parametrize(
    ("path", "allowed", "excerpt"),
    [
        ("/x/", True, "Allow: /x/index.html"),  # protego's index.html reading, still cited
        ("/x/index.html", True, "Allow: /x/index.html"),
        ("/y", False, "Disallow: /"),
        ("/z/a.php", True, "Allow: /*.php$"),
        ("/z/a.php?q", False, "Disallow: /"),
    ],
)
def test_deciding_rule_is_cited(path: str, allowed: bool, excerpt: str) -> None:
    text = "User-agent: *\nAllow: /x/index.html\nAllow: /*.php$\nDisallow: /\n"
    v = policy(text).verdict("http://h.example" + path, TOKENS)
    assert v.allowed is allowed
    assert v.evidence[0].excerpt == excerpt


# --- the sent User-Agent's token (issue 11 item 2) ------------------------------------------
@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        ("MyBot/1.0 (+mailto:me@example.org)", ("MyBot",)),
        ("clearcrawl/0.1 (+https://github.com/clearcrawl/clearcrawl)", ("clearcrawl",)),
        ("Mozilla/5.0 (compatible; MyBot/2.1; +http://x.example/bot)", ("MyBot",)),
        ("Mozilla/5.0 (compatible; MyBot/2.1; Helper/1)", ("MyBot", "Helper")),
        ("MyBot/2 (based on OtherBot/1)", ("MyBot", "OtherBot")),
        ("Mozilla/5.0", ("Mozilla",)),
        ("MyBot", ("MyBot",)),
        ("Foo.Bar/1", ("Foo",)),
        ("", ()),
        ("(compatible)", ()),
        ("ツbot/1", ()),
    ],
)
def test_user_agent_tokens(user_agent: str, expected: tuple[str, ...]) -> None:
    from filters.tokens import user_agent_tokens

    assert user_agent_tokens(user_agent) == expected


def test_sent_token_comes_first_and_clearcrawl_stays() -> None:
    toks = honored_tokens(None, ("MyBot", "Inner"))
    assert toks[:3] == ("MyBot", "clearcrawl", "Scrapy")
    assert "Inner" in toks
    assert "GPTBot" in toks
    assert honored_tokens(None, ("clearcrawl",)) == honored_tokens()
    assert honored_tokens(None, ("CLEARCRAWL",))[0] == "CLEARCRAWL"
    assert len(honored_tokens(None, ("CLEARCRAWL",))) == len(honored_tokens())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a group naming the sent token binds it
        ("User-agent: MyBot\nDisallow: /a\n", False),
        # the sent token with no group of its own falls back to '*' (RFC 9309 §2.2.1) ...
        ("User-agent: clearcrawl\nAllow: /\n\nUser-agent: *\nDisallow: /\n", False),
        # ... and so does clearcrawl, whose own group may not be left out either
        ("User-agent: MyBot\nAllow: /\n\nUser-agent: *\nDisallow: /\n", False),
        ("User-agent: clearcrawl\nDisallow: /a\n\nUser-agent: MyBot\nAllow: /\n", False),
        ("User-agent: MyBot\nAllow: /\n\nUser-agent: clearcrawl\nAllow: /\n", True),
        ("User-agent: OtherBot\nDisallow: /\n", True),
    ],
)
def test_sent_token_and_clearcrawl_both_get_rfc_9309_in_full(text: str, expected: bool) -> None:
    toks = honored_tokens(None, ("MyBot",))
    assert policy(text).verdict("http://h.example/a", toks).allowed is expected


def test_invalid_tokens() -> None:
    from filters.tokens import invalid_tokens

    assert invalid_tokens(["GPTBot", "AI2Bot", "img2dataset", "cohere-ai", "Foo_Bar"]) == []
    assert invalid_tokens(["GPT Bot", "GPTBot/1.0", "", " ", "*", "ツ"]) == [
        "GPT Bot",
        "GPTBot/1.0",
        "",
        " ",
        "*",
        "ツ",
    ]
