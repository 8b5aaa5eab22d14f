"""note/warn/error write plain lines straight to a file or pipe: the same text rich would print."""

from __future__ import annotations

import io

import pytest
from rich.text import Text

from arb.cli import common
from arb.text import safe

MESSAGES = [
    "plain",
    "trailing spaces   ",
    "tab\there and\nnewline",
    "bell \x07 escape \x1b[31mred\x1b[0m",
    "[bold]not markup[/] :smile:",
    "wide 価格 and combining é",
    "",
    "x" * 500,
]


@pytest.mark.parametrize("message", MESSAGES)
def test_plain_lines_match_rich(message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for fn, head, style in (
        (common.note, "", ""),
        (common.warn, "warning: ", "yellow"),
        (common.error, "error: ", "red"),
    ):
        fast = common.SafeConsole(file=io.StringIO(), soft_wrap=True, width=80)
        assert fast.color_system is None and not fast.is_terminal
        monkeypatch.setattr(common, "err", fast)
        fn(message)
        rich = common.SafeConsole(file=io.StringIO(), soft_wrap=True, width=80)
        rich.print(Text(head, style=style) + Text(safe(message)))
        assert fast.file.getvalue() == rich.file.getvalue()  # type: ignore[attr-defined]
        assert fast.file.getvalue().count("\n") == 1  # type: ignore[attr-defined]


def test_a_terminal_still_gets_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    term = common.SafeConsole(
        file=io.StringIO(), soft_wrap=True, force_terminal=True, color_system="standard", no_color=False
    )
    monkeypatch.setattr(common, "err", term)
    common.warn("in colour")
    assert "\x1b[" in term.file.getvalue() and "in colour" in term.file.getvalue()  # type: ignore[attr-defined]
