"""What a licensed-source agreement admits (:func:`admit`): only what a licence answers.

See :mod:`filters.grants` for the rule; a grant is honoured only at an instant inside its
validity, and an opt-out is lifted only when the agreement names it
(draft-ietf-aipref-vocab-08 §6.2).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from filters.grants.model import (
    Grant,
    GrantOutcome,
    GrantSet,
    LicenceTerms,
    iso,
)
from filters.license.common import ALL_RIGHTS_RESERVED
from filters.reasons import Reason, reason_class

#: Reasons a licence agreement answers by itself (a grant lifts them when it covers the URL).
LICENCE_REASONS = frozenset(
    {str(Reason.NO_LICENSE), Reason.LICENSE_NOT_ALLOWED.with_arg(ALL_RIGHTS_RESERVED)}
)


def admit(
    grants: GrantSet | None,
    url: str,
    when: datetime | None,
    reasons: Sequence[str],
    terms: Iterable[tuple[str, LicenceTerms]] = (),
) -> GrantOutcome:
    """Apply the grants covering ``url`` to an exclusion's ``reasons`` (see module docstring).

    ``when`` is the capture time; ``None`` (unknown) means no grant is valid (fail closed).
    """
    reasons = tuple(reasons)
    covering = grants.covering(url) if grants is not None else ()
    if not reasons or not covering:
        return GrantOutcome(admitted=False, grant=None, lifted=(), reasons=reasons)
    term_list = list(terms)
    notes: list[str] = []
    extra: list[str] = []
    for g in covering:
        if when is None or not g.valid_at(when):
            extra.append(Reason.GRANT_NOT_VALID.with_arg(g.id))
            at = iso(when) if when is not None else "an unknown time"
            notes.append(
                f"agreement {g.id} ({g.counterparty}) not valid at capture time {at} "
                f"(valid {iso(g.valid_from)} to {iso(g.valid_until)})"
            )
            continue
        liftable = {r for r in reasons if _liftable(r, g, term_list, reasons)}
        blocking = tuple(r for r in reasons if r not in liftable)
        if not blocking:
            return GrantOutcome(
                admitted=True,
                grant=g,
                lifted=reasons,
                reasons=(),
                note=f"admitted under agreement {g.id} with {g.counterparty}, "
                f"valid until {iso(g.valid_until)}",
            )
        extra.append(Reason.GRANT_DOES_NOT_OVERRIDE.with_arg(g.id))
        notes.append(
            f"agreement {g.id} does not override {', '.join(blocking)} (it lifts only "
            "no-licence, all-rights-reserved and RSL payment terms, and the opt-outs it lists)"
        )
    return GrantOutcome(
        admitted=False,
        grant=None,
        lifted=(),
        reasons=(*reasons, *dict.fromkeys(extra)),
        note="; ".join(notes),
    )


def _liftable(
    reason: str,
    grant: Grant,
    terms: Sequence[tuple[str, LicenceTerms]],
    reasons: Sequence[str],
) -> bool:
    if reason in LICENCE_REASONS:
        return True
    if reason_class(reason) == Reason.OPTOUT:
        return reason.partition(":")[2] in grant.overrides
    if reason == Reason.CRAWL_TIME_OPTOUT:
        # The crawl saw a reservation; it is lifted only when the opt-outs re-derived from the
        # archived body are all ones the grant names (a reservation the export cannot see
        # again stays a reason to exclude).
        optouts = [r for r in reasons if reason_class(r) == Reason.OPTOUT]
        return bool(optouts) and all(_liftable(r, grant, terms, reasons) for r in optouts)
    return any(r == reason and grant.covers_terms(t) for r, t in terms)
