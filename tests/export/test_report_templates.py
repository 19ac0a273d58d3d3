""":func:`export.report.collect.template_lines` stores what :func:`template_line` stores per line.

The searches are made once per record's text instead of once per line; the stored lines (and
so ``report.html``) must not change, marks already in the text and values that only appear
once an earlier value was replaced included.
"""

from __future__ import annotations

import pytest

from export.report.collect import MARKS, TEMPLATED, expand_line, template_line, template_lines

VALUES = [
    "https://a.example/x.html",
    "row-1",
    "<urn:uuid:1>",
    "",
    "offset 120",
    "offset 9",
    "sha1:ABC",
    "0123456789abcdef",
    "Tide pools (CC BY 4.0)",
]

TEXTS = [
    "https://a.example/x.html was exported\nrow row-1 at offset 120\n\nplain line\n",
    "nothing of the record here\nnor here",
    f"a line holding a mark {MARKS[0]} stays as it is\nhttps://a.example/x.html",
    f"{TEMPLATED}starts like a stored line\nrow-1",
    "offset 9 and offset 120 and sha1:ABC; attribution: Tide pools (CC BY 4.0)\n\n",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_same_lines_as_line_by_line(text: str) -> None:
    expected = [template_line(x, VALUES) for x in text.rstrip("\n").split("\n")]
    assert template_lines(text, VALUES) == expected
    for stored, line in zip(expected, text.rstrip("\n").split("\n"), strict=True):
        if not line.startswith(TEMPLATED):  # explain never prints such a line
            assert expand_line(stored, VALUES) == line


def test_value_made_by_an_earlier_replacement() -> None:
    # the second value holds a mark: it can only match once the first was replaced
    values = ["ab", f"a{MARKS[0]}b"]
    text = "xaabby\nother"
    expected = [template_line(x, values) for x in text.split("\n")]
    assert template_lines(text, values) == expected
    assert expected[0] == f"{TEMPLATED}xa{MARKS[0]}by".replace(f"a{MARKS[0]}b", MARKS[1])
