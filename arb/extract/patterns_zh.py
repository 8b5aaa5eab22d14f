"""How Chinese deal announcements write their terms (每股…股…及现金代价…港元, 总现金代价为…亿港元)."""

from __future__ import annotations

import datetime
import re

from arb.extract.money import NUM, Money, find_money, parse_count
from arb.extract.shared import quoted_prices, status_of

DEAL_RE = re.compile(r"私有化|收购|吸收合并|要约|协议安排|换股合并|全面要约|并购|合并")
IPO_RE = re.compile(r"招股|公开发售|首次公开|IPO|新股上市|集资|申购")
PARTNER_RE = re.compile(r"合作|携手|战略伙伴|结盟|合资")
RESULTS_RE = re.compile(r"业绩|财报|季度收入|全年收入|净利润|盈利|亏损|营收")
OPINION_RE = re.compile(r"个人意见|不代表[^。]{0,12}立场|评论员|专栏|观点")
RUMOUR_RE = re.compile(
    r"非约束性|无约束力|不具(?:法律)?约束力|传闻|据悉|消息人士|知情人士|洽谈|磋商|"
    r"意向书|可能(?:提出)?收购"
)
COMPLETED_RE = re.compile(
    r"已(?:经)?完成(?:了)?(?:对[^,。]{0,15})?(?:收购|私有化|合并)|"
    r"(?:收购|私有化|合并)(?:事项)?已(?:经)?(?:完成|生效)"
)
TERMINATED_RE = re.compile(r"(?:宣布|决定|已)终止(?:[^,。]{0,10})?(?:收购|私有化|合并|交易|协议)")
UNDISCLOSED_RE = re.compile(r"未(?:有)?(?:披露|透露|公布)[^。]{0,20}?(?:对价|代价|价格|金额|条款)")

_RATIO = re.compile(
    r"每(?:持有)?(?:一|1)?股[^,。;\d]{0,12}?(?P<ratio>\d+(?:\.\d+)?)股"
    r"(?P<sec>[^,。;及和与并以(]{0,20}(?:H股|A股|股份|新股|股))?"
)
_CASH_BEFORE = re.compile(r"(?:现金代价|现金对价|现金|注销价|要约价|收购价|作价|每股)(?:为|约为|约|合共)?\s*$")
_NOT_CASH_BEFORE = re.compile(r"总|合共|合计|股价|收盘|市值|估算|计算|介乎|价值")
_OFFER_VALUE = re.compile(r"(?:对价|代价|要约|收购价)价值(?:约为|约|为|达)?\s*$")
_TOTAL_CASH = re.compile(
    r"(?:总现金代价|现金代价总额|现金总额|现金对价总额|总现金对价|总现金)"
    r"(?:为|约为|约|达|合共)?\s*$"
)
_TOTAL_VALUE = re.compile(r"(?:总代价|交易总额|交易总值|总对价|交易对价|交易金额|总值)(?:为|约为|约|达|合共)?\s*$")
_NEW_SHARES = re.compile(rf"发行(?P<pre>[^,。;\d]{{0,12}}?)(?P<num>{NUM})\s?(?P<scale>亿|万)?股")
_PRICE_BEFORE = re.compile(
    r"(?:股价|收盘价|收市价|收报|现价)(?:目前|现时|现|为|报|约为|约|是|收于|收报)*\s*$"
    r"|股价[^,。;]{0,12}报\s*$"
)
_ESTIMATE_BEFORE = re.compile(r"估(?:算|计|值)的?(?P<who>[^,。;\d]{0,15}?)\s*$")
_DATE = re.compile(r"(20\d\d)年(\d{1,2})月(\d{1,2})日")
_EXPECTED = re.compile(r"预计(?:将)?(?:于|在)?(?P<when>[^,。;]{2,20}?)(?:前)?(?:完成|生效|完成交割)")
_ELECTION = re.compile(r"可选择|选择权|按比例|比例分配")
_WEIGHT = re.compile(
    r"(?:(?P<p1>\d+(?:\.\d+)?)%[^,。;\d]{0,8}?(?P<k1>现金|股份|股票)"
    r"|(?P<k2>现金|股份|股票)[^,。;\d]{0,8}?(?P<p2>\d+(?:\.\d+)?)%)"
)

ACTIVE_VERBS = re.compile(r"私有化|收购|吸收合并|全面要约")
PAYS_RE = re.compile(r"向(?P<t>[^,。;]{1,24}?)的?(?:原有|全体|现有|其他|独立)?(?:H股|A股)?(?:计划)?股东(?:支付|提出)")
PASSIVE_RE = re.compile(r"(?:获|被|接获)")


def ratio(s: str) -> tuple[float, str] | None:
    m = _RATIO.search(s)
    if m is None:
        return None
    return float(m["ratio"]), (m["sec"] or "")


def _before(s: str, money: Money, width: int = 14) -> str:
    return s[max(0, money.start - width) : money.start]


def cash_per_share(s: str) -> Money | None:
    if "每" not in s:
        return None
    for money in find_money(s):
        before = _before(s, money)
        if money.scaled or _NOT_CASH_BEFORE.search(before[-6:]):
            continue
        if _CASH_BEFORE.search(before) or re.search(r"每股[^,。;\d]{0,8}$", before):
            if _OFFER_VALUE.search(before):
                continue
            return money
    return None


def value_per_share(s: str) -> Money | None:
    # A fixed value paid in shares: 每股…价值…港元的…股份.
    m = re.search(r"每股[^,。;]{0,10}?(?:价值|市值)(?:为)?", s)
    if m is None:
        return None
    for money in find_money(s[m.end() : m.end() + 20]):
        rest = s[m.end() + money.end : m.end() + money.end + 12]
        if re.search(r"的[^,。;]{0,8}(?:股份|股票|H股|A股)", rest):
            return Money(money.amount, money.currency, money.text, m.end() + money.start, m.end() + money.end)
    return None


def offer_value(s: str) -> Money | None:
    for money in find_money(s):
        if not money.scaled and _OFFER_VALUE.search(_before(s, money)):
            return money
    return None


def collar(s: str) -> tuple[float, float] | None:
    if not re.search(r"上下限|价格区间|区间|介乎", s) or ("换股" not in s and "股价" not in s):
        return None
    found = [m for m in find_money(s) if not m.scaled]
    if len(found) >= 2:
        return (found[0].amount, found[1].amount)
    return None


def election(s: str) -> dict[str, float] | None:
    if not _ELECTION.search(s):
        return None
    weights: dict[str, float] = {}
    for m in _WEIGHT.finditer(s):
        kind = m["k1"] or m["k2"]
        pct = float(m["p1"] or m["p2"]) / 100
        weights.setdefault("cash" if kind == "现金" else "stock", pct)
    return weights


def total_cash(s: str) -> Money | None:
    for money in find_money(s):
        if _TOTAL_CASH.search(_before(s, money)):
            return money
    return None


def total_value(s: str) -> Money | None:
    for money in find_money(s):
        if _TOTAL_VALUE.search(_before(s, money)):
            return money
    return None


def new_shares(s: str) -> tuple[float, bool] | None:
    m = _NEW_SHARES.search(s)
    if m is None:
        return None
    upper = re.search(r"最多|不超过|至多|上限", s[max(0, m.start() - 6) : m.end()]) is not None
    return parse_count(m["num"], m["scale"]), upper


def prices(s: str) -> list[tuple[Money, str, str]]:
    return quoted_prices(s, _ESTIMATE_BEFORE, _PRICE_BEFORE, 24)


def status(s: str) -> tuple[str, str] | None:
    return status_of(s, TERMINATED_RE, COMPLETED_RE, RUMOUR_RE)


def dates(s: str) -> list[datetime.date]:
    out = []
    for m in _DATE.finditer(s):
        try:
            out.append(datetime.date(int(m[1]), int(m[2]), int(m[3])))
        except ValueError:
            continue
    return out


def expected_close(s: str) -> tuple[datetime.date | None, str] | None:
    m = _EXPECTED.search(s)
    if m is None or not re.search(r"\d|年|季|月|底", m["when"]):
        return None
    found = dates(m["when"])
    return (found[0] if found else None), m["when"].strip()


def announces(s: str) -> bool:
    return re.search(r"宣布|公布|公告|提出", s) is not None
