"""Rules both languages share; each patterns module passes its own regular expressions."""

from __future__ import annotations

import re

from arb.extract.money import Money, find_money

__all__ = ["quoted_prices", "status_of"]


def quoted_prices(
    s: str, estimate_before: re.Pattern[str], price_before: re.Pattern[str], window: int
) -> list[tuple[Money, str, str]]:
    """Per-share amounts the sentence quotes as a price or an estimate, with what came before them.

    ``window`` characters before each amount are searched: an estimate (its ``who`` group names
    whose) wins over a plain price. Scaled amounts (totals in millions or 亿) are never prices.
    """
    out: list[tuple[Money, str, str]] = []
    for money in find_money(s):
        if money.scaled:
            continue
        before = s[max(0, money.start - window) : money.start]
        if (e := estimate_before.search(before)) is not None:
            out.append((money, "estimate", e["who"] or ""))
        elif price_before.search(before):
            out.append((money, "price", before))
    return out


def status_of(
    s: str, terminated: re.Pattern[str], completed: re.Pattern[str], rumour: re.Pattern[str]
) -> tuple[str, str] | None:
    """The status the sentence states, and the words that say it; None when it states none."""
    for regex, name in ((terminated, "terminated"), (completed, "completed"), (rumour, "rumoured")):
        if (m := regex.search(s)) is not None:
            return name, m.group(0)
    return None
