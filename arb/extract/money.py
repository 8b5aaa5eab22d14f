"""Money amounts and counts as articles write them: HK$24.50, 24.50港元, 183.61亿港元, US$2.3 billion,
250p. Amounts come back in major units (pence are divided by 100) and scaled (万 = 1e4, 亿 = 1e8,
million, billion, bn, m)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

__all__ = ["NUM", "Money", "find_money", "parse_count", "parse_number"]

# A number starts at the start of its run of digits: without the look-behind, a pattern that
# fails after a number is retried from every digit of a long run (20 kB of digits took 28 s).
NUM = r"(?<![\d,])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"

_SCALES = {
    "万亿": 1e12,
    "萬億": 1e12,
    "亿": 1e8,
    "億": 1e8,
    "万": 1e4,
    "萬": 1e4,
    "千": 1e3,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "million": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "thousand": 1e3,
}

# symbol or code -> (ISO currency, divisor to major units)
_PREFIXES = {
    "HK$": ("HKD", 1.0),
    "US$": ("USD", 1.0),
    "NZ$": ("NZD", 1.0),
    "C$": ("CAD", 1.0),
    "A$": ("AUD", 1.0),
    "S$": ("SGD", 1.0),
    "$": ("USD", 1.0),
    "€": ("EUR", 1.0),
    "£": ("GBP", 1.0),
    "RMB": ("CNY", 1.0),
    "人民币": ("CNY", 1.0),
    "人民幣": ("CNY", 1.0),
}
_SUFFIXES = {
    "港元": ("HKD", 1.0),
    "港币": ("HKD", 1.0),
    "港幣": ("HKD", 1.0),
    "美元": ("USD", 1.0),
    "元人民币": ("CNY", 1.0),
    "元人民幣": ("CNY", 1.0),
    "人民币": ("CNY", 1.0),
    "人民幣": ("CNY", 1.0),
    "元": ("CNY", 1.0),
    "欧元": ("EUR", 1.0),
    "英镑": ("GBP", 1.0),
    "日元": ("JPY", 1.0),
    "便士": ("GBP", 100.0),
    "pence": ("GBP", 100.0),
    "p": ("GBP", 100.0),
    "euros": ("EUR", 1.0),
    "euro": ("EUR", 1.0),
    "cents": ("USD", 100.0),
}
_CODES = ("HKD", "USD", "EUR", "GBP", "CNY", "JPY", "CHF", "CAD", "AUD", "SGD", "GBp", "GBX")


def _alt(options: object) -> str:
    keys = sorted(options, key=len, reverse=True)  # type: ignore[call-overload]
    return "|".join(re.escape(k) for k in keys)


_SCALE_RE = r"(?:\s?(?:万亿|萬億|亿|億|万|萬|千)|\s?(?:billion|million|thousand|bn|mn|m|b)(?![A-Za-z]))"
_PRE_RE = rf"(?P<pre>{_alt(_PREFIXES)}|(?:{'|'.join(_CODES)})\s?)"
_SUF_RE = (
    rf"(?P<suf>{_alt(k for k in _SUFFIXES if k not in ('p', 'pence', 'cents', 'euro', 'euros'))}"
    rf"|\s?(?:pence|cents|euros?|p)(?![A-Za-z])|\s?(?:{'|'.join(_CODES)})(?![A-Za-z]))"
)
_MONEY_RE = re.compile(
    rf"{_PRE_RE}\s?(?P<num>{NUM})(?P<scale>{_SCALE_RE})?(?:\s?元)?(?!\d|\.\d)"
    rf"|(?P<num2>{NUM})(?P<scale2>{_SCALE_RE})?\s?{_SUF_RE}"
)


@dataclass(frozen=True)
class Money:
    """An amount in major units of ``currency``; ``scaled`` when written with 万/亿/million."""

    amount: float
    currency: str
    text: str
    start: int
    end: int
    scaled: bool = False
    minor: bool = False


def parse_number(text: str) -> float:
    return float(text.replace(",", ""))


def _scale(word: str | None) -> float:
    if not word:
        return 1.0
    return _SCALES[word.strip()]


@functools.lru_cache(maxsize=64)
def find_money(text: str) -> tuple[Money, ...]:
    """Every money amount in ``text``, in order.

    Cached: each rule of the patterns modules asks again about the same sentence.
    """
    found: list[Money] = []
    for m in _MONEY_RE.finditer(text):
        if m.group("pre") is not None:
            code = m.group("pre").strip()
            currency, divisor = _PREFIXES.get(code, (code, 1.0))
            num, scale = m.group("num"), m.group("scale")
        else:
            code = m.group("suf").strip()
            currency, divisor = _SUFFIXES.get(code, (code, 1.0))
            num, scale = m.group("num2"), m.group("scale2")
        if currency in ("GBp", "GBX"):
            currency, divisor = "GBP", 100.0
        value = parse_number(num) * _scale(scale) / divisor
        found.append(Money(value, currency, m.group(0), m.start(), m.end(), bool(scale), divisor != 1.0))
    return tuple(found)


_COUNT_RE = re.compile(rf"(?P<num>{NUM})(?P<scale>{_SCALE_RE})?")


def parse_count(num: str, scale: str | None) -> float:
    """A count such as ``22.04`` + ``亿`` -> 2.204e9."""
    return parse_number(num) * _scale(scale)
