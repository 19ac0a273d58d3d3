"""TDMRep TDM Policies: the ODRL document a ``tdm-policy`` URL points to, and what it grants.

Spec: https://www.w3.org/community/reports/tdmrep/CG-FINAL-tdmrep-20240510/ section "Expressing a
TDM Policy" (a profile of ODRL 2.2, https://www.w3.org/TR/odrl-model/), and the group's
best-practice note https://w3c.github.io/tdm-reservation-protocol/techniques/tdm-policies.html.

A TDMRep reservation (``tdm-reservation: 1``, in tdmrep.json, a header or a meta tag) may name
a ``tdm-policy``: the place where the rightsholder says on which terms a TDM licence can be
obtained. clearcrawl fetches it (once per URL per cache window, archived like every policy
file), records its terms and evaluates them for AI training. A policy is **evidence a grant
can rely on, never an admission**: the reservation stays a reservation, and only an agreement
(:mod:`filters.grants`) that names the policy may lift it, and only when the archived policy's
terms permit what the agreement claims.

**What is read** (section "Specification of the TDM Policy", strictly; anything else makes the document *unreadable*, which is
never a permission): a JSON object with no key stated twice, whose ``@context`` is the array
of ``http://www.w3.org/ns/odrl.jsonld`` and ``http://www.w3.org/ns/tdmrep.jsonld``, ``@type``
``Offer``, ``profile`` ``http://www.w3.org/ns/tdmrep``, a ``uid`` string, an ``assigner``
object (its vCard fields are recorded), and ``permission`` a non-empty array of objects, each
with an ``action``. Bodies over :data:`MAX_BYTES`, non-JSON bodies and JSON of another shape are
unreadable; an HTML page is the *human-readable* policy the ``tdm-policy`` property allows (no machine terms).

**How a permission is evaluated for AI training** (each permission on its own):

* ``action`` must be ``tdm:mine`` (``http://www.w3.org/ns/tdmrep#mine``); another action does
  not permit mining;
* each ``duty`` must be one the profile defines: ``obtainConsent`` or ``compensate``
  (sections "Expressing the duty to …"). They are the *conditions* recorded with the verdict (an agreement
  is how a crawler meets them);
* each ``constraint`` must be one the profile defines: ``purpose`` ``eq``
  ``tdm:non-research`` (AI training for a dataset is not limited to research) counts;
  ``tdm:research`` limits the permission to research, which clearcrawl cannot claim, so that
  permission does not count; a ``spatial`` ``isPartOf`` constraint (the best-practice note)
  names regions the crawl cannot vouch for, so it does not count either;
* any other duty, constraint, operator or value is not understood: the permission does not
  count (never read as broader than written).

A ``prohibition`` or ``obligation`` (which, per "Permissions", a policy SHOULD NOT carry) makes the
policy *not permitting*: clearcrawl does not try to reconcile them with the permissions.

**Fetch outcomes**: 2xx → parse; 404/410/other 4xx → ``absent``; 401/403/407/451, 429, 5xx,
timeouts → ``unavailable``. TDMRep (tdm-policy property): "Being unable to access or parse a TDM Policy is not considered a
protocol error … there is no way to know at this time which conditions would allow it to
process the resource" — so none of these changes the reservation; each only means no grant can
rely on the policy.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urljoin, urlsplit

from filters.headers import header_values, normalize_headers
from filters.optout.tdmrep_page import header_layer, meta_layer
from filters.results import Evidence, OptoutSignal, PolicyFileRef, RobotsVerdict, excerpt
from filters.robots.parse import strip_bom
from filters.robots.status import (
    ABSENT,
    FAIL_CLOSED,
    PARSE,
    REFUSED_BY_ROBOTS,
    classify_fetch,
    looks_like_html,
    policy_file_ref,
)

KIND = "tdm-policy"
#: Largest policy read (bytes), as the other policy files (RFC 9309 §2.5's 500 KiB).
MAX_BYTES = 512_000
#: Distinct policies fetched per origin from its tdmrep.json; more are recorded, not fetched.
MAX_POLICIES_PER_ORIGIN = 8
ODRL_CONTEXT = "http://www.w3.org/ns/odrl.jsonld"
TDMREP_CONTEXT = "http://www.w3.org/ns/tdmrep.jsonld"
PROFILE = "http://www.w3.org/ns/tdmrep"
_TDM_NS = "http://www.w3.org/ns/tdmrep#"
_ODRL_NS = "http://www.w3.org/ns/odrl/2/"
MINE_ACTIONS = frozenset({"tdm:mine", _TDM_NS + "mine"})
#: Duties the profile defines ("Expressing the duty to …") → the condition id recorded.
DUTIES = {
    "obtainConsent": "obtain-consent",
    "odrl:obtainConsent": "obtain-consent",
    _ODRL_NS + "obtainConsent": "obtain-consent",
    "compensate": "compensate",
    "odrl:compensate": "compensate",
    _ODRL_NS + "compensate": "compensate",
}
_PURPOSE = frozenset({"purpose", "odrl:purpose", _ODRL_NS + "purpose"})
_SPATIAL = frozenset({"spatial", "odrl:spatial", _ODRL_NS + "spatial"})
_EQ = frozenset({"eq", "odrl:eq", _ODRL_NS + "eq"})
_NON_RESEARCH = frozenset({"tdm:non-research", _TDM_NS + "non-research"})
_RESEARCH = frozenset({"tdm:research", _TDM_NS + "research"})
_OFFER = frozenset({"Offer", "odrl:Offer", _ODRL_NS + "Offer"})
_VCARD = ("fn", "nickname", "hasEmail", "hasTelephone", "hasURL")
_SPEC = "TDMRep, Specification of the TDM Policy"


class PolicyStatus(StrEnum):
    """What came of reading one TDM Policy."""

    READ = "read"  # a conformant policy: its terms are evaluated
    UNREADABLE = "unreadable"  # 2xx, but not a TDMRep ODRL policy (or over the size cap)
    HUMAN_READABLE = "human-readable"  # an HTML page: no machine-readable terms
    ABSENT = "absent"  # 4xx: there is no policy at that URL
    UNAVAILABLE = "unavailable"  # refused, 429, 5xx, timeout: its terms are unknown
    NOT_FETCHED = "not-fetched"  # another origin, robots.txt forbids it, over the per-origin cap


class AiTraining(StrEnum):
    """What a policy says about mining content for AI training."""

    PERMITTED = "permitted"  # a permission for tdm:mine that AI training satisfies
    NOT_PERMITTED = "not-permitted"  # read, but nothing in it permits it
    UNKNOWN = "unknown"  # not read (see ``status``): never evidence for a grant


@dataclass(frozen=True, slots=True, kw_only=True)
class OdrlConstraint:
    """One ODRL constraint as written (``right_operand``: every value, as strings)."""

    left_operand: str
    operator: str
    right_operand: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class OdrlRule:
    """One permission (or prohibition/obligation) of the policy, and what it means for AI use.

    ``counts``: this permission permits mining for AI training (see the module docstring);
    ``note`` says why or why not.
    """

    rule: str  # permission, prohibition, obligation
    index: int
    action: str
    target: str
    duties: tuple[str, ...]
    constraints: tuple[OdrlConstraint, ...]
    counts: bool
    conditions: tuple[str, ...]
    note: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TdmPolicy:
    """One TDM Policy as fetched and read, with its verdict for AI training and evidence.

    ``url`` is where it was fetched (or would have been); ``ref`` its fetch (``None`` when not
    fetched); ``conditions`` the duties and purpose under which the permitting rules grant TDM
    (``obtain-consent``, ``compensate``, ``purpose:non-research``).
    """

    url: str
    status: PolicyStatus
    reason: str
    ai_training: AiTraining
    ref: PolicyFileRef | None = None
    uid: str = ""
    assigner: tuple[tuple[str, str], ...] = ()
    rules: tuple[OdrlRule, ...] = ()
    conditions: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()

    @property
    def outcome(self) -> str:
        """The policy-file outcome (:mod:`filters.robots.status`), for the pre-fetch plan."""
        if self.status == PolicyStatus.READ:
            return PARSE
        if self.status == PolicyStatus.ABSENT:
            return ABSENT
        if self.status == PolicyStatus.NOT_FETCHED and self.reason.startswith("robots.txt"):
            return REFUSED_BY_ROBOTS
        return FAIL_CLOSED

    @property
    def digest(self) -> str:
        """``sha256:<hex>`` of the bytes as received (empty when not fetched)."""
        return f"sha256:{self.ref.sha256}" if self.ref is not None and self.ref.status else ""

    def matches(self, reference: str) -> bool:
        """Whether a grant's ``tdm_policy`` (a URL or ``sha256:<hex>``) names this policy."""
        ref = reference.strip()
        if not ref:
            return False
        if ref.lower().startswith("sha256:"):
            return bool(self.digest) and ref.lower() == self.digest.lower()
        urls = {self.url}
        if self.ref is not None and self.ref.final_url:
            urls.add(self.ref.final_url)
        return ref in urls

    @classmethod
    def not_fetched(cls, url: str, why: str, *, fail_closed: bool = True) -> TdmPolicy:
        """Record a policy that was not fetched: its terms are unknown (``fail_closed`` is moot)."""
        del fail_closed  # a policy never admits: not reading it never opens anything
        return cls(
            url=url,
            status=PolicyStatus.NOT_FETCHED,
            reason=f"TDM policy not fetched: {why}",
            ai_training=AiTraining.UNKNOWN,
            evidence=(Evidence(source=KIND, locator=url, note=f"not fetched: {why}"),),
        )

    @classmethod
    def refused_by_robots(cls, url: str, verdict: RobotsVerdict) -> TdmPolicy:
        """robots.txt forbids fetching the policy: its terms stay unknown."""
        why = f"robots.txt forbids fetching it ({verdict.reason})"
        return cls(
            url=url,
            status=PolicyStatus.NOT_FETCHED,
            reason=f"robots.txt forbids fetching the TDM policy ({verdict.reason})",
            ai_training=AiTraining.UNKNOWN,
            evidence=(Evidence(source=KIND, locator=url, note=why), *verdict.evidence),
        )


class _Unreadable(ValueError):
    """The document is not a TDMRep policy (the message says where)."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Unreadable(f"an object states {excerpt(repr(key), 40)} more than once")
        out[key] = value
    return out


def _as_list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict | str):
        return [value]
    raise _Unreadable(f"{what} is a JSON {type(value).__name__}")


def _ident(value: Any, what: str) -> str:
    """Return an ODRL term given as a string or as ``{"@id": …}``; else it is unreadable."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, dict) and isinstance(value.get("@id"), str):
        return str(value["@id"]).strip()
    raise _Unreadable(f"{what} {excerpt(repr(value), 60)} is not a term")


def _constraint(raw: Any, where: str) -> OdrlConstraint:
    if not isinstance(raw, dict):
        raise _Unreadable(f"{where} is not an object")
    left = _ident(raw.get("leftOperand"), f"{where} leftOperand")
    op = _ident(raw.get("operator"), f"{where} operator")
    right = raw.get("rightOperand")
    values = right if isinstance(right, list) else [right]
    return OdrlConstraint(
        left_operand=left,
        operator=op,
        right_operand=tuple(_ident(v, f"{where} rightOperand") for v in values),
    )


def _evaluate(
    rule: str, action: str, duties: list[str], cons: list[OdrlConstraint]
) -> tuple[bool, tuple[str, ...], str]:
    """Return ``(counts, conditions, note)`` of one permission for AI training (see module)."""
    if rule != "permission":
        return False, (), f"a {rule} of {action} (the TDMRep profile defines none)"
    if action not in MINE_ACTIONS:
        return False, (), f"action {action} is not tdm:mine: it does not permit mining"
    conditions: list[str] = []
    for duty in duties:
        if duty not in DUTIES:
            return False, (), f"duty {duty} is not one the TDMRep profile defines (not understood)"
        conditions.append(DUTIES[duty])
    for c in cons:
        if c.left_operand in _PURPOSE and c.operator in _EQ and len(c.right_operand) == 1:
            value = c.right_operand[0]
            if value in _NON_RESEARCH:
                conditions.append("purpose:non-research")
                continue
            if value in _RESEARCH:
                return False, (), "limited to research purposes (tdm:research): not AI training"
        if c.left_operand in _SPATIAL:
            where = ", ".join(c.right_operand)
            return False, (), f"limited to regions ({where}) the crawl cannot vouch for"
        return (
            False,
            (),
            (
                f"constraint {c.left_operand} {c.operator} {', '.join(c.right_operand)} is not "
                "one the TDMRep profile defines (not understood)"
            ),
        )
    cond = tuple(dict.fromkeys(conditions))
    under = f" under {', '.join(cond)}" if cond else " without conditions"
    return True, cond, f"permits tdm:mine for AI training{under}"


def _rules(doc: dict[str, Any]) -> list[OdrlRule]:
    perms = doc.get("permission")
    if not isinstance(perms, list) or not perms:
        raise _Unreadable("permission is missing or not a non-empty array")
    out: list[OdrlRule] = []
    for rule in ("permission", "prohibition", "obligation"):
        for index, raw in enumerate(_as_list(doc.get(rule), rule)):
            where = f"{rule}[{index}]"
            if not isinstance(raw, dict):
                raise _Unreadable(f"{where} is not an object")
            action = _ident(raw.get("action"), f"{where} action")
            target = raw.get("target", "")
            if not isinstance(target, str):
                target = _ident(target, f"{where} target")
            duties = [
                _ident(d.get("action") if isinstance(d, dict) else None, f"{where} duty action")
                for d in _as_list(raw.get("duty"), f"{where} duty")
            ]
            cons = [
                _constraint(c, f"{where} constraint[{i}]")
                for i, c in enumerate(_as_list(raw.get("constraint"), f"{where} constraint"))
            ]
            counts, conditions, note = _evaluate(rule, action, duties, cons)
            out.append(
                OdrlRule(
                    rule=rule,
                    index=index,
                    action=action,
                    target=target,
                    duties=tuple(duties),
                    constraints=tuple(cons),
                    counts=counts,
                    conditions=conditions,
                    note=note,
                )
            )
    return out


def _assigner(raw: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, dict):
        raise _Unreadable(
            "assigner is missing or not an object (TDMRep: a Policy MUST contain one assigner)"
        )
    out: list[tuple[str, str]] = []
    if isinstance(raw.get("uid"), str):
        out.append(("uid", raw["uid"]))
    for name in _VCARD:
        value = raw.get("vcard:" + name, raw.get(name))
        if isinstance(value, str):
            out.append((name, excerpt(value, 200)))
    return tuple(out)


def _check_header(doc: Any) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise _Unreadable(f"it holds a JSON {type(doc).__name__}, not a policy object")
    ctx = doc.get("@context")
    if not isinstance(ctx, list) or sorted(str(c) for c in ctx) != sorted(
        (ODRL_CONTEXT, TDMREP_CONTEXT)
    ):
        raise _Unreadable(
            f"@context {excerpt(json.dumps(ctx), 120)} is not the array [{ODRL_CONTEXT}, "
            f"{TDMREP_CONTEXT}] (TDMRep: JSON-LD context of a Policy)"
        )
    if doc.get("@type") not in _OFFER:
        raise _Unreadable(
            f"@type {excerpt(repr(doc.get('@type')), 60)} is not Offer (TDMRep: Type of a Policy)"
        )
    if doc.get("profile") != PROFILE:
        raise _Unreadable(
            f"profile {excerpt(repr(doc.get('profile')), 80)} is not {PROFILE} (TDMRep: Identification of the profile)"
        )
    if not isinstance(doc.get("uid"), str) or not doc["uid"].strip():
        raise _Unreadable(
            "uid is missing or not a string (TDMRep: a policy identifier MUST be added)"
        )
    return doc


def parse_tdm_policy(url: str, body: bytes, ref: PolicyFileRef | None = None) -> TdmPolicy:
    """Read and evaluate one 2xx policy body; never raises (see the module docstring)."""
    try:
        return _parse(url, bytes(body or b""), ref)
    except Exception as exc:  # noqa: BLE001 - a crash reads as unreadable, never as a permission
        return _unreadable(url, ref, f"evaluation failed ({type(exc).__name__})")


def _unreadable(url: str, ref: PolicyFileRef | None, why: str) -> TdmPolicy:
    return TdmPolicy(
        url=url,
        status=PolicyStatus.UNREADABLE,
        reason=f"TDM policy is not a readable TDMRep ODRL policy: {why}",
        ai_training=AiTraining.UNKNOWN,
        ref=ref,
        evidence=(Evidence(source=KIND, locator=url, note=f"unreadable: {why}"),),
    )


def _parse(url: str, body: bytes, ref: PolicyFileRef | None) -> TdmPolicy:
    if len(body) > MAX_BYTES:
        return _unreadable(url, ref, f"{len(body)} bytes, over the {MAX_BYTES}-byte cap")
    data = strip_bom(body)
    try:
        doc = json.loads(data, object_pairs_hook=_no_duplicate_keys)
    except _Unreadable as exc:
        return _unreadable(url, ref, str(exc))
    except (ValueError, RecursionError) as exc:
        if looks_like_html(data):
            return TdmPolicy(
                url=url,
                status=PolicyStatus.HUMAN_READABLE,
                reason="the TDM policy is an HTML page (human-readable per TDMRep's tdm-policy property): no "
                "machine-readable terms",
                ai_training=AiTraining.UNKNOWN,
                ref=ref,
                evidence=(Evidence(source=KIND, locator=url, note="text/html policy"),),
            )
        return _unreadable(url, ref, f"not JSON ({excerpt(str(exc), 120)})")
    try:
        doc = _check_header(doc)
        assigner = _assigner(doc.get("assigner"))
        rules = _rules(doc)
    except _Unreadable as exc:
        return _unreadable(url, ref, f"{exc} ({_SPEC})")
    evidence = [
        Evidence(
            source=KIND,
            locator=f"{url} {r.rule}[{r.index}]",
            excerpt=excerpt(f"{r.action} duty={list(r.duties)} target={r.target}", 200),
            note=r.note,
        )
        for r in rules
    ]
    barred = [r for r in rules if r.rule != "permission"]
    permitting = [r for r in rules if r.counts]
    uid = str(doc["uid"])
    conditions: tuple[str, ...] = ()
    if barred:
        verdict = AiTraining.NOT_PERMITTED
        reason = (
            f"TDM policy {uid} holds {len(barred)} prohibition/obligation rule(s), which the "
            "TDMRep profile does not define: not relied on for AI training"
        )
    elif permitting:
        verdict = AiTraining.PERMITTED
        conditions = tuple(dict.fromkeys(c for r in permitting for c in r.conditions))
        under = f" under {', '.join(conditions)}" if conditions else ""
        reason = f"TDM policy {uid} permits tdm:mine for AI training{under}"
    else:
        verdict = AiTraining.NOT_PERMITTED
        reason = f"TDM policy {uid}: no permission covers mining for AI training"
    return TdmPolicy(
        url=url,
        status=PolicyStatus.READ,
        reason=reason,
        ai_training=verdict,
        ref=ref,
        uid=uid,
        assigner=assigner,
        rules=tuple(rules),
        conditions=conditions,
        evidence=(Evidence(source=KIND, locator=url, note=reason), *evidence),
    )


def tdm_policy_from_fetch(
    url: str,
    status: int,
    body: bytes,
    fetched_at: str,
    *,
    final_url: str = "",
    error: str = "",
    max_bytes: int = MAX_BYTES,
) -> TdmPolicy:
    """Map one fetch of a ``tdm-policy`` URL to a :class:`TdmPolicy` (module docstring)."""
    body = bytes(body or b"")
    ref = policy_file_ref(
        KIND,
        url,
        status,
        body,
        fetched_at,
        final_url=final_url,
        error=error,
        truncated=len(body) > max_bytes,
    )
    outcome, reason = classify_fetch("TDM policy", status, error)
    if outcome == ABSENT:
        return TdmPolicy(
            url=url,
            status=PolicyStatus.ABSENT,
            reason=f"{reason}: no terms to rely on",
            ai_training=AiTraining.UNKNOWN,
            ref=ref,
            evidence=(Evidence(source=KIND, locator=url, note=reason),),
        )
    if outcome != PARSE:
        why = reason.split(";")[0]
        return TdmPolicy(
            url=url,
            status=PolicyStatus.UNAVAILABLE,
            reason=f"{why}: its terms are unknown (TDMRep: no way to know at this time)",
            ai_training=AiTraining.UNKNOWN,
            ref=ref,
            evidence=(Evidence(source=KIND, locator=url, note=why),),
        )
    if len(body) > max_bytes:
        return _unreadable(url, ref, f"{len(body)} bytes, over the {max_bytes}-byte cap")
    return parse_tdm_policy(url, body, ref)


# -- locating policies ---------------------------------------------------------------------
def resolve_policy_url(value: str, base_url: str) -> str:
    """Return the absolute http(s) URL a ``tdm-policy`` value names, or "" when it names none."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        url = urljoin(base_url, value)
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return url.split("#", 1)[0]


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or (443 if scheme == "https" else 80)


def same_origin(url: str, base: str) -> bool:
    """Whether two URLs share scheme, host and port (RFC 6454 §4)."""
    try:
        return _origin(url) == _origin(base)
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class TdmPolicySet:
    """Every TDM policy an origin's tdmrep.json names, as fetched (in the file's order).

    A pre-fetch policy-file kind of its own (:data:`filters.prefetch.TDM_POLICY`), settled after
    tdmrep.json. It never reserves and never admits: it adds no signal and no reason, only the
    terms a grant may rely on (:meth:`for_url`).
    """

    base: str
    policies: tuple[TdmPolicy, ...] = ()

    @property
    def outcome(self) -> str:
        return PARSE  # a collection: each member carries its own outcome

    @property
    def ref(self) -> None:
        return None

    @property
    def member_refs(self) -> tuple[PolicyFileRef, ...]:
        return tuple(p.ref for p in self.policies if p.ref is not None)

    def get(self, url: str) -> TdmPolicy | None:
        return next((p for p in self.policies if p.url == url), None)

    def for_url(self, tdmrep: Any, url: str) -> tuple[TdmPolicy, ...]:
        """Return the policy the tdmrep.json rule deciding ``url`` names, when it reserves."""
        named = policy_url_for(tdmrep, url)
        found = self.get(named) if named else None
        return (found,) if found is not None else ()


def policy_url_for(tdmrep: Any, url: str) -> str:
    """Return the absolute ``tdm-policy`` of the first rule matching ``url`` ("" if none).

    Only a reserving rule's policy is processed (TDMRep: "TDM Agents SHOULD NOT process tdm-policy"
    when ``tdm-reservation`` is 0).
    """
    rule = tdmrep.first_rule(url) if getattr(tdmrep, "outcome", "") == PARSE else None
    if rule is None or rule.reservation != 1 or not rule.policy:
        return ""
    return resolve_policy_url(rule.policy, tdmrep.url)


def locate_policies(tdmrep: Any, base: str) -> tuple[tuple[str, ...], tuple[TdmPolicy, ...]]:
    """``(urls to fetch, policies settled unfetched)`` for the policies tdmrep.json names.

    Reserving rules only, distinct URLs in array order; a policy on another origin is not
    fetched (its origin's robots.txt is not read: RFC 9309 §2.3), nor any past
    :data:`MAX_POLICIES_PER_ORIGIN` (a bound on what one file can make the crawler fetch).
    """
    if getattr(tdmrep, "outcome", "") != PARSE:
        return (), ()
    named: list[str] = []
    settled: list[TdmPolicy] = []
    for rule in tdmrep.rules:
        if rule.reservation != 1 or not rule.policy:
            continue
        url = resolve_policy_url(rule.policy, tdmrep.url)
        if not url:
            settled.append(
                TdmPolicy.not_fetched(
                    rule.policy, f"entry [{rule.index}] tdm-policy is not an http(s) URL"
                )
            )
            continue
        if url in named or any(p.url == url for p in settled):
            continue
        if not same_origin(url, base):
            settled.append(
                TdmPolicy.not_fetched(
                    url, "it is on another origin, whose robots.txt was not read (RFC 9309 §2.3)"
                )
            )
        elif len(named) >= MAX_POLICIES_PER_ORIGIN:
            settled.append(
                TdmPolicy.not_fetched(
                    url, f"more than {MAX_POLICIES_PER_ORIGIN} policies named by one tdmrep.json"
                )
            )
        else:
            named.append(url)
    return tuple(named), tuple(settled)


def combine_policies(base: str, policies: Iterable[TdmPolicy]) -> TdmPolicySet:
    """Return the origin's :class:`TdmPolicySet` from its members (fetched or settled)."""
    return TdmPolicySet(base, tuple(policies))


def page_policy_urls(
    page_url: str, header_policy: Sequence[str], meta_policy: Sequence[str]
) -> tuple[str, ...]:
    """Return the policy a page names: its meta tag's, else its header's (TDMRep priority).

    Both layers supersede the file's policy; absence never resets it (so with neither, the
    file's rule keeps deciding).
    """
    for values in (meta_policy, header_policy):
        urls = [u for u in (resolve_policy_url(v, page_url) for v in values) if u]
        if urls:
            return (urls[0],)
    return ()


def page_policy_request(page: Any, prior: Sequence[OptoutSignal] = ()) -> tuple[str, ...]:
    """Return the TDM policy URL a fetched page names, when its effective reservation is 1.

    ``page`` is a :class:`filters.html.ParsedPage`; ``prior`` the pre-fetch signals (the
    tdmrep.json rule's ``tdmrep-file``). TDMRep's processing priority decides both values: the
    meta tag supersedes the header, which supersedes the file, and absence resets nothing. A
    page whose effective ``tdm-reservation`` is not 1 has no policy to process (TDMRep: "TDM
    Agents SHOULD NOT process tdm-policy" then). Empty when the page names no policy (the
    file's rule keeps deciding). Never raises.
    """
    try:
        header, meta = header_layer(page.headers), meta_layer(page)
        file_reserved = any(s.signal == "tdmrep-file" and s.reserved for s in prior)
        effective = next(
            (v for v in (meta.value, header.value) if v is not None),
            1 if file_reserved else None,
        )
        if effective != 1:
            return ()
        metas = [c for _, c, _ in page.meta_values("tdm-policy")]
        heads = header_values(normalize_headers(page.headers), "tdm-policy")
        return page_policy_urls(page.url, heads, metas)
    except Exception:  # noqa: BLE001 - no policy read is never a permission
        return ()


__all__ = [
    "DUTIES",
    "KIND",
    "MAX_BYTES",
    "MAX_POLICIES_PER_ORIGIN",
    "MINE_ACTIONS",
    "PROFILE",
    "AiTraining",
    "OdrlConstraint",
    "OdrlRule",
    "PolicyStatus",
    "TdmPolicy",
    "TdmPolicySet",
    "combine_policies",
    "locate_policies",
    "page_policy_request",
    "page_policy_urls",
    "parse_tdm_policy",
    "policy_url_for",
    "resolve_policy_url",
    "same_origin",
    "tdm_policy_from_fetch",
]
