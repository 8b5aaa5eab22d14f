"""HTML views for Jupyter: a deal's terms and sources, a result's legs and arithmetic, a report table.

Plain HTML with inline styles (no CSS or JavaScript to load), every text escaped. The models
delegate their ``_repr_html_`` here, so a notebook shows a deal or a result by naming it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from html import escape
from typing import TYPE_CHECKING, Any

from arb.numbering import number
from arb.rounding import fixed

if TYPE_CHECKING:
    from arb.book import LegInfo
    from arb.models import Deal, Leg
    from arb.prices.base import Quote
    from arb.pricing import DealResult, Valuation

__all__ = ["deal_html", "result_html", "valuation_html"]

_TABLE = 'style="border-collapse:collapse;font-size:90%;margin:4px 0"'
_CELL = 'style="border:1px solid #ddd;padding:2px 6px;text-align:{align}"'
_GOOD, _BAD = "#1a7f37", "#cf222e"


def _cells(values: Iterable[Any], tag: str = "td") -> str:
    out = []
    for v in values:
        text = escape("" if v is None else str(v))
        align = "right" if isinstance(v, (int, float)) or _numeric(text) else "left"
        out.append(f"<{tag} {_CELL.format(align=align)}>{text}</{tag}>")
    return "".join(out)


def _numeric(text: str) -> bool:
    t = text.replace(",", "").replace("%", "").replace("+", "").replace("-", "", 1).replace(".", "", 1).strip()
    return t.isdigit()


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    body = "".join(f"<tr>{_cells(r)}</tr>" for r in rows)
    return f"<table {_TABLE}><thead><tr>{_cells(header, 'th')}</tr></thead><tbody>{body}</tbody></table>"


def _money(x: float | None, ccy: str | None = None, signed: bool = False) -> str:
    text = None if x is None else fixed(x, 2, sign=signed)
    if text is None:
        return "n/a"
    return f"{ccy} {text}" if ccy else text


def _dec(x: float | None, digits: int) -> str:
    text = None if x is None else fixed(x, digits)
    return "n/a" if text is None else text


def _pct(x: float | None, signed: bool = True) -> str:
    text = None if x is None else fixed(x, 1, sign=signed, scale=2, group=False)
    return "n/a" if text is None else text + "%"


def _coloured(text: str, x: float | None) -> str:
    if x is None or not math.isfinite(x) or x == 0:
        return escape(text)
    return f'<span style="color:{_GOOD if x > 0 else _BAD}">{escape(text)}</span>'


def _leg_terms(leg: Leg, deal: Deal) -> str:
    """One leg's terms in words, e.g. ``2.9427 enn-ng-h shares`` or ``HKD 24.50 cash``."""
    if leg.kind == "cash":
        text = f"{leg.currency or deal.currency or ''} {_money(leg.amount)} cash".strip()
    elif leg.kind == "cvr":
        text = f"CVR {leg.currency or ''} {_money(leg.amount)} x p {leg.probability:g}"
    else:
        what = leg.ticker or leg.security
        text = f"{leg.ratio:g} {what} shares" if leg.ratio is not None else f"{_money(leg.value)} of {what} shares"
        if leg.collar:
            text += f", collar [{leg.collar[0]:g}, {leg.collar[1]:g}]"
    if leg.weight != 1.0:
        text += f", weight {leg.weight:g}"
    return text


def _sources(deal: Deal) -> str:
    if not deal.source:
        return "<p><i>No source cited.</i></p>"
    items = []
    for s in deal.source:
        head = escape(s.title)
        if s.url and s.url.lower().startswith(("https://", "http://")):  # never a javascript: or data: link
            head = f'<a href="{escape(s.url, quote=True)}">{head}</a>'
        elif s.url:
            head += f" <code>{escape(s.url)}</code>"
        meta = ", ".join(escape(x) for x in (s.publisher, s.date.isoformat() if s.date else None) if x)
        note = f"<br><span style='color:#555'>{escape(s.note)}</span>" if s.note else ""
        items.append(f"<li>{head}{' (' + meta + ')' if meta else ''}{note}</li>")
    return "<ul style='margin:2px 0'>" + "".join(items) + "</ul>"


def deal_html(deal: Deal) -> str:
    """A deal's terms: status and dates, target, legs, securities, dividends and sources."""
    dates = ", ".join(
        f"{k} {v.isoformat()}" for k, v in (("announced", deal.announced), ("expected close", deal.expected_close)) if v
    )
    target = " ".join(x for x in (deal.target.name, f"({deal.target.ticker})" if deal.target.ticker else None) if x)
    parts = [
        f"<b>{escape(deal.name)}</b> <code>{escape(deal.id)}</code><br>",
        f"{escape(deal.status)}{'; ' + escape(dates) if dates else ''}; target: {escape(target)}",
        f"{'; downside ' + escape(_money(deal.downside, deal.currency)) if deal.downside is not None else ''}",
    ]
    if deal.consideration:
        parts.append(
            _table(
                ["leg", "kind", "terms"],
                [(number(i), leg.kind, _leg_terms(leg, deal)) for i, leg in enumerate(deal.consideration)],
            )
        )
    else:
        parts.append("<p><i>Terms not disclosed.</i></p>")
    if deal.securities:
        parts.append(
            _table(
                ["security", "currency", "proxy", "discount", "estimate"],
                [
                    (name, s.currency, s.proxy, _pct(s.discount, signed=False), s.estimate)
                    for name, s in deal.securities.items()
                ],
            )
        )
    if deal.dividend:
        parts.append(
            _table(
                ["dividend on", "amount", "ex-date"],
                [(d.ticker, _money(d.amount, d.currency), d.ex_date.isoformat()) for d in deal.dividend],
            )
        )
    parts.append(_lifecycle_html(deal))
    parts.append("<div><b>Sources</b>" + _sources(deal) + "</div>")
    return "<div>" + "".join(parts) + "</div>"


def _lifecycle_html(deal: Deal) -> str:
    """The conditions (met of listed) and the timetable, when the deal file lists them."""
    from arb.lifecycle import conditions_met, long_stop

    parts = []
    if deal.conditions:
        met, total = conditions_met(deal)
        rows = [
            (
                c.name,
                c.kind + (f", {c.authority}" if c.authority else ""),
                c.status,
                str(c.date or c.expected or "") + (" (expected)" if c.date is None and c.expected else ""),
            )
            for c in deal.conditions
        ]
        parts.append(
            f"<div><b>Conditions</b>: {met} of {total} met or waived"
            + _table(["condition", "kind", "status", "date"], rows)
            + "</div>"
        )
    if deal.events:
        stop = long_stop(deal)
        steps = [
            (e.date.isoformat(), e.kind, "confirmed" if e.confirmed else "expected", e.note or "")
            for e in sorted(deal.events, key=lambda e: e.date)
        ]
        head = "<b>Timetable</b>" + (f" (long-stop {stop.isoformat()})" if stop else "")
        parts.append(f"<div>{head}" + _table(["date", "event", "", "note"], steps) + "</div>")
    return "".join(parts)


def _quote_text(q: Quote | None) -> str:
    if q is None:
        return ""
    when = f" at {q.as_of.date().isoformat()}" if q.as_of else ""
    return f"{q.symbol} {q.price:,.4g} {q.currency}{when}: {q.source}"


def _arithmetic(li: LegInfo, figures: dict[str, float | None], ccy: str | None) -> str:
    """How the leg's value was reached, as a line of arithmetic in the deal currency."""
    leg = li.leg
    value = figures.get("leg_value")
    fx = f" x {_dec(li.fx.rate, 4)} ({li.fx.symbol})" if li.fx is not None and li.fx.symbol else ""
    if leg.kind == "cash":
        return f"{_money(leg.amount)}{fx} = {_money(value)}"
    if leg.kind == "cvr":
        return f"{_money(leg.amount)} x {leg.probability:g}{fx} = {_money(value)}"
    price = li.security_price
    how = ""
    if li.priced_by == "proxy" and li.quote is not None and li.proxy_fx is not None:
        how = f"{li.quote.price:,.4g} x {_dec(li.proxy_fx.rate, 4)} x (1 - {li.discount:g}) = {_dec(price, 4)}; "
    if leg.ratio is not None:
        clamp = f"clamp({_dec(price, 4)}, {leg.collar[0]:g}, {leg.collar[1]:g})" if leg.collar else f"{_dec(price, 4)}"
        return f"{how}{leg.ratio:g} x {clamp}{fx} = {_money(value)}"
    return f"{how}value {_money(leg.value)} at price {_dec(price, 4)}{fx} = {_money(value)}"


def result_html(result: DealResult) -> str:
    """One deal's valuation: the headline figures, each leg priced with its source, hedge and flags."""
    f = result.figures
    ccy = result.currency
    head = [
        ("target price", _money(f["target_price"], ccy)),
        ("deal value", _money(f["deal_value"], ccy)),
        ("dividends", _money(f["dividends"], ccy)),
        ("spread", _coloured(_money(f["spread"], ccy, signed=True), f["spread"])),
        ("spread %", _coloured(_pct(f["spread_pct"]), f["spread_pct"])),
        ("days to close", "n/a" if f["days_to_close"] is None else f"{int(f['days_to_close'])}"),
        ("annualised (compound)", _coloured(_pct(f["annualized"]), f["annualized"])),
        ("annualised (simple)", _pct(f["annualized_simple"])),
        ("downside", _money(f["downside"], ccy)),
        ("implied probability", _pct(f["implied_probability"], signed=False)),
    ]
    summary = "".join(
        f"<tr><th {_CELL.format(align='left')}>{escape(k)}</th><td {_CELL.format(align='right')}>{v}</td></tr>"
        for k, v in head
    )
    parts = [
        f"<b>{escape(result.deal.name)}</b> <code>{escape(result.id)}</code> as of {result.as_of.isoformat()}",
        f"<table {_TABLE}>{summary}</table>",
    ]
    if result.info.legs:
        parts.append(
            _table(
                ["leg", "terms", "priced by", "price used", "arithmetic", "hedge (shares)"],
                [
                    (
                        number(li.index),
                        _leg_terms(li.leg, result.deal),
                        li.priced_by,
                        _quote_text(li.quote)
                        or (f"estimate {li.security_price:g}" if li.priced_by == "estimate" else ""),
                        _arithmetic(li, lf, ccy),
                        "" if lf.get("hedge_shares") is None else f"{_dec(lf['hedge_shares'], 4)} {li.hedge_symbol}",
                    )
                    for li, lf in zip(result.info.legs, result.leg_figures, strict=True)
                ],
            )
        )
    prices = result.info.prices
    if prices:
        parts.append(
            _table(
                ["symbol", "price", "currency", "as of", "source"],
                [
                    (s, _dec(q.price, 4), q.currency, q.as_of.date().isoformat() if q.as_of else "", q.source)
                    for s, q in prices.items()
                ],
            )
        )
    if result.hedge:
        parts.append(
            "hedge: short "
            + escape(", ".join(f"{_dec(n, 4)} {s}" for s, n in result.hedge.items()))
            + " per target share<br>"
        )
    if result.flags:
        notes = "".join(f"<li>{escape(n)}</li>" for n in result.info.notes)
        parts.append(f"flags: <b>{escape(', '.join(result.flags))}</b><ul style='margin:2px 0'>{notes}</ul>")
    return "<div>" + "".join(parts) + "</div>"


def valuation_html(valuation: Valuation) -> str:
    """The report as a table, best annualised return first, with where the prices came from."""
    rows = []
    for r in valuation.sorted():
        f, ccy = r.figures, r.currency
        rows.append(
            "<tr>"
            + _cells([r.id, _money(f["target_price"], ccy), _money(f["deal_value"], ccy), _money(f["dividends"], ccy)])
            + f"<td {_CELL.format(align='right')}>{_coloured(_money(f['spread'], None, True), f['spread'])}</td>"
            + f"<td {_CELL.format(align='right')}>{_coloured(_pct(f['spread_pct']), f['spread_pct'])}</td>"
            + _cells(
                [
                    "n/a" if f["days_to_close"] is None else int(f["days_to_close"]),
                    _pct(f["annualized"]),
                    _pct(f["implied_probability"], signed=False),
                    ", ".join(r.flags),
                ]
            )
            + "</tr>"
        )
    header = [
        "deal",
        "target price",
        "deal value",
        "dividends",
        "spread",
        "spread %",
        "days",
        "annualised",
        "implied p",
        "flags",
    ]
    return (
        f"<div>as of {valuation.as_of.isoformat()}; prices: {escape(valuation.source_label)}"
        f"<table {_TABLE}><thead><tr>{_cells(header, 'th')}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )
