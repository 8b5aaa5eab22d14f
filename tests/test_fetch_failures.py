"""Which failed symbols a valuation reports: FX probes only when the conversion was needed."""

from __future__ import annotations

from arb.loader import load_deals
from arb.prices.base import MemorySource
from arb.prices.csvfile import snapshot
from arb.pricing import fetch_for
from arb.resources import seeds_dir


def _seed_deals():
    return load_deals([seeds_dir()]).deals


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
