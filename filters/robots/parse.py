"""Line-level parser for robots.txt-shaped files (robots.txt, Spawning's ai.txt).

Why not protego's parser: protego answers "may this user agent fetch this URL" but cannot say
which group and which line decided, and it picks groups by substring (RFC 9309 §2.2.1). This
parser keeps every line with its number so that decisions can cite ``line 14``; rule *matching*
is still protego's (:mod:`filters.robots.match`).

Grammar (RFC 9309 §2.2), with google/robotstxt's lenient readings where they only make the file
mean *more* restriction or are unambiguous:

* lines end at CR, LF or CRLF (§2.2, ``ID_LinesNumbersAreCountedCorrectly``); ``#`` starts a
  comment (§2.2.3); field names are case-insensitive (§2.2);
* a missing colon is accepted when the first word is a known field (``disallow /``); common
  misspellings of ``disallow`` are read as ``disallow`` (never the reverse);
* a group is one or more ``user-agent`` lines followed by member lines; a ``user-agent`` line
  after a *rule* line (``allow``/``disallow``, §2.2.2) starts a new group. Every other record
  (``sitemap``, ``crawl-delay``, ``content-signal``, ``content-usage``, the AI-training
  fields, unknown lines) never ends a group (§2.2.4: "records that are not rules ... MUST NOT
  terminate a group"; google/robotstxt ``ID_GroupingOtherRules`` and its ``seen_separator_``,
  set by allow/disallow only). So ``User-agent: A`` / ``Crawl-delay: 1`` / ``User-agent: B`` /
  ``Disallow: /`` is one group for A and B, and the crawl-delay belongs to both. Reading it so
  only ever adds rules to a group that had none (fail closed). Member lines before any
  ``user-agent`` line belong to nobody and are ignored;
* a UTF-8 byte order mark, whole or partial, is skipped (``ID_UTF8ByteOrderMarkIsSkipped``).

Besides ``allow``/``disallow`` the group members kept are ``crawl-delay`` (not RFC 9309; Bing,
Yandex), ``license`` (RSL 1.0 §4.4; before any group it is the site's, in
:attr:`ParsedRobots.licenses`), ``content-signal`` (Cloudflare Content Signals), ``content-usage``
(draft-ietf-aipref-attach) and ``disallowaitraining``/``allowaitraining``
(draft-canel-robots-ai-control-00, expired). They attach to the current group but, not being
RFC 9309 rules, do not end it.

Total: never raises; undecodable bytes become U+FFFD and are reported in ``notes``;
:func:`looks_binary` tells the caller when the bytes are not text at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from filters.tokens import group_token

USER_AGENT = "user-agent"
ALLOW = "allow"
DISALLOW = "disallow"
SITEMAP = "sitemap"
CRAWL_DELAY = "crawl-delay"
CONTENT_SIGNAL = "content-signal"
CONTENT_USAGE = "content-usage"
DISALLOW_AI_TRAINING = "disallowaitraining"
ALLOW_AI_TRAINING = "allowaitraining"
#: RSL 1.0 §4.4: ``License: <absolute URL>`` names the RSL licence of the site (outside any
#: group) or of one group's crawlers (inside it). It does not change Allow/Disallow.
LICENSE = "license"

#: Field spellings accepted, mapped to the canonical field name.
FIELDS: dict[str, str] = {
    "user-agent": USER_AGENT,
    "useragent": USER_AGENT,
    "user agent": USER_AGENT,
    "user_agent": USER_AGENT,
    "allow": ALLOW,
    "disallow": DISALLOW,
    # google/robotstxt and protego accept these misspellings; reading them as disallow can
    # only add restriction.
    "dissallow": DISALLOW,
    "dissalow": DISALLOW,
    "disalow": DISALLOW,
    "diasllow": DISALLOW,
    "disallaw": DISALLOW,
    "sitemap": SITEMAP,
    "site-map": SITEMAP,
    "sitemaps": SITEMAP,
    "crawl-delay": CRAWL_DELAY,
    "crawl delay": CRAWL_DELAY,
    "crawldelay": CRAWL_DELAY,
    "content-signal": CONTENT_SIGNAL,
    "content-signals": CONTENT_SIGNAL,
    "content-usage": CONTENT_USAGE,
    "disallowaitraining": DISALLOW_AI_TRAINING,
    "disallow-ai-training": DISALLOW_AI_TRAINING,
    "allowaitraining": ALLOW_AI_TRAINING,
    "allow-ai-training": ALLOW_AI_TRAINING,
    "license": LICENSE,
}
MEMBER_FIELDS = frozenset(
    {
        ALLOW,
        DISALLOW,
        CRAWL_DELAY,
        CONTENT_SIGNAL,
        CONTENT_USAGE,
        DISALLOW_AI_TRAINING,
        ALLOW_AI_TRAINING,
        LICENSE,
    }
)

#: The records that end a group's run of ``user-agent`` lines (RFC 9309 §2.2.2, §2.2.4).
RULE_FIELDS = frozenset({ALLOW, DISALLOW})

#: Group members about AI use rather than crawling (see :attr:`ParsedRobots.preamble`).
AI_USE_FIELDS = frozenset({CONTENT_SIGNAL, CONTENT_USAGE, DISALLOW_AI_TRAINING, ALLOW_AI_TRAINING})

_LINE_END = re.compile(r"\r\n|\r|\n")
_BOMS = (b"\xef\xbb\xbf", b"\xef\xbb", b"\xef")
#: Control characters that never occur in a text file (tab, LF, FF, CR are fine).
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Line:
    """One directive line: canonical field, value, 1-based line number and the text as written."""

    number: int
    field: str
    value: str
    text: str


@dataclass(slots=True)
class Group:
    """A group: its ``user-agent`` lines and its member lines, in file order.

    ``agents`` holds ``(line number, product token or "*" or None, value as written)``.
    """

    index: int
    agents: list[tuple[int, str | None, str]] = field(default_factory=list)
    members: list[Line] = field(default_factory=list)

    @property
    def agent_lines(self) -> tuple[int, ...]:
        return tuple(n for n, _, _ in self.agents)

    def names(self, token: str) -> bool:
        """Whether one of the group's user-agent lines names ``token`` (case-insensitive)."""
        low = token.lower()
        return any(t == low for _, t, _ in self.agents)

    @property
    def is_global(self) -> bool:
        return any(t == "*" for _, t, _ in self.agents)

    def label(self) -> str:
        if not self.agents:
            return "lines before any User-agent line"
        return "; ".join(f"line {n}: User-agent: {v}" for n, _, v in self.agents)


@dataclass(slots=True)
class ParsedRobots:
    """Everything read from one robots.txt-shaped file."""

    groups: list[Group] = field(default_factory=list)
    sitemaps: list[Line] = field(default_factory=list)
    lines_total: int = 0
    directives: int = 0
    unknown: int = 0
    orphans: int = 0
    #: AI-use lines written before any ``User-agent`` line. RFC 9309 gives them no group; a
    #: site owner who puts ``Content-Signal: ai-train=no`` at the top means every crawler, so
    #: they are kept (as a group with no agents) and read as addressed to all.
    preamble: Group = field(default_factory=lambda: Group(index=-1))
    undecodable_lines: int = 0
    notes: list[str] = field(default_factory=list)
    #: RSL 1.0 §4.4 ``License:`` lines outside any group: the site's licence for every crawler
    #: (a ``License:`` line inside a group is that group's member, for its crawlers only).
    licenses: list[Line] = field(default_factory=list)


def strip_bom(data: bytes) -> bytes:
    """Drop a UTF-8 byte order mark, whole or partial, at the very start."""
    for bom in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :]
    return data


def from_utf16(data: bytes) -> bytes:
    """Re-encode a file that starts with a UTF-16 byte order mark as UTF-8.

    RFC 9309 files are UTF-8, but editors on some systems save UTF-16; read as bytes such a
    file is all NULs and would otherwise count as unreadable.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace").encode("utf-8")
    return data


def looks_binary(data: bytes) -> str:
    """Why ``data`` is not a text file (empty string when it plausibly is).

    NUL bytes, or more than 10 % of characters that are control characters or invalid UTF-8,
    mean the bytes are not a policy file a site owner wrote (an image, a compressed stream
    without ``Content-Encoding``, random garbage). Callers fail closed on such files.
    """
    if not data:
        return ""
    if b"\x00" in data:
        return "contains NUL bytes"
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd") + len(_CONTROL.findall(text))
    if bad * 10 > len(text):
        return f"{bad} of {len(text)} characters are control characters or invalid UTF-8"
    return ""


def _split_field(line: str) -> tuple[str, str] | None:
    """``(canonical field or "?name", value)`` for a comment-free, stripped, non-empty line."""
    if ":" in line:
        name, value = line.split(":", 1)
        key = " ".join(name.lower().split())
        if key in FIELDS:
            return FIELDS[key], value.strip()
    words = line.split(None, 2)
    # A missing colon: "disallow /x", "user agent foo" (two-word field names first).
    if len(words) >= 2:
        two = f"{words[0]} {words[1]}".lower().rstrip(":")
        if two in FIELDS:
            return FIELDS[two], words[2].strip() if len(words) > 2 else ""
    one = words[0].lower().rstrip(":")
    if one in FIELDS:
        return FIELDS[one], line[len(words[0]) :].strip()
    if ":" in line:
        name, value = line.split(":", 1)
        return "?" + " ".join(name.lower().split()), value.strip()
    return None


def parse_robots(data: bytes | str) -> ParsedRobots:
    """Parse robots.txt-shaped ``data`` into groups with line numbers; never raises."""
    if isinstance(data, str):
        text = data.removeprefix("\ufeff")
    else:
        text = strip_bom(bytes(data)).decode("utf-8", "replace")
    parsed = ParsedRobots()
    current: Group | None = None
    in_agents = False
    for number, raw in enumerate(_LINE_END.split(text), start=1):
        parsed.lines_total = number
        if "\ufffd" in raw:
            parsed.undecodable_lines += 1
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        split = _split_field(line)
        if split is None:
            parsed.unknown += 1
            continue
        fld, value = split
        shown = " ".join(raw.split("#", 1)[0].split())
        if fld.startswith("?"):
            parsed.unknown += 1
            continue
        parsed.directives += 1
        if fld == USER_AGENT:
            if current is None or not in_agents:
                current = Group(index=len(parsed.groups))
                parsed.groups.append(current)
                in_agents = True
            current.agents.append((number, group_token(value), value))
        elif fld == SITEMAP:
            parsed.sitemaps.append(Line(number, fld, value, shown))
        elif fld in MEMBER_FIELDS:
            if current is None:
                if fld == LICENSE:
                    parsed.licenses.append(Line(number, fld, value, shown))
                elif fld in AI_USE_FIELDS:
                    parsed.preamble.members.append(Line(number, fld, value, shown))
                else:
                    parsed.orphans += 1
                continue
            current.members.append(Line(number, fld, value, shown))
            if fld in RULE_FIELDS:
                in_agents = False
    if text.endswith(("\n", "\r")):
        parsed.lines_total -= 1
    if parsed.orphans:
        parsed.notes.append(
            f"{parsed.orphans} rule line(s) before any User-agent line ignored (RFC 9309 §2.2)"
        )
    if parsed.undecodable_lines:
        parsed.notes.append(f"{parsed.undecodable_lines} line(s) are not valid UTF-8")
    return parsed
