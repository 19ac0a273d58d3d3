"""Vocabularies for paywall detection: vendor markers, content-tier values, wall prompts.

Sources: Google's paywalled-content structured data (developers.google.com/search), Open
Graph ``article:content_tier``, vendor script hosts), read to *detect and exclude* walls, never
to get around them. Vendor markers are weak evidence (loaded on free articles too) and are only
ever recorded, never decisive on their own.
"""

from __future__ import annotations

import re

#: Script hosts and inline markers of paywall vendors → vendor name.
VENDOR_HOSTS: dict[str, str] = {
    "tinypass.com": "Piano",
    "piano.io": "Piano",
    "zephr.com": "Zephr",
    "steadyhq.com": "Steady",
    "laterpay.net": "LaterPay",
    "poool.fr": "Poool",
    "pelcro.com": "Pelcro",
    "plenigo.com": "Plenigo",
    "memberful.com": "Memberful",
}
VENDOR_INLINE: dict[str, str] = {
    'tp.push(["setAid"': "Piano",
    "tp.push(['setAid'": "Piano",
    "window.Zephr": "Zephr",
    "zephrEnabled": "Zephr",
    "poool('init'": "Poool",
    'poool("init"': "Poool",
    "window.Pelcro": "Pelcro",
    "getPlenigoUrl": "Plenigo",
    "leaky_paywall": "Leaky Paywall",
}

#: ``article:content_tier`` (and look-alikes) → wall kind; "" means declared free.
TIER_KINDS: dict[str, str] = {
    "free": "",
    "locked": "hard",
    "premium": "hard",
    "paid": "hard",
    "subscriber": "hard",
    "subscription": "hard",
    "metered": "metered",
    "registration": "registration",
    "registered": "registration",
    "register": "registration",
}
TIER_KEYS = (
    "article:content_tier",
    "og:article:content_tier",
    "article_content_tier",
    "content_tier",
)
#: Access-level meta tags other than the content tier: Dow Jones' ``article.access`` ("paid",
#: "free"), the ``access`` tag scholarly platforms write ("Yes"/"No": may this visitor read the
#: full text), and their spellings. Values not listed in :data:`ACCESS_KINDS` are not read.
ACCESS_KEYS = (
    "article.access",
    "article:access",
    "article_access",
    "og:article:access",
    "access",
    "access-level",
    "access_level",
    "accesslevel",
    "content-access",
    "content_access",
)
#: Access-level value → wall kind; "" means declared free.
ACCESS_KINDS: dict[str, str] = {
    **TIER_KINDS,
    "yes": "",
    "open": "",
    "public": "",
    "true": "",
    "no": "hard",
    "false": "hard",
    "closed": "hard",
    "restricted": "hard",
    "subscribers": "hard",
    "members": "hard",
    "member": "hard",
    "pay": "hard",
}
#: Offers to buy a scholarly article: on an article landing page (``citation_*``/``prism.*``/
#: ``dc.identifier`` metadata) that declares no access, they show an abstract-only page of a
#: subscription article. Institutional-access offers are quoted as evidence but never decide
#: (free pages of subscription publishers show them too).
PURCHASE_OFFER = re.compile(
    r"purchase\s+(?:the\s+|this\s+)?(?:pdf|article|chapter)|buy\s+(?:the\s+|this\s+)?(?:article|pdf|chapter)"
    r"|purchase\s+(?:instant\s+|short[\s-]term\s+|online\s+)?access|rent\s+(?:this|the)\s+article"
    r"|pay[\s-]+per[\s-]+view|get\s+full\s+access\s+to\s+this\s+(?:article|chapter)",
    re.IGNORECASE,
)
INSTITUTION_OFFER = re.compile(
    r"access\s+(?:through|via)\s+your\s+(?:institution|organi[sz]ation|library)"
    r"|institutional\s+subscriptions?|subscribe\s+to\s+(?:this\s+)?journal",
    re.IGNORECASE,
)
#: Metadata keys of a scholarly article landing page (Highwire Press ``citation_*``, PRISM).
SCHOLARLY_META = re.compile(r"^(?:citation_(?:title|doi|journal_title)|prism\.doi|dc\.identifier)$")

#: Prompts shown where a walled article is cut off (subscription) …
SUBSCRIBE_PROMPT = re.compile(
    r"subscribe\s+(?:now\s+)?to\s+(?:continue|keep)\s+reading|to\s+continue\s+reading,?\s+(?:please\s+)?subscribe"
    r"|this\s+(?:article|story|content)\s+is\s+(?:only\s+)?(?:available\s+)?(?:for|to)\s+(?:paying\s+)?subscribers"
    r"|exclusive(?:ly)?\s+(?:for|to)\s+subscribers|subscriber[-\s]only\s+(?:article|content|story)"
    r"|already\s+a\s+subscriber\?"
    r"|(?:jetzt\s+)?weiterlesen\s+mit\s+\S+|(?:dieser\s+artikel|der\s+vollst[äa]ndige\s+artikel)\s+ist\s+(?:nur\s+)?(?:exklusiv\s+)?f[üu]r\s+abonnent"
    r"|exklusiv\s+f[üu]r\s+abonnent|artikel\s+freischalten|lesen\s+sie\s+(?:jetzt\s+)?weiter\s+mit"
    r"|r[ée]serv[ée]e?\s+aux\s+abonn[ée]s|la\s+suite\s+(?:de\s+cet\s+article\s+)?est\s+r[ée]serv[ée]e"
    r"|pour\s+lire\s+la\s+suite|abonnez-vous\s+pour\s+(?:lire|continuer)"
    r"|(?:contenido|art[íi]culo)\s+exclusivo\s+para\s+suscriptores|suscr[íi]bete\s+para\s+(?:seguir|continuar)\s+leyendo"
    r"|riservat[oa]\s+agli\s+abbonati|per\s+continuare\s+a\s+leggere|abbonati\s+per\s+(?:leggere|continuare)"
    r"|alleen\s+voor\s+abonnees|word\s+abonnee\s+om\s+(?:verder\s+)?te\s+lezen|lees\s+verder\s+met",
    re.IGNORECASE,
)
#: … and registration walls.
REGISTER_PROMPT = re.compile(
    r"(?:register|sign\s+up)\s+(?:for\s+free\s+)?to\s+(?:continue|keep)\s+reading"
    r"|create\s+a\s+free\s+account\s+to\s+(?:continue|read)|(?:log|sign)\s+in\s+to\s+(?:continue|keep)\s+reading"
    r"|kostenlos\s+registrieren(?:\s+und\s+weiterlesen)?|registrieren\s+sie\s+sich\s+(?:kostenlos\s+)?,?\s*um\s+weiterzulesen"
    r"|inscrivez-vous\s+gratuitement\s+pour|reg[íi]strate\s+(?:gratis\s+)?para\s+(?:seguir|continuar)"
    r"|registrati\s+(?:gratuitamente\s+)?per\s+continuare|registreer\s+(?:gratis\s+)?om\s+verder\s+te\s+lezen",
    re.IGNORECASE,
)

#: Cheap substring pre-check (lower case) before the prompt expressions run.
PROMPT_HINTS = (
    "subscri",
    "abonn",
    "weiterlesen",
    "weiter mit",
    "freischalten",
    "regist",
    "sign in",
    "log in",
    "sign up",
    "suscr",
    "abbona",
    "lire la suite",
    "lees verder",
    "continuare",
    "continue reading",
    "keep reading",
    "inscrivez",
)

#: Class names that mark the article body itself as locked (not merely a paywall widget).
LOCKED_CLASS = re.compile(
    r"(?:^|[-_])(?:locked|paywalled|content-locked|is-locked|access-restricted|restricted-access"
    r"|content-restricted|members-only|subscribers?-only)(?:$|[-_])",
    re.IGNORECASE,
)
#: Cheap substring pre-check for :data:`LOCKED_CLASS` before any XPath runs.
LOCKED_HINTS = ("ocked", "OCKED", "aywalled", "estricted", "embers-only", "ubscriber")
#: Class/id names of article-body containers.
BODY_CLASS = re.compile(
    r"content-body|article-body|articlebody|article__body|post-content|entry-content|story-body"
    r"|article-content|content-full-body|post-body",
    re.IGNORECASE,
)

#: Below this many characters of paragraph text an article counts as a teaser.
TEASER_MAX_CHARS = 1500

__all__ = [
    "ACCESS_KEYS",
    "ACCESS_KINDS",
    "BODY_CLASS",
    "INSTITUTION_OFFER",
    "LOCKED_CLASS",
    "LOCKED_HINTS",
    "PROMPT_HINTS",
    "PURCHASE_OFFER",
    "REGISTER_PROMPT",
    "SCHOLARLY_META",
    "SUBSCRIBE_PROMPT",
    "TEASER_MAX_CHARS",
    "TIER_KEYS",
    "TIER_KINDS",
    "VENDOR_HOSTS",
    "VENDOR_INLINE",
]
