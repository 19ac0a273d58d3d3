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
one protego parser; the deciding check is protego's own (:mod:`filters.optout.tdmrep_index`).
The gate parses the file in a worker thread; per-URL matching stays inline unless the file is
:attr:`TdmrepPolicy.costly` (``benchmarks/tdmrep_rules.py`` measures both).

The header and meta layers and the processing priority are in :mod:`filters.optout.tdmrep_page`
(re-exported here).

Unreachable / refused files: see :mod:`filters.robots.status`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from filters.optout.tdmrep_index import BLOCK, RuleIndex, TdmRule
from filters.optout.tdmrep_page import (
    HEADER_SIGNAL,
    META_SIGNAL,
    META_UNREAD_SIGNAL,
    PRIORITY,
    Layer,
    combine_layers,
    header_layer,
    meta_layer,
)
from filters.results import (
    Evidence,
    OptoutSignal,
    PolicyFileRef,
    RobotsVerdict,
    crash_reservation,
    excerpt,
)
from filters.robots.match import path_of
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
#: Largest tdmrep.json read (bytes), as robots.txt's parse limit (RFC 9309 §2.5: 500 KiB).
MAX_BYTES = 512_000
#: Rules sharing one head beyond which per-URL matching leaves the event loop (see ``costly``).
COSTLY_RULES = 1000
#: Rules per protego pre-check block of the compiled index (read when a policy is built).
_BLOCK = BLOCK
_SPEC = "TDMRep §3.3: an array of objects with a string location and tdm-reservation 0 or 1"
_FAIL = "treated as a reservation of the whole origin (fail closed)"


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
        self._index = RuleIndex(rules, block=_BLOCK)
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

    def first_rule(self, url: str) -> TdmRule | None:
        """Return the rule deciding ``url`` (first match in array order), or ``None``."""
        return self._index.first_match(url) if self.outcome == PARSE else None

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


__all__ = [
    "COSTLY_RULES",
    "FILE_SIGNAL",
    "HEADER_SIGNAL",
    "KIND",
    "MAX_BYTES",
    "META_SIGNAL",
    "META_UNREAD_SIGNAL",
    "PRIORITY",
    "WELL_KNOWN_PATH",
    "Layer",
    "TdmRule",
    "TdmrepPolicy",
    "combine_layers",
    "header_layer",
    "meta_layer",
    "refusal_note",
    "tdmrep_from_fetch",
]
