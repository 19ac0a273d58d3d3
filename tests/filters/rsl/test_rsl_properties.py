"""Properties of the RSL reader: total on any input, and never more permissive than the spec."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from filters.rsl import Verdict, evaluate_rsl, parse_rsl

NS = 'xmlns="https://rslstandard.org/rsl"'
TOKENS = st.sampled_from(
    ["all", "ai-all", "ai-train", "train-ai", "ai-input", "ai-index", "search", "tdm", "xyz"]
)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2048))
def test_parse_never_raises_on_bytes(data: bytes) -> None:
    parsed = parse_rsl(data, "https://h.example/l.xml")
    assert (parsed.document is None) == bool(parsed.error)


@settings(max_examples=200, deadline=None)
@given(
    permits=st.lists(TOKENS, max_size=3),
    prohibits=st.lists(TOKENS, max_size=3),
    path=st.text(alphabet="/ab*$?.", max_size=12),
)
def test_a_prohibition_of_training_is_never_read_as_permission(
    permits: list[str], prohibits: list[str], path: str
) -> None:
    inner = f'<permits type="usage">{" ".join(permits)}</permits>' if permits else ""
    inner += f'<prohibits type="usage">{" ".join(prohibits)}</prohibits>' if prohibits else ""
    doc = parse_rsl(
        f'<rsl {NS}><content url="/"><license>{inner}</license></content></rsl>', "l"
    ).document
    assert doc is not None
    out = evaluate_rsl(doc, "https://h.example/" + path.lstrip("/"))
    banned = {"all", "ai-all", "ai-train", "train-ai", "tdm", "xyz"} & set(prohibits)
    granted = {"all", "ai-all", "ai-train", "train-ai"} & set(permits)
    if banned or (permits and not granted):
        assert out.verdict == Verdict.PROHIBITED
    else:
        assert out.verdict == Verdict.PERMITTED
