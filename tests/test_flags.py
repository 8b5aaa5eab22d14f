"""The flags table: complete, consistent with the figures, documented, and the only source of flag names."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest
from conftest import REPO, make_deal

from arb.book import DealInfo
from arb.engine import FIGURES
from arb.flags import DEPENDS, DOC_BEGIN, DOC_END, FLAGS, Flag, blocked_by, closure, explains, flags_markdown

FIGURES_MD = REPO / "docs" / "figures.md"
DEAL_FORMAT_MD = REPO / "docs" / "deal-format.md"


def test_every_flag_has_one_row_and_blocks_only_figures() -> None:
    assert list(FLAGS) == list(Flag)
    for spec in FLAGS.values():
        assert spec.meaning.strip()
        assert set(spec.blocks) <= set(FIGURES), spec.flag
        assert not spec.one_of or len(spec.blocks) > 1, spec.flag


def test_depends_covers_the_engine_figures_in_order() -> None:
    assert tuple(DEPENDS) == FIGURES
    for inputs in DEPENDS.values():
        assert set(inputs) <= set(FIGURES)


def test_closure_follows_the_definitions() -> None:
    assert closure(["deal_value"]) == {
        "deal_value",
        "spread",
        "spread_pct",
        "annualized",
        "annualized_simple",
        "implied_probability",
    }
    assert closure(["downside"]) == {"downside", "implied_probability"}
    assert closure(["days_to_close"]) == {"days_to_close", "annualized", "annualized_simple"}
    assert blocked_by("no-close-date") == {"days_to_close", "annualized", "annualized_simple"}
    assert blocked_by("estimate-used") == set()
    assert explains(["stale-price", "no-downside"], "implied_probability")
    assert not explains(["stale-price", "estimate-used"], "spread")


def test_the_docs_table_is_generated_from_flags() -> None:
    text = FIGURES_MD.read_text(encoding="utf-8")
    start, end = text.index(DOC_BEGIN), text.index(DOC_END) + len(DOC_END) + 1
    if os.environ.get("ARB_REGEN_DOCS"):
        FIGURES_MD.write_text(text[:start] + flags_markdown() + text[end:], encoding="utf-8")
        text = FIGURES_MD.read_text(encoding="utf-8")
        start, end = text.index(DOC_BEGIN), text.index(DOC_END) + len(DOC_END) + 1
    assert text[start:end] == flags_markdown()


def _doc_flags(text: str) -> set[str]:
    return set(re.findall(r"`([a-z]+(?:-[a-z]+)*)`", text))


def test_deal_format_lists_exactly_the_flags_of_the_table() -> None:
    text = DEAL_FORMAT_MD.read_text(encoding="utf-8")
    bullet = text[text.index("- **flags**:") :]
    bullet = bullet[: bullet.index("\n\n")]
    listed = _doc_flags(bullet.split("Each flag's meaning")[0])
    assert listed == {str(f) for f in Flag}


def test_figures_md_names_no_flag_outside_the_table() -> None:
    # every `word-word` in backticks in the hand-written part that looks like a flag is one
    text = FIGURES_MD.read_text(encoding="utf-8")
    written = text[: text.index(DOC_BEGIN)] + text[text.index(DOC_END) :]
    hyphenated = {w for w in _doc_flags(written) if "-" in w}
    assert hyphenated <= {str(f) for f in Flag} | {"enn-ng-h", "report", "show"}


@pytest.mark.parametrize("module", ["arb/book.py", "arb/pricing.py"])
def test_no_flag_is_raised_by_a_string_literal(module: str) -> None:
    tree = ast.parse(Path(REPO, module).read_text(encoding="utf-8"))
    names = {str(f) for f in Flag}
    literals = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names
    ]
    assert literals == [], f"{module}: use arb.flags.Flag members, not {literals}"


def test_raising_a_flag_not_in_the_table_fails_loudly() -> None:
    info = DealInfo(make_deal(""), "HKD", None, None)
    with pytest.raises(KeyError, match=r"not in arb\.flags\.FLAGS"):
        info.flag("made-up-flag")
    with pytest.raises(ValueError, match="say which"):
        info.flag(Flag.NO_PRICE, "no price")
    with pytest.raises(ValueError, match="cannot block"):
        info.flag(Flag.NO_PRICE, "no price", blocks="downside")
    info.flag(Flag.NO_PRICE, "no price for X", blocks="deal_value")
    info.flag(Flag.NO_PRICE, "no price for Y", blocks="target_price")
    assert info.flags == ["no-price"]
    assert info.blocked == {"deal_value", "target_price"}
    assert info.notes_for("no-price") == ["no price for X", "no price for Y"]
    info.flag(Flag.TERMS_UNDISCLOSED)
    assert info.blocked == {"deal_value", "target_price", "dividends"}
