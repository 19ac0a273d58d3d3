"""robots.txt (RFC 9309): fetch outcome → policy, group selection, rule matching, AI-use lines.

Public surface: :func:`robots_from_fetch` turns one fetch of ``/robots.txt`` into a
:class:`RobotsPolicy`, which answers "may these tokens fetch this URL?" with the deciding line
as evidence, and reads the AI-use lines of the same groups. Internals beside it:

- :mod:`filters.robots.parse` — lines → groups (RFC 9309 §2.1, §2.2.1), never raises;
- :mod:`filters.robots.match` — path matching within the chosen groups (§2.2.2, §2.2.3);
- :mod:`filters.robots.status` — HTTP outcome of any policy-file fetch → parse, absent or
  fail closed (§2.3.1), shared with tdmrep.json and ai.txt;
- :mod:`filters.robots.robotstxt` — fetch outcome → policy (§2.3.1);
- :mod:`filters.robots.evaluate` — the policy itself (:class:`RobotsPolicy`, group selection, §2.2.1);
- :mod:`filters.robots.ailines` — the AI-use lines (Content-Signal, Content-Usage,
  DisallowAITraining) of the groups the policy chose.
"""

from filters.robots.ailines import read_content_signal
from filters.robots.robotstxt import (
    ALLOW_ALL,
    DISALLOW_ALL,
    MAX_BYTES,
    RULES,
    RobotsPolicy,
    robots_from_fetch,
)
from filters.robots.status import REFUSED_BY_ROBOTS

__all__ = [
    "ALLOW_ALL",
    "DISALLOW_ALL",
    "MAX_BYTES",
    "REFUSED_BY_ROBOTS",
    "RULES",
    "RobotsPolicy",
    "read_content_signal",
    "robots_from_fetch",
]
