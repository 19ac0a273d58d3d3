"""The per-record rights manifest: why each row is in the dataset, and what is owed for it.

One JSON object per dataset row, joined on ``id``: the licence finding with its scope and
evidence, every opt-out signal checked with its result, the policy files relied on (digest,
fetch time, matched rule), the paywall finding, the policy (name, version, digest, the rule that
admitted the row) and the WARC pointer from which the row can be re-derived.
"""

from __future__ import annotations

import re
from typing import Any

from crawler import __version__
from export.derive import Derived
from filters.policy import Policy

SCHEMA = "clearcrawl.manifest/1"


def matched_rule(policy: Policy, spdx: str | None) -> str | None:
    if not spdx:
        return None
    for part in re.split(r" OR | AND ", spdx.strip("()")):
        for pattern in policy.allow_licenses:
            if re.fullmatch(pattern, part):
                return f"allow_licenses: {pattern}"
    return None


def warc_pointer(d: Derived) -> dict[str, Any]:
    c = d.capture
    return {
        "file": c.warc_file,
        "offset": c.offset,
        "record_id": c.record_id,
        "record_type": c.record_type,
        "payload_digest": c.payload_digest,
        "metadata_offset": c.metadata_offset,
        "metadata_record_id": (c.metadata or {}).get("warc", {}).get("metadata_record_id"),
    }


def manifest_entry(
    d: Derived, row_id: str, policy: Policy, *, text_sha256: str | None = None
) -> dict[str, Any]:
    """The manifest object for an exported row (or, with ``row_id`` empty, an exclusion)."""
    a = d.assessment
    meta = d.capture.metadata or {}
    lic = a.to_json()["license"] if a is not None else None
    entry: dict[str, Any] = {
        "schema": SCHEMA,
        "id": row_id,
        "url": d.capture.url,
        "crawl_date": d.capture.date,
        "clearcrawl_version": __version__,
        "license": lic,
        "optout": a.to_json()["optout"] if a is not None else None,
        "paywall": a.to_json()["paywall"] if a is not None else None,
        "prefetch": meta.get("prefetch"),
        "fetch": meta.get("fetch"),
        "decision": {"include": d.include, "reasons": list(d.reasons)},
        "policy": {
            "name": policy.name,
            "version": policy.version,
            "digest": policy.digest,
            "source": policy.source,
            "rule": matched_rule(policy, a.license.spdx if a and a.license else None)
            if d.include
            else None,
        },
        "warc": warc_pointer(d),
        "detectors": {
            "license": a.license.detector if a and a.license else None,
            "paywall": a.paywall.detector if a and a.paywall else None,
            "optout": a.optout.detector if a and a.optout else None,
        },
    }
    if text_sha256 is not None:
        entry["text_sha256"] = text_sha256
    entry["duplicates"] = []
    return entry
