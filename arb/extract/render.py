"""Write a draft as a deal TOML file (the issue-2 contract) and as draft price-file rows."""

from __future__ import annotations

import datetime
import re

from arb.extract.model import DraftDeal, QuotedPrice
from arb.extract.patterns_en import is_headline
from arb.text import safe

__all__ = ["deal_id", "price_rows", "render_toml", "toml_string"]

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        elif 0xD800 <= ord(ch) <= 0xDFFF:
            out.append("\\uFFFD")  # a lone surrogate is no character: TOML cannot hold it
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _num(x: float) -> str:
    text = repr(float(f"{x:.10g}"))
    return text if ("." in text or "e" in text or "inf" in text) else text + ".0"


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _comment(text: str) -> str:
    """Text for a ``#`` comment: one line, every control or format character written as an escape.

    TOML allows no control character in a comment; the extractor drops them from the article,
    and this keeps a draft valid whatever a caller puts in its fields (a title, a warning).
    """
    return safe(_one_line(text))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def deal_id(draft: DraftDeal) -> str:
    """An id derived from the target's name, else its ticker: lower-case words and hyphens."""
    for candidate in (
        draft.target_name if draft.target_listed else None,
        draft.target_ticker,
        draft.acquirer_name,
        draft.acquirer_ticker,
    ):
        if candidate and (slug := _slug(candidate)):
            return slug if slug[0].isalpha() else f"deal-{slug}"
    return "draft-deal"


def _deal_name(draft: DraftDeal) -> str:
    """The deal's name from its parties; a TODO value (validation refuses it) when one was not read."""
    acquirer = _one_line(draft.acquirer_name or "") or draft.acquirer_ticker
    target = _one_line(draft.target_name or "") or draft.target_ticker
    if not acquirer or not target:
        if target:
            unread = f"the buyer of {target} could not be read"
        elif acquirer:
            unread = f"the company {acquirer} buys could not be read"
        else:
            unread = "neither party could be read"
        return f"TODO: a short name for the deal, e.g. 'Bigco to acquire Acme' ({unread})"
    if draft.language == "zh":
        return f"{acquirer}私有化{target}" if "私有化" in draft.quotes.get("parties", "") else f"{acquirer}收购{target}"
    return f"{acquirer} to acquire {target}"


def _title(draft: DraftDeal) -> str | None:
    """The article's title: the one given, else the item's headline unless the article has none or
    that is a byline or a date line ("Published: ...", "By ..."); None when there is none."""
    if draft.source_title and _one_line(draft.source_title):
        return _one_line(draft.source_title)
    headline = _one_line(draft.headline)
    return headline if draft.headline_is_title and is_headline(headline) else None


_NO_TITLE = (
    "TODO: the article's title, e.g. 'Bigco to buy Acme' "
    "(the article opens with no headline, or with a byline or a date; give it with --title)"
)


def render_toml(draft: DraftDeal) -> str:
    title = _title(draft) or f"untitled, opening {draft.headline!r}"
    lines: list[str] = [
        f"# Draft deal file read from the article: {_comment(title)}",
        "# Check every figure against the article; '# TODO' lines need a value before use.",
    ]
    lines.append(f"id = {toml_string(deal_id(draft))}  # derived from the target's name or ticker")
    lines.append(f"name = {toml_string(_deal_name(draft))}")
    if draft.status_words:
        lines.append(
            f"status = {toml_string(draft.status)}  "
            f"# inferred from the words {_comment(repr(_one_line(draft.status_words)))}"
        )
    else:
        lines.append(
            f"status = {toml_string(draft.status)}  # inferred: the default, the article reports an agreed deal"
        )
    if draft.announced:
        lines.append(f"announced = {draft.announced.isoformat()}")
    if draft.expected_close:
        lines.append(
            f"expected_close = {draft.expected_close.isoformat()}  "
            f"# the article says {_comment(repr(_one_line(draft.expected_close_text or '')))}"
        )
    lines.extend(f"# TODO {safe(todo)}" for todo in draft.todos)  # safe: one line, its spacing kept
    if draft.currency:
        lines.append(f"currency = {toml_string(draft.currency)}")
    lines.extend(f"# WARNING {_comment(w)}" for w in draft.warnings)
    if draft.implied_target_shares:
        lines.append(
            f"# cross-check: total cash / cash per share = "
            f"{draft.implied_target_shares:,.0f} target shares"
            + (
                f", x ratio = {draft.implied_target_shares * draft.ratio:,.0f} new shares "
                f"(article: {draft.new_shares:,.0f})"
                if draft.ratio and draft.new_shares
                else ""
            )
        )
    if draft.offer_value:
        lines.append(
            f"# the article puts the offer at {_num(draft.offer_value)} "
            f"{_comment(str(draft.offer_value_currency))} per share"
        )
    if draft.total_value:
        lines.append(
            f"# the article puts the deal at {draft.total_value:,.0f} {_comment(str(draft.total_value_currency))}"
        )

    lines += ["", "[target]"]
    if draft.target_ticker:
        lines.append(f"ticker = {toml_string(draft.target_ticker)}")
    elif draft.target_ticker_todo:
        lines.append(f"ticker = {toml_string('TODO: ' + _one_line(draft.target_ticker_todo))}")
    else:
        lines.append("# the target has no listing in the article (unlisted, or not named)")
    lines.append(f"name = {toml_string(_one_line(draft.target_name or '') or 'undisclosed target')}")
    if len(draft.target_tickers) > 1:
        lines.append(f"# also listed as: {_comment(', '.join(draft.target_tickers[1:]))}")
    acquirer_name = _one_line(draft.acquirer_name or "")
    lines += ["", "[acquirer]"]
    if draft.acquirer_ticker:
        lines.append(f"ticker = {toml_string(draft.acquirer_ticker)}")
    elif acquirer_name:
        lines.append("# the acquirer has no listing in the article")
    if acquirer_name:
        lines.append(f"name = {toml_string(acquirer_name)}")
    elif not draft.acquirer_ticker:
        # A deal has a buyer: one the article does not let us read is asked for, never left out.
        lines.append(
            "name = " + toml_string("TODO: the buyer's name, e.g. 'Bigco Inc' (the article's buyer could not be read)")
        )
        lines.append('# add ticker = "..." above the name if the buyer is listed')
    if len(draft.acquirer_tickers) > 1:
        lines.append(f"# also listed as: {_comment(', '.join(draft.acquirer_tickers[1:]))}")

    lines += _legs(draft)
    if draft.security:
        lines += [
            "",
            f"[securities.{draft.security}]",
            f"name = {toml_string(draft.security_name or draft.security)}",
            f"currency = {toml_string(draft.security_currency or 'HKD')}",
        ]
        if draft.security_proxy:
            lines.append(
                f"proxy = {toml_string(draft.security_proxy)}  "
                "# the issuer's listed shares; converted to the currency above"
            )
        lines.append("# TODO discount = 0.0  (the article gives no discount of the new line to the proxy)")
        if draft.security_estimate is not None:
            lines.append(f"estimate = {_num(draft.security_estimate)}  # the article's estimate")
    lines += _sources(draft)
    return "\n".join(lines) + "\n"


def _weight(draft: DraftDeal, kind: str) -> list[str]:
    if kind in draft.weights:
        return [f"weight = {_num(draft.weights[kind])}  # proration share from the election"]
    return []


def _legs(draft: DraftDeal) -> list[str]:
    out: list[str] = []
    if draft.terms_undisclosed:
        return [
            "",
            "# terms undisclosed: the article gives no price or exchange ratio, so the draft has no [[consideration]]",
        ]
    if draft.ratio is not None or draft.ratio_todo:
        ratio = _num(draft.ratio) if draft.ratio is not None else toml_string(f"TODO: {draft.ratio_todo}")
        out += ["", "[[consideration]]", 'kind = "stock"', f"ratio = {ratio}"]
        if draft.security:
            out.append(f"security = {toml_string(draft.security)}")
        elif draft.stock_ticker:
            out.append(f"ticker = {toml_string(draft.stock_ticker)}")
        else:
            todo = draft.stock_ticker_todo or "the listing of the shares paid (the article does not say which)"
            out.append(f"ticker = {toml_string('TODO: ' + _one_line(todo))}")
        out += _collar(draft)
        out += _weight(draft, "stock")
    if draft.value_per_share is not None:
        out += ["", "[[consideration]]", 'kind = "stock"', f"value = {_num(draft.value_per_share)}"]
        ticker = draft.stock_ticker or draft.acquirer_ticker
        out.append(f"ticker = {toml_string(ticker)}" if ticker else '# TODO ticker = "..."')
        if draft.value_currency and draft.value_currency != draft.currency:
            out.append(f"# value is in {_comment(draft.value_currency)}")
        if draft.ratio is None and not draft.ratio_todo:
            out += _collar(draft)
        out += _weight(draft, "stock")
    if draft.cash_amount is not None:
        out += [
            "",
            "[[consideration]]",
            'kind = "cash"',
            f"amount = {_num(draft.cash_amount)}",
            f"currency = {toml_string(draft.cash_currency or '')}",
        ]
        out += _weight(draft, "cash")
    if draft.collar_todo and draft.ratio is None and not draft.ratio_todo and draft.value_per_share is None:
        out.append("# TODO the article puts a collar on the terms, but no stock leg was read to carry it")
    return out


def _collar(draft: DraftDeal) -> list[str]:
    """The stock leg's collar: its bounds, or a TODO value (validation refuses it) when none were read."""
    if draft.collar:
        return [f"collar = [{_num(draft.collar[0])}, {_num(draft.collar[1])}]"]
    if draft.collar_todo:
        return [
            "collar = \"TODO: [low, high], the price band the article's collar holds the shares' price in "
            '(the sentence is quoted under [[source]]); delete this line if there is no collar"'
        ]
    return []


_NOTES = {
    "parties": "who buys whom",
    "ratio": "the exchange ratio",
    "cash": "the cash per share",
    "value": "the fixed value per share in stock",
    "collar": "the collar",
    "election": "the election and proration",
    "offer_value": "the offer value per share",
    "total_cash": "the total cash",
    "total_value": "the deal's total value",
    "new_shares": "the shares to be issued",
    "status": "the status",
    "announced": "the announcement date",
    "expected_close": "the expected close",
    "undisclosed": "the terms being undisclosed",
}


def _sources(draft: DraftDeal) -> list[str]:
    by_sentence: dict[str, list[str]] = {}
    for key, sentence in draft.quotes.items():
        by_sentence.setdefault(sentence, []).append(_NOTES.get(key, key))
    for price in draft.prices:
        day = f" ({price.as_of.isoformat()})" if price.as_of else " (its day unknown)"
        by_sentence.setdefault(price.quote, []).append(f"the price of {price.symbol}{day}")
    out: list[str] = []
    for sentence, what in by_sentence.items():
        out += ["", "[[source]]", f"title = {toml_string(_title(draft) or _NO_TITLE)}"]
        out.append(
            f"publisher = {toml_string(draft.source_publisher)}"
            if draft.source_publisher
            else '# TODO publisher = "..."'
        )
        said = (
            f"  # the article's own date: {_comment(repr(draft.source_date_words))}" if draft.source_date_words else ""
        )
        out.append(
            f"date = {draft.source_date.isoformat()}{said}"
            if draft.source_date
            else "# TODO date = YYYY-MM-DD  (the article's publication date)"
        )
        if draft.source_url:
            out.append(f"url = {toml_string(draft.source_url)}")
        out.append(f"note = {toml_string('this sentence gives ' + ', '.join(what))}")
        out.append(f"quote = {toml_string(_one_line(sentence))}")
    return out


def price_rows(draft: DraftDeal) -> list[dict[str, str]]:
    source = _title(draft) or "untitled"
    if draft.source_publisher:
        source += f" ({draft.source_publisher})"
    return [
        {
            "symbol": q.symbol,
            "price": _num(q.price),
            "currency": q.currency,
            "as_of": _as_of(draft, q),
            "source": f"article: {source}" + (f"; day: {_one_line(q.as_of_note)}" if q.as_of_note else ""),
        }
        for q in draft.prices
    ]


def _as_of(draft: DraftDeal, q: QuotedPrice) -> str:
    """The price's day; a TODO (the price file refuses the row) when the article does not date it.

    Never today: an undated row would be taken as a current price.
    """
    if q.as_of is not None:
        return q.as_of.isoformat()
    if not q.as_of_note and isinstance(draft.source_date, datetime.date):
        return draft.source_date.isoformat()  # a price built by hand, not dated by the extractor
    return "TODO: YYYY-MM-DD, " + _one_line(q.as_of_note or "the article's date is unknown (give it with --date)")
