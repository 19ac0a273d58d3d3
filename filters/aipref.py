"""Reading IETF aipref usage preferences (``Content-Usage``) as RFC 9651 dictionaries.

Implemented drafts: **draft-ietf-aipref-vocab-08** (vocabulary, serialisation, processing,
combining) and **draft-ietf-aipref-attach-05** (the ``Content-Usage`` HTTP field and
robots.txt rule). :data:`VOCAB_DRAFT` and :data:`ATTACH_DRAFT` name them in every note, so the
manifest's signal evidence says which revision a preference was read under.

Vocabulary (vocab-08 §4, labels §5.1): two categories, ``train-ai`` ("AI Model Training") and
``search``. clearcrawl collects text for AI training, so ``train-ai`` decides; ``search`` is read
and recorded but never decides (allowing search only allows models used *exclusively* for
search, vocab §4.2; refusing it says nothing about training).

Serialisation and processing (vocab §5, §5.4): a Structured Fields **Dictionary** (RFC 9651
§3.2, parsed per §4.2.2) whose values must be the **Token** ``y`` (allow) or ``n``
(disallow). Anything else for a key is *unknown*, not an error: a String ``"n"``, a bare key
(Boolean true), ``no``. A dictionary that fails to parse (an uppercase key such as
``Train-AI=n``, stray characters) makes **every** preference unknown. Duplicate keys: the last
wins (RFC 9651 §4.2.2). Parameters are ignored. http_sfv's ``Token`` subclasses ``str``, so
``"n" == Token("n")``: the type is tested, never the text alone (RFC 9651 §3.3.4).

**Withdrawn labels** (:data:`LEGACY_LABELS`). Earlier revisions defined other labels, removed
since; sites still publish them. Each is mapped explicitly and conservatively, and the note says
so: an ``n`` on any of them is read as a training reservation (for labels whose category
contains AI training — ``tdm``, ``ai``, ``all``, ``bots`` — or is a kind of it — ``genai``,
``train-genai`` — because that is what they said; for the inference-time labels ``inference``,
``ai-use``, ``ai-output`` because a dataset's downstream use is not known to clearcrawl and a
refusal of AI use is not taken lightly). A ``y`` on a withdrawn label is never read as
permission: it is recorded as unknown for training.

Combining (vocab §6.1 "Combining Preferences"), within one statement and across statements
(:func:`combine`): any ``n`` → disallowed; else any ``y`` → allowed; else unknown. Unknown is
**not consent**: under the default policy a page is admitted on its licence, never on an
absence of preference, and an ``y`` never cancels another channel's reservation
(:mod:`filters.optout.page`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Imported from their defining modules: the package re-exports them without ``__all__``, so
# ``http_sfv.Token`` is not an explicit export for a strict type checker.
from http_sfv.dictionary import Dictionary
from http_sfv.types import Token

VOCAB_DRAFT = "draft-ietf-aipref-vocab-08"
ATTACH_DRAFT = "draft-ietf-aipref-attach-05"

TRAIN_AI = "train-ai"
SEARCH = "search"
#: The labels of the current vocabulary (vocab-08 §5.1).
CURRENT_LABELS = (TRAIN_AI, SEARCH)

#: Withdrawn labels → (revisions that defined them, what their category was, why an ``n`` on
#: it is read as a training reservation). Tag dates: ietf-wg-aipref/drafts.
LEGACY_LABELS: dict[str, tuple[str, str, str]] = {
    "tdm": ("vocab-01", "Text and Data Mining", "contains AI training"),
    "ai": ("vocab-01", "AI Training", "is AI training"),
    "genai": ("vocab-01", "Generative AI Training", "is a kind of AI training"),
    "inference": (
        "vocab-01",
        "AI Inference",
        "is AI use other than training; read as a reservation (conservative)",
    ),
    "all": ("vocab-02", "Automated Processing", "contains AI training"),
    "train-genai": ("vocab-02/-03", "Generative AI Training", "is a kind of AI training"),
    "ai-use": (
        "vocab-02",
        "AI Use",
        "is AI use other than training; read as a reservation (conservative)",
    ),
    "bots": ("vocab-03/-04", "Automated Processing", "contains AI training"),
    "ai-output": (
        "vocab-04",
        "AI Output",
        "is AI use other than training; read as a reservation (conservative)",
    ),
}
#: Kept for callers of the earlier name: the withdrawn labels whose ``n`` refuses training.
OLD_TRAINING_LABELS: dict[str, str] = {
    label: f"draft-ietf-aipref-{rev} label {label!r} ({title})"
    for label, (rev, title, _) in LEGACY_LABELS.items()
}

ALLOWED = "y"
DISALLOWED = "n"
UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class UsageReading:
    """What a usage-preference value says about AI training, and how it was read.

    ``reserved``: ``True`` (training disallowed), ``False`` (``train-ai=y``), ``None``
    (unknown). ``train_ai`` / ``search`` are the current vocabulary's values (``y``, ``n``,
    ``unknown``) as this one statement states them; ``prefs`` every member as read.
    """

    reserved: bool | None
    note: str
    prefs: tuple[tuple[str, str], ...] = ()
    train_ai: str = UNKNOWN
    search: str = UNKNOWN


def _value_of(item: object) -> str:
    """``y``, ``n`` or ``unknown (<why>)`` for one dictionary member (vocab §5.4)."""
    value = getattr(item, "value", item)
    if isinstance(value, Token):
        text = str(value)
        if text in (ALLOWED, DISALLOWED):
            return text
        return f"unknown (Token {text!r} is neither y nor n)"
    if isinstance(value, bool):
        return "unknown (bare key: Boolean, not the Token y or n)"
    if isinstance(value, str):
        return f"unknown (String {value!r}, not a Token)"
    return f"unknown ({type(value).__name__}, not a Token)"


def _drafts() -> str:
    return f"{VOCAB_DRAFT}, {ATTACH_DRAFT}"


def read_usage(value: str) -> UsageReading:
    """Read a ``Content-Usage`` value (header field value or robots.txt prefs); never raises."""
    text = (value or "").strip()
    if not text:
        return UsageReading(None, f"no preferences stated; unknown is not consent ({_drafts()})")
    dictionary = Dictionary()
    try:
        dictionary.parse(text.encode("utf-8"))
    except Exception as exc:  # noqa: BLE001 - http_sfv raises ValueError; be total anyway
        return UsageReading(
            None,
            f"not a valid RFC 9651 dictionary ({exc or type(exc).__name__}): every preference "
            f"is unknown ({VOCAB_DRAFT} §5.4); unknown is not consent",
        )
    prefs = tuple((str(k), _value_of(v)) for k, v in dictionary.items())
    found = dict(prefs)
    train = found.get(TRAIN_AI, UNKNOWN)
    search = found.get(SEARCH, UNKNOWN)
    train_ai = train if train in (ALLOWED, DISALLOWED) else UNKNOWN
    search_v = search if search in (ALLOWED, DISALLOWED) else UNKNOWN
    refusals: list[str] = []
    ignored: list[str] = []
    if train_ai == DISALLOWED:
        refusals.append("train-ai=n")
    for label, (rev, title, why) in LEGACY_LABELS.items():
        got = found.get(label)
        if got == DISALLOWED:
            refusals.append(
                f"{label}=n (withdrawn label of draft-ietf-aipref-{rev}, {title}: {why})"
            )
        elif got is not None:
            ignored.append(
                f"{label}={got.split(' ', 1)[0]} (withdrawn label of draft-ietf-aipref-{rev}: "
                "not read as permission)"
            )
    tail = f"; search={search_v} (recorded, does not decide training)" if SEARCH in found else ""
    if ignored:
        tail += "; " + "; ".join(ignored)
    tail += f" ({_drafts()})"
    if refusals:
        note = "AI training disallowed: " + "; ".join(refusals) + tail
        return UsageReading(True, note, prefs, DISALLOWED, search_v)
    if train_ai == ALLOWED:
        return UsageReading(
            False, "train-ai=y: AI training allowed" + tail, prefs, ALLOWED, search_v
        )
    if TRAIN_AI in found:
        note = f"train-ai {train}: unknown, which is not consent" + tail
    else:
        note = "no train-ai preference: unknown, which is not consent" + tail
    return UsageReading(None, note, prefs, UNKNOWN, search_v)


def combine(readings: Iterable[bool | None]) -> bool | None:
    """Combine statements for one category (vocab §6.1): any ``n`` wins, then any ``y``.

    ``True`` is a reservation (``n``), ``False`` a permission (``y``), ``None`` unknown.
    """
    seen = list(readings)
    if any(r is True for r in seen):
        return True
    if any(r is False for r in seen):
        return False
    return None
