"""Check the crawl's settings before any component starts, and settle the User-Agent.

Called from :class:`crawler.addon.ClearcrawlAddon` (so ``clearcrawl crawl`` and ``scrapy crawl
site`` both pass through it). Every problem is a ``ValueError`` whose message is one line naming
the setting; the CLI turns it into ``clearcrawl: error: ...`` and exit code 2 (README,
"bad input gives a one-line error and exit code 2"). Why each check exists (issue 11, item 13):

* a typed ``CLEARCRAWL_*`` setting that does not parse (``CLEARCRAWL_WARC_MAX_BYTES=abc``) used
  to surface as a bare ``int()`` message from deep inside a component;
* a misspelled ``CLEARCRAWL_*`` name was accepted silently, so the setting the operator meant
  kept its default: every ``CLEARCRAWL_*`` name must be one defined in :mod:`crawler.settings`
  (the closest known name is suggested, :func:`difflib.get_close_matches`);
* ``CONCURRENT_REQUESTS(_PER_DOMAIN)=0`` makes Scrapy's downloader never send a request, so the
  crawl hung forever.

The User-Agent (issue 11, item 4): unless the operator set ``USER_AGENT`` explicitly, it is
``clearcrawl/VERSION (+CLEARCRAWL_CONTACT)``, computed here from the contact in force, so the
contact the warcinfo records is the one site owners see in their logs. A contact left at the
project default is warned about once.
"""

from __future__ import annotations

import difflib
import logging
import re
from types import ModuleType
from typing import TYPE_CHECKING, Any

from crawler import __version__
from filters.rsl import rsl_context

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

#: Settings whose default is a whole number but which are read as seconds (floats).
FLOAT_SETTINGS = frozenset(
    {
        "CLEARCRAWL_ROBOTS_CACHE_SECONDS",
        "CLEARCRAWL_WARC_HOLD_SECONDS",
        "CLEARCRAWL_S3_RETRY_SECONDS",
        "CLEARCRAWL_S3_CLOSE_TIMEOUT",
        "CLEARCRAWL_CRAWL_DELAY_MAX",
    }
)
#: Settings whose default is ``None`` and whose value, when set, is text.
TEXT_SETTINGS = frozenset(
    {
        "CLEARCRAWL_POLICY_FILE",
        "CLEARCRAWL_OUTPUT_DIR",
        "CLEARCRAWL_WARC_STORE",
        "CLEARCRAWL_S3_ENDPOINT_URL",
        "CLEARCRAWL_S3_REGION",
    }
)
#: Scrapy settings that must be a whole number of at least this much (0 hangs the downloader).
CONCURRENCY_MINIMUM = {
    "CONCURRENT_REQUESTS": 1,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
    "CONCURRENT_ITEMS": 1,
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: The ``+URL`` or address in a User-Agent comment (as crawler.extensions.warc reads it).
_UA_CONTACT = re.compile(r"\(\+?([^);\s]+@[^);\s]+|https?://[^);\s]+)")


def _defaults() -> ModuleType:
    import crawler.settings

    return crawler.settings


def known_settings() -> dict[str, Any]:
    """Every ``CLEARCRAWL_*`` setting defined in :mod:`crawler.settings`, with its default."""
    mod = _defaults()
    return {k: getattr(mod, k) for k in dir(mod) if k.startswith("CLEARCRAWL_")}


def default_user_agent(contact: str) -> str:
    """Return the User-Agent clearcrawl sends: ``clearcrawl/VERSION (+CONTACT)``."""
    return f"clearcrawl/{__version__} (+{contact})"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_type(settings: BaseSettings, name: str, default: Any) -> None:
    value = settings.get(name)
    if value is None:
        return
    what = "of the type of its default"
    try:
        if isinstance(default, bool):
            what = "true or false"
            settings.getbool(name)
        elif name in FLOAT_SETTINGS or isinstance(default, float):
            what = "a number"
            if isinstance(value, bool):
                raise TypeError
            settings.getfloat(name)
        elif isinstance(default, int):
            what = "a whole number"
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            settings.getint(name)
        elif isinstance(default, str) or name in TEXT_SETTINGS:
            what = "text"
            if not isinstance(value, str):
                raise TypeError
        else:
            return  # lists and other shapes are validated by the component that reads them
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be {what}, got {_shown(value)}") from None


def check_settings(settings: BaseSettings) -> None:
    """Raise ``ValueError`` (one line, naming the setting) for the first bad setting."""
    known = known_settings()
    for name in sorted(k for k in settings.attributes if k.startswith("CLEARCRAWL_")):
        if name not in known:
            # Compared without the shared prefix, which would make every name look close.
            tails = {k.removeprefix("CLEARCRAWL_"): k for k in known}
            tail = name.removeprefix("CLEARCRAWL_")
            close = difflib.get_close_matches(tail, list(tails), n=1, cutoff=0.6)
            hint = f" (did you mean {tails[close[0]]}?)" if close else ""
            raise ValueError(
                f"unknown setting {name}{hint}; every CLEARCRAWL_* setting is defined in "
                "crawler/settings.py"
            )
        _check_type(settings, name, known[name])
    for name, minimum in CONCURRENCY_MINIMUM.items():
        value = settings.get(name)
        try:
            n = settings.getint(name)
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a whole number, got {_shown(value)}") from None
        if n < minimum:
            raise ValueError(
                f"{name} must be at least {minimum}, got {n} (the crawl would never send a "
                "request, or never process one)"
            )
    # RSL 1.0 §3.4.1 user type and regions: a value nobody can have meant must stop the crawl.
    rsl_context(settings.get("CLEARCRAWL_RSL_USER"), settings.get("CLEARCRAWL_RSL_GEO"))


def settle_user_agent(settings: BaseSettings) -> None:
    """Put ``CLEARCRAWL_CONTACT`` into ``USER_AGENT`` unless the operator set one explicitly.

    ``USER_AGENT`` counts as explicit when its value differs from the default computed in
    :mod:`crawler.settings`. An explicit User-Agent that carries a ``+URL`` or address while
    ``CLEARCRAWL_CONTACT`` is left at its default lends that contact to the warcinfo's
    ``operator`` field. Warns once (a log line) when the contact is the project default.
    """
    mod = _defaults()
    project_contact: str = mod.CLEARCRAWL_CONTACT
    contact = settings.get("CLEARCRAWL_CONTACT")
    if not isinstance(contact, str) or not contact.strip() or _CONTROL.search(contact):
        raise ValueError(
            f"CLEARCRAWL_CONTACT must be a URL or e-mail address site owners can reach you at, "
            f"got {_shown(contact)}"
        )
    contact = contact.strip()
    user_agent = settings.get("USER_AGENT")
    if isinstance(user_agent, str) and _CONTROL.search(user_agent):
        raise ValueError(f"USER_AGENT must be one line of text, got {_shown(user_agent)}")
    explicit = user_agent != mod.USER_AGENT
    if not explicit:
        settings.set(
            "USER_AGENT",
            default_user_agent(contact),
            priority=max(settings.getpriority("USER_AGENT") or 0, 20),
        )
    elif contact == project_contact:
        m = _UA_CONTACT.search(str(user_agent or ""))
        own = m.group(1) if m else ""
        if own:
            settings.set(
                "CLEARCRAWL_CONTACT",
                own,
                priority=max(settings.getpriority("CLEARCRAWL_CONTACT") or 0, 20),
            )
            contact = own
    if contact == project_contact:
        logger.warning(
            "CLEARCRAWL_CONTACT is the project default (%s): site owners cannot reach you; "
            "set -s CLEARCRAWL_CONTACT=mailto:you@example.org (or a URL about your crawl)",
            project_contact,
        )
