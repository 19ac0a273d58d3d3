"""What a child process of the crawl (WARC writer, detector process) reports about itself."""

from __future__ import annotations

import resource
from pathlib import Path


def own_peak_rss_mb() -> float:
    """Return this process's peak RSS since its ``exec`` (``VmHWM``), in MB.

    Not ``ru_maxrss``: Linux carries it across ``execve``, so a child spawned by the crawl
    would report the crawl's own size at the moment it was forked.
    """
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
