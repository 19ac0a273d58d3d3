"""The decision record: the one contract between the crawl and the export.

The crawler writes one ``clearcrawl.decision/1`` JSON object per URL it considered, as a line of
``decisions.jsonl.gz`` and as the body of the WARC ``metadata`` record (WARC 1.1 §6.6,
https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/#metadata) that
refers to the response. :class:`DecisionRecord` is that object typed: the crawler builds it and
serialises it with :meth:`DecisionRecord.to_json`; the export reads it back with
:meth:`DecisionRecord.from_json`, which is total — anything that is not a well-formed record of a
known ``schema`` raises :class:`RecordError`, which the export turns into an exclusion (fail
closed), never into an admission.

:class:`Outcome` is the one place the outcome strings are spelled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

SCHEMA = "clearcrawl.decision/1"

#: Schemas :meth:`DecisionRecord.from_json` accepts (a new version is added here, with its reader).
KNOWN_SCHEMAS: tuple[str, ...] = (SCHEMA,)

#: Keys every record carries, in the order the crawler writes them.
_BASE_KEYS = ("schema", "url", "outcome", "reasons", "decided_at", "clearcrawl_version", "policy")


class Outcome(StrEnum):
    """What the crawler did with a URL (the ``outcome`` field)."""

    CANDIDATE = "exported-candidate"
    EXCLUDED = "excluded"
    NOT_FETCHED = "not-fetched"
    POLICY_FILE = "policy-file"
    REDIRECT = "redirect"


class RecordError(ValueError):
    """A decision record is malformed or of an unknown schema (the message says which field)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionRecord:
    """One ``clearcrawl.decision/1`` record.

    The common fields are typed; the outcome-specific sections (``kind``, ``fetch``, ``warc``,
    ``prefetch``, ``assessment``, ``location``, ``redirect_chain``…) are kept as ``details`` in the
    order they were written, so :meth:`to_json` reproduces the crawler's output byte for byte.
    """

    url: str
    outcome: Outcome
    reasons: tuple[str, ...]
    decided_at: str
    clearcrawl_version: str
    policy_label: str
    policy_digest: str
    details: tuple[tuple[str, Any], ...] = ()
    schema: str = SCHEMA

    def detail(self, key: str) -> Any:
        """Return the outcome-specific section ``key`` (``None`` when absent)."""
        for k, v in self.details:
            if k == key:
                return v
        return None

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object, keys in the order the crawler has always written them."""
        data: dict[str, Any] = {
            "schema": self.schema,
            "url": self.url,
            "outcome": self.outcome.value,
            "reasons": list(self.reasons),
            "decided_at": self.decided_at,
            "clearcrawl_version": self.clearcrawl_version,
            "policy": {"label": self.policy_label, "digest": self.policy_digest},
        }
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
        reasons = data.get("reasons")
        if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
            raise RecordError("reasons must be a list of strings")
        policy = data.get("policy")
        if not isinstance(policy, Mapping):
            raise RecordError("policy must be an object")
        return cls(
            schema=str(schema),
            url=url,
            outcome=outcome,
            reasons=tuple(reasons),
            decided_at=_str(data, "decided_at"),
            clearcrawl_version=_str(data, "clearcrawl_version"),
            policy_label=_str(policy, "label"),
            policy_digest=_str(policy, "digest"),
            details=tuple((k, v) for k, v in data.items() if k not in _BASE_KEYS),
        )


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise RecordError(f"{key} must be a string, not {type(value).__name__}")
    return value
