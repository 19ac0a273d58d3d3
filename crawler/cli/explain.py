"""``clearcrawl explain``: why a record is in (or out of) a dataset, in plain language."""

from __future__ import annotations

import argparse
import json

from crawler.cli.common import (
    Command,
    UsageError,
    _dataset_dir,
)


def _cmd_explain(args: argparse.Namespace) -> int:
    from export import (
        NoMatchError,
        explain_entry,
        find_entries,
        find_row,
        release_policies,
    )

    folder = _dataset_dir(args.dataset)
    policies = release_policies(folder)
    try:
        found = find_entries(folder, args.key)
    except NoMatchError as exc:
        raise UsageError(str(exc)) from exc
    for i, (file, meaning, entry) in enumerate(found):
        if args.json:
            print(json.dumps(entry, ensure_ascii=False, sort_keys=True))
            continue
        row = find_row(folder, entry["id"]) if file == "manifest.jsonl.gz" else None
        if i:
            print("-" * 72)
        print(explain_entry(file, meaning, entry, row, policies), end="")
    return 0


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dataset", metavar="DATASET_DIR")
    p.add_argument("key", metavar="ID_OR_URL")
    p.add_argument("--json", action="store_true", help="print the manifest entries as JSON")


COMMAND = Command(
    "explain",
    "say in plain language why a record is in (or out of) a dataset",
    _add_arguments,
    _cmd_explain,
)
