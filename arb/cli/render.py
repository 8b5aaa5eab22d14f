"""Rich renderings of a valuation: the spread report table and one deal leg by leg."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from arb.book import LegInfo
from arb.cli.format import DASH, amount, money, num, pct, shares
from arb.models import Deal, Leg
from arb.numbering import leg_label
from arb.prices.base import Quote
from arb.pricing import DealResult, Valuation
from arb.text import safe

if TYPE_CHECKING:
    from arb.lifecycle import Bump

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
#: The same when the Cond. and Next columns are shown (a deal lists events or conditions).
WIDE_TIMED = 150


def render_report(
    v: Valuation, title: str | None = None, width: int | None = None, order: Sequence[DealResult] | None = None
) -> RenderableType:
    """The spread report: one row per deal, best annualised return first (or in ``order``).

    Money columns are per target share in the deal's currency, named in the ``Ccy`` column.
    """
    # Timetable columns only when a deal lists events or conditions. They push the flags under the
    # table below WIDE_TIMED columns and put the next event's kind under its date; below WIDE the
    # columns close up to two spaces, and below 100 Cond. and Next take the place of Div and Spread
    # (both still in show and JSON; Spread % stays).
    timed = any(r.deal.events or r.deal.conditions for r in v.results)
    inline = width is None or width >= (WIDE_TIMED if timed else WIDE)
    lean = timed and width is not None and width < 100
    stacked = timed and width is not None and width < WIDE_TIMED
    # Below 100 columns two spaces between columns (not three) keep all ten figures on an 80-column terminal.
    narrow = width is not None and width < (WIDE if timed else 100)
    table = Table(
        title=title,
        title_justify="left",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=narrow,
    )
    longest = max((len(r.deal.id) for r in v.results), default=4)
    roomy = width is None or width >= (WIDE if timed else 90)
    table.add_column("Deal", overflow="fold", min_width=min(longest, 24 if roomy else 10 if lean else 12))
    table.add_column("Ccy", no_wrap=True)
    money_cols = ("Target", "Value", "Spread %") if lean else ("Target", "Value", "Div", "Spread", "Spread %")
    # Net columns only when some deal has costs set ([costs] in its file or the config file).
    costed = any(r.net is not None for r in v.results)
    net_cols = ("Net %", "Net ann. %") if costed else ()
    for name in (*money_cols, "Days", "Ann. %", *net_cols, "Prob."):
        table.add_column(name, justify="right", no_wrap=True)
    if timed:
        table.add_column("Cond.", justify="right", no_wrap=True)
        table.add_column("Next", no_wrap=True)
    if inline:
        table.add_column("Flags", overflow="fold", min_width=12)
    below = Text()
    for r in v.sorted() if order is None else order:
        f = r.figures
        days = f["days_to_close"]
        if r.flags and not inline:
            below.append(f"{safe(r.deal.id)}: ", style="bold")
            below.append(" ".join(r.flags) + "\n", style="yellow")
        cells: list[RenderableType] = [
            safe(r.deal.id),
            safe(r.currency or DASH),
            money(f["target_price"], None),
            money(f["deal_value"], None),
        ]
        if not lean:
            cells += [money(f["dividends"], None), _signed(money(f["spread"], None, sign=True), f["spread"])]
        cells += [
            _signed(pct(f["spread_pct"], sign=True), f["spread_pct"]),
            DASH if days is None else str(int(days)),
            _signed(pct(f["annualized"]), f["annualized"]),
        ]
        if costed:
            n = r.net or {}
            cells += [
                _signed(pct(n.get("net_spread_pct"), sign=True), n.get("net_spread_pct")),
                _signed(pct(n.get("net_annualized")), n.get("net_annualized")),
            ]
        cells += [
            pct(f["implied_probability"]),
        ]
        if timed:
            cells += [_conditions_cell(r.deal), _next_cell(r.deal, r.as_of, two_lines=stacked)]
        if inline:
            cells.append(Text(" ".join(r.flags), style="yellow") if r.flags else "")
        table.add_row(*cells)
    foot = Text(
        "Per target share. Value: the consideration. Div: dividends received less owed on the hedge. "
        "Spread: Value + Div - Target. Ann. %: compound, (1 + spread %)^(365/days) - 1. "
        "Prob.: market-implied probability of completion, from the downside."
        + (
            " Cond.: conditions met or waived, of those listed. Next: the next event on or after the as-of"
            " (~: an expected date, not yet confirmed)."
            if timed
            else ""
        )
        + (" Div and Spread: in `arb show` and --json." if lean else "")
        + (
            " Net: after the carry (funding, borrow less rebate, stamp duty, levies, commission; `arb show` "
            "works it out), only for deals with costs set."
            if costed
            else ""
        ),
        style="dim",
    )
    parts: list[RenderableType] = [Text(price_header(v), style="dim"), table]
    if below:
        below.rstrip()
        parts.append(Text("Flags", style="bold") + Text("\n") + below)
    parts.append(foot)
    return Group(*parts)


#: Event kinds as the report's Next column names them (at most 10 characters).
EVENT_ABBREV = {
    "announcement": "announced",
    "scheme-document": "scheme doc",
    "record-date": "record",
    "meeting": "meeting",
    "sanction-hearing": "sanction",
    "effective": "effective",
    "last-trading": "last trade",
    "delisting": "delisting",
    "payment": "payment",
    "offer-close": "offer ends",
    "long-stop": "long-stop",
    "pre-condition-long-stop": "pre-LS",
    "other": "other",
}


def _event_date(date: dt.date, confirmed: bool) -> str:
    """``2026-04-20``, with ``~`` before an expected (not yet confirmed) date."""
    return ("" if confirmed else "~") + date.isoformat()


def _conditions_cell(deal: Deal) -> Text:
    """``3/4``: conditions met or waived of those listed; red when one failed, green when all are met."""
    from arb.lifecycle import conditions_met

    met, total = conditions_met(deal)
    if not total:
        return Text(DASH, style="dim")
    failed = any(c.status == "failed" for c in deal.conditions)
    return Text(f"{met}/{total}", style="red" if failed else "green" if met == total else "")


def _next_cell(deal: Deal, as_of: dt.date, *, two_lines: bool) -> Text:
    """The next event's kind and date (``~`` before an expected date); a dash when none is left."""
    from arb.lifecycle import next_event

    event = next_event(deal, as_of)
    if event is None:
        return Text(DASH, style="dim")
    kind = EVENT_ABBREV.get(event.kind, event.kind)
    style = "" if event.confirmed else "dim"
    if two_lines:  # 9 characters wide: ``20 Apr 26`` over ``~meeting``
        return Text(f"{event.date.day:02d} {event.date:%b %y}\n{'' if event.confirmed else '~'}{kind}", style=style)
    return Text(f"{kind} {_event_date(event.date, bool(event.confirmed))}", style=style)


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
    band = f"clamp({price}, {num(li.band[0])}, {num(li.band[1])})" if li.band else price
    value = money(leg.value, ccy)
    if leg.value_currency is not None:
        rate = f" × {num(li.value_fx.rate, 6)}" if li.value_fx is not None else " × ?"
        value = f"({money(leg.value, leg.value_currency)}{rate})"
    shares_text = f"{value} / {band} shares"
    if leg.ratio_bounds and li.band and s == s:
        # Outside the band the printed ratio is the number of shares (it wins over value / bound).
        if s < li.band[0]:
            shares_text = f"{num(leg.ratio_bounds[1], 6)} shares (the printed ratio below {num(li.band[0])})"
        elif s > li.band[1]:
            shares_text = f"{num(leg.ratio_bounds[0], 6)} shares (the printed ratio above {num(li.band[1])})"
    return f"{shares_text} × {price}{fx}"


def _leg_block(li: LegInfo, lf: Mapping[str, float | None], r: DealResult) -> RenderableType:
    leg, ccy = li.leg, r.currency
    title = f"{leg_label(li.index).capitalize()}: {leg.kind}"
    if leg.kind == "stock":
        form = f"fixed ratio {num(leg.ratio, 6)}" if leg.ratio is not None else f"fixed value {money(leg.value, ccy)}"
        title += f" {li.symbol}, {form}"
        if leg.collar:
            title += f", collar [{num(leg.collar[0])}, {num(leg.collar[1])}] {li.currency}"
        if leg.ratio_bounds:
            title += f", printed ratios {num(leg.ratio_bounds[0], 6)} to {num(leg.ratio_bounds[1], 6)} shares"
        if leg.value_currency:
            title += f", value in {leg.value_currency}"
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
    if li.period is not None and leg.pricing_period is not None:
        n_days = leg.pricing_period.days
        ref = li.ref_fixed + li.ref_weight * li.security_price
        grid.add_row(
            "  pricing period",
            safe(
                f"{li.period[0]} to {li.period[1]}: {li.period_fixed} of {n_days} days fixed, the current price "
                f"for the other {n_days - li.period_fixed}; reference price {amount(ref)} {li.currency or ''}"
            ),
        )
    if li.capped_ratio is not None:
        grid.add_row(
            "  share cap",
            safe(
                f"the shares issued would exceed the cap: {num(leg.ratio, 6)} cut to {num(li.capped_ratio, 6)} "
                f"shares plus {money(li.cap_cash, li.currency)} cash for the shares cut, at today's "
                "price (the agreement prices it at the closing)"
            ),
        )
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
    hedged = bool(li.hedge_symbol and lf["hedge_shares"] is not None)
    if li.band and lf.get("delta_below") is not None and lf.get("delta_above") is not None:
        bound = "low" if li.security_price == li.band[0] else "high"
        grid.add_row(
            "  at the kink",
            f"the price is on the collar's {bound} bound {num(li.security_price)}: delta "
            f"{shares(lf['delta_below'])} just below, {shares(lf['delta_above'])} just above; "
            "the hedge uses the side inside the band",
        )
    elif leg.kind == "stock" and not hedged:  # one hedge line: the shares above, or why there are none
        grid.add_row(
            "  hedge", "none: no listed security moves this leg" if li.priced_by in ("estimate", "price") else "—"
        )
    return Group(Text(safe(title), style="bold"), grid)


def render_deal(r: DealResult, v: Valuation, *, filed: Deal | None = None) -> RenderableType:
    """One deal, leg by leg: prices and their sources, conversions, arithmetic, hedge, flags.

    ``filed`` is the deal as its file has it, for the bump history: ``r.deal`` carries the terms
    in force at the as-of, which are an earlier revision's when the as-of comes before a bump.
    """
    d, f, ccy = r.deal, r.figures, r.currency
    parts: list[RenderableType] = []
    head = Text()
    head.append(safe(d.name), style="bold")
    status = d.status + (f" since {d.status_date}" if d.status_date else "")
    head.append(f"  [{safe(d.id)}]  {status}\n", style="dim")
    target = f"{d.target.name or ''} {d.target.ticker or '(unlisted)'}".strip()
    acq = f"{d.acquirer.name or ''} {d.acquirer.ticker or ''}".strip() if d.acquirer else DASH
    head.append(f"Target: {safe(target)}    Acquirer: {safe(acq)}\n")
    head.append(
        f"Announced: {d.announced or DASH}    Expected close: {_close_text(d)}    "
        f"Deal currency: {safe(ccy or DASH)}    As of: {r.as_of}\n"
    )
    if d.paid is not None:
        paid_ccy = d.paid.currency or ccy
        when = f" on {d.paid.date}" if d.paid.date else ""
        head.append(f"Paid: {safe(money(d.paid.amount, paid_ccy))} per target share{when}\n", style="bold")
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
        if r.net is not None:
            parts.append(_costs_block(r))

    parts.extend(render_lifecycle(r, filed))

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


def _costs_block(r: DealResult) -> RenderableType:
    """The carry and the net figures, line by line like the valuation (:mod:`arb.costs`)."""
    n, f, ccy = r.net or {}, r.figures, r.currency
    rates = r.cost_rates
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column(style="dim", overflow="fold")
    days = f["days_to_close"]
    d = DASH if days is None else str(int(days))
    price = f["target_price"]
    if rates is not None:
        grid.add_row(
            "Funding",
            money(n.get("funding_cost"), ccy),
            f"{pct(rates.funding_rate, 2)} a year × target {amount(price)} × {d}/365",
        )
        shorts = [
            (li, lf.get("short_value"), rates.leg_borrow[j], rates.leg_rebate[j], rates.leg_sell[j])
            for j, (li, lf) in enumerate(zip(r.info.legs, r.leg_figures, strict=True))
            if li.hedge_symbol and lf.get("short_value")
        ]
        borrow = " + ".join(f"{pct(b, 2)} × {amount(sv)} {safe(li.hedge_symbol or '')}" for li, sv, b, _, _ in shorts)
        rebate = " + ".join(f"{pct(q, 2)} × {amount(sv)}" for _, sv, _, q, _ in shorts)
        sells = "".join(f" + {amount(sv)} short × {pct(sr, 4)}" for _, sv, _, _, sr in shorts)
        grid.add_row("Borrow", money(n.get("borrow_cost"), ccy), f"({borrow or 'nothing shorted'}) × {d}/365")
        grid.add_row("Rebate", money(n.get("rebate"), ccy), f"less ({rebate or 'nothing shorted'}) × {d}/365")
        grid.add_row(
            "Trading",
            money(n.get("trading_cost"), ccy),
            f"{amount(price)} bought × {pct(rates.target_buy, 4)}{sells} (stamp duty + levies + commission, each side)",
        )
    grid.add_row("Carry cost", money(n.get("carry_cost"), ccy), "funding + borrow - rebate + trading")
    deferred = n.get("deferred_discount")
    if deferred:
        grid.add_row(
            "Deferred discount",
            money(deferred, ccy),
            "payments after the close, each discounted from its date to the close at the funding rate",
        )
    grid.add_row(
        "Net spread",
        _signed(money(n.get("net_spread"), ccy, sign=True), n.get("net_spread")),
        f"spread {money(f['spread'], ccy, sign=True)} - carry cost" + (" - deferred discount" if deferred else ""),
    )
    grid.add_row(
        "Net spread %",
        _signed(pct(n.get("net_spread_pct"), 2, sign=True), n.get("net_spread_pct")),
        "net spread / target",
    )
    grid.add_row(
        "Net annualised",
        pct(n.get("net_annualized"), 2),
        "IRR of the cash flows on their own dates" if deferred else "compound (1 + net %)^(365/days) - 1",
    )
    grid.add_row("Net annualised simple", pct(n.get("net_annualized_simple"), 2), "net % × 365 / days")
    p = None if rates is None or rates.probability != rates.probability else rates.probability
    grid.add_row(
        "Net expected return",
        pct(n.get("net_expected_return"), 2),
        f"at p {num(p)}: (p × (value + div) + (1 - p) × downside - target - carry) / target",
    )
    be = n.get("break_even_days")
    grid.add_row("Break-even days", DASH if be is None else f"{be:,.0f}", "days to close at which the net spread is 0")
    grid.add_row(
        "Break-even funding", pct(n.get("break_even_funding_rate"), 2), "funding rate leaving a net spread of 0"
    )
    lines = Text("Cost rates: " + "; ".join(safe(x) for x in (rates.lines if rates else ())), style="dim")
    return Group(Text("Carry costs and net figures", style="bold"), grid, lines)


# -- the lifecycle sections of ``arb show`` --------------------------------------------------------


def _close_text(d: Deal) -> str:
    """The close date and, when the deal file gives no ``expected_close``, which event it came from."""
    from arb.lifecycle import close_date

    day, origin = close_date(d)
    if day is None:
        return DASH
    return str(day) if origin == "expected_close" else f"{day} (from the {origin})"


def _indented(lines: list[Text]) -> Table:
    """Lines indented by two spaces, a wrapped line keeping the indent."""
    grid = Table.grid()
    grid.add_column(width=2)
    grid.add_column(overflow="fold")
    for line in lines:
        grid.add_row("", line)
    return grid


def _section(title: str) -> Text:
    return Text(title, style="bold")


def _conditions_block(d: Deal) -> RenderableType:
    """Each condition: its status, then its name, who decides and when, and its note under it."""
    from arb.lifecycle import conditions_met

    met, total = conditions_met(d)
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    style = {"met": "green", "waived": "green", "failed": "red", "pending": "yellow"}
    for c in d.conditions:
        when = f"{c.status} {c.date}" if c.date is not None else f"expected {c.expected}" if c.expected else "pending"
        body = Text(safe(c.name), style="bold")
        body.append("\n" + safe(c.kind + (f", {c.authority}" if c.authority else "") + f"; {when}"))
        if c.note:
            body.append("\n" + safe(c.note), style="dim")
        grid.add_row(Text("  " + c.status.upper().ljust(7), style=style.get(c.status, "")), body)
    return Group(_section(f"Conditions: {met} of {total} met or waived"), grid)


def _timetable_block(d: Deal, as_of: dt.date) -> RenderableType:
    """The events by date, the next one marked, each with its note under it."""
    from arb.lifecycle import long_stop, next_event

    upcoming = next_event(d, as_of)
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for e in sorted(d.events, key=lambda e: e.date):
        is_next = upcoming is not None and e is upcoming
        past = e.date < as_of  # an event on the as-of day is still ahead (next_event counts it)
        mark = "→ next" if is_next else ("  done" if past else "")
        body = Text(e.kind, style="bold" if is_next else "dim" if past else "")
        body.append(", confirmed" if e.confirmed else ", expected", style="dim")
        if e.note:
            body.append("\n" + safe(e.note), style="dim")
        grid.add_row(
            Text(mark, style="bold cyan" if is_next else "dim"),
            Text(e.date.isoformat(), style="bold" if is_next else "dim" if past else ""),
            body,
        )
    stop = long_stop(d)
    title = "Timetable" + (f" (long-stop {stop})" if stop else "")
    return Group(_section(title), grid)


def _vote_block(r: DealResult) -> RenderableType:
    from arb.lifecycle import vote_arithmetic

    d = r.deal
    assert d.vote is not None
    math_ = vote_arithmetic(d.vote, r.figures["target_price"], currency=r.currency)
    body = _indented([Text(safe(line)) for line in math_.lines])
    verdict = ""
    if math_.passed is not None:
        verdict = ": passed" if math_.passed else ": FAILED"
    title = _section(f"Vote ({d.vote.rule}){verdict}")
    return Group(title, body)


def _terms_text(legs: tuple[Leg, ...], currency: str | None) -> str:
    """The legs of a set of terms in one line: ``HKD 6.68 cash + 0.3552608 VOYAH``."""
    parts = []
    for leg in legs:
        if leg.kind == "cash":
            parts.append(f"{money(leg.amount, leg.currency or currency)} cash")
        elif leg.kind == "cvr":
            parts.append(f"{money(leg.amount, leg.currency or currency)} CVR (p {num(leg.probability)})")
        elif leg.ratio is not None:
            parts.append(f"{num(leg.ratio, 7)} {leg.ticker or leg.security}")
        else:
            parts.append(f"{money(leg.value, currency)} in {leg.ticker or leg.security}")
        if leg.weight != 1:
            parts[-1] += f" (weight {num(leg.weight)})"
    return " + ".join(parts) or "undisclosed"


def _bump_line(b: Bump, currency: str | None, current: bool, valued: bool) -> str:
    when = str(b.date) if b.date else "date unknown"
    until = "current terms" if current else f"until {b.superseded}"
    value = money(b.value, b.currency or currency) if b.value is not None else "value needs prices"
    who = (f", {b.bidder}" if b.bidder else "") + ("; the terms valued at the as-of" if valued and not current else "")
    line = f"{when} ({until}{who}): {value} per share = {_terms_text(b.terms, b.currency or currency)}"
    return line + (f"; {b.note}" if b.note else "")


def _bumps_block(d: Deal, currency: str | None, as_of: dt.date) -> RenderableType:
    from arb.lifecycle import bump_history

    bumps = bump_history(d)
    # The terms in force at the as-of: the first set superseded after it (the current ones otherwise).
    valued = next((i for i, b in enumerate(bumps) if b.superseded is not None and b.superseded > as_of), len(bumps) - 1)
    body = _indented(
        [
            Text(safe(_bump_line(b, currency, i == len(bumps) - 1, i == valued)), style="bold" if i == valued else "")
            for i, b in enumerate(bumps)
        ]
    )
    return Group(_section("Revisions (bump history, oldest first)"), body)


def render_lifecycle(r: DealResult, filed: Deal | None = None) -> list[RenderableType]:
    """The sections ``arb show`` adds for a deal's lifecycle: each present only when the file has it.

    ``filed``: the deal as its file has it (see :func:`render_deal`); default ``r.deal``.
    """
    d = r.deal
    parts: list[RenderableType] = []
    if d.conditions:
        parts.append(_conditions_block(d))
    if d.events:
        parts.append(_timetable_block(d, r.as_of))
    if d.vote is not None:
        parts.append(_vote_block(r))
    if d.revisions:
        parts.append(_bumps_block(filed or d, r.currency, r.as_of))
    return parts
