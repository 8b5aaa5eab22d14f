"""Who buys whom in English articles, and the article's title (issue 13, QA's findings):
the verb forms a buyer is written with, names kept with their legal form in the passive, a TODO
(refused by validation) for every party that cannot be read, and a title that is no byline."""

from __future__ import annotations

from pathlib import Path

import pytest

from arb.errors import DealFileError
from arb.extract import extract_article
from arb.extract.model import DraftDeal
from arb.extract.patterns_en import is_headline
from arb.loader import load_deal

TERMS = "for $25.00 per share in cash"


def _one(text: str, **kwargs: object) -> DraftDeal:
    result = extract_article(text, **kwargs)  # type: ignore[arg-type]
    assert len(result.drafts) == 1, result.skipped
    return result.drafts[0]


def _refusals(draft: DraftDeal, tmp_path: Path) -> list[str]:
    """The keys ``arb validate`` refuses in the draft (empty when it loads)."""
    path = tmp_path / "draft.toml"
    path.write_text(draft.to_toml(), encoding="utf-8")
    try:
        load_deal(path)
    except DealFileError as exc:
        return [key for key, _ in exc.problems]
    return []


@pytest.mark.parametrize(
    "verb",
    [
        "agreed to buy",
        "agreed to acquire",
        "agreed to purchase",
        "will buy",
        "will acquire",
        "is buying",
        "is set to take over",
        "has made an offer for",
    ],
)
def test_buyer_with_a_legal_form_is_read_from_each_verb_form(verb: str) -> None:
    draft = _one(f"Qbig plc {verb} Zetaqa Inc {TERMS}.\n")
    assert (draft.acquirer_name, draft.target_name) == ("Qbig plc", "Zetaqa Inc")
    assert 'name = "Qbig plc to acquire Zetaqa Inc"' in draft.to_toml()


@pytest.mark.parametrize(
    ("passive", "buyer"),
    [
        ("was acquired by", "Qbig plc"),
        ("is to be acquired by", "Qbig plc"),
        ("agreed to be bought by", "Qbig Holdings, Inc."),
        ("will be taken over by", "Qbig N.V."),
        ("has been acquired by", "Qbig AG"),
    ],
)
def test_passive_keeps_the_buyers_whole_name_and_reads_the_target(passive: str, buyer: str) -> None:
    draft = _one(f"Zetaqa Inc {passive} {buyer} {TERMS}.\n")
    assert (draft.acquirer_name, draft.target_name) == (buyer, "Zetaqa Inc")


def test_active_and_passive_give_the_same_names() -> None:
    active = _one(f"Qbig Ltd agreed to acquire Zetaqa plc {TERMS}.\n")
    passive = _one(f"Zetaqa plc is to be acquired by Qbig Ltd {TERMS}.\n")
    assert (active.acquirer_name, active.target_name) == (passive.acquirer_name, passive.target_name)
    assert (active.acquirer_name, active.target_name) == ("Qbig Ltd", "Zetaqa plc")


@pytest.mark.parametrize(
    "sentence",
    [
        "Qbig plc on Monday agreed to buy Zetaqa Inc",
        "On Monday Qbig plc agreed to buy Zetaqa Inc",
        "Britain's Qbig plc agreed to buy Zetaqa Inc",
    ],
)
def test_words_around_the_buyer_are_not_its_name(sentence: str) -> None:
    # "Monday" was taken as the buyer of the first; the others kept "On Monday" and "Britain's".
    draft = _one(f"{sentence} {TERMS}.\n")
    assert (draft.acquirer_name, draft.target_name) == ("Qbig plc", "Zetaqa Inc")
    assert _one(f"McDonald's Corp agreed to buy Zetaqa Inc {TERMS}.\n").acquirer_name == "McDonald's Corp"


@pytest.mark.parametrize(
    "whole",
    ["the remaining 60% of", "all of the outstanding shares of", "the remaining shares of", "all of"],
)
def test_the_target_is_read_after_words_for_the_whole_of_it(whole: str) -> None:
    draft = _one(f"Qbig plc is buying {whole} Zetaqa Inc {TERMS}.\n")
    assert (draft.acquirer_name, draft.target_name) == ("Qbig plc", "Zetaqa Inc")


def test_body_names_win_over_the_shorter_headline_names() -> None:
    draft = _one(f"Qbig to buy Zetaqa\n\nQbig plc agreed to buy Zetaqa Inc {TERMS}.\n")
    assert (draft.acquirer_name, draft.target_name) == ("Qbig plc", "Zetaqa Inc")


def test_unread_parties_are_todo_values_that_validation_refuses(tmp_path: Path) -> None:
    text = (
        "Zetaqa deal\n\nShareholders of the company will receive $25.00 per share in cash in the takeover, "
        "it said on March 3, 2026.\n"
    )
    draft = _one(text)
    assert draft.acquirer_name is None and draft.acquirer_ticker is None
    toml = draft.to_toml()
    assert "?" not in toml.split("\n[target]")[0].split("name = ", 1)[1].splitlines()[0]
    refused = _refusals(draft, tmp_path)
    assert "name" in refused and "acquirer.name" in refused


def test_a_draft_missing_only_the_buyer_names_the_target_in_its_todo(tmp_path: Path) -> None:
    draft = DraftDeal(headline="Zetaqa sold", target_name="Zetaqa Inc", cash_amount=25.0, cash_currency="USD")
    draft.source_title = "Zetaqa sold"
    toml = draft.to_toml()
    assert 'name = "TODO: ' in toml and "the buyer of Zetaqa Inc could not be read" in toml
    assert "? to acquire" not in toml
    assert set(_refusals(draft, tmp_path)) >= {"name", "acquirer.name"}


def test_a_buyer_known_by_its_ticker_only_names_the_deal_and_validates(tmp_path: Path) -> None:
    # TODO values come from parties not read, not from a buyer the article gives only a ticker for.
    draft = DraftDeal(
        headline="Zetaqa sold",
        target_name="Zetaqa Inc",
        target_ticker="ZTQ",
        acquirer_ticker="QBIG.L",
        cash_amount=25.0,
        cash_currency="USD",
        source_title="Zetaqa sold",
    )
    assert 'name = "QBIG.L to acquire Zetaqa Inc"' in draft.to_toml()
    assert _refusals(draft, tmp_path) == []


@pytest.mark.parametrize(
    "head",
    [
        "Published: March 3, 2026\nBy Jane Doe\n",
        "By Jane Doe\nUpdated 10:32 a.m. ET\n",
        "LONDON, March 3, 2026 /Wire/ --\n",
        "Tuesday, March 3, 2026\n",
        "Published: March 3, 2026\nBy Jane Doe\nUpdated 10:32 a.m. ET\n",
    ],
)
def test_title_is_the_first_headline_not_a_byline_or_date_line(head: str) -> None:
    draft = _one(f"{head}Qbig to buy Zetaqa\n\nQbig plc agreed to buy Zetaqa Inc {TERMS}.\n")
    assert draft.source_title == "Qbig to buy Zetaqa"
    assert 'title = "Qbig to buy Zetaqa"' in draft.to_toml()
    # The headline below three byline lines is still a headline, not a sentence of the body.
    assert (draft.acquirer_name, draft.target_name) == ("Qbig plc", "Zetaqa Inc")


def test_no_headline_gives_a_todo_title_that_validation_refuses(tmp_path: Path) -> None:
    draft = _one(f"Published: March 3, 2026\nBy Jane Doe\n\nQbig plc agreed to buy Zetaqa Inc {TERMS}.\n")
    assert draft.source_title is None
    toml = draft.to_toml()
    assert 'title = "TODO: ' in toml and "Published" not in toml.split("[[source]]")[1].split("\n")[1]
    assert any(key.endswith(".title") for key in _refusals(draft, tmp_path))
    assert all(row["source"] == "article: untitled" for row in draft.prices_csv_rows())


def test_an_article_opening_with_its_text_gets_a_todo_title(tmp_path: Path) -> None:
    # A dateline starting the first paragraph: that sentence names the item, it is no title.
    text = f"LONDON, March 3 (Reuters) - Qbig plc agreed to buy Zetaqa Inc {TERMS}, the companies said.\n"
    draft = _one(text)
    assert draft.source_title is None and draft.headline.startswith("LONDON, March 3")
    assert "title = \"TODO: the article's title" in draft.to_toml()
    assert any(key.endswith(".title") for key in _refusals(draft, tmp_path))
    assert _one(text, source_title="Qbig buys Zetaqa").to_toml().count('title = "Qbig buys Zetaqa"') >= 1


@pytest.mark.parametrize(
    ("line", "headline"),
    [
        ("Published: March 3, 2026", False),
        ("Posted on Friday, 25 July 2025", False),
        ("Date: 2025-07-25", False),
        ("Last updated: 3 hours ago", False),
        ("By Jane Doe and John Roe", False),
        ("OMAHA, Neb., July 29, 2025 /PRNewswire/ --", False),
        ("LONDON, March 3 (Reuters) -", False),
        ("2026-03-03", False),
        ("Qbig to buy Zetaqa", True),
        ("By the numbers: Qbig's bid", True),
        ("Date night for dealmakers", True),
        ("Updates from the Qbig bid", True),
        ("March 3, 2026: Qbig agrees to buy Zetaqa for $25 a share in cash after a long auction", True),
    ],
)
def test_is_headline(line: str, headline: bool) -> None:
    assert is_headline(line) is headline
