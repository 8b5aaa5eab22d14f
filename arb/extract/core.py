"""Read an article, split it into news items, and draft a deal for each deal-like item."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from types import ModuleType
from typing import TypeVar

from arb.extract import patterns_en, patterns_zh
from arb.extract.classify import skip_reason
from arb.extract.days import date_draft
from arb.extract.gaps import named_without_ticker, stock_gap, stock_listing_gap, target_listing_gap
from arb.extract.model import DraftDeal, Extraction, QuotedPrice, SkippedItem
from arb.extract.text import (
    Item,
    check_size,
    clean_text,
    drop_controls,
    html_to_text,
    is_chinese,
    looks_like_html,
    split_items,
    split_sentences,
)
from arb.extract.tickers import Company, Registry, find_companies

__all__ = ["extract_article"]

#: Relative disagreement between the totals and the per-share terms that earns a warning.
CROSS_CHECK_TOLERANCE = 0.01

#: A news item naming more listed companies than this is a list or a market table, not one
#: deal announcement (a merger names two or three); it is skipped, saying so.
MAX_COMPANIES_PER_ITEM = 24

Party = Company | str | None
T = TypeVar("T")


def extract_article(
    text: str,
    *,
    source_title: str | None = None,
    source_date: datetime.date | None = None,
    source_url: str | None = None,
    source_publisher: str | None = None,
) -> Extraction:
    """Draft deals from an article's text (plain text or HTML already reduced by ``read_article``).

    Each deal-like news item gives a :class:`DraftDeal`; each other item a :class:`SkippedItem`
    with the reason. Cross-check disagreements are in the draft's warnings and, prefixed with the
    item's headline, in ``Extraction.warnings``. Control characters in the article or in the
    ``source_*`` fields are dropped, so every draft is valid TOML. Raises
    :class:`~arb.extract.text.ArticleError` for text over ``MAX_ARTICLE_CHARS``.
    """
    check_size(len(text))
    text = drop_controls(text)
    if looks_like_html(text):
        text = html_to_text(text)
    source_title, source_url, source_publisher = (
        drop_controls(x) if x is not None else None for x in (source_title, source_url, source_publisher)
    )
    result = Extraction()
    items = split_items(text)
    if not items:
        result.warnings.append("no text found in the article")
    for item in items:
        outcome = _extract_item(item)
        if isinstance(outcome, SkippedItem):
            result.skipped.append(outcome)
            continue
        # The item's first headline, not a byline or a "Published" line above it; None (a TODO
        # title in the draft) when the article opens with no headline, or straight into its text.
        titles = (h for h in item.headlines if patterns_en.is_headline(h)) if item.titled else iter(())
        outcome.source_title = source_title or next(titles, None)
        outcome.headline_is_title = outcome.source_title is not None
        outcome.source_date = source_date
        outcome.source_url = source_url
        outcome.source_publisher = source_publisher
        # The article's own date (a dateline) when the caller gave none; the prices' days against it.
        date_draft(
            outcome,
            item.text,
            patterns_zh if outcome.language == "zh" else patterns_en,
            source_date,
            head=text[:1500],
        )
        result.drafts.append(outcome)
        result.warnings.extend(f"{item.headline}: {w}" for w in outcome.warnings)
    return result


def _first(sentences: list[str], finder: Callable[[str], T | None]) -> tuple[T, str] | None:
    for s in sentences:
        value = finder(s)
        if value:
            return value, s
    return None


def _extract_item(item: Item) -> DraftDeal | SkippedItem:
    language = "zh" if is_chinese(item.body) else "en"
    p: ModuleType = patterns_zh if language == "zh" else patterns_en
    body_sentences = split_sentences(item.body)
    sentences = body_sentences + [h for h in item.headlines]
    registry = find_companies(clean_text(item.text))
    if len(registry.companies) > MAX_COMPANIES_PER_ITEM:
        return SkippedItem(
            headline=item.headline,
            reason=f"it names {len(registry.companies)} listed companies (more than {MAX_COMPANIES_PER_ITEM}): "
            "a list or a market table, not one deal announcement",
        )
    lead = " ".join(body_sentences[:2])
    has_terms = any(p.ratio(s) or p.cash_per_share(s) or p.value_per_share(s) for s in body_sentences)
    reason = skip_reason(" ".join(item.headlines), lead, item.text, language, has_terms)
    if reason is not None:
        return SkippedItem(headline=item.headline, reason=reason)

    draft = DraftDeal(headline=item.headline, language=language)
    acquirer, target, role_quote = _roles(sentences, registry, p, language)
    _set_parties(draft, acquirer, target, role_quote)
    _read_terms(draft, body_sentences, registry, p)
    _read_status_and_dates(draft, body_sentences, p)
    _read_prices(draft, body_sentences, registry, p)
    _cross_check(draft)
    _todos(draft)
    return draft


# --- who buys whom -------------------------------------------------------------------------


def _roles(sentences: list[str], registry: Registry, p: ModuleType, language: str) -> tuple[Party, Party, str]:
    best: tuple[Party, Party, str] = (None, None, "")
    if language == "zh":
        # "X将向Y的原有股东支付…" names both sides most reliably.
        for s in sentences:
            if (m := p.PAYS_RE.search(s)) is not None and registry.resolve(m["t"]) is not None:
                found = _roles_in(s, registry, p, language)
                if found is not None and found[0] is not None:
                    return found[0], found[1], s
    for s in sentences:
        found = _roles_in(s, registry, p, language)
        if found is None:
            continue
        acquirer, target = found
        if isinstance(acquirer, Company) and isinstance(target, Company):
            return acquirer, target, s
        score = (
            isinstance(acquirer, Company) + isinstance(target, Company) + (acquirer is not None) + (target is not None)
        )
        old = best
        old_score = (
            isinstance(old[0], Company) + isinstance(old[1], Company) + (old[0] is not None) + (old[1] is not None)
        )
        if score > old_score:
            best = (acquirer, target, s)
    return best


def _roles_in(s: str, registry: Registry, p: ModuleType, language: str) -> tuple[Party, Party] | None:
    mentions = registry.mentions(s)

    def last_before(pos: int) -> Company | None:
        before = [m for m in mentions if m.end <= pos]
        return before[-1].company if before else None

    def first_after(pos: int) -> Company | None:
        after = [m for m in mentions if m.start >= pos]
        return after[0].company if after else None

    if language == "zh":
        if (m := p.PAYS_RE.search(s)) is not None:
            payee = registry.resolve(m["t"])
            if payee is not None:
                return last_before(m.start()) or _zh_subject(s[: m.start()]), payee
        if (v := p.ACTIVE_VERBS.search(s)) is not None:
            before = [mn for mn in mentions if mn.end <= v.start()]
            if len(before) >= 2 and p.PASSIVE_RE.search(s[before[-2].end : before[-1].start]):
                return before[-1].company, before[-2].company
            if before and (pm := p.PASSIVE_RE.search(s, before[-1].end, v.start())) is not None:
                # "Y获X提出私有化": the buyer sits between 获 and the verb, maybe unlisted.
                buyer = re.sub(r"(?:提出|发出|作出|的|拟|以|就|可能)+.*$", "", s[pm.end() : v.start()]).strip()
                if len(buyer) >= 2:
                    return buyer, before[-1].company
            return (
                last_before(v.start()) or _zh_subject(s[: v.start()]),
                first_after(v.end()) or _zh_object(s[v.end() :]),
            )
        return None
    acquirer: Party
    target: Party
    if (v := p.PASSIVE_VERBS.search(s)) is not None:
        target = last_before(v.start()) or _en_subject(s[: v.start()])
        acquirer = first_after(v.end()) or _en_object(s[v.end() :])
        return acquirer, target
    if (v := p.ACTIVE_VERBS.search(s)) is not None:
        acquirer = last_before(v.start()) or _en_subject(s[: v.start()])
        target = first_after(v.end()) or _en_object(s[v.end() :])
        return acquirer, target
    return None


# How far before a verb a party's name is looked for: a name is a few words; the window keeps
# the search from running back over a whole paragraph from every capital letter.
_NAME_REACH = 300


def _zh_subject(before: str) -> str | None:
    run = re.split(r"[,，。;:、]", before[-_NAME_REACH:])[-1]
    run = re.sub(
        r"(?:拟|将|已|宣布|计划|提出|正|本周\S|周\S|今日|昨日|以[^,。]{0,30}?方式|签署[^,。]{0,30}?协议)+.*$", "", run
    ).strip()
    return run if 2 <= len(run) <= 20 else None


def _zh_object(after: str) -> str | None:
    run = re.split(r"[,，。;:(]", after[:_NAME_REACH], maxsplit=1)[0].strip()
    return run[:40] if len(run) >= 2 else None


# A company's name as English news writes it: capitalised words, with the legal form kept
# whether it is written in lower case ("Qbig plc") or after a comma ("Qbig Holdings, Inc.").
_LOWER_FORM = r"(?:plc|p\.l\.c\.)(?![\w])"
_FORMS = r"(?:Inc\.?|Corp\.?|Corporation|Ltd\.?|LLC|L\.P\.|N\.V\.|S\.A\.|plc|PLC|AG|SE|Limited|Co\.?)(?![\w])"
_COMMA_FORM = rf"(?:,\s*{_FORMS})?"
_EN_NAME = rf"[A-Z][\w&.'\-]*(?:\s+(?:[A-Z][\w&.'\-]*|{_LOWER_FORM}|&{{joins}}))*{_COMMA_FORM}"
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
# "Qbig plc on Monday agreed to buy ...": the day between the name and the verb is no name.
_EN_SUBJECT = re.compile(
    rf"(?<![\w'’])({_EN_NAME.format(joins='|of')})\s*(?:\([^)]{{0,80}}\)\s*)?"
    rf"(?:(?:late |early )?on {_WEEKDAY}\s+)?"
    r"(?:,[^,]{0,80},\s*)?(?:has |have |had )?(?:agreed|agrees|will|would|is|are|was|were|has|have|had|"
    r"plans|said|announced|to|signed|made|offered|launched)\b"
)
# "buy the remaining 60% of Zetaqa Inc", "acquire all of the outstanding shares of Zetaqa": the
# whole of the target, so the name after these words is the target. A stake ("a 20% stake in")
# is no takeover: its name is not read, and the draft asks who the target is.
_WHOLE_OF = (
    r"(?:the\s+(?:remaining|rest\s+of\s+the|outstanding)\s+(?:\d+(?:\.\d+)?\s?%\s+)?(?:stake\s+in|shares\s+(?:of|in)|of)\s+"
    r"|all\s+(?:of\s+)?(?:the\s+)?(?:(?:outstanding|remaining|issued)\s+)*(?:shares\s+(?:of|in)\s+)?)"
)
_EN_OBJECT = re.compile(rf"\s*{_WHOLE_OF}?(?:privately[- ]held\s+|the\s+|rival\s+)?({_EN_NAME.format(joins='')})")


# Words before the buyer that are not its name: "On Monday Qbig plc", "Britain's Qbig plc" (the
# country or parent); "McDonald's Corp" keeps its "'s", as the rest is only a legal form.
_LEAD = re.compile(
    rf"^(?:(?:On|Late on|Early on)\s+{_WEEKDAY},?\s+|[A-Z][\w.\-]*['’]s\s+(?!{_FORMS}$))"
    r"(?=[A-Z])"
)


def _en_subject(before: str) -> str | None:
    m = _EN_SUBJECT.search(before[-_NAME_REACH:])
    if m is None or re.fullmatch(_WEEKDAY, m.group(1)):
        return None
    return _LEAD.sub("", m.group(1))


def _en_object(after: str) -> str | None:
    after = after[:_NAME_REACH]
    m = _EN_OBJECT.match(after)
    if m:
        return m.group(1)
    m = re.match(r"\s*((?:an?|one)\s+[^,.;]{3,60}?)(?:\s+for\b|\s+in\b|[,.;]|$)", after)
    return m.group(1) if m else None


def _set_parties(draft: DraftDeal, acquirer: Party, target: Party, quote: str) -> None:
    if isinstance(acquirer, Company):
        draft.acquirer_name, draft.acquirer_ticker = acquirer.name, acquirer.ticker
        draft.acquirer_tickers = list(acquirer.tickers)
    elif acquirer:
        draft.acquirer_name = acquirer
    if isinstance(target, Company):
        draft.target_name, draft.target_ticker = target.name, target.ticker
        draft.target_tickers = list(target.tickers)
    elif target:
        draft.target_name, draft.target_listed = target, False
    if quote:
        draft.quotes["parties"] = quote


# --- terms -----------------------------------------------------------------------------------


def _read_terms(draft: DraftDeal, sentences: list[str], registry: Registry, p: ModuleType) -> None:
    if (found := _first(sentences, p.ratio)) is not None:
        pair, s = found
        value, sec_phrase = pair
        draft.ratio = float(value)
        draft.quotes["ratio"] = s
        if p is patterns_zh:
            _parties_from_ratio(draft, s, registry)
        _stock_security(draft, sec_phrase, registry)
    if (found := _first(sentences, p.cash_per_share)) is not None:
        money, s = found
        draft.cash_amount, draft.cash_currency = money.amount, money.currency
        draft.quotes["cash"] = s
    if (found := _first(sentences, p.value_per_share)) is not None:
        money, s = found
        draft.value_per_share, draft.value_currency = money.amount, money.currency
        draft.quotes["value"] = s
        if draft.ratio is None and draft.stock_ticker is None:
            draft.stock_ticker = draft.acquirer_ticker
    if draft.ratio is None and p is patterns_zh and (found := _first(sentences, patterns_zh.ratio_todo)) is not None:
        draft.ratio_todo, draft.quotes["ratio"] = found
        _stock_security(draft, "", registry)
    if (mention := getattr(p, "stock_mention", None)) is not None and stock_gap(draft, sentences, mention):
        _stock_security(draft, "", registry)  # shares paid, no ratio read: a TODO ratio on the acquirer's shares
    if (found := _first(sentences, p.collar)) is not None:
        draft.collar, draft.quotes["collar"] = found
    elif (found := _first(sentences, lambda s: p.COLLAR_RE.search(s))) is not None:
        draft.collar_todo, draft.quotes["collar"] = True, found[1]  # a collar with no bounds read: asked for
    for s in sentences:
        weights = p.election(s)
        if weights is not None:
            draft.election = True
            draft.weights = weights
            draft.quotes["election"] = s
            if weights:
                break
    if (found := _first(sentences, p.offer_value)) is not None:
        money, s = found
        draft.offer_value, draft.offer_value_currency = money.amount, money.currency
        draft.quotes["offer_value"] = s
    if (found := _first(sentences, p.total_cash)) is not None:
        money, s = found
        draft.total_cash, draft.total_cash_currency = money.amount, money.currency
        draft.quotes["total_cash"] = s
    if (found := _first(sentences, p.total_value)) is not None:
        money, s = found
        draft.total_value, draft.total_value_currency = money.amount, money.currency
        draft.quotes["total_value"] = s
    if (found := _first(sentences, p.new_shares)) is not None:
        pair, s = found
        count, upper = pair
        draft.new_shares, draft.new_shares_upper_bound = float(count), bool(upper)
        draft.quotes["new_shares"] = s
    has_legs = (
        draft.ratio is not None
        or draft.ratio_todo is not None
        or draft.cash_amount is not None
        or draft.value_per_share is not None
    )
    if not has_legs:
        draft.terms_undisclosed = True
        if (found := _first(sentences, lambda s: p.UNDISCLOSED_RE.search(s))) is not None:
            draft.quotes["undisclosed"] = found[1]


def _parties_from_ratio(draft: DraftDeal, s: str, registry: Registry) -> None:
    """A "每…股" sentence names the target (the shares held) and the acquirer (the shares paid):
    when both are known companies it settles who buys whom, over the verbs ("A与B…吸收合并")."""
    sides = patterns_zh.ratio_sides(s)
    if sides is None:
        return
    held, paid = (registry.resolve(side) if side else None for side in sides)
    if held is None or paid is None or held is paid:
        return
    if draft.target_ticker == held.ticker and draft.acquirer_ticker == paid.ticker:
        return
    draft.warnings.append(
        f"who buys whom is read from the exchange ratio: {held.name} shares are exchanged for {paid.name} shares"
    )
    draft.target_listed = True
    _set_parties(draft, paid, held, s)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _stock_security(draft: DraftDeal, phrase: str, registry: Registry) -> None:
    """Which shares the ratio is paid in: a listed ticker, or a new line priced from a proxy."""
    issuer = registry.resolve(phrase) if phrase else None
    if stock_listing_gap(draft, phrase, registry):
        return  # shares of a company the article gives no ticker: asked for, not taken as the acquirer's
    if issuer is None:
        issuer = next((c for c in registry.companies if c.ticker == draft.acquirer_ticker), None)
    share_class = "H" if "H股" in phrase else "A" if "A股" in phrase else None
    if issuer is not None and share_class == "H" and issuer.listing_on("HK") is None:
        # New H shares of a company listed only in mainland China: no quote yet.
        proxy = issuer.listing_on("SS") or issuer.listing_on("SZ") or issuer.ticker
        base = _slug(issuer.name) if issuer.name.isascii() else _slug((proxy or "new").split(".")[0])
        draft.security = f"{base}-h" if base and not base[0].isdigit() else f"h-{base or 'new'}"
        draft.security_name = f"{issuer.name} H股"
        draft.security_currency = "HKD"
        draft.security_proxy = proxy
        return
    if issuer is not None and issuer.ticker:
        draft.stock_ticker = issuer.listing_on("HK") if share_class == "H" else issuer.ticker
        return
    draft.stock_ticker = draft.acquirer_ticker


def _read_status_and_dates(draft: DraftDeal, sentences: list[str], p: ModuleType) -> None:
    for s in sentences:
        if (found := p.status(s)) is not None:
            draft.status, draft.status_words = found
            draft.quotes["status"] = s
            break
    for s in sentences:
        if p.announces(s) and (dates := p.dates(s)):
            draft.announced = dates[0]
            draft.quotes["announced"] = s
            break
    for s in sentences:
        if (found := p.expected_close(s)) is not None:
            draft.expected_close, draft.expected_close_text = found
            draft.quotes["expected_close"] = s
            break


def _clip(s: str, limit: int = 80) -> str:
    return s if len(s) <= limit else s[: limit - 3] + "..."


def _read_prices(draft: DraftDeal, sentences: list[str], registry: Registry, p: ModuleType) -> None:
    seen: set[str] = set()
    for s in sentences:
        for money, kind, who in p.prices(s):
            if kind == "estimate":
                symbol = draft.security or draft.stock_ticker or draft.acquirer_ticker
                role = "estimate"
                if draft.security and symbol == draft.security:
                    draft.security_estimate = money.amount
            else:
                mentions = registry.mentions(who)
                company = mentions[-1].company if mentions else None
                if company is None and draft.target_ticker is None and named_without_ticker(who, draft.target_name):
                    draft.warnings.append(
                        f"the article quotes {money.amount:g} {money.currency} for {draft.target_name}, "
                        "which it gives no ticker: not in the price rows"
                    )
                    continue
                symbol = (
                    company.ticker
                    if company
                    else (draft.target_ticker if draft.target_listed else draft.acquirer_ticker)
                )
                role = "target" if symbol == draft.target_ticker else "acquirer"
            if symbol is None and kind != "estimate":
                draft.warnings.append(
                    f"the article quotes {money.amount:g} {money.currency} in {_clip(s)!r} for a company "
                    "it gives no ticker: not in the price rows"
                )
            if symbol is None or symbol in seen:
                continue
            seen.add(symbol)
            draft.prices.append(QuotedPrice(symbol, money.amount, money.currency, role, s))


# --- checks ----------------------------------------------------------------------------------


def _rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b) if b else float("inf")


def _cross_check(draft: DraftDeal) -> None:
    if draft.total_cash and draft.cash_amount:
        if draft.total_cash_currency != draft.cash_currency:
            draft.warnings.append(
                f"total cash is in {draft.total_cash_currency} but cash per share in "
                f"{draft.cash_currency}: not cross-checked"
            )
        else:
            draft.implied_target_shares = draft.total_cash / draft.cash_amount
    if draft.implied_target_shares and draft.new_shares and draft.ratio:
        expected = draft.implied_target_shares * draft.ratio
        gap = _rel(expected, draft.new_shares)
        if gap > CROSS_CHECK_TOLERANCE:
            bound = " (the article gives it as a maximum)" if draft.new_shares_upper_bound else ""
            draft.warnings.append(
                f"totals disagree with the per-share terms by {gap:.1%}: total cash / cash per share "
                f"= {draft.implied_target_shares:,.0f} target shares, x ratio {draft.ratio:g} = "
                f"{expected:,.0f} new shares, but the article says {draft.new_shares:,.0f}{bound}"
            )
    if draft.offer_value:
        value = _value_from_article(draft)
        if value is not None and _rel(value, draft.offer_value) > CROSS_CHECK_TOLERANCE:
            draft.warnings.append(
                f"the article puts the offer at {draft.offer_value:g} {draft.offer_value_currency} per "
                f"share, but its own terms and prices give {value:.2f}"
            )
    if draft.weights and abs(sum(draft.weights.values()) - 1.0) > 1e-6:
        draft.warnings.append(f"election weights {draft.weights} do not add up to 1")


def _value_from_article(draft: DraftDeal) -> float | None:
    """Per-share value of the terms at the article's own prices, when every leg has one."""
    value = 0.0
    if draft.ratio is not None:
        symbol = draft.security or draft.stock_ticker
        price = next((q for q in draft.prices if q.symbol == symbol), None)
        if price is None or price.currency != draft.offer_value_currency:
            return None
        value += draft.ratio * price.price
    if draft.value_per_share is not None:
        value += draft.value_per_share
    if draft.cash_amount is not None:
        if draft.cash_currency != draft.offer_value_currency:
            return None
        value += draft.cash_amount
    return value if value else None


def _todos(draft: DraftDeal) -> None:
    target_listing_gap(draft)
    if draft.announced is None:
        draft.todos.append("announced = YYYY-MM-DD  (no announcement date in the article)")
    if draft.expected_close is None:
        said = (
            f'; the article says "{draft.expected_close_text}"'
            if draft.expected_close_text
            else " (not in the article)"
        )
        draft.todos.append(f"expected_close = YYYY-MM-DD{said}")
    if draft.election and not draft.weights:
        draft.todos.append("weight = 0.5 on each leg of the election  (the article gives no proration split)")
    if draft.security and draft.security_estimate is None:
        draft.todos.append(f"estimate for [securities.{draft.security}]  (the article quotes none)")
    if draft.acquirer_ticker is None and draft.acquirer_name is None:
        draft.todos.append("[acquirer] name and ticker  (not found in the article)")
