"""Chinese articles date their quoted prices (issue 13, "Thursday's close" in Chinese): the
article's own date from its dateline or publication line, each price's day phrase in simplified
or traditional characters, resolved by ``days.resolve_day`` on or before the article's date.

The snippets are written for these tests. The ENN one is the article of the issue: its date is
that of the real joint announcement (seeds/enn-energy.toml, announced 2025-03-26), its terms and
price are made up (the real scheme pays 2.9427 H shares and HK$24.50).
"""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from arb.cli import app
from arb.extract import DraftDeal, extract_article
from arb.extract import patterns_zh as zh
from arb.extract.days import resolve_day
from arb.prices.csvfile import CsvSource
from tests.conftest import budget

D = datetime.date

ENN = (
    "香港，2025年3月26日 — 新奥天然气股份有限公司（600803.SH）宣布，拟以协议安排方式私有化新奥能源控股有限公司"
    "（02688）。根据方案，每持有一股新奥能源股份可获得1.5股新奥股份H股及现金代价8.80港元。新奥能源于周三收市价为65.00港元。\n"
)
BODY = (
    "新奥天然气股份有限公司（600803.SH）宣布，拟以协议安排方式私有化新奥能源控股有限公司（02688）。"
    "根据方案，每持有一股新奥能源股份可获得1.5股新奥股份H股及现金代价8.80港元。{price}\n"
)


def draft_of(text: str, **kwargs: object) -> DraftDeal:
    result = extract_article(text, **kwargs)  # type: ignore[arg-type]
    assert len(result.drafts) == 1, result
    return result.drafts[0]


def target_price(draft: DraftDeal) -> tuple[datetime.date | None, bool, str]:
    (quote,) = [q for q in draft.prices if q.symbol == "2688.HK"]
    assert quote.price == 65.0
    return quote.as_of, quote.as_of_confirmed, quote.as_of_note


# --- the article of the issue -----------------------------------------------------------------


def test_the_enn_article_dates_its_price_without_a_date_given(tmp_path: Path) -> None:
    article = tmp_path / "enn.txt"
    article.write_text(ENN, encoding="utf-8")
    prices = tmp_path / "prices.csv"
    res = CliRunner().invoke(
        app, ["extract", str(article), "-o", str(tmp_path / "d") + "/", "--prices-out", str(prices)]
    )
    assert res.exit_code == 0, res.output
    with prices.open(encoding="utf-8", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert (row["symbol"], row["as_of"]) == ("2688.HK", "2025-03-26")
    assert "周三" in row["source"]  # the day's words are in the row's source
    # The price file takes the row as written (a TODO as_of it would refuse).
    source = CsvSource(prices, today=D(2025, 3, 28))
    assert not source.errors
    (toml,) = (tmp_path / "d").glob("*.toml")
    assert "date = 2025-03-26" in toml.read_text(encoding="utf-8")


def test_the_enn_article_says_why_its_day_is_unconfirmed() -> None:
    # Dated Wednesday, "周三" with no time: that day's close, but said to be unsure (and what else it could be).
    draft = draft_of(ENN)
    assert draft.source_date == D(2025, 3, 26) and draft.source_date_words == "香港，2025年3月26日"
    as_of, confirmed, note = target_price(draft)
    assert as_of == D(2025, 3, 26) and not confirmed and "2025-03-19" in note
    assert any("unconfirmed" in w and "2688.HK" in w for w in draft.warnings)


# --- the article's own date ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "head",
    [
        "香港，2025年3月26日 — ",
        "香港2025年3月26日 /美通社/ -- ",
        "2025年3月26日讯 ",
        "北京2025年3月26日电 ",
        "【2025-03-26】",
        "【2025年3月26日】",
        "发布时间：2025-03-26 18:30\n",
        "发布时间: 2025/3/26\n",
        "發佈日期：2025年3月26日\n",
        "發佈時間：２０２５－０３－２６ １８：３０\n",  # full-width digits, dashes and colon
        "日期：2025-03-26\n",
        "（记者 张三）2025年3月26日，",
        "本报讯（记者 李四 王五）2025年3月26日，",
        "香港，2025年3月26日（星期三）— ",
        "香港，二零二五年三月二十六日 — ",  # Chinese numerals, as Hong Kong's formal announcements write them
        "發佈日期：二〇二五年三月二十六日\n",
    ],
)
def test_article_date_forms(head: str) -> None:
    draft = draft_of(head + BODY.format(price="新奥能源于周二收市价为65.00港元。"))
    assert draft.source_date == D(2025, 3, 26), head
    assert target_price(draft)[:2] == (D(2025, 3, 25), True)


@pytest.mark.parametrize(
    "head",
    [
        "2025年3月26日，",  # the date of the news, not a dateline (no place and dash, no 讯)
        "新奥股份表示，2025年3月26日 — ",  # a sentence, not a place, before the date
        "发布时间：2025-02-30\n",  # no such day
        "生效日期：2025-03-26\n",  # the date of something in the news, not of the article
        "截至2025年3月26日 — ",  # "as of": a date in the news
    ],
)
def test_no_article_date_is_read_from_these(head: str) -> None:
    draft = draft_of(head + BODY.format(price="新奥能源于周二收市价为65.00港元。"))
    assert draft.source_date is None
    (row,) = draft.prices_csv_rows()
    assert row["as_of"].startswith("TODO:") and "周二" in row["as_of"]


@pytest.mark.parametrize("head", ["新华社香港3月26日电 ", "本报讯（记者 张三）3月26日，", "香港，3月26日 — "])
def test_a_date_line_without_its_year_is_never_guessed(head: str) -> None:
    text = head + BODY.format(price="新奥能源于周二收市价为65.00港元。")
    draft = draft_of(text)
    assert draft.source_date is None and draft.prices_csv_rows()[0]["as_of"].startswith("TODO:")
    assert any("gives no year" in w and "--date" in w for w in draft.warnings)
    agrees = draft_of(text, source_date=D(2025, 3, 26))
    assert target_price(agrees)[:2] == (D(2025, 3, 25), True) and agrees.warnings == []
    disagrees = draft_of(text, source_date=D(2025, 3, 27))
    assert any("is not the date given (2025-03-27)" in w for w in disagrees.warnings)


def test_a_date_given_that_disagrees_is_warned_and_wins() -> None:
    draft = draft_of(ENN, source_date=D(2025, 3, 27))
    assert draft.source_date == D(2025, 3, 27) and draft.source_date_words is None
    assert any("2025-03-26" in w and "2025-03-27" in w for w in draft.warnings)
    assert target_price(draft)[:2] == (D(2025, 3, 26), True)  # Wednesday, in a Thursday article: no doubt
    same = draft_of(ENN, source_date=D(2025, 3, 26))
    assert not any("date line" in w for w in same.warnings)


def test_two_date_lines_that_disagree_are_warned() -> None:
    text = "发布时间：2025-03-27 09:00\n" + ENN
    draft = draft_of(text)
    assert draft.source_date == D(2025, 3, 27)  # the publication line is trusted first
    assert any("also dates itself 2025-03-26" in w for w in draft.warnings)
    # Written Thursday morning: "周三" is the day before.
    assert target_price(draft)[:2] == (D(2025, 3, 26), True)


def test_each_item_of_a_digest_is_dated_by_its_own_line() -> None:
    first = (
        "【2025-03-25】东岳集团（00189）宣布，拟以协议安排方式私有化南山控股有限公司（01234）。"
        "每持有一股南山控股股份可获得现金代价5.00港元。南山控股昨日收市价为4.00港元。\n"
    )
    second = "【2025-03-26】" + BODY.format(price="新奥能源昨日收市价为65.00港元。")
    result = extract_article(first + "\n---\n\n" + second)
    got = [(d.source_date, [(q.symbol, q.as_of) for q in d.prices]) for d in result.drafts]
    assert got == [
        (D(2025, 3, 25), [("1234.HK", D(2025, 3, 24))]),
        (D(2025, 3, 26), [("2688.HK", D(2025, 3, 25))]),
    ]
    assert not any("dates itself" in w for w in result.warnings)  # another item's date is no conflict


# --- the time of day against the price's own market ---------------------------------------------

A_SHARE = """中国外运吸收合并外运发展

{head}中国外运股份有限公司（601598.SH）宣布以换股方式吸收合并外运发展股份有限公司（600270.SH），换股比例为1:3.8778。\
外运发展周三收盘价为20.63元，新奥能源（02688）周三收市价为65.00港元。
"""


@pytest.mark.parametrize(
    ("clock", "a_share", "hk"),
    [
        # after both closes: Wednesday for both, sure
        ("18:30", (D(2025, 3, 26), True), (D(2025, 3, 26), True)),
        ("下午6时30分", (D(2025, 3, 26), True), (D(2025, 3, 26), True)),
        # after Shanghai's 15:00 close, before Hong Kong's 16:00: a week apart
        ("15:30", (D(2025, 3, 26), True), (D(2025, 3, 19), False)),
        # before both
        ("上午10时", (D(2025, 3, 19), False), (D(2025, 3, 19), False)),
    ],
)
def test_the_articles_time_settles_the_same_weekday_per_market(
    clock: str, a_share: tuple[datetime.date, bool], hk: tuple[datetime.date, bool]
) -> None:
    draft = draft_of(A_SHARE.format(head=f"发布时间：2025年3月26日 {clock}\n"))
    days = {q.symbol: (q.as_of, q.as_of_confirmed) for q in draft.prices}
    assert days == {"600270.SS": a_share, "2688.HK": hk}


def test_a_time_between_the_closes_says_nothing_without_the_market() -> None:
    head = "发布时间：2025-03-26 15:30\n"
    assert zh.written_after_close(head, "600270.SS") is True
    assert zh.written_after_close(head, "2688.HK") is False
    assert zh.written_after_close(head, None) is None
    assert zh.written_after_close(head, "UNP") is None  # a market whose close is not in Beijing time
    assert zh.written_after_close("发布时间：2025-03-26 20:05\n", None) is True
    assert zh.written_after_close("发布时间：2025-03-26 09:05\n", None) is False


@pytest.mark.parametrize(
    ("words", "after"),
    [
        ("新奥股份于周三盘后公布方案。", True),
        ("新奥股份晚间公布方案。", True),
        ("新奥能源早盘停牌。", False),
        ("", None),
    ],
)
def test_words_say_when_without_a_time(words: str, after: bool | None) -> None:
    draft = draft_of(ENN.replace("新奥能源于周三", words + "新奥能源于周三"))
    assert zh.written_after_close(ENN + words) is after
    as_of, confirmed, _note = target_price(draft)
    expected = {True: (D(2025, 3, 26), True), False: (D(2025, 3, 19), False), None: (D(2025, 3, 26), False)}
    assert (as_of, confirmed) == expected[after]


# --- each day phrase, both scripts ----------------------------------------------------------------

HEAD = "香港，2025年3月26日 — "  # a Wednesday


@pytest.mark.parametrize(
    ("phrase", "as_of", "confirmed"),
    [
        ("新奥能源于周二收市价为65.00港元。", D(2025, 3, 25), True),
        ("新奥能源星期二收盘价为65.00港元。", D(2025, 3, 25), True),
        ("新奥能源於週二收市價為65.00港元。", D(2025, 3, 25), True),
        ("新奥能源周二收市报65.00港元。", D(2025, 3, 25), True),
        ("新奥能源周二收盘时报65.00港元。", D(2025, 3, 25), True),
        ("新奥能源股價週二收於65.00港元。", D(2025, 3, 25), True),
        ("新奥能源週二收市65.00港元。", D(2025, 3, 25), True),
        ("新奥能源禮拜一收報65.00港元。", D(2025, 3, 24), True),
        ("新奥能源礼拜一收报65.00港元。", D(2025, 3, 24), True),
        ("新奥能源周四收市价为65.00港元。", D(2025, 3, 20), True),  # the Thursday before
        ("新奥能源上周五收报65.00港元。", D(2025, 3, 21), True),
        ("新奥能源上星期五收市价为65.00港元。", D(2025, 3, 21), True),
        ("新奥能源上週三收市價為65.00港元。", D(2025, 3, 19), True),  # the previous week's, not today
        ("新奥能源本周一收市价为65.00港元。", D(2025, 3, 24), True),
        ("新奥能源本周五收市价为65.00港元。", None, True),  # later in the week than the article
        ("新奥能源昨日收报65.00港元。", D(2025, 3, 25), True),
        ("新奥能源昨天收市价为65.00港元。", D(2025, 3, 25), True),
        ("新奥能源前日收报65.00港元。", D(2025, 3, 24), True),  # 前日 is the day before yesterday
        ("新奥能源前一交易日收市价为65.00港元。", D(2025, 3, 25), False),
        ("新奥能源今日收报65.00港元。", D(2025, 3, 26), True),
        ("新奥能源当日收市价为65.00港元。", D(2025, 3, 26), True),
        ("新奥能源本日收市價為65.00港元。", D(2025, 3, 26), True),
        ("新奥能源停牌前最后交易日收市价为65.00港元。", D(2025, 3, 25), False),
        ("新奥能源於停牌前最後交易日收市價為65.00港元。", D(2025, 3, 25), False),
        ("新奥能源于公告前最后一个交易日收市价为65.00港元。", D(2025, 3, 25), False),
        ("新奥能源停牌前收报65.00港元。", D(2025, 3, 25), False),
        ("新奥能源股份于公告前的收市價為65.00港元。", D(2025, 3, 25), False),
        ("新奥能源3月24日收市价为65.00港元。", D(2025, 3, 24), True),
        ("新奥能源三月二十四日收市价为65.00港元。", D(2025, 3, 24), True),
        ("新奥能源於二零二五年三月十四日收市價為65.00港元。", D(2025, 3, 14), True),
        ("新奥能源2025年3月21日收市价为65.00港元。", D(2025, 3, 21), True),
        ("新奥能源收市价为65.00港元（3月24日）。", D(2025, 3, 24), True),  # just after, same clause
        ("新奥能源2025年3月27日收市价为65.00港元。", None, True),  # after the article: not taken
        ("新奥能源3月28日收市价为65.00港元。", D(2024, 3, 28), False),  # a year back: asked about
    ],
)
def test_price_day_phrases(phrase: str, as_of: datetime.date | None, confirmed: bool) -> None:
    draft = draft_of(HEAD + BODY.format(price=phrase))
    got, got_confirmed, note = target_price(draft)
    assert (got, got_confirmed) == (as_of, confirmed), note
    (row,) = draft.prices_csv_rows()
    assert row["as_of"] == (as_of.isoformat() if as_of else row["as_of"])
    if as_of is None:
        assert row["as_of"].startswith("TODO:")
    else:
        assert as_of <= D(2025, 3, 26)


def test_a_monday_articles_day_phrases_skip_the_weekend() -> None:
    head = "香港，2025年3月24日 — "  # a Monday
    for phrase, as_of in [
        ("新奥能源昨日收报65.00港元。", D(2025, 3, 21)),
        ("新奥能源前日收报65.00港元。", D(2025, 3, 21)),
        ("新奥能源前一交易日收报65.00港元。", D(2025, 3, 21)),
    ]:
        got, confirmed, note = target_price(draft_of(head + BODY.format(price=phrase)))
        assert got == as_of and not confirmed, (phrase, note)


@pytest.mark.parametrize(
    "sentence",
    [
        "新奥能源过去一周五次上涨，收报65.00港元。",  # 一周五次: "five times in a week", no Friday
        "新奥股份周三宣布方案，新奥能源收报65.00港元。",  # the day of a statement, not of the price
        "新奥能源收报65.00港元，较前一交易日上涨3%。",  # a day after the price, in the next clause
    ],
)
def test_words_that_name_no_day_for_the_price(sentence: str) -> None:
    spot = next(m for m, _kind, _who in zh.prices(sentence))
    assert zh.price_day(sentence, spot.start, spot.end) is None


@pytest.mark.parametrize("pad", range(38, 46))
def test_a_phrase_at_the_edge_of_the_reach_is_read_whole(pad: int) -> None:
    sentence = "新奥能源上个星期五" + "在" * pad + "收报65.00港元。"
    spot = next(m for m, _kind, _who in zh.prices(sentence))
    ref = zh.price_day(sentence, spot.start, spot.end)
    assert ref is not None and ref[:2] == ("prev_week_weekday", 4) and ref[2] == "上个星期五"


def test_an_average_of_closes_is_no_price_row() -> None:
    price = "注销价较新奥能源于停牌前30个交易日的平均收市价60.00港元溢价约30%，较最后交易日收市价65.00港元溢价约23%。"
    draft = draft_of(HEAD + BODY.format(price=price))
    assert [(q.symbol, q.price, q.as_of) for q in draft.prices] == [("2688.HK", 65.0, D(2025, 3, 25))]


def test_an_announcement_named_by_its_day_dates_the_last_trading_day() -> None:
    # No full date for the announcement: "周三宣布" in a Thursday article is Wednesday's.
    text = (
        "发布时间：2025-03-27 08:00\n新奥天然气股份有限公司（600803.SH）周三宣布，"
        "拟以协议安排方式私有化新奥能源控股有限公司（02688）。每持有一股新奥能源股份可获得1.5股新奥股份H股及现金代价8.80港元。新奥能源停牌前最后交易日收市价为65.00港元。\n"
    )
    draft = draft_of(text)
    assert draft.announced == D(2025, 3, 26)
    assert target_price(draft)[:2] == (D(2025, 3, 25), False)


FORMAL_HANT = (
    "新奧天然氣股份有限公司（600803.SH）於二零二五年三月二十六日宣佈，以協議安排方式私有化新奧能源控股有限公司"
    "（股份代號：2688）。每股2.9427股新奧股份H股及現金代價24.50港元。新奧能源於最後交易日收市價為65.00港元。"
    "預計於二零二六年六月三十日前完成。\n"
)


def test_a_formal_traditional_announcement_dates_its_last_trading_day() -> None:
    # 宣佈 (not 宣布) and dates in Chinese numerals: the announcement and the expected close are read.
    draft = draft_of(FORMAL_HANT, source_date=D(2025, 3, 27))
    assert (draft.announced, draft.expected_close) == (D(2025, 3, 26), D(2026, 6, 30))
    assert target_price(draft)[:2] == (D(2025, 3, 25), False)  # the weekday before, holidays unchecked
    undated = draft_of(FORMAL_HANT)
    assert undated.source_date is None and undated.prices_csv_rows()[0]["as_of"].startswith("TODO:")


@pytest.mark.parametrize(
    ("said", "announced", "as_of"),
    [
        ("3月25日晚间公告", D(2025, 3, 25), D(2025, 3, 25)),  # after that day's close: that day was the last traded
        ("3月25日公告", D(2025, 3, 25), D(2025, 3, 24)),  # time not said: the weekday before
        ("昨晚公告", D(2025, 3, 26), D(2025, 3, 26)),
        ("周一盘后宣布", D(2025, 3, 24), D(2025, 3, 24)),
    ],
)
def test_an_announcement_after_the_close_is_its_own_last_trading_day(
    said: str, announced: datetime.date, as_of: datetime.date
) -> None:
    text = (
        f"新奥天然气股份有限公司（600803.SH）{said}，拟以协议安排方式私有化新奥能源控股有限公司（02688）。"
        "每持有一股新奥能源股份可获得1.5股新奥股份H股及现金代价8.80港元。新奥能源停牌前收报65.00港元。\n"
    )
    draft = draft_of(text, source_date=D(2025, 3, 27))
    assert draft.announced == announced
    got, confirmed, _note = target_price(draft)
    assert got == as_of and not confirmed  # a halt earlier that day, or a holiday, is not known


def test_without_an_article_date_every_phrase_is_a_todo() -> None:
    for phrase in (
        "新奥能源于周三收市价为65.00港元。",
        "新奥能源昨日收报65.00港元。",
        "新奥能源3月25日收市价为65.00港元。",
    ):
        draft = draft_of(BODY.format(price=phrase))
        (row,) = draft.prices_csv_rows()
        assert row["as_of"].startswith("TODO:"), phrase


# --- never after the article's date -----------------------------------------------------------------

_PHRASES = st.sampled_from(
    [
        f"{week}{name}{day}"
        for week in ("", "上", "本", "上个")
        for name in ("周", "星期", "週", "禮拜")
        for day in "一二三四五六日"
    ]
    + ["昨日", "昨天", "前日", "前天", "前一交易日", "今日", "当日", "本日", "停牌前最后交易日", "最後交易日"]
)


@given(
    article=st.dates(min_value=D(2000, 1, 1), max_value=D(2099, 12, 31)),
    phrase=_PHRASES,
    after_close=st.sampled_from([None, True, False]),
    announced_back=st.integers(-3, 30),
    late=st.sampled_from([None, True]),
)
def test_a_day_phrase_never_resolves_after_the_article(
    article: datetime.date, phrase: str, after_close: bool | None, announced_back: int, late: bool | None
) -> None:
    sentence = f"新奥能源{phrase}收市价为65.00港元。"
    spot = next(m for m, _kind, _who in zh.prices(sentence))
    ref = zh.price_day(sentence, spot.start, spot.end)
    assert ref is not None and ref[2] == phrase
    announced = article - datetime.timedelta(days=announced_back)
    day = resolve_day(ref, article, announced=announced, after_close=after_close, announced_after_close=late)
    if ref[0] == "before_announcement":
        assert (day.date is None) is (announced > article)
        assert day.date is None or (day.date <= announced and not day.confirmed)
    elif day.date is None:
        assert phrase.startswith("本")  # only "this week's" day later in the week is left undated
    if day.date is not None:
        assert day.date <= article
        assert ref[0] == "before_announcement" or (article - day.date).days <= 14
    assert resolve_day(ref, None).date is None  # no article date: no guess


@given(
    article=st.dates(min_value=D(2001, 1, 1), max_value=D(2098, 12, 31)),
    said=st.dates(min_value=D(2000, 1, 1), max_value=D(2099, 12, 31)),
    with_year=st.booleans(),
)
def test_a_written_date_never_resolves_after_the_article(
    article: datetime.date, said: datetime.date, with_year: bool
) -> None:
    words = f"{said.year}年{said.month}月{said.day}日" if with_year else f"{said.month}月{said.day}日"
    sentence = f"新奥能源{words}收市价为65.00港元。"
    spot = next(m for m, _kind, _who in zh.prices(sentence))
    ref = zh.price_day(sentence, spot.start, spot.end)
    assert ref is not None
    day = resolve_day(ref, article)
    assert day.date is None or day.date <= article
    if with_year:
        assert day.date == (said if said <= article else None)


def _in_chinese_numerals(n: int, *, digit_by_digit: bool = False) -> str:
    digits = "〇一二三四五六七八九"
    if digit_by_digit or n < 10:
        return "".join(digits[int(c)] for c in str(n))
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


@given(day=st.dates(min_value=D(2000, 1, 1), max_value=D(2099, 12, 31)))
def test_a_date_in_chinese_numerals_reads_as_written(day: datetime.date) -> None:
    words = (
        f"{_in_chinese_numerals(day.year, digit_by_digit=True)}年"
        f"{_in_chinese_numerals(day.month)}月{_in_chinese_numerals(day.day)}日"
    )
    assert [found for found, _words in zh.article_dates(f"香港，{words} — ")] == [day]


# --- linear time on hostile text ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "tail",
    [
        "新奥能源于" + "上个星期" * 30_000 + "三收市价为65.00港元。",
        "新奥能源收市价为65.00港元" + "周三" * 40_000,
        "【2025-03-26" * 20_000,
        "香港，" * 30_000 + "2025年3月26日 —",
        ("香港，2025年3月26日 " * 10 + "\n") * 3_000,
        "发布时间：" * 20_000 + "2025-03-26 18:30",
        "新奥能源于周三收市价为65.00港元。" * 5_000,
        "2025年" * 30_000 + "3月25日收市价为65.00港元。",
    ],
)
def test_hostile_date_text_stays_linear(tail: str) -> None:
    with budget():
        result = extract_article(ENN + tail)
    assert result.drafts or result.skipped
