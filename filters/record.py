"""The decision record: the one contract between the crawl and the export.

The crawler writes one ``clearcrawl.decision/1`` JSON object per URL it considered, as a line of
``decisions.jsonl.gz`` and as the body of the WARC ``metadata`` record (WARC 1.1 §6.6,
https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/#metadata) that
refers to the response. :class:`DecisionRecord` is that object typed: the crawler builds it and
serialises it with :meth:`DecisionRecord.to_json`; the export reads it back with
:meth:`DecisionRecord.from_json`, which is total — anything that is not a well-formed record of a
known ``schema`` raises :class:`RecordError`, which the export turns into an exclusion (fail
closed), never into an admission.

The sections the export relies on are typed too, each with its own ``from_json``/``to_json``:
``fetch`` (:class:`FetchRecord`, with :class:`TooLargeRecord` for a body dropped for size),
``warc`` (:class:`WarcIds`), ``prefetch`` (the :class:`filters.results.FetchPermission` known
before fetching, :func:`permission_from_json`) and ``assessment`` (kept as written: the export
re-derives it from the archived bytes; only its opt-out verdict is read, and checked). A
malformed section is a malformed record: :class:`RecordError` names the section.

:class:`Outcome` is the one place the outcome strings are spelled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from filters.results import (
    Evidence,
    FetchPermission,
    OptoutSignal,
    PolicyFileRef,
    RobotsVerdict,
    to_jsonable,
)

T = TypeVar("T")

SCHEMA = "clearcrawl.decision/1"

#: Schemas :meth:`DecisionRecord.from_json` accepts (a new version is added here, with its reader).
KNOWN_SCHEMAS: tuple[str, ...] = (SCHEMA,)

#: Keys every record carries.
_BASE_KEYS = ("schema", "url", "outcome", "reasons", "decided_at", "clearcrawl_version", "policy")
_TYPED_KEYS = ("kind", "fetch", "warc", "prefetch", "assessment")


class Outcome(StrEnum):
    """What the crawler did with a URL (the ``outcome`` field)."""

    CANDIDATE = "exported-candidate"
    EXCLUDED = "excluded"
    NOT_FETCHED = "not-fetched"
    POLICY_FILE = "policy-file"
    REDIRECT = "redirect"


#: Outcomes whose records carry a ``prefetch`` section (``null`` when nothing was evaluated):
#: fetched pages and URLs not fetched. Policy files and redirects have none.
PREFETCH_OUTCOMES = frozenset({Outcome.CANDIDATE, Outcome.EXCLUDED, Outcome.NOT_FETCHED})


class RecordError(ValueError):
    """A decision record is malformed or of an unknown schema (the message says which field).

    ``section`` names the outcome-specific section that is malformed (``fetch``, ``warc``,
    ``prefetch``, ``assessment``), or is ``""`` for the record's common fields.
    """

    def __init__(self, message: str, section: str = "") -> None:
        super().__init__(f"{section}: {message}" if section else message)
        self.section = section


@dataclass(frozen=True, slots=True, kw_only=True)
class TooLargeRecord:
    """What exceeded ``DOWNLOAD_MAXSIZE`` once decompressed (a gzip bomb), as served."""

    reason: str
    served_length: int
    served_payload_digest: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "served_length": self.served_length,
            "served_payload_digest": self.served_payload_digest,
            "message": self.message,
        }

    @classmethod
    def from_json(cls, data: object) -> TooLargeRecord:
        d = _obj(data, "fetch.too_large")
        return cls(
            reason=_str(d, "reason"),
            served_length=_int(d, "served_length"),
            served_payload_digest=_str(d, "served_payload_digest"),
            message=_str(d, "message"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchRecord:
    """The ``fetch`` section: the exchange as the crawler saw it.

    ``body_stored`` is False when an opt-out fired (the WARC keeps headers and digests only);
    ``truncated`` is the ``WARC-Truncated`` value (WARC 1.1 §5.13) when the body was not
    received in full.
    """

    status: int
    fetched_at: str
    ip_address: str | None
    protocol: str
    content_type: str | None
    content_length: int
    payload_digest: str
    body_stored: bool
    truncated: str | None
    too_large: TooLargeRecord | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "status": self.status,
            "fetched_at": self.fetched_at,
            "ip_address": self.ip_address,
            "protocol": self.protocol,
            "content_type": self.content_type,
            "content_length": self.content_length,
            "payload_digest": self.payload_digest,
            "body_stored": self.body_stored,
            "truncated": self.truncated,
        }
        if self.too_large is not None:
            data["too_large"] = self.too_large.to_json()
        return data

    @classmethod
    def from_json(cls, data: object) -> FetchRecord:
        d = _obj(data, "fetch")
        too_large = d.get("too_large")
        return cls(
            status=_int(d, "status"),
            fetched_at=_str(d, "fetched_at"),
            ip_address=_opt_str(d, "ip_address"),
            protocol=_str(d, "protocol"),
            content_type=_opt_str(d, "content_type"),
            content_length=_int(d, "content_length"),
            payload_digest=_str(d, "payload_digest"),
            body_stored=_bool(d, "body_stored"),
            truncated=_opt_str(d, "truncated"),
            too_large=None if too_large is None else TooLargeRecord.from_json(too_large),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class WarcIds:
    """The ``warc`` section: the ``WARC-Record-ID`` of each record written for the exchange."""

    request_record_id: str
    response_record_id: str
    metadata_record_id: str

    def to_json(self) -> dict[str, Any]:
        return {
            "request_record_id": self.request_record_id,
            "response_record_id": self.response_record_id,
            "metadata_record_id": self.metadata_record_id,
        }

    @classmethod
    def from_json(cls, data: object) -> WarcIds:
        d = _obj(data, "warc")
        return cls(
            request_record_id=_str(d, "request_record_id"),
            response_record_id=_str(d, "response_record_id"),
            metadata_record_id=_str(d, "metadata_record_id"),
        )


def permission_to_json(permission: FetchPermission) -> dict[str, Any]:
    """Return the ``prefetch`` section as written: the verdict, its evidence, its policy files."""
    out: dict[str, Any] = to_jsonable(permission)  # a dataclass always converts to a dict
    return out


def permission_from_json(data: object) -> FetchPermission:
    """Parse a recorded ``prefetch`` section; :class:`RecordError` when anything is malformed.

    Strict where :func:`filters.results.optout_signal_from_json` is lenient: a record whose
    pre-fetch verdict does not parse is not read at all (the export excludes the page).
    """
    d = _obj(data, "prefetch")
    robots = d.get("robots")
    reasons = _strs(d, "reasons")
    return FetchPermission(
        allowed=_bool(d, "allowed"),
        reasons=reasons,
        robots=None if robots is None else _robots_from_json(robots),
        optout=tuple(_signal_from_json(s) for s in _list(d, "optout")),
        policy_files=tuple(_ref_from_json(r) for r in _list(d, "policy_files")),
        rsl=_rsl_from_json(d.get("rsl")),
        tdm_policies=_carried_list(d.get("tdm_policies"), "prefetch.tdm_policies"),
    )


def _carried_list(data: object, what: str) -> tuple[Any, ...]:
    """Keep a list of objects as written (absent in records of earlier versions: empty).

    Like ``rsl``, the export never trusts it (it re-reads the archived TDM policies); it is
    checked for shape and carried, so :meth:`DecisionRecord.to_json` stays byte-identical.
    """
    if data is None:
        return ()
    if not isinstance(data, list) or not all(isinstance(x, Mapping) for x in data):
        raise RecordError(f"{what} must be a list of objects")
    return tuple(data)


def _rsl_from_json(data: object) -> Mapping[str, Any] | None:
    """Keep the pre-fetch RSL outcome as written (an object, or null).

    The export never trusts it: it re-evaluates the archived licence itself
    (:mod:`export.policyfiles`), so the section is only checked for shape and carried through,
    which keeps :meth:`DecisionRecord.to_json` byte-identical to what the crawler wrote.
    """
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise RecordError("prefetch.rsl must be an object or null")
    return data


def _robots_from_json(data: object) -> RobotsVerdict:
    d = _obj(data, "prefetch.robots")
    ref = d.get("policy_file")
    delay = d.get("crawl_delay")
    if delay is not None and (isinstance(delay, bool) or not isinstance(delay, int | float)):
        raise RecordError("crawl_delay must be a number or null")
    return RobotsVerdict(
        allowed=_bool(d, "allowed"),
        reason=_str(d, "reason"),
        evidence=tuple(_evidence_from_json(e) for e in _list(d, "evidence")),
        policy_file=None if ref is None else _ref_from_json(ref),
        crawl_delay=None if delay is None else float(delay),
        refused_tokens=_strs(d, "refused_tokens") if "refused_tokens" in d else (),
    )


def _signal_from_json(data: object) -> OptoutSignal:
    d = _obj(data, "prefetch.optout")
    reserved = d.get("reserved")
    if reserved is not None and not isinstance(reserved, bool):
        raise RecordError("an opt-out signal's reserved must be true, false or null")
    return OptoutSignal(
        signal=_str(d, "signal"),
        reserved=reserved,
        evidence=tuple(_evidence_from_json(e) for e in _list(d, "evidence")),
        reserves_images_only=_bool(d, "reserves_images_only"),
    )


def _ref_from_json(data: object) -> PolicyFileRef:
    d = _obj(data, "prefetch.policy_files")
    return PolicyFileRef(
        kind=_str(d, "kind"),
        url=_str(d, "url"),
        status=_int(d, "status"),
        sha256=_str(d, "sha256"),
        fetched_at=_str(d, "fetched_at"),
        final_url=_str(d, "final_url"),
        error=_str(d, "error"),
        truncated=_bool(d, "truncated"),
    )


def _evidence_from_json(data: object) -> Evidence:
    d = _obj(data, "evidence")
    return Evidence(
        source=_str(d, "source"),
        locator=_str(d, "locator"),
        excerpt=_str(d, "excerpt"),
        note=_str(d, "note"),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionRecord:
    """One ``clearcrawl.decision/1`` record.

    The common fields and the sections the export reads (``kind``, ``fetch``, ``warc``,
    ``prefetch``, ``assessment``) are typed; the other outcome-specific keys (``location``,
    ``redirect_chain``, ``target``, ``found_on``…) are kept as ``details``, so :meth:`to_json`
    reproduces the crawler's output byte for byte (keys sorted, as both writers do). Records of
    the outcomes in :data:`PREFETCH_OUTCOMES` always carry ``prefetch`` (``null`` when nothing
    was evaluated before fetching).
    """

    url: str
    outcome: Outcome
    reasons: tuple[str, ...]
    decided_at: str
    clearcrawl_version: str
    policy_label: str
    policy_digest: str
    kind: str = "page"
    fetch: FetchRecord | None = None
    warc: WarcIds | None = None
    prefetch: FetchPermission | None = None
    #: the crawl-time :class:`filters.assess.PageAssessment` as written (``to_json``)
    assessment: Mapping[str, Any] | None = None
    details: tuple[tuple[str, Any], ...] = ()
    schema: str = SCHEMA

    @property
    def crawl_time_reserved(self) -> bool:
        """Whether the crawler found an AI/TDM reservation on the page when it fetched it."""
        optout = None if self.assessment is None else self.assessment.get("optout")
        return isinstance(optout, Mapping) and optout.get("reserved") is True

    def detail(self, key: str) -> Any:
        """Return the outcome-specific section ``key`` as written (``None`` when absent)."""
        if key in _TYPED_KEYS:
            return self.to_json().get(key)
        for k, v in self.details:
            if k == key:
                return v
        return None

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object (both writers sort its keys: the bytes are the same)."""
        data: dict[str, Any] = {
            "schema": self.schema,
            "url": self.url,
            "outcome": self.outcome.value,
            "reasons": list(self.reasons),
            "decided_at": self.decided_at,
            "clearcrawl_version": self.clearcrawl_version,
            "policy": {"label": self.policy_label, "digest": self.policy_digest},
            "kind": self.kind,
        }
        if self.fetch is not None:
            data["fetch"] = self.fetch.to_json()
        if self.warc is not None:
            data["warc"] = self.warc.to_json()
        if self.outcome in PREFETCH_OUTCOMES:
            data["prefetch"] = None if self.prefetch is None else permission_to_json(self.prefetch)
        if self.assessment is not None:
            data["assessment"] = self.assessment
        data.update(self.details)
        return data

    @classmethod
    def from_json(cls, data: object) -> DecisionRecord:
        """Parse a record; raise :class:`RecordError` for anything malformed (total)."""
        if not isinstance(data, Mapping):
            raise RecordError(f"decision record is {type(data).__name__}, not an object")
        schema = data.get("schema")
        if schema not in KNOWN_SCHEMAS:
            raise RecordError(f"unknown decision record schema {schema!r}")
        url = _str(data, "url")
        raw_outcome = _str(data, "outcome")
        try:
            outcome = Outcome(raw_outcome)
        except ValueError:
            raise RecordError(f"unknown outcome {raw_outcome!r}") from None
        policy = data.get("policy")
        if not isinstance(policy, Mapping):
            raise RecordError("policy must be an object")
        kind = data.get("kind", "page")
        if not isinstance(kind, str):
            raise RecordError("kind must be a string", "kind")
        fetch, warc, prefetch = data.get("fetch"), data.get("warc"), data.get("prefetch")
        reasons = _strs(data, "reasons")
        return cls(
            schema=str(schema),
            url=url,
            outcome=outcome,
            reasons=reasons,
            decided_at=_str(data, "decided_at"),
            clearcrawl_version=_str(data, "clearcrawl_version"),
            policy_label=_str(policy, "label"),
            policy_digest=_str(policy, "digest"),
            kind=kind,
            fetch=None if fetch is None else _section(FetchRecord.from_json, fetch, "fetch"),
            warc=None if warc is None else _section(WarcIds.from_json, warc, "warc"),
            prefetch=None
            if prefetch is None
            else _section(permission_from_json, prefetch, "prefetch"),
            assessment=_assessment(data.get("assessment")),
            details=tuple(
                (k, v) for k, v in data.items() if k not in _BASE_KEYS and k not in _TYPED_KEYS
            ),
        )


def _section(parse: Callable[[object], T], data: object, name: str) -> T:
    """Parse one section; its errors name it (``RecordError.section``)."""
    try:
        return parse(data)
    except RecordError as exc:
        raise RecordError(str(exc), name) from None


def _assessment(data: object) -> Mapping[str, Any] | None:
    """Return the crawl-time assessment as written; its opt-out verdict must be readable."""
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise RecordError("must be an object", "assessment")
    optout = data.get("optout")
    if optout is not None and not (
        isinstance(optout, Mapping) and isinstance(optout.get("reserved"), bool)
    ):
        raise RecordError("optout must be null or an object with a boolean reserved", "assessment")
    return data


# -- strict readers: a wrong type is a malformed record, never a default ---------------------
def _obj(data: object, where: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise RecordError(f"{where} must be an object, not {type(data).__name__}")
    return data


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise RecordError(f"{key} must be a string, not {type(value).__name__}")
    return value


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise RecordError(f"{key} must be a string or null, not {type(value).__name__}")
    return value


def _int(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError(f"{key} must be an integer, not {type(value).__name__}")
    return value


def _bool(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise RecordError(f"{key} must be true or false, not {type(value).__name__}")
    return value


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list):
        raise RecordError(f"{key} must be a list, not {type(value).__name__}")
    return value


def _strs(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = _list(data, key)
    if not all(isinstance(v, str) for v in value):
        raise RecordError(f"{key} must be a list of strings")
    return tuple(value)
