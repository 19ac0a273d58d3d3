"""Page decisions off the reactor thread: detector processes fed the raw response.

Scrapy runs a crawl on one reactor thread (https://docs.scrapy.org/en/latest/topics/architecture.html),
so every millisecond the rights layer spends there is a millisecond less for fetching. What a
page's decision needs is a pure function of the response (URL, status, headers, decoded body)
and of what was known before fetching (the pre-fetch permission, the RSL licences it links):
:func:`decide_page` runs it, parsing the page once for the detectors *and* for the links the
spider follows, builds the decision record (:func:`crawler.recorder.build_page_record`) and
serialises it once for the decisions log and the WARC ``metadata`` record. The same function
runs in-line (``CLEARCRAWL_OFFLOAD_WORKERS = 0``) or in up to ``CLEARCRAWL_OFFLOAD_WORKERS``
detectors off the crawl process, so the modes decide identically (``tests/crawler/test_offload.py``
compares the logs and WARCs of a real crawl in each mode). The first detector is a thread of
the WARC writer process (``CLEARCRAWL_OFFLOAD_IN_WRITER``, :func:`serve_hosted`), further ones
child processes (``python -m crawler.offload``) started only while the detectors already
running are backlogged: every Python process the crawl adds costs ~35 MB of imports, and a
crawl of generated pages needs one detector (issue 17: memory of the whole crawl within 1.5x
plain Scrapy's).

The :class:`OffloadPool` speaks length-prefixed pickle frames over each worker's stdin/stdout,
read and written by the asyncio loop Scrapy's reactor runs on: no extra thread in the crawl
process competes for its GIL. Fail closed: a worker that crashes, or a page not decided within
``CLEARCRAWL_OFFLOAD_TIMEOUT`` seconds (the worker is then killed and replaced), excludes the
page with ``detector-error:offload:<cause>`` (body withheld, no links followed from it), never
admits it. Workers die with the crawl (``PR_SET_PDEATHSIG``), ignore Ctrl-C (the crawl closes
them after its graceful shutdown: end of input, then a kill after a few seconds), so an
interrupted crawl leaves no orphan. Until a worker has imported the detectors (about a second
at crawl start) pages are decided in-line rather than kept waiting.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import struct
import sys
import time
from collections import deque
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urldefrag, urljoin

from w3lib.url import safe_url_string

from crawler.childusage import own_peak_rss_mb
from crawler.recorder import BuiltRecord, build_page_record
from filters.assess import PageAssessment, assess_parsed
from filters.grants import GrantOutcome, GrantSet, admit
from filters.html import ParsedPage
from filters.optout import nofollow
from filters.optout.tdmpolicy import page_policy_request
from filters.reasons import Reason
from filters.rsl import linked_urls
from filters.rsl.feed import feed_links

if TYPE_CHECKING:
    import asyncio
    import subprocess
    from collections.abc import Callable

    from crawler.exchange import Exchange
    from filters.policy import Policy
    from filters.results import FetchPermission
    from filters.rsl import RslContext

logger = logging.getLogger(__name__)

#: ``request.meta`` key: the :class:`PageLinks` of a decided page, for the spider.
META_LINKS = "clearcrawl_links"
_HEADER = struct.Struct("<Q")


def normalize_link(base: str, href: str) -> str | None:
    """Absolute, fragment-free, safely-escaped http(s) URL for ``href``, or None."""
    href = (href or "").strip()
    if not href or href.startswith(("javascript:", "mailto:", "tel:", "data:", "#")):
        return None
    try:
        return _safe_absolute(urljoin(base, href))
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def _safe_absolute(url: str) -> str | None:
    """Escape and de-fragment ``url`` (the cached half of :func:`normalize_link`).

    Cached because a site's navigation, footer and cross links recur on page after page, and
    ``safe_url_string`` is the costly step (about 10 µs a link). 4096 entries, ~1 MB per
    process: links seen on every page stay in an LRU that size, and the 16k entries it had made
    each detector process grow by ~4 MB between a 10k- and a 100k-page crawl (links seen once
    filled it). Raises ``ValueError`` like ``safe_url_string``.
    """
    url = safe_url_string(urldefrag(url)[0])
    if not url.startswith(("http://", "https://")):
        return None
    return url


@dataclass(frozen=True, slots=True)
class PageLinks:
    """The links a page offers the spider: none to follow when a ``nofollow`` addresses us."""

    nofollow: bool
    urls: tuple[str, ...]


def page_links(page: ParsedPage, tokens: tuple[str, ...]) -> PageLinks | None:
    """Links of ``page`` (``<a>``/``<area>``, resolved against ``<base>``); None without a tree.

    ``nofollow`` (robots meta tag or ``X-Robots-Tag`` addressed to us) leaves none to follow.
    """
    if page.tree is None:
        return None
    if nofollow(page, tokens=tokens) is not None:
        return PageLinks(nofollow=True, urls=())
    base = page.url
    for href in page.xpath("//base/@href")[:1]:
        base = urljoin(page.url, str(href))
    # A link repeated on the page is followed (or recorded) once by the spider anyway.
    hrefs = dict.fromkeys(str(h) for h in page.xpath("//a/@href | //area/@href"))
    urls = [normalize_link(base, href) for href in hrefs]
    return PageLinks(nofollow=False, urls=tuple(u for u in urls if u is not None))


@dataclass(frozen=True, slots=True)
class PageNeeds:
    """What a page names that must be fetched before it is decided (module docstring)."""

    licences: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    tdm_policies: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.licences or self.feeds or self.tdm_policies)


def page_needs(page: ParsedPage, prefetch: FetchPermission | None) -> PageNeeds:
    """Return the RSL licences, feeds and TDM policies ``page`` names (pure: from the parse)."""
    return PageNeeds(
        licences=tuple(linked_urls(page, prefetch.rsl if prefetch is not None else None)),
        feeds=tuple(feed_links(page)),
        tdm_policies=(
            tuple(page_policy_request(page, prefetch.optout)) if prefetch is not None else ()
        ),
    )


@dataclass(frozen=True, slots=True)
class DecideContext:
    """What every page of a crawl is decided with (sent once to each worker)."""

    policy: Policy
    tokens: tuple[str, ...]
    rsl_context: RslContext
    grants: GrantSet | None = None


@dataclass(frozen=True, slots=True)
class PageJob:
    """One response to decide: the captured exchange and the response as decoded by Scrapy."""

    exchange: Exchange
    url: str
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    prefetch: FetchPermission | None
    #: what the page names, once fetched (URL -> RslPolicy, or FeedRsl for a feed); None: not
    #: looked for yet
    linked: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class PageVerdict:
    """A page's record (built, serialised, stats keys) and links, or the licences it needs."""

    built: BuiltRecord | None = None
    links: PageLinks | None = None
    #: RSL licences (RSL 1.0 §4.5/§4.6), licence feeds (§4.7) and TDM policies the page names:
    #: fetch them, then decide again
    needs: PageNeeds | None = None


def grant_record(outcome: GrantOutcome, grants: GrantSet | None) -> dict[str, Any]:
    """Build the ``grant`` section of a decision admitted under an agreement (no token)."""
    assert outcome.grant is not None  # noqa: S101 - callers pass an admitted outcome
    return {
        "admitted": True,
        **outcome.grant.reference(),
        "lifted": list(outcome.lifted),
        "note": outcome.note,
        "grants_digest": grants.digest if grants is not None else None,
    }


def decide_page(job: PageJob, ctx: DecideContext) -> PageVerdict:
    """Decide one page: detectors, policy, agreements, record, links (a pure function).

    Runs in a worker process or in-line; raises what the in-line decision raised before
    (:class:`crawler.recorder.UnregisteredReason`…), which the pool hands back to the crawl.
    """
    page = ParsedPage(job.url, job.headers, job.body, job.status)
    prefetch = job.prefetch
    linked = job.linked
    if linked is None:
        wanted = page_needs(page, prefetch)
        if wanted:
            return PageVerdict(needs=wanted)
        linked = {}
    assessment = assess_parsed(
        page,
        policy=ctx.policy,
        tokens=ctx.tokens,
        prior_optout=prefetch.optout if prefetch is not None else (),
        rsl=prefetch.rsl if prefetch is not None else None,
        rsl_context=ctx.rsl_context,
        rsl_linked=linked,
    )
    exchange = job.exchange
    granted = None
    if ctx.grants is not None and not assessment.decision.include:
        # An agreement is judged at the fetch time, as the export judges it at the capture
        # time (the same instant: the WARC-Date of this exchange).
        granted = admit(
            ctx.grants,
            exchange.url,
            exchange.started_at,
            assessment.decision.reasons,
            tdm_policies=prefetch.tdm_policies if prefetch is not None else (),
        )
        decision = replace(assessment.decision, include=granted.admitted, reasons=granted.reasons)
        assessment = replace(assessment, decision=decision)
    grant: dict[str, Any] | None = None
    if granted is not None and granted.grant is not None:
        # The agreement overrides what excluded it (an opt-out only if it names it): keep
        # the body, so the export can re-derive the same admission from the archive.
        grant = grant_record(granted, ctx.grants)
    elif granted is not None and granted.note:
        grant = {"admitted": False, "note": granted.note}
    built = build_page_record(
        exchange,
        assessment,
        prefetch,
        ctx.policy,
        grant=grant,
        keep_body=grant is not None and grant.get("admitted") is True,
    )
    return PageVerdict(built=built, links=page_links(page, ctx.tokens))


def failed_verdict(job: PageJob, ctx: DecideContext, cause: str) -> PageVerdict:
    """Exclude a page whose decision could not be made (worker crash, timeout): fail closed.

    Nothing was found, so nothing is claimed: no licence, no opt-out finding (the body is
    therefore withheld from the WARC, as for any page whose opt-outs are unknown), the reason
    ``detector-error:offload:<cause>``, and no links followed from it.
    """
    reason = Reason.DETECTOR_ERROR.with_arg(f"offload:{cause}")
    assessment = PageAssessment(
        url=job.url,
        status=job.status,
        license=None,
        paywall=None,
        optout=None,
        decision=ctx.policy.decide(None, None, None, (reason,)),
    )
    built = build_page_record(job.exchange, assessment, job.prefetch, ctx.policy)
    return PageVerdict(built=built, links=None)


# --- the pool (crawl side) -------------------------------------------------------------------
class WorkerLost(RuntimeError):
    """A detector process ended (crash, kill) before answering."""


class _Reader:
    """Split a worker's stdout into frames; answer its pending jobs in order.

    An asyncio read-pipe protocol (``connection_made``, ``data_received``, ``eof_received``,
    ``connection_lost``), not a subclass of ``asyncio.Protocol``: this module is imported by
    every detector process and by the WARC writer, which have no use for asyncio's ~1.4 MB.
    """

    def connection_made(self, transport: Any) -> None:
        pass

    def eof_received(self) -> None:
        pass

    def __init__(self, worker: _Worker) -> None:
        self.worker = worker
        self.buf = bytearray()

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        size = _HEADER.size
        while len(buf) >= size:
            (length,) = _HEADER.unpack_from(buf)
            if len(buf) < size + length:
                break
            payload = bytes(buf[size : size + length])
            del buf[: size + length]
            self.worker.answer(payload)

    def connection_lost(self, exc: Exception | None) -> None:
        self.worker.eof = True
        self.worker.lost("ended")


class _Worker:
    """One detector process and the futures of the jobs sent to it, in order.

    ``hosted``: a detector *thread* of another process (the WARC writer, :meth:`OffloadPool.host`)
    reached through ``to_child``/``from_child``: the pool neither kills nor reaps that process.
    """

    def __init__(
        self,
        proc: subprocess.Popen[bytes],
        *,
        to_child: Any = None,
        from_child: Any = None,
    ) -> None:
        self.proc = proc
        self.hosted = to_child is not None
        self.to_child: Any = to_child if to_child is not None else proc.stdin
        self.from_child: Any = from_child if from_child is not None else proc.stdout
        self.pending: deque[asyncio.Future[Any]] = deque()
        self.writer: asyncio.WriteTransport | None = None
        self.reader: asyncio.BaseTransport | None = None
        self.eof = False  # its output ended (process or thread gone)
        self.alive = True
        #: set by the worker's first frame: its detectors are imported, it takes jobs
        self.ready = False
        #: (CPU seconds, peak RSS MB) the process reported when its input ended
        self.usage: tuple[float, float] | None = None

    async def connect(self, loop: asyncio.AbstractEventLoop) -> None:
        assert self.to_child is not None  # noqa: S101 - Popen with PIPE, or a hosted pipe
        assert self.from_child is not None  # noqa: S101 - as above
        import asyncio

        self.writer, _ = await loop.connect_write_pipe(asyncio.Protocol, self.to_child)
        # _Reader is a read-pipe protocol by its methods (see its docstring)
        reader = cast("Callable[[], asyncio.Protocol]", lambda: _Reader(self))
        self.reader, _ = await loop.connect_read_pipe(reader, self.from_child)

    def send(self, payload: bytes, fut: asyncio.Future[Any]) -> None:
        if self.writer is None or not self.alive:
            fut.set_exception(WorkerLost("ended"))
            return
        self.pending.append(fut)
        self.writer.write(_HEADER.pack(len(payload)) + payload)

    def answer(self, payload: bytes) -> None:
        if not self.ready:  # the first frame: imported and configured
            self.ready = True
            return
        if not self.pending:  # the last frame, after end of input: CPU and peak RSS
            with contextlib.suppress(Exception):
                tag, cpu_s, rss_mb = pickle.loads(payload)  # noqa: S301 - our own child
                if tag == "usage":
                    self.usage = (float(cpu_s), float(rss_mb))
            return
        fut = self.pending.popleft()
        if not fut.done():
            fut.set_result(payload)

    def lost(self, why: str) -> None:
        self.alive = False
        while self.pending:
            fut = self.pending.popleft()
            if not fut.done():
                fut.set_exception(WorkerLost(why))

    def end_input(self) -> None:
        """Close the worker's input: it ends once it has answered what it was sent."""
        self.alive = False
        if self.writer is not None:
            self.writer.close()  # the loop closes the pipe on its next turn
        elif self.to_child is not None:
            with contextlib.suppress(OSError):
                self.to_child.close()

    def reap(self, *, kill: bool) -> tuple[float, float] | None:
        """``wait4`` the process (killing it first if ``kill``); None while it still runs.

        Returns its CPU seconds and peak RSS in MB, for the crawl stats. A hosted worker is done
        when its output ends (its process belongs to the WARC extension, which reaps it and
        reports its peak RSS): the thread's CPU seconds, no RSS of its own.
        """
        if self.hosted:
            if not (self.eof or kill):
                return None
            if kill:
                self._detach()
            return (self.usage[0], 0.0) if self.usage is not None else (0.0, 0.0)
        pid = self.proc.pid
        try:
            if kill:
                with contextlib.suppress(OSError):
                    self.proc.kill()
            done, status, usage = os.wait4(pid, 0 if kill else os.WNOHANG)
        except ChildProcessError:  # already reaped
            return 0.0, 0.0
        if not done:
            return None
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        cpu_s = usage.ru_utime + usage.ru_stime
        # ru_maxrss would be the crawl's size at fork time (see own_peak_rss_mb)
        return cpu_s, self.usage[1] if self.usage is not None else 0.0

    def kill(self, why: str) -> None:
        """Stop using this worker: kill its process, or, hosted, cut its pipes.

        A hosted worker's process, the WARC writer, keeps writing; a stuck thread finds its
        pipes closed and ends.
        """
        if self.hosted:
            self._detach()
        else:
            with contextlib.suppress(OSError):
                self.proc.kill()
        self.lost(why)

    def _detach(self) -> None:
        for transport in (self.writer, self.reader):
            if transport is not None:
                transport.close()
        for pipe in (self.to_child, self.from_child):
            with contextlib.suppress(OSError):
                pipe.close()


class OffloadPool:
    """Up to ``workers`` detectors deciding pages for the crawl (see the module docstring).

    It starts with one, and adds one (up to ``workers``) whenever every ready worker has had
    ``grow_backlog`` pages or more waiting for ``grow_after`` pages in a row: one keeps up with
    the generated pages of ``benchmarks/crawl_throughput.py`` (~1 ms a page), a real page costs
    ~9.5 ms, about what the reactor thread spends on it, and a second worker then takes half.
    Each detector process is one more Python interpreter with the detectors imported (~35 MB
    RSS), so none is started that the crawl does not need (issue 17: the crawl as a whole, its
    children included, within 1.5x plain Scrapy's memory).

    The first worker can be a thread of the WARC writer process (:meth:`host`): one interpreter
    fewer again. A crash of that process stops the crawl (no archive, no evidence) and excludes
    the pages it was deciding; a timeout retires the thread (its pipes cut) and starts a
    detector process in its place.
    """

    def __init__(
        self,
        ctx: DecideContext,
        workers: int,
        timeout_s: float,
        *,
        after_pages: int = 0,
        grow_backlog: int = 8,
        grow_after: int = 256,
    ) -> None:
        self.ctx = ctx
        self.size = workers
        self.timeout_s = timeout_s
        self.grow_backlog = grow_backlog
        self.grow_after = grow_after
        self._backlogged = 0  # consecutive pages sent while every ready worker was backlogged
        self._target = 1  # workers to keep running: grows up to ``size``
        self.started = 0  # detector processes started (replacements included)
        self.hosted = 0  # workers hosted by another process (the WARC writer) put to use
        self._hosted_worker: _Worker | None = None  # offered by host(), not yet used
        #: pages decided in-line before the processes start (a small crawl never pays their
        #: start-up: each imports the detectors, about a CPU-second, on a 2-core machine)
        self.after_pages = after_pages
        self._workers: list[_Worker] = []
        self._ready: asyncio.Future[None] | None = None
        self.failures = 0
        self.decided = 0  # jobs sent to a worker
        self.inline = 0  # jobs left to the caller: no worker ready yet
        self.closed = False

    def host(self, proc: subprocess.Popen[bytes], to_child: Any, from_child: Any) -> bool:
        """Take a detector thread running in ``proc`` (the WARC writer) as the first worker.

        ``to_child``/``from_child``: the parent's ends of its two pipes (binary files). The
        thread imports the detectors only once it gets the decide context, sent when the pool
        starts (after ``after_pages``, like a spawned worker). False when the pool has a worker
        or a hosted one already, or is closed: the caller closes the pipes, the thread ends.
        """
        if self.closed or self._workers or self._hosted_worker is not None or self.size == 0:
            return False
        self._hosted_worker = _Worker(proc, to_child=to_child, from_child=from_child)
        return True

    def _spawn(self) -> _Worker:
        import subprocess

        self.started += 1
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler.offload"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert proc.stdin is not None  # noqa: S101 - Popen with PIPE
        proc.stdin.write(_frame(pickle.dumps(self.ctx, protocol=pickle.HIGHEST_PROTOCOL)))
        proc.stdin.flush()
        return _Worker(proc)

    def start(self) -> None:
        """Start the first worker now (it imports the detectors while the crawl starts)."""
        hosted, self._hosted_worker = self._hosted_worker, None
        if hosted is not None and not self._workers and not self.closed:
            with contextlib.suppress(OSError):  # its process ended: replaced like a dead worker
                hosted.to_child.write(
                    _frame(pickle.dumps(self.ctx, protocol=pickle.HIGHEST_PROTOCOL))
                )
                hosted.to_child.flush()
                self._workers.append(hosted)
                self.hosted += 1
        elif hosted is not None:
            hosted._detach()
        while len(self._workers) < min(self._target, self.size):
            self._workers.append(self._spawn())

    def _maybe_grow(self, ready: list[_Worker]) -> None:
        """One more worker if every ready one has been backlogged for a while (class doc)."""
        if self._target >= self.size or len(self._workers) > len(ready):
            return  # at the maximum, or one is still starting
        if min(len(w.pending) for w in ready) < self.grow_backlog:
            self._backlogged = 0
            return
        self._backlogged += 1
        if self._backlogged >= self.grow_after:
            self._backlogged = 0
            self._target += 1
            self._ready = None  # decide() starts and connects it

    async def _connect(self) -> None:
        import asyncio

        loop = asyncio.get_running_loop()
        self.start()
        for w in self._workers:
            if w.writer is None:
                await w.connect(loop)

    async def decide(self, job: PageJob) -> PageVerdict | None:
        """Decide ``job`` in a worker; a crash or timeout gives :func:`failed_verdict`.

        None while no worker is ready (a new process imports the detectors for about a second):
        the caller then decides in-line, with the same function, instead of waiting.
        """
        import asyncio

        if self.closed:
            return failed_verdict(job, self.ctx, "PoolClosed")
        if not self._workers and self.inline < self.after_pages:
            self.inline += 1  # not started yet (``after_pages``): the caller decides in-line
            return None
        if self._ready is None or any(not w.alive for w in self._workers):
            self._replace_dead()
            self._ready = asyncio.ensure_future(self._connect())
        await asyncio.shield(self._ready)
        ready = [w for w in self._workers if w.alive and w.ready]
        if not ready:
            self.inline += 1
            return None
        self._maybe_grow(ready)
        worker = min(ready, key=lambda w: len(w.pending))
        self.decided += 1
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        worker.send(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL), fut)
        try:
            payload = await asyncio.wait_for(fut, self.timeout_s)
        except TimeoutError:
            logger.warning(
                "%s: not decided within CLEARCRAWL_OFFLOAD_TIMEOUT (%s s); excluded, and the "
                "detector process is replaced",
                job.url,
                self.timeout_s,
            )
            worker.kill("TimeoutError")
            return self._failed(job, "TimeoutError")
        except WorkerLost:
            logger.warning("%s: the detector process ended before deciding; excluded", job.url)
            return self._failed(job, "WorkerLost")
        ok, value = pickle.loads(payload)  # noqa: S301 - our own child process, private pipe
        if not ok:
            raise value
        verdict: PageVerdict = value
        return verdict

    def _failed(self, job: PageJob, cause: str) -> PageVerdict:
        self.failures += 1
        return failed_verdict(job, self.ctx, cause)

    def _replace_dead(self) -> None:
        for i, w in enumerate(self._workers):
            if not w.alive:
                if not w.hosted:  # a hosted worker's process is the WARC extension's to reap
                    import subprocess

                    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                        w.proc.wait(timeout=1)
                self._workers[i] = self._spawn()
        self._ready = None

    async def aclose(self, timeout_s: float = 5.0) -> tuple[float, float]:
        """Stop every worker: end of input, then a kill for any still running after ``timeout_s``.

        Awaited at spider close (the loop must run to close the pipes). Returns the workers'
        CPU seconds and peak RSS in MB, both summed (they run at the same time).
        """
        import asyncio

        self.closed = True
        if self._hosted_worker is not None:  # offered, never used: let its thread end
            self._hosted_worker._detach()
            self._hosted_worker = None
        workers, self._workers = self._workers, []
        for w in workers:
            w.end_input()
        deadline = time.monotonic() + timeout_s
        cpu = rss = 0.0
        pending = list(workers)
        while pending:
            await asyncio.sleep(0.01)  # the loop reads each worker's last frame meanwhile
            late = time.monotonic() > deadline
            still = []
            for w in pending:
                usage = w.reap(kill=late)
                if usage is None:
                    still.append(w)
                else:
                    cpu += usage[0]
                    rss += usage[1]
            pending = still
        return cpu, rss


def _frame(payload: bytes) -> bytes:
    return _HEADER.pack(len(payload)) + payload


# --- the worker process ---------------------------------------------------------------------
def _read_exact(stream: Any, n: int) -> bytes | None:
    data = stream.read(n)
    if len(data) < n:
        return None
    return bytes(data)


def _die_with_parent() -> None:
    """Linux: get SIGKILL when the crawl process dies, so a killed crawl leaves no worker."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: EOF on stdin ends the loop instead
        pass


def _worker_main() -> int:  # pragma: no cover - exercised through the crawl tests
    import signal

    parent = os.getppid()
    _die_with_parent()
    if os.getppid() != parent:
        return 1
    # Ctrl-C reaches the whole process group; the crawl shuts down gracefully and ends our input.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    serve(sys.stdin.buffer, sys.stdout.buffer)
    # End of input, usage reported: nothing left to flush or close. Skip the interpreter's
    # teardown (tens of ms of freeing modules), which the crawl's close would otherwise wait for.
    os._exit(0)


def serve(stdin: Any, stdout: Any, *, hosted: bool = False) -> float:
    """Decide the pages framed on ``stdin``, answer each on ``stdout``, until end of input.

    The first frame is the :class:`DecideContext`; a ``("ready",)`` frame answers it. At end of
    input the last frame reports ``("usage", CPU s, peak RSS MB)``: the process's, or, hosted
    (a thread of the WARC writer process, :func:`serve_hosted`), the thread's CPU and no RSS
    (the writer reports its process's). Returns the CPU seconds reported.
    """
    size = _HEADER.size
    clock = time.thread_time if hosted else time.process_time

    def read_frame() -> bytes | None:
        head = _read_exact(stdin, size)
        if head is None:
            return None
        return _read_exact(stdin, _HEADER.unpack(head)[0])

    first = read_frame()
    if first is None:
        return clock()
    ctx: DecideContext = pickle.loads(first)  # noqa: S301 - our parent, over a private pipe
    proto = pickle.HIGHEST_PROTOCOL
    stdout.write(_frame(pickle.dumps(("ready",), proto)))  # imported: send me pages
    stdout.flush()
    while True:
        payload = read_frame()
        if payload is None:  # end of input: report what this worker used
            cpu_s = clock()
            usage = ("usage", cpu_s, 0.0 if hosted else own_peak_rss_mb())
            with contextlib.suppress(OSError):  # the crawl may have stopped reading: done anyway
                stdout.write(_frame(pickle.dumps(usage, proto)))
                stdout.flush()
            return cpu_s
        try:
            job = pickle.loads(payload)  # noqa: S301 - as above
            answer = pickle.dumps((True, decide_page(job, ctx)), proto)
        except Exception as exc:  # noqa: BLE001 - handed back to the crawl, raised there
            try:
                answer = pickle.dumps((False, exc), proto)
            except Exception:  # noqa: BLE001 - an exception that does not pickle
                answer = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")), proto)
        stdout.write(_frame(answer))
        stdout.flush()


def serve_hosted(read_fd: int, write_fd: int) -> float:
    """Run :func:`serve` in a thread of the WARC writer process, on two inherited pipe fds.

    Never raises (a broken pipe means the crawl retired this worker); closes both fds, so the
    crawl sees the end of its output. Returns the thread's CPU seconds.
    """
    try:
        with open(read_fd, "rb") as stdin, open(write_fd, "wb") as stdout:
            return serve(stdin, stdout, hosted=True)
    except Exception:  # noqa: BLE001 - a pipe cut by the crawl; the writer must carry on
        return time.thread_time()


if __name__ == "__main__":
    # Through the module's own name: results must pickle as crawler.offload.*, not __main__.*
    from crawler.offload import _worker_main as worker_main

    raise SystemExit(worker_main())
