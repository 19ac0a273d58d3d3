"""``clearcrawl publish``: upload a validated export folder to the Hugging Face Hub.

Everything up to the network call is local and tested: the folder must pass
:func:`export.validate.validate_dataset` (manifest entries validate against the schema, rows and
manifest join on ``id``, the card parses with ``huggingface_hub``'s parser), and the upload is
limited to the files an export writes (:data:`ALLOW_PATTERNS`), listed with size and sha256 by
``--dry-run``. The upload itself is ``HfApi.create_repo`` (dataset repo, ``exist_ok``) then
one ``HfApi.upload_folder`` commit (https://huggingface.co/docs/huggingface_hub/guides/upload);
the token comes from
the usual places (``HF_TOKEN``, the login cache), never from a command-line argument that
would land in shell history.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

#: What an export writes; nothing else in the folder is uploaded.
ALLOW_PATTERNS = (
    "README.md",
    "LICENSES.md",
    "ATTRIBUTION.md",
    "report.html",
    "croissant.json",
    "training-data-summary.json",
    "manifest.jsonl.gz",
    "manifest.jsonl",  # uncompressed, as older exports wrote it
    "manifest.schema.json",
    "excluded.jsonl.gz",
    "excluded.jsonl",
    "not-fetched.jsonl.gz",
    "not-fetched.jsonl",
    "export-info.json",
    "data/*.parquet",
    "manifest/*.parquet",
)

_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")


class PublishError(Exception):
    """The upload failed (network, authentication, Hub refusal): one line, exit 1."""


@dataclass(frozen=True, slots=True)
class PlannedFile:
    """One file to upload: its path in the repo, size and sha256."""

    path: str
    size: int
    sha256: str


def check_repo_id(repo_id: str) -> str:
    """``ORG/NAME`` as the Hub accepts it, else ``ValueError``."""
    if not _REPO_ID.match(repo_id) or ".." in repo_id or repo_id.endswith((".git", "-", ".")):
        raise ValueError(f"--repo-id must be ORG/NAME (letters, digits, . _ -), got {repo_id!r}")
    return repo_id


def planned_files(folder: Path) -> list[PlannedFile]:
    """List the files an upload would send, sorted, with size and sha256."""
    found: dict[str, Path] = {}
    for pattern in ALLOW_PATTERNS:
        for p in folder.glob(pattern):
            if p.is_file():
                found[p.relative_to(folder).as_posix()] = p
    out = []
    for rel in sorted(found):
        h = hashlib.sha256()
        with found[rel].open("rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
        out.append(PlannedFile(rel, found[rel].stat().st_size, h.hexdigest()))
    return out


def upload(
    folder: Path, repo_id: str, *, private: bool = False, commit_message: str | None = None
) -> str:
    """Create the dataset repo if needed and upload the folder in one commit; return its URL."""
    try:
        from huggingface_hub import HfApi

        api = HfApi()
        api.create_repo(repo_id, repo_type="dataset", exist_ok=True, private=private)
        info = api.upload_folder(
            repo_id=repo_id,
            folder_path=str(folder),
            repo_type="dataset",
            allow_patterns=list(ALLOW_PATTERNS),
            commit_message=commit_message or "Upload clearcrawl export",
        )
    except Exception as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise PublishError(f"upload to {repo_id} failed: {type(exc).__name__}: {message}") from exc
    return str(getattr(info, "commit_url", info))
