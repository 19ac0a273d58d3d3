"""The rights policy: which findings let a page into the dataset.

A :class:`Policy` is data, not code: a user can pass their own as a JSON or TOML file
(``--policy``), and its canonical JSON and sha256 digest are recorded in the WARC ``warcinfo``,
in every manifest entry and in the dataset card, so a reviewer knows exactly which rule admitted a
record.

The default fails closed (Open Definition 2.1): a page is admitted only when a
licence on the allowlist covers its main text (scope ``page`` or ``site``, not ambiguous), no
AI/TDM opt-out applies and it is not paywalled. Default allowlist: CC0, the Public Domain Mark,
and CC BY / CC BY-SA in every version and port (NC and ND are excluded).

A policy file without a ``name`` is named by its file name and labelled with its digest
(``strict.toml@sha256:9f86d081884c``), never as the built-in default: the card, ``explain``, the
manifest and the WARC ``warcinfo`` must not tell a reviewer that a custom rule set is the default
one. The built-in name is reserved for the built-in rules.

Reason strings are stable identifiers (``no-license``, ``license-not-allowed:CC-BY-NC-4.0``,
``paywalled:hard``, ``optout:tdmrep-meta``, ``detector-error:license:ValueError``…); the
dataset card counts exclusions by the part before the first ``:``.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from filters.reasons import Reason
from filters.results import Decision, LicenseFinding, OptoutFinding, PaywallFinding, Scope

DEFAULT_NAME = "clearcrawl-default"

#: Characters of the digest shown in an unversioned policy's label (``sha256:`` + 12 hex).
LABEL_DIGEST_CHARS = len("sha256:") + 12

DEFAULT_ALLOW: tuple[str, ...] = (
    r"CC0-1\.0",
    r"CC-PDM-1\.0",
    r"CC-PDDC",  # Creative Commons' retired public-domain dedication and certification
    r"CC-BY-[0-9]\.[0-9](-[A-Z]{2,3})?",
    r"CC-BY-SA-[0-9]\.[0-9](-[A-Z]{2,3})?",
    r"LicenseRef-CC-BY-[0-9]\.[0-9](-[A-Z]{2,3})?",
    r"LicenseRef-CC-BY-SA-[0-9]\.[0-9](-[A-Z]{2,3})?",
)


#: Policy files an archive must provide by default (see ``Policy.archive_required_policy_files``).
#: The located kinds (an RSL licence robots.txt names, RSL 1.0 §4.4; a TDMRep ``tdm-policy``
#: tdmrep.json names) are required whenever they are named: a licence that prohibits training
#: must not be read as absent because the archive lacks it (fail closed).
DEFAULT_ARCHIVE_REQUIRED: tuple[str, ...] = ("robots.txt", "rsl", "tdm-policy")
#: The policy-file kinds ``archive_required_policy_files`` may name.
ARCHIVE_POLICY_FILE_KINDS = ("robots.txt", "tdmrep.json", "ai.txt", "rsl", "tdm-policy")


class PolicyError(ValueError):
    """A policy file is missing, unreadable or invalid (the message says which and why)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """Admission rules. ``allow_licenses`` are regular expressions fully matched against SPDX ids."""

    name: str = DEFAULT_NAME
    version: str = "1"
    allow_licenses: tuple[str, ...] = DEFAULT_ALLOW
    allow_scopes: tuple[str, ...] = ("page", "site")
    exclude_paywalled: bool = True
    exclude_optout: bool = True
    exclude_ambiguous: bool = True
    min_text_chars: int = 200
    #: For archives clearcrawl did not write (issue 14): the site policy files that must be
    #: found (in the archives read, a policy archive, or fetched with ``--fetch-policies``)
    #: for a page to be decided; a page whose required file is nowhere is excluded as
    #: ``policy-file-unknown:<file>``. Leaving ``robots.txt`` out is an explicit relaxation,
    #: recorded in every manifest entry it affects. tdmrep.json and ai.txt are rarely captured
    #: (Common Crawl archives robots.txt only): by default their absence is recorded, not
    #: excluding; list them to require them. ``rsl`` (a licence robots.txt names) and
    #: ``tdm-policy`` (a policy tdmrep.json names) are required by default when named.
    archive_required_policy_files: tuple[str, ...] = DEFAULT_ARCHIVE_REQUIRED
    source: str = field(default="builtin", compare=False)

    def __post_init__(self) -> None:
        for pattern in self.allow_licenses:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise PolicyError(
                    f"allow_licenses pattern {pattern!r} is not a valid regex: {exc}"
                ) from exc
        bad = set(self.allow_scopes) - {s.value for s in Scope}
        if bad:
            raise PolicyError(
                f"allow_scopes has unknown scope(s) {sorted(bad)}; use page, site, part"
            )
        if self.min_text_chars < 0:
            raise PolicyError("min_text_chars must be >= 0")
        unknown = set(self.archive_required_policy_files) - set(ARCHIVE_POLICY_FILE_KINDS)
        if unknown:
            raise PolicyError(
                f"archive_required_policy_files has unknown file(s) {sorted(unknown)}; use "
                + ", ".join(ARCHIVE_POLICY_FILE_KINDS)
            )

    # -- serialisation -------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("source")
        data["allow_licenses"] = list(self.allow_licenses)
        data["allow_scopes"] = list(self.allow_scopes)
        # Omitted at its default, so policies written before the key existed keep their digest.
        if self.archive_required_policy_files == DEFAULT_ARCHIVE_REQUIRED:
            data.pop("archive_required_policy_files")
        else:
            data["archive_required_policy_files"] = list(self.archive_required_policy_files)
        return data

    def canonical_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @property
    def digest(self) -> str:
        return _digest(self)

    @property
    def label(self) -> str:
        """``name@version``; a policy without a version is labelled ``name@<digest prefix>``."""
        return policy_label(self.name, self.version, self.digest)

    def describe(self) -> str:
        """Say in plain words what this policy admits (the card's promise is built from it).

        Generated from the rules themselves, so a custom policy that admits NonCommercial
        licences, paywalled or opted-out pages is never described as the default one.
        """
        allow = ", ".join(f"`{p}`" for p in self.allow_licenses) or "(none: nothing is admitted)"
        scopes = " or ".join(f"`{s}`" for s in self.allow_scopes) or "(none)"
        parts = [
            f"a licence whose SPDX id matches the policy's allowlist ({allow}) covers its main "
            f"text at {scopes} scope"
            + (
                " and no other licence statement on the page conflicts with it"
                if self.exclude_ambiguous
                else " (conflicting licence statements were NOT excluded)"
            ),
            "no AI/TDM opt-out applies"
            if self.exclude_optout
            else "AI/TDM opt-outs were recorded but NOT applied (pages whose publisher reserved "
            "text-and-data-mining rights may be included)",
            "it is not behind a paywall"
            if self.exclude_paywalled
            else "paywalled pages were NOT excluded",
            f"at least {self.min_text_chars} characters of main text were extracted",
        ]
        if self.archive_required_policy_files != DEFAULT_ARCHIVE_REQUIRED:
            need = ", ".join(self.archive_required_policy_files) or "none"
            parts.append(
                "for archives clearcrawl did not write, the site policy files that had to be "
                f"found were: {need}"
                + (
                    " (robots.txt was NOT required: pages whose robots.txt is unknown may be "
                    "included)"
                    if "robots.txt" not in self.archive_required_policy_files
                    else ""
                )
            )
        return "; ".join(parts)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "dict") -> Policy:
        known = {f for f in cls.__dataclass_fields__ if f != "source"}
        unknown = set(data) - known
        if unknown:
            raise PolicyError(f"unknown policy key(s) {sorted(unknown)}; known: {sorted(known)}")
        kwargs: dict[str, Any] = dict(data)
        for key in ("allow_licenses", "allow_scopes", "archive_required_policy_files"):
            if key in kwargs:
                if not isinstance(kwargs[key], list | tuple) or not all(
                    isinstance(x, str) for x in kwargs[key]
                ):
                    raise PolicyError(f"{key} must be a list of strings")
                kwargs[key] = tuple(kwargs[key])
        for key in ("exclude_paywalled", "exclude_optout", "exclude_ambiguous"):
            if key in kwargs and not isinstance(kwargs[key], bool):
                raise PolicyError(f"{key} must be true or false")
        if "min_text_chars" in kwargs and not isinstance(kwargs["min_text_chars"], int):
            raise PolicyError("min_text_chars must be an integer")
        try:
            return cls(**kwargs, source=source)
        except TypeError as exc:
            raise PolicyError(str(exc)) from exc

    @classmethod
    def from_file(cls, path: str | Path) -> Policy:
        """Load a JSON (``.json``) or TOML (anything else) policy file."""
        p = Path(path)
        try:
            raw = p.read_bytes()
        except OSError as exc:
            raise PolicyError(f"cannot read policy file {p}: {exc.strerror or exc}") from exc
        try:
            if p.suffix.lower() == ".json":
                data = json.loads(raw)
            else:
                data = tomllib.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise PolicyError(
                f"policy file {p} is not valid {'JSON' if p.suffix == '.json' else 'TOML'}: {exc}"
            ) from exc
        if not isinstance(data, dict):
            raise PolicyError(f"policy file {p} must hold an object/table at the top level")
        if "name" not in data:  # named by its file, labelled by its digest
            data = {**data, "name": p.name, "version": data.get("version", "")}
        policy = cls.from_dict(data, source=str(p))
        if (
            policy.name == DEFAULT_NAME
            and policy.canonical_json() != DEFAULT_POLICY.canonical_json()
        ):
            raise PolicyError(
                f"policy file {p}: the name {DEFAULT_NAME!r} is reserved for the built-in "
                "policy; give your rules their own name (or none: the file name is used)"
            )
        return policy

    def with_overrides(self, **kwargs: Any) -> Policy:
        return replace(self, **kwargs)

    # -- decisions -----------------------------------------------------------------------
    def license_allowed(self, spdx: str | None) -> bool:
        """Whether an SPDX id or simple expression is on the allowlist.

        ``A OR B`` (dual licensing) is allowed when either side is; ``A AND B`` when both are.
        """
        if not spdx:
            return False
        expr = spdx.strip().strip("()")
        if " OR " in expr:
            return any(self.license_allowed(part) for part in expr.split(" OR "))
        if " AND " in expr:
            return all(self.license_allowed(part) for part in expr.split(" AND "))
        return any(re.fullmatch(p, expr) for p in self.allow_licenses)

    def allow_rule(self, spdx: str | None) -> str | None:
        """Return the allowlist rule (``allow_licenses: <pattern>``) an allowed ``spdx`` matched.

        For an expression, the first side (``A OR B``, ``A AND B``) that a pattern matches,
        with the first such pattern; None when nothing matches. Only meaningful together with
        :meth:`license_allowed`, which says whether the whole expression passes.
        """
        if not spdx:
            return None
        for part in re.split(r" OR | AND ", spdx.strip().strip("()")):
            for pattern in self.allow_licenses:
                if re.fullmatch(pattern, part.strip()):
                    return f"allow_licenses: {pattern}"
        return None

    def decide(
        self,
        license: LicenseFinding | None,
        paywall: PaywallFinding | None,
        optout: OptoutFinding | None,
        extra_reasons: tuple[str, ...] = (),
    ) -> Decision:
        """Combine findings into a decision; every failing rule adds its reason.

        A missing finding (``None``: the detector crashed or never ran) excludes the page.
        When the licence passes, the decision names the allowlist rule that admitted it
        (``Decision.rule``, :meth:`allow_rule`), even if another rule excludes the page.
        """
        reasons: list[str] = list(extra_reasons)
        rule: str | None = None
        if license is None:
            reasons.append(Reason.DETECTOR_MISSING.with_arg("license"))
        elif license.spdx is None:
            reasons.append(
                Reason.LICENSE_PART_ONLY if license.scope == Scope.PART else Reason.NO_LICENSE
            )
        elif license.ambiguous and self.exclude_ambiguous:
            reasons.append(Reason.LICENSE_AMBIGUOUS.with_arg(license.spdx))
        elif license.scope is None or license.scope.value not in self.allow_scopes:
            reasons.append(Reason.LICENSE_SCOPE_NOT_ALLOWED.with_arg(license.scope))
        elif not self.license_allowed(license.spdx):
            reasons.append(Reason.LICENSE_NOT_ALLOWED.with_arg(license.spdx))
        else:
            rule = self.allow_rule(license.spdx)
        if paywall is None:
            reasons.append(Reason.DETECTOR_MISSING.with_arg("paywall"))
        elif paywall.paywalled and self.exclude_paywalled:
            reasons.append(Reason.PAYWALLED.with_arg(paywall.kind or "unknown"))
        if optout is None:
            reasons.append(Reason.DETECTOR_MISSING.with_arg("optout"))
        elif optout.reserved and self.exclude_optout:
            fired = [s.signal for s in optout.signals if s.reserved] or ["unknown"]
            reasons.extend(Reason.OPTOUT.with_arg(name) for name in dict.fromkeys(fired))
        return Decision(include=not reasons, reasons=tuple(reasons), policy=self.label, rule=rule)


DEFAULT_POLICY = Policy()


@lru_cache(maxsize=32)
def _digest(policy: Policy) -> str:
    """Return a policy's digest, computed once per policy.

    Every decision and manifest entry names the policy by it, and a frozen policy's canonical
    JSON cannot change; equal policies (``source`` aside, which the JSON leaves out) share it.
    """
    return "sha256:" + hashlib.sha256(policy.canonical_json().encode()).hexdigest()


def policy_label(name: str, version: str, digest: str) -> str:
    """Name a policy the one way used wherever it is shown (card, ``explain``, decisions).

    ``name@version``, or ``name@sha256:<12 hex>`` when the policy has no version (a file without
    ``name``/``version``): the digest then tells two such files apart.
    """
    return f"{name}@{version or digest[:LABEL_DIGEST_CHARS]}"
