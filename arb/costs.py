"""The cost of carrying a merger-arbitrage position, and the net figures after it.

An arbitrageur buys one target share and shorts the hedge (the shares each stock leg moves
with). Until the deal pays, the position costs:

- **funding**: the long is financed at the funding rate of the deal currency,
  ``funding_rate x target_price x days / 365``;
- **borrow**: each listing shorted is borrowed at its fee, ``borrow_fee x short_value x days / 365``;
- **rebate** (income): the short sale's cash earns the rebate rate of the listing's currency,
  ``rebate x short_value x days / 365``;
- **trading**: buying the target pays its market's buyer stamp duty, levies and commission;
  selling each hedge short pays its market's seller stamp duty, levies and commission, each a
  fraction of the trade's value. At the close the target is cancelled for the consideration and the
  shares received close the short: no trade, no further duty.

All money is per target share in the deal currency; rates are annual fractions (0.04 is 4% a
year), stamp duty and levies fractions of a trade's value, commission in basis points per trade;
days are calendar days (ACT/365), the same days to close as the gross figures.

``carry_cost = funding + borrow - rebate + trading``; ``net_spread = spread - carry_cost``; the net
percent, annualised (compound, simple) and expected figures follow the gross definitions
(:mod:`arb.engine`) with ``net_spread`` in place of ``spread``.

Where the rates come from, for each key a deal needs: the deal file's ``[costs]``, else the
``[costs]`` of the user's config file (``config.toml`` in arb's data folder), else the built-in
table :data:`DEFAULTS` (the flag ``costs-default`` names each value taken from it). A rate in none
of them leaves the net figures null (``no-cost-rate``), never zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arb.errors import ConfigError
from arb.frozen import Record

if TYPE_CHECKING:  # numpy is imported where the figures are worked out: reading a deal file needs none
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]

__all__ = [
    "DEFAULTS",
    "NET_FIGURES",
    "CostRates",
    "Costs",
    "StampDuty",
    "effective_costs",
    "load_config_costs",
    "market_of",
    "net_figures",
    "parse_costs",
    "resolve_rates",
]

#: The net figures, in the order of the JSON and CSV outputs (after the gross ones).
NET_FIGURES = (
    "deferred_discount",
    "funding_cost",
    "borrow_cost",
    "rebate",
    "trading_cost",
    "carry_cost",
    "net_spread",
    "net_spread_pct",
    "net_annualized",
    "net_annualized_simple",
    "net_expected_return",
    "break_even_days",
    "break_even_funding_rate",
)


class StampDuty(Record):
    """Stamp duty of one market, a fraction of the trade's value paid by the buyer and by the seller."""

    buy: float = 0.0
    sell: float = 0.0


class Costs(Record):
    """A ``[costs]`` table, in a deal file or the config file. Every key is optional.

    - ``funding_rate``: annual rate per currency (``{HKD = 0.04}``), or one number for every currency.
    - ``borrow_fee``: annual fee per market (``HK``, ``US``, ``UK``, or an exchange suffix such as
      ``SS``) or per listing (``"600803.SS"``); a listing's own entry wins over its market's.
    - ``rebate``: annual rate earned on the cash of a short sale, per currency (or one number).
    - ``stamp_duty``: per market, ``{buy = 0.001, sell = 0.001}``.
    - ``levies``: per market, the fraction of each trade's value paid in exchange and regulator levies.
    - ``commission_bps``: broker commission per trade, in basis points of its value.
    - ``probability``: the probability of completion the net expected return is worked at.

    Rates are at most 10 (1,000%), commission at most 1,000 bps; the checks are
    :class:`arb.schema.Costs`'s. Keys of the tables are upper-case (``hkd`` is read as ``HKD``).
    """

    funding_rate: dict[str, float] | float | None = None
    borrow_fee: dict[str, float] | None = None
    rebate: dict[str, float] | float | None = None
    stamp_duty: dict[str, StampDuty] | None = None
    levies: dict[str, float] | None = None
    commission_bps: float | None = None
    probability: float | None = None


#: The built-in table, used for a key neither the deal file nor the config file gives.
#:
#: Statutory rates (see ``docs/costs.md`` for the sources): Hong Kong stamp duty 0.1% of the
#: value on each side of a share trade (since 17 Nov 2023); Hong Kong levies per side: SFC
#: 0.0027%, AFRC 0.00015%, HKEX trading fee 0.00565% (0.0085% in all); UK SDRT 0.5% on purchases;
#: Shanghai and Shenzhen A shares 0.05% on the seller (since 28 Aug 2023), handling fee 0.00341% and
#: securities management fee 0.002% per side (0.00541% in all; a broker's table, not the exchange's).
#: Funding, borrow and commission depend on the broker: the figures below are placeholders of a
#: typical prime-broker account to be replaced in the config file, and each use is flagged.
#: (Written in arb's own code, so built unchecked; ``tests/test_frozen.py`` checks it as a file is.)
DEFAULTS = Costs._trusted(
    funding_rate={"USD": 0.045, "HKD": 0.040, "GBP": 0.045, "EUR": 0.030, "CNY": 0.030, "JPY": 0.010},
    borrow_fee={"US": 0.0025, "HK": 0.010, "UK": 0.0050, "SS": 0.050, "SZ": 0.050},
    rebate=0.0,
    stamp_duty={
        "HK": StampDuty._trusted(buy=0.001, sell=0.001),
        "UK": StampDuty._trusted(buy=0.005, sell=0.0),
        "US": StampDuty._trusted(),
        "SS": StampDuty._trusted(buy=0.0, sell=0.0005),
        "SZ": StampDuty._trusted(buy=0.0, sell=0.0005),
    },
    levies={"HK": 0.000085, "UK": 0.0, "US": 0.0, "SS": 0.0000541, "SZ": 0.0000541},
    commission_bps=5.0,
)

# Exchange suffixes that name a market by another word in the table.
_MARKET_OF_SUFFIX = {"": "US", "L": "UK", "IL": "UK", "SH": "SS"}


def market_of(ticker: str) -> str:
    """The market key of a listing: ``HK`` for ``0384.HK``, ``UK`` for ``VOD.L``, ``US`` with no suffix."""
    suffix = ticker.rpartition(".")[2] if "." in ticker else ""
    return _MARKET_OF_SUFFIX.get(suffix, suffix)


@dataclass(frozen=True)
class CostRates:
    """The rates one deal's costs were worked at, each with where it came from.

    ``leg_*`` are per consideration leg (0 for a leg with nothing to short). A rate that could not
    be found anywhere is NaN and named in ``missing``; ``defaulted`` names each key taken from the
    built-in table.
    """

    funding_rate: float
    target_buy: float  # stamp duty + levies + commission on buying the target, a fraction
    probability: float
    leg_borrow: tuple[float, ...]
    leg_rebate: tuple[float, ...]
    leg_sell: tuple[float, ...]  # stamp duty + levies + commission on the short sale, a fraction
    lines: tuple[str, ...] = ()  # "funding_rate.HKD = 0.04 (deal file)", for show
    defaulted: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


@dataclass
class _Layers:
    deal: Costs | None
    config: Costs | None
    config_label: str = "config"
    lines: list[str] = field(default_factory=list)
    defaulted: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def look(self, table: str, *keys: str) -> Any:
        """The first of ``keys`` in ``table`` of the deal, then the config, then the defaults."""
        layers = (("deal file", self.deal), (self.config_label, self.config), ("built-in default", DEFAULTS))
        for where, costs in layers:
            if costs is None:
                continue
            entry = getattr(costs, table)
            if entry is None:
                continue
            if not isinstance(entry, dict):
                return self._found(table, None, entry, where)
            for key in keys:
                if key in entry:
                    return self._found(table, key, entry[key], where)
        name = f"{table}.{keys[0]}" if keys else table
        if name not in self.missing:
            self.missing.append(name)
        return None

    def _found(self, table: str, key: str | None, value: Any, where: str) -> Any:
        name = table if key is None else f"{table}.{key}"
        shown = value.model_dump() if isinstance(value, Record) else value
        line = f"{name} = {shown} ({where})"
        if line not in self.lines:
            self.lines.append(line)
        if where == "built-in default" and name not in self.defaulted:
            self.defaulted.append(name)
        return value


def resolve_rates(
    deal_costs: Costs | None,
    config_costs: Costs | None,
    *,
    currency: str | None,
    target: str | None,
    hedges: Sequence[tuple[str | None, str | None]],
    config_label: str = "config",
) -> CostRates:
    """Merge deal file > config > built-in defaults into the rates one deal needs.

    ``hedges`` has one ``(listing shorted, its currency)`` per leg, ``(None, None)`` for a leg with
    nothing to short. ``config_label`` names where ``config_costs`` came from in the rate lines.
    """
    layers = _Layers(deal_costs, config_costs, config_label)
    nan = math.nan
    commission = layers.look("commission_bps")
    comm = nan if commission is None else commission / 10_000.0

    def trade_rate(ticker: str, side: str) -> float:
        market = market_of(ticker)
        stamp = layers.look("stamp_duty", ticker, market)
        levy = layers.look("levies", ticker, market)
        if stamp is None or levy is None:
            return nan
        return float(getattr(stamp, side)) + float(levy) + comm

    funding = layers.look("funding_rate", currency) if currency else None
    if currency is None:
        layers.missing.append("funding_rate (no deal currency)")
    target_buy = trade_rate(target, "buy") if target else nan
    borrow: list[float] = []
    rebate: list[float] = []
    sell: list[float] = []
    for ticker, ccy in hedges:
        if ticker is None:
            borrow.append(0.0)
            rebate.append(0.0)
            sell.append(0.0)
            continue
        fee = layers.look("borrow_fee", ticker, market_of(ticker))
        reb = layers.look("rebate", ccy) if ccy else None
        borrow.append(nan if fee is None else float(fee))
        rebate.append(nan if reb is None else float(reb))
        sell.append(trade_rate(ticker, "sell"))
    prob = layers.look("probability")
    return CostRates(
        funding_rate=nan if funding is None else float(funding),
        target_buy=target_buy,
        probability=nan if prob is None else float(prob),
        leg_borrow=tuple(borrow),
        leg_rebate=tuple(rebate),
        leg_sell=tuple(sell),
        lines=tuple(layers.lines),
        defaulted=tuple(layers.defaulted),
        missing=tuple(m for m in layers.missing if m != "probability"),
    )


def net_figures(
    *,
    target_price: FloatArray,
    deal_value: FloatArray,
    dividends: FloatArray,
    downside: FloatArray,
    days: FloatArray,
    funding_rate: FloatArray,
    target_buy: FloatArray,
    probability: FloatArray,
    short_value: FloatArray,
    leg_borrow: FloatArray,
    leg_rebate: FloatArray,
    leg_sell: FloatArray,
    leg_deal: npt.NDArray[np.int64],
    leg_value: FloatArray | None = None,
    leg_pay_days: FloatArray | None = None,
) -> dict[str, FloatArray]:
    """The net figures of every deal at once (pure numpy; per-deal arrays ``(D,)``, per-leg ``(L,)``).

    ``short_value`` is the value, in the deal currency, of the shares shorted per target share for
    each leg (0 for a leg with nothing to short); ``leg_deal`` the deal of each leg. A NaN input
    gives NaN figures for that deal. Break-even days: the days to close at which the net spread is
    zero, ``365 x (spread - trading) / (funding_rate x target_price + sum((borrow - rebate) x
    short_value))``, NaN unless both are positive. Break-even funding rate: the funding rate at which
    the net spread is zero at the expected close, ``(spread - trading - borrow + rebate) /
    (target_price x days / 365)``, NaN unless ``days > 0``.

    Deferred payments: a leg whose ``leg_pay_days`` (days from the as-of to its payment; NaN when
    paid at the close) is after the close is worth ``leg_value x (1 + funding_rate) ^ -((pay_days -
    days) / 365)`` at the close; ``deferred_discount`` is what that takes off its value, and the net
    spread is net of it. With a deferred payment the net annualised figure is the IRR of the cash
    flows (the target price paid today; at the close the rest of ``target_price + spread -
    carry_cost``; each deferred payment at face on its own date), which without one is exactly
    ``(1 + net_spread_pct) ^ (365 / days) - 1``.
    """
    import numpy as np

    from arb.engine import DAYS_PER_YEAR

    n = target_price.shape[-1]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        years = np.where(days > 0, days, np.where(days == 0, 0.0, np.nan)) / DAYS_PER_YEAR
        # A leg with nothing shorted has zero short value and zero rates: it adds exactly 0.
        borrow_pa = np.bincount(leg_deal, weights=leg_borrow * short_value, minlength=n)[:n]
        rebate_pa = np.bincount(leg_deal, weights=leg_rebate * short_value, minlength=n)[:n]
        sell_cost = np.bincount(leg_deal, weights=leg_sell * short_value, minlength=n)[:n]
        funding = funding_rate * target_price * years
        borrow = borrow_pa * years
        rebate = rebate_pa * years
        trading = target_buy * target_price + sell_cost
        carry = funding + borrow - rebate + trading
        spread = deal_value + dividends - target_price
        deferred_face: FloatArray = np.zeros(n)
        deferred = np.zeros(len(leg_deal), dtype=bool)
        discount: FloatArray = np.zeros(n)
        if leg_value is not None and leg_pay_days is not None:
            deferred = leg_pay_days > days[leg_deal]
            late = np.where(deferred, leg_pay_days - days[leg_deal], 0.0)
            factor = (1.0 + funding_rate[leg_deal]) ** (-late / DAYS_PER_YEAR)
            lost = np.where(deferred, leg_value * (1.0 - factor), 0.0)
            discount = np.bincount(leg_deal, weights=lost, minlength=n)[:n].astype(np.float64)
            face = np.where(deferred, leg_value, 0.0)
            deferred_face = np.bincount(leg_deal, weights=face, minlength=n)[:n].astype(np.float64)
        net = spread - carry - discount
        net_pct = net / target_price
        positive_days = np.where(days > 0, days, np.nan)
        net_ann = (1.0 + net_pct) ** (DAYS_PER_YEAR / positive_days) - 1.0
        has_deferred = np.bincount(leg_deal, weights=deferred.astype(float), minlength=n)[:n] > 0
        if has_deferred.any() and leg_value is not None and leg_pay_days is not None:
            at_close = target_price + spread - carry - deferred_face
            flows = np.where(deferred, leg_value, 0.0)
            irr = _irr(target_price, at_close, positive_days, flows, leg_pay_days, leg_deal)
            net_ann = np.where(has_deferred, irr, net_ann)
        net_simple = net_pct * DAYS_PER_YEAR / positive_days
        received = deal_value + dividends
        expected = (probability * received + (1.0 - probability) * downside - target_price - carry) / target_price
        per_day = (funding_rate * target_price + borrow_pa - rebate_pa) / DAYS_PER_YEAR
        room = spread - trading
        be_days = np.where((per_day > 0) & (room >= 0), room / per_day, np.nan)
        be_rate = (spread - trading - borrow + rebate) / (target_price * np.where(days > 0, years, np.nan))
    return {
        "deferred_discount": discount,
        "funding_cost": funding,
        "borrow_cost": borrow,
        "rebate": rebate,
        "trading_cost": trading,
        "carry_cost": carry,
        "net_spread": net,
        "net_spread_pct": net_pct,
        "net_annualized": net_ann,
        "net_annualized_simple": net_simple,
        "net_expected_return": expected,
        "break_even_days": be_days,
        "break_even_funding_rate": be_rate,
    }


def _irr(
    paid: FloatArray,
    at_close: FloatArray,
    days: FloatArray,
    leg_flow: FloatArray,
    leg_days: FloatArray,
    leg_deal: npt.NDArray[np.int64],
) -> FloatArray:
    """The annual rate ``r`` that makes the flows' value today zero, for every deal at once.

    Flows: ``-paid`` today, ``at_close`` after ``days``, each ``leg_flow`` after its ``leg_days``.
    Bisection on ``log(1 + r)`` from -99% to 999,900% a year; NaN where the value does not change
    sign across that range (no rate in it).
    """
    import numpy as np

    from arb.engine import DAYS_PER_YEAR

    n = paid.shape[-1]
    flow_days = np.where(leg_flow != 0.0, leg_days, 0.0)

    def npv(x: FloatArray) -> FloatArray:
        growth = np.exp(x)  # 1 + r
        close = at_close * growth ** (-days / DAYS_PER_YEAR)
        later = leg_flow * growth[leg_deal] ** (-flow_days / DAYS_PER_YEAR)
        return -paid + close + np.bincount(leg_deal, weights=later, minlength=n)[:n]

    lo = np.full(n, math.log(0.01))
    hi = np.full(n, math.log(1e4))
    f_lo = npv(lo)
    ok = np.sign(f_lo) * np.sign(npv(hi)) < 0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        f_mid = npv(mid)
        same = np.sign(f_mid) == np.sign(f_lo)
        lo = np.where(same, mid, lo)
        f_lo = np.where(same, f_mid, f_lo)
        hi = np.where(same, hi, mid)
    return np.where(ok, np.exp(0.5 * (lo + hi)) - 1.0, np.nan)


def effective_costs(config_costs: Costs | None) -> list[tuple[str, Any, str]]:
    """Every rate a deal without its own ``[costs]`` would use: ``(key, value, origin)`` rows, the
    config file's entries over the built-in table's (origin ``config`` or ``built-in default``).
    A value is as the settings hold it (a fraction, a ``{buy, sell}`` mapping, basis points for
    ``commission_bps``), None where nothing is set.

    For ``arb config show``; a deal file's ``[costs]`` comes on top of these, key by key.
    """
    rows: list[tuple[str, Any, str]] = []
    for name in Costs._fields:
        mine = getattr(config_costs, name) if config_costs is not None else None
        base = getattr(DEFAULTS, name)
        entries: dict[str, tuple[Any, str]] = {}
        for value, origin in ((base, "built-in default"), (mine, "config")):
            if value is None:
                continue
            if isinstance(value, dict):
                entries.update({f"{name}.{k}": (v, origin) for k, v in value.items()})
            else:
                # One number for every currency replaces the table below it.
                entries = {name: (value, origin)}
        if not entries:
            rows.append((name, None, "-"))
        for key, (value, origin) in sorted(entries.items()):
            shown = value.model_dump() if isinstance(value, Record) else value
            rows.append((key, shown, origin))
    return rows


def load_config_costs(path: Path | None = None) -> Costs | None:
    """The ``[costs]`` table of the config file (:func:`arb.config.load_config`), None when there is none.

    A bad value is one :class:`~arb.errors.ConfigError` naming the file and the key.
    """
    from arb.config import load_config

    cfg = load_config(path)
    table = cfg.section("costs")
    if not table:
        return None
    return parse_costs(table, cfg.path)


def parse_costs(table: Mapping[str, Any], path: Path | None) -> Costs:
    """A ``[costs]`` table checked against :class:`Costs`; a bad value is one ConfigError naming the key."""
    from arb.quickcheck import quick, to_plain

    data = to_plain(dict(table))
    costs = quick(Costs, data)
    if costs is not None:
        return costs
    from arb.schema import ValidationError, validate

    try:
        return validate(Costs, data, plain=True)
    except ValidationError as exc:
        err = exc.errors()[0]
        ctx = err.get("ctx") or {}
        parts = [str(p) for p in err["loc"] if not str(p).startswith(("function-", "dict[", "float", "constrained"))]
        if "key" in ctx:
            parts.append(str(ctx["key"]))
        raise ConfigError(path, ".".join(["costs", *parts]), err["msg"]) from None
