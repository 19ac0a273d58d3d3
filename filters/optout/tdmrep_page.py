"""TDMRep's page layers: the ``tdm-reservation`` response header and ``<meta>`` tag.

Spec: https://www.w3.org/community/reports/tdmrep/CG-FINAL-tdmrep-20240510/ (§3.1 the HTTP
headers, §3.2 the HTML meta tags). ``1`` reserves TDM rights, ``0`` does not; any other value
is a protocol error and counts as *unset*. Several values in one layer: any ``1`` wins (a
conflicting ``0`` is noted).

:func:`combine_layers` applies TDMRep's processing priority to the file's signals
(:mod:`filters.optout.tdmrep`) and these two layers: file → header → meta, a later layer that
states a valid value supersedes earlier ones, absence never resets one. A page larger than the
parse cap may hide a meta tag: that is recorded as ``tdmrep-meta-unread``, reserved (fail
closed), never as a reservation the page made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from filters.headers import header_values, normalize_headers
from filters.html import MAX_PARSE_BYTES, ParsedPage
from filters.results import Evidence, OptoutSignal, excerpt

HEADER_SIGNAL = "tdmrep-header"
META_SIGNAL = "tdmrep-meta"
#: The meta layer could not be read in full (the body is past the parse cap): unknown, and
#: unknown is not taken (fail closed) — recorded apart from ``tdmrep-meta`` so no record claims
#: a reservation the page never made.
META_UNREAD_SIGNAL = "tdmrep-meta-unread"
PRIORITY = "TDMRep processing priority: file, then header, then meta"


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
