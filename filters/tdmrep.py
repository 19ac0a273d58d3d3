"""TDMRep (W3C TDM Reservation Protocol, Community Group final report): file, headers, meta.

Three places state ``tdm-reservation`` (``1`` = TDM rights reserved, ``0`` = not reserved; any
other value is a protocol error and counts as *unset*) and optionally ``tdm-policy``:

1. ``/.well-known/tdmrep.json``: a JSON array of ``{"location", "tdm-reservation",
   "tdm-policy"?}`` rules. ``location`` uses robots.txt's ``*`` and ``$`` (matched by protego,
   :func:`filters._robots_match.pattern_matches`). The spec's "the most specific match is the
   first in sequence" means **the first matching rule in array order wins**, whatever the
   pattern lengths. No match → unset. The agent checks this file before crawling a host.
2. the ``tdm-reservation`` / ``tdm-policy`` HTTP response headers;
3. ``<meta name="tdm-reservation">`` / ``<meta name="tdm-policy">`` in HTML.

**Processing priority**: file → header → meta; a later layer that states a valid value
supersedes earlier ones, and absence (or a protocol error) never resets a value. So header
``0`` overrides file ``1`` and meta ``1`` overrides header ``0``. :func:`combine_layers` keeps
every layer's signal, marks the superseded ones ``reserved=None`` and says by what.

Fail closed where the spec is silent (each case recorded in the evidence):

* a tdmrep.json that is not valid JSON, or valid JSON of the wrong shape, reserves the whole
  origin ("invalid JSON in tdmrep.json never fails open", clearcrawl issue 4) — except an HTML
  page served at that URL, which is a soft 404 (see :mod:`filters._robots_status`);
* a single JSON object instead of an array is read as a one-rule array;
* an entry with ``tdm-reservation: 1`` but no usable ``location`` applies to the whole site;
* ``"1"``/``true`` read as 1 and ``"0"``/``false`` as 0 (noted); other values: protocol error,
  the entry is skipped;
* conflicting header or meta values in one layer (``1`` and ``0``): ``1`` wins.

Unreachable / refused files: see :mod:`filters._robots_status`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from filters._headers import header_values, normalize_headers
from filters._html import MAX_PARSE_BYTES, ParsedPage
from filters._robots_match import path_of, pattern_matches
from filters._robots_parse import strip_bom
from filters._robots_status import (
    ABSENT,
    FAIL_CLOSED,
    PARSE,
    SKIPPED,
    classify_fetch,
    looks_like_html,
    policy_file_ref,
)
from filters.results import Evidence, OptoutSignal, PolicyFileRef, excerpt

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


@dataclass(frozen=True, slots=True)
class TdmRule:
    """One usable entry of tdmrep.json; ``index`` is its position in the JSON array."""

    index: int
    pattern: str
    reservation: int | None
    policy: str
    raw: str
    note: str = ""


def _reservation(value: Any) -> tuple[int | None, str]:
    """``(0 | 1 | None, note)``; None is a protocol error (TDMRep: treat as unset)."""
    if isinstance(value, bool):
        return (1 if value else 0), f"boolean {value!r} read as {int(value)}"
    if isinstance(value, int | float) and value in (0, 1):
        return int(value), ""
    if isinstance(value, str) and value.strip() in ("0", "1"):
        return int(value.strip()), f"string {value!r} read as {value.strip()}"
    return None, f"tdm-reservation {value!r} is a protocol error (neither 0 nor 1): unset"


def _location_pattern(location: Any) -> tuple[str | None, str]:
    if not isinstance(location, str) or not location.strip():
        return None, "location missing or not a string"
    loc = location.strip()
    if loc.startswith(("http://", "https://")):
        return path_of(loc), "absolute URL read as its path"
    if not loc.startswith(("/", "*")):
        return "/" + loc, "relative location read from the site root"
    return loc, ""


class TdmrepPolicy:
    """An origin's tdmrep.json as fetched (or why it could not be), ready to answer per URL."""

    __slots__ = ("outcome", "reason", "ref", "rules", "skipped", "url")

    def __init__(
        self,
        url: str,
        outcome: str,
        reason: str,
        ref: PolicyFileRef | None = None,
        rules: Sequence[TdmRule] = (),
        skipped: Sequence[str] = (),
    ) -> None:
        self.url = url
        self.outcome = outcome  # PARSE (rules), ABSENT, FAIL_CLOSED
        self.reason = reason
        self.ref = ref
        self.rules = tuple(rules)
        self.skipped = tuple(skipped)

    @classmethod
    def not_checked(cls, url: str, why: str, *, fail_closed: bool = True) -> TdmrepPolicy:
        """Record that the file was not fetched.

        ``fail_closed``: it could have mattered (robots.txt forbids fetching it but not the
        pages), so the origin counts as reserved; otherwise robots.txt already refuses
        everything and the file adds nothing.
        """
        if fail_closed:
            return cls(url, FAIL_CLOSED, f"{KIND} not checked: {why}; treated as reserved")
        return cls(url, SKIPPED, f"{KIND} not checked: {why}")

    def signal(self, url: str) -> OptoutSignal:
        """Return the ``tdmrep-file`` signal for ``url``; never raises."""
        try:
            return self._signal(url)
        except Exception as exc:  # noqa: BLE001 - a crash reads as a reservation
            return OptoutSignal(
                signal=FILE_SIGNAL,
                reserved=True,
                evidence=(
                    Evidence(
                        source=KIND,
                        locator=self.url,
                        note=f"evaluation failed ({type(exc).__name__}); treated as reserved",
                    ),
                ),
            )

    def _signal(self, url: str) -> OptoutSignal:
        if self.outcome == FAIL_CLOSED:
            return OptoutSignal(
                signal=FILE_SIGNAL,
                reserved=True,
                evidence=(Evidence(source=KIND, locator=self.url, note=self.reason),),
            )
        if self.outcome in (ABSENT, SKIPPED):
            return OptoutSignal(
                signal=FILE_SIGNAL,
                reserved=None,
                evidence=(Evidence(source=KIND, locator=self.url, note=self.reason),),
            )
        notes: list[str] = []
        for rule in self.rules:
            if not pattern_matches(rule.pattern, url):
                continue
            if rule.reservation is None:
                notes.append(f"entry [{rule.index}] matches but is skipped: {rule.note}")
                continue
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
                        f"tdm-reservation {rule.reservation}{extra}{policy}"
                        + ("; " + "; ".join(notes) if notes else ""),
                    ),
                ),
            )
        return OptoutSignal(
            signal=FILE_SIGNAL,
            reserved=None,
            evidence=(
                Evidence(
                    source=KIND,
                    locator=self.url,
                    note=f"no entry of {len(self.rules)} matches {path_of(url)}: unset"
                    + ("; " + "; ".join(notes) if notes else ""),
                ),
            ),
        )


def tdmrep_from_fetch(
    url: str,
    status: int,
    body: bytes,
    fetched_at: str,
    *,
    final_url: str = "",
    error: str = "",
) -> TdmrepPolicy:
    """Map a ``/.well-known/tdmrep.json`` fetch to a policy (rules in the module docstring)."""
    body = bytes(body or b"")
    ref = policy_file_ref(KIND, url, status, body, fetched_at, final_url=final_url, error=error)
    outcome, reason = classify_fetch(KIND, status, error)
    if outcome != PARSE:
        return TdmrepPolicy(url, outcome, reason, ref)
    data = strip_bom(body)
    if not data.strip():
        return TdmrepPolicy(url, ABSENT, f"{KIND} is empty: unset", ref)
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        if looks_like_html(data):
            return TdmrepPolicy(
                url, ABSENT, f"an HTML page is served at {KIND} (soft 404): read as no file", ref
            )
        return TdmrepPolicy(
            url,
            FAIL_CLOSED,
            f"{KIND} is not valid JSON ({excerpt(str(exc), 120)}"
            "); treated as a reservation of the whole origin (fail closed)",
            ref,
        )
    notes: list[str] = []
    if isinstance(doc, dict):
        doc = [doc]
        notes.append("a single object instead of an array, read as a one-rule array")
    if not isinstance(doc, list):
        return TdmrepPolicy(
            url,
            FAIL_CLOSED,
            f"{KIND} holds a JSON {type(doc).__name__}, not an "
            "array of rules; treated as a reservation of the whole origin "
            "(fail closed)",
            ref,
        )
    rules: list[TdmRule] = []
    for index, entry in enumerate(doc):
        raw = json.dumps(entry, ensure_ascii=False, sort_keys=True)
        if not isinstance(entry, dict):
            notes.append(f"entry [{index}] is not an object: skipped")
            continue
        reservation, res_note = _reservation(entry.get("tdm-reservation"))
        pattern, loc_note = _location_pattern(entry.get("location"))
        if pattern is None:
            if reservation != 1:
                notes.append(f"entry [{index}]: {loc_note}: skipped")
                continue
            pattern, loc_note = "/", f"{loc_note}; read as the whole site (fail closed)"
        policy = entry.get("tdm-policy")
        rules.append(
            TdmRule(
                index=index,
                pattern=pattern,
                reservation=reservation,
                policy=policy if isinstance(policy, str) else "",
                raw=raw,
                note="; ".join(n for n in (res_note, loc_note) if n),
            )
        )
    reason = f"{KIND} HTTP {status}: {len(rules)} rule(s)"
    if notes:
        reason += "; " + "; ".join(notes)
    return TdmrepPolicy(url, PARSE, reason, ref, rules, notes)


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
