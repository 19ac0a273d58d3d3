"""Licensed-source agreements ("grants"): what a signed deal with a publisher lets in.

A grants file (``--grants FILE`` on ``crawl`` and ``export``; TOML or JSON) lists agreements the
user holds with publishers. Each grant names

* its scope: an ``origin`` (``https://news.example``) or a ``url_pattern``
  (``https://news.example/articles/*``, ``*`` matches any run of characters, the whole URL must
  match);
* what it permits: ``permits = ["ai-train"]`` (RSL's ``ai-train`` and the aipref label
  ``train-ai`` both name AI training; nothing else is understood, and a grant that does not
  permit AI training is refused: clearcrawl collects for nothing else);
* the agreement: ``id``, ``counterparty`` and ``document_sha256`` (the sha256 of the signed
  document, so the record points at one exact contract);
* its validity: ``valid_from`` and ``valid_until`` (dates are whole days, UTC, both inclusive;
  date-times are instants);
* ``attribution``: the duty owed (text recorded in the manifest and the attribution file);
* ``overrides``: the opt-out signals the agreement explicitly overrides (``tdmrep-file``,
  ``robots-meta``…, the ``optout:<signal>`` names). Empty by default: an opt-out is never
  lifted unless the agreement says so (draft-ietf-aipref-vocab-08 §6.2, "More Specific
  Instructions": an arrangement applies despite a preference *unless its terms say
  otherwise*; clearcrawl asks the terms to say so);
* optionally ``license_token``, a licence token obtained from an RSL licence server (RSL 1.0
  Open License Protocol), sent as ``Authorization: License <token>`` to the grant's origin
  only (:mod:`crawler.middlewares.grants`), never logged, recorded only as its sha256
  (:attr:`Grant.token_digest`); and ``license_server``, the RSL ``server`` it came from.

What a grant admits (:func:`admit`): content excluded **only** for reasons a licence agreement
answers — no licence statement (``no-license``), an all-rights-reserved page
(``license-not-allowed:LicenseRef-All-Rights-Reserved``), RSL terms that require payment, a
licence server or a custom agreement (:class:`LicenceTerms`, the interface the RSL evaluator's
result uses) — plus the opt-outs listed in ``overrides``. Anything else (robots.txt refusals,
paywalls, other licences, detector errors, too little text, opt-outs not listed) still
excludes, and the reason ``grant-does-not-override:<id>`` says why the agreement did not help.
A grant is honoured only at an instant inside its validity: at crawl time the fetch time, at
export the capture time (the WARC-Date of the response record), so crawl and export agree; a
capture outside the dates gets ``grant-not-valid:<id>``.

Total: :func:`parse_grants` validates everything and raises :class:`GrantsError` with one line
naming the grant and field; matching and admission never raise.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from filters.license.common import ALL_RIGHTS_RESERVED
from filters.reasons import Reason, reason_class

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
    }
)
#: Reasons a licence agreement answers by itself (a grant lifts them when it covers the URL).
LICENCE_REASONS = frozenset(
    {str(Reason.NO_LICENSE), Reason.LICENSE_NOT_ALLOWED.with_arg(ALL_RIGHTS_RESERVED)}
)


class GrantsError(ValueError):
    """A grants file is unreadable or invalid (one line: file, grant, field, what to fix)."""


#: What an agreement answers among RSL 1.0 ``<payment>`` requirements: a priced licence
#: (``payment:<type>``), a licence to obtain from a License Server even when free (``server``),
#: a custom agreement (``custom``). Anything else required (``reporting``…) stays a reason.
ANSWERABLE_REQUIREMENTS = frozenset({"payment", "server", "custom"})


class LicenceTerms(Protocol):
    """Terms that exclude content until the user holds an agreement (RSL 1.0 ``<payment>``).

    The shape of the RSL evaluator's ``filters.rsl.evaluate.RslTerms``: ``requires`` says why
    an agreement is needed (``payment:<type>``, ``server``, ``custom``…), ``server`` the RSL
    License Server (empty when none). The caller passes each with the reason id it excludes
    with (``admit(..., terms=[(reason, terms)])``, e.g. from ``outcome_reasons``), so this
    module never spells the RSL reason ids. A grant covers the terms when every requirement is
    one an agreement answers and, if both name a License Server, it is the same one.
    """

    @property
    def requires(self) -> tuple[str, ...]: ...

    @property
    def server(self) -> str: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Grant:
    """One agreement, as validated from the grants file."""

    id: str
    counterparty: str
    document_sha256: str
    origin: str | None
    url_pattern: str | None
    permits: tuple[str, ...]
    valid_from: datetime
    valid_until: datetime
    attribution: str = ""
    overrides: tuple[str, ...] = ()
    license_token: str | None = field(default=None, repr=False, compare=False)
    license_server: str | None = None
    #: ``sha256:<hex>`` of the licence token: all that is ever recorded of it (set from the
    #: token when loaded from a grants file, kept alone when rebuilt from a dataset's record).
    license_token_sha256: str | None = None

    def __post_init__(self) -> None:
        if self.license_token and self.license_token_sha256 is None:
            digest = hashlib.sha256(self.license_token.encode("utf-8")).hexdigest()
            object.__setattr__(self, "license_token_sha256", "sha256:" + digest)

    @property
    def token_digest(self) -> str | None:
        """``sha256:<hex>`` of the licence token: all that is ever recorded of it."""
        return self.license_token_sha256

    @property
    def token_origin(self) -> str | None:
        """The one origin the licence token may be sent to (the grant's origin)."""
        if not self.license_token:
            return None
        return self.origin or origin_of(self.url_pattern or "")

    def covers(self, url: str) -> bool:
        """Whether ``url`` is in the grant's scope (its origin, or its URL pattern)."""
        if self.origin is not None:
            return origin_of(url) == self.origin
        return _pattern(self.url_pattern or "").fullmatch(url) is not None

    def valid_at(self, when: datetime) -> bool:
        """Whether ``when`` lies within the validity dates (inclusive, to the second).

        Whole seconds, as WARC-Date and the recorded dates are written: a grant rebuilt from a
        dataset's record (:func:`grants_from_record`) decides exactly as the file did.
        """
        second = when.replace(microsecond=0)
        return self.valid_from.replace(microsecond=0) <= second <= self.valid_until

    def covers_terms(self, terms: LicenceTerms) -> bool:
        """Whether the agreement answers RSL terms (see :class:`LicenceTerms`)."""
        needs = {r.split(":", 1)[0] for r in terms.requires}
        if not needs or not needs <= ANSWERABLE_REQUIREMENTS:
            return False
        return not (terms.server and self.license_server and terms.server != self.license_server)

    def reference(self) -> dict[str, Any]:
        """Return what the manifest records of the grant (never the token itself)."""
        return {
            "id": self.id,
            "counterparty": self.counterparty,
            "document_sha256": self.document_sha256,
            "scope": self.origin or self.url_pattern,
            "permits": list(self.permits),
            "valid_from": iso(self.valid_from),
            "valid_until": iso(self.valid_until),
            "attribution": self.attribution,
            "overrides": list(self.overrides),
            "license_server": self.license_server,
            "license_token_sha256": self.token_digest,
        }


@dataclass(frozen=True, slots=True)
class GrantSet:
    """Every grant of one file, with the file's canonical JSON digest (tokens as digests)."""

    grants: tuple[Grant, ...]
    source: str = "grants"

    def canonical_json(self) -> str:
        return json.dumps(
            [g.reference() for g in self.grants], sort_keys=True, separators=(",", ":")
        )

    @property
    def digest(self) -> str:
        return "sha256:" + hashlib.sha256(self.canonical_json().encode()).hexdigest()

    def covering(self, url: str) -> tuple[Grant, ...]:
        """Grants whose scope covers ``url``, in file order."""
        return tuple(g for g in self.grants if g.covers(url))

    def token_for(self, url: str, when: datetime) -> Grant | None:
        """Return the grant whose licence token goes with a request to ``url`` at ``when``.

        Only a grant valid at ``when`` whose token origin is ``url``'s origin: the token is
        never sent anywhere else (RSL 1.0 Open License Protocol).
        """
        origin = origin_of(url)
        for g in self.grants:
            if g.license_token and g.token_origin == origin and g.valid_at(when):
                return g
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class GrantOutcome:
    """What the grants did for one decision.

    ``grant`` is the agreement that admitted the content (``admitted``), else ``None``;
    ``lifted`` the reasons it answered; ``reasons`` what is left (empty when admitted), with
    ``grant-not-valid:<id>`` / ``grant-does-not-override:<id>`` added when a grant covered the
    URL but could not admit it; ``note`` says so in words.
    """

    admitted: bool
    grant: Grant | None
    lifted: tuple[str, ...]
    reasons: tuple[str, ...]
    note: str = ""


def admit(
    grants: GrantSet | None,
    url: str,
    when: datetime | None,
    reasons: Sequence[str],
    terms: Iterable[tuple[str, LicenceTerms]] = (),
) -> GrantOutcome:
    """Apply the grants covering ``url`` to an exclusion's ``reasons`` (see module docstring).

    ``when`` is the capture time; ``None`` (unknown) means no grant is valid (fail closed).
    """
    reasons = tuple(reasons)
    covering = grants.covering(url) if grants is not None else ()
    if not reasons or not covering:
        return GrantOutcome(admitted=False, grant=None, lifted=(), reasons=reasons)
    term_list = list(terms)
    notes: list[str] = []
    extra: list[str] = []
    for g in covering:
        if when is None or not g.valid_at(when):
            extra.append(Reason.GRANT_NOT_VALID.with_arg(g.id))
            at = iso(when) if when is not None else "an unknown time"
            notes.append(
                f"agreement {g.id} ({g.counterparty}) not valid at capture time {at} "
                f"(valid {iso(g.valid_from)} to {iso(g.valid_until)})"
            )
            continue
        liftable = {r for r in reasons if _liftable(r, g, term_list, reasons)}
        blocking = tuple(r for r in reasons if r not in liftable)
        if not blocking:
            return GrantOutcome(
                admitted=True,
                grant=g,
                lifted=reasons,
                reasons=(),
                note=f"admitted under agreement {g.id} with {g.counterparty}, "
                f"valid until {iso(g.valid_until)}",
            )
        extra.append(Reason.GRANT_DOES_NOT_OVERRIDE.with_arg(g.id))
        notes.append(
            f"agreement {g.id} does not override {', '.join(blocking)} (it lifts only "
            "no-licence, all-rights-reserved and RSL payment terms, and the opt-outs it lists)"
        )
    return GrantOutcome(
        admitted=False,
        grant=None,
        lifted=(),
        reasons=(*reasons, *dict.fromkeys(extra)),
        note="; ".join(notes),
    )


def _liftable(
    reason: str,
    grant: Grant,
    terms: Sequence[tuple[str, LicenceTerms]],
    reasons: Sequence[str],
) -> bool:
    if reason in LICENCE_REASONS:
        return True
    if reason_class(reason) == Reason.OPTOUT:
        return reason.partition(":")[2] in grant.overrides
    if reason == Reason.CRAWL_TIME_OPTOUT:
        # The crawl saw a reservation; it is lifted only when the opt-outs re-derived from the
        # archived body are all ones the grant names (a reservation the export cannot see
        # again stays a reason to exclude).
        optouts = [r for r in reasons if reason_class(r) == Reason.OPTOUT]
        return bool(optouts) and all(_liftable(r, grant, terms, reasons) for r in optouts)
    return any(r == reason and grant.covers_terms(t) for r, t in terms)


def grant_license_id(agreement_id: str) -> str:
    """Return the dataset row's ``license`` for a record admitted under an agreement.

    An SPDX ``LicenseRef-`` id (SPDX 2.3 §10.1: letters, digits, ``.`` and ``-``), so the card
    counts records by agreement the way it counts them by licence.
    """
    return "LicenseRef-clearcrawl-agreement-" + re.sub(r"[^A-Za-z0-9.-]", "-", agreement_id)


# -- loading ---------------------------------------------------------------------------------


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of ``url``, lowercased, default ports dropped; None if none."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        return None
    default = {"http": 80, "https": 443}[scheme]
    return f"{scheme}://{host.lower()}" + (f":{port}" if port and port != default else "")


def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))


def iso(when: datetime) -> str:
    """Format an instant as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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
