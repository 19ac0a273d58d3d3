"""``clearcrawl publish``: upload a validated dataset folder to the Hugging Face Hub."""

from __future__ import annotations

import argparse

from crawler.cli.common import (
    Command,
    RunError,
    UsageError,
    _dataset_dir,
)


def _cmd_publish(args: argparse.Namespace) -> int:
    from export import PublishError, check_repo_id, planned_files, upload, validate_dataset

    try:
        repo_id = check_repo_id(args.repo_id)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    folder = _dataset_dir(args.dataset)
    result = validate_dataset(folder)
    if not result.ok:
        more = len(result.problems) - 1 + result.suppressed
        tail = f" (and {more} more problem(s))" if more else ""
        raise UsageError(f"refusing to publish {folder}: {result.problems[0]}{tail}")
    files = planned_files(folder)
    total = sum(f.size for f in files)
    print(
        f"publish: {repo_id} (dataset repo): {len(files)} files, {total} bytes; "
        f"{result.rows} rows, manifest and card valid"
    )
    for f in files:
        print(f"  {f.path}  {f.size}  sha256:{f.sha256}")
    if args.dry_run:
        print("publish: dry run, nothing uploaded")
        return 0
    try:
        url = upload(folder, repo_id, private=args.private, commit_message=args.message)
    except PublishError as exc:
        raise RunError(str(exc)) from exc
    print(f"publish: uploaded to {url}")
    return 0


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dataset", metavar="DATASET_DIR")
    p.add_argument("--repo-id", required=True, metavar="ORG/NAME")
    p.add_argument("--private", action="store_true", help="create the repository as private")
    p.add_argument("--message", help="commit message")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="validate and list the files (size, sha256) without uploading",
    )


COMMAND = Command(
    "publish",
    "upload a validated dataset folder to the Hugging Face Hub",
    _add_arguments,
    _cmd_publish,
)
