"""robots.txt evaluation (foundation version; the rights-signals issue makes it RFC 9309-complete)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from protego import Protego

from filters.results import Evidence, OptoutSignal, PolicyFileRef, RobotsVerdict, excerpt

MAX_BYTES = 512_000


@dataclass(frozen=True, slots=True)
class RobotsPolicy:
    """A robots.txt as fetched for one origin, ready to answer for any URL on it."""

    ref: PolicyFileRef
    mode: str  # "rules" | "allow-all" | "disallow-all"
    text: str = ""

    def verdict(self, url: str, tokens: Sequence[str]) -> RobotsVerdict:
        if self.mode == "allow-all":
            return RobotsVerdict(allowed=True, reason=f"robots.txt status {self.ref.status}: no restrictions",
                                 policy_file=self.ref)
        if self.mode == "disallow-all":
            return RobotsVerdict(
                allowed=False,
                reason=f"robots.txt unreachable ({self.ref.error or self.ref.status}); complete disallow (RFC 9309 §2.3.1.4)",
                policy_file=self.ref,
                evidence=(Evidence(source="robots.txt", locator=self.ref.url,
                                   excerpt=self.ref.error or str(self.ref.status)),),
            )
        rp = Protego.parse(self.text)
        for tok in tokens:
            if not rp.can_fetch(url, tok):
                return RobotsVerdict(
                    allowed=False, reason=f"disallowed for {tok}", policy_file=self.ref,
                    evidence=(Evidence(source="robots.txt", locator=self.ref.url, excerpt=tok,
                                       note=f"group for {tok} disallows this URL"),),
                )
        return RobotsVerdict(allowed=True, reason="allowed for every honoured token", policy_file=self.ref)

    def crawl_delay(self, tokens: Sequence[str]) -> float | None:
        if self.mode != "rules":
            return None
        rp = Protego.parse(self.text)
        delays = [d for t in tokens if (d := rp.crawl_delay(t)) is not None]
        return max(delays) if delays else None

    def optout_signals(self, url: str, tokens: Sequence[str]) -> tuple[OptoutSignal, ...]:
        return ()


def robots_from_fetch(
    url: str, status: int, body: bytes, fetched_at: str, *, final_url: str = "", error: str = ""
) -> RobotsPolicy:
    """Map a robots.txt fetch to a policy per RFC 9309 §2.3.1."""
    ref = PolicyFileRef(kind="robots.txt", url=url, status=status,
                        sha256=hashlib.sha256(body).hexdigest(), fetched_at=fetched_at,
                        final_url=final_url, error=excerpt(error), truncated=len(body) > MAX_BYTES)
    if error or status == 0 or status >= 500 or status == 429:
        return RobotsPolicy(ref=ref, mode="disallow-all")
    if 400 <= status < 500:
        return RobotsPolicy(ref=ref, mode="allow-all")
    if 200 <= status < 300:
        text = body[:MAX_BYTES].decode("utf-8-sig", "replace")
        return RobotsPolicy(ref=ref, mode="rules", text=text)
    return RobotsPolicy(ref=ref, mode="disallow-all")
