"""Rich renderings of a valuation: the spread report table and one deal leg by leg."""

from __future__ import annotations

import datetime as dt

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from arb.book import LegInfo
from arb.cli.format import DASH, money, num, pct, shares
from arb.prices.base import Quote
from arb.valuation import DealResult, Valuation

__all__ = ["price_header", "render_deal", "render_report"]


def _signed(text: str, x: float | None) -> Text:
    if x is None or text == DASH:
        return Text(text, style="dim")
    return Text(text, style="green" if x > 0 else "red" if x < 0 else "")


def price_header(v: Valuation) -> str:
    """Where the prices came from and how old they are."""
    used: dict[str, Quote] = {}
    for r in v.results:
        used.update(r.info.prices)
    kinds: dict[str, int] = {}
    for q in used.values():
        kinds[q.kind] = kinds.get(q.kind, 0) + 1
    dates = sorted(q.as_of.date() for q in used.values() if q.as_of is not None)
    span = ""
    if dates:
        span = f", dated {dates[0]}" if dates[0] == dates[-1] else f", dated {dates[0]} to {dates[-1]}"
        oldest = (v.as_of - dates[0]).days
        if oldest > 0:
            span += f" (oldest {oldest} day{'s' if oldest != 1 else ''} before as-of)"
    mix = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    return f"Prices: {v.source_label} ({mix or 'none used'}{span}) · as of {v.as_of}"


def render_report(v: Valuation, title: str | None = None) -> RenderableType:
    """The spread report: one row per deal, best annualised return first."""
    table = Table(title=title, title_justify="left", header_style="bold", pad_edge=False, expand=False)
    table.add_column("Deal", overflow="fold", max_width=28)
    table.add_column("Target", justify="right", no_wrap=True)
    table.add_column("Value", justify="right", no_wrap=True)
    table.add_column("Spread", justify="right", no_wrap=True)
    table.add_column("Spread %", justify="right", no_wrap=True)
    table.add_column("Days", justify="right", no_wrap=True)
    table.add_column("Ann. %", justify="right", no_wrap=True)
    table.add_column("Prob.", justify="right", no_wrap=True)
    table.add_column("Flags", overflow="fold", max_width=24)
    for r in v.sorted():
        f, ccy = r.figures, r.currency
        days = f["days_to_close"]
        table.add_row(
            r.deal.id,
            money(f["target_price"], ccy),
            money(f["deal_value"], ccy),
            _signed(money(f["spread"], ccy, sign=True), f["spread"]),
            _signed(pct(f["spread_pct"], sign=True), f["spread_pct"]),
            DASH if days is None else str(int(days)),
            _signed(pct(f["annualized"]), f["annualized"]),
            pct(f["implied_probability"]),
            Text(", ".join(r.flags), style="yellow") if r.flags else "",
        )
    foot = Text(
        "Value: consideration per target share. Ann. %: compound, (1 + spread %)^(365/days) - 1. "
        "Prob.: market-implied probability of completion, from the downside.",
        style="dim",
    )
    return Group(Text(price_header(v), style="dim"), table, foot)


def _quote_line(q: Quote | None) -> str:
    if q is None:
        return DASH
    when = q.as_of.date().isoformat() if q.as_of is not None and q.as_of.time() == dt.time() else (
        q.as_of.isoformat(timespec="minutes") if q.as_of else "undated"
    )
    text = f"{q.symbol} {num(q.price, 4)} {q.currency} ({when}; {q.source})"
    if q.fallback:
        text += f" [fallback: {q.fallback}]"
    return text


def _fx_text(li: LegInfo) -> str:
    if li.fx is None:
        return "no rate" if li.currency is not None else DASH
    if li.fx.symbol is None:
        return "same currency"
    how = f"1 / {li.fx.symbol}" if li.fx.inverted else li.fx.symbol
    return f"{num(li.fx.rate, 6)} {li.fx.quote} per {li.fx.base} ({how})"


def _arithmetic(li: LegInfo, r: DealResult) -> str:
    leg, ccy = li.leg, r.currency
    sec_ccy = li.currency or ""
    fx = "" if li.fx is None or li.fx.symbol is None else f" × {num(li.fx.rate, 6)}"
    s = li.security_price
    if leg.kind == "cash":
        return f"{num(leg.amount, 4)} {sec_ccy}{fx}"
    if leg.kind == "cvr":
        return f"{num(leg.amount, 4)} {sec_ccy} × p {num(leg.probability, 4)}{fx}"
    price = f"{num(s, 4)} {sec_ccy}" if s == s else "?"
    if li.priced_by == "proxy" and li.quote is not None and li.proxy_fx is not None:
        conv = "" if li.proxy_fx.symbol is None else f" × {num(li.proxy_fx.rate, 6)}"
        disc = f" × (1 - {num(li.discount, 4)})" if li.discount else ""
        price = f"({num(li.quote.price, 4)} {li.quote.currency}{conv}{disc} = {price})"
    elif li.priced_by == "estimate":
        price = f"{price} (estimate)"
    if leg.ratio is not None:
        if leg.collar:
            return f"{num(leg.ratio, 6)} × clamp({price}, {num(leg.collar[0])}, {num(leg.collar[1])}){fx}"
        return f"{num(leg.ratio, 6)} × {price}{fx}"
    band = f"clamp({price}, {num(leg.collar[0])}, {num(leg.collar[1])})" if leg.collar else price
    return f"{money(leg.value, ccy)} / {band} shares × {price}{fx}"


def render_deal(r: DealResult, v: Valuation) -> RenderableType:
    """One deal, leg by leg: prices and their sources, conversions, arithmetic, hedge, flags."""
    d, f, ccy = r.deal, r.figures, r.currency
    parts: list[RenderableType] = []
    head = Text()
    head.append(f"{d.name}", style="bold")
    head.append(f"  [{d.id}]  {d.status}\n", style="dim")
    target = f"{d.target.name or ''} {d.target.ticker or '(unlisted)'}".strip()
    acq = f"{d.acquirer.name or ''} {d.acquirer.ticker or ''}".strip() if d.acquirer else DASH
    head.append(f"Target: {target}    Acquirer: {acq}\n")
    head.append(
        f"Announced: {d.announced or DASH}    Expected close: {d.expected_close or DASH}    "
        f"Deal currency: {ccy or DASH}    As of: {r.as_of}\n"
    )
    head.append(f"Target price: {_quote_line(r.info.target_quote)}")
    if r.info.target_fx is not None and r.info.target_fx.symbol is not None:
        head.append(f" × {num(r.info.target_fx.rate, 6)} ({r.info.target_fx.symbol})")
    parts.append(head)

    if r.info.legs:
        legs = Table(title="Consideration per target share", title_justify="left", header_style="bold")
        for col, just in (("#", "right"), ("Leg", "left"), ("Price used", "left"), ("FX to deal", "left"),
                          ("Arithmetic", "left"), ("Value", "right"), ("Weight", "right"), ("Weighted", "right"),
                          ("Hedge", "left")):
            legs.add_column(col, justify=just, overflow="fold")  # type: ignore[arg-type]
        for li, lf in zip(r.info.legs, r.leg_figures, strict=True):
            leg = li.leg
            desc = leg.kind
            if leg.kind == "stock":
                desc = f"stock {li.symbol} ({'fixed ratio' if leg.ratio is not None else 'fixed value'})"
                if leg.collar:
                    desc += f", collar [{num(leg.collar[0])}, {num(leg.collar[1])}] {li.currency}"
            priced = {"listing": "listing", "proxy": f"proxy {li.hedge_symbol}", "price": "own price",
                      "estimate": "estimate", "none": "no price"}.get(li.priced_by, "")
            price_text = _quote_line(li.quote) if li.quote else (
                f"estimate {num(li.security_price)} {li.currency}" if li.priced_by == "estimate" else DASH
            )
            if priced and leg.kind == "stock":
                price_text = f"{priced}: {price_text}"
            hedge = DASH
            if li.hedge_symbol and lf["hedge_shares"] is not None:
                hedge = f"short {shares(lf['hedge_shares'])} {li.hedge_symbol}"
            legs.add_row(
                str(li.index + 1), desc, price_text, _fx_text(li), _arithmetic(li, r),
                money(lf["leg_value"], ccy), num(leg.weight), money(lf["weighted_value"], ccy), hedge,
            )
        parts.append(legs)

    totals = Table.grid(padding=(0, 2))
    totals.add_column(style="bold")
    totals.add_column(justify="right")
    totals.add_column(style="dim")
    totals.add_row("Deal value", money(f["deal_value"], ccy), "sum of weight × leg value")
    totals.add_row("Dividends", money(f["dividends"], ccy), "target's received less hedge's owed, ex-date in (as-of, close]")
    totals.add_row("Target price", money(f["target_price"], ccy), "")
    totals.add_row("Spread", _signed(money(f["spread"], ccy, sign=True), f["spread"]), "value + dividends - target price")
    totals.add_row("Spread %", _signed(pct(f["spread_pct"], 2, sign=True), f["spread_pct"]), "spread / target price")
    days = f["days_to_close"]
    totals.add_row("Days to close", DASH if days is None else str(int(days)), "calendar days")
    totals.add_row("Annualised", pct(f["annualized"], 2), "compound (1 + spread %)^(365/days) - 1")
    totals.add_row("Annualised simple", pct(f["annualized_simple"], 2), "spread % × 365 / days")
    totals.add_row("Downside", money(f["downside"], ccy), "break price per target share (from the deal file)")
    totals.add_row("Implied probability", pct(f["implied_probability"], 1), "(price - downside) / (value + dividends - downside)")
    hedge_text = ", ".join(f"short {shares(n)} {s}" for s, n in r.hedge.items()) or "none (no listed security to short)"
    totals.add_row("Hedge per target share", hedge_text, "")
    parts.append(totals)

    if r.flags or r.info.notes:
        flags = Text()
        flags.append("Flags: ", style="bold")
        flags.append(", ".join(r.flags) or "none", style="yellow")
        for note in r.info.notes:
            flags.append(f"\n  - {note}", style="dim")
        parts.append(flags)
    if d.source:
        src = Text()
        src.append("Sources of the terms:", style="bold")
        for s in d.source:
            src.append(f"\n  - {s.title}" + (f", {s.publisher}" if s.publisher else "") + (f", {s.date}" if s.date else ""))
            if s.url:
                src.append(f"\n    {s.url}", style="dim")
            if s.note:
                src.append(f"\n    {s.note}", style="dim")
            if s.quote:
                src.append(f'\n    "{s.quote}"', style="italic")
        parts.append(src)
    parts.append(Text(price_header(v), style="dim"))
    return Group(*parts)
