"""The article extractor, on articles written for these tests (tests/data/articles)."""

from __future__ import annotations

import datetime
import tomllib
from pathlib import Path

import pytest

from arb.extract import DraftDeal, Extraction, extract_article, read_article
from arb.extract.money import find_money
from arb.extract.tickers import parse_ticker_group

ARTICLES = Path(__file__).parent / "data" / "articles"
SEED = Path("/work/shared/seeds/000_02ee96e274a81b88.txt")


def extract(name: str, **kwargs: object) -> Extraction:
    return extract_article(read_article(ARTICLES / name), **kwargs)  # type: ignore[arg-type]


def only_draft(name: str, **kwargs: object) -> DraftDeal:
    result = extract(name, **kwargs)
    assert len(result.drafts) == 1, result
    return result.drafts[0]


def legs(draft: DraftDeal) -> list[dict[str, object]]:
    return tomllib.loads(draft.to_toml()).get("consideration", [])


# --- building blocks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("现金代价24.50港元", 24.50, "HKD"),
        ("总现金代价为183.61亿港元", 18_361_000_000, "HKD"),
        ("HK$18.361bn", 18_361_000_000, "HKD"),
        ("US$2.3 billion", 2_300_000_000, "USD"),
        ("$41.20", 41.20, "USD"),
        ("120 pence", 1.20, "GBP"),
        ("250p", 2.50, "GBP"),
        ("€12.5m", 12_500_000, "EUR"),
        ("£3.10", 3.10, "GBP"),
        ("人民币10元", 10.0, "CNY"),
        ("3,200万元", 32_000_000, "CNY"),
    ],
)
def test_money(text: str, amount: float, currency: str) -> None:
    (money,) = find_money(text)
    assert money.amount == pytest.approx(amount)
    assert money.currency == currency


@pytest.mark.parametrize(
    ("group", "symbols"),
    [
        ("2688.HK", ["2688.HK"]),
        ("600803.SH", ["600803.SS"]),
        ("0981.HK; 688981.SH", ["0981.HK", "688981.SS"]),
        ("NVDA.US", ["NVDA"]),
        ("NASDAQ: XYZ", ["XYZ"]),
        ("NYSE: GBX", ["GBX"]),
        ("LSE: BIDC", ["BIDC.L"]),
        ("09992.HK", ["9992.HK"]),
        ("AGI", []),
    ],
)
def test_ticker_groups(group: str, symbols: list[str]) -> None:
    assert parse_ticker_group(group) == symbols


def test_read_article_strips_html(tmp_path: Path) -> None:
    text = read_article(ARTICLES / "en_digest.html")
    assert "<p>" not in text and "color: red" not in text
    assert "Lumen Bio Inc. (NASDAQ: LUMN)" in text
    path = tmp_path / "a.txt"
    path.write_bytes("新奥能源(2688.HK)".encode())
    assert read_article(str(path)) == "新奥能源(2688.HK)"
    assert read_article(text="not a file name") == "not a file name"
    with pytest.raises(FileNotFoundError):
        read_article("not a file name")


# --- Chinese digest modelled on the real article's structure -------------------------------------


@pytest.fixture(scope="module")
def digest() -> Extraction:
    return extract_article(
        read_article(ARTICLES / "zh_digest.txt"),
        source_title="周报",
        source_date=datetime.date(2025, 6, 20),
        source_publisher="测试通讯",
    )


def test_digest_items(digest: Extraction) -> None:
    assert [d.target_ticker or d.acquirer_ticker for d in digest.drafts] == ["1234.HK", "2777.HK"]
    reasons = {s.headline: s.reason for s in digest.skipped}
    assert "IPO" in reasons["奶茶连锁甜季今起招股 集资约8亿港元"]
    assert "partnership" in reasons["飞渡航空与宁远电池深化合作"]
    assert digest.warnings == []


def test_digest_privatisation_terms(digest: Extraction) -> None:
    deal = digest.drafts[0]
    assert (deal.acquirer_ticker, deal.target_ticker) == ("601234.SS", "1234.HK")
    assert deal.target_name == "华岳能源"
    assert deal.ratio == 1.5
    assert (deal.cash_amount, deal.cash_currency) == (10.0, "HKD")
    assert deal.total_cash == pytest.approx(5e9)
    assert deal.new_shares == pytest.approx(7.5e8) and deal.new_shares_upper_bound
    assert deal.implied_target_shares == pytest.approx(5e8)
    assert deal.security_proxy == "601234.SS" and deal.security_currency == "HKD"
    assert deal.security_estimate == 12.0
    assert deal.offer_value == 28.0
    assert "每股1.5股华岳股份H股及现金代价10.00港元" in deal.quotes["ratio"]
    assert deal.warnings == []


def test_digest_privatisation_toml(digest: Extraction) -> None:
    text = digest.drafts[0].to_toml()
    data = tomllib.loads(text)
    assert data["status"] == "announced"
    assert data["currency"] == "HKD"
    stock, cash = data["consideration"]
    assert stock == {"kind": "stock", "ratio": 1.5, "security": data["consideration"][0]["security"]}
    assert data["securities"][stock["security"]]["estimate"] == 12.0
    assert cash == {"kind": "cash", "amount": 10.0, "currency": "HKD"}
    assert all(s["date"] == datetime.date(2025, 6, 20) for s in data["source"])
    assert any("24港元" in s["quote"] for s in data["source"])
    assert "# TODO expected_close = YYYY-MM-DD" in text
    assert "# TODO announced = YYYY-MM-DD" in text
    assert "# TODO discount" in text


def test_digest_price_rows(digest: Extraction) -> None:
    deal = digest.drafts[0]
    rows = deal.prices_csv_rows()
    assert [(r["symbol"], r["price"], r["currency"]) for r in rows] == [
        ("1234.HK", "24.0", "HKD"),
        (deal.security, "12.0", "HKD"),
    ]
    assert all(r["as_of"] == "2025-06-20" and "周报" in r["source"] for r in rows)


def test_digest_nonbinding_undisclosed(digest: Extraction) -> None:
    deal = digest.drafts[1]
    assert deal.status == "rumoured" and deal.status_words == "非约束性"
    assert deal.terms_undisclosed
    assert deal.acquirer_ticker == "2777.HK" and deal.target_ticker is None
    text = deal.to_toml()
    data = tomllib.loads(text)
    assert "consideration" not in data
    assert "terms undisclosed" in text
    assert "inferred from the words '非约束性'" in text
    assert [(r["symbol"], r["price"]) for r in deal.prices_csv_rows()] == [("2777.HK", "9.85")]


# --- Chinese phrasings -------------------------------------------------------------------------


def test_zh_cash_only_passive_buyer() -> None:
    deal = only_draft("zh_cash.txt")
    assert deal.target_ticker == "0888.HK" and deal.target_name == "星河科技集团有限公司"
    assert deal.acquirer_name == "大华资本" and deal.acquirer_ticker is None
    assert (deal.cash_amount, deal.cash_currency) == (12.80, "HKD")
    assert deal.ratio is None
    assert deal.expected_close == datetime.date(2026, 3, 31)
    assert deal.total_cash == pytest.approx(3.84e9)
    assert deal.implied_target_shares == pytest.approx(3e8)
    assert [(p.symbol, p.price) for p in deal.prices] == [("0888.HK", 9.70)]


def test_zh_stock_only() -> None:
    deal = only_draft("zh_stock.txt")
    assert (deal.acquirer_ticker, deal.target_ticker) == ("600111.SS", "000222.SZ")
    assert deal.ratio == 0.62 and deal.stock_ticker == "600111.SS"
    assert deal.cash_amount is None
    assert deal.announced == datetime.date(2025, 4, 8)
    assert legs(deal) == [{"kind": "stock", "ratio": 0.62, "ticker": "600111.SS"}]


def test_zh_election_weights() -> None:
    deal = only_draft("zh_election.txt")
    assert (deal.acquirer_ticker, deal.target_ticker) == ("0555.HK", "0666.HK")
    assert deal.election and deal.weights == {"cash": 0.6, "stock": 0.4}
    assert legs(deal) == [
        {"kind": "stock", "ratio": 0.5, "ticker": "0555.HK", "weight": 0.4},
        {"kind": "cash", "amount": 8.0, "currency": "HKD", "weight": 0.6},
    ]


# --- English phrasings -------------------------------------------------------------------------


def test_en_cash_only() -> None:
    deal = only_draft("en_cash.txt", source_url="https://example.com/a")
    assert (deal.acquirer_ticker, deal.target_ticker) == ("ACME", "GBX")
    assert (deal.acquirer_name, deal.target_name) == ("Acme Corp.", "Globex Inc.")
    assert (deal.cash_amount, deal.cash_currency) == (25.50, "USD")
    assert deal.total_cash == pytest.approx(2.55e9)
    assert deal.implied_target_shares == pytest.approx(1e8)
    assert deal.announced == datetime.date(2025, 3, 3)
    assert deal.expected_close is None and deal.expected_close_text == "in the fourth quarter of 2025"
    text = deal.to_toml()
    assert '# TODO expected_close = YYYY-MM-DD; the article says "in the fourth quarter of 2025"' in text
    assert tomllib.loads(text)["source"][0]["url"] == "https://example.com/a"
    assert [(p.symbol, p.price, p.role) for p in deal.prices] == [("GBX", 22.10, "target")]


def test_en_stock_only() -> None:
    deal = only_draft("en_stock.txt")
    assert (deal.acquirer_ticker, deal.target_ticker) == ("HOOL", "INIT")
    assert deal.ratio == 0.85 and deal.stock_ticker == "HOOL"
    assert deal.new_shares == pytest.approx(1.02e8)
    assert deal.currency is None and "currency" not in tomllib.loads(deal.to_toml())
    assert [(p.symbol, p.price) for p in deal.prices] == [("INIT", 41.30)]


def test_en_cash_and_stock_in_pence() -> None:
    deal = only_draft("en_cash_stock_gbp.txt")
    assert (deal.acquirer_ticker, deal.target_ticker) == ("BIDC.L", "WDG.L")
    assert deal.ratio == 0.25 and deal.stock_ticker == "BIDC.L"
    assert (deal.cash_amount, deal.cash_currency) == (pytest.approx(1.20), "GBP")
    assert deal.total_cash == pytest.approx(2.4e8)
    assert deal.implied_target_shares * deal.ratio == pytest.approx(deal.new_shares, rel=0.01)
    assert deal.expected_close == datetime.date(2025, 9, 30)
    assert deal.warnings == []


def test_en_fixed_value_with_collar() -> None:
    deal = only_draft("en_collar.txt")
    assert deal.target_name == "Target Systems Inc." and deal.acquirer_ticker == "PRNT"
    assert (deal.value_per_share, deal.collar) == (20.0, (40.0, 50.0))
    assert legs(deal) == [
        {"kind": "stock", "value": 20.0, "ticker": "PRNT", "collar": [40.0, 50.0]},
        {"kind": "cash", "amount": 30.0, "currency": "USD"},
    ]
    assert "collar" in deal.quotes and "between $40.00 and $50.00" in deal.quotes["collar"]


def test_en_election_prorated() -> None:
    deal = only_draft("en_election.txt")
    assert deal.acquirer_name == "Buyer Holdings Inc."
    assert deal.weights == {"cash": 0.6, "stock": 0.4}
    assert legs(deal) == [
        {"kind": "stock", "ratio": 1.1, "ticker": "BUYR", "weight": 0.4},
        {"kind": "cash", "amount": 40.0, "currency": "USD", "weight": 0.6},
    ]


def test_totals_disagreement_is_a_warning() -> None:
    result = extract("en_disagree.txt")
    (deal,) = result.drafts
    assert len(deal.warnings) == 1 and "37.5%" in deal.warnings[0]
    assert result.warnings == [f"{deal.headline}: {deal.warnings[0]}"]
    assert "# WARNING totals disagree" in deal.to_toml()


def test_en_skips_with_reasons() -> None:
    result = extract("en_skips.txt")
    assert result.drafts == []
    assert [s.reason.split(" (")[0] for s in result.skipped] == [
        "an IPO or share offering, not an acquisition",
        "a partnership, not an acquisition",
        "a results report, not an acquisition",
    ]


def test_html_digest_passive_voice() -> None:
    result = extract_article((ARTICLES / "en_digest.html").read_text())
    (deal,) = result.drafts
    assert (deal.acquirer_ticker, deal.target_ticker) == ("PHCO", "LUMN")
    assert deal.cash_amount == 12.75
    assert [(p.symbol, p.price) for p in deal.prices] == [("LUMN", 9.80)]
    (skip,) = result.skipped
    assert skip.headline == "Delta Chips posts record earnings" and "results" in skip.reason


# --- every draft is valid TOML and a valid deal file -----------------------------------------------


ALL = sorted(p.name for p in ARTICLES.iterdir())


@pytest.mark.parametrize("name", ALL)
def test_drafts_parse_and_ids_are_slugs(name: str) -> None:
    for deal in extract(name).drafts:
        data = tomllib.loads(deal.to_toml())
        assert data["id"] == deal.id
        assert all((part.isalnum() and part.islower()) or part.isdigit() for part in data["id"].split("-"))
        assert data["status"] in {"rumoured", "announced", "pending", "completed", "terminated"}
        assert all("quote" in s for s in data["source"])


@pytest.mark.parametrize("name", ALL)
def test_drafts_pass_the_deal_loader(name: str, tmp_path: Path) -> None:
    loader = pytest.importorskip("arb.loader")
    for i, deal in enumerate(extract(name).drafts):
        path = tmp_path / f"{i}.toml"
        path.write_text(deal.to_toml(), encoding="utf-8")
        loaded = loader.load_deal(path)
        assert loaded.id == deal.id


def test_toml_strings_are_escaped() -> None:
    deal = only_draft("en_cash.txt")
    deal.quotes["cash"] = 'He said "25.50" \\ then\ttabbed'
    data = tomllib.loads(deal.to_toml())
    assert any(s["quote"] == 'He said "25.50" \\ then tabbed' for s in data["source"])


# --- the real article, when the shared seed is present (its text is not in the repository) --------


@pytest.mark.skipif(not SEED.exists(), reason="the shared seed article is not on this machine")
def test_real_seed_article() -> None:
    result = extract_article(read_article(SEED))
    enn, sesame = result.drafts
    assert (enn.target_ticker, enn.acquirer_ticker) == ("2688.HK", "600803.SS")
    assert (enn.ratio, enn.cash_amount, enn.cash_currency) == (2.9427, 24.50, "HKD")
    assert enn.total_cash == pytest.approx(18.361e9) and enn.new_shares == pytest.approx(2.204e9)
    assert enn.implied_target_shares * enn.ratio == pytest.approx(enn.new_shares, rel=0.01)
    assert enn.security_estimate == 18.86 and enn.offer_value == 80.0
    assert next((p.symbol, p.price) for p in enn.prices) == ("2688.HK", 65.0)
    assert sesame.status == "rumoured" and sesame.terms_undisclosed
    assert sesame.acquirer_ticker == "2533.HK"
    assert len(result.skipped) == 3 and result.warnings == []
