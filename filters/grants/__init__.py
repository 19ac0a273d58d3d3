"""Licensed-source agreements ("grants"): what a signed deal with a publisher lets in.

A grants file (``--grants FILE`` on ``crawl`` and ``export``; TOML or JSON) lists agreements the
user holds with publishers. Each grant names

* its scope: an ``origin`` (``https://news.example``) or a ``url_pattern``
  (``https://news.example/articles/*``, ``*`` matches any run of characters, the whole URL must
  match);
* what it permits: ``permits = ["ai-train"]`` (RSL's ``ai-train`` and the aipref label
  ``train-ai`` both name AI training; nothing else is understood, and a grant that does not
  permit AI training is refused: clearcrawl collects for nothing else);
* the agreement: ``id``, ``counterparty`` and ``document_sha256`` (the sha256 of the signed
  document, so the record points at one exact contract);
* its validity: ``valid_from`` and ``valid_until`` (dates are whole days, UTC, both inclusive;
  date-times are instants);
* ``attribution``: the duty owed (text recorded in the manifest and the attribution file);
* ``overrides``: the opt-out signals the agreement explicitly overrides (``tdmrep-file``,
  ``robots-meta``…, the ``optout:<signal>`` names). Empty by default: an opt-out is never
  lifted unless the agreement says so (draft-ietf-aipref-vocab-08 §6.2, "More Specific
  Instructions": an arrangement applies despite a preference *unless its terms say
  otherwise*; clearcrawl asks the terms to say so);
* optionally ``tdm_policy``: the TDMRep TDM policy (its URL or ``sha256:<hex>``) the agreement
  relies on; it admits only where that policy, as archived, applies and permits AI training;
* optionally ``license_token``, a licence token obtained from an RSL licence server (RSL 1.0
  Open License Protocol), sent as ``Authorization: License <token>`` to the grant's origin
  only (:mod:`crawler.middlewares.grants`), never logged, recorded only as its sha256
  (:attr:`Grant.token_digest`); and ``license_server``, the RSL ``server`` it came from.

What a grant admits (:func:`admit`): content excluded **only** for reasons a licence agreement
answers — no licence statement (``no-license``), an all-rights-reserved page
(``license-not-allowed:LicenseRef-All-Rights-Reserved``), RSL terms that require payment, a
licence server or a custom agreement (:class:`LicenceTerms`, the interface the RSL evaluator's
result uses) — plus the opt-outs listed in ``overrides``. Anything else (robots.txt refusals,
paywalls, other licences, detector errors, too little text, opt-outs not listed) still
excludes, and the reason ``grant-does-not-override:<id>`` says why the agreement did not help.
A grant is honoured only at an instant inside its validity: at crawl time the fetch time, at
export the capture time (the WARC-Date of the response record), so crawl and export agree; a
capture outside the dates gets ``grant-not-valid:<id>``.

Total: :func:`parse_grants` validates everything and raises :class:`GrantsError` with one line
naming the grant and field; matching and admission never raise.
"""

from filters.grants.decide import LICENCE_REASONS, admit
from filters.grants.load import (
    AI_TRAIN,
    grants_from_record,
    load_grants,
    parse_grants,
    parse_instant,
)
from filters.grants.model import (
    ANSWERABLE_REQUIREMENTS,
    Grant,
    GrantOutcome,
    GrantsError,
    GrantSet,
    LicenceTerms,
    grant_license_id,
    iso,
    origin_of,
)

__all__ = [
    "AI_TRAIN",
    "ANSWERABLE_REQUIREMENTS",
    "LICENCE_REASONS",
    "Grant",
    "GrantOutcome",
    "GrantSet",
    "GrantsError",
    "LicenceTerms",
    "admit",
    "grant_license_id",
    "grants_from_record",
    "iso",
    "load_grants",
    "origin_of",
    "parse_grants",
    "parse_instant",
]
