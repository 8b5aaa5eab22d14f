"""The report's printing done a column or a batch at a time gives what the one-at-a-time forms give."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from arb.text import safe, safe_each

_PIECES = st.sampled_from(["\x1b", "\r", "\n", "\t", "\x9b", "\u202e", "\u200b", "\udcff", "中文", "é", "a", "-", " "])
TEXTS = st.lists(st.lists(st.one_of(_PIECES, st.characters()), max_size=8).map("".join), max_size=12)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_safe_each_is_safe_of_each(texts: list[str]) -> None:
    assert safe_each(texts) == [safe(t) for t in texts]


def test_safe_each_escapes_the_one_bad_text_among_good_ones() -> None:
    assert safe_each(["ok", "bad\x1b[2J", "中文"]) == ["ok", "bad\\x1b[2J", "中文"]
    assert safe_each(iter(["a", "b"])) == ["a", "b"]
    assert safe_each([]) == []
