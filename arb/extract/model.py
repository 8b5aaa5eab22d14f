"""What the extractor hands back: drafts for deal items, reasons for the items it skipped."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

__all__ = ["DraftDeal", "Extraction", "QuotedPrice", "SkippedItem"]


@dataclass
class QuotedPrice:
    """A price printed in the article. ``symbol`` is a Yahoo ticker or a ``[securities]`` name."""

    symbol: str
    price: float
    currency: str
    role: str  # "target", "acquirer", "estimate"
    quote: str
    #: The day the price is of, read from the article ("Thursday's close" against its date); None
    #: when unknown, and then ``as_of_note`` says why (the price file gets a TODO, not today).
    as_of: datetime.date | None = None
    #: How ``as_of`` was found, or why it was not ("Thursday's close, the article dated ...").
    as_of_note: str = ""
    #: False when the day is a reading that the article does not settle (its publication time).
    as_of_confirmed: bool = True


@dataclass
class SkippedItem:
    """A news item that is not a deal, with the plain reason it was skipped."""

    headline: str
    reason: str


@dataclass
class DraftDeal:
    """The terms found for one deal-like news item; every figure keeps its sentence in ``quotes``.

    Amounts are per target share in major units of their currency (pence are already GBP);
    ``weights`` are proration fractions (0.5, not 50); totals are absolute (亿 and bn expanded).
    """

    headline: str
    language: str = "en"
    target_name: str | None = None
    target_ticker: str | None = None
    target_tickers: list[str] = field(default_factory=list)
    target_listed: bool = True
    acquirer_name: str | None = None
    acquirer_ticker: str | None = None
    acquirer_tickers: list[str] = field(default_factory=list)
    ratio: float | None = None
    stock_ticker: str | None = None
    security: str | None = None
    security_name: str | None = None
    security_currency: str | None = None
    security_proxy: str | None = None
    security_estimate: float | None = None
    cash_amount: float | None = None
    cash_currency: str | None = None
    value_per_share: float | None = None
    value_currency: str | None = None
    collar: tuple[float, float] | None = None
    #: The article puts a collar on the shares but no bounds were read: the draft asks for them.
    collar_todo: bool = False
    #: An exchange ratio written in an order the article does not settle ("换股比例为0.5:1"): what
    #: to ask, with both readings; the stock leg's ratio is then a TODO, never a guess.
    ratio_todo: str | None = None
    weights: dict[str, float] = field(default_factory=dict)
    election: bool = False
    offer_value: float | None = None
    offer_value_currency: str | None = None
    total_cash: float | None = None
    total_cash_currency: str | None = None
    total_value: float | None = None
    total_value_currency: str | None = None
    new_shares: float | None = None
    new_shares_upper_bound: bool = False
    implied_target_shares: float | None = None
    terms_undisclosed: bool = False
    #: A sentence paying part of the price in shares that no rule could read: the draft gets a
    #: stock leg of TODOs quoting it, so validation refuses the draft until it is filled in.
    stock_todo: str | None = None
    #: Why the stock leg's listing is unknown (the shares named have no ticker in the article).
    stock_ticker_todo: str | None = None
    #: Why the target's ticker is a TODO: per-share terms mean a listed target, the article gives no code.
    target_ticker_todo: str | None = None
    status: str = "announced"
    status_words: str | None = None
    announced: datetime.date | None = None
    expected_close: datetime.date | None = None
    expected_close_text: str | None = None
    prices: list[QuotedPrice] = field(default_factory=list)
    quotes: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    todos: list[str] = field(default_factory=list)
    source_title: str | None = None
    #: False when the article gives no title (it opens with a byline, a date line or straight into
    #: its text) and none was passed: the draft's [[source]] title is then a TODO, not ``headline``.
    headline_is_title: bool = True
    source_publisher: str | None = None
    source_date: datetime.date | None = None
    #: Where ``source_date`` came from when the caller gave none (the article's dateline).
    source_date_words: str | None = None
    source_url: str | None = None

    @property
    def currency(self) -> str | None:
        """The deal currency: the cash leg's, else the fixed value's, else the new security's."""
        return self.cash_currency or self.value_currency or self.security_currency

    @property
    def id(self) -> str:
        from arb.extract.render import deal_id

        return deal_id(self)

    def to_toml(self) -> str:
        """The draft deal file; unknown fields are ``# TODO`` comments, never guesses."""
        from arb.extract.render import render_toml

        return render_toml(self)

    def prices_csv_rows(self) -> list[dict[str, str]]:
        """Draft price-file rows (symbol, price, currency, as_of, source) for the quoted prices."""
        from arb.extract.render import price_rows

        return price_rows(self)


@dataclass
class Extraction:
    """Everything read from one article."""

    drafts: list[DraftDeal] = field(default_factory=list)
    skipped: list[SkippedItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
