"""tdmrep.json's rules compiled into an index: the first matching rule in array order, fast.

TDMRep §3.3 (https://www.w3.org/community/reports/tdmrep/CG-FINAL-tdmrep-20240510/): "the most
specific match is the first in sequence", so the first rule in array order whose ``location``
matches (robots.txt's ``*`` and ``$``, RFC 9309 §2.2.3, matched by protego) decides. A file near
its size cap holds ~10k rules; checking each per URL would cost milliseconds. Each rule's
literal head (the part before any ``*``, ``$`` or character protego re-encodes) indexes it, so a
URL is checked only against the rules whose head is a prefix of its path, in array order, and
rules sharing a head are pre-checked 64 at a time by one protego parser; the deciding check is
protego's own (``benchmarks/tdmrep_rules.py`` measures it).
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass

from protego import Protego

from filters.robots.match import _PROBE_AGENT as PROBE_AGENT
from filters.robots.match import _probe_url as probe_url
from filters.robots.match import _safe_pattern, path_of, pattern_matches


@dataclass(frozen=True, slots=True)
class TdmRule:
    """One entry of tdmrep.json; ``index`` is its position in the JSON array."""

    index: int
    pattern: str
    reservation: int
    policy: str
    raw: str
    note: str = ""


#: Characters protego's percent-encoding normalisation leaves as they are (RFC 3986 unreserved,
#: "/" and "="); a path's or pattern's leading run of them reads the same after normalisation.
_PLAIN = frozenset(string.ascii_letters + string.digits + "-._~/=")
_HEX = frozenset(string.hexdigits)


def _plain_head(text: str) -> str:
    """Return the leading run of ``text`` that protego's normalisation spells with plain characters.

    ``%XX`` escapes of plain characters are decoded, as protego decodes them (``%7E`` → ``~``;
    ``%2F`` stays an escape, so it ends the run like any other character protego re-encodes,
    and like ``*``, ``$``, ``?``). So when protego finds a pattern's normalised literal start at
    the start of a normalised path, the pattern's head is a prefix of the path's head.
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "%":
            hexa = text[i + 1 : i + 3]
            if len(hexa) == 2 and _HEX.issuperset(hexa):
                decoded = chr(int(hexa, 16))
                if decoded in _PLAIN and decoded != "/":
                    out.append(decoded)
                    i += 3
                    continue
            break
        if ch not in _PLAIN:
            break
        out.append(ch)
        i += 1
    return "".join(out)


#: Rules sharing a head pre-checked by one protego parser (the caller may choose another).
BLOCK = 64


class _Bucket:
    """The rules sharing one plain head, in array order, with a protego parser per block.

    A block's parser holds its rules as ``Disallow`` lines, so one ``can_fetch`` says whether
    any of them matches (protego checks its plain prefixes at once); only a block that matches
    is searched rule by rule for the first in array order. A file whose rules all share a short
    head (``*``-led patterns) so costs about one protego pass over its rules per URL, not one
    protego parser per rule.
    """

    __slots__ = ("blocks", "positions")

    def __init__(self, positions: list[int], rules: Sequence[TdmRule], block: int) -> None:
        self.positions = positions
        self.blocks: list[tuple[int, int, Protego | None]] = []
        for lo in range(0, len(positions), block):
            hi = min(lo + block, len(positions))
            parser = None
            if len(positions) > block:
                lines = "".join(
                    f"Disallow: {_safe_pattern(rules[p].pattern)}\n" for p in positions[lo:hi]
                )
                parser = Protego.parse("User-agent: *\n" + lines)
            self.blocks.append((lo, hi, parser))

    def first_match(
        self, rules: Sequence[TdmRule], url: str, probe: str, before: int | None
    ) -> int | None:
        """Position of the first rule of this bucket matching ``url`` (and below ``before``)."""
        for lo, hi, parser in self.blocks:
            if before is not None and self.positions[lo] >= before:
                return None
            if parser is not None and parser.can_fetch(probe, PROBE_AGENT):
                continue  # no rule of this block matches
            for pos in self.positions[lo:hi]:
                if before is not None and pos >= before:
                    return None
                if pattern_matches(rules[pos].pattern, url):
                    return pos
        return None


class RuleIndex:
    """First matching rule in array order, checking only rules whose head fits the path."""

    __slots__ = ("_buckets", "_lengths", "largest_bucket", "rules")

    def __init__(self, rules: Sequence[TdmRule], *, block: int = BLOCK) -> None:
        self.rules = tuple(rules)
        by_head: dict[str, list[int]] = {}
        for pos, rule in enumerate(self.rules):
            by_head.setdefault(_plain_head(_safe_pattern(rule.pattern)), []).append(pos)
        self._buckets = {head: _Bucket(ps, self.rules, block) for head, ps in by_head.items()}
        self._lengths = sorted({len(h) for h in by_head})
        self.largest_bucket = max((len(ps) for ps in by_head.values()), default=0)

    def first_match(self, url: str) -> TdmRule | None:
        head = _plain_head(path_of(url))
        probe = probe_url(url)
        best: int | None = None
        for n in self._lengths:
            if n > len(head):
                break
            bucket = self._buckets.get(head[:n])
            if bucket is not None:
                found = bucket.first_match(self.rules, url, probe, best)
                if found is not None:
                    best = found
        return None if best is None else self.rules[best]
