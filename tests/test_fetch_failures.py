"""Which failed symbols a valuation reports: FX probes only when the conversion was needed."""

from __future__ import annotations

import datetime as dt

from typer.testing import CliRunner

from arb.loader import load_deals
from arb.prices.base import FetchResult, MemorySource, Quote, fallback_summary
from arb.prices.csvfile import snapshot
from arb.pricing import fetch_for
from arb.resources import seeds_dir


def _seed_deals():
    # The article's two deals (the seeds' later deals have no snapshot prices at all).
    return load_deals([seeds_dir() / "enn-energy.toml", seeds_dir() / "black-sesame.toml"]).deals


def test_unneeded_fx_probes_are_not_failures():
    # The snapshot has no A-share price: the CNY->HKD pair is never needed, so neither
    # CNYHKD=X nor its inverse is a failure; the missing proxy itself is.
    fetched = fetch_for(_seed_deals(), snapshot())
    assert set(fetched.failures) == {"600803.SS", "enn-ng-h"}


def test_a_needed_conversion_is_reported_once_under_the_direct_pair():
    source = MemorySource({"2688.HK": 65.0, "600803.SS": 13.2}, {"2688.HK": "HKD", "600803.SS": "CNY"})
    fetched = fetch_for(_seed_deals(), source)
    fx = {s: why for s, why in fetched.failures.items() if s.endswith("=X")}
    assert list(fx) == ["CNYHKD=X"]
    assert "CNYHKD=X: not in the price set" in fx["CNYHKD=X"]
    assert "HKDCNY=X: not in the price set" in fx["CNYHKD=X"]


def test_an_inverse_pair_satisfies_the_conversion():
    source = MemorySource(
        {"2688.HK": 65.0, "600803.SS": 13.2, "HKDCNY=X": 0.92},
        {"2688.HK": "HKD", "600803.SS": "CNY", "HKDCNY=X": "CNY"},
    )
    fetched = fetch_for(_seed_deals(), source)
    assert not any(s.endswith("=X") for s in fetched.failures)


# -- prices that fell back from the live source: one warning line (issue 9, point 12) ------------


class _DownYahoo:
    label = "yahoo"
    dated = False

    def fetch(self, symbols):
        return FetchResult(failures={s: "network unreachable (timed out after 20 s)" for s in symbols})


def test_fallback_summary_names_the_live_failure_once_and_the_oldest_age():
    def q(sym, day, why):
        return Quote(sym, 1.0, "HKD", dt.datetime(2025, 6, day), "snapshot", "x", fallback=why)

    quotes = [
        q("A.HK", 20, "yahoo: down; store: never stored"),
        q("B.HK", 18, "yahoo: down; store: never stored"),
        q("C.HK", 19, "yahoo: HTTP 404; store: never stored"),
        Quote("D.HK", 1.0, "HKD", dt.datetime(2025, 6, 1), "yahoo", "live"),  # live: not counted
    ]
    line = fallback_summary(quotes, dt.date(2025, 6, 21))
    assert line == (
        "3 prices not live, taken from the snapshot: yahoo: down (for 2; 1 other failed for other reasons); "
        "the oldest is 3 days old (B.HK, 2025-06-18)"
    )
    assert fallback_summary(quotes[3:], dt.date(2025, 6, 21)) is None


def test_report_and_show_print_one_stale_warning_when_live_prices_fail(monkeypatch, tmp_path):
    import arb.refresh
    from arb.cli import app

    monkeypatch.setenv("ARB_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ARB_OFFLINE", raising=False)
    monkeypatch.setattr(arb.refresh, "yahoo_factory", lambda **_: _DownYahoo())
    today = dt.date.today()
    # the oldest snapshot price each command used: 2533.HK for the report, 2688.HK for ENN alone
    cases = {
        ("report",): ("2533.HK", dt.date(2025, 6, 18)),
        ("report", "--json"): ("2533.HK", dt.date(2025, 6, 18)),
        ("show", "enn-energy"): ("2688.HK", dt.date(2025, 6, 20)),
    }
    for args, (symbol, day) in cases.items():
        res = CliRunner().invoke(app, list(args))
        warnings = [line for line in res.stderr.splitlines() if line.startswith("warning:")]
        assert len(warnings) == 1, res.stderr
        [line] = warnings
        assert line.count("network unreachable") == 1
        assert f"the oldest is {(today - day).days} days old ({symbol}, {day})" in line


def test_no_stale_warning_from_a_price_file():
    from arb.cli import app

    res = CliRunner().invoke(app, ["report", "--prices", str(snapshot().path)])
    assert "warning:" not in res.stderr
