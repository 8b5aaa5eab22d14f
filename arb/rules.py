"""The rules a deal file's values obey beyond their types: one place for both ways a file is checked.

A file is checked either by the pydantic models of :mod:`arb.schema` (every problem found, each
with its key, for `arb validate`) or, when it is certainly valid, by the pydantic-free fast path
of :mod:`arb.quickcheck`. Both apply these functions, so a rule is written once: each takes the
value, or the record (a model or a plain record: only attributes are read), normalises or returns
it, and raises :class:`Problem` when it is broken. :mod:`arb.schema` turns a :class:`Problem` into
pydantic's error with the same kind, message and context; :mod:`arb.quickcheck` hands the file to
pydantic, which reports it.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable
from typing import Any

from arb.models import MAX_LEGS, MAX_RATIO, WEIGHT_TOLERANCE, voting_pool
from arb.numbering import item_key
from arb.symbols import ISO_CURRENCIES, MINOR_UNITS, check_ticker, preview, security_key

__all__ = [
    "Problem",
    "collar_band",
    "condition_dated",
    "currency_code",
    "deal_consistent",
    "deal_id",
    "few_legs",
    "leg_fits_kind",
    "ratio_bounds",
    "revision_dates",
    "security_keys",
    "security_name",
    "security_priced",
    "ticker",
    "upper_keys",
    "vote_numbers",
]


class Problem(ValueError):
    """A broken rule: ``kind`` (pydantic's error type), a message ``template`` and its ``ctx`` values.

    The template names its values in braces (``"collar low {low} must be ..."``); pydantic fills them
    in from ``ctx``. A ``key`` in ``ctx`` is the key path the problem is reported at.
    """

    def __init__(self, kind: str, template: str, /, **ctx: Any) -> None:
        super().__init__(template)
        self.kind = kind
        self.template = template
        self.ctx = ctx


# Full match only: with re.match and "$", "cash-deal\n" would pass (and dodge the duplicate check).
_ID_RE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_MAX_ID = 64


def deal_id(value: str) -> str:
    if not _ID_RE.fullmatch(value) or len(value) > _MAX_ID:
        raise Problem(
            "id",
            "{value} is not lower-case words and hyphens (at most {most} characters), e.g. 'enn-energy'",
            value=preview(value),
            most=_MAX_ID,
        )
    return value


def currency_code(value: str | None) -> str | None:
    """An ISO 4217 code as written, upper-cased when it is a major unit written in lower case."""
    if value is None:
        return None
    if any(not c.isprintable() for c in value) or len(value) > 8:
        raise Problem(
            "currency", "{code} is not a currency code; use an ISO 4217 code such as 'HKD'", code=preview(value)
        )
    code = value.strip()
    # A minor unit is checked before upper-casing: "GBp".upper() is "GBP", 100 times the amount.
    minor = code in MINOR_UNITS
    if not minor and code.upper() in ISO_CURRENCIES and code != code.upper():
        code = code.upper()
    if code not in ISO_CURRENCIES:
        hint = difflib.get_close_matches(code.upper(), sorted(ISO_CURRENCIES), n=1)
        fix = f"; did you mean {hint[0]!r}?" if hint else "; use an ISO 4217 code such as 'HKD'"
        if minor:
            fix = "; write amounts in the major unit (GBP, ZAR, ILS): 150 pence is 1.50 GBP"
        raise Problem("currency", "unknown currency code {code}{fix}", code=preview(value), fix=fix)
    return code


def ticker(value: str | None) -> str | None:
    return _checked("ticker", check_ticker, value)


def security_name(name: str | None) -> str | None:
    return _checked("security_name", security_key, name)


def _checked(kind: str, check: Callable[[str], str], value: str | None) -> str | None:
    """``check(value)`` (None for None), its ValueError raised as a :class:`Problem` of ``kind``."""
    if value is None:
        return None
    try:
        return check(value)
    except ValueError as exc:
        raise Problem(kind, "{problem}", problem=str(exc)) from None


def security_keys(securities: Any) -> Any:
    """A ``[securities]`` table keyed as everywhere else (:func:`arb.symbols.security_key`)."""
    # One key for a security everywhere: "NewCo" here, "newco" in a price file.
    if not isinstance(securities, dict):
        return securities
    out: dict[str, Any] = {}
    for name, sec in securities.items():
        key = security_name(str(name))
        assert key is not None
        if key in out:
            raise Problem(
                "security_name",
                "{name} is defined twice (names are compared without case)",
                key=f"securities.{preview(name)}",
                name=preview(name),
            )
        out[key] = sec
    return out


def upper_keys(table: Any) -> Any:
    """A table keyed in upper case, as currencies, markets and tickers are everywhere else: "hkd" is HKD.

    Two keys that are one once upper-cased (``hkd`` and ``HKD``) are a problem, not a silent choice.
    """
    if not isinstance(table, dict):
        return table
    out: dict[str, Any] = {}
    for key, value in table.items():
        upper = str(key).strip().upper()
        if upper in out:
            raise Problem(
                "duplicate_key",
                "{first} and {second} are one key ({upper}; keys are read without case or spaces); keep one",
                first=preview(next(k for k in table if str(k).strip().upper() == upper)),
                second=preview(key),
                upper=preview(upper),
            )
        out[upper] = value
    return out


def few_legs(legs: Any) -> Any:
    if isinstance(legs, (list, tuple)) and len(legs) > MAX_LEGS:
        raise Problem(
            "legs",
            "{n} legs; a deal has at most {most} (no real deal has more than a handful)",
            n=len(legs),
            most=MAX_LEGS,
        )
    return legs


def security_priced(sec: Any) -> None:
    if sec.proxy is None and sec.estimate is None:
        raise Problem("security", "needs a 'proxy' (a listed ticker) or an 'estimate' (a price), or both")


def ratio_bounds(bounds: tuple[float, float] | None) -> tuple[float, float] | None:
    if bounds is not None:
        low, high = bounds
        if not 0 < low < high <= MAX_RATIO:
            raise Problem(
                "ratio_bounds",
                "ratio_bounds [{low}, {high}] must be shares with 0 < min < max: write [min, max], e.g. [1.300, 1.437]",
                low=low,
                high=high,
            )
    return bounds


def collar_band(band: tuple[float, float] | None) -> tuple[float, float] | None:
    if band is not None:
        low, high = band
        if low <= 0:
            raise Problem("collar", "collar low must be above zero, got {low}", low=low)
        if low >= high:
            raise Problem("collar", "collar low {low} must be below high {high}: write [low, high]", low=low, high=high)
    return band


def leg_fits_kind(leg: Any) -> None:
    """The keys a leg has are the ones its kind takes."""

    def bad(msg: str) -> Problem:
        return Problem("leg", msg)

    if leg.kind in ("cash", "cvr"):
        if leg.amount is None:
            raise bad(f"a {leg.kind} leg needs 'amount' (per target share)")
        for key in ("ratio", "value", "ticker", "security", "collar"):
            if getattr(leg, key) is not None:
                raise bad(f"a {leg.kind} leg takes no '{key}'")
        for key in ("ratio_bounds", "value_currency", "share_cap", "pricing_period"):
            if getattr(leg, key) is not None:
                raise bad(f"a {leg.kind} leg takes no '{key}'")
        if leg.dividend_equalisation:
            raise bad(f"a {leg.kind} leg takes no 'dividend_equalisation' (it belongs on a stock leg)")
        if leg.kind == "cvr" and leg.probability is None:
            raise bad("a cvr leg needs 'probability' (a fraction from 0 to 1)")
        if leg.kind == "cash" and leg.probability is not None:
            raise bad("a cash leg takes no 'probability' (use kind = \"cvr\")")
    else:
        if leg.ratio is not None and leg.value is not None:
            raise bad("a stock leg takes 'ratio' (fixed shares) or 'value' (fixed value), not both")
        if leg.ratio is None and leg.value is None:
            raise bad("a stock leg needs 'ratio' (shares per target share) or 'value' (fixed value)")
        if (leg.ticker is None) == (leg.security is None):
            raise bad(
                "a stock leg needs exactly one of 'ticker' (a listing) or 'security' (defined under [securities])"
            )
        for key in ("amount", "currency", "probability", "payment_date"):
            if getattr(leg, key) is not None:
                raise bad(f"a stock leg takes no '{key}'")
        if leg.ratio is not None:
            for key in ("ratio_bounds", "value_currency"):
                if getattr(leg, key) is not None:
                    raise bad(f"'{key}' belongs on a fixed-value leg ('value'), not a fixed ratio")
        elif leg.share_cap is not None or leg.dividend_equalisation:
            raise bad("'share_cap' and 'dividend_equalisation' belong on a fixed-ratio leg ('ratio')")
        if leg.pricing_period is not None and leg.value is None and leg.collar is None:
            raise bad("'pricing_period' sets a collar's or a fixed value's shares: this leg has neither")


def condition_dated(cond: Any) -> None:
    if cond.status == "pending" and cond.date is not None:
        raise Problem(
            "condition",
            "a pending condition takes no 'date' (the day it was met, waived or failed); "
            "write the hoped-for day as 'expected', or set the status",
        )
    if cond.status != "pending" and cond.date is None:
        raise Problem("condition", "a {status} condition needs 'date' (the day it was {status})", status=cond.status)


def vote_numbers(vote: Any) -> None:
    """The counts of a vote fit its rule and each other."""
    out = vote.shares_outstanding
    if vote.rule == "hk-scheme":
        if vote.disinterested_shares is None:
            raise Problem(
                "vote",
                "an hk-scheme vote needs 'disinterested_shares' (the shares held by holders other than "
                "the offeror and its concert parties)",
            )
        if vote.disinterested_shares > out:
            raise Problem(
                "vote",
                "disinterested_shares {d} is more than shares_outstanding {o}; the disinterested shares "
                "are part of the shares in issue",
                d=vote.disinterested_shares,
                o=out,
            )
    elif vote.disinterested_shares is not None and vote.rule != "uk-scheme":
        raise Problem(
            "vote",
            "'disinterested_shares' is for rule = 'hk-scheme' (or 'uk-scheme': the scheme shares that vote), "
            "not {rule}",
            rule=vote.rule,
        )
    elif vote.disinterested_shares is not None and vote.disinterested_shares > out:
        raise Problem(
            "vote",
            "disinterested_shares {d} is more than shares_outstanding {o}",
            d=vote.disinterested_shares,
            o=out,
        )
    if vote.headcount is not None and vote.rule != "hk-scheme":
        what = "always applies it" if vote.rule == "uk-scheme" else "has none"
        raise Problem("vote", "'headcount' is for rule = 'hk-scheme' only (a {rule} {what})", rule=vote.rule, what=what)
    if vote.rule == "tender":
        if (vote.minimum_acceptance is None) == (vote.minimum_shares is None):
            raise Problem(
                "vote",
                "a tender needs exactly one of 'minimum_acceptance' (a fraction of shares_outstanding, "
                "e.g. 0.9) or 'minimum_shares' (a count)",
            )
        if vote.minimum_shares is not None and vote.minimum_shares > out:
            raise Problem(
                "vote", "minimum_shares {m} is more than shares_outstanding {o}", m=vote.minimum_shares, o=out
            )
    elif vote.minimum_acceptance is not None or vote.minimum_shares is not None:
        raise Problem("vote", "'minimum_acceptance' and 'minimum_shares' are for rule = 'tender' only")
    # The support and opposition are counted among the shares that vote: under a scheme, the
    # offeror's own shares are not listed as a holder (they do not vote at the court meeting).
    pool = voting_pool(vote)
    what = "shares_outstanding" if vote.disinterested_shares is None else "disinterested_shares"
    counted = vote.irrevocables + sum(h.shares for h in vote.holders)
    if counted > pool:
        raise Problem(
            "vote",
            "irrevocables plus the holders' shares come to {n}, more than {what} {o}; count a holder's "
            "irrevocable once, in one place, and list only holders whose shares vote",
            n=counted,
            what=what,
            o=pool,
        )
    if vote.result is not None:
        cast = vote.result.shares_for + vote.result.shares_against
        if cast > pool:
            raise Problem(
                "vote",
                "result: shares_for + shares_against = {cast}, more than {what} {pool}",
                cast=cast,
                what=what,
                pool=pool,
            )


def revision_dates(rev: Any) -> None:
    if rev.announced is not None and rev.announced > rev.superseded:
        raise Problem(
            "revision",
            "announced {a} is after superseded {s}; terms cannot stop applying before they are announced",
            a=rev.announced.isoformat(),
            s=rev.superseded.isoformat(),
        )


def deal_consistent(deal: Any) -> None:
    """The rules across a deal's parts: dates in order, securities defined, elections whole."""
    if deal.announced and deal.expected_close and deal.expected_close < deal.announced:
        raise Problem(
            "dates",
            "{close} is before announced {announced}; fix either date",
            key="expected_close",
            close=deal.expected_close.isoformat(),
            announced=deal.announced.isoformat(),
        )
    for where, leg in _all_legs(deal):
        if leg.security is not None and leg.security not in deal.securities:
            defined = ", ".join(sorted(deal.securities)) or "none"
            raise Problem(
                "security_ref",
                "'{name}' is not defined under [securities] (defined: {defined}); add [securities.{name}]",
                key=f"{where}.security",
                name=leg.security,
                defined=defined,
            )
    if deal.target.ticker is None and deal.target.name is None:
        raise Problem("target", "needs a 'ticker' or at least a 'name'", key="target")
    _no_name_is_a_ticker(deal)
    _elections_sum_to_one(deal.consideration, "consideration")
    for i, rev in enumerate(deal.revisions):
        _elections_sum_to_one(rev.consideration, f"{item_key('revision', i)}.consideration")
    _paid_when_completed(deal)
    _nothing_after_the_long_stop(deal)
    _revisions_in_order(deal)


def _all_legs(deal: Any) -> list[tuple[str, Any]]:
    """Every leg, current and revised, with its key path."""
    out = [(item_key("consideration", i), leg) for i, leg in enumerate(deal.consideration)]
    for r, rev in enumerate(deal.revisions):
        out += [
            (f"{item_key('revision', r)}.{item_key('consideration', i)}", leg)
            for i, leg in enumerate(rev.consideration)
        ]
    return out


def _paid_when_completed(deal: Any) -> None:
    if deal.paid is not None and deal.status != "completed":
        raise Problem(
            "paid",
            "'paid' is what a completed deal paid, but status is '{status}'; set status = \"completed\" or drop 'paid'",
            key="paid",
            status=deal.status,
        )


def _nothing_after_the_long_stop(deal: Any) -> None:
    # The long-stop is the date after which either side may walk away: a step of the timetable
    # later than it is a typing slip or a long-stop that was extended (add the new long-stop).
    stops = [e.date for e in deal.events if e.kind == "long-stop"]
    if not stops:
        return
    stop = max(stops)
    if deal.expected_close is not None and deal.expected_close > stop:
        raise Problem(
            "event_order",
            "{close} is after the long-stop date {stop}; fix either date, or add the extended long-stop "
            "as another long-stop event",
            key="expected_close",
            close=deal.expected_close.isoformat(),
            stop=stop.isoformat(),
        )
    for i, event in enumerate(deal.events):
        if event.kind not in ("long-stop", "other") and event.date > stop:
            raise Problem(
                "event_order",
                "the {kind} event on {date} is after the long-stop date {stop}; fix the date, or add the "
                "extended long-stop as another long-stop event",
                key=f"{item_key('event', i)}.date",
                kind=event.kind,
                date=event.date.isoformat(),
                stop=stop.isoformat(),
            )


def _revisions_in_order(deal: Any) -> None:
    for i in range(1, len(deal.revisions)):
        before, after = deal.revisions[i - 1].superseded, deal.revisions[i].superseded
        if after <= before:
            raise Problem(
                "revision_order",
                "superseded {after} is not after {earlier}.superseded {before}; list earlier terms "
                "oldest first, each superseded on a later day",
                key=f"{item_key('revision', i)}.superseded",
                after=after.isoformat(),
                before=before.isoformat(),
                earlier=item_key("revision", i - 1),
            )


def _tickers(deal: Any) -> dict[str, str]:
    """Every ticker the deal names, by its key path."""
    out: dict[str, str] = {}
    for key, holder in (("target", deal.target), ("acquirer", deal.acquirer)):
        if holder is not None and holder.ticker:
            out[f"{key}.ticker"] = holder.ticker
    for where, leg in _all_legs(deal):
        if leg.ticker:
            out[f"{where}.ticker"] = leg.ticker
    for name, sec in deal.securities.items():
        if sec.proxy:
            out[f"securities.{name}.proxy"] = sec.proxy
    for i, div in enumerate(deal.dividend):
        out[f"{item_key('dividend', i)}.ticker"] = div.ticker
    return out


def _no_name_is_a_ticker(deal: Any) -> None:
    # A price row "bigco" prices security bigco, else ticker BIGCO: one deal cannot hold both.
    if not deal.securities:
        return
    for where, code in _tickers(deal).items():
        if code.lower() in deal.securities:
            raise Problem(
                "security_name",
                "security '{name}' has the name of ticker {ticker} ({where}); a price row '{name}' "
                "would price both: rename the security",
                key=f"securities.{code.lower()}",
                name=code.lower(),
                ticker=code,
                where=where,
            )


def _elections_sum_to_one(legs: Iterable[Any], key: str) -> None:
    # Legs with a weight below 1 are the forms of one election; together they are one share.
    prorated = [(i, leg.weight) for i, leg in enumerate(legs) if leg.weight < 1.0]
    if not prorated:
        return
    total = math.fsum(w for _, w in prorated)
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        terms = " + ".join(f"{item_key(key, i)}.weight {w:g}" for i, w in prorated)
        raise Problem(
            "weights",
            "the weights of an election sum to {total}, not 1: {legs}; a holder gets one share's "
            "worth in all (legs without a weight count in full)",
            key=key,
            total=f"{total:.10g}",
            legs=terms,
        )
