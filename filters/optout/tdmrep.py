"""TDMRep (W3C TDM Reservation Protocol, Community Group final report): file, headers, meta.

Spec: https://www.w3.org/community/reports/tdmrep/CG-FINAL-tdmrep-20240510/ (§3.3 the
``/.well-known/tdmrep.json`` file).

Three places state ``tdm-reservation`` (``1`` = TDM rights reserved, ``0`` = not reserved; in a
header or meta any other value is a protocol error and counts as *unset*) and optionally
``tdm-policy``:

1. ``/.well-known/tdmrep.json``: a JSON array of ``{"location", "tdm-reservation",
   "tdm-policy"?}`` rules (``location`` and ``tdm-reservation`` mandatory). ``location`` uses
   robots.txt's ``*`` and ``$`` (matched by protego, :func:`filters.robots.match.pattern_matches`).
   The spec's "the most specific match is the first in sequence" means **the first matching rule
   in array order wins**, whatever the pattern lengths. No match → unset. The agent checks this
   file before crawling a host.
2. the ``tdm-reservation`` / ``tdm-policy`` HTTP response headers;
3. ``<meta name="tdm-reservation">`` / ``<meta name="tdm-policy">`` in HTML.

**Processing priority**: file → header → meta; a later layer that states a valid value
supersedes earlier ones, and absence (or a protocol error) never resets a value. So header
``0`` overrides file ``1`` and meta ``1`` overrides header ``0``. :func:`combine_layers` keeps
every layer's signal, marks the superseded ones ``reserved=None`` and says by what.

The file fails closed where the spec is silent or the file is not what §3.3 describes: the
whole origin counts as reserved, and the evidence says why (clearcrawl issues 4 and 11), when

* it is not valid JSON (except an HTML page served at that URL, a soft 404: see
  :mod:`filters.robots.status`), or an object holds a key twice (which value counts is
  undefined);
* it is valid JSON of the wrong shape: anything but an array; an entry that is not an object;
  ``location`` missing, empty or not a string; ``tdm-reservation`` missing or anything but the
  JSON integers ``0``/``1`` (``"1"``, ``true``, ``2``, ``1.5``…); ``tdm-policy`` not a string;
  an absolute ``location`` on another host. Reading such a file leniently could turn a
  reservation the publisher meant into "not reserved", so none of it is used;
* it is larger than :data:`MAX_BYTES` (a cap like robots.txt's 500 KiB, RFC 9309 §2.5; a
  truncated JSON document cannot be parsed, so over the cap nothing is read).

A well-formed file is compiled once per origin (:class:`TdmrepPolicy` is cached with the
origin's policy files): each rule's literal head, the part before any ``*``, ``$`` or character
that protego re-encodes, indexes it, so a URL is checked only against the rules whose head is a
prefix of its path, in array order, and rules sharing a head are pre-checked 64 at a time by
one protego parser; the deciding check is protego's own. The gate parses the file in a worker
thread; per-URL matching stays inline unless the file is :attr:`TdmrepPolicy.costly`
(``benchmarks/tdmrep_rules.py`` measures both).

Unreachable / refused files: see :mod:`filters.robots.status`.
"""

from __future__ import annotations

import json
import string
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from protego import Protego

from filters.headers import header_values, normalize_headers
from filters.html import MAX_PARSE_BYTES, ParsedPage
from filters.results import (
    Evidence,
    OptoutSignal,
    PolicyFileRef,
    RobotsVerdict,
    crash_reservation,
    excerpt,
)
from filters.robots.match import _PROBE_AGENT as PROBE_AGENT
from filters.robots.match import _probe_url as probe_url
from filters.robots.match import _safe_pattern, path_of, pattern_matches
from filters.robots.parse import strip_bom
from filters.robots.status import (
    ABSENT,
    FAIL_CLOSED,
    PARSE,
    REFUSED_BY_ROBOTS,
    SKIPPED,
    classify_fetch,
    looks_like_html,
    policy_file_ref,
)

KIND = "tdmrep.json"
WELL_KNOWN_PATH = "/.well-known/tdmrep.json"
FILE_SIGNAL = "tdmrep-file"
HEADER_SIGNAL = "tdmrep-header"
META_SIGNAL = "tdmrep-meta"
#: The meta layer could not be read in full (the body is past the parse cap): unknown, and
#: unknown is not taken (fail closed) — recorded apart from ``tdmrep-meta`` so no record claims
#: a reservation the page never made.
META_UNREAD_SIGNAL = "tdmrep-meta-unread"
PRIORITY = "TDMRep processing priority: file, then header, then meta"
#: Largest tdmrep.json read (bytes), as robots.txt's parse limit (RFC 9309 §2.5: 500 KiB).
MAX_BYTES = 512_000
#: Rules sharing one head beyond which per-URL matching leaves the event loop (see ``costly``).
COSTLY_RULES = 1000
_SPEC = "TDMRep §3.3: an array of objects with a string location and tdm-reservation 0 or 1"
_FAIL = "treated as a reservation of the whole origin (fail closed)"


@dataclass(frozen=True, slots=True)
class TdmRule:
    """One entry of tdmrep.json; ``index`` is its position in the JSON array."""

    index: int
    pattern: str
    reservation: int
    policy: str
    raw: str
    note: str = ""


class _Malformed(ValueError):
    """The file is JSON, but not the rule array §3.3 describes (the message says where)."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Malformed(
                f"an object states {excerpt(repr(key), 40)} more than once (which counts is undefined)"
            )
        out[key] = value
    return out


def _location_pattern(location: Any, host: str) -> tuple[str, str]:
    """``(pattern, note)`` for a well-formed ``location``; raises :class:`_Malformed`."""
    if not isinstance(location, str) or not location.strip():
        raise _Malformed(
            f"location {excerpt(repr(location), 60)} is missing, empty or not a string"
        )
    loc = location.strip()
    if loc.startswith(("http://", "https://")):
        if _host(loc) != host:
            raise _Malformed(f"location {excerpt(loc, 60)} names another host")
        return path_of(loc), "absolute URL read as its path"
    if not loc.startswith(("/", "*")):
        return "/" + loc, "relative location read from the site root"
    return loc, ""


def _rule(index: int, entry: Any, host: str) -> TdmRule:
    """One well-formed entry as a rule; raises :class:`_Malformed` naming what is wrong."""
    if not isinstance(entry, dict):
        raise _Malformed(f"entry [{index}] is a JSON {type(entry).__name__}, not an object")
    value = entry.get("tdm-reservation")
    if type(value) is not int or value not in (0, 1):
        raise _Malformed(
            f"entry [{index}]: tdm-reservation {excerpt(repr(value), 40)} is not the integer 0 or 1"
        )
    try:
        pattern, note = _location_pattern(entry.get("location"), host)
    except _Malformed as exc:
        raise _Malformed(f"entry [{index}]: {exc}") from None
    policy = entry.get("tdm-policy", "")
    if not isinstance(policy, str):
        raise _Malformed(f"entry [{index}]: tdm-policy {excerpt(repr(policy), 40)} is not a string")
    raw = json.dumps(entry, ensure_ascii=False, sort_keys=True)
    return TdmRule(index, pattern, value, policy, raw, note)


# -- the compiled index -----------------------------------------------------------------------
#: Characters protego's percent-encoding normalisation leaves as they are (RFC 3986 unreserved,
#: "/" and "="); a path's or pattern's leading run of them reads the same after normalisation.
_PLAIN = frozenset(string.ascii_letters + string.digits + "-._~/=")
_HEX = frozenset(string.hexdigits)


def _plain_head(text: str) -> str:
    """Return the leading run of ``text`` that protego's normalisation spells with plain characters.

    ``%XX`` escapes of plain characters are decoded, as protego decodes them (``%7E`` → ``~``;
    ``%2F`` stays an escape, so it ends the run like any other character protego re-encodes,
    and like ``*``, ``$``, ``?``). So when protego finds a pattern's normalised literal start at
    the start of a normalised path, the pattern's head is a prefix of the path's head.
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "%":
            hexa = text[i + 1 : i + 3]
            if len(hexa) == 2 and _HEX.issuperset(hexa):
                decoded = chr(int(hexa, 16))
                if decoded in _PLAIN and decoded != "/":
                    out.append(decoded)
                    i += 3
                    continue
            break
        if ch not in _PLAIN:
            break
        out.append(ch)
        i += 1
    return "".join(out)


_BLOCK = 64


class _Bucket:
    """The rules sharing one plain head, in array order, with a protego parser per block.

    A block's parser holds its rules as ``Disallow`` lines, so one ``can_fetch`` says whether
    any of them matches (protego checks its plain prefixes at once); only a block that matches
    is searched rule by rule for the first in array order. A file whose rules all share a short
    head (``*``-led patterns) so costs about one protego pass over its rules per URL, not one
    protego parser per rule.
    """

    __slots__ = ("blocks", "positions")

    def __init__(self, positions: list[int], rules: Sequence[TdmRule]) -> None:
        self.positions = positions
        self.blocks: list[tuple[int, int, Protego | None]] = []
        for lo in range(0, len(positions), _BLOCK):
            hi = min(lo + _BLOCK, len(positions))
            parser = None
            if len(positions) > _BLOCK:
                lines = "".join(
                    f"Disallow: {_safe_pattern(rules[p].pattern)}\n" for p in positions[lo:hi]
                )
                parser = Protego.parse("User-agent: *\n" + lines)
            self.blocks.append((lo, hi, parser))

    def first_match(
        self, rules: Sequence[TdmRule], url: str, probe: str, before: int | None
    ) -> int | None:
        """Position of the first rule of this bucket matching ``url`` (and below ``before``)."""
        for lo, hi, parser in self.blocks:
            if before is not None and self.positions[lo] >= before:
                return None
            if parser is not None and parser.can_fetch(probe, PROBE_AGENT):
                continue  # no rule of this block matches
            for pos in self.positions[lo:hi]:
                if before is not None and pos >= before:
                    return None
                if pattern_matches(rules[pos].pattern, url):
                    return pos
        return None


class _RuleIndex:
    """First matching rule in array order, checking only rules whose head fits the path."""

    __slots__ = ("_buckets", "_lengths", "largest_bucket", "rules")

    def __init__(self, rules: Sequence[TdmRule]) -> None:
        self.rules = tuple(rules)
        by_head: dict[str, list[int]] = {}
        for pos, rule in enumerate(self.rules):
            by_head.setdefault(_plain_head(_safe_pattern(rule.pattern)), []).append(pos)
        self._buckets = {head: _Bucket(ps, self.rules) for head, ps in by_head.items()}
        self._lengths = sorted({len(h) for h in by_head})
        self.largest_bucket = max((len(ps) for ps in by_head.values()), default=0)

    def first_match(self, url: str) -> TdmRule | None:
        head = _plain_head(path_of(url))
        probe = probe_url(url)
        best: int | None = None
        for n in self._lengths:
            if n > len(head):
                break
            bucket = self._buckets.get(head[:n])
            if bucket is not None:
                found = bucket.first_match(self.rules, url, probe, best)
                if found is not None:
                    best = found
        return None if best is None else self.rules[best]


class TdmrepPolicy:
    """An origin's tdmrep.json as fetched (or why it could not be), ready to answer per URL."""

    __slots__ = ("_index", "outcome", "reason", "ref", "refusal", "url")

    def __init__(
        self,
        url: str,
        outcome: str,
        reason: str,
        ref: PolicyFileRef | None = None,
        rules: Sequence[TdmRule] = (),
        refusal: Sequence[Evidence] = (),
    ) -> None:
        self.url = url
        self.outcome = outcome  # PARSE (rules), ABSENT, SKIPPED, FAIL_CLOSED, REFUSED_BY_ROBOTS
        self.reason = reason
        self.ref = ref
        self._index = _RuleIndex(rules)
        self.refusal = tuple(refusal)  # REFUSED_BY_ROBOTS: the robots.txt lines that forbid it

    @property
    def rules(self) -> tuple[TdmRule, ...]:
        return self._index.rules

    @property
    def costly(self) -> bool:
        """Whether matching one URL may check more than :data:`COSTLY_RULES` rules.

        That takes about a millisecond per thousand rules (``benchmarks/tdmrep_rules.py``), so
        callers on an event loop evaluate such an origin's URLs in a worker thread.
        """
        return self._index.largest_bucket > COSTLY_RULES

    @classmethod
    def not_checked(cls, url: str, why: str, *, fail_closed: bool = True) -> TdmrepPolicy:
        """Record that the file was not fetched.

        ``fail_closed``: it could have mattered, so the origin counts as reserved; otherwise
        robots.txt already refuses everything and the file adds nothing.
        """
        if fail_closed:
            return cls(url, FAIL_CLOSED, f"{KIND} not checked: {why}; treated as reserved")
        return cls(url, SKIPPED, f"{KIND} not checked: {why}")

    @classmethod
    def refused_by_robots(cls, url: str, verdict: RobotsVerdict) -> TdmrepPolicy:
        """robots.txt forbids fetching the file but not every page (see :func:`refusal_note`)."""
        return cls(url, REFUSED_BY_ROBOTS, refusal_note(KIND, verdict), refusal=verdict.evidence)

    def signal(self, url: str) -> OptoutSignal:
        """Return the ``tdmrep-file`` signal for ``url``; never raises."""
        try:
            return self._signal(url)
        except Exception as exc:  # noqa: BLE001 - a crash reads as a reservation
            return crash_reservation(FILE_SIGNAL, KIND, self.url, exc)

    def _signal(self, url: str) -> OptoutSignal:
        if self.outcome == FAIL_CLOSED:
            return OptoutSignal(
                signal=FILE_SIGNAL,
                reserved=True,
                evidence=(Evidence(source=KIND, locator=self.url, note=self.reason),),
            )
        if self.outcome != PARSE:  # ABSENT, SKIPPED, REFUSED_BY_ROBOTS: nothing stated
            return OptoutSignal(
                signal=FILE_SIGNAL,
                reserved=None,
                evidence=(Evidence(source=KIND, locator=self.url, note=self.reason), *self.refusal),
            )
        rule = self._index.first_match(url)
        if rule is None:
            return OptoutSignal(
                signal=FILE_SIGNAL,
                reserved=None,
                evidence=(
                    Evidence(
                        source=KIND,
                        locator=self.url,
                        note=f"no entry of {len(self.rules)} matches {path_of(url)}: unset",
                    ),
                ),
            )
        policy = f"; tdm-policy {rule.policy}" if rule.policy else ""
        extra = f" ({rule.note})" if rule.note else ""
        return OptoutSignal(
            signal=FILE_SIGNAL,
            reserved=rule.reservation == 1,
            evidence=(
                Evidence(
                    source=KIND,
                    locator=f"{self.url} entry [{rule.index}]",
                    excerpt=excerpt(rule.raw),
                    note=f"first matching entry in array order (location {rule.pattern}): "
                    f"tdm-reservation {rule.reservation}{extra}{policy}",
                ),
            ),
        )


def refusal_note(kind: str, verdict: RobotsVerdict) -> str:
    """Why a policy file robots.txt forbids fetching is not read, and what that means.

    RFC 9309 binds us not to fetch it; what it would say is unknown, which is not an opt-out
    the site made. Pages are still not taken (fail closed), under their own reason
    (``policy-file-refused-by-robots``), with robots.txt's deciding lines as evidence.
    """
    return (
        f"{kind} not read: robots.txt forbids fetching it ({verdict.reason}); whether it "
        "reserves TDM/AI rights is unknown, so the origin's pages are not taken (fail closed)"
    )


def tdmrep_from_fetch(
    url: str,
    status: int,
    body: bytes,
    fetched_at: str,
    *,
    final_url: str = "",
    error: str = "",
    max_bytes: int = MAX_BYTES,
) -> TdmrepPolicy:
    """Map a ``/.well-known/tdmrep.json`` fetch to a policy (rules in the module docstring)."""
    body = bytes(body or b"")
    over = len(body) > max_bytes
    ref = policy_file_ref(
        KIND, url, status, body, fetched_at, final_url=final_url, error=error, truncated=over
    )
    outcome, reason = classify_fetch(KIND, status, error)
    if outcome != PARSE:
        return TdmrepPolicy(url, outcome, reason, ref)
    if over:
        return TdmrepPolicy(
            url,
            FAIL_CLOSED,
            f"{KIND} is {len(body)} bytes, over the {max_bytes}-byte cap; a truncated JSON file "
            f"cannot be read, so none of it was: {_FAIL}",
            ref,
        )
    data = strip_bom(body)
    if not data.strip():
        return TdmrepPolicy(url, ABSENT, f"{KIND} is empty: unset", ref)
    try:
        doc = json.loads(data, object_pairs_hook=_no_duplicate_keys)
    except _Malformed as exc:
        return TdmrepPolicy(url, FAIL_CLOSED, f"{KIND} is malformed: {exc}; {_FAIL}", ref)
    except (ValueError, RecursionError) as exc:
        if looks_like_html(data):
            return TdmrepPolicy(
                url, ABSENT, f"an HTML page is served at {KIND} (soft 404): read as no file", ref
            )
        return TdmrepPolicy(
            url, FAIL_CLOSED, f"{KIND} is not valid JSON ({excerpt(str(exc), 120)}); {_FAIL}", ref
        )
    host = _host(final_url or url)
    try:
        if not isinstance(doc, list):
            raise _Malformed(f"it holds a JSON {type(doc).__name__}, not an array of rules")
        rules = [_rule(index, entry, host) for index, entry in enumerate(doc)]
    except _Malformed as exc:
        return TdmrepPolicy(url, FAIL_CLOSED, f"{KIND} is malformed: {exc} ({_SPEC}); {_FAIL}", ref)
    return TdmrepPolicy(url, PARSE, f"{KIND} HTTP {status}: {len(rules)} rule(s)", ref, rules)


def _host(url: str) -> str:
    """Return the lower-cased host of ``url`` (empty when it has none or does not parse)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


# --- page layers ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Layer:
    """What one TDMRep layer (header or meta) states: 1, 0 or None (absent / protocol error)."""

    value: int | None
    evidence: tuple[Evidence, ...] = ()
    #: Why the layer may hold a value that was not read ("" when it was read in full).
    unread: str = ""


def _noted(items: Sequence[Evidence], prefix: str) -> tuple[Evidence, ...]:
    return tuple(replace(e, note=prefix + e.note) for e in items)


def _read_values(values: Sequence[tuple[str, Evidence]], what: str) -> Layer:
    ones: list[Evidence] = []
    zeros: list[Evidence] = []
    evidence: list[Evidence] = []
    for value, ev in values:
        parts = [p.strip() for p in value.split(",")] or [""]
        for part in parts:
            if part == "1":
                ones.append(ev)
            elif part == "0":
                zeros.append(ev)
            else:
                evidence.append(
                    replace(
                        ev,
                        note=f"{what} value {part!r} is a protocol error (neither 0 nor 1): unset",
                    )
                )
    if ones:
        conflict = " (conflicting 0 also stated: the reservation wins)" if zeros else ""
        return Layer(1, _noted(ones, f"{what} 1: TDM rights reserved{conflict}") + tuple(evidence))
    if zeros:
        return Layer(0, _noted(zeros, f"{what} 0: not reserved") + tuple(evidence))
    return Layer(None, tuple(evidence))


def header_layer(headers: Any) -> Layer:
    """Read the ``tdm-reservation`` response header(s), noting ``tdm-policy``."""
    hs = normalize_headers(headers)
    policy = header_values(hs, "tdm-policy")
    suffix = f"; tdm-policy {policy[0]}" if policy else ""
    values = [
        (
            v,
            Evidence(
                source="header:tdm-reservation",
                locator=f"tdm-reservation line {i}",
                excerpt=excerpt(v),
                note=suffix,
            ),
        )
        for i, v in enumerate(header_values(hs, "tdm-reservation"), start=1)
    ]
    return _read_values(values, "tdm-reservation header")


def meta_layer(page: ParsedPage) -> Layer:
    """``<meta name="tdm-reservation">`` tags, with ``tdm-policy`` noted."""
    policy = [c for _, c, _ in page.meta_values("tdm-policy")]
    suffix = f"; tdm-policy {policy[0].strip()}" if policy else ""
    values = [
        (
            content,
            Evidence(
                source="html:meta[name=tdm-reservation]",
                locator=page.xpath_of(el),
                excerpt=excerpt(content),
                note=suffix,
            ),
        )
        for _, content, el in page.meta_values("tdm-reservation")
    ]
    layer = _read_values(values, "tdm-reservation meta")
    if page.truncated and layer.value != 1:
        # A tag past the parse cap would be missed, and a meta 1 supersedes every earlier
        # layer: what the page states is unknown, not "no reservation".
        return replace(
            layer,
            unread=(
                f"body larger than the {MAX_PARSE_BYTES}-byte parse cap: a tdm-reservation meta "
                "after it was not read, so the page's reservation is unknown; unknown is not "
                "taken (fail closed)"
            ),
        )
    return layer


def _superseded(sig: OptoutSignal, by: str) -> OptoutSignal:
    return OptoutSignal(
        signal=sig.signal,
        reserved=None,
        evidence=(
            *sig.evidence,
            Evidence(
                source="tdmrep",
                note=f"stated {int(bool(sig.reserved))}, superseded by the {by} ({PRIORITY})",
            ),
        ),
    )


def combine_layers(
    file_signals: Sequence[OptoutSignal], header: Layer, meta: Layer
) -> list[OptoutSignal]:
    """Every TDMRep layer's signal; only the effective (last stated) one keeps its verdict."""
    layers: list[tuple[str, OptoutSignal]] = [("tdmrep.json rule", s) for s in file_signals]
    for name, what, layer in (
        ("tdm-reservation header", HEADER_SIGNAL, header),
        ("tdm-reservation meta tag", META_SIGNAL, meta),
    ):
        reserved = None if layer.value is None else layer.value == 1
        layers.append((name, OptoutSignal(signal=what, reserved=reserved, evidence=layer.evidence)))
    effective = max((i for i, (_, s) in enumerate(layers) if s.reserved is not None), default=-1)
    out: list[OptoutSignal] = []
    for i, (_, sig) in enumerate(layers):
        if i < effective and sig.reserved is not None:
            out.append(_superseded(sig, layers[effective][0]))
        else:
            out.append(sig)
    if meta.unread:
        out.append(
            OptoutSignal(
                signal=META_UNREAD_SIGNAL,
                reserved=True,
                evidence=(
                    Evidence(
                        source="html:meta[name=tdm-reservation]",
                        locator=f"filters._html.MAX_PARSE_BYTES={MAX_PARSE_BYTES}",
                        note=meta.unread,
                    ),
                ),
            )
        )
    return out
