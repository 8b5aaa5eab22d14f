"""How English deal announcements write their terms ("for each share ... 0.5 shares of X and $12 in
cash", "$25.00 per share in cash", "total cash consideration of US$2.3 billion")."""

from __future__ import annotations

import datetime
import re

from arb.extract.money import NUM, Money, find_money, parse_count
from arb.extract.shared import quoted_prices, status_of

DEAL_RE = re.compile(
    r"\b(?:acquir\w*|acquisition|merger|merge|buyout|take[- ]private|taken private|"
    r"takeover|tender offer|to buy|buys|bid for|scheme of arrangement|"
    r"per share in cash)\b",
    re.I,
)
IPO_RE = re.compile(
    r"\b(?:IPO|initial public offering|prices? (?:its|an) offering|listing debut|"
    r"public offering|flotation)\b",
    re.I,
)
PARTNER_RE = re.compile(
    r"\b(?:partnership|partners? with|partnering|collaborat\w*|alliance|"
    r"joint venture|teams? up)\b",
    re.I,
)
RESULTS_RE = re.compile(r"\b(?:results|earnings|revenue|quarterly|net income|profit|guidance)\b", re.I)
OPINION_RE = re.compile(
    r"\b(?:opinion|op-ed|commentary|the views expressed|author's own|"
    r"columnist)\b",
    re.I,
)
RUMOUR_RE = re.compile(
    r"\b(?:non-binding|nonbinding|rumou?r\w*|people familiar|sources said|"
    r"in (?:advanced |early |exclusive )?talks|exploring a sale|possible offer|"
    r"indicative (?:offer|proposal)|preliminary proposal|approach(?:ed)?|no binding agreement|"
    r"not legally binding|may or may not (?:proceed|be made|lead)|no certainty that (?:any|an|the) offer)\b",
    re.I,
)
COMPLETED_RE = re.compile(
    r"\b(?:has |have )?completed (?:its |the )?(?:acquisition|merger|purchase|"
    r"takeover)\b",
    re.I,
)
TERMINATED_RE = re.compile(
    r"\b(?:terminated (?:the|its) (?:merger|acquisition|deal|agreement)|"
    r"called off|walked away)\b",
    re.I,
)
UNDISCLOSED_RE = re.compile(
    r"\b(?:terms (?:were|was) not disclosed|did not disclose|undisclosed "
    r"(?:sum|price|terms|amount)|financial terms (?:were )?not)",
    re.I,
)

_SEC = r"(?P<sec>(?:the )?[A-Z][\w&.'\-]*(?:\s+(?:[A-Z][\w&.'\-]*|&))*)"
_RATIO = [
    re.compile(
        rf"(?<![\d.])(?P<ratio>\d+(?:\.\d+)?)\s+(?:of\s+an?\s+)?(?:(?:new|ordinary|common|class\s+[A-Z])\s+)*"
        rf"(?:shares?|ADSs?|American depositary shares)\s+of\s+{_SEC}"
    ),
    re.compile(
        rf"(?<![\d.])(?P<ratio>\d+\.\d+)\s+(?:new\s+)?{_SEC}\s+(?:common\s+|ordinary\s+)?(?:shares?|stock|ADSs?)\b"
    ),
    re.compile(r"exchange ratio\s+(?:of|is|was|set at|fixed at)\s+(?P<ratio>\d+\.\d+)(?P<sec>)"),
]
_PER_SHARE_CONTEXT = re.compile(r"\bfor each\b|\bper share\b|\beach\b|\bexchange ratio\b|\bfor every\b", re.I)
_CASH_AFTER = re.compile(
    r"^\s*(?:per\s+(?:\w+\s+)?share\s+)?in\s+cash\b|^\s*in\s+cash\s+per\b|"
    r"^\s*cash\b|^\s*per\s+share\s+cash\b",
    re.I,
)
_CASH_BEFORE = re.compile(r"\bcash(?:\s+consideration|\s+payment)?\s+of\s*$|\bcash\s+price\s+of\s*$", re.I)
_PER_SHARE_AFTER = re.compile(r"^\s*(?:a|per)\s+(?:\w+\s+)?share\b", re.I)
_NOT_OFFER_BEFORE = re.compile(
    r"(?:clos\w*|price|premium|traded|trading|valued|worth|implied|"
    r"values?|represents?|between|and|high|low|estimated?)\s*(?:of|at|to)?\s*$",
    re.I,
)
_STOCK_AFTER = re.compile(
    r"^\s*(?:per\s+share\s+)?(?:payable\s+|paid\s+)?in\s+(?:[\w'’]+\s+){0,3}?"
    r"(?:stock|shares|common stock)\b",
    re.I,
)
_STOCK_BEFORE = re.compile(r"(?:stock|shares)\s+(?:valued at|worth|with a value of)\s*$", re.I)
_OFFER_VALUE_BEFORE = re.compile(
    r"(?:values? (?:each|\w+ shares?) at|implied (?:value|price) of|"
    r"worth|valued at|total value of)\s*(?:about|approximately|around|roughly)?\s*$",
    re.I,
)
_TOTAL_CASH = re.compile(
    r"(?:total|aggregate)\s+cash\s+(?:consideration|payment|amount|outlay)?\s*"
    r"(?:of|is|will be|totals?|amounts to)?\s*(?:about|approximately|around|roughly|"
    r"some)?\s*$",
    re.I,
)
_TOTAL_VALUE = re.compile(
    r"(?:valued? (?:the \w+ |\w+ )?at|transaction value of|equity value of|"
    r"enterprise value of|deal (?:is )?worth|worth|in a deal valued at)\s*"
    r"(?:about|approximately|around|roughly|some|nearly)?\s*$",
    re.I,
)
_NEW_SHARES = re.compile(
    rf"(?:issue|issuing|issuance of)\s+(?P<pre>(?:up to|approximately|about|roughly|"
    rf"a total of|as many as|no more than|some)\s+)*(?P<num>{NUM})\s*"
    rf"(?P<scale>billion|bn|million|mn|m)?\s+(?:new\s+)?(?:[\w-]+\s+){{0,3}}?shares",
    re.I,
)
_PRICE_BEFORE = re.compile(
    r"(?:closed at|closing price of|last traded at|trading at|traded at|"
    r"trades at|share price of|shares (?:were|are|stood) at|ended (?:the day|"
    r"trading) at|last (?:sale|close) of)\s*$",
    re.I,
)
_ESTIMATE_BEFORE = re.compile(
    r"estimated?\s+(?:value|price)\s+(?:of\s+(?P<who>[^,;.$]{0,40}?)\s*"
    r"(?:at|of)\s*|of\s*)$",
    re.I,
)
_MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        1,
    )
}
_DATE_MDY = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|"
    r"November|December)\s+(\d{1,2}),?\s+(20\d\d)"
)
_DATE_DMY = re.compile(
    r"\b(\d{1,2})\s+(January|February|March|April|May|June|July|August|September|"
    r"October|November|December)\s+(20\d\d)"
)
_EXPECTED = re.compile(
    r"expected to (?:close|complete|be completed|be finali[sz]ed)\s+"
    r"(?P<when>(?:in|by|during|before|on|at|within)\s+[^.;,]{3,50})",
    re.I,
)
_ELECTION = re.compile(r"\belect\w*\b|\bprorat\w*\b|\bproration\b", re.I)
_WEIGHT = re.compile(r"(?<![\d.])(?P<p>\d+(?:\.\d+)?)\s?%[^.;%]{0,70}?\b(?P<k>cash|stock)\b", re.I)

ACTIVE_VERBS = re.compile(
    r"\b(?:acquire|acquires|acquiring|buy|buys|purchase|take private|"
    r"takes private|merge with|acquisition of|bid for)\b",
    re.I,
)
PASSIVE_VERBS = re.compile(
    r"\b(?:be acquired|be bought|be taken private|acquired|bought|"
    r"taken private|purchased)\s+by\b",
    re.I,
)


def ratio(s: str) -> tuple[float, str] | None:
    if not _PER_SHARE_CONTEXT.search(s):
        return None
    for regex in _RATIO:
        m = regex.search(s)
        if m is not None and not re.match(r"\s*(?:million|billion|bn)", s[m.end("ratio") :]):
            sec = re.sub(r"^the\s+", "", m["sec"] or "")
            return float(m["ratio"]), sec
    return None


def _per_share_amounts(s: str) -> list[tuple[Money, str, str]]:
    return [(m, s[max(0, m.start - 40) : m.start], s[m.end : m.end + 60]) for m in find_money(s) if not m.scaled]


def cash_per_share(s: str) -> Money | None:
    stock_words = re.search(r"\bshares? of\b|\bin stock\b|\bstock\b", s, re.I)
    for money, before, after in _per_share_amounts(s):
        if _STOCK_AFTER.search(after) or _STOCK_BEFORE.search(before):
            continue
        if _CASH_AFTER.search(after) or _CASH_BEFORE.search(before):
            return money
        if (
            _PER_SHARE_AFTER.search(after)
            and not _NOT_OFFER_BEFORE.search(before)
            and not stock_words
            and re.search(r"\bcash\b|\bfor\b", before + after, re.I)
        ):
            return money
    return None


def value_per_share(s: str) -> Money | None:
    for money, before, after in _per_share_amounts(s):
        if _STOCK_AFTER.search(after) or _STOCK_BEFORE.search(before):
            return money
    return None


def offer_value(s: str) -> Money | None:
    for money, before, _after in _per_share_amounts(s):
        if _OFFER_VALUE_BEFORE.search(before):
            return money
    return None


#: Words that put a collar on the terms; when no bounds are read, the draft asks for them (a TODO).
COLLAR_RE = re.compile(r"\bcollar(?:ed|s)?\b|\bprice band\b", re.I)

_COLLAR_BOUNDS = re.compile(
    rf"\b(?:between|from|of)\s+(?P<a>\S{{0,6}}?(?:{NUM})\S{{0,6}}?)\s+(?:and|to)\s+(?P<b>\S{{0,6}}?(?:{NUM}))"
)


def collar(s: str) -> tuple[float, float] | None:
    if not re.search(r"\bcollar\b|\bband\b|\brange\b|volume-weighted|\bVWAP\b|average (?:closing )?price", s, re.I):
        return None
    m = _COLLAR_BOUNDS.search(s)
    if m is None:
        return None
    found = [x for x in find_money(m.group(0)) if not x.scaled]
    if len(found) == 2 and found[0].amount < found[1].amount:
        return (found[0].amount, found[1].amount)
    return None


def election(s: str) -> dict[str, float] | None:
    if not _ELECTION.search(s):
        return None
    weights: dict[str, float] = {}
    for m in _WEIGHT.finditer(s):
        kind = "cash" if m["k"].lower() == "cash" else "stock"
        weights.setdefault(kind, float(m["p"]) / 100)
    return weights


def total_cash(s: str) -> Money | None:
    for money in find_money(s):
        if _TOTAL_CASH.search(s[max(0, money.start - 60) : money.start]):
            return money
    return None


def total_value(s: str) -> Money | None:
    for money in find_money(s):
        if money.scaled and _TOTAL_VALUE.search(s[max(0, money.start - 40) : money.start]):
            return money
    return None


def new_shares(s: str) -> tuple[float, bool] | None:
    m = _NEW_SHARES.search(s)
    if m is None:
        return None
    upper = re.search(r"up to|as many as|no more than", m.group(0), re.I) is not None
    return parse_count(m["num"], m["scale"]), upper


def prices(s: str) -> list[tuple[Money, str, str]]:
    return quoted_prices(s, _ESTIMATE_BEFORE, _PRICE_BEFORE, 60)


def status(s: str) -> tuple[str, str] | None:
    return status_of(s, TERMINATED_RE, COMPLETED_RE, RUMOUR_RE)


def dates(s: str) -> list[datetime.date]:
    out = []
    for m in _DATE_MDY.finditer(s):
        out.append(datetime.date(int(m[3]), _MONTHS[m[1].lower()], int(m[2])))
    for m in _DATE_DMY.finditer(s):
        out.append(datetime.date(int(m[3]), _MONTHS[m[2].lower()], int(m[1])))
    return out


def expected_close(s: str) -> tuple[datetime.date | None, str] | None:
    m = _EXPECTED.search(s)
    if m is None:
        return None
    found = dates(m["when"])
    return (found[0] if found else None), m["when"].strip()


def announces(s: str) -> bool:
    return re.search(r"\bannounc\w*|\bsaid on\b|\bagreed\b", s, re.I) is not None
