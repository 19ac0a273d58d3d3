"""What ``clearcrawl verify`` needs to rebuild what the export handed a foreign page.

The archives a foreign dataset's pointers may name, the policy-file window the export used
(``export-info.json``), and the recorded source of each re-read policy file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from export.policyarchive import FoundPolicyFile
from export.policyfiles import ArchivedPolicyFile
from export.warcread import Capture


def foreign_files(folder: Path, policy_warcs: Sequence[Any]) -> dict[str, str]:
    """Map the archives a foreign dataset's pointers may name, by the label the export gave them.

    Policy archives are named ``folder/file`` (:func:`export.policyarchive.file_label`);
    files fetched at export time live in the dataset's ``policy-fetched/`` folder.
    """
    from export.policyarchive import file_label
    from export.policyfetch import FOLDER
    from export.warcread import list_sources

    out: dict[str, str] = {}
    for path in list_sources([str(p) for p in policy_warcs]) if policy_warcs else []:
        out[file_label(path, "policy-archive")] = path
    fetched = folder / FOLDER
    if fetched.is_dir():
        for p in sorted(fetched.glob("*.warc.gz")):
            out[f"{FOLDER}/{p.name}"] = str(p)
    return out


def foreign_window(folder: Path) -> int:
    """Return the policy-file window an export used (``export-info.json``), 0 when none."""
    try:
        info = json.loads((folder / "export-info.json").read_text(encoding="utf-8"))
        return int(info["counts"]["foreign"]["policy_window_days"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def as_found(
    capture: Capture, entry: dict[str, Any], archived: Sequence[ArchivedPolicyFile]
) -> tuple[FoundPolicyFile, ...]:
    """Mark a re-read capture foreign and give its policy files their recorded source."""
    prov = entry.get("provenance") or {}
    capture.foreign = True
    capture.source_info = {
        "software": prov.get("producer", ""),
        "collection": prov.get("collection", ""),
        "format": prov.get("warc_format", ""),
    }
    recorded = {pf["kind"]: pf for pf in entry.get("policy_files") or []}
    # located kinds (RSL licences, TDM policies) may be several: match by URL first
    by_url = {(pf["kind"], pf.get("url")): pf for pf in entry.get("policy_files") or []}
    out: list[FoundPolicyFile] = []
    for a in archived:
        pf = by_url.get((a.kind, a.url)) or recorded.get(a.kind) or {}
        out.append(
            FoundPolicyFile(
                kind=a.kind,
                url=str(pf.get("url") or a.url),
                status=a.status,
                sha256=a.sha256,
                body=a.body,
                pointer=a.pointer,
                original=a.original,
                source=str(pf.get("source") or ""),
                fetched_at=str(pf.get("fetched_at") or ""),
                final_url=str(pf.get("final_url") or ""),
            )
        )
    return tuple(out)
