"""What a licence requires of a user, derived from its SPDX id in one place.

The dataset card, ``LICENSES.md`` and ``clearcrawl explain`` all state a record's licence
conditions; they all call :func:`license_conditions`, so they can never disagree, and no
condition of an admitted licence can be left out of one of them (a CC BY-NC row described as
"attribution" only would mislead every user of the dataset).

Creative Commons licence elements (https://creativecommons.org/licenses/, "licence elements";
CC BY-NC-SA 4.0 legal code §1(i), §2(a)(1), §3(a), §3(b)): BY = Attribution, NC =
NonCommercial, ND = NoDerivatives, SA = ShareAlike. CC0 and the Public Domain Mark carry no
conditions. An id that is neither is described as unknown (read the licence text), never as
free of conditions: fail closed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CC = re.compile(
    r"^(?:LicenseRef-)?CC-(?P<elems>BY(?:-NC)?(?:-ND|-SA)?)-(?:\d\.\d|unversioned)"
    r"(?:-[A-Z]{2,3})?$"
)
_NO_CONDITIONS = frozenset({"CC0-1.0", "CC-PDM-1.0", "CC-PDDC", "LicenseRef-Public-Domain"})


@dataclass(frozen=True, slots=True)
class Condition:
    """One licence condition: its element code (``BY``…), name and what the user must do."""

    code: str
    name: str
    duty: str


ATTRIBUTION = Condition(
    "BY",
    "Attribution",
    "credit the author, give the title and source URL, name and link the licence, and say "
    "if you changed the text (CC BY 4.0 §3(a); 3.0 §4(b)); the row's `attribution` column is "
    "a ready-made TASL line",
)
NON_COMMERCIAL = Condition(
    "NC",
    "NonCommercial",
    "no commercial use: you may not use the material primarily for commercial advantage or "
    "monetary compensation (CC BY-NC 4.0 §1(i), §2(a)(1))",
)
NO_DERIVATIVES = Condition(
    "ND",
    "NoDerivatives",
    "no adaptations: you may share the text only unmodified; an adapted version may not be "
    "shared (CC BY-ND 4.0 §2(a)(1)(B))",
)
SHARE_ALIKE = Condition(
    "SA",
    "ShareAlike",
    "share adaptations under the same or a compatible licence (share-alike: a derivative "
    "dataset or an edited text must carry it too; CC BY-SA 4.0 §3(b); 3.0 §4(b))",
)
UNKNOWN = Condition(
    "?",
    "Unknown conditions",
    "read the licence text at the row's `license_url`; clearcrawl does not know its conditions",
)
_BY_CODE = {c.code: c for c in (ATTRIBUTION, NON_COMMERCIAL, NO_DERIVATIVES, SHARE_ALIKE)}


def license_conditions(spdx: str) -> tuple[Condition, ...]:
    """Every condition of the licence (or simple ``A AND B`` / ``A OR B`` expression) ``spdx``.

    An empty tuple means no conditions (CC0, Public Domain Mark). For an expression the union
    of both sides' conditions is returned: overstating a duty is safe, omitting one is not.
    """
    expr = spdx.strip().strip("()")
    parts = re.split(r" OR | AND ", expr) if (" OR " in expr or " AND " in expr) else [expr]
    out: dict[str, Condition] = {}
    for part in parts:
        part = part.strip().strip("()")
        if part in _NO_CONDITIONS:
            continue
        m = _CC.match(part)
        if m is None:
            out.setdefault(UNKNOWN.code, UNKNOWN)
            continue
        for code in m.group("elems").split("-"):
            out.setdefault(code, _BY_CODE[code])
    order = [*_BY_CODE, UNKNOWN.code]
    return tuple(sorted(out.values(), key=lambda c: order.index(c.code)))


def conditions_text(spdx: str) -> str:
    """One line stating every condition of ``spdx`` (for tables and ``explain``)."""
    conditions = license_conditions(spdx)
    if not conditions:
        return "no conditions (public domain); attribution is still good practice."
    return " ".join(f"{c.name} ({c.code}): {c.duty}." for c in conditions)
