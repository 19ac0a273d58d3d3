"""Reading IETF aipref usage preferences (``Content-Usage``) as RFC 9651 dictionaries.

draft-ietf-aipref-vocab-07 serialises preferences as a Structured Fields **Dictionary**
(RFC 9651 §3.2, parsed per §4.2.2) whose values must be the **Token** ``y`` (allow) or ``n``
(disallow). Anything else for a key is *unknown*, not an error: a String ``"n"``, a bare key
(Boolean true), ``no``. A dictionary that fails to parse (an uppercase key such as
``Train-AI=n``, stray characters) makes **every** preference unknown. Duplicate keys: the last
wins (RFC 9651 §4.2.2). Parameters are ignored.

http_sfv's ``Token`` subclasses ``str``, so ``"n" == Token("n")``: the type is tested, never the
text alone (RFC 9651 §3.3.4).

Training is addressed by ``train-ai`` (vocab -02 onward). Earlier drafts used other labels that
are still deployed; a ``n`` on one of them is read as a training reservation and the evidence
says which draft the label comes from (:data:`OLD_TRAINING_LABELS`). Combining (vocab
"Combining Preferences"): any ``n`` → disallowed; else any ``y`` → allowed; else unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

# Imported from their defining modules: the package re-exports them without ``__all__``, so
# ``http_sfv.Token`` is not an explicit export for a strict type checker.
from http_sfv.dictionary import Dictionary
from http_sfv.types import Token

TRAIN_AI = "train-ai"
#: Labels of earlier draft-ietf-aipref-vocab revisions whose ``n`` also refuses AI training.
OLD_TRAINING_LABELS: dict[str, str] = {
    "ai": "draft-ietf-aipref-vocab-01 label 'ai' (AI training)",
    "genai": "draft-ietf-aipref-vocab-01 label 'genai' (generative AI training)",
    "tdm": "draft-ietf-aipref-vocab-01 label 'tdm' (text and data mining, includes training)",
    "train-genai": "draft-ietf-aipref-vocab-02/-03 label 'train-genai' (generative AI training)",
    "bots": "draft-ietf-aipref-vocab-03/-04 label 'bots' (automated processing, includes training)",
}


@dataclass(frozen=True, slots=True)
class UsageReading:
    """What a usage-preference value says about AI training, and how it was read."""

    reserved: bool | None
    note: str
    prefs: tuple[tuple[str, str], ...] = ()


def _value_of(item: object) -> str:
    """``y``, ``n`` or ``unknown (<why>)`` for one dictionary member."""
    value = getattr(item, "value", item)
    if isinstance(value, Token):
        text = str(value)
        if text in ("y", "n"):
            return text
        return f"unknown (Token {text!r} is neither y nor n)"
    if isinstance(value, bool):
        return "unknown (bare key: Boolean, not the Token y or n)"
    if isinstance(value, str):
        return f"unknown (String {value!r}, not a Token)"
    return f"unknown ({type(value).__name__}, not a Token)"


def read_usage(value: str) -> UsageReading:
    """Read a ``Content-Usage`` value (header field value or robots.txt prefs); never raises."""
    text = (value or "").strip()
    if not text:
        return UsageReading(None, "no preferences stated")
    dictionary = Dictionary()
    try:
        dictionary.parse(text.encode("utf-8"))
    except Exception as exc:  # noqa: BLE001 - http_sfv raises ValueError; be total anyway
        return UsageReading(
            None,
            f"not a valid RFC 9651 dictionary ({exc or type(exc).__name__}): every preference "
            "is unknown (draft-ietf-aipref-vocab)",
        )
    prefs = tuple((str(k), _value_of(v)) for k, v in dictionary.items())
    found = dict(prefs)
    refusals: list[str] = []
    if found.get(TRAIN_AI) == "n":
        refusals.append("train-ai=n")
    for label, where in OLD_TRAINING_LABELS.items():
        if found.get(label) == "n":
            refusals.append(f"{label}=n, read as a training reservation ({where})")
    if refusals:
        return UsageReading(True, "AI training disallowed: " + "; ".join(refusals), prefs)
    if found.get(TRAIN_AI) == "y":
        return UsageReading(False, "train-ai=y: AI training allowed", prefs)
    if TRAIN_AI in found:
        return UsageReading(None, f"train-ai {found[TRAIN_AI]}", prefs)
    return UsageReading(None, "no train-ai preference", prefs)
