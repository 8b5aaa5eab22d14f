"""What the rules read only in part becomes a TODO in the draft, never a silent omission.

A sentence that pays in shares without a ratio the rules can read gets a stock leg whose ratio
is a ``"TODO: ..."`` value; shares named without a ticker get a TODO ticker instead of the
acquirer's; a target bought per share but written without a ticker gets a TODO ticker. Each is
a quoted ``TODO:`` value, which ``arb validate`` refuses (``loader.find_todos``) until filled.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from arb.extract.model import DraftDeal
from arb.extract.money import find_money
from arb.extract.tickers import Registry

__all__ = ["named_without_ticker", "stock_gap", "stock_listing_gap", "target_listing_gap"]

#: How much of a sentence is quoted in a TODO value (the whole sentence is under [[source]]).
QUOTE_CHARS = 240


def _quote(s: str) -> str:
    s = re.sub(r"\s+", " ", s).strip()
    return s if len(s) <= QUOTE_CHARS else s[: QUOTE_CHARS - 3] + "..."


def stock_gap(draft: DraftDeal, sentences: list[str], mention: Callable[[str], str | None]) -> str | None:
    """When no stock leg was read but a sentence pays in shares, ask for the leg; the sentence, or None."""
    if draft.ratio is not None or draft.value_per_share is not None or draft.ratio_todo is not None:
        return None
    found = [(s, words) for s in sentences if (words := mention(s)) is not None]
    # The sentence with amounts in it ("a fraction of a Hooli share plus $10 in cash") says more
    # than a label ("a cash-and-stock deal"): it is the one quoted.
    found.sort(key=lambda sw: (not find_money(sw[0]), not re.search(r"\d", sw[0])))
    if not found:
        return None
    s, words = found[0]
    draft.ratio_todo = (
        f'shares paid per target share (or write value = the fixed value in stock), read from "{_quote(s)}" '
        f'(it says "{_quote(words)}", and no rule read a number of shares from it)'
    )
    draft.quotes["ratio"] = s
    draft.stock_todo = s
    return s


def _plain_names(name: str) -> list[str]:
    """A company name and its shorter forms: without "Corp."/"Inc."/..., and its first word."""
    short = re.sub(
        r"(?:,?\s+(?:Inc\.?|Corp\.?|Corporation|plc|PLC|Ltd\.?|Limited|Co\.?|LLC|Holdings?|Group|N\.V\.|S\.A\.|AG|SE))+$",
        "",
        name,
    ).strip()
    names = [name, short]
    first = short.split()[0] if short.split() else ""
    if len(first) >= 4 and first[0].isupper():
        names.append(first)
    return [n for n in names if n]


def named_without_ticker(text: str, name: str | None) -> bool:
    """True when ``text`` names ``name`` (or its short form) as a whole word."""
    if not name:
        return False
    return any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text) for n in _plain_names(name))


_CORP_WORDS = re.compile(
    r"['’]s\b|\b(?:Inc|Corp|Corporation|plc|PLC|Ltd|Limited|Co|LLC|Holdings?|Group|N\.V|S\.A|AG|SE|the|The)\b\.?|[&.,]"
)


def stock_listing_gap(draft: DraftDeal, phrase: str, registry: Registry) -> bool:
    """When the shares paid are named ("shares of Hooli Cloud") by a name that is not a company
    the article gives a ticker (nor the acquirer's name), the leg's ticker is asked for rather than
    taken from the acquirer or from a company whose name is only part of it. True when asked for.
    English names only (Chinese phrases carry share classes: the caller reads those)."""
    if not phrase or not phrase.isascii():
        return False
    mentions = registry.mentions(phrase)
    rest = phrase
    for m in reversed(mentions):
        rest = rest[: m.start] + " " + rest[m.end :]
    if not _CORP_WORDS.sub(" ", rest).strip():
        return False  # the phrase is a known company's name, give or take "Inc." and "'s"
    if (
        not mentions
        and draft.acquirer_name
        and (named_without_ticker(phrase, draft.acquirer_name) or named_without_ticker(draft.acquirer_name, phrase))
    ):
        return False  # the acquirer by name, without a ticker: the caller asks for its listing
    draft.stock_ticker_todo = f'the listing of the "{_quote(phrase)}" shares paid (the article gives them no ticker)'
    return True


def target_listing_gap(draft: DraftDeal) -> None:
    """A target bought per share is listed: when the article gives it no ticker, ask for one.

    The parenthesis after its name, when it is a bare code ("Norfolk Southern (NSC)"), is named in
    the TODO: arb does not read bare codes as tickers (an acronym looks the same).
    """
    if draft.target_ticker is not None or not draft.target_name:
        return
    per_share = draft.ratio is not None or draft.cash_amount is not None or draft.value_per_share is not None
    if not per_share and draft.ratio_todo is None:
        return
    hint = ""
    for s in draft.quotes.values():
        for n in _plain_names(draft.target_name):
            if (m := re.search(rf"(?<!\w){re.escape(n)}\s*\((?P<code>[A-Z][A-Z0-9.\-]{{0,9}})\)", s)) is not None:
                hint = f'; the article writes "({m["code"]})" after its name'
                break
        if hint:
            break
    draft.target_ticker_todo = (
        f"the ticker of {_quote(draft.target_name)}: it is bought per share, so listed, "
        f"but the article gives no exchange code{hint}"
    )
    draft.target_listed = True
