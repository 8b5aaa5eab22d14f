"""Companies and their tickers as articles write them: ``新奥能源(2688.HK)``,
``中芯国际(0981.HK; 688981.SH)``, ``Acme Corp. (NASDAQ: ACME)``. Tickers are normalised to Yahoo
symbols with :func:`arb.symbols.normalize_symbol`; short names used later in the text
(``新奥股份`` for ``新奥天然气股份有限公司``) are matched back to the company."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from arb.extract.hant import compile_zh, variants
from arb.symbols import normalize_symbol

__all__ = ["Company", "Mention", "Registry", "find_companies", "parse_ticker_group"]

_SUFFIXES = (
    "HK",
    "SH",
    "SS",
    "SZ",
    "US",
    "N",
    "O",
    "OQ",
    "L",
    "T",
    "TO",
    "V",
    "AX",
    "SI",
    "KS",
    "KQ",
    "TW",
    "PA",
    "DE",
    "F",
    "AS",
    "MI",
    "SW",
    "ST",
    "OL",
    "CO",
    "NS",
    "BO",
    "BJ",
)
_EXCHANGES = {
    "NASDAQ": "",
    "NYSE AMERICAN": "",
    "NYSE ARCA": "",
    "NYSE": "",
    "AMEX": "",
    "LSE": "L",
    "LON": "L",
    "AIM": "L",
    "TSX": "TO",
    "TSXV": "V",
    "ASX": "AX",
    "HKEX": "HK",
    "SEHK": "HK",
    "HKG": "HK",
    "SSE": "SS",
    "SZSE": "SZ",
    "SGX": "SI",
    "EURONEXT PARIS": "PA",
    "EPA": "PA",
    "XETRA": "DE",
    "ETR": "DE",
    "TYO": "T",
    "HK": "HK",
    "SH": "SS",
    "SZ": "SZ",
}
_DOTTED = re.compile(rf"^(?P<code>[A-Z0-9]{{1,6}}(?:-[A-Z])?)\.(?P<suf>{'|'.join(_SUFFIXES)})$")
_EXCH = re.compile(
    rf"^(?P<ex>{'|'.join(sorted(_EXCHANGES, key=len, reverse=True))})\s*:\s*"
    r"(?P<code>[A-Z0-9.\-]{1,10})$",
    re.I,
)
_PAREN = re.compile(r"\(([^()\n]{1,80})\)")

# A code after its label: "股份代號:2688" and "港股代码:700" (Hong Kong), "证券代码:600803" (the
# digits say where), "Stock Code: 2688" (Hong Kong announcements in English). Full-width colons and
# digits are already ASCII (text.clean_text).
_HK_LABEL = r"港股代[码碼号號]|H股代[码碼号號]|股份代[号號码碼]|(?i:(?:HKEX |SEHK )?stock code)"
_ANY_LABEL = r"A股代[码碼号號]|股票代[码碼号號]|[证證]券代[码碼号號]|代[码碼号號]"
_LABELLED = re.compile(rf"^(?:(?P<hk>{_HK_LABEL})|(?P<any>{_ANY_LABEL}))\s?:?\s?(?P<code>\d{{1,6}})$")
# Mainland A-share codes by their first digits (Shanghai: 600, 601, 603, 605, 688, 689; Shenzhen:
# 000-003, 300, 301); other six-digit numbers are not read as codes.
_SHANGHAI = ("600", "601", "603", "605", "688", "689")
_SHENZHEN = ("000", "001", "002", "003", "300", "301")
# "中芯国际(00981)", "腾讯控股(0700)": a bare code is read only in brackets right after a name, and
# not when it could be a year (a four-digit 19xx or 20xx; Hong Kong writes its codes zero-padded
# to five digits, "(02020)", and that form is read).
_BARE = re.compile(r"^(?P<code>\d{4,6})$")
_YEAR_LIKE = re.compile(r"^(?:19|20)\d\d$")


_HEADER = re.compile(
    r"(?:[证證]券|股票)代[码碼]\s?:?\s?(?P<code>\d{6})[\s,;]{0,4}(?:[证證]券|股票)?[简簡]称\s?:?\s?"
    r"(?P<name>[\u4e00-\u9fffA-Za-z0-9*]{2,12})"
)


def _code_symbol(code: str, hong_kong: bool) -> str | None:
    """The Yahoo symbol of an exchange code: Hong Kong up to five digits, mainland six."""
    if len(code) <= 5:
        return normalize_symbol(f"{code}.HK") if int(code) > 0 else None
    if hong_kong:
        return None
    if code.startswith(_SHANGHAI):
        return normalize_symbol(f"{code}.SH")
    if code.startswith(_SHENZHEN):
        return normalize_symbol(f"{code}.SZ")
    return None


def _bare_code(text: str) -> str | None:
    m = _BARE.match(text)
    if m is None:
        return None
    code = m["code"]
    if len(code) == 4 and _YEAR_LIKE.match(code):
        return None
    if len(code) == 5 and not code.startswith("0"):
        return None
    return _code_symbol(code, hong_kong=False)


def parse_ticker_group(text: str, *, bare: bool = False) -> list[str]:
    """Yahoo symbols in a parenthesis such as ``0981.HK; 688981.SH``, ``NYSE: GBX`` or ``股份代號:2688``.

    Parts that are not tickers (``the "Company"``) are ignored; no ticker -> empty list. With
    ``bare`` (the parenthesis follows a company name), a lone code counts too: ``00700`` ->
    ``0700.HK``, ``600803`` -> ``600803.SS``.
    """
    out: list[str] = []
    parts = [p.strip() for p in re.split(r"\s*(?:[;,/、]|\band\b)\s*", text.strip())]
    for part in parts:
        symbol: str | None = None
        if m := _DOTTED.match(part):
            symbol = normalize_symbol(f"{m['code']}.{m['suf']}")
        elif m := _EXCH.match(part):
            suffix = _EXCHANGES[m["ex"].upper()]
            code = m["code"].upper()
            if suffix == "HK" and code.isdigit():
                code = code.zfill(4)
            symbol = normalize_symbol(f"{code}.{suffix}" if suffix else code)
        elif m := _LABELLED.match(part):
            symbol = _code_symbol(m["code"], hong_kong=m["hk"] is not None)
        elif bare and len(parts) == 1:
            symbol = _bare_code(part)
        if symbol is not None:
            out.append(symbol)
    return out


# Words after which a Chinese company name starts ("...制造商黑芝麻智能..." -> "黑芝麻智能..."),
# in simplified and traditional characters.
_ZH_LEADERS_SIMPLIFIED = (
    "上市公司",
    "公司",
    "企业",
    "之一",
    "制造商",
    "供应商",
    "开发商",
    "运营商",
    "营运商",
    "品牌",
    "母企",
    "母公司",
    "旗下",
    "巨头",
    "龙头",
    "达到",
    "宣布",
    "表示",
    "收购",
    "私有化",
    "股东",
    "集团",
    "的",
    "向",
    "与",
    "和",
    "及",
    "被",
    "获",
    "将",
    "由",
    "对",
    "指",
    "称",
    "据",
    "今日",
    "昨日",
    "吸收合并",
    "合并",
    "方式",
    "拟",
    "商",
)
_ZH_LEADERS = tuple(v for word in _ZH_LEADERS_SIMPLIFIED for v in variants(word))
_ZH_CORP_ONLY = compile_zh(r"^(?:国际)?(?:控股|集团|股份)?(?:有限)?公司$|^集团$|^控股$")
_EN_STOP = {
    "Shares",
    "Shares of",
    "On",
    "In",
    "Today",
    "Yesterday",
    "After",
    "Under",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Both",
    "Rival",
}
_EN_CORP = {
    "Inc.",
    "Inc",
    "Corp.",
    "Corp",
    "plc",
    "PLC",
    "Ltd.",
    "Ltd",
    "Co.",
    "LLC",
    "N.V.",
    "S.A.",
    "AG",
    "SE",
    "SA",
    "NV",
    "Limited",
    "Holdings",
    "Group",
}
_EN_JOIN = {"&", "of", "and", "de", "du", "la"}


def _zh_name(before: str) -> str:
    run = re.search(r"[\u4e00-\u9fffA-Za-z0-9 .&'\-]*$", before)
    name = run.group(0).strip() if run else ""
    name = re.sub(r"^[\d.\s%]+", "", name)
    best = name
    for leader in _ZH_LEADERS:
        idx = name.rfind(leader)
        while idx >= 0:
            rest = name[idx + len(leader) :].strip()
            if (
                len(rest) >= 2
                and len(rest) < len(best)
                and not _ZH_CORP_ONLY.match(rest)
                and not re.match(r"^[\u4e00-\u9fff]?(?:有限)?公司", rest)
            ):
                best = rest
                break
            idx = name.rfind(leader, 0, idx)
    return best


def _en_name(before: str) -> str:
    words = re.findall(r"[\x21-\x7e]+|[^\x00-\x7f\s]+", before.rstrip())
    kept: list[str] = []
    while words:
        word = words[-1].rstrip(",")
        if not word or re.search(r"[^\x00-\x7f]", word) or word[0].isdigit():
            break
        if word.endswith(")") or word.startswith("("):
            break  # "(NYSE: UNP) and Norfolk Southern (NYSE: NSC)": the name starts after the other's ticker
        if words[-1].endswith(",") and not (kept and kept[0].rstrip(".") in {k.rstrip(".") for k in _EN_CORP}):
            break
        capital = word[0].isupper() or word[0].isdigit() or word in _EN_CORP
        if word in _EN_JOIN and kept:
            kept.insert(0, word)
        elif (capital and word not in _EN_STOP and not word.endswith((".", ";", ":"))) or word in _EN_CORP:
            kept.insert(0, words[-1])
        else:
            break
        words.pop()
        if (
            words
            and words[-1].endswith((".", ";", ":"))
            and words[-1] not in _EN_CORP
            and words[-1].rstrip(",") not in _EN_CORP
        ):
            break
    while kept and (kept[0] in _EN_JOIN or kept[0] in {"The", "the"}):
        kept.pop(0)
    return " ".join(kept).rstrip(",")


def company_name_before(text: str, pos: int) -> str:
    """The company name written just before position ``pos`` (a ticker parenthesis)."""
    before = text[max(0, pos - 80) : pos].split("\n")[-1].rstrip()
    if not before:
        return ""
    if re.match(r"[\u4e00-\u9fff]", before[-1]):
        return _zh_name(before)
    name = _en_name(before)
    return name or _zh_name(before)


@dataclass
class Company:
    """A company the article names, with its listings (first = the one written first)."""

    name: str
    tickers: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)

    @property
    def ticker(self) -> str | None:
        return self.tickers[0] if self.tickers else None

    def listing_on(self, suffix: str) -> str | None:
        for ticker in self.tickers:
            if ticker.endswith("." + suffix) or (suffix == "" and "." not in ticker):
                return ticker
        return None


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    company: Company


_ZH_STRIP = tuple(
    v
    for word in ("国际控股有限公司", "控股有限公司", "股份有限公司", "集团有限公司", "有限公司", "控股", "集团")
    for v in variants(word)
)
_EN_STRIP = re.compile(
    r",?\s+(?:Inc\.?|Corp\.?|Corporation|plc|PLC|Ltd\.?|Limited|Co\.?|LLC|"
    r"N\.V\.|S\.A\.|AG|SE|Holdings?|Group)$"
)


#: The longest leading part of a Chinese name kept as an alias: short names run 2 to 6
#: characters; each alias costs one scan of every sentence.
_ZH_PREFIX_MAX = 12


def _aliases(name: str) -> list[str]:
    out = {name}
    if re.search(r"[\u4e00-\u9fff]", name):
        short = name
        for suffix in _ZH_STRIP:
            if short.endswith(suffix) and len(short) - len(suffix) >= 2:
                short = short[: -len(suffix)]
        out.add(short)
        if "股份" in name:
            out.add(name[:2] + "股份")
        for n in range(3, min(len(short), _ZH_PREFIX_MAX + 1)):
            out.add(short[:n])
    else:
        short = name
        while (stripped := _EN_STRIP.sub("", short)) != short:
            short = stripped
        out.add(short)
        first = short.split()[0] if short.split() else short
        if len(first) >= 3:
            out.add(first)
    return sorted((a for a in out if len(a) >= 2), key=len, reverse=True)


class Registry:
    """The companies of one news item, found by ticker and then by name."""

    def __init__(self, companies: list[Company]) -> None:
        self.companies = companies
        counts: dict[str, int] = {}
        for company in companies:
            for alias in company.aliases:
                counts[alias] = counts.get(alias, 0) + 1
        # An alias shared by two companies (新奥 for both 新奥股份 and 新奥能源) identifies neither.
        self._alias: list[tuple[str, Company]] = sorted(
            ((a, c) for c in companies for a in c.aliases if counts[a] == 1), key=lambda ac: len(ac[0]), reverse=True
        )
        self._any = re.compile("|".join(re.escape(a) for a, _ in self._alias)) if self._alias else None

    def mentions(self, text: str) -> list[Mention]:
        """Every place ``text`` names a known company, longest name first, no overlaps."""
        if self._any is None or self._any.search(text) is None:
            return []  # most sentences name no company: one scan instead of one per alias
        taken = [False] * len(text)
        found: list[Mention] = []
        for alias, company in self._alias:
            size = len(alias)
            start = text.find(alias)
            while start >= 0:
                end = start + size
                if not any(taken[start:end]) and not (
                    alias.isascii()
                    and ((start > 0 and text[start - 1].isalnum()) or (end < len(text) and text[end].isalnum()))
                ):
                    taken[start:end] = [True] * size
                    found.append(Mention(start, end, company))
                start = text.find(alias, end)
        return sorted(found, key=lambda mn: mn.start)

    def resolve(self, phrase: str) -> Company | None:
        """The company a phrase names, e.g. ``新奥股份H股`` -> 新奥天然气股份有限公司."""
        mentions = self.mentions(phrase)
        return mentions[0].company if mentions else None


_LOOSE_CODE = re.compile(r"(?<![A-Za-z0-9.])(?:\d{4,5}\.HK|\d{6}\.(?:SH|SS|SZ))(?![A-Za-z0-9])")


def _inside(spans: list[tuple[int, int]], pos: int) -> bool:
    """True when ``pos`` falls in one of the sorted, disjoint ``spans``."""
    i = bisect.bisect_right(spans, (pos, 1 << 62)) - 1
    return i >= 0 and spans[i][0] <= pos < spans[i][1]


def _names_right_before(text: str, pos: int) -> bool:
    """True when a name ends at ``pos`` (at most one space between): a bare code's context."""
    before = text[max(0, pos - 2) : pos].rstrip(" ")
    return bool(before) and (before[-1].isalpha() or before[-1] in ".)")


def find_companies(text: str) -> Registry:
    """Companies written with a ticker in ``text``; one entry per company."""
    by_ticker: dict[str, Company] = {}
    ordered: list[Company] = []
    for m in _PAREN.finditer(text):
        group = m.group(1)
        tickers = parse_ticker_group(group)
        name = ""
        if not tickers and _BARE.match(group.strip()) and _names_right_before(text, m.start()):
            # A bare code counts only right after a name: "腾讯控股(00700)", never "(2024)" alone.
            name = company_name_before(text, m.start())
            tickers = parse_ticker_group(group, bare=True) if name else []
        if not tickers:
            continue
        name = name or company_name_before(text, m.start()) or tickers[0]
        known = next((by_ticker[t] for t in tickers if t in by_ticker), None)
        if known is not None:
            for t in tickers:
                if t not in known.tickers:
                    known.tickers.append(t)
            continue
        company = Company(name=name, tickers=tickers, aliases=_aliases(name))
        for t in tickers:
            by_ticker[t] = company
        ordered.append(company)
    spans = [m.span() for m in _PAREN.finditer(text)]
    for m in _LOOSE_CODE.finditer(text):
        # "腾讯控股 0700.HK宣布…": a dotted exchange code outside brackets, right after a name.
        if _inside(spans, m.start()) or not _names_right_before(text, m.start()):
            continue
        symbol = normalize_symbol(m.group(0))
        name = company_name_before(text, m.start())
        if not name or symbol in by_ticker:
            continue
        company = Company(name=name, tickers=[symbol], aliases=_aliases(name))
        by_ticker[symbol] = company
        ordered.append(company)
    for m in _HEADER.finditer(text):
        # The heading of a mainland announcement: "证券代码:600803 证券简称:新奥股份".
        listed = _code_symbol(m["code"], hong_kong=False)
        if listed is None or listed in by_ticker:
            continue
        company = Company(name=m["name"], tickers=[listed], aliases=_aliases(m["name"]))
        by_ticker[listed] = company
        ordered.append(company)
    return Registry(ordered)
