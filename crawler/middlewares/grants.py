"""Send an agreement's RSL licence token to its origin, and only there; never record it.

RSL 1.0's Open License Protocol has a crawler that obtained a licence token from a licence
server present it as ``Authorization: License <token>``. A grant (:mod:`filters.grants`) may
carry such a token for one origin. At priority 570 this middleware's ``process_request`` runs
for every request, including each hop of a redirect (Scrapy sends the new request through the
whole chain again) and the origin's policy files:

* a request to the grant's origin, while the grant is valid, gets the header;
* any other request carrying a ``License`` authorization (a redirect copied it, or a spider
  set it) has it removed: the token goes to that origin only.

The token is never logged (Scrapy logs request URLs, not headers; this module logs only the
grant id), and the WARC request record holds ``License [redacted sha256:<hex>]`` instead
(:func:`redact_authorization`, applied by :func:`crawler.middlewares.capture.request_headers`),
so an archive can be shared without the credential and still proves which token was sent.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured

from crawler.rightsconfig import load_grants

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

    from filters.grants import GrantSet

logger = logging.getLogger(__name__)

SCHEME = b"License "
AUTHORIZATION = b"Authorization"
#: ``request.meta`` key: the id of the grant whose token was sent (recorded, not the token).
META_GRANT = "clearcrawl_grant_token"


def redact_authorization(name: bytes, value: bytes) -> bytes:
    """Return ``value``, or ``License [redacted sha256:<hex>]`` for a licence token."""
    if name.lower() != AUTHORIZATION.lower() or not value.startswith(SCHEME):
        return value
    digest = hashlib.sha256(value[len(SCHEME) :].strip()).hexdigest()
    return SCHEME + f"[redacted sha256:{digest}]".encode()


class LicenseTokenMiddleware:
    """Downloader middleware (570): ``Authorization: License <token>`` to the grant's origin."""

    def __init__(self, crawler: Crawler, grants: GrantSet) -> None:
        self.stats = crawler.stats
        self.grants = grants

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LicenseTokenMiddleware:
        grants = load_grants(crawler.settings)  # ValueError (one line) stops the crawl
        if grants is None or not any(g.license_token for g in grants.grants):
            raise NotConfigured("no grant carries a licence token")
        return cls(crawler, grants)

    def process_request(self, request: Request, spider: Any = None) -> None:
        grant = self.grants.token_for(request.url, datetime.now(UTC))
        if grant is not None and grant.license_token:
            request.headers[AUTHORIZATION] = SCHEME + grant.license_token.encode()
            request.meta[META_GRANT] = grant.id
            self.stats.inc_value("clearcrawl/grants/token_sent")
            logger.debug("licence token of grant %s sent to %s", grant.id, request.url)
            return
        value = request.headers.get(AUTHORIZATION)
        if value is not None and bytes(value).startswith(SCHEME):
            del request.headers[AUTHORIZATION]
            request.meta.pop(META_GRANT, None)
            self.stats.inc_value("clearcrawl/grants/token_withheld")
