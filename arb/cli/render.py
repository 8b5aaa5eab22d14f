"""Rich renderings of a valuation: the spread report table and one deal leg by leg."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

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
    kinds = Counter([q.kind for q in used.values()])
    # The distinct times first: a price file dates a thousand quotes with a few of them.
    dates = sorted({when.date() for when in {q.as_of for q in used.values()} if when is not None})
    span = ""
    if dates:
        span = f", dated {dates[0]}" if dates[0] == dates[-1] else f", dated {dates[0]} to {dates[-1]}"
        oldest = (v.as_of - dates[0]).days
        if oldest > 0:
            span += f" (oldest {oldest} day{'s' if oldest != 1 else ''} before as-of)"
    mix = ", ".join(f"{n} from {k}" for k, n in sorted(kinds.items()))
    return safe(f"Prices: {v.source_label}: {mix or 'none used'}{span} · as of {v.as_of}")


#: What each report column means, for the footnote (only the columns shown are explained).
COLUMN_NOTES = {
    "value": "Value: the consideration.",
    "div": "Div: dividends received less owed on the hedge.",
    "spread": "Spread: Value + Div - Target.",
    "ann. %": "Ann. %: the spread compounded to a year, (1 + spread)^(365/days) - 1.",
    "net %": "Net: after the carry (funding, borrow less rebate, stamp duty, levies, commission; `arb show` "
    "works it out), only for deals with costs set.",
    "prob.": "Prob.: market-implied probability of completion, from the downside.",
    "cond.": "Cond.: conditions met or waived, of those listed.",
    "next": "Next: the next event on or after the as-of (~: an expected date, not yet confirmed).",
}


def table_columns(v: Valuation, columns: Sequence[str] | None = None) -> list[str]:
    """The report's column keys for ``v``: ``columns`` (the ``columns`` setting's names, in the
    user's order) or every column, less those no deal has (net figures without costs, Cond. and
    Next without events or conditions). The deal's id always shows, first unless placed, and a
    money column never shows without Ccy (after the id unless placed): deals differ in currency."""
    from arb.cli.report_table import HEADERS, MONEY

    keys = list(dict.fromkeys(columns)) if columns else list(HEADERS)
    if "deal" not in keys:
        keys.insert(0, "deal")
    if MONEY & set(keys) and "ccy" not in keys:
        keys.insert(keys.index("deal") + 1, "ccy")
    timed = any(r.deal.events or r.deal.conditions for r in v.results)
    costed = any(r.net is not None for r in v.results)
    absent = ({"net %", "net ann. %"} if not costed else set()) | ({"cond.", "next"} if not timed else set())
    return [k for k in keys if k not in absent]


def render_report(
    v: Valuation,
    title: str | None = None,
    width: int | None = None,
    order: Sequence[DealResult] | None = None,
    columns: Sequence[str] | None = None,
) -> RenderableType:
    """The spread report: one row per deal, best annualised return first (or in ``order``).

    Money columns are per target share in the deal's currency, named in the ``Ccy`` column.
    ``columns``: the keys to show, in order (:data:`arb.config.COLUMNS`; default all). No cell
    is ever wrapped or cut: below ``width`` whole columns are left out
    (:data:`arb.cli.report_table.DROP_ORDER`) and the footnote names them; ``None``: no limit.
    """
    from arb.cli.report_table import HEADERS, report_table

    table = report_table(v.sorted() if order is None else order, table_columns(v, columns), width)
    shown = set(table.layout.shown)
    notes = ["Per target share."] if shown & {"target", "value", "div", "spread"} else []
    notes += [text for key, text in COLUMN_NOTES.items() if key in shown or (key == "net %" and "net ann. %" in shown)]
    # Ccy added beside chosen money columns, and gone with them, was never asked for: not named.
    added = columns and "ccy" not in columns
    dropped = [k for k in table.layout.dropped if not (added and k == "ccy")]
    if dropped:
        names = ", ".join(HEADERS[k] for k in dropped)
        notes.append(
            f"Not shown at this width: {names} (a wider terminal shows them; so do `arb show ID` and --json; "
            "--columns or the `columns` setting chooses the columns)."
        )
    parts: list[RenderableType] = [Text(price_header(v), style="dim")]
    if title:
        parts.append(Text(safe(title), style="bold"))
    parts += [Text(""), table, Text(" ".join(notes), style="dim")]
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
