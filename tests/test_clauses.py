"""Clauses as agreements print them, each against arithmetic worked by hand here."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from conftest import make_deal, memory, value

from arb.book import pricing_window
from arb.flags import Flag
from arb.pricing import DealResult, value_deals


def _one(body: str, prices: dict[str, tuple[float, str]], **head: str) -> DealResult:
    return value(make_deal(body, **head), prices).results[0]


# AT&T / Time Warner: per TWX share, $53.75 in AT&T stock, 1.437 shares below an AT&T price of
# $37.411 and 1.300 above $41.349 (the agreement prints both the band and the ratios).
ATT = """
[[consideration]]
kind = "stock"
value = 53.75
ticker = "T"
{band}
"""
ATT_BOUNDS = "ratio_bounds = [1.300, 1.437]"
ATT_BAND = "collar = [37.411, 41.349]"


def _att(price: float, band: str) -> DealResult:
    return _one(ATT.format(band=band), {"TWX": (50.0, "USD"), "T": (price, "USD")}, currency="USD", target="TWX")


@pytest.mark.parametrize("band", [ATT_BOUNDS, ATT_BAND + "\n" + ATT_BOUNDS])
def test_att_time_warner_printed_ratios_win_below_and_above(band: str) -> None:
    # Below the band: 1.437 x 35.00 = 50.295 (the band alone gives 53.75 / 37.411 x 35 = 50.2860).
    below = _att(35.0, band)
    assert below.figures["deal_value"] == pytest.approx(1.437 * 35.0, abs=1e-12)
    assert below.figures["deal_value"] == pytest.approx(50.295, abs=1e-12)
    assert below.hedge == {"T": pytest.approx(1.437)}
    assert Flag.OUTSIDE_COLLAR in below.flags
    # Above: 1.300 x 45.00 = 58.50 (the band alone: 53.75 / 41.349 x 45 = 58.4960).
    above = _att(45.0, band)
    assert above.figures["deal_value"] == pytest.approx(58.50, abs=1e-12)
    assert above.hedge == {"T": pytest.approx(1.300)}
    # Inside: the value is fixed at 53.75 and nothing moves it.
    inside = _att(39.0, band)
    assert inside.figures["deal_value"] == pytest.approx(53.75, abs=1e-12)
    assert inside.hedge == {"T": 0.0}


def test_the_band_alone_is_off_by_a_cent() -> None:
    derived = _att(35.0, ATT_BAND).figures["deal_value"]
    printed = _att(35.0, ATT_BOUNDS).figures["deal_value"]
    assert derived == pytest.approx(53.75 / 37.411 * 35.0, abs=1e-12)  # 50.28602
    assert printed is not None and derived is not None
    assert printed - derived == pytest.approx(0.00898, abs=1e-5)  # 50.295 - 50.28602


def test_ratio_bounds_alone_give_the_band_value_over_ratio() -> None:
    # Without a price band the band is 53.75 / 1.437 = 37.4043 to 53.75 / 1.300 = 41.3462.
    at = _att(37.41, ATT_BOUNDS)  # just inside: the value is fixed
    assert at.figures["deal_value"] == pytest.approx(53.75, abs=1e-12)
    assert Flag.OUTSIDE_COLLAR not in at.flags
    just_below = _att(37.40, ATT_BOUNDS)  # 37.40 < 37.4043: 1.437 x 37.40 = 53.7438
    assert just_below.figures["deal_value"] == pytest.approx(53.7438, abs=1e-12)
    (li,) = at.info.legs
    assert li.band == pytest.approx((53.75 / 1.437, 53.75 / 1.300))


def test_disney_fox_printed_ratios() -> None:
    # Disney / Fox: $38 in Disney stock, 0.4063 shares below $93.53 and 0.3324 above $114.32.
    body = '[[consideration]]\nkind = "stock"\nvalue = 38.0\nticker = "DIS"\nratio_bounds = [0.3324, 0.4063]\n'
    low = _one(body, {"FOXA": (36.0, "USD"), "DIS": (90.0, "USD")}, currency="USD", target="FOXA")
    assert low.figures["deal_value"] == pytest.approx(0.4063 * 90.0, abs=1e-12)  # 36.567 (38/93.53 x 90 = 36.5658)
    high = _one(body, {"FOXA": (36.0, "USD"), "DIS": (120.0, "USD")}, currency="USD", target="FOXA")
    assert high.figures["deal_value"] == pytest.approx(0.3324 * 120.0, abs=1e-12)  # 39.888


def test_ratio_bounds_are_refused_on_a_fixed_ratio_or_reversed() -> None:
    with pytest.raises(ValueError, match="fixed-value leg"):
        make_deal('[[consideration]]\nkind = "stock"\nratio = 1.0\nticker = "T"\nratio_bounds = [1.3, 1.4]\n')
    with pytest.raises(ValueError, match="min < max"):
        make_deal('[[consideration]]\nkind = "stock"\nvalue = 5.0\nticker = "T"\nratio_bounds = [1.4, 1.3]\n')


# A fixed value in USD paid in shares listed in HKD, for an HKD deal: USD 10 at 7.80 = HKD 78.
VALUE_USD = '[[consideration]]\nkind = "stock"\nvalue = 10.0\nvalue_currency = "USD"\nticker = "A.HK"\n{band}\n'


def test_fixed_value_in_another_currency() -> None:
    prices = {"T.HK": (70.0, "HKD"), "A.HK": (39.0, "HKD"), "USDHKD=X": (7.8, "HKD")}
    r = _one(VALUE_USD.format(band=""), prices)
    assert r.figures["deal_value"] == pytest.approx(78.0, abs=1e-12)  # 10 x 7.8 / 39 = 2 shares x 39
    # Outside a collar of [30, 50] HKD: 78 / 50 = 1.56 shares x 60 = 93.60.
    r = _one(VALUE_USD.format(band="collar = [30.0, 50.0]"), prices | {"A.HK": (60.0, "HKD")})
    assert r.figures["deal_value"] == pytest.approx(93.6, abs=1e-12)
    assert r.hedge == {"A.HK": pytest.approx(1.56)}


def test_fixed_value_currency_without_a_rate_is_flagged() -> None:
    r = _one(VALUE_USD.format(band=""), {"T.HK": (70.0, "HKD"), "A.HK": (39.0, "HKD")})
    assert r.figures["deal_value"] is None
    assert Flag.NO_FX_RATE in r.flags
    assert any("USD->HKD rate for its value" in n for n in r.info.notes)


def test_synopsys_ansys_share_cap() -> None:
    # $197 + 0.3450 SNPS per Ansys share; the shares issued capped (19.9999% of Synopsys): with
    # 100,000,000 Ansys shares and a cap of 33,990,000 the ratio is cut to 0.3399, and the 0.0051
    # shares cut are paid in cash at today's 570.59: 0.0051 x 570.59 = 2.91, so $199.91 + 0.3399.
    body = """
[[consideration]]
kind = "cash"
amount = 197.0
currency = "USD"

[[consideration]]
kind = "stock"
ratio = 0.3450
ticker = "SNPS"
share_cap = {max_shares = 33990000.0, target_shares = 100000000.0}
"""
    r = _one(body, {"ANSS": (380.0, "USD"), "SNPS": (570.59, "USD")}, currency="USD", target="ANSS")
    li = r.info.legs[1]
    assert li.capped_ratio == pytest.approx(0.3399, abs=1e-12)
    assert li.cap_cash == pytest.approx(2.910009, abs=1e-6)
    assert 197.0 + li.cap_cash == pytest.approx(199.91, abs=1e-3)
    # The value is unchanged at today's price: 197 + 0.345 x 570.59 = 199.91 + 0.3399 x 570.59 = 393.8536
    assert r.figures["deal_value"] == pytest.approx(197.0 + 0.3450 * 570.59, abs=1e-9)
    assert r.figures["deal_value"] == pytest.approx(197.0 + li.cap_cash + 0.3399 * 570.59, abs=1e-9)
    # Under the cap nothing changes.
    loose = body.replace("33990000.0", "40000000.0")
    r = _one(loose, {"ANSS": (380.0, "USD"), "SNPS": (570.59, "USD")}, currency="USD", target="ANSS")
    assert r.info.legs[1].capped_ratio is None


def test_iff_frutarom_dividend_equalisation() -> None:
    # $71.19 + 0.249 IFF per Frutarom share; holders also get 0.249 x each IFF dividend before the close.
    # An IFF dividend of 0.69 going ex in the window: the short owes 0.249 x 0.69 = 0.17181 and the
    # equalisation pays the same 0.17181: dividends net to 0 (without it: -0.17181).
    body = """
[[consideration]]
kind = "cash"
amount = 71.19
currency = "USD"

[[consideration]]
kind = "stock"
ratio = 0.249
ticker = "IFF"
{eq}

[[dividend]]
ticker = "IFF"
amount = 0.69
currency = "USD"
ex_date = 2025-09-20
"""
    prices = {"FRUT": (100.0, "USD"), "IFF": (120.0, "USD")}
    plain = _one(body.format(eq=""), prices, currency="USD", target="FRUT")
    assert plain.figures["dividends"] == pytest.approx(-0.249 * 0.69, abs=1e-12)
    equal = _one(body.format(eq="dividend_equalisation = true"), prices, currency="USD", target="FRUT")
    assert equal.figures["dividends"] == pytest.approx(0.0, abs=1e-12)
    assert equal.figures["spread"] == pytest.approx(71.19 + 0.249 * 120.0 - 100.0, abs=1e-9)


def test_show_says_which_ratio_and_the_capped_terms(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from arb.cli import app

    deal = (
        'id = "att-twx"\nname = "AT&T / Time Warner"\nexpected_close = 2018-06-14\ncurrency = "USD"\n'
        '[target]\nticker = "TWX"\n' + ATT.format(band=ATT_BAND + "\n" + ATT_BOUNDS)
    )
    (tmp_path / "att.toml").write_text(deal, encoding="utf-8")
    (tmp_path / "p.csv").write_text("symbol,price,currency,as_of\nTWX,45.0,USD,2018-01-02\nT,35.0,USD,2018-01-02\n")
    res = CliRunner().invoke(app, ["show", str(tmp_path / "att.toml"), "--prices", str(tmp_path / "p.csv")])
    assert res.exit_code == 0, res.output
    assert "printed ratios 1.3 to 1.437 shares" in res.stdout
    assert "1.437 shares (the printed ratio below 37.411) × 35.00 USD = USD 50.30" in res.stdout
    assert "short 1.437 T per target share" in res.stdout
    assert not re.search(r"hedge\s+—", res.stdout)  # one hedge line per leg, not a dash under the shares
    capped = deal.replace(ATT.format(band=ATT_BAND + "\n" + ATT_BOUNDS), "").replace('"att-twx"', '"snps"') + (
        '[[consideration]]\nkind = "stock"\nratio = 0.345\nticker = "T"\n'
        "share_cap = {max_shares = 33990000.0, target_shares = 100000000.0}\n"
    )
    (tmp_path / "snps.toml").write_text(capped, encoding="utf-8")
    (tmp_path / "p.csv").write_text("symbol,price,currency,as_of\nTWX,380.0,USD,2018-01-02\nT,570.59,USD,2018-01-02\n")
    res = CliRunner().invoke(app, ["show", str(tmp_path / "snps.toml"), "--prices", str(tmp_path / "p.csv")])
    assert res.exit_code == 0, res.output
    assert "0.345 cut to 0.3399 shares plus USD 2.91 cash" in res.stdout


# A deferred payment: HK$10 at the close (2025-12-31, 194 days on) and HK$5 a year later, funding at
# 10% and no other cost; the target at 14.00.
DEFERRED = """
[[consideration]]
kind = "cash"
amount = 10.0
currency = "HKD"

[[consideration]]
kind = "{kind}"
amount = 5.0
currency = "HKD"
{prob}
payment_date = 2026-12-31

[costs]
funding_rate = 0.10
borrow_fee = {{HK = 0.0}}
stamp_duty = {{HK = {{buy = 0.0, sell = 0.0}}}}
levies = {{HK = 0.0}}
commission_bps = 0.0
probability = 1.0
"""


@pytest.mark.parametrize(("kind", "prob", "p"), [("cash", "", 1.0), ("cvr", "probability = 0.6", 0.6)])
def test_a_deferred_payment_is_discounted_and_annualised_by_irr(kind: str, prob: str, p: float) -> None:
    r = _one(DEFERRED.format(kind=kind, prob=prob), {"T.HK": (14.0, "HKD")})
    assert r.net is not None
    face = 5.0 * p
    # The gross figures count it at face, at the close: value 10 + 5p.
    assert r.figures["deal_value"] == pytest.approx(10.0 + face)
    funding = 0.10 * 14.0 * 194 / 365  # 0.744110
    discount = face * (1 - 1.10**-1)  # a year late at 10%: 5 x 0.090909 = 0.454545 for the cash
    assert r.net["funding_cost"] == pytest.approx(funding, abs=1e-12)
    assert r.net["deferred_discount"] == pytest.approx(discount, abs=1e-12)
    spread = 10.0 + face - 14.0
    assert r.net["net_spread"] == pytest.approx(spread - funding - discount, abs=1e-12)
    # The IRR: -14 today, 14 + spread - funding - face at 194 days, face at 194 + 365 = 559 days.
    irr = r.net["net_annualized"]
    assert irr is not None
    at_close = 14.0 + spread - funding - face
    npv = -14.0 + at_close * (1 + irr) ** (-194 / 365) + face * (1 + irr) ** (-559 / 365)
    assert npv == pytest.approx(0.0, abs=1e-9)
    # ...which is not the lump at the close: that would treat the face as paid at 194 days.
    lump = (1 + (spread - funding) / 14.0) ** (365 / 194) - 1
    assert abs(irr - lump) > 1e-3


def test_without_a_deferred_payment_the_irr_is_the_compound_figure() -> None:
    body = DEFERRED.format(kind="cash", prob="").replace("payment_date = 2026-12-31\n", "")
    r = _one(body, {"T.HK": (14.0, "HKD")})
    assert r.net is not None and r.net["deferred_discount"] == 0.0
    pct = r.net["net_spread_pct"]
    assert pct is not None
    assert r.net["net_annualized"] == pytest.approx((1 + pct) ** (365 / 194) - 1, rel=1e-12)


def test_payment_date_is_refused_on_a_stock_leg() -> None:
    with pytest.raises(ValueError, match="payment_date"):
        make_deal('[[consideration]]\nkind = "stock"\nratio = 1.0\nticker = "A.HK"\npayment_date = 2026-01-01\n')


# A pricing period: $50 in A shares, collared at [45, 55], set by the average of 5 trading days ending
# 2 trading days before the close on Wednesday 2025-12-31: Monday 29 Dec is the last, so Tue 23 to Mon 29.
PERIOD = """
[[consideration]]
kind = "stock"
value = 50.0
ticker = "A"
collar = [45.0, 55.0]
pricing_period = {days = 5, ends_before_close = 2}
"""


def _period(as_of: dt.date, spot: float, closes: dict[dt.date, float]) -> DealResult:
    deal = make_deal(PERIOD, currency="USD", target="T")
    src = memory({"T": (45.0, "USD"), "A": (spot, "USD")})
    return value_deals([deal], src, as_of=as_of, closes={"A": closes}).results[0]


def test_the_pricing_window_counts_trading_days() -> None:
    window = pricing_window(dt.date(2025, 12, 31), 5, 2)
    assert window == [dt.date(2025, 12, d) for d in (23, 24, 25, 26, 29)]
    assert pricing_window(dt.date(2025, 12, 27), 2, 0) == [dt.date(2025, 12, 25), dt.date(2025, 12, 26)]  # a Saturday


def test_pricing_period_under_way_mixes_fixed_closes_and_the_spot() -> None:
    # As of Thu 25 Dec: closes 40 (23rd) and 42 (24th) fixed; spot 47 stands in for the 25th (today) and 2 to come.
    # Reference (40 + 42 + 3 x 47) / 5 = 44.6, below the collar's 45: 50 / 45 = 1.1111 shares, worth x 47 = 52.2222.
    r = _period(dt.date(2025, 12, 25), 47.0, {dt.date(2025, 12, 23): 40.0, dt.date(2025, 12, 24): 42.0})
    assert r.figures["deal_value"] == pytest.approx(50.0 / 45.0 * 47.0, abs=1e-12)
    (li,) = r.info.legs
    assert li.period_fixed == 2 and li.ref_fixed == pytest.approx(82.0 / 5) and li.ref_weight == pytest.approx(0.6)
    # The 25th is the as-of day: the spot is its price so far, so no day passed without a close.
    assert Flag.PRICING_PERIOD not in r.flags
    assert r.hedge == {"A": pytest.approx(50.0 / 45.0)}  # the shares are fixed below the band


def test_pricing_period_inside_the_band_and_its_hedge() -> None:
    # Closes 48 and 50 fixed; spot 47 for the other 3: reference (98 + 141) / 5 = 47.8, inside the band.
    # Shares 50 / 47.8 = 1.046025, worth x 47 = 49.1632; the delta is 50 x 19.6 / 47.8^2 = 0.428914.
    closes = {dt.date(2025, 12, 23): 48.0, dt.date(2025, 12, 24): 50.0, dt.date(2025, 12, 25): 47.0}
    r = _period(dt.date(2025, 12, 24), 47.0, closes)  # the 25th is after the as-of: not used
    assert r.figures["deal_value"] == pytest.approx(50.0 / 47.8 * 47.0, abs=1e-12)
    assert r.hedge == {"A": pytest.approx(50.0 * 19.6 / 47.8**2, abs=1e-12)}
    assert Flag.PRICING_PERIOD not in r.flags
    h = 1e-4
    up = _period(dt.date(2025, 12, 24), 47.0 + h, closes).figures["deal_value"]
    down = _period(dt.date(2025, 12, 24), 47.0 - h, closes).figures["deal_value"]
    assert up is not None and down is not None
    assert (up - down) / (2 * h) == pytest.approx(0.428914, abs=1e-6)


def test_before_the_pricing_period_the_spot_stands_in() -> None:
    r = _period(dt.date(2025, 12, 1), 47.0, {})
    assert r.figures["deal_value"] == pytest.approx(50.0, abs=1e-12)  # 47 inside the band: the value is fixed
    assert Flag.PRICING_PERIOD in r.flags
    assert any("has not started" in n for n in r.info.notes)


def test_show_counts_the_fixed_days_from_a_price_file(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from arb.cli import app

    deal = (
        'id = "averaged"\nname = "Averaged"\nexpected_close = 2025-12-31\ncurrency = "USD"\n[target]\nticker = "T"\n'
        + PERIOD
    )
    (tmp_path / "d.toml").write_text(deal, encoding="utf-8")
    rows = ["symbol,price,currency,as_of", "T,45.0,USD,2025-12-25"]
    rows += [f"A,{p},USD,2025-12-{d}" for d, p in ((23, 40.0), (24, 42.0), (25, 47.0))]
    (tmp_path / "p.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["show", str(tmp_path / "d.toml"), "--prices", str(tmp_path / "p.csv")])
    assert res.exit_code == 0, res.output
    # The file's three dated closes of A fix 3 of the 5 days: (40 + 42 + 47 + 2 x 47) / 5 = 44.60.
    assert (
        "2025-12-23 to 2025-12-29: 3 of 5 days fixed, the current price for the other 2; reference price 44.60 USD"
        in (res.stdout)
    )
