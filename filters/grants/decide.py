"""What a licensed-source agreement admits (:func:`admit`): only what a licence answers.

See :mod:`filters.grants` for the rule; a grant is honoured only at an instant inside its
validity, and an opt-out is lifted only when the agreement names it
(draft-ietf-aipref-vocab-08 §6.2).

A grant that names a TDMRep TDM policy (``tdm_policy``) relies on it: it admits only when that
policy is among those the URL's reservation names (``tdm_policies``: the archived, re-read
policies) and its terms permit mining for AI training (:mod:`filters.optout.tdmpolicy`). A
policy that is absent, unreadable, unavailable, not fetched, for other URLs, or not permitting
makes the grant admit nothing (``grant-tdm-policy:<id>``): the agreement's own claim is not
evidence enough when it says it rests on the publisher's published terms.
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
from filters.optout.tdmpolicy import AiTraining, TdmPolicy
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
    tdm_policies: Sequence[TdmPolicy] = (),
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
        relied, why = relied_policy(g, tdm_policies)
        if why:
            extra.append(Reason.GRANT_TDM_POLICY.with_arg(g.id))
            notes.append(why)
            continue
        liftable = {r for r in reasons if _liftable(r, g, term_list, reasons)}
        blocking = tuple(r for r in reasons if r not in liftable)
        if not blocking:
            relies = ""
            if relied is not None:
                under = ", ".join(relied.conditions) or "no conditions"
                relies = (
                    f"; it relies on TDM policy {relied.url} ({relied.digest}), whose archived "
                    f"terms permit tdm:mine for AI training under {under}"
                )
            return GrantOutcome(
                admitted=True,
                grant=g,
                lifted=reasons,
                reasons=(),
                note=f"admitted under agreement {g.id} with {g.counterparty}, "
                f"valid until {iso(g.valid_until)}{relies}",
                tdm_policy=relied,
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


def relied_policy(grant: Grant, policies: Sequence[TdmPolicy]) -> tuple[TdmPolicy | None, str]:
    """Return ``(policy relied on, "")``, or ``(None, why not)`` for a grant naming a TDM policy.

    A grant naming none relies on nothing: ``(None, "")``.
    """
    named = grant.tdm_policy
    if not named:
        return None, ""
    found = next((p for p in policies if p.matches(named)), None)
    if found is None:
        seen = ", ".join(p.url for p in policies) or "none"
        return None, (
            f"agreement {grant.id} relies on TDM policy {named}, which is not the policy this "
            f"URL's TDMRep reservation names (named: {seen}); it admits nothing here"
        )
    if found.ai_training != AiTraining.PERMITTED:
        return None, (
            f"agreement {grant.id} relies on TDM policy {found.url}, whose archived terms do "
            f"not permit AI training ({found.status}, {found.ai_training}: {found.reason}); "
            "it admits nothing here"
        )
    return found, ""


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
