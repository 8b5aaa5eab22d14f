"""Synthetic deals for the benchmarks: compiled engine tables and deal files.

Everything here is made-up test data, labelled so wherever it lands (ids ``synthetic-…``, names
"Synthetic deal …", a comment at the top of every file). The mix of deal structures is the same
for the engine tables and the files:

======================  ====  ===========================================================
structure               legs  what it exercises
======================  ====  ===========================================================
cash                    1     cash, sometimes in a foreign currency (FX)
stock                   1     fixed ratio of a listing or a proxy-priced security
cash+stock              2     both
value-collar            1     fixed value paid in shares, clamped to a collar
ratio-collar            1     fixed ratio whose reference price is clamped to a collar
election                2     cash and stock prorated by weight
cash+cvr                2     cash plus a contingent value right
undisclosed             0     terms not disclosed (no legs)
======================  ====  ===========================================================

About a fifth of deals carry a dividend on the target, a tenth one on the hedged stock; a few
prices are missing (NaN) so the engine's missing-data paths run too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from arb.engine import CASH, CVR, STOCK_RATIO, STOCK_VALUE, DealTable, DividendTable, LegTable
from arb.prices.base import Quote

__all__ = ["AS_OF", "STRUCTURES", "SyntheticBook", "deal_toml", "make_book", "synthetic_quotes", "write_deal_files"]

#: The as-of date every synthetic deal is valued at.
AS_OF = dt.date(2025, 6, 20)

STRUCTURES = ("cash", "stock", "cash+stock", "value-collar", "ratio-collar", "election", "cash+cvr", "undisclosed")
_SHARE = np.array([0.18, 0.18, 0.18, 0.1, 0.1, 0.12, 0.12, 0.02])
_N_LEGS = np.array([1, 1, 2, 1, 1, 2, 2, 0])
_NO = -1
# Engine kind of each structure's first and second leg.
_KINDS = np.array(
    [
        [CASH, _NO],
        [STOCK_RATIO, _NO],
        [CASH, STOCK_RATIO],
        [STOCK_VALUE, _NO],
        [STOCK_RATIO, _NO],
        [CASH, STOCK_RATIO],
        [CASH, CVR],
        [_NO, _NO],
    ]
)
_RATIO_COLLAR = STRUCTURES.index("ratio-collar")
_ELECTION = STRUCTURES.index("election")


@dataclass(frozen=True)
class SyntheticBook:
    """A compiled book of ``n`` synthetic deals, ready for :func:`arb.engine.value_book`."""

    legs: LegTable
    deals: DealTable
    dividends: DividendTable
    structure: np.ndarray  # index into STRUCTURES, per deal

    def __len__(self) -> int:
        return len(self.deals)


def make_book(n: int, seed: int = 0) -> SyntheticBook:
    """``n`` synthetic deals as engine tables (vectorised: a million deals take about a second)."""
    rng = np.random.default_rng(seed)
    structure = rng.choice(len(STRUCTURES), size=n, p=_SHARE / _SHARE.sum())
    n_legs = _N_LEGS[structure].astype(np.int64)
    n_total = int(n_legs.sum())
    deal = np.repeat(np.arange(n, dtype=np.int64), n_legs)
    starts = np.concatenate(([0], np.cumsum(n_legs)[:-1]))
    pos = np.arange(n_total) - starts[deal]
    leg_structure = structure[deal]
    kind = _KINDS[leg_structure, pos].astype(np.int8)

    # Deal level: target price in the deal currency and the offer it is priced against.
    target = np.exp(rng.normal(3.3, 0.8, n))
    offer = target * rng.uniform(1.0, 1.3, n)
    # The part of the offer each leg carries: second legs get the rest of the first's share.
    first_share = rng.uniform(0.2, 0.8, n)
    share = np.where(n_legs[deal] == 1, 1.0, np.where(pos == 0, first_share[deal], 1.0 - first_share[deal]))
    leg_offer = offer[deal] * share

    weight = np.ones(n_total)
    election_w = rng.uniform(0.3, 0.7, n)
    is_election = leg_structure == _ELECTION
    # An election pays the whole offer in either form, each form with its proration weight.
    weight = np.where(is_election, np.where(pos == 0, election_w[deal], 1.0 - election_w[deal]), weight)
    leg_offer = np.where(is_election, offer[deal], leg_offer)

    foreign = rng.random(n_total) < 0.25
    fx = np.where(foreign, np.exp(rng.normal(0.0, 1.5, n_total)), 1.0)
    is_stock = (kind == STOCK_RATIO) | (kind == STOCK_VALUE)
    price = np.exp(rng.normal(3.0, 1.0, n_total))  # the security's price, in its own currency
    at_signing = price * rng.uniform(0.85, 1.15, n_total)  # the price the terms were set at
    price = np.where(is_stock & (rng.random(n_total) < 0.002), np.nan, price)

    nan = np.full(n_total, np.nan)
    amount = np.where(kind == CASH, leg_offer / fx, nan)
    probability = np.where(kind == CVR, rng.uniform(0.2, 0.8, n_total), nan)
    amount = np.where(kind == CVR, leg_offer / fx / np.where(np.isnan(probability), 1.0, probability) * 0.1, amount)
    ratio = np.where(kind == STOCK_RATIO, leg_offer / (at_signing * fx), nan)
    value = np.where(kind == STOCK_VALUE, leg_offer, nan)
    collared = (kind == STOCK_VALUE) | (leg_structure == _RATIO_COLLAR)
    low = np.where(collared, at_signing * 0.9, 0.0)
    high = np.where(collared, at_signing * 1.1, np.inf)
    # Stock is priced from its listing (hedge 1 share), a proxy at a discount, or an estimate (no hedge).
    how = rng.random(n_total)
    discount = rng.uniform(0.0, 0.2, n_total)
    hedge_mult = np.where(is_stock, np.select([how < 0.8, how < 0.95], [1.0, 1.0 - discount], 0.0), 0.0)

    legs = LegTable(
        deal=deal,
        kind=kind,
        weight=weight,
        ratio=ratio,
        value=value,
        amount=amount,
        probability=probability,
        low=low,
        high=high,
        price=price,
        fx=fx,
        hedge_mult=hedge_mult,
    )

    as_of = float(AS_OF.toordinal())
    close = as_of + rng.integers(-20, 500, n).astype(np.float64)
    downside = np.where(rng.random(n) < 0.7, target * rng.uniform(0.6, 0.9, n), np.nan)
    target = np.where(rng.random(n) < 0.002, np.nan, target)
    deals = DealTable(
        target_price=target,
        downside=downside,
        as_of=np.full(n, as_of),
        close=close,
        n_legs=n_legs,
    )

    # Dividends: on the target (leg -1), or owed on the first stock leg of the deal.
    has_target_div = (rng.random(n) < 0.2) & (n_legs > 0)
    t_deal = np.flatnonzero(has_target_div)
    stock_legs = np.flatnonzero(is_stock)
    starts_deal = np.concatenate(([True], deal[stock_legs][1:] != deal[stock_legs][:-1]))[: stock_legs.size]
    first_stock = stock_legs[starts_deal]
    h_leg = first_stock[rng.random(first_stock.shape[0]) < 0.1]
    div_deal = np.concatenate((t_deal, deal[h_leg]))
    div_leg = np.concatenate((np.full(t_deal.shape[0], -1, np.int64), h_leg))
    m = div_deal.shape[0]
    ref = np.concatenate((target[t_deal], np.nan_to_num(price[h_leg] * fx[h_leg], nan=20.0)))
    div_amount = np.nan_to_num(ref, nan=30.0) * rng.uniform(0.005, 0.03, m)
    div_ex = as_of + rng.integers(-30, 400, m).astype(np.float64)
    order = np.argsort(div_deal, kind="stable")
    dividends = DividendTable(deal=div_deal[order], leg=div_leg[order], amount=div_amount[order], ex_date=div_ex[order])
    return SyntheticBook(legs, deals, dividends, structure)


# ----------------------------------------------------------------------------------------------
# Deal files for the load benchmark
# ----------------------------------------------------------------------------------------------

#: Foreign listings: (currency, Yahoo suffix, HKD per unit, the unit Yahoo quotes in).
_FOREIGN = (("USD", "", 7.8, "USD"), ("CNY", ".SS", 1.09, "CNY"), ("GBP", ".L", 10.2, "GBp"))


def _listing(i: int, role: str, suffix: str) -> str:
    # Made-up symbols that no exchange uses: SYNT (target), SYNA (acquirer), SYNP (proxy).
    return f"SYN{role}{i:04d}{suffix}"


def deal_toml(i: int, seed: int = 0) -> str:
    """The text of synthetic deal file number ``i`` (deterministic in ``i`` and ``seed``)."""
    rng = np.random.default_rng([seed, i])
    s = int(rng.choice(len(STRUCTURES), p=_SHARE / _SHARE.sum()))
    name = STRUCTURES[s]
    target = round(float(np.exp(rng.normal(3.3, 0.6))), 2)
    offer = round(target * float(rng.uniform(1.0, 1.3)), 2)
    close = AS_OF + dt.timedelta(days=int(rng.integers(30, 500)))
    ccy, suffix, _, _ = _FOREIGN[int(rng.integers(0, 3))] if rng.random() < 0.3 else ("HKD", ".HK", 1.0, "HKD")
    acquirer = _listing(i, "A", suffix)
    lines = [
        "# Synthetic test data for the arb benchmarks: not a real deal, not real prices.",
        f'id = "synthetic-{i:04d}"',
        f'name = "Synthetic deal {i:04d} ({name})"',
        'status = "pending"',
        "announced = 2025-03-01",
        f"expected_close = {close.isoformat()}",
        'currency = "HKD"',
        f"downside = {round(target * 0.8, 2)}",
        "",
        "[target]",
        f'ticker = "{_listing(i, "T", ".HK")}"',
        f'name = "Synthetic target {i:04d}"',
        "",
        "[acquirer]",
        f'ticker = "{acquirer}"',
        f'name = "Synthetic acquirer {i:04d}"',
    ]

    def leg(**keys: object) -> None:
        lines.extend(("", "[[consideration]]"))
        for k, v in keys.items():
            lines.append(f"{k} = {_toml_value(v)}")

    split = round(float(rng.uniform(0.2, 0.8)), 2)
    ratio = round(float(rng.uniform(0.2, 3.0)), 4)
    if name == "cash":
        leg(kind="cash", amount=offer, currency="HKD")
    elif name == "stock":
        leg(kind="stock", ratio=ratio, ticker=acquirer)
    elif name == "cash+stock":
        leg(kind="stock", ratio=ratio, ticker=acquirer)
        leg(kind="cash", amount=round(offer * split, 2), currency="HKD")
    elif name == "value-collar":
        px = round(float(np.exp(rng.normal(3.0, 0.5))), 2)
        leg(kind="stock", value=offer, ticker=acquirer, collar=[round(px * 0.9, 2), round(px * 1.1, 2)])
    elif name == "ratio-collar":
        px = round(float(np.exp(rng.normal(3.0, 0.5))), 2)
        leg(kind="stock", ratio=ratio, security="new-shares", collar=[round(px * 0.9, 2), round(px * 1.1, 2)])
    elif name == "election":
        leg(kind="cash", amount=offer, currency="HKD", weight=split)
        leg(kind="stock", ratio=ratio, ticker=acquirer, weight=round(1.0 - split, 2))
    elif name == "cash+cvr":
        leg(kind="cash", amount=offer, currency="HKD")
        leg(kind="cvr", amount=round(offer * 0.1, 2), currency=ccy, probability=round(float(rng.uniform(0.2, 0.8)), 2))
    if name == "ratio-collar":
        lines.extend(
            (
                "",
                "[securities.new-shares]",
                'name = "Synthetic new shares, not yet listed"',
                f'currency = "{ccy}"',
                f'proxy = "{_listing(i, "P", suffix)}"',
                f"discount = {round(float(rng.uniform(0.0, 0.2)), 3)}",
                f"estimate = {round(float(np.exp(rng.normal(3.0, 0.5))), 2)}",
            )
        )
    if rng.random() < 0.2:
        ex = AS_OF + dt.timedelta(days=int(rng.integers(1, 400)))
        lines.extend(
            (
                "",
                "[[dividend]]",
                f'ticker = "{_listing(i, "T", ".HK")}"',
                f"amount = {round(target * 0.02, 3)}",
                'currency = "HKD"',
                f"ex_date = {ex.isoformat()}",
            )
        )
    lines.extend(
        (
            "",
            "[[source]]",
            'title = "Synthetic deal generator (benchmarks/synthetic.py)"',
            'publisher = "arb benchmarks"',
            f"date = {AS_OF.isoformat()}",
            'note = "Made-up terms for timing the loader; no real company or article."',
            "",
        )
    )
    return "\n".join(lines)


def _toml_value(v: object) -> str:
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return repr(v)


def write_deal_files(folder: Path, n: int = 1000, seed: int = 0) -> list[Path]:
    """Write ``n`` synthetic deal files into ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"synthetic-{i:04d}.toml"
        path.write_text(deal_toml(i, seed), encoding="utf-8")
        paths.append(path)
    return paths


def synthetic_quotes(symbols: list[str], seed: int = 0) -> dict[str, Quote]:
    """A made-up quote for every listing the synthetic deal files name, and the FX pairs to HKD.

    Security names (lower-case) get no quote, so those legs are priced from their proxy.
    """
    rng = np.random.default_rng(seed)
    units = {suffix: unit for _, suffix, _, unit in _FOREIGN} | {".HK": "HKD"}
    when = dt.datetime.combine(AS_OF, dt.time())
    out: dict[str, Quote] = {}
    for sym in symbols:
        if not sym.startswith("SYN"):
            continue
        suffix = "." + sym.rpartition(".")[2] if "." in sym else ""
        unit = units[suffix]
        price = float(np.exp(rng.normal(3.0, 0.5))) * (100.0 if unit == "GBp" else 1.0)
        out[sym] = Quote(sym, round(price, 3), unit, when, "memory", "benchmarks/synthetic.py", synthetic=True)
    for ccy, _, hkd, _ in _FOREIGN:
        pair = f"{ccy}HKD=X"
        out[pair] = Quote(pair, hkd, "HKD", when, "memory", "benchmarks/synthetic.py", synthetic=True)
    return out
