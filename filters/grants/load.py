"""Read a grants file (TOML or JSON, ``--grants FILE``) or an export's recorded grants.

:func:`parse_grants` validates everything and raises :class:`filters.grants.model.GrantsError`
with one line naming the grant and field; dates are whole days, UTC, both inclusive
(TOML 1.0 local dates), date-times are instants (RFC 3339).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from filters.grants.model import (
    Grant,
    GrantsError,
    GrantSet,
    origin_of,
)
from filters.reasons import Reason

#: What a grant must permit for clearcrawl to use it (RSL 1.0 ``ai-train``; aipref ``train-ai``).
AI_TRAIN = "ai-train"
_PERMITS = {"ai-train": AI_TRAIN, "train-ai": AI_TRAIN}
_SHA256 = re.compile(r"(?:sha256:)?([0-9a-fA-F]{64})")
_KEYS = frozenset(
    {
        "id",
        "counterparty",
        "document_sha256",
        "origin",
        "url_pattern",
        "permits",
        "valid_from",
        "valid_until",
        "attribution",
        "overrides",
        "license_token",
        "license_server",
        "tdm_policy",
    }
)


def parse_instant(value: str) -> datetime | None:
    """Parse a WARC-Date / ISO 8601 instant (``Z`` or offset; naive means UTC); None if not."""
    try:
        dt = datetime.fromisoformat(value.strip())  # Python 3.11 reads "Z"
    except (ValueError, AttributeError):
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _when(value: object, where: str, *, end: bool) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        day = datetime.combine(value, time.min, tzinfo=UTC)
        return day + timedelta(days=1, microseconds=-1) if end else day
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            try:
                return _when(date.fromisoformat(text), where, end=end)
            except ValueError:
                pass
        parsed = parse_instant(text)
        if parsed is not None and "T" in text:
            return parsed
    raise GrantsError(f"{where}: {value!r} is not a date (YYYY-MM-DD) or an ISO 8601 date-time")


def _text(raw: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = raw.get(key)
    if not required and (value is None or value == ""):
        return ""
    if not isinstance(value, str) or not value.strip():
        raise GrantsError(f"{where}: {key} must be a non-empty string")
    return value.strip()


def _grant(raw: object, where: str) -> Grant:
    if not isinstance(raw, Mapping):
        raise GrantsError(f"{where} must be a table/object")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise GrantsError(f"{where}: unknown key(s) {unknown}; known: {sorted(_KEYS)}")
    gid = _text(raw, "id", where)
    where = f"{where} ({gid})"
    digest = _SHA256.fullmatch(_text(raw, "document_sha256", where))
    if digest is None:
        raise GrantsError(
            f"{where}: document_sha256 must be the sha256 of the signed document (64 hex digits)"
        )
    origin = raw.get("origin")
    pattern = raw.get("url_pattern")
    if (origin is None) == (pattern is None):
        raise GrantsError(f"{where}: give exactly one of origin or url_pattern")
    if origin is not None:
        norm = origin_of(origin) if isinstance(origin, str) else None
        if norm is None or urlsplit(str(origin)).path not in ("", "/"):
            raise GrantsError(f"{where}: origin {origin!r} must be scheme://host[:port]")
        origin = norm
    else:
        if not isinstance(pattern, str) or origin_of(pattern.split("*", 1)[0]) is None:
            raise GrantsError(
                f"{where}: url_pattern {pattern!r} must start with scheme://host (no '*' before "
                "the path)"
            )
    permits_raw = raw.get("permits")
    if not isinstance(permits_raw, list) or not all(isinstance(p, str) for p in permits_raw):
        raise GrantsError(f'{where}: permits must be a list such as ["ai-train"]')
    bad = [p for p in permits_raw if p not in _PERMITS]
    if bad:
        raise GrantsError(f'{where}: permits {bad!r} not understood; use "ai-train"')
    permits = tuple(dict.fromkeys(_PERMITS[p] for p in permits_raw))
    if AI_TRAIN not in permits:
        raise GrantsError(f"{where}: the grant does not permit ai-train, so it admits nothing")
    if "valid_from" not in raw or "valid_until" not in raw:
        raise GrantsError(f"{where}: valid_from and valid_until are required")
    valid_from = _when(raw["valid_from"], f"{where}: valid_from", end=False)
    valid_until = _when(raw["valid_until"], f"{where}: valid_until", end=True)
    if valid_until < valid_from:
        raise GrantsError(f"{where}: valid_until is before valid_from")
    overrides = raw.get("overrides", [])
    if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
        raise GrantsError(f"{where}: overrides must be a list of opt-out signal names")
    token = raw.get("license_token")
    if token is not None and (not isinstance(token, str) or not token.strip() or "\n" in token):
        raise GrantsError(f"{where}: license_token must be a one-line string")
    server = raw.get("license_server")
    if server is not None and not isinstance(server, str):
        raise GrantsError(f"{where}: license_server must be a URL string")
    return Grant(
        id=gid,
        tdm_policy=_tdm_policy(raw.get("tdm_policy"), where),
        counterparty=_text(raw, "counterparty", where),
        document_sha256="sha256:" + digest.group(1).lower(),
        origin=origin if isinstance(origin, str) else None,
        url_pattern=pattern if isinstance(pattern, str) else None,
        permits=permits,
        valid_from=valid_from,
        valid_until=valid_until,
        attribution=_text(raw, "attribution", where, required=False),
        overrides=tuple(o.strip().removeprefix(Reason.OPTOUT.with_arg("")) for o in overrides),
        license_token=token.strip() if isinstance(token, str) else None,
        license_server=server,
    )


def _tdm_policy(value: object, where: str) -> str | None:
    """Validate a TDM policy reference: an absolute http(s) URL, or ``sha256:<64 hex>``."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        digest = _SHA256.fullmatch(text)
        if digest is not None and text.lower().startswith("sha256:"):
            return "sha256:" + digest.group(1).lower()
        if origin_of(text) is not None and "*" not in text:
            return text
    raise GrantsError(
        f"{where}: tdm_policy {value!r} must be the policy's http(s) URL or sha256:<64 hex digits>"
    )


def parse_grants(data: object, source: str = "grants") -> GrantSet:
    """Validate a grants document: ``{"grants": [ ... ]}`` (TOML ``[[grants]]`` tables)."""
    if not isinstance(data, Mapping) or set(data) != {"grants"}:
        raise GrantsError(f"{source} must hold one key, grants: a list of agreements")
    items = data["grants"]
    if not isinstance(items, list) or not items:
        raise GrantsError(f"{source}: grants must be a non-empty list")
    grants = tuple(_grant(item, f"{source}: grant {i + 1}") for i, item in enumerate(items))
    ids = [g.id for g in grants]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise GrantsError(f"{source}: duplicate grant id(s) {dup}")
    return GrantSet(grants, source)


def grants_from_record(content: object, source: str = "export-info.json") -> GrantSet:
    """Rebuild a grant set from its recorded canonical JSON (:meth:`GrantSet.canonical_json`).

    What ``verify`` re-derives a dataset with: the same agreements, dates and overrides, the
    tokens only as their digests (nothing a decision needs). Raises :class:`GrantsError`.
    """
    if not isinstance(content, list):
        raise GrantsError(f"{source}: recorded grants must be a list")
    grants: list[Grant] = []
    for i, ref in enumerate(content):
        where = f"{source}: recorded grant {i + 1}"
        if not isinstance(ref, Mapping):
            raise GrantsError(f"{where} must be an object")
        try:
            scope = str(ref["scope"])
            grants.append(
                Grant(
                    id=str(ref["id"]),
                    counterparty=str(ref["counterparty"]),
                    document_sha256=str(ref["document_sha256"]),
                    origin=scope if "*" not in scope and origin_of(scope) == scope else None,
                    url_pattern=None if "*" not in scope and origin_of(scope) == scope else scope,
                    permits=tuple(ref["permits"]),
                    valid_from=_when(ref["valid_from"], where, end=False),
                    valid_until=_when(ref["valid_until"], where, end=True),
                    attribution=str(ref.get("attribution") or ""),
                    overrides=tuple(ref.get("overrides") or ()),
                    license_server=ref.get("license_server"),
                    license_token_sha256=ref.get("license_token_sha256"),
                    tdm_policy=ref.get("tdm_policy"),
                )
            )
        except (KeyError, TypeError) as exc:
            raise GrantsError(f"{where}: missing or malformed {exc}") from exc
    return GrantSet(tuple(grants), source)


def load_grants(path: str | Path) -> GrantSet:
    """Read a JSON (``.json``) or TOML (anything else) grants file; :class:`GrantsError` if bad."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise GrantsError(f"cannot read grants file {p}: {exc.strerror or exc}") from exc
    try:
        data = json.loads(raw) if p.suffix.lower() == ".json" else tomllib.loads(raw.decode())
    except (ValueError, UnicodeDecodeError) as exc:
        kind = "JSON" if p.suffix.lower() == ".json" else "TOML"
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise GrantsError(f"grants file {p} is not valid {kind}: {first}") from exc
    return parse_grants(data, str(p))
