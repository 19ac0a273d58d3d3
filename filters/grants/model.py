"""Licensed-source agreements as data: a :class:`Grant`, a :class:`GrantSet`, an outcome.

What a grant covers (its origin or URL pattern, its validity, the RSL requirements it answers)
is answered here; what it admits is :mod:`filters.grants.decide`, how a grants file is read is
:mod:`filters.grants.load`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit


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
    #: The TDMRep TDM policy (``tdm-policy`` URL, or ``sha256:<hex>`` of its bytes) the
    #: agreement relies on: the grant admits only where that policy, as archived, applies to
    #: the URL and permits mining for AI training (:mod:`filters.optout.tdmpolicy`).
    tdm_policy: str | None = None

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
        out: dict[str, Any] = {
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
        if self.tdm_policy:  # only when named: earlier grants files keep their digest
            out["tdm_policy"] = self.tdm_policy
        return out


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
    #: The TDM policy the admitting grant relied on (:class:`filters.optout.tdmpolicy.TdmPolicy`),
    #: whose archived terms were checked to permit mining for AI training; ``None`` when none.
    tdm_policy: Any = None


def grant_license_id(agreement_id: str) -> str:
    """Return the dataset row's ``license`` for a record admitted under an agreement.

    An SPDX ``LicenseRef-`` id (SPDX 2.3 §10.1: letters, digits, ``.`` and ``-``), so the card
    counts records by agreement the way it counts them by licence.
    """
    return "LicenseRef-clearcrawl-agreement-" + re.sub(r"[^A-Za-z0-9.-]", "-", agreement_id)


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
