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
    r"will buy|is buying|agree[sd]? to purchase|takes? over|taking over|offer for|"
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

# The name of the shares paid: a few capitalised words. Bounded, so a run of capitalised words
# ("One Hooli One Hooli ...") is not rescanned from each number word in it.
_SEC = r"(?P<sec>(?:the )?[A-Z][\w&.'\-]{0,40}(?:\s+(?:[A-Z][\w&.'\-]{0,40}|&)){0,7})"

#: Share counts written in words, as agreements and news write a ratio ("one Union Pacific common
#: share", "one-half of a share"). "a fraction of a share" is no number: that sentence becomes a TODO.
WORD_NUMBERS = {
    "one": 1.0,
    "two": 2.0,
    "three": 3.0,
    "four": 4.0,
    "five": 5.0,
    "six": 6.0,
    "seven": 7.0,
    "eight": 8.0,
    "nine": 9.0,
    "ten": 10.0,
    "one-half": 0.5,
    "one half": 0.5,
    "a half": 0.5,
    "one-third": 1 / 3,
    "one third": 1 / 3,
    "two-thirds": 2 / 3,
    "two thirds": 2 / 3,
    "one-quarter": 0.25,
    "one quarter": 0.25,
    "a quarter": 0.25,
    "three-quarters": 0.75,
    "three quarters": 0.75,
    "one and a half": 1.5,
    "one and one-half": 1.5,
    "half a": 0.5,
    "half an": 0.5,
}
# Lower case and capitalised, matched case-sensitively: a case-insensitive alternation is tried
# letter by letter at every position of the text (three times slower on a long article).
_WORDS = "|".join(
    re.escape(v).replace(r"\ ", r"\s+")
    for v in sorted({v for w in WORD_NUMBERS for v in (w, w[0].upper() + w[1:])}, key=len, reverse=True)
)
_PAREN_COUNT = r"(?:\s?\(\d+(?:\.\d+)?\))?"  # "one (1) share": agreements repeat the count in digits
# A count: digits starting their own run, or a number word standing alone ("someone" holds no
# "one"). Each rule below comes in a digits form and a words form, so each regex starts cheaply.
_DIGITS = rf"(?<![\d.,$€£\w])(?P<ratio>\d+(?:\.\d+)?){_PAREN_COUNT}(?P<word>)"
_DIGITS_SMALL = rf"(?<![\d.,$€£\w])(?P<ratio>\d{{1,3}}(?:\.\d+)?)(?![\d,]){_PAREN_COUNT}(?P<word>)"
_WORD = rf"(?<![\w\-])(?P<word>{_WORDS})(?![\w\-]){_PAREN_COUNT}(?P<ratio>)"
_KIND = r"(?:(?:new|newly\s+issued|ordinary|common|class\s+[A-Z])\s+)*"
# "0.85 shares of Hooli common stock", "one (1) share of common stock, par value $2.50 per
# share, of Union Pacific", "one-half of a share of Hooli"
_SHARES_OF = (
    rf"\s+(?:of\s+an?\s+)?{_KIND}(?:shares?|ADSs?|American\s+depositary\s+shares?)\s+of\s+"
    rf"(?:(?:(?:common|ordinary)\s+(?:stock|shares))(?:,\s*(?:par\s+value|no\s+par)[^,;]{{0,40}},)?\s+of\s+)?{_SEC}"
)
# "one Union Pacific common share", "0.5 new Acme shares", "three-quarters of a Hooli share"
_NAMED_SHARES = (
    rf"\s+(?:of\s+an?\s+)?(?:new\s+)?{_SEC}\s+(?:(?:common|ordinary|class\s+[A-Z])\s+)?(?:shares?|stock|ADSs?)\b"
    r"(?!\s+(?:options?|awards?|units?|plans?|price|prices|exchange|market|index))"
)
_RATIO = [
    re.compile(_DIGITS + _SHARES_OF),
    re.compile(_WORD + _SHARES_OF),
    re.compile(_DIGITS_SMALL + _NAMED_SHARES),
    re.compile(_WORD + _NAMED_SHARES),
    re.compile(r"exchange ratio\s+(?:of|is|was|set at|fixed at)\s+(?P<ratio>\d+\.\d+)(?P<sec>)(?P<word>)"),
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
    r"^\s*(?:per\s+share\s+)?(?:payable\s+|paid\s+)?in\s+(?:(?!cash\b)[\w'’]+\s+){0,3}?"
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
# "on September 30, 2026": the year after a day's comma belongs to the date.
_EXPECTED = re.compile(
    r"expected to (?:close|complete|be completed|be finali[sz]ed)\s+"
    r"(?P<when>(?:in|by|during|before|on|at|within)\s+[^.;,]{3,50}(?:(?:(?<=\s\d)|(?<=\s\d\d)),\s*20\d\d\b)?)",
    re.I,
)
_ELECTION = re.compile(r"\belect\w*\b|\bprorat\w*\b|\bproration\b", re.I)
_WEIGHT = re.compile(r"(?<![\d.])(?P<p>\d+(?:\.\d+)?)\s?%[^.;%]{0,70}?\b(?P<k>cash|stock)\b", re.I)

# "agreed to buy", "will acquire", "is buying", "to take over", "has made an offer for": the
# buyer is the name before the verb, the target the name after it.
ACTIVE_VERBS = re.compile(
    r"\b(?:acquire|acquires|acquiring|buy|buys|buying|purchase|purchases|purchasing|take private|"
    r"takes private|merge with|acquisition of|bid for|offer for|take over|takes over|taking over)\b",
    re.I,
)
PASSIVE_VERBS = re.compile(
    r"\b(?:be acquired|be bought|be taken private|be taken over|be purchased|acquired|bought|"
    r"taken private|taken over|purchased)\s+by\b",
    re.I,
)


# A capitalised word (not ending a clause) just before a capitalised number word: a name.
_NAME_BEFORE = re.compile(r"(?<![\w.])[A-Z][\w&'\-]{0,40}\s+$")
_SCALE_AFTER = re.compile(r"\s*(?:million|billion|bn|thousand|percent|%)", re.I)


def ratio(s: str) -> tuple[float, str] | None:
    """Shares paid per target share and the phrase naming them ("Hooli"), or None."""
    if not _PER_SHARE_CONTEXT.search(s):
        return None
    for regex in _RATIO:
        for m in regex.finditer(s):
            end = m.end("word") if m["word"] else m.end("ratio")
            if _SCALE_AFTER.match(s, end):  # "12 million shares": a count, not a ratio
                continue
            if m["word"] and m["word"][0].isupper() and _NAME_BEFORE.search(s, max(0, m.start() - 40), m.start()):
                continue  # "Capital One Financial shares": the word is part of a name
            value = WORD_NUMBERS[re.sub(r"\s+", " ", m["word"].lower())] if m["word"] else float(m["ratio"])
            if value <= 0:
                continue
            sec = re.sub(r"^the\s+", "", m["sec"] or "")
            return value, sec
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
#: "no collar", "without a collar", "not subject to a collar", "not collared" put none.
COLLAR_RE = re.compile(
    r"(?<!\bno )(?<!\bwithout a )(?<!\bnot subject to a )(?<!\bnot )\bcollar(?:ed|s)?\b|\bprice band\b", re.I
)

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


# --- consideration in shares that no rule above could read ------------------------------------

# Phrases that name the target share the price is paid for ("for each Initech share they own",
# "per share", "for their shares"): blanked out before looking for shares paid, so the share
# bought is not read as a share given. Each run is bounded; both patterns read lowered text.
_PER_REF = re.compile(
    r"\b(?:for|per)\s+(?:each|every|their|its|all|any|one)\s+(?:[\w&.'’\-]+\s+){0,5}?(?:shares?|adss?|stock)\b"
    r"(?:\s+of\s+(?:[\w&.'’\-]+\s+){0,4}?(?:stock|shares|adss)\b)?"
    r"|\bper\s+(?:[\w\-]+\s+)?share\b|\ba\s+share\b(?!\s+of)|\beach\s+(?:[\w&.'’\-]+\s+){0,4}?share\b"
)
# "a rise in Globex shares", "a stake in Globex stock": shares named, none paid. Fixed-width
# look-behinds, one a word, as Python's re takes them.
_NOT_PAID_IN = "".join(
    f"(?<!{w} )"
    for w in [
        "stake",
        "stakes",
        "rise",
        "jump",
        "gain",
        "gains",
        "fall",
        "drop",
        "increase",
        "decline",
        "interest",
        "position",
        "holding",
        "holdings",
        "investment",
        "invest",
        "invested",
        "trading",
        "surge",
        "rally",
        "move",
        "moves",
        "rose",
        "fell",
        "jumped",
        "climbed",
        "slid",
        "up",
        "down",
    ]
)
_STOCK_PAID = re.compile(
    rf"{_NOT_PAID_IN}\b(?:in|with|partly\s+in|partly\s+with)\s+(?:[\w&.'’\-]+\s+){{0,4}}?(?:stock|shares|adss)\b"
    r"(?!\s*(?:price|prices|market|trading|index|exchange))"
    r"|\b(?:cash|stock)[\s-]+and[\s-]+(?:stock|cash)\b|\ball[\s-]+(?:stock|share)\b|\bstock[\s-]+for[\s-]+stock\b"
    r"|\bshare[\s-]+(?:swap|exchange)\b|\bfraction(?:al)?\s+(?:of\s+)?an?\s+(?:[\w&.'’\-]+\s+){0,4}?share\b"
    r"|\bexchange\s+ratio\b"
    r"|\b(?:receive|get|paid|payable|exchanged\s+for|converted\s+into|swapped\s+for)\s+"
    r"(?:(?!cash\b)[\w&.'’$\-]+\s+){0,6}?(?:shares?|stock|adss?)\b"
    r"(?!\s*(?:price|holders?|register|options?|awards?|units?|plans?))"
    r"|\bmix\s+of\s+(?:[\w&.'’\-]+\s+){0,4}?(?:stock|shares)\b"
    r"|\bown\s+(?:about\s+|approximately\s+|roughly\s+|around\s+)?\d+(?:\.\d+)?\s?(?:%|percent)\s+of\s+the\s+"
    r"(?:combined|merged|enlarged|new)\b"
)


def stock_mention(s: str) -> str | None:
    """The words of ``s`` that pay part of the price in shares ("in Hooli stock", "a fraction of a
    share", "cash-and-stock"), or None. The core asks only when no stock leg was read: a sentence
    that says shares are paid but gives no ratio the rules can read becomes a TODO leg."""
    # Both patterns are lower case and run on the lowered text: a case-insensitive alternation is
    # tried letter by letter at every position (several times slower on a long article).
    low = s.lower()
    # Most sentences of a cash deal say "per share" and no other share: a plain search rules them out.
    rest = low.replace("per share", "").replace("each share", "")
    if not any(word in rest for word in ("stock", "share", "ratio", "adss", " own ")):
        return None
    m = _STOCK_PAID.search(_PER_REF.sub(lambda g: " " * len(g.group(0)), low))
    if m is None:
        return None
    return s[m.start() : m.end()] if len(low) == len(s) else m.group(0)


# --- the article's own date and the days of the prices it quotes ------------------------------

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH_NAMES = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_DAY_NAME = r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?"
_ANY_DATE = (
    rf"(?P<date>{_MONTH_NAMES}\.?\s+\d{{1,2}},?\s+20\d\d|\d{{1,2}}\s+{_MONTH_NAMES}\.?,?\s+20\d\d|20\d\d-\d\d-\d\d)"
)
# "Published: July 25, 2025", "Posted on Friday, 25 July 2025", "Date: 2025-07-25"
_PUBLISHED = re.compile(
    rf"(?im)^[ \t]*(?P<what>published|posted|first published|date)(?:[ \t]+on)?[ \t]*[:\-–—]?[ \t]*"
    rf"{_DAY_NAME}{_ANY_DATE}"
)
_UPDATED = re.compile(
    rf"(?im)^[ \t]*(?P<what>updated|last updated)(?:[ \t]+on)?[ \t]*[:\-–—]?[ \t]*{_DAY_NAME}{_ANY_DATE}"
)
# "OMAHA, Neb., July 29, 2025 /PRNewswire/ --" and "LONDON, 25 July 2025 -": a place, the date, a dash.
_DATELINE = re.compile(
    rf"(?m)^[ \t]*[A-Z][A-Za-z .,'\-]{{1,60}}?,[ \t]+{_DAY_NAME}{_ANY_DATE}[ \t]*(?:\([^()\n]{{1,30}}\)[ \t]*)?"
    rf"(?:/[^/\n]{{1,40}}/[ \t]*)?(?:--|—|–|-)"
)


# Lines at an article's head that are no headline: "Published: July 25, 2025", "By Jane Doe",
# "Updated 3:05 p.m. ET", a dateline on its own line ("OMAHA, Neb., July 29, 2025 /PRNewswire/"),
# a bare date ("Tuesday, July 29, 2025 10:32"). Matched at the line's start only, on its first
# characters, so a long line costs no more than a short one.
_BYLINE = re.compile(
    r"(?i:(?:first\s+|last\s+)?(?:published|posted|updated|dated?)(?:\s+(?:on|at))?\s*[:\-–—]?\s*"
    r"(?=\d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)[a-z]*\b))"
    r"|(?:By|BY|Written\s+by|Reporting\s+by|Editing\s+by|Story\s+by)\s+[A-Z]"
)
_DATE_LINE = re.compile(
    rf"[ \t]*(?:[A-Z][A-Za-z .,'\-]{{1,60}}?,[ \t]+)?{_DAY_NAME}(?:{_ANY_DATE}|{_MONTH_NAMES}\.?\s+\d{{1,2}}\b)"
)
#: What may follow a date on a line that is only a date: a time, a zone, a wire's name.
_DATE_LINE_REST = 40


def is_headline(line: str) -> bool:
    """False for a line that is a byline, a "Published"/"Updated" line, a dateline or a bare date:
    the title of an article is its first line that is none of these."""
    head = line.strip()[:200]
    if not head or _BYLINE.match(head):
        return False
    m = _DATE_LINE.match(head)
    return m is None or len(head) - m.end() > _DATE_LINE_REST


def _one_date(text: str) -> datetime.date | None:
    if m := re.fullmatch(r"(20\d\d)-(\d\d)-(\d\d)", text):
        try:
            return datetime.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    text = text.replace(".", "")
    try:
        found = dates(text)
    except ValueError:  # "February 30, 2025"
        return None
    return found[0] if found else None


def article_date(text: str) -> tuple[datetime.date, str] | None:
    """The article's own date and the words that give it: a "Published" line, else a dateline
    ("OMAHA, Neb., July 29, 2025 /PRNewswire/ --"), else an "Updated" line; None without one.
    Only the start of the text is read: a date further down is a date in the news, not of it."""
    head = text[:1500]
    for regex in (_PUBLISHED, _DATELINE, _UPDATED):
        for m in regex.finditer(head):
            day = _one_date(m["date"])
            if day is not None:
                return day, m.group(0).strip(" \t-–—")
    return None


# When the article was written, against the US close: "after the bell", "4:30 p.m. ET".
_AFTER_CLOSE = re.compile(
    r"\bafter\s+(?:the\s+)?(?:(?:stock\s+)?markets?\s+clos\w*|(?:closing\s+)?bell|close\s+of\s+trading|"
    r"market\s+close|close)\b|\bafter[\s-]hours\b",
    re.I,
)
_BEFORE_CLOSE = re.compile(
    r"\bbefore\s+(?:the\s+)?(?:(?:stock\s+)?markets?\s+open\w*|opening\s+bell|open)\b|\bpre[\s-]?market\b|"
    r"\bin\s+(?:early|midday|morning|afternoon)\s+trading\b",
    re.I,
)
_CLOCK = re.compile(
    r"(?<![\d:])(?P<h>\d{1,2})(?::(?P<m>\d\d))?\s*(?P<ap>[ap])\.?\s?m\.?\s*(?:\(?\s*)(?:ET|EDT|EST)\b", re.I
)

#: The US regular session closes at 16:00 New York time.
US_CLOSE_HOUR = 16


def written_after_close(text: str) -> bool | None:
    """True when the article says it was written after that day's close (a time of 4 p.m. ET or
    later, "after the bell"), False when before it, None when it does not say."""
    head = text[:1500]
    if (m := _CLOCK.search(head)) is not None:
        hour = int(m["h"]) % 12 + (12 if m["ap"].lower() == "p" else 0)
        return hour >= US_CLOSE_HOUR
    if _AFTER_CLOSE.search(head):
        return True
    if _BEFORE_CLOSE.search(head):
        return False
    return None


_DAY_REF = re.compile(
    r"\b(?P<last>last\s+)?(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
    r"(?:['’]s\s+(?:close|closing(?:\s+price)?|session|trading))?"
    r"|\b(?P<yesterday>yesterday)\b|\b(?P<today>today|this\s+(?:morning|afternoon))\b"
    r"|\b(?P<before>(?:the\s+)?last\s+(?:full\s+)?trading\s+(?:day|session)\s+(?:before|prior\s+to|ahead\s+of)\s+"
    r"(?:the\s+|its\s+|this\s+|their\s+)?(?:deal(?:'s)?\s+)?(?:announcement|news|deal))\b"
    rf"|{_ANY_DATE}|\b(?P<md>{_MONTH_NAMES}\s+\d{{1,2}})(?![\d,]|\s*,?\s*20\d\d)",
    re.I,
)


#: How far from a price its day is looked for: "closed at $22.10 on Thursday", "Thursday's
#: close of $22.10"; a day further off belongs to another clause.
_DAY_REACH = 160


def price_day(s: str, start: int, end: int) -> tuple[str, object, str] | None:
    """The day the price written at ``s[start:end]`` is of, as ``(kind, value, words)``:

    ``("weekday", 0-6, ...)`` for "Thursday's close" or "on Monday", ``("last_weekday", ...)``
    for "last Friday", ``("yesterday", None, ...)``, ``("today", None, ...)``,
    ``("before_announcement", None, ...)``, ``("date", date, ...)`` for "July 24, 2025" and
    ``("month_day", (month, day), ...)`` for "July 24". The day phrase nearest the amount wins;
    None when the sentence names no day. :mod:`arb.extract.days` turns these into dates.
    """
    best: tuple[int, tuple[str, object, str]] | None = None
    for m in _DAY_REF.finditer(s, max(0, start - _DAY_REACH), end + _DAY_REACH):
        distance = m.start() - end if m.start() >= end else start - m.end()
        if distance < 0:
            continue
        words = m.group(0)
        found: tuple[str, object, str] | None
        if m["wd"]:
            kind = "last_weekday" if m["last"] else "weekday"
            found = (kind, _WEEKDAYS.index(m["wd"].lower()), words)
        elif m["yesterday"]:
            found = ("yesterday", None, words)
        elif m["today"]:
            found = ("today", None, words)
        elif m["before"]:
            found = ("before_announcement", None, words)
        elif m["date"]:
            day = _one_date(m["date"])
            found = ("date", day, words) if day else None
        else:
            month, day_text = m["md"].split()
            found = ("month_day", (_MONTHS[month.lower()], int(day_text)), words)
        if found is not None and (best is None or distance < best[0]):
            best = (distance, found)
    return best[1] if best else None


# "Hooli said on Tuesday it agreed to buy ...", "On Monday, Hooli announced ...": the day of the
# announcement when the sentence gives no full date (wire stories date the day by its name).
_ANNOUNCED_ON = re.compile(
    r"\b(?:said|announced|agreed|unveiled|disclosed|confirmed)\s+(?:on\s+)?"
    r"(?P<ref>(?:last\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)|yesterday|today)\b"
    r"|^(?:On|Late on|Early on)\s+(?P<ref2>(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))\b"
)


def announcement_day(s: str) -> tuple[str, object, str] | None:
    """The day an announcing sentence names ("said on Tuesday"), as :func:`price_day` gives it; None
    when it names none or gives a full date (:func:`dates` reads those)."""
    if not announces(s) or dates(s):
        return None
    m = _ANNOUNCED_ON.search(s)
    if m is None:
        return None
    ref = m["ref"] or m["ref2"]
    return price_day(ref, 0, 0)
