"""The extractor on hostile articles: linear time, a size cap, drafts that are always valid TOML.

Each pathological input below is sized so that the quadratic code it replaced took well over
5 s on it (10 s to over a minute); the extractor now reads each in a fraction of a second. A
test runs under a wall-clock budget (SIGALRM), so a step that turns quadratic again fails the
test instead of making it slow, and no timing ratio is compared (nothing to flake).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arb.extract import MAX_ARTICLE_CHARS, ArticleError, DraftDeal, extract_article, read_article
from arb.extract.text import html_to_text, split_sentences
from tests.conftest import budget

ARTICLES = Path(__file__).parent / "data" / "articles"


DEAL = "Acme Corp. (NASDAQ: ACME) agreed to acquire Globex Inc. (NYSE: GBX) for $25.50 per share in cash.\n\n"

# name -> the article. Each of the first 15 took the code before this change over 6 s (most
# far longer: 20 kB of digits alone 28 s); the last four guard the weak spots of the linear
# code itself (the tag scanner's search for ">", the ``以…方式`` window, the parenthesis and
# comma-group patterns).
PATHOLOGICAL: dict[str, Callable[[], str]] = {
    "20 kB of digits": lambda: DEAL + "For each share " + "7" * 20_000,
    "digits behind a currency": lambda: DEAL + "for each share US$" + "1" * 20_000 + " in cash",
    "Inc. x 12,000": lambda: DEAL + "Inc. " * 12_000,
    "A. x 8,000": lambda: DEAL + "A. " * 8_000,
    "40,000 blank lines": lambda: DEAL + "\n" * 40_000 + "Brief: end",
    "subscribe to our newsletter x 4,000": lambda: DEAL + "subscribe to our newsletter " * 4_000,
    "欲订阅 x 20,000": lambda: DEAL + "欲订阅" * 20_000,
    '20,000 unterminated <a b="': lambda: "<html><body><p>" + DEAL + '<a b="' * 20_000,
    "20,000 nested <div>": lambda: "<html><body>" + "<div>" * 20_000 + "<p>" + DEAL,
    "20,000 unclosed <p": lambda: "<html><body><p>" + DEAL + "<p " * 20_000,
    "a 20 kB capitalised word before the verb": lambda: (
        "A" * 20_000 + " acquires Globex (NYSE: GBX) for $5 per share in cash."
    ),
    "5,000 capitalised words before the verb": lambda: (
        "Ab " * 5_000 + "acquires Globex (NYSE: GBX) for $5 per share in cash."
    ),
    "collar range between 20 kB of digits": lambda: DEAL + "The collar range is between " + "1" * 20_000 + " and 2.",
    "election with 20 kB of digits": lambda: DEAL + "Holders may elect cash; " + "5" * 20_000 + " cash",
    "3,000 listed companies in one item": lambda: " ".join(f"Co{i} Inc. (NYSE: C{i}) acquires" for i in range(3_000)),
    "20,000 < with one > at the end": lambda: "<html><body><p>" + DEAL + "<" * 20_000 + ">",
    "以 x 20,000 before 收购": lambda: (
        "新奥能源(2688.HK)" + "以" * 20_000 + "收购华岳能源(1234.HK),每股现金代价10港元。"
    ),
    "20,000 opening parentheses": lambda: DEAL + "(" * 20_000,
    "comma groups": lambda: DEAL + "for each share $1" + ",000" * 5_000 + " in cash",
}


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pathological_article_is_read_in_linear_time(name: str) -> None:
    text = PATHOLOGICAL[name]()
    with budget():
        result = extract_article(text)
    assert result.drafts or result.skipped
    for draft in result.drafts:
        tomllib.loads(draft.to_toml())


def test_the_plain_deal_is_still_found_beside_the_noise() -> None:
    with budget():
        result = extract_article(PATHOLOGICAL["40,000 blank lines"]())
    assert [(d.acquirer_ticker, d.target_ticker, d.cash_amount) for d in result.drafts] == [("ACME", "GBX", 25.5)]


def test_a_list_of_companies_is_skipped_saying_why() -> None:
    result = extract_article(PATHOLOGICAL["3,000 listed companies in one item"]())
    (skip,) = result.skipped
    assert "3000 listed companies" in skip.reason and result.drafts == []


def test_abbreviations_still_do_not_end_sentences() -> None:
    assert split_sentences("Globex Inc. and Acme Corp. agreed. Shares rose.") == [
        "Globex Inc. and Acme Corp. agreed.",
        "Shares rose.",
    ]
    with budget():
        assert split_sentences("Inc. " * 4_000) == [("Inc. " * 4_000).strip()]


def test_a_large_plain_article_is_linear() -> None:
    # 300 kB of dense deal prose (3,000 deal sentences, two companies, 6,000 tickers) in one
    # news item: every rule runs over every sentence, so a rule that looked at the whole item
    # per sentence would take minutes.
    text = DEAL * (300_000 // len(DEAL))
    with budget():
        result = extract_article(text)
    assert len(result.drafts) == 1


# --- the size cap ------------------------------------------------------------------------------


def test_an_article_over_the_cap_is_refused_at_once() -> None:
    text = "x" * (MAX_ARTICLE_CHARS + 1)
    with budget(1), pytest.raises(ArticleError, match="over the 2,000,000"):
        extract_article(text)
    with budget(1), pytest.raises(ArticleError, match="pass one article"):
        read_article(text=text.encode())


def test_a_file_over_the_cap_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "dump.html"
    path.write_bytes(b"a" * (MAX_ARTICLE_CHARS + 1))
    with pytest.raises(ArticleError, match=r"dump\.html is 2,000,001 bytes long"):
        read_article(path)


# --- read_article: a path or the text, never a guess ------------------------------------------------


@pytest.mark.parametrize("length", [255, 256, 1_000, 4_095, 4_096, 10_000])
def test_text_of_any_length_is_text(length: int) -> None:
    line = ("Acme agreed to buy Globex. " * 400)[:length]
    assert read_article(text=line) == line


def test_text_passed_as_the_path_says_to_use_text(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match=r"read_article\(text=\.\.\.\)"):
        read_article("Acme agreed to buy Globex. " * 20)  # 540 characters, one line
    with pytest.raises(ArticleError, match=r"read_article\(text=\.\.\.\)"):
        read_article("Acme agreed to buy Globex.\nShares rose.")
    with pytest.raises(FileNotFoundError):
        read_article(tmp_path / "missing.txt")


def test_read_article_takes_exactly_one_source(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        read_article()
    with pytest.raises(TypeError):
        read_article(tmp_path / "a.txt", text="x")


def test_bytes_and_paths_decode_alike(tmp_path: Path) -> None:
    page = "\ufeff<html><body><p>新奥能源(2688.HK)&amp;Co</p><script>x<1</script></body></html>"
    path = tmp_path / "a.html"
    path.write_bytes(page.encode("utf-8"))
    assert read_article(path) == read_article(str(path)) == read_article(text=page.encode("utf-8"))
    assert read_article(path).strip() == "新奥能源(2688.HK)&Co"


def test_a_fifo_is_not_read(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "article.txt"
    os.mkfifo(fifo)
    with budget(2), pytest.raises(ArticleError, match="not a regular file"):
        read_article(fifo)


# --- HTML: the linear scanner reads what html.parser read -------------------------------------------


def test_html_blocks_breaks_entities_and_skipped_parts() -> None:
    page = (
        "<html><head><title>T</title><style>p{color:red}</style></head><body>"
        "<!-- a comment with <p> inside --><p>One &lt;two&gt;\nthree</p><hr/>"
        '<article><h1 class="x>y">Head</h1><script type="a">if (a < b) {}</script>Body</article>'
        "</body></html>"
    )
    text = html_to_text(page)
    assert "color" not in text and "comment" not in text and "a < b" not in text
    assert "One <two> three" in text
    assert "Head" in text and "Body" in text
    assert "\n---\n" in text  # <hr> and <article> are item breaks


# --- drafts are always valid TOML ---------------------------------------------------------------------

HOSTILE = st.lists(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(['"', "'", '"""', "'''", "\\", "\\u", "\x1b[2J", "\x1b]0;x\x07", "\r", "\n", "\x00", "\x7f"]),
        st.sampled_from(["\x85", "\u202e", "\u2028", "#", "[", "]", "=", "{", "}", "\ud800"]),
    ),
    max_size=12,
).map("".join)
TEMPLATES = [
    (ARTICLES / name).read_text(encoding="utf-8")
    for name in ("en_cash.txt", "en_collar.txt", "zh_cash.txt", "zh_digest.txt")
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(template=st.sampled_from(TEMPLATES), junk=st.lists(HOSTILE, min_size=1, max_size=4), where=st.randoms())
def test_every_draft_of_a_hostile_article_parses(template: str, junk: list[str], where: object) -> None:
    # Splice the hostile strings into the headline, the names and the sentences of a real draft.
    lines = template.split("\n")
    for piece in junk:
        i = where.randrange(len(lines))  # type: ignore[attr-defined]
        j = where.randrange(len(lines[i]) + 1)  # type: ignore[attr-defined]
        lines[i] = lines[i][:j] + piece + lines[i][j:]
    result = extract_article("\n".join(lines), source_title=junk[0], source_publisher=junk[-1], source_url=junk[0])
    for draft in result.drafts:
        text = draft.to_toml()
        data = tomllib.loads(text)
        assert data["id"] == draft.id
        assert "\x1b" not in text and "\x00" not in text


def test_every_fixture_draft_parses_with_a_control_character_headline() -> None:
    for path in sorted(ARTICLES.iterdir()):
        text = read_article(path)
        hostile = "Deal\x1b[2J \x00news\x07: " + text
        for draft in extract_article(hostile).drafts:
            data = tomllib.loads(draft.to_toml())
            assert "\x1b" not in draft.to_toml()
            assert all("\x00" not in s["title"] for s in data["source"])


@settings(max_examples=60, deadline=None)
@given(
    headline=HOSTILE,
    name=HOSTILE,
    quote=HOSTILE,
    words=HOSTILE,
    close=HOSTILE,
    warning=HOSTILE,
    title=st.one_of(st.none(), HOSTILE),
)
def test_any_field_text_renders_to_valid_toml(
    headline: str, name: str, quote: str, words: str, close: str, warning: str, title: str | None
) -> None:
    # Straight through the renderer, as a caller of the library may fill a draft.
    draft = DraftDeal(
        headline=headline,
        target_name=name,
        acquirer_name=name,
        target_ticker="GBX",
        cash_amount=1.5,
        cash_currency="USD",
        status="rumoured",
        status_words=words,
        expected_close_text=close,
        source_title=title,
        source_publisher=name or None,
    )
    draft.quotes["cash"] = quote
    draft.warnings.append(warning)
    draft.todos.append(f'expected_close = YYYY-MM-DD; the article says "{close}"')
    data = tomllib.loads(draft.to_toml())
    assert data["target"]["name"] == (one_line(name) or "undisclosed target")
    assert any(s["quote"] == one_line(quote) for s in data["source"])


def one_line(text: str) -> str:
    """What a value becomes in a draft: whitespace runs as one space, a lone surrogate as U+FFFD."""
    return re.sub(r"[\ud800-\udfff]", "\ufffd", re.sub(r"\s+", " ", text).strip())
