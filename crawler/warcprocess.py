"""The WARC writer process: ``python -m crawler.warcprocess``, started by the Scrapy extension.

It reads pickled messages on stdin and reports events as JSON lines on stdout, writing with
:class:`crawler.warcwriter.RotatingWarcWriter`. Record building, digests and gzip then run on
the second core without contending for the crawl's GIL
(:class:`crawler.extensions.warc.WarcWriterExtension` starts it and reads its events).

  stdin:  {config}, then ("batch", [(Exchange, EncodedDecision) | (None, (url, EncodedDecision))])
          ... ("stop",)
  stdout: {"ev": "progress"|"written"|"closed"|"error"|"done", ...}; one "written" per batch

With ``detector_fds`` in the config it also runs the crawl's first page detector in a thread
(:func:`crawler.offload.serve_hosted`, on two more pipes): one Python process fewer for the
crawl. gzip, SHA-1 and file writes release the GIL; the rest of both is Python that would take
turns on one core anyway on the 2-core machines the crawl targets.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from crawler.childusage import own_peak_rss_mb
from crawler.warcwriter import RotatingWarcWriter

#: kept as ``crawler.warcwriter`` (where the writer process logged before the split)
logger = logging.getLogger("crawler.warcwriter")


def _die_with_parent() -> None:
    """Linux: get SIGKILL when the crawl process dies, so a killed crawl stops writing at once."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: EOF on stdin ends the loop instead
        pass


def _ack_hook(config: dict[str, Any] | None) -> Any:
    """Return what to call with each written URL: a fleet worker acknowledges it in Redis.

    :mod:`crawler.distributed.ack`; with no ``config`` the crawl process acknowledges (or nobody).
    """
    if not config:
        return lambda url: None
    from crawler.distributed.ack import WrittenAck

    return WrittenAck.from_config(config).written


def _host_detector(fds: tuple[int, int] | None) -> Any:
    """Start the crawl's first detector as a thread of this process (:meth:`OffloadPool.host`).

    One Python interpreter fewer for the crawl (issue 17): the detectors' imports and parse
    trees live beside the writer's. The thread reads page jobs on ``fds[0]`` and answers on
    ``fds[1]`` (:func:`crawler.offload.serve_hosted`); it imports the detectors only when the
    crawl sends it its first frame. Returns a function that waits (two seconds at most) for
    the thread to end and returns its CPU seconds; None without ``fds``.
    """
    if not fds:
        return None
    import sys
    import threading

    result: list[float] = []

    def run() -> None:
        import array
        import fcntl
        import select
        import termios

        select.select([fds[0]], [], [])  # the crawl's first frame, or the end of its input
        waiting = array.array("i", [0])
        fcntl.ioctl(fds[0], termios.FIONREAD, waiting)
        if not waiting[0]:  # ended unused (a crawl too small to offload): import nothing
            for fd in fds:
                os.close(fd)
            return
        from crawler.offload import serve_hosted

        result.append(serve_hosted(*fds))

    # Each thread gives the GIL up at every pipe read; getting it back from a busy thread takes
    # up to the switch interval (5 ms by default), and a page waiting that long for its
    # decision holds one of the crawl's concurrent request slots. 0.5 ms keeps the hand-over
    # short (https://docs.python.org/3/library/sys.html#sys.setswitchinterval).
    sys.setswitchinterval(0.0005)
    thread = threading.Thread(target=run, name="clearcrawl-detector", daemon=True)
    thread.start()

    def finish() -> float:
        thread.join(timeout=2.0)  # the crawl ends its input at spider close, as ours
        return result[0] if result else 0.0

    return finish


def _child_main() -> int:  # pragma: no cover - exercised through the crawl tests
    import pickle
    import signal
    import sys
    import time

    parent = os.getppid()
    _die_with_parent()
    if os.getppid() != parent:
        return 1
    # Ctrl-C reaches the whole process group; the crawl shuts down gracefully and sends "stop".
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    stdin, out = sys.stdin.buffer, sys.stdout

    def emit(**event: Any) -> None:
        out.write(json.dumps(event) + "\n")
        out.flush()

    config = pickle.load(stdin)  # noqa: S301 - our own parent process, over a private pipe
    cdxj, wacz = config.pop("cdxj"), config.pop("wacz")
    detector = _host_detector(config.pop("detector_fds", None))
    acked = _ack_hook(config.pop("ack", None))

    def closed(path: Path) -> None:
        indexed = True
        try:
            if cdxj or wacz:
                from crawler.indexing import cdxj_path, write_cdxj, write_wacz

                if not cdxj_path(path).exists():  # written at close from the records' lines
                    write_cdxj(path)
                if wacz:
                    write_wacz(path)
        except Exception:  # the WARC itself is intact; the parent retries indexing
            logger.exception("Indexing/packaging %s failed (the WARC itself is intact)", path)
            indexed = False
        emit(ev="closed", path=str(path), indexed=indexed)

    writer = RotatingWarcWriter(**config, cdxj=bool(cdxj or wacz), on_closed=closed)
    counts = {"captures": 0, "revisits": 0, "withheld": 0}
    last = 0.0
    try:
        while True:
            try:
                msg = pickle.load(stdin)  # noqa: S301 - as above
            except EOFError:
                os._exit(1)  # the crawl died without "stop": leave the file open, like a kill
            if msg[0] == "stop":
                break
            urls: list[str] = []
            where: dict[str, list[Any]] = {}
            for exchange, record in msg[1]:
                if exchange is None:
                    url, encoded = record
                    writer.write_decision_only(url, encoded)
                    acked(url)  # in the file now (unbuffered write): a fleet may acknowledge it
                    urls.append(url)
                    continue
                pointers = writer.write_capture(exchange, record)
                counts["captures"] += 1
                counts["revisits"] += pointers["response_record_type"] == "revisit"
                counts["withheld"] += not record.body_stored
                urls.append(exchange.url)
                if exchange.kind == "page":
                    acked(exchange.url)  # right after its record, before the next one
                else:  # a policy file: where it is, for the fleet's shared policy cache
                    where[exchange.url] = [pointers["warc_file"], pointers["response_offset"]]
            # In the file now (unbuffered writes): the crawl may acknowledge these URLs.
            emit(ev="written", urls=urls, where=where)
            now = time.monotonic()
            if now - last > 0.5:
                last = now
                emit(ev="progress", **counts)
        writer.close()
    except BaseException as exc:  # noqa: BLE001 - reported to the crawl, which stops
        emit(ev="error", message=f"{type(exc).__name__}: {exc}")
        return 1
    detector_cpu_s = detector() if detector is not None else 0.0
    emit(
        ev="done",
        **counts,
        records=writer.records_written,
        files=len(writer.closed_files),
        evicted=writer.payloads.evicted,
        # the writer's own: the hosted detector thread's CPU is the offload pool's to report
        cpu_s=round(max(0.0, time.process_time() - detector_cpu_s), 3),
        peak_rss_mb=round(own_peak_rss_mb(), 1),
    )
    # Everything is written, closed and reported (emit flushes): skip the interpreter's
    # teardown, which the crawl's close waits for.
    os._exit(0)


if __name__ == "__main__":
    raise SystemExit(_child_main())
