"""Rich renderings of a valuation: the spread report table and one deal leg by leg."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from arb.book import LegInfo
from arb.cli.format import DASH, amount, money, num, pct, shares
from arb.prices.base import Quote
from arb.pricing import DealResult, Valuation
from arb.text import safe

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
    mix = ", ".join(f"{n} from {k}" for k, n in sorted(kinds.items()))
    return safe(f"Prices: {v.source_label}: {mix or 'none used'}{span} · as of {v.as_of}")


#: Below this console width the flags move from a column to lines under the table.
WIDE = 118


def render_report(v: Valuation, title: str | None = None, width: int | None = None) -> RenderableType:
    """The spread report: one row per deal, best annualised return first.

    Money columns are per target share in the deal's currency, named in the ``Ccy`` column.
    """
    inline = width is None or width >= WIDE
    # Below 100 columns two spaces between columns (not three) keep all ten figures on an 80-column terminal.
    narrow = width is not None and width < 100
    table = Table(
        title=title,
        title_justify="left",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=narrow,
    )
    longest = max((len(r.deal.id) for r in v.results), default=4)
    table.add_column("Deal", overflow="fold", min_width=min(longest, 24 if width is None or width >= 90 else 12))
    table.add_column("Ccy", no_wrap=True)
    for name in ("Target", "Value", "Div", "Spread", "Spread %", "Days", "Ann. %", "Prob."):
        table.add_column(name, justify="right", no_wrap=True)
    if inline:
        table.add_column("Flags", overflow="fold", min_width=12)
    below = Text()
    for r in v.sorted():
        f = r.figures
        days = f["days_to_close"]
        if r.flags and not inline:
            below.append(f"{safe(r.deal.id)}: ", style="bold")
            below.append(" ".join(r.flags) + "\n", style="yellow")
        table.add_row(
            safe(r.deal.id),
            safe(r.currency or DASH),
            money(f["target_price"], None),
            money(f["deal_value"], None),
            money(f["dividends"], None),
            _signed(money(f["spread"], None, sign=True), f["spread"]),
            _signed(pct(f["spread_pct"], sign=True), f["spread_pct"]),
            DASH if days is None else str(int(days)),
            _signed(pct(f["annualized"]), f["annualized"]),
            pct(f["implied_probability"]),
            *([Text(" ".join(r.flags), style="yellow") if r.flags else ""] if inline else []),
        )
    foot = Text(
        "Per target share. Value: the consideration. Div: dividends received less owed on the hedge. "
        "Spread: Value + Div - Target. Ann. %: compound, (1 + spread %)^(365/days) - 1. "
        "Prob.: market-implied probability of completion, from the downside.",
        style="dim",
    )
    parts: list[RenderableType] = [Text(price_header(v), style="dim"), table]
    if below:
        below.rstrip()
        parts.append(Text("Flags", style="bold") + Text("\n") + below)
    parts.append(foot)
    return Group(*parts)


def _quote_line(q: Quote | None) -> str:
    if q is None:
        return DASH
    when = (
        q.as_of.date().isoformat()
        if q.as_of is not None and q.as_of.time() == dt.time()
        else (q.as_of.isoformat(timespec="minutes") if q.as_of else "undated")
    )
    text = f"{q.symbol} {amount(q.price)} {q.currency} ({when}; {q.source})"
    if q.fallback:
        text += f" [fallback: {q.fallback}]"
    return safe(text)


def _fx_text(li: LegInfo) -> str:
    if li.fx is None:
        return "no rate" if li.currency is not None else DASH
    if li.fx.symbol is None:
        return "same currency"
    how = f"1 / {li.fx.symbol}" if li.fx.inverted else li.fx.symbol
    return safe(f"{num(li.fx.rate, 6)} {li.fx.quote} per {li.fx.base} ({how})")


def _arithmetic(li: LegInfo, r: DealResult) -> str:
    leg, ccy = li.leg, r.currency
    sec_ccy = li.currency or ""
    fx = "" if li.fx is None or li.fx.symbol is None else f" × {num(li.fx.rate, 6)}"
    s = li.security_price
    if leg.kind == "cash":
        return f"{amount(leg.amount)} {sec_ccy}{fx}"
    if leg.kind == "cvr":
        return f"{amount(leg.amount)} {sec_ccy} × p {num(leg.probability, 4)}{fx}"
    price = f"{amount(s)} {sec_ccy}" if s == s else "?"
    if li.priced_by == "proxy" and li.quote is not None and li.proxy_fx is not None:
        conv = "" if li.proxy_fx.symbol is None else f" × {num(li.proxy_fx.rate, 6)}"
        disc = f" × (1 - {num(li.discount, 4)})" if li.discount else ""
        price = f"({amount(li.quote.price)} {li.quote.currency}{conv}{disc} = {price})"
    elif li.priced_by == "estimate":
        price = f"{price} (estimate)"
    if leg.ratio is not None:
        if leg.collar:
            return f"{num(leg.ratio, 6)} × clamp({price}, {num(leg.collar[0])}, {num(leg.collar[1])}){fx}"
        return f"{num(leg.ratio, 6)} × {price}{fx}"
    band = f"clamp({price}, {num(leg.collar[0])}, {num(leg.collar[1])})" if leg.collar else price
    return f"{money(leg.value, ccy)} / {band} shares × {price}{fx}"


def _leg_block(li: LegInfo, lf: Mapping[str, float | None], r: DealResult) -> RenderableType:
    leg, ccy = li.leg, r.currency
    title = f"Leg {li.index + 1}: {leg.kind}"
    if leg.kind == "stock":
        form = f"fixed ratio {num(leg.ratio, 6)}" if leg.ratio is not None else f"fixed value {money(leg.value, ccy)}"
        title += f" {li.symbol}, {form}"
        if leg.collar:
            title += f", collar [{num(leg.collar[0])}, {num(leg.collar[1])}] {li.currency}"
    elif leg.kind == "cvr":
        title += f" {money(leg.amount, li.currency)} with probability {num(leg.probability)}"
    else:
        title += f" {money(leg.amount, li.currency)}"
    if leg.weight != 1:
        title += f", weight {num(leg.weight)}"
    if leg.note:
        title += f" ({leg.note})"
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    if leg.kind == "stock":
        how = {
            "listing": f"listing {li.symbol}",
            "proxy": f"proxy {li.hedge_symbol}, converted to {li.currency}"
            + (f", less {pct(li.discount)} discount" if li.discount else ""),
            "price": f"its own price row ({li.symbol})",
            "estimate": f"the fixed estimate in the deal file ({num(li.security_price)} {li.currency}): "
            f"{li.why_estimate}",
            "none": "no price found",
        }[li.priced_by]
        grid.add_row("  priced from", safe(how))
        if li.quote is not None:
            grid.add_row("  price", _quote_line(li.quote))
        if li.proxy_fx is not None and li.proxy_fx.symbol is not None:
            grid.add_row(
                "  proxy FX",
                safe(
                    f"{num(li.proxy_fx.rate, 6)} {li.proxy_fx.quote} per {li.proxy_fx.base} ({li.proxy_fx.symbol}"
                    + (", inverted" if li.proxy_fx.inverted else "")
                    + ")"
                )
                + "".join(f"; {_quote_line(q)}" for q in li.proxy_fx.quotes),
            )
    # every quote the rate came from: one pair, or both legs of a cross through USD
    grid.add_row("  FX to deal", _fx_text(li) + "".join(f"; {_quote_line(q)}" for q in (li.fx.quotes if li.fx else ())))
    grid.add_row("  arithmetic", safe(f"{_arithmetic(li, r)} = {money(lf['leg_value'], ccy)}"))
    if leg.weight != 1:
        grid.add_row(
            "  weighted", f"{num(leg.weight)} × {money(lf['leg_value'], ccy)} = {money(lf['weighted_value'], ccy)}"
        )
    if li.hedge_symbol and lf["hedge_shares"] is not None:
        grid.add_row(
            "  hedge",
            f"short {shares(lf['hedge_shares'])} {safe(li.hedge_symbol)} per target share"
            f" (delta {shares(lf['delta'])})",
        )
    if leg.collar and lf.get("delta_below") is not None and lf.get("delta_above") is not None:
        bound = "low" if li.security_price == leg.collar[0] else "high"
        grid.add_row(
            "  at the kink",
            f"the price is on the collar's {bound} bound {num(li.security_price)}: delta "
            f"{shares(lf['delta_below'])} just below, {shares(lf['delta_above'])} just above; "
            "the hedge uses the side inside the band",
        )
    elif leg.kind == "stock":
        grid.add_row(
            "  hedge", "none: no listed security moves this leg" if li.priced_by in ("estimate", "price") else "—"
        )
    return Group(Text(safe(title), style="bold"), grid)


def render_deal(r: DealResult, v: Valuation) -> RenderableType:
    """One deal, leg by leg: prices and their sources, conversions, arithmetic, hedge, flags."""
    d, f, ccy = r.deal, r.figures, r.currency
    parts: list[RenderableType] = []
    head = Text()
    head.append(safe(d.name), style="bold")
    head.append(f"  [{safe(d.id)}]  {d.status}\n", style="dim")
    target = f"{d.target.name or ''} {d.target.ticker or '(unlisted)'}".strip()
    acq = f"{d.acquirer.name or ''} {d.acquirer.ticker or ''}".strip() if d.acquirer else DASH
    head.append(f"Target: {safe(target)}    Acquirer: {safe(acq)}\n")
    head.append(
        f"Announced: {d.announced or DASH}    Expected close: {d.expected_close or DASH}    "
        f"Deal currency: {safe(ccy or DASH)}    As of: {r.as_of}\n"
    )
    head.append(f"Target price: {_quote_line(r.info.target_quote)}")
    if r.info.target_fx is not None and r.info.target_fx.symbol is not None:
        head.append(f" × {num(r.info.target_fx.rate, 6)} ({safe(r.info.target_fx.symbol)})")
    acq_ticker = d.acquirer.ticker if d.acquirer else None
    if acq_ticker and acq_ticker in r.info.prices:
        head.append(f"\nAcquirer price: {_quote_line(r.info.prices[acq_ticker])}")
    parts.append(head)

    for li, lf in zip(r.info.legs, r.leg_figures, strict=True):
        parts.append(_leg_block(li, lf, r))

    if not d.has_terms:
        parts.append(Text("Terms undisclosed: nothing to value until the consideration is known.", style="yellow"))
    totals = Table.grid(padding=(0, 2))
    totals.add_column(style="bold")
    totals.add_column(justify="right")
    totals.add_column(style="dim")
    totals.add_row("Deal value", money(f["deal_value"], ccy), "sum of weight × leg value")
    totals.add_row(
        "Dividends", money(f["dividends"], ccy), "target's received less hedge's owed, ex-date in (as-of, close]"
    )
    totals.add_row("Target price", money(f["target_price"], ccy), "")
    totals.add_row(
        "Spread", _signed(money(f["spread"], ccy, sign=True), f["spread"]), "value + dividends - target price"
    )
    totals.add_row("Spread %", _signed(pct(f["spread_pct"], 2, sign=True), f["spread_pct"]), "spread / target price")
    days = f["days_to_close"]
    totals.add_row("Days to close", DASH if days is None else str(int(days)), "calendar days")
    totals.add_row("Annualised", pct(f["annualized"], 2), "compound (1 + spread %)^(365/days) - 1")
    totals.add_row("Annualised simple", pct(f["annualized_simple"], 2), "spread % × 365 / days")
    totals.add_row("Downside", money(f["downside"], ccy), "break price per target share (from the deal file)")
    totals.add_row(
        "Implied probability", pct(f["implied_probability"], 1), "(price - downside) / (value + dividends - downside)"
    )
    hedge_text = (
        ", ".join(f"short {shares(n)} {safe(s)}" for s, n in r.hedge.items()) or "none (no listed security to short)"
    )
    totals.add_row("Hedge per target share", hedge_text, "")
    if d.has_terms:
        parts.append(totals)

    if r.flags or r.info.notes:
        flags = Text()
        flags.append("Flags: ", style="bold")
        flags.append(", ".join(r.flags) or "none", style="yellow")
        for note in r.info.notes:
            flags.append(f"\n  - {safe(note)}", style="dim")
        parts.append(flags)
    if d.source:
        src = Text()
        src.append("Sources of the terms:", style="bold")
        for s in d.source:
            src.append(
                "\n  - "
                + safe(f"{s.title}" + (f", {s.publisher}" if s.publisher else "") + (f", {s.date}" if s.date else ""))
            )
            if s.url:
                src.append(f"\n    {safe(s.url)}", style="dim")
            if s.note:
                src.append(f"\n    {safe(s.note)}", style="dim")
            if s.quote:
                src.append(f'\n    "{safe(s.quote)}"', style="italic")
        parts.append(src)
    parts.append(Text(price_header(v), style="dim"))
    return Group(*parts)
