"""The extractor on Chinese deal wording (issue 13): ratios, Hong Kong and mainland codes, collars,
non-binding approaches. The snippets are written for these tests in the style of Hong Kong and
mainland announcements and news briefs; drafts are checked through the loader ``arb validate`` uses."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from arb.errors import ArbError
from arb.extract import DraftDeal, extract_article, patterns_zh
from arb.extract.text import clean_text
from arb.extract.tickers import find_companies, parse_ticker_group
from arb.loader import load_deal
from tests.conftest import budget


def draft_of(article: str) -> DraftDeal:
    result = extract_article(article)
    assert len(result.drafts) == 1, result
    return result.drafts[0]


def validate(toml: str, tmp_path: Path) -> None:
    """Load the draft as ``arb validate`` does; raises ArbError naming the first problem."""
    path = tmp_path / "draft.toml"
    path.write_text(toml, encoding="utf-8")
    load_deal(path)


def stock_leg(draft: DraftDeal) -> dict[str, object]:
    legs = tomllib.loads(draft.to_toml())["consideration"]
    return next(leg for leg in legs if leg["kind"] == "stock")


# --- ratios ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "ratio", "shares"),
    [
        # A long target name between 每持有一股 and the shares paid, a full-width comma, full-width digits.
        (
            "计划股东每持有一股滨海燃气控股有限公司已发行计划股份，将可获得１．２５股华北能源H股及现金代价６．５０港元。",
            1.25,
            "H股",
        ),
        # A ticker in brackets (digits) between them.
        ("每持有1股新奥能源(2688.HK)股份可获得2.9427股新奥股份H股。", 2.9427, "新奥股份H股"),
        # Cash first, then the shares.
        ("每股现金代价8.80港元及1.5股东岳控股股份。", 1.5, "东岳控股股份"),
        # 股东 right after the count is the start of the acquirer's name here, not "shareholders".
        ("每1股南山银行股份可换取0.85股东海银行股份。", 0.85, "东海银行股份"),
        # Ten for seven.
        ("每10股南山银行股份换7股东海银行股份。", 0.7, "东海银行股份"),
        # Traditional characters.
        ("每持有一股計劃股份可獲得0.6股要約人H股。", 0.6, "H股"),
        # The notation, target first.
        ("本次换股吸收合并的换股比例为1：3.8778。", 3.8778, ""),
        ("双方确定换股比例为1比0.5。", 0.5, ""),
        ("換股比例為1∶1.2。", 1.2, ""),
    ],
)
def test_ratio_forms(sentence: str, ratio: float, shares: str) -> None:
    found = patterns_zh.ratio(clean_text(sentence))
    assert found is not None
    assert found[0] == pytest.approx(ratio)
    assert shares in found[1]


@pytest.mark.parametrize(
    "sentence",
    [
        "每股盈利1.2元，公司已发行3,000股。",  # earnings per share, shares in issue
        "每股售价介乎25.3港元至27.8港元。",  # an IPO price range
        "公司股份于10:30恢复买卖，换股事宜另行公告。",  # a time, not a ratio: no 比例 beside it
        "现金部分占60%、股份部分占40%，按比例分配。",
        "每股派息0.5港元，股息比例为1:1",  # no share exchange in the sentence
    ],
)
def test_numbers_that_are_not_ratios(sentence: str) -> None:
    assert patterns_zh.ratio(clean_text(sentence)) is None
    assert patterns_zh.ratio_todo(clean_text(sentence)) is None


@pytest.mark.parametrize(
    ("sentence", "target_first", "acquirer_first"),
    [("换股比例为0.5:1。", "2", "0.5"), ("双方按10:7的比例换股。", "0.7", "1.42857")],
)
def test_a_ratio_in_an_unclear_order_is_asked_with_both_readings(
    sentence: str, target_first: str, acquirer_first: str
) -> None:
    assert patterns_zh.ratio(sentence) is None
    todo = patterns_zh.ratio_todo(sentence)
    assert todo is not None
    assert f"makes it {target_first};" in todo and f"acquirer first it is {acquirer_first}." in todo


def test_the_per_share_form_wins_over_the_notation() -> None:
    s = "换股比例为1:0.85,即每1股南山银行股份可换取0.85股东海银行股份。"
    assert patterns_zh.ratio(s) == (0.85, "东海银行股份")
    assert patterns_zh.ratio_todo("换股比例为0.5:1,即每1股南山银行股份可换取2股东海银行股份。") is None


ENN_STYLE = """华北能源拟私有化滨海燃气

华北能源股份有限公司（600123）于2026年5月4日公布，拟以协议安排方式私有化滨海燃气控股有限公司（股份代號：01234）。计划股东每持有一股滨海燃气控股有限公司已发行计划股份，将可获得１．２５股华北能源H股及现金代价６．５０港元。交易预计于2026年12月31日前完成。
"""


def test_a_privatisation_with_new_h_shares_drafts_both_legs(tmp_path: Path) -> None:
    deal = draft_of(ENN_STYLE)
    assert (deal.target_ticker, deal.acquirer_ticker) == ("1234.HK", "600123.SS")
    assert (deal.ratio, deal.cash_amount, deal.cash_currency) == (1.25, 6.5, "HKD")
    assert deal.security is not None and deal.security_proxy == "600123.SS"  # new H shares, priced from the A shares
    assert deal.new_shares is None  # "已发行计划股份…1.25股" is the ratio, not a count of new shares
    validate(deal.to_toml(), tmp_path)


def test_the_ratio_sentence_settles_who_buys_whom() -> None:
    deal = draft_of(
        "东海银行与南山银行换股合并\n\n"
        "东海银行股份有限公司（601999）与南山银行股份有限公司（002999）于2026年3月2日公告换股吸收合并方案，"
        "换股比例为1：0.85，即每1股南山银行股份可换取0.85股东海银行股份。\n"
    )
    assert (deal.target_ticker, deal.acquirer_ticker) == ("002999.SZ", "601999.SS")
    assert deal.ratio == 0.85 and stock_leg(deal)["ticker"] == "601999.SS"
    assert any("read from the exchange ratio" in w for w in deal.warnings)


AMBIGUOUS = """西岭科技拟吸收合并北坡电子

西岭科技股份有限公司（600555）于2026年5月4日公告，拟以换股方式吸收合并北坡电子股份有限公司（300555），换股比例为0.5:1。交易预计于2026年12月31日前完成。
"""


def test_an_unclear_ratio_is_a_todo_that_validate_refuses_until_filled(tmp_path: Path) -> None:
    deal = draft_of(AMBIGUOUS)
    assert deal.ratio is None and deal.ratio_todo is not None
    leg = stock_leg(deal)
    assert isinstance(leg["ratio"], str) and leg["ratio"].startswith("TODO:") and "0.5:1" in leg["ratio"]
    assert leg["ticker"] == "600555.SS"
    toml = deal.to_toml()
    with pytest.raises(ArbError, match=r"ratio: still a TODO"):
        validate(toml, tmp_path)
    validate(re.sub(r'ratio = "TODO:[^"]*"', "ratio = 2.0", toml), tmp_path)


def test_shares_paid_without_a_number_are_a_todo_leg(tmp_path: Path) -> None:
    deal = draft_of(
        "东岳控股拟收购南湖能源\n\n"
        "东岳控股有限公司（01888）于2026年4月1日公布，拟收购南湖能源有限公司（02777）。"
        "南湖能源股东每持有一股可获得若干股东岳控股新股及现金2.00港元，具体数目待定。\n"
    )
    assert deal.ratio is None and deal.ratio_todo is not None
    with pytest.raises(ArbError, match=r"ratio: still a TODO"):
        validate(deal.to_toml(), tmp_path)


# --- Hong Kong and mainland codes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "bare", "symbols"),
    [
        ("00700", True, ["0700.HK"]),
        ("0700", True, ["0700.HK"]),
        ("02020", True, ["2020.HK"]),  # zero-padded: a code, even though 2020 is also a year
        ("600803", True, ["600803.SS"]),
        ("688981", True, ["688981.SS"]),
        ("000001", True, ["000001.SZ"]),
        ("300750", True, ["300750.SZ"]),
        ("00700", False, []),  # a bare code needs a name right before its bracket
        ("2024", True, []),  # a year
        ("12345", True, []),  # five digits without the leading zero: a count, not a code
        ("123456", True, []),  # no exchange starts its codes so
        ("00700.HK", False, ["0700.HK"]),
        ("0700.HK", False, ["0700.HK"]),
        ("600803.SH", False, ["600803.SS"]),
        ("000001.SZ", False, ["000001.SZ"]),
        ("股份代號:2688", False, ["2688.HK"]),
        ("股份代号: 2688", False, ["2688.HK"]),
        ("港股代码:700", False, ["0700.HK"]),
        ("证券代码:600803", False, ["600803.SS"]),
        ("股票代码:00700", False, ["0700.HK"]),
        ("Stock Code: 2688", False, ["2688.HK"]),
        ("HK:00700", False, ["0700.HK"]),
        ("SH:600803", False, ["600803.SS"]),
        ("股份代號:600803", False, []),  # a Hong Kong label on a mainland code: neither
        ("65.00", True, []),  # a price
    ],
)
def test_code_forms(group: str, bare: bool, symbols: list[str]) -> None:
    assert parse_ticker_group(clean_text(group), bare=bare) == symbols


def test_codes_in_an_article_name_their_companies() -> None:
    text = clean_text(
        "证券代码：600803 证券简称：新奥股份 公告编号：2026-031\n"
        "腾讯控股（00700）与滨海燃气控股有限公司（股份代號：2688）及ENN Energy Holdings Limited (Stock Code: 2688)。"
    )
    found = {c.name: c.tickers for c in find_companies(text).companies}
    assert found == {"腾讯控股": ["0700.HK"], "滨海燃气控股有限公司": ["2688.HK"], "新奥股份": ["600803.SS"]}


def test_dotted_codes_outside_brackets_name_their_companies() -> None:
    text = clean_text("腾讯控股00700.HK宣布，新奥能源 2688.HK 与新奥股份600803.SH；中芯国际(0981.HK; 688981.SH)。")
    found = {c.name: c.tickers for c in find_companies(text).companies}
    assert found == {
        "中芯国际": ["0981.HK", "688981.SS"],  # the bracketed pair is one company, not read twice
        "腾讯控股": ["0700.HK"],
        "新奥能源": ["2688.HK"],
        "新奥股份": ["600803.SS"],
    }


def test_numbers_in_brackets_are_not_tickers() -> None:
    text = clean_text(
        "公司2025年度营业收入（12345万元）按年增长，较2024年（2024）上升；收市价（65.00港元）；"
        "共发行（100000）股；（00700）单独出现。"
    )
    assert find_companies(text).companies == []


# --- collars -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "bounds"),
    [
        ("若东岳控股股份的参考价介乎8.00港元至10.00港元，换股比例不作调整。", (8.0, 10.0)),
        ("换股价格下限为8港元，上限为10港元。", (8.0, 10.0)),
        ("若換股價低於下限7.5港元或高於上限9.5港元，換股比例將予調整。", (7.5, 9.5)),
        ("若参考价高于22港元上限或低于18港元下限，换股比例将予调整。", (18.0, 22.0)),  # bounds before their labels
        ("换股价格区间为18至22港元。", (18.0, 22.0)),  # the currency on the upper bound only
        ("若VWAP介乎18-22港元之间，换股比例不变。", (18.0, 22.0)),
    ],
)
def test_zh_collar_bounds(sentence: str, bounds: tuple[float, float]) -> None:
    assert patterns_zh.collar(clean_text(sentence)) == bounds


def test_a_band_on_the_ratio_is_no_price_collar_but_is_asked_for() -> None:
    s = "换股比例介乎0.5至0.6。"
    assert patterns_zh.collar(s) is None and patterns_zh.COLLAR_RE.search(s)


def test_a_share_price_in_a_range_is_no_collar() -> None:
    s = "东岳控股股价在18港元至20港元区间波动。"
    assert patterns_zh.collar(s) is None and patterns_zh.COLLAR_RE.search(s) is None


COLLAR_ZH = """东岳控股拟收购南湖能源

东岳控股有限公司（01888）于2026年4月1日公布，拟收购南湖能源有限公司（02777）。南湖能源股东每持有一股南湖能源股份可获得0.4股东岳控股股份及现金2.00港元。{collar}
"""


def test_zh_collar_with_bounds_is_drafted(tmp_path: Path) -> None:
    deal = draft_of(COLLAR_ZH.format(collar="若东岳控股股份的参考价介乎4.00港元至6.00港元，换股比例不作调整。"))
    assert deal.collar == (4.0, 6.0)
    assert stock_leg(deal)["collar"] == [4.0, 6.0]
    validate(deal.to_toml(), tmp_path)


def test_zh_collar_without_bounds_is_a_todo(tmp_path: Path) -> None:
    deal = draft_of(COLLAR_ZH.format(collar="若东岳控股股份的参考价超出上下限，换股比例将予调整。"))
    assert deal.collar is None and deal.collar_todo
    assert str(stock_leg(deal)["collar"]).startswith("TODO:")
    assert "上下限" in deal.quotes["collar"]
    toml = deal.to_toml()
    with pytest.raises(ArbError, match=r"collar: still a TODO"):
        validate(toml, tmp_path)
    validate(re.sub(r'collar = "TODO:[^"]*"', "collar = [4.0, 6.0]", toml), tmp_path)


def test_en_collar_without_bounds_is_a_todo(tmp_path: Path) -> None:
    deal = draft_of(
        "Parent to buy Target in stock deal\n\n"
        "Parent Co. (NYSE: PRNT) agreed on April 1, 2026 to acquire Target Systems Inc. (NASDAQ: TGSY) for 0.5 "
        "shares of Parent common stock for each Target Systems share. The stock consideration is subject to a "
        "collar. The deal is expected to close on December 31, 2026.\n"
    )
    assert deal.collar is None and deal.collar_todo
    with pytest.raises(ArbError, match=r"collar: still a TODO"):
        validate(deal.to_toml(), tmp_path)


@pytest.mark.parametrize(
    "sentence", ["There is no collar on the stock.", "The stock portion is not subject to a collar."]
)
def test_en_no_collar_asks_for_none(sentence: str) -> None:
    from arb.extract import patterns_en

    assert patterns_en.COLLAR_RE.search(sentence) is None


def test_en_collar_on_the_vwap_is_read() -> None:
    deal = draft_of(
        "Alpha to buy Beta\n\n"
        "Alpha Corp. (NYSE: ALP) agreed on April 1, 2026 to acquire Beta Inc. (NASDAQ: BTA) for 0.8 shares of "
        "Alpha for each Beta share, with the ratio fixed if the VWAP is between $40.00 and $50.00.\n"
    )
    assert deal.collar == (40.0, 50.0) and not deal.collar_todo


# --- non-binding approaches ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("article", "words"),
    [
        (
            "华海航运获蓝海资本可能要约\n\n华海航运控股有限公司（00288）于2026年4月1日公布，公司接获蓝海资本就"
            "可能私有化发出的不具法律约束力的意向书，每股注销价为5.20港元。可能要约可能会或可能不会进行。\n",
            "可能私有化",
        ),
        (
            "華海航運獲藍海資本提出私有化建議\n\n華海航運控股有限公司（00288）於2026年4月1日公佈，公司接獲藍海資本"
            "提出的私有化建議，注銷價為每股5.20港元現金，有關建議不具法律約束力。\n",
            "不具法律約束力",
        ),
        (
            "Bigco makes possible offer for Smallco\n\nBigco plc (LSE: BIGC) said on April 1, 2026 it had made an "
            "indicative proposal to acquire Smallco plc (LSE: SMLC) for 250p per share in cash. There is no "
            "binding agreement between the parties.\n",
            "indicative proposal",
        ),
    ],
)
def test_a_non_binding_approach_is_rumoured_with_its_sentence(article: str, words: str, tmp_path: Path) -> None:
    deal = draft_of(article)
    assert deal.status == "rumoured"  # docs/deal-format.md: "Talks reported, no firm offer"
    assert deal.status_words == words
    assert words in deal.quotes["status"]
    toml = deal.to_toml()
    assert 'status = "rumoured"' in toml and "the status" in toml
    validate(toml, tmp_path)


@pytest.mark.parametrize(
    "sentence",
    [
        "要约可能会或可能不会进行。",
        "公司与买方签订非约束性意向书。",
        "有关建议不具法律约束力。",
        "This is a possible offer.",
        "There is no binding agreement and the approach may or may not lead to an offer.",
    ],
)
def test_non_binding_words(sentence: str) -> None:
    from arb.extract import patterns_en

    p = patterns_zh if re.search(r"[\u4e00-\u9fff]", sentence) else patterns_en
    found = p.status(sentence)
    assert found is not None and found[0] == "rumoured"


def test_a_firm_agreement_replacing_a_non_binding_one_is_not_rumoured() -> None:
    assert patterns_zh.status("双方今日签署正式合并协议，取代此前的非约束性意向书。") is None
    assert patterns_zh.status("双方签署具法律约束力的收购协议。") is None


# --- linear time ----------------------------------------------------------------------------------


HEAD = "东岳控股有限公司（01888）拟收购南湖能源有限公司（02777），"
HOSTILE: dict[str, Callable[[], str]] = {
    "每 x 40,000": lambda: HEAD + "每" * 40_000 + "股1股。",
    "每股 and receive words x 20,000": lambda: HEAD + "每股" + "可获得及" * 20_000 + "1.5股。",
    "换股比例 and colons": lambda: HEAD + "换股比例" + "1:" * 20_000 + "。",
    "band words before no reference price": lambda: HEAD + "上下限" * 20_000 + "换股价。",
    "reference price words before no band": lambda: HEAD + "均价" * 20_000 + "。",
    "ranges of digits": lambda: HEAD + "换股价上下限" + "1至" * 20_000 + "港元。",
    "bracketed five-digit codes x 10,000": lambda: "".join(f"公司{i}（0{i:04d}）" for i in range(10_000)),
    "证券代码 x 10,000": lambda: HEAD + "证券代码:600803 " * 10_000,
    "dotted codes x 10,000": lambda: HEAD + "".join(f"公司{i} {i % 9000 + 1000}.HK、" for i in range(10_000)),
    "a name of 40,000 characters before a code": lambda: HEAD + "甲" * 40_000 + "0700.HK。",
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_chinese_rules_are_linear(name: str) -> None:
    text = HOSTILE[name]()
    with budget():
        result = extract_article(text)
    assert result.drafts or result.skipped
    for draft in result.drafts:
        tomllib.loads(draft.to_toml())


# --- traditional characters ------------------------------------------------------------------------

TRADITIONAL = """新奧股份擬私有化新奧能源

新奧天然氣股份有限公司（600803.SH）於2026年3月26日公佈，以協議安排方式私有化新奧能源控股有限公司（股份代號：2688）。新奧股份將向新奧能源的計劃股東支付每股2.9427股新奧股份H股及現金代價24.50港元，總現金代價為183.61億港元。新奧股份預計最多發行不超過22.04億股H股。
"""


def test_a_traditional_article_reads_terms_totals_and_new_shares(tmp_path: Path) -> None:
    deal = draft_of(TRADITIONAL)
    assert (deal.target_ticker, deal.acquirer_ticker) == ("2688.HK", "600803.SS")
    assert (deal.ratio, deal.cash_amount, deal.cash_currency) == (2.9427, 24.50, "HKD")
    assert deal.total_cash == pytest.approx(18_361_000_000)  # 億 is 1e8, as 亿
    assert deal.new_shares == pytest.approx(2_204_000_000) and deal.new_shares_upper_bound
    assert deal.implied_target_shares is not None
    assert deal.implied_target_shares * deal.ratio == pytest.approx(deal.new_shares, rel=0.01)
    assert "總現金代價為183.61億港元" in deal.quotes["total_cash"]  # quoted as written, not converted
    validate(deal.to_toml(), tmp_path)


# --- through the CLI -------------------------------------------------------------------------------


def test_cli_extract_then_validate_refuses_the_todos_and_accepts_them_filled(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from arb.cli import app

    article = tmp_path / "article.txt"
    text = COLLAR_ZH.format(collar="若东岳控股股份的参考价超出上下限，换股比例将予调整。")
    article.write_text(text, encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(app, ["extract", str(article), "-o", str(tmp_path / "drafts") + "/", "--date", "2026-04-02"])
    assert res.exit_code == 0, res.output
    (draft,) = (tmp_path / "drafts").glob("*.toml")
    res = runner.invoke(app, ["validate", str(draft)])
    assert res.exit_code != 0 and "collar" in res.output and "TODO" in res.output
    draft.write_text(re.sub(r'collar = "TODO:[^"]*"', "collar = [4.0, 6.0]", draft.read_text(encoding="utf-8")))
    res = runner.invoke(app, ["validate", str(draft)])
    assert res.exit_code == 0, res.output


def test_expand_widens_characters_and_classes_but_not_escapes() -> None:
    from arb.extract.hant import compile_zh, expand

    assert expand("收购") == "收[购購]"
    assert expand(r"[^,。与]") == r"[^,。与與]"
    assert expand(r"\d+股") == r"\d+股"  # 股 is the same in both scripts; the escape is copied whole
    rule = compile_zh(r"换股比例为(?P<r>\d)")
    assert rule.search("換股比例為1")["r"] == "1" and rule.search("换股比例为2")["r"] == "2"
    assert compile_zh(r"[^与]+").fullmatch("與") is None  # a negated class excludes both forms
