"""How Chinese deal announcements write their terms (每股…股…及现金代价…港元, 总现金代价为…亿港元)."""

from __future__ import annotations

import datetime
import functools
import re

from arb.extract.hant import compile_zh
from arb.extract.money import NUM, Money, find_money, parse_count
from arb.extract.shared import quoted_prices, status_of
from arb.extract.text import clean_text

DEAL_RE = compile_zh(
    r"私有化|收[购購]|吸收合[并併]|要[约約]|[协協][议議]安排|[换換]股合[并併]|全面要[约約]|[并併][购購]|合[并併]"
)
IPO_RE = compile_zh(r"招股|公开发售|首次公开|IPO|新股上市|集资|申购")
PARTNER_RE = compile_zh(r"合作|携手|战略伙伴|结盟|合资")
RESULTS_RE = compile_zh(r"业绩|财报|季度收入|全年收入|净利润|盈利|亏损|营收")
OPINION_RE = compile_zh(r"个人意见|不代表[^。]{0,12}立场|评论员|专栏|观点")
# A non-binding approach: no firm offer yet, the documented status `rumoured` (docs/deal-format.md,
# "Talks reported, no firm offer"). Hong Kong's Takeovers Code, Rule 3.7, calls such an announcement
# one of a "possible offer" (可能要约): the offer "is a possibility only" and "may or may not
# materialise" (可能会或可能不会), as the Legislative Council reply LCQ12 of 11 January 2017 puts it,
# https://www.info.gov.hk/gia/general/201701/11/P2017011100387p.htm
RUMOUR_RE = compile_zh(
    r"非[约約]束性|[无無][约約]束力|不具(?:有)?(?:法律)?[约約]束力|[传傳]闻|[传傳]聞|据悉|據悉|消息人士|知情人士|洽[谈談]|磋商|"
    r"意向[书書]|意向性|(?:收[购購]|私有化|合[并併])意向|初步意向|可能(?:提出)?(?:收[购購]|要[约約]|私有化)|"
    r"可能[会會]或(?:可能)?不[会會]"
)
# A firm agreement named in the same sentence wins over a non-binding one it replaces
# ("签署正式协议, 取代此前的非约束性意向书").
_FIRM_RE = compile_zh(
    r"(?<!不)具(?:有)?法律[约約]束力的|正式(?:收[购購]|合[并併])?[协協][议議]|最[终終](?:收[购購]|合[并併])?[协協][议議]"
)
COMPLETED_RE = compile_zh(
    r"已(?:经)?完成(?:了)?(?:对[^,。]{0,15})?(?:收购|私有化|合并)|"
    r"(?:收购|私有化|合并)(?:事项)?已(?:经)?(?:完成|生效)"
)
TERMINATED_RE = compile_zh(r"(?:宣布|决定|已)终止(?:[^,。]{0,10})?(?:收购|私有化|合并|交易|协议)")
UNDISCLOSED_RE = compile_zh(r"未(?:有)?(?:披露|透露|公布)[^。]{0,20}?(?:对价|代价|价格|金额|条款)")

# "每持有一股X股份可获得1.5股Y H股", "每股2.9427股Y H股及现金代价24.50港元", "每10股换7股": the
# shares paid for each target share. The anchor (每…股) is found first, then the shares paid are
# looked for in a bounded window after it (so a long target name, a ticker in brackets or a cash
# amount may sit in between), never across a full stop: linear in the sentence.
_PER = compile_zh(r"每(?:持有|持)?(?P<n>\d+|[一壹十百])?股")
_PER_REACH = 48
_PAID = compile_zh(rf"(?P<ratio>{NUM})\s?股(?![价價本息权權数數])")
# Between the anchor and the shares paid: nothing (每股2.9427股), or a word that says they are
# received (可获得, 换取, 及...).
_RECEIVE = compile_zh(r"[获獲][得发發取配]?|[换換][取得发發成]?|[兑兌][换換]|收取|取得|配[发發]|及|和|加|[并並]|以及")
_SEC = compile_zh(r"(?P<sec>[^,，。;及和与并以(]{0,20}(?:H股|A股|股份|新股|股))")
_CN_COUNT = {"一": 1, "壹": 1, "十": 10, "百": 100}

# "换股比例为1:0.5", "换股比例1比0.5": Chinese announcements of share-exchange mergers write the
# exchange ratio target first, "1:N" for N acquirer shares per target share. Sinotrans absorbing
# Sinotrans Air Transport: 外运发展 (the target) swapped at RMB 20.63, 中国外运 issued at 5.32, so
# "换股比例为1:3.8778" (20.63 / 5.32); Wens absorbing Dahuanong states the same ratio as "每1股大华农
# 股票可换得0.8070股温氏" (https://zaibaike.com/new/100968.html); a glossary defines the ratio as
# the acquirer's shares given for one target share
# (https://www.zhetiaohe.com, "换股比例是指为换取1股目标公司的股份而付出的并购方公司的股份数量").
# Any other form ("0.5:1", "10:7") is written in both orders by news writers, so it is asked for
# (a TODO with both readings), never guessed.
_NOTATION = compile_zh(r"(?P<a>(?<![\d.])\d+(?:\.\d+)?)\s?(?::|∶|比)\s?(?P<b>\d+(?:\.\d+)?)(?![\d.])")
_EXCHANGE_WORDS = compile_zh(r"[换換]股|[交兑兌][换換]|[换換][取得]")
_RATIO_WORD = compile_zh(r"比例")
_CASH_BEFORE = compile_zh(r"(?:现金代价|现金对价|现金|注销价|要约价|收购价|作价|每股)(?:为|约为|约|合共)?\s*$")
_NOT_CASH_BEFORE = compile_zh(r"总|合共|合计|股价|收盘|市值|估算|计算|介乎|价值")
_OFFER_VALUE = compile_zh(r"(?:对价|代价|要约|收购价)价值(?:约为|约|为|达)?\s*$")
_TOTAL_CASH = compile_zh(
    r"(?:总现金代价|现金代价总额|现金总额|现金对价总额|总现金对价|总现金)"
    r"(?:为|约为|约|达|合共)?\s*$"
)
_TOTAL_VALUE = compile_zh(r"(?:总代价|交易总额|交易总值|总对价|交易对价|交易金额|总值)(?:为|约为|约|达|合共)?\s*$")
# "发行约3.1亿股", not "已发行计划股份, 将可获得1.25股" (已发行 is "in issue": the count after it is
# the ratio) nor across a full-width comma.
_NEW_SHARES = compile_zh(rf"(?<!已)[发發]行(?P<pre>[^,，。;\d]{{0,12}}?)(?P<num>{NUM})\s?(?P<scale>亿|万)?股")
# "收市价为", "收报", "收市报", "收盘时报", "收盘于", "股价…收于": a closing or current price.
_PRICE_BEFORE = compile_zh(
    r"(?:股价|收盘价?|收市价?|收报|现价)(?:时)?(?:目前|现时|现|为|报|约为|约|是|收于|收报|于)*\s*$"
    r"|股价[^,。;]{0,12}(?:报|收于)\s*$"
)
_ESTIMATE_BEFORE = compile_zh(r"估(?:算|计|值)的?(?P<who>[^,。;\d]{0,15}?)\s*$")
_EXPECTED = compile_zh(r"预计(?:将)?(?:于|在)?(?P<when>[^,。;]{2,20}?)(?:前)?(?:完成|生效|完成交割)")
_ELECTION = compile_zh(r"可选择|选择权|按比例|比例分配")
_WEIGHT = compile_zh(
    r"(?:(?P<p1>\d+(?:\.\d+)?)%[^,。;\d]{0,8}?(?P<k1>现金|股份|股票)"
    r"|(?P<k2>现金|股份|股票)[^,。;\d]{0,8}?(?P<p2>\d+(?:\.\d+)?)%)"
)

_PER_SHARE_END = compile_zh(r"每股[^,。;\d]{0,8}$")
_VALUE_PER_SHARE = compile_zh(r"每股[^,。;]{0,10}?(?:价值|市值)(?:为)?")
_IN_SHARES = compile_zh(r"的[^,。;]{0,8}(?:股份|股票|H股|A股)")
_UPPER = compile_zh(r"最多|不超过|至多|上限")
_WHEN = compile_zh(r"\d|年|季|月|底")
_ANNOUNCES = compile_zh(r"宣布|公布|公告|提出")

ACTIVE_VERBS = compile_zh(r"私有化|收购|吸收合并|全面要约")
PAYS_RE = compile_zh(r"向(?P<t>[^,。;]{1,24}?)的?(?:原有|全体|现有|其他|独立)?(?:H股|A股)?(?:计划)?股东(?:支付|提出)")
PASSIVE_RE = compile_zh(r"(?:获|被|接获)")


def _stop(s: str, start: int, reach: int) -> int:
    """Where a window from ``start`` ends: ``reach`` characters on, or at the end of the clause."""
    end = min(len(s), start + reach)
    for mark in ("。", ";"):
        found = s.find(mark, start, end)
        if found >= 0:
            end = found
    return end


def _per_share(s: str) -> tuple[float, str, str] | None:
    """``(ratio, shares paid phrase, target shares phrase)`` of the first "每…股…N股" in ``s``."""
    for anchor in _PER.finditer(s):
        n = anchor["n"]
        per = 1.0 if n is None else float(_CN_COUNT[n]) if n in _CN_COUNT else float(n)
        end = _stop(s, anchor.end(), _PER_REACH)
        paid = _PAID.search(s, anchor.end(), end)
        if paid is None or per <= 0:
            continue
        between = s[anchor.end() : paid.start()]
        if len(between) > 2 and not _RECEIVE.search(between):
            continue
        sec = _SEC.match(s, paid.end(), min(len(s), paid.end() + 24))
        return parse_count(paid["ratio"], None) / per, (sec["sec"] if sec else ""), between
    return None


def ratio_sides(s: str) -> tuple[str, str] | None:
    """``(target side, acquirer side)`` as a "每…股" sentence names them: the shares held, the shares paid.

    "每1股南山银行股份可换取0.85股东海银行股份" -> ("南山银行股份可换取", "东海银行股份"); None when the
    sentence writes no such form.
    """
    found = _per_share(s)
    return (found[2], found[1]) if found is not None else None


def _notation(s: str) -> tuple[str, str, str] | None:
    """``(a, b, shares phrase)`` of an exchange ratio written ``a:b`` (or ``a比b``) next to 比例."""
    if not _EXCHANGE_WORDS.search(s):
        return None
    for m in _NOTATION.finditer(s):
        before, after = s[max(0, m.start() - 10) : m.start()], s[m.end() : m.end() + 6]
        if _RATIO_WORD.search(before) or _RATIO_WORD.search(after):
            return m["a"], m["b"], ""
    return None


def ratio(s: str) -> tuple[float, str] | None:
    """Shares paid per target share and the phrase naming them, or None.

    "每…股…N股" forms first; then "换股比例为1:N" (target first, see ``_NOTATION``). A ratio
    written in another order is not read here: :func:`ratio_todo` asks for it.
    """
    if (found := _per_share(s)) is not None:
        return found[0], found[1]
    if (notation := _notation(s)) is not None:
        a, b, sec = notation
        if float(a) == 1.0 and float(b) > 0:
            return float(b), sec
    return None


# Shares paid with no number the rules can read ("每股可获得若干股新奥股份H股", "以换股方式"): the
# core then drafts a stock leg whose ratio is a TODO. Shares received are never 股东/股权/股价
# (a holder's approval, a stake bought for cash, a price).
_NOT_SHARES = r"(?![东東权權价價本息])"
_STOCK_PAID = compile_zh(
    r"[换換]股(?:方式|吸收合[并併]|合[并併]|比例)"
    rf"|(?:[获獲]得|[获獲][发發]|[换換][取得]|收取)[^,，。;]{{0,20}}?股{_NOT_SHARES}"
    r"|以[^,，。;]{0,12}?(?:股份|股票|新股|H股|A股)(?:作为|作為)?(?:支付|[对對]价|代[价價])"
    r"|股份[对對]价|股份代[价價]|股票[对對]价|现金加股票|股份加现金|现金及股份|股份及现金"
)


def stock_mention(s: str) -> str | None:
    """The words of ``s`` that pay part of the price in shares, or None (asked only when no stock
    leg was read: such a sentence becomes a TODO leg instead of a silent omission)."""
    m = _STOCK_PAID.search(s)
    return m.group(0) if m else None


def ratio_todo(s: str) -> str | None:
    """What to ask when the sentence writes an exchange ratio whose order is unclear ("0.5:1")."""
    if _per_share(s) is not None or (notation := _notation(s)) is None:
        return None
    a, b, _sec = notation
    x, y = float(a), float(b)
    if x == 1.0 or x <= 0 or y <= 0:
        return None
    return (
        f"the article writes the exchange ratio as {a}:{b}. Announcements put the target first "
        f"(1:N is N acquirer shares per target share), which makes it {y / x:.6g}; written "
        f"acquirer first it is {x / y:.6g}. Check the announcement and write the shares paid per target share"
    )


def _before(s: str, money: Money, width: int = 14) -> str:
    return s[max(0, money.start - width) : money.start]


def cash_per_share(s: str) -> Money | None:
    if "每" not in s:
        return None
    for money in find_money(s):
        before = _before(s, money)
        if money.scaled or _NOT_CASH_BEFORE.search(before[-6:]):
            continue
        if _CASH_BEFORE.search(before) or _PER_SHARE_END.search(before):
            if _OFFER_VALUE.search(before):
                continue
            return money
    return None


def value_per_share(s: str) -> Money | None:
    # A fixed value paid in shares: 每股…价值…港元的…股份.
    m = _VALUE_PER_SHARE.search(s)
    if m is None:
        return None
    for money in find_money(s[m.end() : m.end() + 20]):
        rest = s[m.end() + money.end : m.end() + money.end + 12]
        if _IN_SHARES.search(rest):
            return Money(money.amount, money.currency, money.text, m.end() + money.start, m.end() + money.end)
    return None


def offer_value(s: str) -> Money | None:
    for money in find_money(s):
        if not money.scaled and _OFFER_VALUE.search(_before(s, money)):
            return money
    return None


# A collar: the price used for the shares is held within a band ("若…均价介乎18.00港元至22.00港元",
# "价格区间为18至22港元", "下限为18港元, 上限为22港元"). Band words count only near the words of
# a share exchange's reference price (a share price moving within a range is no collar); COLLAR_RE
# alone (a collar without its bounds) makes the draft ask for them.
_BAND = r"上下限|[价價]格[区區][间間]|[区區][间間]|上限|下限|封[顶頂]|保底"
_PRICE_USED = r"VWAP|[换換]股[价價比]|均[价價]|[参參]考[价價]|[发發]行[价價]格?[调調]整|[换換]股比例[调調]整"
COLLAR_RE = compile_zh(
    rf"领口|領口|(?:{_BAND})[^。]{{0,30}}?(?:{_PRICE_USED})|(?:{_PRICE_USED})[^。]{{0,30}}?(?:{_BAND}|介乎|介於)"
)
_CURRENCY = r"港元|港币|港幣|美元|人民币|人民幣|元"
_RANGE = compile_zh(
    rf"(?P<a>{NUM})\s?(?P<ca>{_CURRENCY})?\s?(?:至|到|-|–|~|～)\s?(?:每股)?\s?(?P<b>{NUM})\s?(?P<cb>{_CURRENCY})?"
)
_BOUND = compile_zh(
    rf"(?P<side>上限|下限|最高|最低)(?:[价價]格?)?(?:为|為|是|设为|設為|定为|定為)?\s?(?P<num>{NUM})\s?(?P<cur>{_CURRENCY})?"
    rf"|(?P<num2>{NUM})\s?(?P<cur2>{_CURRENCY})(?:的)?(?P<side2>上限|下限)"
)


def collar(s: str) -> tuple[float, float] | None:
    """A price collar's ``(low, high)`` per share, when the sentence states both bounds as prices.

    Bounds without a currency (a band on the ratio itself, "换股比例介乎0.5至0.6") are no price
    collar: :data:`COLLAR_RE` then makes the draft ask for the bounds.
    """
    if not COLLAR_RE.search(s):
        return None
    low = high = None
    for m in _BOUND.finditer(s):
        side, num = (m["side"], m["num"]) if m["side"] else (m["side2"], m["num2"])
        if not (m["cur"] or m["cur2"]):
            continue
        value = parse_count(num, None)
        if side in ("上限", "最高"):
            high = value if high is None else high
        else:
            low = value if low is None else low
    if low is not None and high is not None and 0 < low < high:
        return (low, high)
    for m in _RANGE.finditer(s):
        a, b = parse_count(m["a"], None), parse_count(m["b"], None)
        if (m["ca"] or m["cb"]) and 0 < a < b:
            return (a, b)
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
    count = parse_count(m["num"], m["scale"])
    if count < 1000:  # a share count in an announcement; a small figure is a ratio or a price
        return None
    upper = _UPPER.search(s[max(0, m.start() - 6) : m.end()]) is not None
    return count, upper


# "停牌前30个交易日的平均收市价": an average over days, not one day's close.
_AVERAGE = compile_zh(r"平均|均价|VWAP")


def prices(s: str) -> list[tuple[Money, str, str]]:
    """Amounts quoted as a price or an estimate (``shared.quoted_prices``); an average of closes
    is neither a quote of one day nor a price file's row, and is left out."""
    found = quoted_prices(s, _ESTIMATE_BEFORE, _PRICE_BEFORE, 24)
    return [(m, kind, before) for m, kind, before in found if kind != "price" or not _AVERAGE.search(before)]


def status(s: str) -> tuple[str, str] | None:
    found = status_of(s, TERMINATED_RE, COMPLETED_RE, RUMOUR_RE)
    if found is not None and found[0] == "rumoured" and _FIRM_RE.search(s):
        return None  # a firm agreement replacing a non-binding one: the default status stands
    return found


def dates(s: str) -> list[datetime.date]:
    """The full dates ``s`` writes (2025年3月26日, 2025-03-26, 二零二五年三月二十六日), in order."""
    return [day for m in _ANY_DATE_ZH.finditer(s) if (day := _ymd(m)) is not None]


def expected_close(s: str) -> tuple[datetime.date | None, str] | None:
    m = _EXPECTED.search(s)
    if m is None or not _WHEN.search(m["when"]):
        return None
    found = dates(m["when"])
    return (found[0] if found else None), m["when"].strip()


def announces(s: str) -> bool:
    return _ANNOUNCES.search(s) is not None


# --- the article's own date and the days of the prices it quotes ------------------------------
#
# The same door as the English rules (arb.extract.days): these functions only find the words;
# ``days.resolve_day`` turns them into dates, never after the article's own.

# 2025年3月26日, 2025年03月26号, 2025-03-26, 2025/3/26, 2025.03.26 (full-width digits are made
# ASCII by ``clean_text`` first), and 二零二五年三月二十六日: Hong Kong's formal announcements
# write the date in Chinese numerals.
_CN_DIGIT = "〇零○一二三四五六七八九"
_CN_DAY = r"[一二三四五六七八九十]{1,3}"
_CN_YEAR_DIGIT = {ch: i for i, ch in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0}
_YMD = (
    r"(?:(?P<y>20\d\d)\s?(?:年\s?(?P<m>\d{1,2})\s?月\s?(?P<d>\d{1,2})\s?[日号]"
    r"|[-/.](?P<m2>\d{1,2})[-/.](?P<d2>\d{1,2})(?!\d))"
    rf"|(?P<cy>二[〇零○][{_CN_DIGIT}]{{2}})年(?P<cm>{_CN_DAY})月(?P<cd>{_CN_DAY})[日号])"
)
_ANY_DATE_ZH = compile_zh(r"(?<!\d)" + _YMD)
_WEEKDAY_NOTE = r"(?:\s?\(?(?:星期|周|礼拜)[一二三四五六日天]\)?)?"
# "发布时间:2025-03-26 18:30", "發佈日期:2025年3月26日", "发布于2025-03-26", "日期:2025-03-26"; not
# "停牌日期:" or "生效日期:" (the date of something in the news).
_PUBLISHED_ZH = compile_zh(
    r"(?P<what>(?:(?:发布|发表|刊[发登]|出版|首发)(?:时间|日期)|(?<![\u4e00-\u9fff])(?:日期|时间))\s?:|发布于)\s?"
    + _YMD
)
_UPDATED_ZH = compile_zh(r"(?P<what>(?:更新|修改)(?:时间|日期)\s?:|(?:更新|修改)于)\s?" + _YMD)
# "【2025-03-26】", "〔2025年3月26日〕"
_BRACKETED = compile_zh(r"[【〔\[]\s?" + _YMD + r"\s?[】〕\]]")
# A place at the start of a line: a few characters, never a clause that says something or "as of".
_PLACE = (
    r"(?m)^[ \t]*(?:(?![\u4e00-\u9fff]{0,6}?(?:表示|称|宣布|指出|公布|透露|截至|截止))"
    r"[\u4e00-\u9fff]{1,10}\s?[,，]?\s?)?"
)
# "香港，2025年3月26日 —", "香港2025年3月26日 /美通社/ --", "2025年3月26日讯", "北京2025年3月26日电":
# a place (or nothing) at the start of a line, the date, then a dash or 讯/电.
_DATELINE_ZH = compile_zh(
    _PLACE + _YMD + _WEEKDAY_NOTE + r"\s?(?:/[^/\n]{1,20}/\s?)?"
    r"(?:—|–|-|－|讯|电)"
)
# "(记者 张三)2025年3月26日，…", "本报讯(记者 张三 李四)2025年3月26日": a reporter's byline, then the date.
_BYLINE_ZH = compile_zh(r"(?m)^[ \t]*(?:[\u4e00-\u9fff]{0,8}讯)?\s?\(记者[^()\n]{0,30}\)\s?" + _YMD)


def _cn_number(text: str) -> int | None:
    """一 to 三十一 (十五 is 15, 二十 20, 二十五 25); None for anything else."""
    digits = {ch: i for i, ch in enumerate("〇一二三四五六七八九")}
    head, ten, tail = text.partition("十")
    if not ten:
        return digits.get(text) if len(text) == 1 else None
    tens = digits.get(head, -1) if head else 1
    ones = digits.get(tail, -1) if tail else 0
    return tens * 10 + ones if tens > 0 and ones >= 0 else None


def _ymd(m: re.Match[str]) -> datetime.date | None:
    if m["cy"]:
        year = int("".join(str(_CN_YEAR_DIGIT[ch]) for ch in m["cy"]))
        month, day = _cn_number(m["cm"]), _cn_number(m["cd"])
        if month is None or day is None:
            return None
    else:
        year = int(m["y"])
        month, day = (int(m["m"]), int(m["d"])) if m["m"] else (int(m["m2"]), int(m["d2"]))
    try:
        return datetime.date(year, month, day)
    except ValueError:  # "2025年2月30日"
        return None


# Every item of a digest asks about the same page head: each is read once (the cache is small,
# and keyed by the text itself, so nothing stale is ever returned).
@functools.lru_cache(maxsize=32)
def _head(text: str) -> str:
    """The start of the article, in one notation (full-width colons, brackets and digits made ASCII)."""
    return clean_text(text[:1500])


@functools.lru_cache(maxsize=32)
def article_dates(text: str) -> tuple[tuple[datetime.date, str], ...]:
    """Every date the article gives itself at its start, in the order trusted: publication lines
    ("发布时间:"), brackets ("【2025-03-26】"), datelines ("香港，2025年3月26日 —", "…讯"), a
    reporter's byline then a date, update lines ("更新时间:"). One entry per distinct date, with
    the words that give it. Only the start is read: a date further down is a date in the news."""
    head = _head(text)
    out: list[tuple[datetime.date, str]] = []
    for regex in (_PUBLISHED_ZH, _BRACKETED, _DATELINE_ZH, _BYLINE_ZH, _UPDATED_ZH):
        for m in regex.finditer(head):
            day = _ymd(m)
            if day is not None and all(day != seen for seen, _words in out):
                out.append((day, m.group(0).strip(" \t-–—－")))
    return tuple(out)


# "新华社香港3月26日电", "本报讯(记者 张三)3月26日", "香港，3月26日 —": a date line without its year.
_MONTH_DAY = r"(?P<mm>\d{1,2})月(?P<dd>\d{1,2})[日号]"
_YEARLESS = (
    compile_zh(_PLACE + _MONTH_DAY + _WEEKDAY_NOTE + r"\s?(?:—|–|-|－|讯|电)"),
    compile_zh(r"(?m)^[ \t]*(?:[\u4e00-\u9fff]{0,8}讯)?\s?\(记者[^()\n]{0,30}\)\s?" + _MONTH_DAY),
)


@functools.lru_cache(maxsize=32)
def yearless_date_line(text: str) -> tuple[tuple[int, int], str] | None:
    """``((month, day), words)`` of a date line that gives no year, or None. Never made a date:
    the year is not guessed (``days.date_draft`` checks it against the date given, or asks)."""
    head = _head(text)
    for regex in _YEARLESS:
        if (m := regex.search(head)) is not None:
            return (int(m["mm"]), int(m["dd"])), m.group(0).strip(" \t-–—－")
    return None


def article_date(text: str) -> tuple[datetime.date, str] | None:
    """The article's own date and the words that give it (the first of :func:`article_dates`)."""
    found = article_dates(text)
    return found[0] if found else None


#: When each exchange's regular session closes, local time (Hong Kong and the mainland share one
#: clock, UTC+8): HKEX at 16:00, Shanghai and Shenzhen at 15:00. Keyed by the ticker's suffix.
CLOSES = {"HK": datetime.time(16, 0), "SS": datetime.time(15, 0), "SZ": datetime.time(15, 0)}

# A time written right after the article's date: "2025-03-26 18:30", "2025年3月26日 下午6时30分".
_PART = r"(?P<part>上午|早上|早间|中午|下午|傍晚|晚上|晚间|凌晨)?"
_CLOCK_ZH = compile_zh(
    _YMD + _WEEKDAY_NOTE + r"\s?" + _PART + r"\s?(?:(?P<h>[01]?\d|2[0-3]):(?P<mi>[0-5]\d)(?!\d)"
    r"|(?P<h2>\d{1,2})\s?[时点](?:(?P<mi2>\d{1,2})分|(?P<half>半))?)"
)
_AFTER_CLOSE_ZH = compile_zh(r"盘后|收市后|收盘后|晚间|今晚|傍晚")
_BEFORE_CLOSE_ZH = compile_zh(r"盘前|开市前|开盘前|早盘|午间|午市|早间|今早|今晨")


def _clock(m: re.Match[str]) -> datetime.time | None:
    hour, minute = (m["h"], m["mi"]) if m["h"] else (m["h2"], m["mi2"] or ("30" if m["half"] else "0"))
    h, mi = int(hour), int(minute)
    if m["part"] in ("下午", "傍晚", "晚上", "晚间") and h < 12:
        h += 12
    return datetime.time(h, mi) if h < 24 and mi < 60 else None


@functools.lru_cache(maxsize=64)
def written_after_close(text: str, symbol: str | None = None) -> bool | None:
    """True when the article says it was written after the close of the exchange ``symbol`` trades
    on, False when before it, None when it does not say or the exchange is not known.

    A time given with the article's date settles it against :data:`CLOSES` (Hong Kong 16:00; a
    mainland A share 15:00); a time between the two with no known exchange says nothing. Without a
    time, words at the start do: 盘后/收市后/晚间 after, 盘前/早盘/午间 before (both: nothing).
    """
    head = _head(text)
    suffix = symbol.rsplit(".", 1)[-1].upper() if symbol and "." in symbol else None
    close = CLOSES.get(suffix or "")
    if (m := _CLOCK_ZH.search(head)) is not None and (at := _clock(m)) is not None:
        if close is not None:
            return at >= close
        earliest, latest = min(CLOSES.values()), max(CLOSES.values())
        return True if at >= latest else False if at < earliest else None
    after, before = _AFTER_CLOSE_ZH.search(head), _BEFORE_CLOSE_ZH.search(head)
    if after and not before:
        return True
    if before and not after:
        return False
    return None


_WD_INDEX = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_DAY_REF_ZH = compile_zh(
    # the last trading day before the suspension or the announcement (HK's defined "最后交易日")
    r"(?P<before>(?:(?:停牌|公告|宣布|刊发公告|发布公告)(?:日)?前的?(?:(?:最后|最终)?(?:一个|一)?交易日)?)|最后(?:一个)?交易日)"
    r"|(?P<prev_td>(?:前|上)一个?交易日)"
    r"|(?P<week>上个?|本|这个?)?(?<![一二两三四五六七八九十几数\d])(?:星期|周|礼拜)(?P<wd>[一二三四五六日天])"
    r"|(?P<yesterday>昨日|昨天|昨晚|昨收|昨)"
    r"|(?P<before_yesterday>前日|前天)"
    r"|(?P<today>今日|今天|当日|当天|本日)"
    rf"|(?<!\d){_YMD}"
    r"|(?<![\d年])(?P<mm>\d{1,2})月(?P<dd>\d{1,2})[日号]"
    rf"|(?<![{_CN_DIGIT}年])(?P<cmm>{_CN_DAY})月(?P<cdd>{_CN_DAY})[日号]"
)
# A day directly followed by a saying verb is the day of a statement, not of a price.
_SAYING = compile_zh(r"\s?(?:[于在])?\s?(?:宣布|公布|公告|发布|表示|称|披露|透露)")
# How far from a price its day is looked for: before the amount ("新奥能源于周三收市价为65.00港元",
# "停牌前最后交易日在联交所的收市价为每股65.00港元"), or just after it in the same clause
# ("收报65.00港元(3月25日)").
_DAY_REACH_BEFORE = 48
_DAY_REACH_AFTER = 16
_CLAUSE_END = compile_zh(r"[,，;；。]")


def _day_ref(m: re.Match[str]) -> tuple[str, object, str] | None:
    words = m.group(0)
    if m["before"]:
        return "before_announcement", None, words
    if m["prev_td"]:
        return "previous_trading_day", None, words
    if m["wd"]:
        week = m["week"] or ""
        kind = "prev_week_weekday" if week.startswith("上") else "this_week_weekday" if week else "weekday"
        return kind, _WD_INDEX[m["wd"]], words
    if m["yesterday"]:
        return "yesterday", None, words
    if m["before_yesterday"]:
        return "day_before_yesterday", None, words
    if m["today"]:
        return "today", None, words
    if m["y"] or m["cy"]:
        day = _ymd(m)
        return ("date", day, words) if day is not None else None
    if m["cmm"]:
        month, dom = _cn_number(m["cmm"]), _cn_number(m["cdd"])
        return ("month_day", (month, dom), words) if month and dom else None
    return "month_day", (int(m["mm"]), int(m["dd"])), words


def price_day(s: str, start: int, end: int) -> tuple[str, object, str] | None:
    """The day the price written at ``s[start:end]`` is of, as ``patterns_en.price_day`` gives it.

    Chinese puts the day before the verb ("周三收市价为", "昨日收报", "3月25日收市价"): the nearest
    day before the amount wins; one after it counts only in the same clause, close by. Kinds beyond
    the English ones: ``prev_week_weekday`` (上周五: the previous calendar week),
    ``this_week_weekday`` (本周三), ``previous_trading_day`` (前一交易日) and
    ``day_before_yesterday`` (前日/前天). None when the sentence names no day for the price.
    """
    best: tuple[str, object, str] | None = None
    # A few characters more than the reach, so a phrase at its edge is read whole (上个星期五, not 星期五).
    for m in _DAY_REF_ZH.finditer(s, max(0, start - _DAY_REACH_BEFORE - 8), start):
        if m.end() > start or _SAYING.match(s, m.end()):
            continue
        best = _day_ref(m) or best
    if best is not None:
        return best
    stop = _CLAUSE_END.search(s, end, end + _DAY_REACH_AFTER)
    for m in _DAY_REF_ZH.finditer(s, end, stop.start() if stop else end + _DAY_REACH_AFTER):
        if (found := _day_ref(m)) is not None:
            return found
    return None


_ANNOUNCED_ON_ZH = compile_zh(
    r"(?P<ref>(?:上个?|本)?(?:星期|周|礼拜)[一二三四五六日天]|昨日|昨天|昨晚|今日|今天|(?<![\d年])\d{1,2}月\d{1,2}[日号])"
    r"(?:晚间|早间|盘后|盘前)?\s?"
    r"(?:[于在])?\s?(?:宣布|公布|公告|发布公告)"
)


_LATE = compile_zh(r"(?:晚间|晚上|今晚|昨晚|盘后|收市后|收盘后)\s?(?:[于在])?\s?(?:宣布|公布|公告|发布)")


def announced_after_close(s: str) -> bool | None:
    """True when the announcing sentence says it came after the close ("3月25日晚间公告"); None
    when it does not say (the last trading day before it is then the weekday before)."""
    return True if _LATE.search(s) else None


def announcement_day(s: str) -> tuple[str, object, str] | None:
    """The day an announcing sentence names ("新奥股份周三宣布", "3月25日晚间公告"), as :func:`price_day` gives it;
    None when it names none or gives a full date (:func:`dates` reads those)."""
    if not announces(s) or dates(s):
        return None
    m = _ANNOUNCED_ON_ZH.search(s)
    if m is None:
        return None
    ref = _DAY_REF_ZH.match(m["ref"])
    return _day_ref(ref) if ref is not None else None
