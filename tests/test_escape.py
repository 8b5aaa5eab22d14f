"""The escape door for printed input text (arb.text.safe, arb.text.json_text)."""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arb.text import UNSAFE, json_text, safe, safe_lines

# Text rich with what an attacker would write: control characters, C1, bidi overrides,
# separators, lone surrogates, backslashes and rich markup, among ordinary letters.
_NASTY = st.sampled_from(
    [
        *("\x1b", "\x07", "\r", "\n", "\t", "\x00", "\x7f", "\x9b", "\x9d", "\u202e", "\u2066", "\u2028", "\udcff"),
        *("\\", "\u200b", "\xad", "\ufeff", "\U000e0041"),
    ]
)
_WORDS = st.sampled_from(["[/]", "[red]", "x1b", "u009b", "]0;PWNED", "[2J", "中文", "é", " ", "n", "A"])
TEXT = st.lists(st.one_of(_NASTY, _WORDS, st.characters()), max_size=30).map("".join)

_DECODE = re.compile(r"\\(?:n|r|t|x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8})")


def _decode(text: str) -> str:
    """Read the escapes safe() writes back as characters (a backslash before anything else stays)."""

    def one(m: re.Match[str]) -> str:
        code = m.group()[1:]
        return {"n": "\n", "r": "\r", "t": "\t"}.get(code) or chr(int(code[1:], 16))

    return _DECODE.sub(one, text)


def test_the_sequences_from_the_issue_are_written_out() -> None:
    assert safe("SMALL\x1b[2J\x1b[H") == "SMALL\\x1b[2J\\x1b[H"
    assert safe("USD\x1b]0;PWNED\x1b\\") == "USD\\x1b]0;PWNED\\x1b\\"
    link = "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\"
    assert "\x1b" not in safe(link) and "https://evil.example" in safe(link)
    assert safe("cash-deal\r\n") == "cash-deal\\r\\n"
    assert safe("bell\x07 del\x7f csi\x9b") == "bell\\x07 del\\x7f csi\\u009b"
    assert safe("abc\u202edcba") == "abc\\u202edcba"


def test_ordinary_text_and_markup_are_kept() -> None:
    for text in ("BIGCO[/]", "[red]x[red].toml", "v[/]b", "中国光大控股", "Société Générale", "C:\\deals", ""):
        assert safe(text) == text


def test_non_strings_are_formatted_first() -> None:
    from pathlib import Path

    assert safe(Path("a\x1bb")) == "a\\x1bb"
    assert safe(12.5) == "12.5"


@settings(max_examples=150, deadline=None)
@given(TEXT)
def test_safe_leaves_no_control_character_and_one_line(text: str) -> None:
    shown = safe(text)
    assert not UNSAFE.search(shown)
    assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in shown)
    assert "\n" not in shown and "\r" not in shown
    assert shown.encode("utf-8").decode("utf-8") == shown  # a lone surrogate would raise
    assert safe(shown) == shown  # idempotent: escaping at two layers never doubles up


@settings(max_examples=100, deadline=None)
@given(TEXT, TEXT)
def test_safe_hides_no_difference(a: str, b: str) -> None:
    # Read back, the shown text means exactly what the input meant: safe() only ever confuses a
    # control character with its own escape spelled out, never two different texts.
    assert _decode(safe(a)) == _decode(a)
    if "\\" not in a:
        assert _decode(safe(a)) == a
    if safe(a) == safe(b):
        assert _decode(a) == _decode(b)


@settings(max_examples=60, deadline=None)
@given(st.recursive(st.one_of(TEXT, st.integers(), st.none()), lambda kids: st.lists(kids, max_size=4), max_leaves=10))
def test_json_text_is_exact_and_printable(data: object) -> None:
    text = json_text({"value": data, "name": "中文"})
    assert json.loads(text) == {"value": data, "name": "中文"}
    assert not UNSAFE.search(text.replace("\n", ""))
    assert "中文" in text  # readable, not \u-escaped


def test_safe_lines_keeps_the_line_breaks_only() -> None:
    assert safe_lines("a\x1b[2J\nb\r\n\tc") == "a\\x1b[2J\nb\\r\n\\tc"
    assert safe_lines("plain\ntext") == "plain\ntext"


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(TEXT, st.sampled_from(["\t", "\x85", "\u202e", "\u2028", "\x9b"])), max_size=4))
def test_a_printed_toml_draft_parses_to_the_same_values(values: list[str]) -> None:
    # arb extract prints its drafts through safe_lines: a draft that parses must parse to the
    # same values after it (tab and C1/bidi escapes mean the same inside a TOML basic string).
    from arb.extract.render import toml_string

    doc = "".join(f"k{i} = {toml_string(v)}  # {v.replace(chr(10), ' ')[:20]}\n" for i, v in enumerate(values))
    if any("\ud800" <= c <= "\udfff" for c in doc):
        return  # a lone surrogate cannot be written as UTF-8 at all, so no draft holds one
    try:
        parsed = tomllib.loads(doc)
    except tomllib.TOMLDecodeError:
        return  # not a valid draft to begin with (a comment with a control character): not this test's concern
    shown = safe_lines(doc)
    assert not UNSAFE.search(shown.replace("\n", ""))
    assert tomllib.loads(shown) == parsed


def test_every_control_format_and_separator_character_is_escaped() -> None:
    # Checked against the running Python's Unicode tables, so a newer Unicode with new format
    # characters fails here rather than letting them through.
    missed = [
        f"U+{code:04X}"
        for code in range(0x110000)
        if unicodedata.category(chr(code)) in ("Cc", "Cf", "Cs", "Zl", "Zp") and not UNSAFE.fullmatch(chr(code))
    ]
    assert missed == []
    assert safe("ac\u200bme") == "ac\\u200bme" != safe("acme")  # a zero-width space cannot hide
    assert safe("flag\U000e0041") == "flag\\U000e0041"
    assert json.loads(json_text("flag\U000e0041")) == "flag\U000e0041"
    assert "\\udb40\\udc41" in json_text("flag\U000e0041")


def test_library_errors_and_warnings_carry_no_control_character(tmp_path: Path) -> None:
    # A notebook or a Python REPL prints the exception or warning text as it is: the message is
    # escaped where the error is built, so API users are covered as well as the CLI.
    import warnings

    import arb
    from arb.errors import DealFileError, PriceFileError

    folder = tmp_path / "deals\x1b[2J\u202e"
    folder.mkdir()
    (folder / "bad\r\n\x1b]0;PWNED\x07.toml").write_text('id = "x"\nname = "\x1b[2J"\n', encoding="utf-8")
    with pytest.raises(DealFileError) as raised:
        arb.load(folder)
    assert not UNSAFE.search(str(raised.value)) and "\\x1b]0;PWNED\\x07" in str(raised.value)
    assert raised.value.path.parent == folder  # the attributes keep the exact path
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert arb.load(folder, skip_bad=True) == []
    assert caught and all(not UNSAFE.search(str(w.message)) for w in caught)
    assert not UNSAFE.search(str(PriceFileError(folder / "p.csv", 3, "price '\x9b2J' is not a number")))


def test_the_quick_ascii_test_agrees_with_the_class() -> None:
    """For ASCII text, holding nothing to escape is being printable: every ASCII character, each alone."""
    from arb.text import _clean

    for code in range(128):
        ch = chr(code)
        assert _clean(ch) == (UNSAFE.search(ch) is None), repr(ch)
        assert _clean(f"ok {ch} ok") == (UNSAFE.search(ch) is None), repr(ch)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_clean_is_no_match_of_the_class(text: str) -> None:
    from arb.text import _clean

    assert _clean(text) == (UNSAFE.search(text) is None)
    assert _clean(text.encode("ascii", "replace").decode()) == (
        UNSAFE.search(text.encode("ascii", "replace").decode()) is None
    )
