"""English articles (issue 13): stock legs written in words, shares paid that no rule reads, tickers
the article does not give, and the days of the prices it quotes against its own date.

Every article here is written for these tests. The railroad ones follow the terms of the Union
Pacific / Norfolk Southern merger (seeds/norfolk-southern.toml: per NSC share, one UNP share and
US$88.82 in cash) in their own words.
"""

from __future__ import annotations

import datetime
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from arb import loader
from arb.cli import app
from arb.errors import DealFileError
from arb.extract import DraftDeal, extract_article, read_article
from arb.extract import patterns_en as en
from arb.extract.days import resolve_day
from arb.prices.csvfile import CsvSource
from tests.conftest import budget

D = datetime.date


def draft_of(text: str, **kwargs: object) -> DraftDeal:
    result = extract_article(text, **kwargs)  # type: ignore[arg-type]
    assert len(result.drafts) == 1, result
    return result.drafts[0]


def parsed(draft: DraftDeal) -> dict[str, object]:
    return tomllib.loads(draft.to_toml())


def legs(draft: DraftDeal) -> list[dict[str, object]]:
    return parsed(draft).get("consideration", [])  # type: ignore[return-value]


def load(draft: DraftDeal, tmp_path: Path) -> object:
    path = tmp_path / f"{draft.id}.toml"
    path.write_text(draft.to_toml(), encoding="utf-8")
    return loader.load_deal(path)


def refused(draft: DraftDeal, tmp_path: Path) -> str:
    """The loader's message for a draft it must refuse (what `arb validate` prints)."""
    path = tmp_path / f"{draft.id}.toml"
    path.write_text(draft.to_toml(), encoding="utf-8")
    with pytest.raises(DealFileError) as info:
        loader.load_deal(path)
    return str(info.value)


RAIL = """Union Pacific agrees to buy Norfolk Southern

OMAHA, Neb., July 29, 2025 /Wire/ -- Union Pacific Corporation (NYSE: UNP) has agreed to acquire \
Norfolk Southern Corporation (NYSE: NSC) for stock and cash. {terms} The deal is expected to \
close in early 2027.
"""
RAIL_TERMS = (
    "Norfolk Southern shareholders will receive one Union Pacific common share and $88.82 in cash "
    "for each Norfolk Southern share they hold."
)


# --- 1. stock legs in words ---------------------------------------------------------------------


def test_rail_deal_has_both_legs_and_both_tickers(tmp_path: Path) -> None:
    draft = draft_of(RAIL.format(terms=RAIL_TERMS))
    assert (draft.target_ticker, draft.acquirer_ticker) == ("NSC", "UNP")
    assert legs(draft) == [
        {"kind": "stock", "ratio": 1.0, "ticker": "UNP"},
        {"kind": "cash", "amount": 88.82, "currency": "USD"},
    ]
    assert parsed(draft)["target"]["ticker"] == "NSC"  # type: ignore[index]
    deal = load(draft, tmp_path)
    assert deal.id == draft.id  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("terms", "ratio"),
    [
        ("Holders will get one share of Union Pacific common stock and $88.82 in cash for each share.", 1.0),
        (
            "Each share will be converted into one (1) share of common stock, par value $2.50 per share, "
            "of Union Pacific and $88.82 in cash.",
            1.0,
        ),
        ("Investors get two Union Pacific shares plus $88.82 in cash for every Norfolk Southern share.", 2.0),
        ("For each share, holders receive one-half of a share of Union Pacific and $88.82 in cash.", 0.5),
        ("For each share, holders receive 1.2 Union Pacific common shares and $88.82 in cash.", 1.2),
        ("For each share, holders receive 0.5 shares of Union Pacific plus $88.82 in cash.", 0.5),
        ("Each holder gets three-quarters of a Union Pacific share and $88.82 in cash per share.", 0.75),
        ("Each holder gets half a share of Union Pacific and $88.82 in cash per share.", 0.5),
        ("One Union Pacific common share and $88.82 in cash will be paid for each share.", 1.0),
    ],
)
def test_ratio_phrasings(terms: str, ratio: float, tmp_path: Path) -> None:
    draft = draft_of(RAIL.format(terms=terms))
    stock, cash = legs(draft)
    assert stock == {"kind": "stock", "ratio": pytest.approx(ratio), "ticker": "UNP"}
    assert (cash["amount"], cash["currency"]) == (88.82, "USD")
    load(draft, tmp_path)


@pytest.mark.parametrize(
    "sentence",
    [
        "Holders will receive 12 million Union Pacific shares in total for each class.",
        "Someone said the deal values each share at a premium.",
        "The ten Union Pacific directors approved it for each share class.",
        "For each share, 12 Union Pacific stock options vest.",
        "For each share, Capital One Financial shares rose 12% in the session.",
    ],
)
def test_no_ratio_from_counts_or_words_inside_words(sentence: str) -> None:
    found = en.ratio(sentence)
    assert found is None or found[0] not in (12.0, 1.0), found
    assert en.ratio("Someone gets 3 apples for each share.") is None


def test_rail_deal_without_codes_asks_for_both_tickers(tmp_path: Path) -> None:
    article = (
        "Union Pacific to buy Norfolk Southern\n\n"
        "Union Pacific agreed to acquire Norfolk Southern (NSC) for stock and cash. "
        f"{RAIL_TERMS} Norfolk Southern shares closed at $282.10 on Monday.\n"
    )
    draft = draft_of(article, source_date=D(2025, 7, 29))
    data = parsed(draft)
    target_ticker = data["target"]["ticker"]  # type: ignore[index]
    assert target_ticker.startswith("TODO:") and "(NSC)" in target_ticker
    stock, cash = legs(draft)
    assert stock["ratio"] == 1.0 and str(stock["ticker"]).startswith("TODO:")
    assert cash["amount"] == 88.82
    # the price is of a company with no ticker: it is not filed under the acquirer's, and says so
    assert draft.prices == [] and any("no ticker" in w for w in draft.warnings)
    message = refused(draft, tmp_path)
    assert "target.ticker" in message and "still a TODO" in message


def test_shares_of_a_company_without_a_ticker_are_not_the_acquirers(tmp_path: Path) -> None:
    article = (
        "Hooli to buy Initech\n\n"
        "Hooli Inc. (NASDAQ: HOOL) agreed to acquire Initech Corp. (NYSE: INIT). Initech holders will "
        "receive 0.25 shares of Hooli Cloud Holdings, a company Hooli will spin off, and $10.00 in cash "
        "for each Initech share.\n"
    )
    draft = draft_of(article)
    stock = legs(draft)[0]
    assert stock["ratio"] == 0.25
    assert str(stock["ticker"]).startswith("TODO:") and "Hooli Cloud" in str(stock["ticker"])
    assert "ticker" in refused(draft, tmp_path)


# --- 2. shares paid that no rule reads: a TODO leg, never a silent omission --------------------

HOOLI = """Hooli to acquire Initech

Hooli Inc. (NASDAQ: HOOL) said it agreed to acquire Initech Corp. (NYSE: INIT). {terms} \
Initech shares last traded at $41.30.
"""


@pytest.mark.parametrize(
    "terms",
    [
        "Initech holders will receive a fraction of a Hooli share, fixed by a formula at closing, for each share.",
        "Each Initech share will be exchanged for Hooli stock worth a sum set at closing.",
        "Initech shareholders will be paid partly in Hooli shares and partly in cash.",
        "Initech investors will own about 40% of the combined company once the merger closes.",
        "The merger is a stock-for-stock deal with an exchange ratio to be fixed later.",
        "Holders of Initech get a mix of cash and Hooli shares for each share they own.",
        "For each share, Initech holders receive a fraction of a share of Hooli and $10.00 in cash.",
    ],
)
def test_unread_shares_become_a_todo_stock_leg(terms: str, tmp_path: Path) -> None:
    draft = draft_of(HOOLI.format(terms=terms))
    stock_legs = [leg for leg in legs(draft) if leg["kind"] == "stock"]
    assert len(stock_legs) == 1, draft.to_toml()
    (stock,) = stock_legs
    assert str(stock["ratio"]).startswith("TODO:")
    assert terms[:30] in str(stock["ratio"])  # the TODO quotes the sentence
    assert stock["ticker"] == "HOOL"
    assert draft.stock_todo is not None and not draft.terms_undisclosed
    message = refused(draft, tmp_path)
    assert "ratio" in message and "still a TODO" in message


def test_the_unread_leg_sits_beside_the_cash_leg(tmp_path: Path) -> None:
    terms = "Initech holders get $12.00 in cash plus a fraction of a Hooli share for each Initech share."
    draft = draft_of(HOOLI.format(terms=terms))
    kinds = [(leg["kind"], leg.get("amount")) for leg in legs(draft)]
    assert ("cash", 12.0) in kinds and ("stock", None) in kinds
    refused(draft, tmp_path)


@pytest.mark.parametrize(
    "terms",
    [
        "Hooli will pay $45.00 per share in cash, a premium of 9% to the Initech share price.",
        "Initech shareholders will receive $45.00 in cash for their shares.",
        "Hooli will pay $45.00 in cash for each Initech share they own.",
        "Holders will receive $45.00 in cash for each share of Initech common stock they own.",
        "Each share of Initech common stock will be converted into the right to receive $45.00 in cash.",
        "Hooli will pay $45.00 per share in cash; it will fund the deal with debt and issue no new shares.",
        "Hooli will pay $45.00 per share in cash after a 30% rise in Initech shares this year.",
        "Hooli, which already holds a stake in Initech stock, will pay $45.00 per share in cash.",
    ],
)
def test_cash_deals_get_no_stock_todo(terms: str, tmp_path: Path) -> None:
    draft = draft_of(HOOLI.format(terms=terms))
    assert [leg["kind"] for leg in legs(draft)] == ["cash"]
    assert draft.stock_todo is None
    load(draft, tmp_path)


def test_validate_cli_refuses_the_todo_leg_then_takes_the_filled_draft(tmp_path: Path) -> None:
    terms = "Initech holders will receive a fraction of a Hooli share for each share they own."
    draft = draft_of(HOOLI.format(terms=terms))
    path = tmp_path / "initech.toml"
    path.write_text(draft.to_toml(), encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(app, ["validate", str(path)])
    assert res.exit_code != 0 and "ratio" in res.output + str(res.stderr_bytes or b"")
    filled = "\n".join(
        "ratio = 0.5" if line.startswith('ratio = "TODO:') else line for line in path.read_text().splitlines()
    )
    path.write_text(filled + "\n", encoding="utf-8")
    res = runner.invoke(app, ["validate", str(path)])
    assert res.exit_code == 0, res.output


# --- 3. the article's date, and the days of its prices -------------------------------------------


def test_dateline_dates_the_source() -> None:
    draft = draft_of(RAIL.format(terms=RAIL_TERMS))
    assert draft.source_date == D(2025, 7, 29)
    assert all(s["date"] == D(2025, 7, 29) for s in parsed(draft)["source"])  # type: ignore[index]
    assert "July 29, 2025" in (draft.source_date_words or "")


def test_date_option_wins_over_the_dateline() -> None:
    draft = draft_of(RAIL.format(terms=RAIL_TERMS), source_date=D(2025, 7, 30))
    assert draft.source_date == D(2025, 7, 30) and draft.source_date_words is None
    assert any("2025-07-29" in w and "2025-07-30" in w for w in draft.warnings)  # the two disagree: said
    same = draft_of(RAIL.format(terms=RAIL_TERMS), source_date=D(2025, 7, 29))
    assert same.warnings == []


PRICED = """Acme to buy Globex for $25.50 a share

{header}Acme Corp. (NASDAQ: ACME) agreed to acquire Globex Inc. (NYSE: GBX) for $25.50 per share \
in cash. {price}
"""


@pytest.mark.parametrize(
    ("header", "price", "as_of", "confirmed"),
    [
        # Friday 2025-07-25 articles
        ("Published: Friday, July 25, 2025\n\n", "Globex shares closed at $22.10 on Thursday.", D(2025, 7, 24), True),
        ("Published: July 25, 2025\n\n", "Globex had closed at $22.10 at Thursday's close.", D(2025, 7, 24), True),
        ("Published: July 25, 2025\n\n", "Globex shares closed at $22.10 yesterday.", D(2025, 7, 24), True),
        ("Published: July 25, 2025\n\n", "On Monday, Globex shares closed at $22.10.", D(2025, 7, 21), True),
        ("Published: July 25, 2025\n\n", "Globex shares closed at $22.10 last Friday.", D(2025, 7, 18), True),
        ("Published: July 25, 2025\n\n", "Globex shares closed at $22.10 on July 23.", D(2025, 7, 23), True),
        # the article's own weekday: its time settles it
        ("Published: July 24, 2025 4:45 p.m. ET\n\n", "Globex closed at $22.10 on Thursday.", D(2025, 7, 24), True),
        ("Published: July 24, 2025 10:05 a.m. ET\n\n", "Globex closed at $22.10 on Thursday.", D(2025, 7, 17), False),
        ("Published: July 24, 2025\n\n", "Globex closed at $22.10 on Thursday.", D(2025, 7, 24), False),
        # a Monday article's "yesterday" is a Sunday: the Friday before, unconfirmed
        ("Published: July 28, 2025\n\n", "Globex shares closed at $22.10 yesterday.", D(2025, 7, 25), False),
    ],
)
def test_price_days(header: str, price: str, as_of: datetime.date, confirmed: bool) -> None:
    draft = draft_of(PRICED.format(header=header, price=price))
    (quote,) = draft.prices
    assert (quote.symbol, quote.price) == ("GBX", 22.10)
    assert quote.as_of == as_of and quote.as_of_confirmed is confirmed
    assert quote.as_of <= draft.source_date  # type: ignore[operator]
    (row,) = draft.prices_csv_rows()
    assert row["as_of"] == as_of.isoformat()
    assert any("unconfirmed" in w for w in draft.warnings) is (not confirmed)


def test_last_trading_day_before_the_announcement() -> None:
    price = (
        "The offer was announced on July 28, 2025. On the last trading day before the announcement, "
        "Globex shares closed at $22.10."
    )
    draft = draft_of(PRICED.format(header="Published: July 29, 2025\n\n", price=price))
    (quote,) = draft.prices
    assert quote.as_of == D(2025, 7, 25)  # the Friday before a Monday announcement
    assert not quote.as_of_confirmed and "holidays" in quote.as_of_note


def test_without_an_article_date_the_price_day_is_a_todo(tmp_path: Path) -> None:
    draft = draft_of(PRICED.format(header="", price="Globex shares closed at $22.10 on Thursday."))
    assert draft.source_date is None
    (row,) = draft.prices_csv_rows()
    assert row["as_of"].startswith("TODO:") and "Thursday" in row["as_of"]
    csv_path = tmp_path / "prices.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as fh:
        import csv

        writer = csv.DictWriter(fh, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    source = CsvSource(csv_path, today=D(2025, 8, 1))
    assert source.errors and "as_of" in str(source.errors[0])  # the price file refuses the row


def test_a_date_after_the_article_is_not_taken() -> None:
    price = "Globex shares closed at $22.10 on July 30, 2025."
    draft = draft_of(PRICED.format(header="Published: July 25, 2025\n\n", price=price))
    (quote,) = draft.prices
    assert quote.as_of is None and "after the article" in quote.as_of_note
    assert draft.prices_csv_rows()[0]["as_of"].startswith("TODO:")


def test_cli_prices_out_dates_rows_from_the_article(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(
        PRICED.format(header="Published: July 25, 2025\n\n", price="Globex closed at $22.10 on Thursday."),
        encoding="utf-8",
    )
    res = CliRunner().invoke(
        app, ["extract", str(article), "-o", str(tmp_path / "d/"), "--prices-out", str(tmp_path / "p.csv")]
    )
    assert res.exit_code == 0, res.output
    rows = (tmp_path / "p.csv").read_text(encoding="utf-8").splitlines()
    assert rows[1].startswith("GBX,22.1,USD,2025-07-24,")


@given(
    article=st.dates(min_value=D(2000, 1, 1), max_value=D(2099, 12, 31)),
    weekday=st.integers(0, 6),
    last=st.booleans(),
    after_close=st.sampled_from([None, True, False]),
)
def test_a_weekday_resolves_on_or_before_the_article(
    article: datetime.date, weekday: int, last: bool, after_close: bool | None
) -> None:
    kind = "last_weekday" if last else "weekday"
    day = resolve_day((kind, weekday, "x"), article, after_close=after_close)
    assert day.date is not None and day.date <= article
    assert day.date.weekday() == weekday and (article - day.date).days <= 7
    if last or after_close is False:
        assert day.date < article


def test_a_weekend_day_is_unconfirmed() -> None:
    day = resolve_day(("weekday", 5, "Saturday"), D(2025, 7, 28))
    assert day.date == D(2025, 7, 26) and not day.confirmed and "no close" in day.note
    assert resolve_day(("weekday", 4, "Friday"), D(2025, 7, 28)).confirmed


@given(
    article=st.dates(min_value=D(2000, 1, 1), max_value=D(2099, 12, 31)), kind=st.sampled_from(["yesterday", "today"])
)
def test_relative_days_never_pass_the_article(article: datetime.date, kind: str) -> None:
    day = resolve_day((kind, None, kind), article)
    assert day.date is not None and day.date <= article
    assert resolve_day((kind, None, kind), None).date is None  # no article date: no guess


# --- 4. linear time on hostile text --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "for each share " + "one " * 40_000,
        "for each share " + "One Hooli " * 20_000,
        "for each share receive " + "Hooli " * 30_000 + "shares",
        "for each share paid " + "in " * 60_000 + "stock",
        "Published: " + "July 25, " * 20_000,
        "A, " * 30_000 + "July 25, 2025 --",
        ("A, " * 20 + "\n") * 3_000,
        "Globex closed at $22.10 " + "Thursday " * 40_000,
        "Globex closed at $22.10 on Thursday. " * 5_000,
        "for each share a fraction of a " + "big " * 30_000 + "share",
        "Hooli said on " + "last " * 40_000 + "Tuesday it agreed to buy it.",
        "for each share " + "5 million shares of Hooli " * 20_000,
    ],
)
def test_hostile_phrases_stay_linear(text: str) -> None:
    deal = "Acme Corp. (NASDAQ: ACME) agreed to acquire Globex Inc. (NYSE: GBX) for $25.50 per share in cash.\n"
    with budget():
        result = extract_article(deal + text, source_date=D(2025, 7, 25))
    for draft in result.drafts:
        tomllib.loads(draft.to_toml())


# --- a fixture file: the railroad deal written with its codes and days -----------------------------


def test_rail_fixture() -> None:
    path = Path(__file__).parent / "data" / "articles" / "en_rail_words.txt"
    draft = draft_of(read_article(path))
    assert (draft.target_ticker, draft.acquirer_ticker, draft.ratio, draft.stock_ticker) == ("NSC", "UNP", 1.0, "UNP")
    assert (draft.cash_amount, draft.cash_currency, draft.source_date) == (88.82, "USD", D(2025, 7, 29))
    # written at 5:20 p.m. ET: "Tuesday" in a Tuesday article is that day's close, confirmed
    assert [(q.symbol, q.as_of, q.as_of_confirmed) for q in draft.prices] == [
        ("NSC", D(2025, 7, 28), True),
        ("UNP", D(2025, 7, 29), True),
    ]
    assert draft.warnings == []


# --- the announcement dated by its day's name -----------------------------------------------------

WIRE = """Union Pacific to buy Norfolk Southern

July 31 (Wire) - Union Pacific Corp. (NYSE: UNP) said on {day} it agreed to acquire Norfolk \
Southern Corp. (NYSE: NSC). {terms} Norfolk Southern stock closed at $220.00 on the last trading \
day before the announcement.
"""


def test_announcement_named_by_its_day_and_the_price_before_it(tmp_path: Path) -> None:
    draft = draft_of(WIRE.format(day="Tuesday", terms=RAIL_TERMS), source_date=D(2025, 7, 31))
    assert draft.announced == D(2025, 7, 29)
    assert not any(t.startswith("announced") for t in draft.todos)
    (quote,) = draft.prices
    assert (quote.symbol, quote.as_of) == ("NSC", D(2025, 7, 28))
    assert parsed(draft)["announced"] == D(2025, 7, 29)
    load(draft, tmp_path)


def test_announcement_day_needs_the_article_date() -> None:
    draft = draft_of(WIRE.format(day="Tuesday", terms=RAIL_TERMS))
    assert draft.announced is None and any(t.startswith("announced") for t in draft.todos)
    (row,) = draft.prices_csv_rows()
    assert row["as_of"].startswith("TODO:")  # no announcement date: no day for the price either


def test_announcement_on_the_articles_own_weekday_is_that_day() -> None:
    draft = draft_of(WIRE.format(day="Thursday", terms=RAIL_TERMS), source_date=D(2025, 7, 31))
    assert draft.announced == D(2025, 7, 31)
    assert draft.prices[0].as_of == D(2025, 7, 30)


def test_two_companies_with_codes_in_one_sentence(tmp_path: Path) -> None:
    """The issue's case: "X (NYSE: UNP) and Y (NYSE: NSC) announced ...": Y's name starts after X's code."""
    article = (
        "Railroads agree to merge\n\n"
        "OMAHA, Neb., July 29, 2025 /Wire/ -- Union Pacific Corporation (NYSE: UNP) and Norfolk Southern "
        "Corporation (NYSE: NSC) announced today an agreement under which Union Pacific will acquire "
        f"Norfolk Southern. {RAIL_TERMS} Norfolk Southern shares closed at $282.10 on Monday.\n"
    )
    draft = draft_of(article)
    assert (draft.target_name, draft.target_ticker) == ("Norfolk Southern Corporation", "NSC")
    assert (draft.acquirer_ticker, draft.id) == ("UNP", "norfolk-southern-corporation")
    assert [(q.symbol, q.price, q.as_of) for q in draft.prices] == [("NSC", 282.10, D(2025, 7, 28))]
    assert [leg["kind"] for leg in legs(draft)] == ["stock", "cash"]
    load(draft, tmp_path)


# --- properties: every way of writing the shares leg ends in its ratio, or in a TODO ---------------

_FORMS = [
    "{q} Hooli common {share}",
    "{q} {share} of Hooli common stock",
    "{q} {share} of Hooli",
    "{q} new Hooli {share}",
]


@given(
    word=st.sampled_from(sorted(en.WORD_NUMBERS)),
    form=st.sampled_from(_FORMS),
    cash=st.integers(1, 9_999).map(lambda c: c / 100),
    capital=st.booleans(),
)
def test_any_written_ratio_is_read_with_its_cash(word: str, form: str, cash: float, capital: bool) -> None:
    q = word[0].upper() + word[1:] if capital else word
    value = en.WORD_NUMBERS[word]
    share = "share" if value <= 1 else "shares"
    if word.startswith(("a ", "half", "one-", "one ", "two-", "two ", "three-", "three ")) and value < 1:
        q = f"{q} of a" if not word.endswith((" a", " an")) else q
        share = "share"
    leg = form.format(q=q, share=share)
    sentence = f"For each Initech share, holders receive {leg} and ${cash:.2f} in cash."
    draft = draft_of(HOOLI.format(terms=sentence))
    stock = [leg for leg in legs(draft) if leg["kind"] == "stock"]
    cash_legs = [leg for leg in legs(draft) if leg["kind"] == "cash"]
    assert len(stock) == 1 and [c["amount"] for c in cash_legs] == [pytest.approx(cash)]
    assert stock[0]["ratio"] == pytest.approx(value), sentence


@given(
    vague=st.sampled_from(["a fraction of a", "a number of", "some", "a variable number of", "an amount of"]),
    form=st.sampled_from(["{v} Hooli share", "{v} shares of Hooli", "{v} Hooli common shares"]),
    cash=st.booleans(),
)
def test_shares_without_a_number_are_asked_for(vague: str, form: str, cash: bool) -> None:
    paid = form.format(v=vague) + (" and $5.00 in cash" if cash else "")
    draft = draft_of(HOOLI.format(terms=f"For each Initech share, holders will receive {paid}."))
    stock = [leg for leg in legs(draft) if leg["kind"] == "stock"]
    assert len(stock) == 1 and str(stock[0]["ratio"]).startswith("TODO:"), draft.to_toml()
    assert [leg["amount"] for leg in legs(draft) if leg["kind"] == "cash"] == ([5.0] if cash else [])


@pytest.mark.parametrize(
    ("sentence", "day", "said"),
    [
        ("The deal is expected to close on September 30, 2026.", D(2026, 9, 30), "on September 30, 2026"),
        ("It is expected to be completed by March 31, 2027, the companies said.", D(2027, 3, 31), "by March 31, 2027"),
    ],
)
def test_expected_close_keeps_the_year_after_the_days_comma(sentence: str, day: D, said: str) -> None:
    # "on September 30, 2026" was cut at the comma: no year, so no date and a TODO in the draft.
    assert en.expected_close(sentence) == (day, said)
    draft = draft_of(HOOLI.format(terms=f"Initech holders will receive $25.00 per share in cash. {sentence}"))
    assert draft.expected_close == day
    # A year after a year is no day's year.
    assert en.expected_close("It is expected to close in early 2026, 2027 at the latest.") == (None, "in early 2026")
