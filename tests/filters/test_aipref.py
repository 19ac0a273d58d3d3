"""IETF aipref drafts as implemented (draft-ietf-aipref-vocab-08, draft-ietf-aipref-attach-05).

Spec tables: vocab §5.4 processing (Token y/n, else unknown; a failed parse makes everything
unknown), §6.1 combining (any n, then any y, else unknown), the withdrawn labels read
conservatively with the mapping said in the note; attach-05 §3 robots.txt ``Content-Usage``
(longest path wins, identical paths combine most-restrictively) and §2 the header applying to
the response's own content.
"""

from __future__ import annotations

import pytest

from filters.aipref import (
    ATTACH_DRAFT,
    LEGACY_LABELS,
    VOCAB_DRAFT,
    combine,
    read_usage,
)
from filters.html import parse_page
from filters.optout import detect_optout
from filters.robots import robots_from_fetch
from filters.tokens import honored_tokens

T0 = "2026-12-04T00:00:00Z"


@pytest.mark.parametrize(
    ("value", "reserved", "train_ai", "search"),
    [
        ("train-ai=n", True, "n", "unknown"),
        ("train-ai=y, search=n", False, "y", "n"),
        ("search=n", None, "unknown", "n"),  # search never decides training (vocab §4.2)
        ("search=y", None, "unknown", "y"),
        ('train-ai=y, train-ai, search=n, search="n"', None, "unknown", "unknown"),  # §5.4.1
        ("train-ai;allow=n, train-ai=y", False, "y", "unknown"),  # §5.4.2 parameters ignored
        ("Train-AI=n", None, "unknown", "unknown"),  # uppercase key: parse fails, all unknown
    ],
)
def test_vocab_08_processing(value: str, reserved: bool | None, train_ai: str, search: str) -> None:
    reading = read_usage(value)
    assert reading.reserved is reserved
    assert reading.train_ai == train_ai
    assert reading.search == search


@pytest.mark.parametrize("label", sorted(LEGACY_LABELS))
def test_every_withdrawn_label_n_reserves_and_says_how_it_was_mapped(label: str) -> None:
    reading = read_usage(f"{label}=n")
    assert reading.reserved is True
    rev, title, _ = LEGACY_LABELS[label]
    assert f"{label}=n (withdrawn label of draft-ietf-aipref-{rev}, {title}" in reading.note
    assert VOCAB_DRAFT in reading.note


def test_withdrawn_labels_cover_the_issue_list() -> None:
    assert {"tdm", "ai", "genai", "train-genai", "ai-use", "ai-output", "bots", "inference"} <= set(
        LEGACY_LABELS
    )


@pytest.mark.parametrize("label", sorted(LEGACY_LABELS))
def test_a_withdrawn_label_y_is_never_permission(label: str) -> None:
    reading = read_usage(f"{label}=y")
    assert reading.reserved is None
    assert "not read as permission" in reading.note
    assert "unknown, which is not consent" in reading.note
    # and an n elsewhere in the statement still wins over train-ai=y (vocab §6.1)
    assert read_usage(f"train-ai=y, {label}=n").reserved is True


def test_combine_any_n_then_any_y_else_unknown() -> None:
    assert combine([None, False, True]) is True
    assert combine([None, False]) is False
    assert combine([None, None]) is None
    assert combine([]) is None


def test_notes_name_the_implemented_drafts() -> None:
    for value in ("train-ai=n", "train-ai=y", "search=y", ""):
        note = read_usage(value).note
        assert VOCAB_DRAFT in note
        assert ATTACH_DRAFT in note


def _robots_signal(text: str, path: str) -> tuple[bool | None, str]:
    policy = robots_from_fetch("https://h.example/robots.txt", 200, text.encode(), T0)
    (sig,) = (
        s
        for s in policy.optout_signals("https://h.example" + path, honored_tokens())
        if s.signal == "content-usage-robots"
    )
    return sig.reserved, " ".join(e.note for e in sig.evidence)


ATTACH_EXAMPLE = (
    "User-Agent: *\nAllow: /\nDisallow: /never/\nContent-Usage: train-ai=n\n"
    "Content-Usage: /ai-ok/ train-ai=y\n\nUser-Agent: ExampleBot\nAllow: /\n"
    "Content-Usage: train-ai=y\n"
)


@pytest.mark.parametrize(
    ("path", "reserved"),
    [("/test", True), ("/ai-ok/test", False)],  # attach-05 §3.4 example table
)
def test_attach_05_example(path: str, reserved: bool) -> None:
    got, note = _robots_signal(ATTACH_EXAMPLE, path)
    assert got is reserved
    assert VOCAB_DRAFT in note


def test_robots_identical_paths_combine_most_restrictively_with_a_withdrawn_label() -> None:
    text = "User-Agent: *\nContent-Usage: /a/ train-ai=y\nContent-Usage: /a/ ai-use=n\n"
    reserved, note = _robots_signal(text, "/a/x")
    assert reserved is True
    assert "ai-use=n (withdrawn label of draft-ietf-aipref-vocab-02" in note
    # a longer path still wins over a shorter one (longest match, attach-05 §3.1)
    text += "Content-Usage: /a/ok/ train-ai=y\n"
    assert _robots_signal(text, "/a/ok/x")[0] is False


def test_robots_path_length_counts_bytes_of_the_encoded_path() -> None:
    # attach-05 §3.1: "/*é" is "/*%C3%A9" (8 bytes), longer than "/ab" (3): its y decides,
    # where comparing characters (3 and 3) would have tied and combined to n.
    text = "User-Agent: *\nContent-Usage: /ab train-ai=n\nContent-Usage: /*é train-ai=y\n"
    assert _robots_signal(text, "/ab%C3%A9")[0] is False


def test_header_applies_to_the_response_and_y_does_not_cancel_another_reservation() -> None:
    page = parse_page(
        "https://h.example/a",
        {"Content-Usage": "train-ai=y", "TDM-Reservation": "1"},
        b"<html><body><p>text</p></body></html>",
    )
    finding = detect_optout(page, tokens=honored_tokens())
    assert finding.reserved is True  # y is not consent: the TDMRep reservation stands
    usage = next(s for s in finding.signals if s.signal == "content-usage-header")
    assert usage.reserved is False
    assert usage.evidence[0].note.startswith("applies to this response's content: train-ai=y")
    assert ATTACH_DRAFT in usage.evidence[0].note
