"""What every ``clearcrawl`` command shares: the two error kinds, the parser, argument checks.

A command raises :class:`UsageError` for bad input (one line, exit code 2) and
:class:`RunError` for a failed run (one line, exit code 1); :func:`crawler.cli.main` turns them
into the exit code. The ``_``-prefixed helpers are for the command modules of this package
only, not part of clearcrawl's public API.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit


class UsageError(Exception):
    """Bad input from the user: reported as one line, exit code 2."""


class RunError(Exception):
    """The run failed for a reason outside the user's input: one line, exit code 1."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


@dataclass(frozen=True)
class Command:
    """One ``clearcrawl`` subcommand: its name and help, its arguments, and what runs it.

    Each module of :mod:`crawler.cli` defines one as ``COMMAND``; :data:`crawler.cli.COMMANDS`
    lists them in the order ``clearcrawl --help`` shows them.
    """

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def settings_arg(p: argparse.ArgumentParser) -> None:
    """Add ``-s NAME=VALUE`` (repeatable) and ``-q`` to a command that runs a crawl."""
    p.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a Scrapy/clearcrawl setting (repeatable)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress display")


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"not an http(s) URL with a host: {url!r}")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise UsageError(f"bad port in URL {url!r}") from exc
    return url


def _parse_settings(pairs: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        if "=" not in pair:
            raise UsageError(f"-s expects NAME=VALUE, got {pair!r}")
        name, value = pair.split("=", 1)
        if not name:
            raise UsageError(f"-s expects NAME=VALUE, got {pair!r}")
        out[name] = value
    return out


def _load_policy(path: str | None) -> Any:
    from filters.policy import DEFAULT_POLICY, Policy, PolicyError

    if not path:
        return DEFAULT_POLICY
    try:
        return Policy.from_file(path)
    except PolicyError as exc:
        raise UsageError(str(exc)) from exc


def _load_grants(path: str | None) -> Any:
    """Validate a ``--grants`` file before anything starts (one-line error, exit 2)."""
    from filters.grants import GrantsError, load_grants

    if not path:
        return None
    try:
        return load_grants(path)
    except GrantsError as exc:
        raise UsageError(str(exc)) from exc


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {n}")
    return n


def _s3_endpoint(url: str | None) -> None:
    # export.s3source reads the endpoint from the environment (worker processes inherit it).
    if url:
        import os

        os.environ["CLEARCRAWL_S3_ENDPOINT_URL"] = url


def _nonneg(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {n}")
    return n


def _dataset_dir(path: str) -> Path:
    folder = Path(path)
    if not folder.is_dir():
        raise UsageError(f"{path} is not a folder")
    if not any((folder / n).exists() for n in ("manifest.jsonl.gz", "manifest.jsonl")):
        raise UsageError(f"{path} holds no manifest.jsonl.gz; is it a clearcrawl export?")
    return folder


def _check_writable_out(out: Path) -> None:
    """Bad ``--out`` (under a file, not writable) is bad input: one line, exit 2."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".clearcrawl-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"cannot write to --out {out}: {exc.strerror or exc}") from exc


# -- the fleet commands: worker, seed, status and crawl --frontier (issue 13) ------------------
# The worker itself (:func:`run_fleet`) takes the crawl command's module as an argument
# (``run_crawl`` and its summary), so ``worker`` and ``crawl --frontier`` share it while
# :mod:`crawler.cli.crawl` stays free of an import cycle with :mod:`crawler.cli.worker`.

FLEET_ADDON = "crawler.distributed.addon.FleetAddon"


def connect_frontier(url: str, crawl_id: str | None) -> Any:
    """Open the crawl's frontier; bad URL → exit 2, unreachable Redis → exit 1 (one line)."""
    from crawler.distributed.frontier import (
        Frontier,
        FrontierUnavailable,
        FrontierURLError,
        check_crawl_id,
        check_frontier_url,
    )

    try:
        check_frontier_url(url)
        check_crawl_id(crawl_id or "default")
    except FrontierURLError as exc:
        raise UsageError(str(exc)) from exc
    frontier = Frontier(url, crawl_id or "default", socket_timeout_s=5.0)
    try:
        frontier.ping()
        frontier.configure_bloom_from_meta(frontier.meta())
    except FrontierUnavailable as exc:
        raise RunError(f"{exc}; nothing fetched") from exc
    return frontier


def claim_crawl(
    frontier: Any,
    policy: Any,
    *,
    max_pages: int | None = None,
    max_pages_per_origin: int | None = None,
    settings: dict[str, str] | None = None,
    domains: dict[str, str | None] | None = None,
    sitemaps: bool = False,
) -> dict[str, str]:
    """Record the crawl's policy and done-set kind (first comer) and refuse another policy.

    ``max_pages_per_origin`` (``crawl --frontier --max-pages-per-origin N``) is recorded by the
    first ``crawl`` that gives it and never changed: a later one giving another N is refused in
    one line naming both, and workers read it from the crawl (they have no such option), so the
    push script counts every origin against one cap for the whole fleet.
    """
    from crawler.distributed.bloom import BloomSpec
    from crawler.distributed.frontier import FrontierUnavailable

    s = settings or {}
    rights = rights_settings(s)
    fields = {
        "policy_digest": policy.digest,
        "policy_label": policy.label,
        "rights_settings": rights[0],
        "rights_settings_sha256": rights[1],
        "created": str(time.time()),
    }
    given = {k: v for k, v in (domains or {}).items() if v is not None}
    lists = {kind: _domain_list_fields(kind, value) for kind, value in given.items()}
    for kind in ("allow", "deny"):  # recorded by the command that creates the crawl
        fields.update(lists.get(kind) or {f"{kind}_domains_sha256": ""})
    try:
        capacity = int(s.get("CLEARCRAWL_FRONTIER_BLOOM_CAPACITY") or 0)
        error_rate = float(s.get("CLEARCRAWL_FRONTIER_BLOOM_ERROR_RATE") or 0.001)
        if capacity:
            BloomSpec.for_capacity(capacity, error_rate)  # validate
            fields["bloom_capacity"] = str(capacity)  # kept only by a new crawl (below)
            fields["bloom_error_rate"] = str(error_rate)
    except ValueError as exc:
        raise UsageError(f"CLEARCRAWL_FRONTIER_BLOOM_*: {exc}") from exc
    try:
        if frontier.meta().get("policy_digest"):  # a running crawl keeps its done-set kind
            fields.pop("bloom_capacity", None)
            fields.pop("bloom_error_rate", None)
            # ...and its domain lists: none recorded (a crawl from before they were) is none
            for name in [n for n in fields if "_domains" in n]:
                fields.pop(name)
        meta = frontier.claim_meta(fields)
        frontier.configure_bloom_from_meta(meta)
        if meta["policy_digest"] != policy.digest:
            raise UsageError(
                f"this worker's policy {policy.label} ({policy.digest}) differs from the "
                f"crawl's policy {meta.get('policy_label')} ({meta['policy_digest']}) in "
                f"crawl {frontier.crawl_id!r}; pass the crawl's --policy"
            )
        theirs_rights = meta.get("rights_settings_sha256")
        if theirs_rights is None:  # a crawl from before this was recorded: record it now
            meta = frontier.claim_meta(
                {"rights_settings": rights[0], "rights_settings_sha256": rights[1]}
            )
            theirs_rights = meta["rights_settings_sha256"]
        if theirs_rights != rights[1]:
            raise UsageError(
                f"this worker's rights settings {rights[0]} (sha256:{rights[1]}) differ from "
                f"crawl {frontier.crawl_id!r}'s {meta.get('rights_settings')} "
                f"(sha256:{theirs_rights}); every worker must honour the same tokens "
                "(CLEARCRAWL_AI_TOKENS*, USER_AGENT) and RSL user/geo"
            )
        for kind, mine in lists.items():
            theirs = meta.get(f"{kind}_domains_sha256") or ""
            if mine[f"{kind}_domains_sha256"] != theirs:
                raise UsageError(
                    f"--{kind}-domains {mine[f'{kind}_domains']} (sha256:"
                    f"{mine[f'{kind}_domains_sha256']}) differs from crawl "
                    f"{frontier.crawl_id!r}'s "
                    + (f"(sha256:{theirs})" if theirs else "(none: created without one)")
                    + f"; a crawl has one {kind} list for every worker: omit it to use the "
                    "crawl's, or start a new --crawl-id"
                )
        if sitemaps and meta.get("sitemaps") != "1":
            frontier.set_meta({"sitemaps": "1"})
            meta["sitemaps"] = "1"
        if max_pages is not None:
            frontier.set_meta({"max_pages": str(max_pages)})
            meta["max_pages"] = str(max_pages)
        if max_pages_per_origin is not None:
            recorded = frontier.claim_meta({"max_pages_per_origin": str(max_pages_per_origin)})
            if int(recorded["max_pages_per_origin"]) != max_pages_per_origin:
                raise UsageError(
                    f"--max-pages-per-origin {max_pages_per_origin} differs from crawl "
                    f"{frontier.crawl_id!r}'s {recorded['max_pages_per_origin']}; a crawl has "
                    "one cap for the whole fleet"
                )
            meta = recorded
    except FrontierUnavailable as exc:
        raise RunError(f"{exc}; nothing fetched") from exc
    return dict(meta)


def rights_settings(overrides: dict[str, Any]) -> tuple[str, str]:
    """Return the settings every worker must decide rights with, as canonical JSON and sha256.

    The policy file has its own digest; these are the other inputs of a rights decision that
    come from settings: the product tokens honoured (``CLEARCRAWL_AI_TOKENS*`` and the
    ``USER_AGENT``'s token, :func:`crawler.rightsconfig.load_tokens`) and the RSL user type and
    region (RSL 1.0 §3.4.1). Two workers of one crawl that differ in them would decide the same
    page differently, so a worker that differs refuses to start (:func:`claim_crawl`). A bad
    value is the one-line usage error the crawl itself gives.
    """
    from scrapy.settings import Settings

    from crawler.rightsconfig import load_rsl_context, load_tokens

    s = Settings()
    s.setmodule("crawler.settings", priority="project")
    for name, value in overrides.items():
        s.set(name, value, priority="cmdline")
    try:
        tokens = load_tokens(s)
        ctx = load_rsl_context(s)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    text = json.dumps(
        {"tokens": sorted(tokens), "rsl_user": ctx.user, "rsl_geo": list(ctx.geo)},
        sort_keys=True,
        separators=(",", ":"),
    )
    return text, hashlib.sha256(text.encode()).hexdigest()


def _domain_list_fields(kind: str, value: str) -> dict[str, str]:
    """Return the meta fields of a validated domain list: the value, its content, its sha256.

    The content is the file's text (a UTF-8 file, :func:`filters.domains.domain_list_from_bytes`)
    or the inline value, so a worker on another machine applies the same list with the same
    digest (:func:`apply_domain_lists`) without having the file.
    """
    from crawler.middlewares.domains import load_domain_list

    lst = load_domain_list(value, f"--{kind}-domains")
    if lst is None:
        raise UsageError(f"--{kind}-domains needs at least one domain (a,b,c or @FILE)")
    text = Path(value[1:]).read_text(encoding="utf-8") if value.startswith("@") else value
    return {
        f"{kind}_domains": value,
        f"{kind}_domains_text": text,
        f"{kind}_domains_sha256": lst.sha256,
    }


def fleet_domain_lists(args: argparse.Namespace, settings: dict[str, Any]) -> dict[str, Any]:
    """``--allow-domains`` / ``--deny-domains`` (or ``-s CLEARCRAWL_*_DOMAINS``) checked now.

    Returns ``{"allow": value|None, "deny": value|None}`` (``@FILE`` made absolute); a bad list
    is a one-line usage error, as for the single-machine crawl (:func:`crawler.scope.
    scope_options`).
    """
    from crawler.scope import _domain_setting

    out: dict[str, Any] = {}
    for kind in ("allow", "deny"):
        name = f"CLEARCRAWL_{kind.upper()}_DOMAINS"
        flag, setting = getattr(args, f"{kind}_domains", None), settings.pop(name, None)
        if flag is not None and setting is not None and flag != setting:
            raise UsageError(f"--{kind}-domains and -s {name} differ: give one list")
        value = flag if flag is not None else setting
        try:
            out[kind] = _domain_setting(value, f"--{kind}-domains")
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
    return out


def apply_domain_lists(meta: dict[str, str], out: Path, settings: dict[str, Any]) -> None:
    """Give this worker exactly the crawl's domain lists (settings for ``DomainListMiddleware``).

    A list from a file is written to ``out/job/KIND-domains-SHA.txt`` byte for byte, so the
    ``domain-denied:…@sha256:…`` decisions carry the crawl's digest; the worker checks it.
    """
    from crawler.middlewares.domains import load_domain_list

    for kind in ("allow", "deny"):
        digest = meta.get(f"{kind}_domains_sha256") or ""
        name = f"CLEARCRAWL_{kind.upper()}_DOMAINS"
        settings.pop(name, None)
        if not digest:
            continue
        value, text = meta.get(f"{kind}_domains") or "", meta.get(f"{kind}_domains_text")
        if text is None:
            raise RunError(f"crawl meta has a {kind} list digest but no list; nothing fetched")
        if value.startswith("@"):
            copy = out / "job" / f"{kind}-domains-{digest[:16]}.txt"
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(text.encode("utf-8"))
            value = f"@{copy}"
        lst = load_domain_list(value, name)
        if lst is None or lst.sha256 != digest:
            raise RunError(f"the crawl's {kind} list does not match its sha256:{digest}")
        settings[name] = value


def run_fleet(args: argparse.Namespace, *, seeds: list[str] | None = None, crawl: Any) -> int:
    """Push ``seeds`` (and ``args.seeds_file``, if any) into the frontier, then work on it.

    ``crawl`` is the :mod:`crawler.cli.crawl` module (its ``run_crawl`` and summary).
    """
    from crawler.distributed.frontier import FrontierUnavailable, new_worker_id, redacted
    from crawler.distributed.seeding import push_seeds, seed_urls

    out = Path(args.out)
    settings = _parse_settings(args.set)
    policy_file = settings.get("CLEARCRAWL_POLICY_FILE") or args.policy
    policy = _load_policy(policy_file)
    # Licensed-source agreements are per worker (a token is sent only by the worker holding it):
    # validated here, one line and exit 2 when the file is bad, as for crawl.
    grants_file = settings.get("CLEARCRAWL_GRANTS_FILE") or getattr(args, "grants", None)
    _load_grants(grants_file)
    if grants_file:
        settings["CLEARCRAWL_GRANTS_FILE"] = str(Path(grants_file).resolve())
    domains = fleet_domain_lists(args, settings)
    for u in seeds or ():
        _check_url(u)
    if getattr(args, "warc_store", None) is not None and (
        not args.warc_store.startswith("s3://") or len(args.warc_store) <= 5
    ):
        raise UsageError(f"--warc-store must be s3://bucket[/prefix], got {args.warc_store!r}")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder")
    frontier = connect_frontier(args.frontier, args.crawl_id)
    max_pages = getattr(args, "max_pages", None)
    meta = claim_crawl(
        frontier,
        policy,
        max_pages=max_pages,
        max_pages_per_origin=getattr(args, "max_pages_per_origin", None),
        settings=settings,
        domains=domains,
        sitemaps=bool(getattr(args, "sitemaps", False)),
    )
    if getattr(args, "max_depth", None) is not None:  # the crawl's, for every worker
        try:
            frontier.set_meta({"max_depth": str(args.max_depth)})
        except FrontierUnavailable as exc:
            raise RunError(f"{exc}; nothing fetched") from exc
        meta["max_depth"] = str(args.max_depth)
    try:
        maps = meta.get("sitemaps") == "1"
        counts = push_seeds(frontier, seeds or [], sitemaps=maps)
        seeds_file = getattr(args, "seeds_file", None)
        if seeds_file:
            counts += push_seeds(frontier, seed_urls(seeds_file), sitemaps=maps)
    except FrontierUnavailable as exc:
        raise RunError(f"{exc}; nothing fetched") from exc
    except OSError as exc:
        raise UsageError(f"cannot read --seeds-file: {exc.strerror or exc}") from exc
    if seeds or getattr(args, "seeds_file", None):
        print(seed_line(counts), file=sys.stderr)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create --out {out}: {exc.strerror or exc}") from exc
    recovered = _recover(out)
    if recovered:  # what the killed worker wrote and may not have acknowledged (distributed/ack.py)
        from crawler.distributed.ack import acknowledge_recovered, recovered_urls

        try:
            acked = acknowledge_recovered(frontier, recovered_urls(recovered))
        except FrontierUnavailable as exc:
            raise RunError(f"{exc}; nothing fetched") from exc
        print(f"worker: {acked} archived URL(s) acknowledged from those files", file=sys.stderr)
    worker_id = new_worker_id()
    _write_worker_record(out, worker_id, redacted(args.frontier), frontier.crawl_id, policy)
    if args.warc_store:
        settings["CLEARCRAWL_WARC_STORE"] = args.warc_store
    if args.s3_endpoint_url:
        settings["CLEARCRAWL_S3_ENDPOINT_URL"] = args.s3_endpoint_url
    from crawler import settings as project_settings

    addons = {**dict(project_settings.ADDONS), FLEET_ADDON: 10}
    fleet_settings: dict[str, Any] = {
        "ADDONS": addons,
        "CLEARCRAWL_FRONTIER_URL": args.frontier,
        "CLEARCRAWL_FRONTIER_CRAWL_ID": frontier.crawl_id,
        "CLEARCRAWL_FRONTIER_WORKER_ID": worker_id,
        "CLEARCRAWL_FRONTIER_IDLE_EXIT": float(args.idle_exit),
        # Worker id in every WARC file name: two machines never write the same name.
        "CLEARCRAWL_WARC_PREFIX": f"clearcrawl-{worker_id}",
    }
    if int(meta.get("max_depth") or 0):
        fleet_settings["DEPTH_LIMIT"] = int(meta["max_depth"])
    frontier.close()
    apply_domain_lists(meta, out, settings)
    spider_args = {"sitemaps": True} if meta.get("sitemaps") == "1" else {}
    return _work(
        out,
        policy_file,
        {**fleet_settings, **settings},
        quiet=args.quiet,
        crawl=crawl,
        spider_args=spider_args,
    )


def _work(
    out: Path,
    policy_file: str | None,
    settings: dict[str, Any],
    *,
    quiet: bool,
    crawl: Any,
    spider_args: dict[str, Any] | None = None,
) -> int:
    from crawler.distributed.fleet import fleet_of
    from crawler.distributed.spider import FleetSiteSpider

    held: dict[str, Any] = {}

    def finished(crawler: Any) -> None:
        fleet = fleet_of(crawler)
        held["released"] = fleet.release_unacknowledged()
        fleet.stop()
        held["fleet"] = fleet
        if fleet.failed is not None:
            raise RunError(f"{fleet.failed}; this worker stopped fetching")

    stats = crawl.run_crawl(
        [],
        out,
        policy_file=policy_file,
        settings=settings,
        progress=not quiet,
        spider_cls=FleetSiteSpider,
        spider_args=spider_args,
        after=finished,
    )
    from crawler.summary import crawl_summary, print_crawl_summary

    summary = crawl_summary(stats)
    print_crawl_summary(summary, out)
    fleet = held.get("fleet")
    if fleet is not None:
        try:
            counts = fleet.frontier.counts()
            print(
                f"  fleet: {counts.queued} queued, {counts.in_flight} in flight, "
                f"{counts.done} done; this worker {fleet.worker_id} gave back "
                f"{held.get('released', 0)} unarchived request(s)"
            )
        except Exception:
            logging.getLogger(__name__).debug("no fleet line", exc_info=True)
    if stats.get("clearcrawl/interrupted"):
        return 130
    return 0


def _recover(out: Path, who: str = "worker") -> list[Path]:
    """Close the WARC files a killed run left open in ``out/warc``; return the closed files.

    ``who`` names the command in the line printed when there were any.
    """
    from crawler.recovery import RecoveryError, recover_warc_dir

    try:
        recovered = recover_warc_dir(out / "warc")
    except RecoveryError as exc:
        raise RunError(str(exc)) from exc
    if recovered:
        what = "crawl" if who == "resume" else "worker"
        print(
            f"{who}: closed {len(recovered)} WARC file(s) an interrupted {what} left open",
            file=sys.stderr,
        )
    return recovered


def _shard_size_arguments(p: argparse.ArgumentParser) -> None:
    """``--shard-rows`` / ``--shard-mb``: the Parquet shard limits of ``export`` and ``merge``."""
    p.add_argument(
        "--shard-rows",
        type=_positive,
        default=100_000,
        metavar="N",
        help="at most N rows per Parquet shard (default: %(default)s)",
    )
    p.add_argument(
        "--shard-mb",
        type=_positive,
        default=256,
        metavar="MB",
        help="at most MB megabytes of row content per shard (default: %(default)s)",
    )


def _write_worker_record(
    out: Path, worker_id: str, frontier: str, crawl_id: str, policy: Any
) -> None:
    from crawler import __version__

    path = out / "job" / "worker.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        record = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except ValueError:
        record = {}
    runs = record.setdefault("runs", []) if isinstance(record, dict) else []
    runs.append(
        {
            "worker_id": worker_id,
            "frontier": frontier,
            "crawl_id": crawl_id,
            "policy": {"label": policy.label, "digest": policy.digest},
            "clearcrawl_version": __version__,
            "started": time.time(),
        }
    )
    path.write_text(json.dumps({"runs": runs}, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def seed_line(counts: Any) -> str:
    """Say in one line what pushing seeds did (``seed``, ``crawl --frontier``)."""
    line = f"seed: {counts['queued']} URL(s) queued, {counts['known']} already known to the crawl"
    if counts["over_budget"]:
        line += f", {counts['over_budget']} over the crawl's --max-pages"
    if counts["origin_cap"]:
        line += f", {counts['origin_cap']} over the crawl's --max-pages-per-origin"
    if counts["invalid"]:
        line += f", {counts['invalid']} line(s) skipped (not an http(s) URL)"
    if counts["sitemaps"]:
        line += f", {counts['sitemaps']} origin sitemap(s) queued (--sitemaps)"
    return line


class _OneFrontier(argparse.Action):
    """``--frontier`` given twice is an error, not "the last one wins".

    A crawl id lives in one Redis (its keys share one Redis Cluster slot); a partitioned crawl
    is several crawl ids, each seeded and worked on by its own commands (README, capacity plan).
    Nothing routes seeds or links between partitions, so a second ``--frontier`` silently
    dropped would send every seed to one partition.
    """

    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        if getattr(namespace, self.dest, None) is not None:
            raise UsageError(
                "--frontier is given once: one crawl id lives in one Redis; split a crawl into "
                "several crawl ids and seed each with its own command"
            )
        setattr(namespace, self.dest, values)


def frontier_args(p: argparse.ArgumentParser, *, required: bool = True) -> None:
    """``--frontier`` and ``--crawl-id`` (worker, seed, status; crawl's are optional)."""
    p.add_argument(
        "--frontier",
        action=_OneFrontier,
        required=required,
        metavar="redis://HOST:PORT/DB",
        help="the shared frontier (Redis)",
    )
    p.add_argument(
        "--crawl-id",
        default=None,
        metavar="NAME",
        help="which crawl on that Redis (default: default)",
    )


def idle_exit_arg(p: argparse.ArgumentParser) -> None:
    """``--idle-exit SECONDS`` (worker and ``crawl --frontier``)."""
    p.add_argument(
        "--idle-exit",
        type=_nonneg,
        default=30,
        metavar="SECONDS",
        help="exit once the whole fleet has had nothing queued or in flight this long "
        "(default: 30; 0 = run as a service until stopped)",
    )
